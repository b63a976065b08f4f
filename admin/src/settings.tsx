// Settings: the bot flow editor (with a live preview of the widget menu), FAQ with "try a question",
// business hours, API keys (origins, revoke, snippet), the identity secret, operators, departments,
// canned replies, widget appearance (with preview) and the operator's own account. Owners and admins
// change things; agents see their account and the canned replies.
import { useEffect, useState } from 'preact/hooks';
import { FaqEditor, LOCALES, UnansweredQuestions } from './answers';
import { useAction, useAsync, val } from './hooks';
import { call, setSession, type ApiKey, type BotAction, type BotFlow, type BotNode, type BusinessHours, type Department, type FaqEntry, type IdentitySecret, type IdentitySecretCreated, type Operator, type Settings as TenantSettings } from './api';
import { lang, setLang, t, type Lang } from './i18n';
import { askNotifications, notifyPermission, setSound, soundOn } from './notify';
import { canned, categories, departments, isManager, loadDirectory, me, navigateTo, operators } from './state';

const MANAGER_SECTIONS = ['bot', 'faq', 'unanswered', 'hours', 'appearance', 'keys', 'identity', 'operators', 'departments', 'categories', 'canned', 'account'] as const;
const AGENT_SECTIONS = ['canned', 'account'] as const;
type Section = (typeof MANAGER_SECTIONS)[number];
type Locale = (typeof LOCALES)[number];


export function Settings(props: { section: string }) {
  const sections: readonly Section[] = isManager.value ? MANAGER_SECTIONS : AGENT_SECTIONS;
  const section = sections.find((s) => s === props.section) ?? sections[0];
  // On a phone the section menu is one scrolling row: keep the current section in view.
  useEffect(() => document.querySelector('.settings .side a.active')?.scrollIntoView({ block: 'nearest', inline: 'nearest' }), [section]);
  return (
    <div class="settings">
      <nav class="side" aria-label={t('settings')}>
        {sections.map((s) => (
          <a href={`/admin/settings/${s}`} class={s === section ? 'active' : ''} onClick={(e) => { e.preventDefault(); navigateTo.value(`/admin/settings/${s}`); }}>{t(`sec_${s}`)}</a>
        ))}
      </nav>
      <section class="settings-body" data-section={section}>
        <h1>{t(`sec_${section}`)}</h1>
        {section === 'bot' && <BotEditor />}
        {section === 'faq' && <FaqEditor />}
        {section === 'unanswered' && <UnansweredQuestions />}
        {section === 'hours' && <HoursEditor />}
        {section === 'appearance' && <Appearance />}
        {section === 'keys' && <Keys />}
        {section === 'identity' && <Identity />}
        {section === 'operators' && <Operators />}
        {section === 'departments' && <Departments />}
        {section === 'categories' && <Categories />}
        {section === 'canned' && <Canned />}
        {section === 'account' && <Account />}
      </section>
    </div>
  );
}

// ---------------------------------------------------------------- bot flow

function slug(base: string, taken: string[]): string {
  let i = 1;
  while (taken.includes(`${base}${i}`)) i++;
  return `${base}${i}`;
}

function Preview(props: { flow: BotFlow; locale: Locale; faqs: FaqEntry[] }) {
  const { flow, locale } = props;
  const [path, setPath] = useState<string[]>([flow.root]);
  const [end, setEnd] = useState('');
  const text = (m: Partial<Record<Locale, string>>) => m[locale] || m[flow.default_locale] || '';
  const node = flow.nodes.find((n) => n.id === path[path.length - 1]) ?? flow.nodes.find((n) => n.id === flow.root);
  useEffect(() => { setPath([flow.root]); setEnd(''); }, [flow.root]);
  const choose = (a: BotAction, label: string) => {
    if (a.type === 'node') { setPath([...path, a.node]); setEnd(''); }
    else if (a.type === 'handoff') setEnd(`${label} → ${t('previewHandoff')}${a.department_id ? ` (${departments.value.find((d) => d.id === a.department_id)?.name ?? ''})` : ''}`);
    else if (a.type === 'url') setEnd(`${label} → ${a.url}`);
    else if (a.type === 'faq') setEnd(`${label} → ${props.faqs.find((f) => f.id === a.faq_id)?.answer ?? t('missingEntry')}`);
    else setEnd(`${label} → ${t('previewAsk')}`);
  };
  return (
    <div class="widget-preview" aria-label={t('preview')}>
      <div class="wp-head">{t('preview')}</div>
      <div class="wp-body">
        <p class="wp-bubble">{text(flow.welcome)}</p>
        {node && <p class="wp-bubble">{text(node.text)}</p>}
        <div class="wp-choices">
          {node?.choices.map((c) => <button type="button" onClick={() => choose(c.action, text(c.label))}>{text(c.label) || c.id}</button>)}
        </div>
        {end && <p class="wp-end">{end}</p>}
        {path.length === 1 && !end && (flow.suggestions ?? []).length > 0 && (
          <div class="wp-choices wp-suggestions">
            {(flow.suggestions ?? []).map((id) => props.faqs.find((f) => f.id === id)).filter((f): f is FaqEntry => !!f).map((f) => <button type="button" onClick={() => setEnd(`${f.question} → ${f.answer}`)}>{f.question}</button>)}
          </div>
        )}
        {(path.length > 1 || end) && <button type="button" class="linkish" onClick={() => { setPath([flow.root]); setEnd(''); }}>{t('restart')}</button>}
      </div>
    </div>
  );
}

