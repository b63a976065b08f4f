// The bot's answers: the FAQ editor (a language and "also asked as" variants per entry, and "try a
// question" explaining why an entry matched: which words, which variant, how sure), and the
// unanswered questions the bot met (grouped, with the operator's reply; one click makes an entry or a
// variant of one, or dismisses them), with weekly counts so the owner sees the gap close.
import { useState } from 'preact/hooks';
import { call, type FaqEntry, type FaqHit, type FaqTry, type Unanswered } from './api';
import { useAction, useAsync, val } from './hooks';
import { ago, t } from './i18n';

export const LOCALES = ['en', 'ja', 'ko', 'zh'] as const;
type Locale = (typeof LOCALES)[number];
const MAX_VARIANTS = 20;

const words = (s: string) => s.split(',').map((w) => w.trim()).filter(Boolean);
/** A matched term as people read it: thesaurus concepts (`~refund`) as "≈ refund". */
const termLabel = (term: string) => (term.startsWith('~') ? `≈ ${term.slice(1).replace(/_/g, ' ')}` : term);

type Draft = { question: string; answer: string; keywords: string; locale: Locale | ''; variants: string[] };
const EMPTY: Draft = { question: '', answer: '', keywords: '', locale: '', variants: [] };

/** One "also asked as" input per variant; Enter in the last one adds the next. */
function Variants(props: { value: string[]; onChange: (v: string[]) => void }) {
  const list = props.value;
  const set = (i: number, text: string) => props.onChange(list.map((v, j) => (j === i ? text : v)));
  const add = () => list.length < MAX_VARIANTS && props.onChange([...list, '']);
  return (
    <fieldset class="variants">
      <legend>{t('variants')}</legend>
      <p class="muted">{t('variantsHelp')}</p>
      {list.map((v, i) => (
        <div class="row variant">
          <input name={`variant-${i}`} aria-label={`${t('variant')} ${i + 1}`} value={v} maxLength={300}
            onInput={(e) => set(i, val(e))}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.isComposing) {
                e.preventDefault();
                if (i === list.length - 1 && v.trim()) add();
              }
            }} />
          <button type="button" class="linkish" aria-label={`${t('remove')} ${i + 1}`} onClick={() => props.onChange(list.filter((_, j) => j !== i))}>{t('remove')}</button>
        </div>
      ))}
      {list.length < MAX_VARIANTS && <button type="button" class="secondary small" onClick={add}>{t('addVariant')}</button>}
    </fieldset>
  );
}

/** Why an entry matched: through which text, with which words, how sure. */
function Why(props: { hit: FaqHit }) {
  const { hit } = props;
  const via = hit.via;
  const where =
    via.kind === 'variant' ? `${t('viaVariant')} ${(via.index ?? 0) + 1}` : via.kind === 'question' ? t('viaQuestion') : via.kind === 'keywords' ? t('viaKeywords') : via.kind === 'answer' ? t('viaAnswer') : t('viaMeaning');
  return (
    <div class="why">
      <span class="muted">{t('matchedThrough')} </span><b>{where}</b>
      {via.text && <q class="via-text">{via.text}</q>}
      {hit.matched.length > 0 && <div class="chips" aria-label={t('matchedWords')}>{hit.matched.map((m) => <span class="chip">{termLabel(m)}</span>)}</div>}
      <div class="muted small">
        {t('wordsCovered')} {Math.round(hit.coverage * 100)}%{hit.similarity != null && ` · ${t('similarity')} ${Math.round(hit.similarity * 100)}%`}
      </div>
    </div>
  );
}

