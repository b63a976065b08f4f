// The inbox: tabs (Bot · Queued · Mine · All open · Closed), department and assignee filters, search,
// live updates from the feed, unread badges and the queue length; the selected conversation beside it.
// Alt+↓ / Alt+↑ move to the next / previous conversation, Alt+C focuses the composer.
import { useEffect, useState } from 'preact/hooks';
import { call, download, type ApiKey, type Conversation } from './api';
import { t, ago, humanError } from './i18n';
import { categories, categoryName, conversations, departments, departmentName, isManager, loadClosed, me, navigateTo, operatorName, operators, search, setMyStatus } from './state';
import { ConversationView } from './conversation';

type Tab = 'bot' | 'queued' | 'mine' | 'open' | 'closed';
const TABS: Tab[] = ['bot', 'queued', 'mine', 'open', 'closed'];

function inTab(c: Conversation, tab: Tab, myId: string | undefined): boolean {
  switch (tab) {
    case 'bot': return c.status === 'bot';
    case 'queued': return c.status === 'queued';
    case 'mine': return c.status === 'active' && c.assignee_id === myId;
    case 'open': return c.status !== 'closed';
    case 'closed': return c.status === 'closed';
  }
}

// Without a choice of their own, people land on "All open": queued chats are where they look first.
const savedTab = (): Tab => (TABS.includes(sessionStorage.getItem('ec:tab') as Tab) ? (sessionStorage.getItem('ec:tab') as Tab) : 'open');

export function Inbox(props: { conversationId: string | null }) {
  const [tab, setTabState] = useState<Tab>(savedTab);
  const [department, setDepartment] = useState('');
  const [category, setCategory] = useState('');
  const [assignee, setAssignee] = useState('');
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<string[] | null>(null);
  const [error, setError] = useState('');
  const myId = me.value?.id;
  const setTab = (next: Tab) => {
    sessionStorage.setItem('ec:tab', next);
    setTabState(next);
  };

  useEffect(() => {
    if (tab === 'closed') loadClosed().catch((e) => setError((e as Error).message));
  }, [tab]);
  useEffect(() => {
    const q = query.trim();
    if (!q) return setFound(null);
    const timer = setTimeout(() => search(q).then((r) => setFound(r.map((c) => c.id)), (e) => setError((e as Error).message)), 250);
    return () => clearTimeout(timer);
  }, [query]);

  const all = [...conversations.value.values()];
  const counts = Object.fromEntries(TABS.map((k) => [k, all.filter((c) => inTab(c, k, myId)).length])) as Record<Tab, number>;
  const unread = Object.fromEntries(TABS.map((k) => [k, all.filter((c) => inTab(c, k, myId)).reduce((n, c) => n + c.unread_count, 0)])) as Record<Tab, number>;
  let list = found ? found.map((id) => conversations.value.get(id)).filter((c): c is Conversation => !!c) : all.filter((c) => inTab(c, tab, myId));
  if (department) list = list.filter((c) => c.department_id === department);
  if (category) list = list.filter((c) => (category === 'none' ? !categoryName(c.category_id) : c.category_id === category));
  if (assignee) list = list.filter((c) => (assignee === 'none' ? !c.assignee_id : c.assignee_id === assignee));
  list.sort((a, b) => (tab === 'queued' && !found ? (a.queued_at ?? 0) - (b.queued_at ?? 0) : (b.last_message_at ?? b.updated_at) - (a.last_message_at ?? a.updated_at)));

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey) return;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const i = list.findIndex((c) => c.id === props.conversationId);
        const next = list[Math.max(0, Math.min(list.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1)))];
        if (next) navigateTo.value(`/admin/c/${next.id}`);
      } else if (e.key === 'c' || e.key === 'C' || e.code === 'KeyC') {
        e.preventDefault();
        document.querySelector<HTMLTextAreaElement>('textarea.composer')?.focus();
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  });

  return (
    <div class={`inbox ${props.conversationId ? 'has-open' : ''}`}>
      <aside class="list-pane" aria-label={t('conversations')}>
        <div class="tabs" role="tablist">
          {TABS.map((k) => (
            <button role="tab" aria-selected={tab === k && !found} class={`tab ${tab === k && !found ? 'active' : ''}`} data-tab={k} onClick={() => { setQuery(''); setTab(k); }}>
              {t(`tab_${k}`)}
              {k !== 'closed' && <span class="count">{counts[k]}</span>}
              {unread[k] > 0 && k !== 'closed' && <span class="pill unread" title={t('unread')}>{unread[k]}</span>}
            </button>
          ))}
        </div>
        <div class="filters">
          <input type="search" placeholder={t('searchPlaceholder')} aria-label={t('search')} value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
          <select aria-label={t('department')} value={department} onChange={(e) => setDepartment((e.target as HTMLSelectElement).value)}>
            <option value="">{t('allDepartments')}</option>
            {departments.value.map((d) => <option value={d.id}>{d.name}</option>)}
          </select>
          {categories.value.length > 0 && (
            <select aria-label={t('category')} name="category-filter" value={category} onChange={(e) => setCategory((e.target as HTMLSelectElement).value)}>
              <option value="">{t('allCategories')}</option>
              <option value="none">{t('noCategory')}</option>
              {categories.value.map((k) => <option value={k.id}>{k.name}</option>)}
            </select>
          )}
          <select aria-label={t('assignee')} value={assignee} onChange={(e) => setAssignee((e.target as HTMLSelectElement).value)}>
            <option value="">{t('anyone')}</option>
            <option value="none">{t('unassigned')}</option>
            {operators.value.map((o) => <option value={o.id}>{o.name}</option>)}
          </select>
          {isManager.value && (
            // The list as it is filtered here (tab, department, operator), as a CSV file.
            <button class="small secondary" data-action="export" onClick={() => download('/api/admin/exports/conversations', {
              format: 'csv', status: tab === 'mine' ? 'active' : tab, department,
              assignee: tab === 'mine' ? myId : assignee === 'none' ? undefined : assignee,
            }).catch((e) => setError((e as Error).message))}>{t('exportList')}</button>
          )}
        </div>
        {error && <p class="error" role="alert">{error}</p>}
        <ul class="conv-list" aria-live="polite">
          {list.length === 0 && <li class="empty muted">{found ? t('noResults') : t('emptyTab')}</li>}
          {list.map((c) => (
            <li key={c.id}>
              <a href={`/admin/c/${c.id}`} class={`conv ${c.id === props.conversationId ? 'selected' : ''} ${c.unread_count ? 'has-unread' : ''}`} data-id={c.id}
                onClick={(e) => { e.preventDefault(); navigateTo.value(`/admin/c/${c.id}`); }}>
                <span class="conv-top">
                  <span class="conv-name">{c.visitor.name || c.visitor.email || t('visitor')}</span>
                  {c.visitor.verified && <span class="badge ok" title={t('verified')}>✓</span>}
                  <span class="grow" />
                  <time class="muted">{ago(c.last_message_at ?? c.updated_at)}</time>
                </span>
                <span class="conv-preview">{c.last_message_preview ?? ''}</span>
                <span class="conv-meta">
                  <span class={`state s-${c.status}`}>{t(`status_${c.status}`)}</span>
                  {c.status === 'queued' && c.queue_position ? <span class="muted">#{c.queue_position}</span> : null}
                  {c.department_id && <span class="muted">{departmentName(c.department_id)}</span>}
                  {c.assignee_id && <span class="muted">→ {operatorName(c.assignee_id)}</span>}
                  {categoryName(c.category_id) && <span class="tag">{categoryName(c.category_id)}</span>}
                  <span class="grow" />
                  {c.unread_count > 0 && <span class="pill unread" aria-label={t('unread')}>{c.unread_count}</span>}
                </span>
              </a>
            </li>
          ))}
        </ul>
      </aside>
      <section class="conv-pane">
        {props.conversationId ? <ConversationView key={props.conversationId} id={props.conversationId} /> : (
          <div class="placeholder muted">
            {isManager.value && <FirstRun />}
            <p>{t('pickConversation')}</p>
            <p class="keys">{t('shortcutsHelp')}</p>
          </div>
        )}
      </section>
    </div>
  );
}