function BotEditor() {
  const [flow, setFlow, loadError] = useAsync(() => call('get', '/api/admin/bot'));
  const [faqList] = useAsync(() => call('get', '/api/admin/faq'));
  const faqs = faqList?.results ?? [];
  const [locale, setLocale] = useState<Locale>('en');
  const [run, msg] = useAction();
  useEffect(() => { if (flow) setLocale(flow.default_locale); }, [!!flow]);
  if (loadError) return <p class="error">{loadError}</p>;
  if (!flow) return <p class="muted">{t('loading')}</p>;
  const update = (f: (draft: BotFlow) => void) => {
    const draft = structuredClone(flow);
    f(draft);
    setFlow(draft);
  };
  const nodeIds = flow.nodes.map((n) => n.id);
  const setAction = (ni: number, ci: number, type: BotAction['type']) => update((d) => {
    const a: BotAction =
      type === 'node' ? { type, node: nodeIds.find((id) => id !== d.nodes[ni].id) ?? d.root }
      : type === 'url' ? { type, url: 'https://' }
      : type === 'handoff' ? { type }
      : type === 'faq' && faqs[0] ? { type, faq_id: faqs[0].id }
      : { type: 'ask' };
    d.nodes[ni].choices[ci].action = a;
  });
  return (
    <div class="bot-editor">
      <div class="editor">
        <div class="row">
          <label class="field inline"><span>{t('editLanguage')}</span>
            <select name="bot-locale" value={locale} onChange={(e) => setLocale(val(e) as Locale)}>{LOCALES.map((l) => <option value={l}>{l}</option>)}</select></label>
          <label class="field inline"><span>{t('defaultLanguage')}</span>
            <select value={flow.default_locale} onChange={(e) => update((d) => { d.default_locale = val(e) as Locale; })}>{LOCALES.map((l) => <option value={l}>{l}</option>)}</select></label>
          <label class="toggle"><input type="checkbox" checked={flow.auto_reply !== false} onChange={(e) => update((d) => { d.auto_reply = (e.target as HTMLInputElement).checked; })} /> {t('autoReply')}</label>
        </div>
        <div class="row">
          <label class="toggle"><input type="checkbox" name="free-text" checked={flow.free_text !== false} onChange={(e) => update((d) => { d.free_text = (e.target as HTMLInputElement).checked; })} /> {t('freeText')}</label>
          <label class="field inline"><span>{t('typingPause')}</span>
            <input type="number" name="typing-ms" min={0} max={3000} step={100} value={flow.typing_ms ?? 600} onInput={(e) => update((d) => { d.typing_ms = Math.max(0, Math.min(3000, Number(val(e)) || 0)); })} /></label>
        </div>
        {flow.free_text === false && <p class="muted small">{t('freeTextOffHelp')}</p>}
        <fieldset class="flow-suggestions">
          <legend>{t('suggestedQuestions')}</legend>
          <p class="muted small">{t('suggestionsHelp')}</p>
          {faqs.length === 0 && <p class="muted small">{t('noEntriesYet')}</p>}
          {faqs.map((f) => {
            const chosen = (flow.suggestions ?? []).includes(f.id);
            return (
              <label class="toggle suggestion">
                <input type="checkbox" name={`suggest-${f.id}`} checked={chosen} disabled={!chosen && (flow.suggestions ?? []).length >= 6}
                  onChange={(e) => update((d) => { const on = (e.target as HTMLInputElement).checked; d.suggestions = on ? [...(d.suggestions ?? []), f.id] : (d.suggestions ?? []).filter((x) => x !== f.id); })} />
                {' '}{f.question} <span class="badge">{f.locale}</span>
              </label>
            );
          })}
        </fieldset>
        <label class="field"><span>{t('welcome')}</span>
          <textarea name="welcome" rows={2} value={flow.welcome[locale] ?? ''} onInput={(e) => update((d) => { d.welcome[locale] = val(e); })} /></label>
        <label class="field inline"><span>{t('firstNode')}</span>
          <select value={flow.root} onChange={(e) => update((d) => { d.root = val(e); })}>{nodeIds.map((id) => <option value={id}>{id}</option>)}</select></label>
        {flow.nodes.map((n: BotNode, ni) => (
          <fieldset class="node" data-node={n.id}>
            <legend>{t('node')} <code>{n.id}</code></legend>
            <label class="field"><span>{t('nodeText')}</span>
              <textarea rows={2} name={`node-${n.id}-text`} value={n.text[locale] ?? ''} onInput={(e) => update((d) => { d.nodes[ni].text[locale] = val(e); })} /></label>
            <table class="choices">
              <thead><tr><th>{t('choiceLabel')}</th><th>{t('action')}</th><th>{t('target')}</th><th /></tr></thead>
              <tbody>
                {n.choices.map((c, ci) => (
                  <tr>
                    <td><input name={`choice-${n.id}-${c.id}`} value={c.label[locale] ?? ''} placeholder={c.label[flow.default_locale] ?? c.id} onInput={(e) => update((d) => { d.nodes[ni].choices[ci].label[locale] = val(e); })} /></td>
                    <td><select value={c.action.type} onChange={(e) => setAction(ni, ci, val(e) as BotAction['type'])}>
                      <option value="node">{t('act_node')}</option><option value="handoff">{t('act_handoff')}</option><option value="url">{t('act_url')}</option><option value="ask">{t('act_ask')}</option>
                      {(faqs.length > 0 || c.action.type === 'faq') && <option value="faq">{t('act_faq')}</option>}
                    </select></td>
                    <td>
                      {c.action.type === 'node' && <select value={c.action.node} onChange={(e) => update((d) => { d.nodes[ni].choices[ci].action = { type: 'node', node: val(e) }; })}>{nodeIds.map((id) => <option value={id}>{id}</option>)}</select>}
                      {c.action.type === 'handoff' && <select value={c.action.department_id ?? ''} onChange={(e) => update((d) => { d.nodes[ni].choices[ci].action = val(e) ? { type: 'handoff', department_id: val(e) } : { type: 'handoff' }; })}>
                        <option value="">{t('defaultDepartment')}</option>{departments.value.map((dep) => <option value={dep.id}>{dep.name}</option>)}</select>}
                      {c.action.type === 'url' && <input type="url" value={c.action.url} onInput={(e) => update((d) => { d.nodes[ni].choices[ci].action = { type: 'url', url: val(e) }; })} />}
                      {c.action.type === 'faq' && <select aria-label={t('act_faq')} value={c.action.faq_id} onChange={(e) => update((d) => { d.nodes[ni].choices[ci].action = { type: 'faq', faq_id: val(e) }; })}>{faqs.map((f) => <option value={f.id}>{f.question}</option>)}</select>}
                    </td>
                    <td><button type="button" class="linkish" onClick={() => update((d) => { d.nodes[ni].choices.splice(ci, 1); })}>{t('remove')}</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div class="row">
              <button type="button" class="secondary small" onClick={() => update((d) => { d.nodes[ni].choices.push({ id: slug('choice', d.nodes[ni].choices.map((x) => x.id)), label: { [locale]: t('newChoice') }, action: { type: 'ask' } }); })}>{t('addChoice')}</button>
              {n.id !== flow.root && <button type="button" class="linkish" onClick={() => update((d) => { d.nodes.splice(ni, 1); })}>{t('removeNode')}</button>}
            </div>
          </fieldset>
        ))}
        <div class="row">
          <button type="button" class="secondary" onClick={() => update((d) => { d.nodes.push({ id: slug('node', nodeIds), text: { [d.default_locale]: t('newNodeText') }, choices: [] }); })}>{t('addNode')}</button>
          <button type="button" class="save" onClick={() => run(async () => setFlow(await call('put', '/api/admin/bot', { body: flow })))}>{t('save')}</button>
        </div>
        {msg}
      </div>
      <Preview flow={flow} locale={locale} faqs={faqs} />
    </div>
  );
}


// ---------------------------------------------------------------- business hours

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

function HoursEditor() {
  const [settings, setSettings, error] = useAsync(() => call('get', '/api/admin/settings'));
  const [hours, setHours] = useState<BusinessHours | null>(null);
  const [holidays, setHolidays] = useState('');
  const [run, msg] = useAction();
  useEffect(() => {
    if (!settings) return;
    const h = settings.business_hours;
    setHours(h ?? null);
    setHolidays((h?.holidays ?? []).join('\n'));
  }, [settings]);
  if (error) return <p class="error">{error}</p>;
  if (!settings) return <p class="muted">{t('loading')}</p>;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const save = (value: BusinessHours | null) => run(async () => setSettings(await call('patch', '/api/admin/settings', { body: { business_hours: value } })));
  if (!hours) {
    return (
      <div class="card">
        <p>{t('alwaysOpen')}</p>
        <button onClick={() => setHours({ timezone: zone, weekly: { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '18:00']], thu: [['09:00', '18:00']], fri: [['09:00', '18:00']] }, holidays: [] })}>{t('setHours')}</button>
        {msg}
      </div>
    );
  }
  const setDay = (day: string, intervals: string[][]) => setHours({ ...hours, weekly: { ...hours.weekly, [day]: intervals } });
  return (
    <div class="card hours">
      <label class="field"><span>{t('timezone')}</span><input name="timezone" value={hours.timezone} onInput={(e) => setHours({ ...hours, timezone: val(e) })} /></label>
      <table class="grid">
        <tbody>
          {DAYS.map((day) => {
            const list = hours.weekly[day] ?? [];
            return (
              <tr data-day={day}>
                <th>{t(`day_${day}`)}</th>
                <td>
                  {list.length === 0 && <span class="muted">{t('closedDay')}</span>}
                  {list.map((iv, i) => (
                    <span class="interval">
                      <input type="time" value={iv[0]} onInput={(e) => setDay(day, list.map((x, j) => (j === i ? [val(e), x[1]] : x)))} />–
                      <input type="time" value={iv[1]} onInput={(e) => setDay(day, list.map((x, j) => (j === i ? [x[0], val(e)] : x)))} />
                      <button class="linkish" onClick={() => setDay(day, list.filter((_, j) => j !== i))}>×</button>
                    </span>
                  ))}
                  <button class="linkish" onClick={() => setDay(day, [...list, ['09:00', '18:00']])}>+ {t('addInterval')}</button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <label class="field"><span>{t('holidays')}</span><textarea rows={3} value={holidays} placeholder="2026-12-25" onInput={(e) => setHolidays(val(e))} /></label>
      <div class="row">
        <button onClick={() => save({ ...hours, holidays: holidays.split(/\s+/).filter(Boolean) })}>{t('save')}</button>
        <button class="secondary" onClick={() => { setHours(null); void save(null); }}>{t('makeAlwaysOpen')}</button>
      </div>
      {msg}
    </div>
  );
}

// ---------------------------------------------------------------- appearance

function Appearance() {
  const [settings, setSettings, error] = useAsync(() => call('get', '/api/admin/settings'));
  const [run, msg, fieldError] = useAction();
  // The team's addresses as typed (one per line), sent as a list.
  const [team, setTeam] = useState<string | null>(null);
  if (error) return <p class="error">{error}</p>;
  if (!settings) return <p class="muted">{t('loading')}</p>;
  const w = settings.widget;
  const set = (patch: Partial<TenantSettings['widget']>) => setSettings({ ...settings, widget: { ...w, ...patch } });
  return (
    <div class="appearance">
      <div class="card">
        <label class="field"><span>{t('companyName')}</span><input name="company" value={settings.name} onInput={(e) => setSettings({ ...settings, name: val(e) })} /></label>
        {fieldError('name')}
        <label class="field inline"><span>{t('color')}</span><input type="color" name="color" value={w.color} onInput={(e) => set({ color: val(e) })} /> <code>{w.color}</code></label>
        {fieldError('widget.color')}
        <label class="field inline"><span>{t('position')}</span>
          <select name="position" value={w.position} onChange={(e) => set({ position: val(e) as 'right' | 'left' })}><option value="right">{t('right')}</option><option value="left">{t('left')}</option></select></label>
        <label class="field"><span>{t('greeting')}</span><input name="greeting" value={w.greeting} onInput={(e) => set({ greeting: val(e) })} /></label>
        {fieldError('widget.greeting')}
        <label class="field"><span>{t('afterClose')}</span>
          <select name="after_close" value={w.after_close} onChange={(e) => set({ after_close: val(e) as 'reopen' | 'new' })}>
            <option value="reopen">{t('afterCloseReopen')}</option><option value="new">{t('afterCloseNew')}</option>
          </select></label>
        {fieldError('widget.after_close')}
        <label class="toggle"><input type="checkbox" name="csat" checked={w.csat} onChange={(e) => set({ csat: (e.target as HTMLInputElement).checked })} /> {t('csatSetting')}</label>
        <label class="toggle"><input type="checkbox" name="page_tracking" checked={w.page_tracking} onChange={(e) => set({ page_tracking: (e.target as HTMLInputElement).checked })} /> {t('pageTrackingSetting')}</label>
        <fieldset class="checks prechat"><legend>{t('prechatSetting')}</legend>
          <label class="field inline"><span>{t('prechatFields')}</span>
            <select name="prechat_fields" value={w.prechat.fields} onChange={(e) => set({ prechat: { ...w.prechat, fields: val(e) as 'off' | 'name' | 'name_email' } })}>
              <option value="off">{t('prechatOff')}</option><option value="name">{t('prechatName')}</option><option value="name_email">{t('prechatNameEmail')}</option>
            </select></label>
          {w.prechat.fields !== 'off' && <>
            <label class="toggle"><input type="checkbox" name="prechat_name_required" checked={w.prechat.name_required} onChange={(e) => set({ prechat: { ...w.prechat, name_required: (e.target as HTMLInputElement).checked } })} /> {t('prechatNameRequired')}</label>
            {w.prechat.fields === 'name_email' && <label class="toggle"><input type="checkbox" name="prechat_email_required" checked={w.prechat.email_required} onChange={(e) => set({ prechat: { ...w.prechat, email_required: (e.target as HTMLInputElement).checked } })} /> {t('prechatEmailRequired')}</label>}
            <label class="field inline"><span>{t('prechatWhen')}</span>
              <select name="prechat_when" value={w.prechat.when} onChange={(e) => set({ prechat: { ...w.prechat, when: val(e) as 'start' | 'handoff' } })}>
                <option value="start">{t('prechatAtStart')}</option><option value="handoff">{t('prechatAtHandoff')}</option>
              </select></label>
          </>}
        </fieldset>
        <fieldset class="checks stack auto-close"><legend>{t('autoCloseSetting')}</legend>
          <label class="field inline"><span>{t('autoCloseBot')}</span>
            <input type="number" name="auto_close_bot" min={0} max={10080} value={w.auto_close.bot_minutes} onInput={(e) => set({ auto_close: { ...w.auto_close, bot_minutes: Number(val(e)) } })} /></label>
          {fieldError('widget.auto_close.bot_minutes')}
          <label class="field inline"><span>{t('autoCloseVisitor')}</span>
            <input type="number" name="auto_close_visitor" min={0} max={10080} value={w.auto_close.visitor_minutes} onInput={(e) => set({ auto_close: { ...w.auto_close, visitor_minutes: Number(val(e)) } })} /></label>
          {fieldError('widget.auto_close.visitor_minutes')}
          <small class="muted">{t('autoCloseHelp')}</small>
        </fieldset>
        <fieldset class="checks stack email"><legend>{t('emailSetting')}</legend>
          {!settings.email_available && <p class="muted">{t('emailUnavailable')}</p>}
          <label class="toggle"><input type="checkbox" name="transcript_email" checked={w.transcript_email} onChange={(e) => set({ transcript_email: (e.target as HTMLInputElement).checked })} /> {t('transcriptEmailSetting')}</label>
          <label class="field"><span>{t('offlineEmailsSetting')}</span>
            <textarea name="offline_emails" rows={2} value={team ?? (w.offline_emails ?? []).join('\n')} onInput={(e) => { setTeam(val(e)); set({ offline_emails: val(e).split(/[\s,]+/).filter(Boolean) }); }} /></label>
          <small class="muted">{t('offlineEmailsHelp')}</small>
          {fieldError('widget.offline_emails')}
        </fieldset>
        <label class="toggle"><input type="checkbox" checked={settings.require_verified_visitors} onChange={(e) => setSettings({ ...settings, require_verified_visitors: (e.target as HTMLInputElement).checked })} /> {t('requireVerified')}</label>
        <div class="row"><button onClick={() => run(async () => { setSettings(await call('patch', '/api/admin/settings', { body: { name: settings.name, widget: w, require_verified_visitors: settings.require_verified_visitors } })); setTeam(null); })}>{t('save')}</button></div>
        {msg}
      </div>
      <div class={`site-preview ${w.position}`} aria-label={t('preview')}>
        <div class="sp-panel">
          <div class="sp-head" style={{ background: w.color }}>{settings.name}</div>
          <p class="sp-greeting">{w.greeting}</p>
        </div>
        <div class="sp-bubble" style={{ background: w.color }} aria-hidden="true">💬</div>
      </div>
    </div>
  );
}

// ---------------------------------------------------------------- keys and identity

function snippet(key: string): string {
  return `<script src="${location.origin}/widget.js" data-key="${key}" async></script>`;
}

function Keys() {
  const [list, setList, error] = useAsync(() => call('get', '/api/admin/api-keys'));
  const [label, setLabel] = useState('');
  const [origins, setOrigins] = useState('');
  const [copied, setCopied] = useState('');
  const [run, msg, fieldError] = useAction();
  if (error) return <p class="error">{error}</p>;
  const replace = (k: ApiKey) => setList((l) => ({ ...l, results: l.results.map((x) => (x.id === k.id ? k : x)) }));
  return (
    <div>
      <form class="card" onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const k = await call('post', '/api/admin/api-keys', { body: { label, allowed_origins: splitOrigins(origins) } });
          setList((l) => ({ ...l, results: [k, ...l.results] }));
          setLabel('');
          setOrigins('');
        }, t('keyCreated'));
      }}>
        <h2>{t('newKey')}</h2>
        <label class="field"><span>{t('label')}</span><input name="label" value={label} onInput={(e) => setLabel(val(e))} required /></label>
        {fieldError('label')}
        <label class="field"><span>{t('allowedOrigins')}</span><textarea name="origins" rows={2} placeholder="https://www.example.com" value={origins} onInput={(e) => setOrigins(val(e))} required /></label>
        {fieldError('allowed_origins')}
        <p class="muted">{t('originsHelp')}</p>
        <button type="submit">{t('create')}</button>
        {msg}
      </form>
      {list?.results.map((k) => <KeyCard key={k.id} k={k} replace={replace} copied={copied === k.id} onCopy={() => navigator.clipboard.writeText(snippet(k.key)).then(() => setCopied(k.id), () => setCopied(''))} />)}
    </div>
  );
}

const splitOrigins = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** One key: its origins edited in place, its snippet, and a revoke that asks first (in the page, not a browser dialog). */
function KeyCard(props: { k: ApiKey; replace: (k: ApiKey) => void; copied: boolean; onCopy: () => void }) {
  const { k } = props;
  const [editing, setEditing] = useState(false);
  const [origins, setOrigins] = useState(k.allowed_origins.join('\n'));
  const [label, setLabel] = useState(k.label);
  const [confirming, setConfirming] = useState(false);
  const [run, msg, fieldError] = useAction();
  return (
    <div class={`card key ${k.active ? '' : 'revoked'}`} data-key-id={k.id}>
      <div class="row"><h3>{k.label}</h3><span class="grow" />{k.active ? <span class="badge ok">{t('active')}</span> : <span class="badge">{t('revoked')}</span>}</div>
      {editing ? (
        <form onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            props.replace(await call('patch', '/api/admin/api-keys/{id}', { params: { id: k.id }, body: { label, allowed_origins: splitOrigins(origins) } }));
            setEditing(false);
          });
        }}>
          <label class="field"><span>{t('label')}</span><input name="label" value={label} onInput={(e) => setLabel(val(e))} required /></label>
          {fieldError('label')}
          <label class="field"><span>{t('allowedOrigins')}</span><textarea name="origins" rows={3} value={origins} onInput={(e) => setOrigins(val(e))} required /></label>
          {fieldError('allowed_origins')}
          <div class="row"><button type="submit">{t('save')}</button><button type="button" class="secondary" onClick={() => setEditing(false)}>{t('cancel')}</button></div>
        </form>
      ) : <p class="muted origins">{k.allowed_origins.join(' · ')}</p>}
      {k.active && !editing && <>
        <pre class="snippet">{snippet(k.key)}</pre>
        <div class="row">
          <button class="secondary small" onClick={props.onCopy}>{props.copied ? t('copied') : t('copySnippet')}</button>
          <button class="secondary small" onClick={() => setEditing(true)}>{t('editOrigins')}</button>
          {!confirming && <button class="danger small" onClick={() => setConfirming(true)}>{t('revoke')}</button>}
        </div>
        {confirming && (
          <div class="confirm" role="alertdialog" aria-label={t('revoke')}>
            <p>{t('revokeConfirm')}</p>
            <div class="row">
              <button class="danger small" onClick={() => run(async () => props.replace(await call('post', '/api/admin/api-keys/{id}/revoke', { params: { id: k.id } })), t('keyRevoked'))}>{t('revokeKey')}</button>
              <button class="secondary small" onClick={() => setConfirming(false)}>{t('cancel')}</button>
            </div>
          </div>
        )}
      </>}
      {msg}
    </div>
  );
}