function TryBox() {
  const [question, setQuestion] = useState('');
  const [tried, setTried] = useState<FaqTry | null>(null);
  const [run, msg] = useAction();
  return (
    <form class="card try" onSubmit={(e) => { e.preventDefault(); void run(async () => setTried(await call('post', '/api/admin/faq/try', { body: { text: question } })), t('done')); }}>
      <label class="field"><span>{t('tryQuestion')}</span><input name="try" value={question} onInput={(e) => setQuestion(val(e))} required /></label>
      <button type="submit" class="secondary">{t('ask')}</button>
      {msg}
      {tried && (
        <div class="try-result" role="status">
          <p><b>{tried.answered ? t('botWouldAnswer') : t('botWouldNotAnswer')}</b></p>
          <p class="muted small">
            {t('language')}: {tried.language} · {tried.mode === 'fused' ? t('modeFused') : t('modeLexical')} · {t('threshold')} {Math.round(tried.threshold * 100)}%
            {tried.terms && tried.terms.length > 0 && <> · {t('yourWords')}: {tried.terms.map(termLabel).join(', ')}</>}
          </p>
          {tried.fallback && <p class="warn small">{t('providerFallback')}: {tried.fallback}</p>}
          {tried.results.length === 0 && <p class="muted">{t('noMatch')}</p>}
          <ol>
            {tried.results.map((r, i) => (
              <li class={i === 0 && tried.answered ? 'hit best' : 'hit'} data-faq-id={r.id}>
                <b>{r.question}</b> <span class="badge">{r.locale}</span> <span class="muted">({t('confidence')} {Math.round(r.confidence * 100)}%)</span>
                <Why hit={r} />
                <p class="answer">{r.answer}</p>
              </li>
            ))}
          </ol>
        </div>
      )}
    </form>
  );
}