/** For a new team: install the snippet, go Available, try the widget — each ticked when done. */
function FirstRun() {
  const key = `ec:firstrun:${me.value?.id ?? ''}`;
  const [hidden, setHidden] = useState(localStorage.getItem(key) === 'done');
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    if (!hidden) call('get', '/api/admin/api-keys').then((r) => setKeys(r.results), (e) => setError(humanError((e as { code?: string }).code ?? '')));
  }, [hidden]);
  if (hidden) return null;
  const active = keys?.find((k) => k.active);
  const available = me.value?.status === 'available';
  const tried = conversations.value.size > 0;
  const snippetText = active ? `<script src="${location.origin}/widget.js" data-key="${active.key}" async></script>` : '';
  const step = (done: boolean, title: string, body: preact.ComponentChildren) => (
    <li class={done ? 'done' : ''}><span class="tick" aria-hidden="true">{done ? '✓' : '○'}</span><div><b>{title}</b>{done && <span class="sr-only"> ({t('stepDone')})</span>}<div>{body}</div></div></li>
  );
  return (
    <section class="card first-run" aria-label={t('firstRunTitle')}>
      <h2>{t('firstRunTitle')}</h2>
      {error && <p class="error" role="alert">{error}</p>}
      <ol>
        {step(!!active, t('firstRunInstall'), active
          ? <><pre class="snippet">{snippetText}</pre><button class="secondary small" onClick={() => void navigator.clipboard.writeText(snippetText)}>{t('copySnippet')}</button></>
          : <a href="/admin/settings/keys" onClick={(e) => { e.preventDefault(); navigateTo.value('/admin/settings/keys'); }}>{t('firstRunCreateKey')}</a>)}
        {step(available, t('firstRunAvailable'), available ? t('available') : <button class="small" onClick={() => void setMyStatus('available').catch((e) => setError(humanError((e as { code?: string }).code ?? '')))}>{t('goAvailable')}</button>)}
        {step(tried, t('firstRunTry'), active ? <a href={`/widget/frame?key=${encodeURIComponent(active.key)}`} target="_blank" rel="noopener">{t('firstRunOpenWidget')}</a> : t('firstRunNeedsKey'))}
      </ol>
      <button class="linkish" onClick={() => { localStorage.setItem(key, 'done'); setHidden(true); }}>{t('firstRunHide')}</button>
    </section>
  );
}