function Identity() {
  const [status, setStatus, error] = useAsync<IdentitySecret>(() => call('get', '/api/admin/identity-secret'));
  const [created, setCreated] = useState<IdentitySecretCreated | null>(null);
  const [run, msg] = useAction();
  if (error) return <p class="error">{error}</p>;
  if (!status) return <p class="muted">{t('loading')}</p>;
  return (
    <div class="card">
      <p>{t('identityHelp')}</p>
      <p>{status.configured ? `${t('secretConfigured')} (…${status.hint})` : t('secretMissing')}</p>
      {created && <div class="secret-once" role="status"><p><b>{t('secretOnce')}</b></p><pre class="secret">{created.secret}</pre></div>}
      <button onClick={() => (!status.configured || confirm(t('rotateConfirm'))) && run(async () => {
        const c = await call('post', '/api/admin/identity-secret');
        setCreated(c);
        setStatus({ configured: true, hint: c.hint, created_at: c.created_at });
      })}>{status.configured ? t('rotate') : t('createSecret')}</button>
      {msg}
    </div>
  );
}

// ---------------------------------------------------------------- operators and departments

function Operators() {
  const [list, setList, error, reload] = useAsync(() => call('get', '/api/admin/operators'));
  const [f, setF] = useState({ name: '', email: '', password: '', role: 'agent' as Operator['role'], capacity: 5, department_ids: [] as string[] });
  const [run, msg] = useAction();
  if (error) return <p class="error">{error}</p>;
  const replace = (o: Operator) => {
    setList((l) => ({ ...l, results: l.results.map((x) => (x.id === o.id ? o : x)) }));
    void loadDirectory();
  };
  const patch = (o: Operator, body: { role?: Operator['role']; capacity?: number; active?: boolean }) =>
    run(async () => replace(await call('patch', '/api/admin/operators/{id}', { params: { id: o.id }, body })));
  return (
    <div>
      <form class="card" onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          await call('post', '/api/admin/operators', { body: { ...f, department_ids: f.department_ids.length ? f.department_ids : undefined } });
          setF({ ...f, name: '', email: '', password: '' });
          reload();
          void loadDirectory();
        }, t('operatorCreated'));
      }}>
        <h2>{t('newOperator')}</h2>
        <div class="cols">
          <label class="field"><span>{t('name')}</span><input name="op-name" value={f.name} onInput={(e) => setF({ ...f, name: val(e) })} required /></label>
          <label class="field"><span>{t('email')}</span><input name="op-email" type="email" value={f.email} onInput={(e) => setF({ ...f, email: val(e) })} required /></label>
          <label class="field"><span>{t('initialPassword')}</span><input name="op-password" type="password" autocomplete="new-password" minLength={10} value={f.password} onInput={(e) => setF({ ...f, password: val(e) })} required /></label>
          <label class="field"><span>{t('role')}</span><select name="op-role" value={f.role} onChange={(e) => setF({ ...f, role: val(e) as Operator['role'] })}>
            <option value="agent">{t('role_agent')}</option><option value="admin">{t('role_admin')}</option>{me.value?.role === 'owner' && <option value="owner">{t('role_owner')}</option>}</select></label>
          <label class="field"><span>{t('capacity')}</span><input name="op-capacity" type="number" min={0} max={100} value={f.capacity} onInput={(e) => setF({ ...f, capacity: Number(val(e)) })} /></label>
        </div>
        <fieldset class="checks"><legend>{t('departments')}</legend>
          {departments.value.map((d) => <label class="toggle"><input type="checkbox" checked={f.department_ids.includes(d.id)} onChange={(e) => setF({ ...f, department_ids: (e.target as HTMLInputElement).checked ? [...f.department_ids, d.id] : f.department_ids.filter((x) => x !== d.id) })} /> {d.name}</label>)}
        </fieldset>
        <button type="submit">{t('create')}</button>
        {msg}
      </form>
      <table class="grid operators">
        <thead><tr><th>{t('name')}</th><th>{t('role')}</th><th>{t('capacity')}</th><th>{t('status')}</th><th>{t('departments')}</th><th /></tr></thead>
        <tbody>
          {list?.results.map((o) => (
            <tr data-operator={o.email} class={o.active ? '' : 'inactive'}>
              <td><b>{o.name}</b><br /><span class="muted">{o.email}</span></td>
              <td><select value={o.role} disabled={o.id === me.value?.id} onChange={(e) => patch(o, { role: val(e) as Operator['role'] })}>
                <option value="agent">{t('role_agent')}</option><option value="admin">{t('role_admin')}</option><option value="owner">{t('role_owner')}</option></select></td>
              <td><input type="number" class="narrow" min={0} max={100} value={o.capacity} onChange={(e) => patch(o, { capacity: Number(val(e)) })} /></td>
              <td>{o.active ? t(o.status) : t('deactivated')} {operators.value.find((x) => x.id === o.id)?.online && <span class="dot on" title={t('online')} />}</td>
              <td>{o.department_ids.map((d) => departments.value.find((x) => x.id === d)?.name).filter(Boolean).join(', ')}</td>
              <td class="nowrap">
                {o.id !== me.value?.id && (o.active
                  ? <button class="linkish danger" onClick={() => confirm(t('deactivateConfirm')) && patch(o, { active: false })}>{t('deactivate')}</button>
                  : <button class="linkish" onClick={() => patch(o, { active: true })}>{t('reactivate')}</button>)}
                {o.id !== me.value?.id && <> <button class="linkish" onClick={() => {
                  const password = prompt(t('newPasswordFor').replace('{name}', o.name));
                  if (password) void run(() => call('post', '/api/admin/operators/{id}/password', { params: { id: o.id }, body: { password } }), t('passwordReset'));
                }}>{t('resetPassword')}</button></>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Departments() {
  const [name, setName] = useState('');
  const [run, msg] = useAction();
  const list = departments.value;
  const ops = operators.value.filter((o) => o.active !== false);
  return (
    <div>
      <form class="card row" onSubmit={(e) => { e.preventDefault(); void run(async () => { await call('post', '/api/admin/departments', { body: { name } }); setName(''); await loadDirectory(); }, t('departmentCreated')); }}>
        <label class="field"><span>{t('newDepartment')}</span><input name="department" value={name} onInput={(e) => setName(val(e))} required /></label>
        <button type="submit">{t('create')}</button>
      </form>
      {msg}
      {list.map((d) => (
        <div class="card" data-department={d.name}>
          <div class="row">
            <h3>{d.name}</h3>{d.is_default && <span class="badge">{t('default')}</span>}<span class="grow" />
            <button class="linkish" onClick={() => { const n = prompt(t('rename'), d.name); if (n) void run(async () => { await call('patch', '/api/admin/departments/{id}', { params: { id: d.id }, body: { name: n } }); await loadDirectory(); }); }}>{t('rename')}</button>
            {!d.is_default && <button class="linkish danger" onClick={() => confirm(t('deleteConfirm')) && run(async () => { await call('delete', '/api/admin/departments/{id}', { params: { id: d.id } }); await loadDirectory(); }, t('deleted'))}>{t('delete')}</button>}
          </div>
          <WidgetOffer d={d} run={run} />
          <div class="checks">
            {ops.map((o) => (
              <label class="toggle"><input type="checkbox" checked={d.member_ids.includes(o.id)} onChange={(e) => run(async () => {
                if ((e.target as HTMLInputElement).checked) await call('post', '/api/admin/departments/{id}/members', { params: { id: d.id }, body: { operator_id: o.id } });
                else await call('delete', '/api/admin/departments/{id}/members/{operator_id}', { params: { id: d.id, operator_id: o.id } });
                await loadDirectory();
              })} /> {o.name}</label>
            ))}
          </div>
        </div>
      ))}
    </div>
  );
}

/** Whether visitors can pick this department in the widget ("Which team?"), and its label per language. */
function WidgetOffer(props: { d: Department; run: (f: () => Promise<unknown>, done?: string) => Promise<boolean> }) {
  const { d } = props;
  const [labels, setLabels] = useState<Record<string, string>>(d.widget_labels ?? {});
  const save = (body: { widget_visible?: boolean; widget_labels?: Record<string, string> }) =>
    props.run(async () => { await call('patch', '/api/admin/departments/{id}', { params: { id: d.id }, body }); await loadDirectory(); }, t('saved'));
  return (
    <div class="widget-offer">
      <label class="toggle"><input type="checkbox" name="widget_visible" checked={d.widget_visible} onChange={(e) => save({ widget_visible: (e.target as HTMLInputElement).checked })} /> {t('visibleInWidget')}</label>
      {d.widget_visible && (
        <form class="row wrap" onSubmit={(e) => { e.preventDefault(); void save({ widget_labels: labels }); }}>
          {LOCALES.map((l) => (
            <label class="field inline"><span>{l}</span><input name={`label_${l}`} value={labels[l] ?? ''} placeholder={d.name} onInput={(e) => setLabels({ ...labels, [l]: val(e) })} /></label>
          ))}
          <button type="submit" class="secondary small">{t('saveLabels')}</button>
        </form>
      )}
    </div>
  );
}

// ---------------------------------------------------------------- categories

/** What conversations are about: a name, and the keywords and FAQ answers that put a conversation in
 *  it at its handoff or close (the first matching category wins; an operator's choice is kept). */
function Categories() {
  const empty = { name: '', keywords: '', faq_ids: [] as string[] };
  const [f, setF] = useState(empty);
  const [editing, setEditing] = useState<string | null>(null);
  const [faqs] = useAsync(() => call('get', '/api/admin/faq'));
  const [run, msg, fieldError] = useAction();
  const question = (id: string) => faqs?.results.find((q) => q.id === id)?.question ?? id;
  return (
    <div>
      <form class="card" onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          // Entries deleted since are left out.
          const faqIds = f.faq_ids.filter((id) => faqs?.results.some((q) => q.id === id));
          const body = { name: f.name, keywords: f.keywords.split(/[,、，\n]/).map((k) => k.trim()).filter(Boolean), faq_ids: faqIds };
          if (editing) await call('patch', '/api/admin/categories/{id}', { params: { id: editing }, body });
          else await call('post', '/api/admin/categories', { body });
          setF(empty);
          setEditing(null);
          await loadDirectory();
        });
      }}>
        <div class="cols">
          <label class="field"><span>{t('categoryName')}</span><input name="category-name" value={f.name} onInput={(e) => setF({ ...f, name: val(e) })} required /></label>
          <label class="field wide"><span>{t('categoryKeywords')}</span><input name="category-keywords" value={f.keywords} placeholder="parcel, delivery, 配送" onInput={(e) => setF({ ...f, keywords: val(e) })} /></label>
        </div>
        {fieldError('name')}{fieldError('keywords')}{fieldError('faq_ids')}
        {(faqs?.results.length ?? 0) > 0 && <fieldset class="checks"><legend>{t('categoryFaqs')}</legend>
          {faqs?.results.map((q) => (
            <label class="toggle"><input type="checkbox" checked={f.faq_ids.includes(q.id)}
              onChange={(e) => setF({ ...f, faq_ids: (e.target as HTMLInputElement).checked ? [...f.faq_ids, q.id] : f.faq_ids.filter((x) => x !== q.id) })} /> {q.question}</label>
          ))}
        </fieldset>}
        <div class="row">
          <button type="submit">{editing ? t('save') : t('add')}</button>
          {editing && <button type="button" class="secondary" onClick={() => { setEditing(null); setF(empty); }}>{t('cancel')}</button>}
        </div>
        {msg}
      </form>
      <p class="muted">{t('categoriesHelp')}</p>
      <table class="grid categories">
        <tbody>
          {categories.value.map((c) => (
            <tr data-category={c.name}>
              <td><b>{c.name}</b></td>
              <td>{c.keywords.join(', ')}{c.faq_ids.length > 0 && <div class="muted">{c.faq_ids.map(question).join(' · ')}</div>}</td>
              <td class="nowrap">
                <button class="linkish" onClick={() => { setEditing(c.id); setF({ name: c.name, keywords: c.keywords.join(', '), faq_ids: c.faq_ids }); }}>{t('edit')}</button>{' '}
                <button class="linkish danger" onClick={() => run(async () => {
                  await call('delete', '/api/admin/categories/{id}', { params: { id: c.id } });
                  if (editing === c.id) { setEditing(null); setF(empty); }
                  await loadDirectory();
                }, t('deleted'))}>{t('delete')}</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// ---------------------------------------------------------------- canned replies

function Canned() {
  const [f, setF] = useState({ shortcut: '', text: '' });
  const [editing, setEditing] = useState<string | null>(null);
  const [run, msg] = useAction();
  const manager = isManager.value;
  return (
    <div>
      {manager && (
        <form class="card" onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            if (editing) await call('patch', '/api/admin/canned-replies/{id}', { params: { id: editing }, body: f });
            else await call('post', '/api/admin/canned-replies', { body: f });
            setF({ shortcut: '', text: '' });
            setEditing(null);
            await loadDirectory();
          });
        }}>
          <div class="cols">
            <label class="field"><span>{t('shortcut')}</span><input name="shortcut" value={f.shortcut} placeholder="refund" onInput={(e) => setF({ ...f, shortcut: val(e) })} required /></label>
            <label class="field wide"><span>{t('replyText')}</span><textarea name="canned-text" rows={2} value={f.text} onInput={(e) => setF({ ...f, text: val(e) })} required /></label>
          </div>
          <button type="submit">{editing ? t('save') : t('add')}</button>
          {msg}
        </form>
      )}
      <p class="muted">{t('cannedHelp')}</p>
      <table class="grid">
        <tbody>
          {canned.value.map((c) => (
            <tr>
              <td><code>/{c.shortcut}</code></td><td class="pre">{c.text}</td>
              {manager && <td class="nowrap">
                <button class="linkish" onClick={() => { setEditing(c.id); setF({ shortcut: c.shortcut, text: c.text }); }}>{t('edit')}</button>{' '}
                <button class="linkish danger" onClick={() => run(async () => { await call('delete', '/api/admin/canned-replies/{id}', { params: { id: c.id } }); await loadDirectory(); }, t('deleted'))}>{t('delete')}</button>
              </td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// ---------------------------------------------------------------- account

function Account() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [run, msg] = useAction();
  return (
    <div>
      <div class="card">
        <h2>{t('preferences')}</h2>
        <label class="field inline"><span>{t('language')}</span>
          <select name="language" value={lang.value} onChange={(e) => setLang(val(e) as Lang)}><option value="en">English</option><option value="ja">日本語</option></select></label>
        <label class="toggle"><input type="checkbox" name="sound" checked={soundOn.value} onChange={(e) => setSound((e.target as HTMLInputElement).checked)} /> {t('soundToggle')}</label>
        <p>
          {notifyPermission.value === 'granted' ? t('notificationsOn') : notifyPermission.value === 'denied' ? t('notificationsDenied') : notifyPermission.value === 'unsupported' ? t('notificationsUnsupported')
            : <button class="secondary" onClick={() => void askNotifications()}>{t('enableNotifications')}</button>}
        </p>
        <p class="muted">{t('shortcutsHelp')}</p>
      </div>
      <form class="card" onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          setSession(await call('post', '/api/auth/password', { body: { current_password: current, new_password: next } }));
          setCurrent('');
          setNext('');
        }, t('passwordChanged'));
      }}>
        <h2>{t('changePassword')}</h2>
        <label class="field"><span>{t('currentPassword')}</span><input type="password" name="current-password" autocomplete="current-password" value={current} onInput={(e) => setCurrent(val(e))} required /></label>
        <label class="field"><span>{t('newPassword')}</span><input type="password" name="new-password" autocomplete="new-password" minLength={10} value={next} onInput={(e) => setNext(val(e))} required /></label>
        <button type="submit">{t('changePassword')}</button>
        {msg}
      </form>
    </div>
  );
}