export function FaqEditor() {
  const [list, setList, error, reload] = useAsync(() => call('get', '/api/admin/faq'));
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [editing, setEditing] = useState<FaqEntry | null>(null);
  const [run, msg, fieldError] = useAction();
  if (error) return <p class="error">{error}</p>;
  const edit = (f: FaqEntry) => {
    setEditing(f);
    setDraft({ question: f.question, answer: f.answer, keywords: f.keywords.join(', '), locale: f.locale, variants: f.variants });
  };
  return (
    <div class="faq">
      <TryBox />
      <form class="card" onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const body = { question: draft.question, answer: draft.answer, keywords: words(draft.keywords), variants: draft.variants.map((v) => v.trim()).filter(Boolean), ...(draft.locale ? { locale: draft.locale } : {}) };
          if (editing) await call('patch', '/api/admin/faq/{id}', { params: { id: editing.id }, body });
          else await call('post', '/api/admin/faq', { body });
          setDraft(EMPTY);
          setEditing(null);
          reload();
        });
      }}>
        <h2>{editing ? t('editEntry') : t('newEntry')}</h2>
        <label class="field"><span>{t('question')}</span><input name="question" value={draft.question} onInput={(e) => setDraft({ ...draft, question: val(e) })} required /></label>
        {fieldError('question')}
        <label class="field inline"><span>{t('entryLanguage')}</span>
          <select name="locale" value={draft.locale} onChange={(e) => setDraft({ ...draft, locale: val(e) as Locale | '' })}>
            <option value="">{t('languageFromQuestion')}</option>
            {LOCALES.map((l) => <option value={l}>{l}</option>)}
          </select>
        </label>
        <Variants value={draft.variants} onChange={(variants) => setDraft({ ...draft, variants })} />
        {fieldError('variants')}
        <label class="field"><span>{t('answer')}</span><textarea name="answer" rows={3} value={draft.answer} onInput={(e) => setDraft({ ...draft, answer: val(e) })} required /></label>
        {fieldError('answer')}
        <label class="field"><span>{t('keywords')}</span><input name="keywords" value={draft.keywords} onInput={(e) => setDraft({ ...draft, keywords: val(e) })} /></label>
        <div class="row"><button type="submit">{editing ? t('save') : t('add')}</button>{editing && <button type="button" class="secondary" onClick={() => { setEditing(null); setDraft(EMPTY); }}>{t('cancel')}</button>}</div>
        {msg}
      </form>
      <div class="table-scroll">
        <table class="grid faq-entries">
          <thead><tr><th>{t('question')}</th><th>{t('language')}</th><th>{t('answer')}</th><th>{t('keywords')}</th><th /></tr></thead>
          <tbody>
            {list?.results.map((f) => (
              <tr data-faq-id={f.id}>
                <td>
                  {f.question}
                  {f.variants.length > 0 && <ul class="variant-list muted small">{f.variants.map((v) => <li>{v}</li>)}</ul>}
                  {f.embedding && <span class="badge ok" title={`${f.embedding.model} · ${f.embedding.dim}`}>{t('embedded')}</span>}
                </td>
                <td><span class="badge">{f.locale}</span></td>
                <td>{f.answer}</td><td>{f.keywords.join(', ')}</td>
                <td class="nowrap">
                  <button class="linkish" onClick={() => edit(f)}>{t('edit')}</button>{' '}
                  <button class="linkish danger" onClick={() => run(async () => { await call('delete', '/api/admin/faq/{id}', { params: { id: f.id } }); setList((l) => ({ ...l, results: l.results.filter((x) => x.id !== f.id) })); }, t('deleted'))}>{t('delete')}</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

// ---------------------------------------------------------------- unanswered questions

type Group = Unanswered['groups'][number];

/** Twelve weeks as stacked bars (not answered, asked for a person) with the resolved count beside. */
function Weeks(props: { weeks: Unanswered['weeks'] }) {
  const { weeks } = props;
  const max = Math.max(1, ...weeks.map((w) => Math.max(w.no_answer + w.asked_for_person, w.resolved)));
  const H = 80;
  const W = 22;
  const y = (n: number) => (n / max) * H;
  return (
    <figure class="weeks card">
      <figcaption>{t('weeklyMisses')}</figcaption>
      <svg viewBox={`0 0 ${weeks.length * W * 1.5} ${H + 18}`} role="img" aria-label={t('weeklyMisses')} preserveAspectRatio="xMinYMin meet">
        {weeks.map((w, i) => {
          const x = i * W * 1.5;
          const day = new Date(w.week_start);
          const title = `${day.toISOString().slice(0, 10)}: ${t('notAnswered')} ${w.no_answer}, ${t('askedForPerson')} ${w.asked_for_person}, ${t('resolved')} ${w.resolved}`;
          return (
            <g data-week={w.week_start}>
              <title>{title}</title>
              <rect class="bar-miss" x={x} width={W * 0.6} y={H - y(w.no_answer)} height={y(w.no_answer)} />
              <rect class="bar-person" x={x} width={W * 0.6} y={H - y(w.no_answer + w.asked_for_person)} height={y(w.asked_for_person)} />
              <rect class="bar-resolved" x={x + W * 0.65} width={W * 0.35} y={H - y(w.resolved)} height={y(w.resolved)} />
              <text x={x} y={H + 14} class="axis">{`${day.getUTCMonth() + 1}/${day.getUTCDate()}`}</text>
            </g>
          );
        })}
      </svg>
      <p class="legend small"><span class="key miss" /> {t('notAnswered')} <span class="key person" /> {t('askedForPerson')} <span class="key resolved" /> {t('resolved')}</p>
    </figure>
  );
}

function GroupCard(props: { group: Group; entries: FaqEntry[]; done: () => void }) {
  const g = props.group;
  const [mode, setMode] = useState<'' | 'entry' | 'variant'>('');
  const [draft, setDraft] = useState({ question: g.question, answer: g.reply ?? '', locale: (LOCALES as readonly string[]).includes(g.locale ?? '') ? (g.locale as Locale) : ('' as Locale | '') });
  const sameLanguage = props.entries.filter((e) => !g.locale || e.locale === g.locale);
  const [target, setTarget] = useState(sameLanguage[0]?.id ?? '');
  const [run, msg, fieldError] = useAction();
  const keys = g.items.map((i) => i.key);
  const resolve = (faq_id?: string) => call('post', '/api/admin/faq/unanswered/resolve', { body: faq_id ? { keys, faq_id } : { keys } });
  return (
    <article class="card miss-group" data-question={g.question}>
      <div class="row"><h3 class="grow">{g.question}</h3>{g.locale && <span class="badge">{g.locale}</span>}</div>
      <p class="muted small">
        {t('asked')} {g.count}× · {t('notAnswered')} {g.no_answer} · {t('askedForPerson')} {g.asked_for_person} · {t('lastAsked')} {ago(g.last_at)}
      </p>
      {g.reply && <blockquote class="reply"><span class="muted small">{t('operatorReplied')}</span><br />{g.reply}</blockquote>}
      {g.items.length > 1 && (
        <details>
          <summary>{t('allAsked')} ({g.items.length})</summary>
          <ul>{g.items.map((i) => <li>{i.question} <span class="muted small">{ago(i.created_at)}{i.reason === 'asked_for_person' ? ` · ${t('askedForPerson')}` : ''}</span></li>)}</ul>
        </details>
      )}
      {mode === '' && (
        <div class="row">
          <button type="button" class="small" onClick={() => setMode('entry')}>{t('createEntry')}</button>
          {sameLanguage.length > 0 && <button type="button" class="secondary small" onClick={() => setMode('variant')}>{t('addAsVariant')}</button>}
          <button type="button" class="linkish" onClick={() => run(async () => { await resolve(); props.done(); }, t('dismissed'))}>{t('dismiss')}</button>
        </div>
      )}
      {mode === 'entry' && (
        <form onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            const variants = [...new Set(g.items.map((i) => i.question).filter((q) => q !== draft.question))].slice(0, MAX_VARIANTS);
            const made = await call('post', '/api/admin/faq', { body: { question: draft.question, answer: draft.answer, variants, ...(draft.locale ? { locale: draft.locale } : {}) } });
            await resolve(made.id);
            props.done();
          }, t('entryCreated'));
        }}>
          <label class="field"><span>{t('question')}</span><input name="question" value={draft.question} onInput={(e) => setDraft({ ...draft, question: val(e) })} required /></label>
          {fieldError('question')}
          <label class="field"><span>{t('answer')}</span><textarea name="answer" rows={3} value={draft.answer} onInput={(e) => setDraft({ ...draft, answer: val(e) })} required /></label>
          {fieldError('answer')}
          <div class="row"><button type="submit">{t('saveEntry')}</button><button type="button" class="secondary" onClick={() => setMode('')}>{t('cancel')}</button></div>
        </form>
      )}
      {mode === 'variant' && (
        <form onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            const entry = props.entries.find((x) => x.id === target);
            if (!entry) return;
            const variants = [...new Set([...entry.variants, ...g.items.map((i) => i.question)])].filter((q) => q !== entry.question).slice(0, MAX_VARIANTS);
            await call('patch', '/api/admin/faq/{id}', { params: { id: entry.id }, body: { variants } });
            await resolve(entry.id);
            props.done();
          }, t('variantAdded'));
        }}>
          <label class="field"><span>{t('variantOf')}</span>
            <select name="entry" value={target} onChange={(e) => setTarget(val(e))}>{sameLanguage.map((x) => <option value={x.id}>{x.question}</option>)}</select></label>
          {fieldError('variants')}
          <div class="row"><button type="submit">{t('addAsVariant')}</button><button type="button" class="secondary" onClick={() => setMode('')}>{t('cancel')}</button></div>
        </form>
      )}
      {msg}
    </article>
  );
}

export function UnansweredQuestions() {
  const [data, , error, reload] = useAsync(() => call('get', '/api/admin/faq/unanswered'));
  const [entries, , entriesError, reloadEntries] = useAsync(() => call('get', '/api/admin/faq'));
  if (error || entriesError) return <p class="error">{error || entriesError}</p>;
  if (!data || !entries) return <p class="muted">{t('loading')}</p>;
  const done = () => {
    reload();
    reloadEntries();
  };
  return (
    <div class="unanswered">
      <p class="muted">{t('unansweredHelp')}</p>
      <Weeks weeks={data.weeks} />
      <h2>{t('openQuestions')} <span class="badge">{data.open}</span></h2>
      {data.groups.length === 0 && <p class="empty muted">{t('noUnanswered')}</p>}
      {data.groups.map((g) => <GroupCard key={g.items[0]?.key ?? g.question} group={g} entries={entries.results} done={done} />)}
    </div>
  );
}
