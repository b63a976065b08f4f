// One conversation: its timeline (messages, attachments, system events, private notes, typing, read
// receipts), the composer (Enter sends, Shift+Enter breaks the line, /shortcut inserts a canned reply,
// files, private-note toggle), the actions (take over, assign, transfer, close, reopen) and the
// visitor panel. History comes over REST, then the socket continues from the last seq; every
// reconnect resumes from the last seq held, and sends wait in an outbox until they are acknowledged.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { signal } from '@preact/signals';
import { call, download, type ConversationDetail, type Event } from './api';
import { ago, clock, lang, t, tOr } from './i18n';
import { canned, categories, categoryName, conversations, departments, departmentName, me, navigateTo, openConversationId, operatorName, operators, upsertOne } from './state';
import { LiveSocket, linkTrouble, type Frame } from './socket';

type Pending = { client_msg_id: string; text: string; private: boolean; error?: string };
const uid = () => crypto.randomUUID();

/** The live stream of one conversation. */
class Stream {
  readonly events = signal<Event[]>([]);
  readonly pending = signal<Pending[]>([]);
  readonly typing = signal<string | null>(null);
  readonly visitorOnline = signal(false);
  readonly error = signal('');
  readonly socket: LiveSocket;
  private lastSeq = 0;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly id: string) {
    this.socket = new LiveSocket(() => `/ws/conversations/${id}?after_seq=${this.lastSeq}`, (f) => this.onFrame(f), () => this.flush());
  }

  async start(): Promise<void> {
    const all: Event[] = [];
    let after = 0;
    for (;;) {
      const page = await call('get', '/api/admin/conversations/{id}/messages', { params: { id: this.id }, query: { after_seq: after, limit: 500 } });
      all.push(...page.results);
      if (!page.next_cursor || !page.results.length) break;
      after = Number(page.next_cursor);
    }
    this.events.value = all;
    this.lastSeq = all.length ? all[all.length - 1].seq : 0;
    this.socket.start();
  }

  stop(): void {
    this.socket.stop();
    clearTimeout(this.typingTimer);
  }

  /** Adds the next event of the stream; anything already held is ignored, a gap asks for a replay. */
  add(e: Event): void {
    if (e.seq <= this.lastSeq) return;
    if (e.seq > this.lastSeq + 1) {
      this.socket.send({ type: 'resume', after_seq: this.lastSeq });
      return;
    }
    this.lastSeq = e.seq;
    this.events.value = [...this.events.value, e];
    if (e.author.type === 'visitor' && e.type === 'message') this.typing.value = null;
  }

  private onFrame(f: Frame): void {
    switch (f.type) {
      case 'hello':
        this.visitorOnline.value = !!f.presence?.visitor_online;
        break;
      case 'event':
        this.add(f.event);
        break;
      case 'ack':
        this.pending.value = this.pending.value.filter((p) => p.client_msg_id !== f.client_msg_id);
        if (f.event) this.add(f.event);
        break;
      case 'typing':
        if (f.author?.type !== 'visitor') break;
        clearTimeout(this.typingTimer);
        this.typing.value = f.on ? f.author.name || t('visitor') : null;
        if (f.on) this.typingTimer = setTimeout(() => (this.typing.value = null), f.expires_in_ms ?? 6000);
        break;
      case 'presence':
        if (f.author?.type === 'visitor') this.visitorOnline.value = !!f.online;
        break;
      case 'error':
        if (f.client_msg_id) this.pending.value = this.pending.value.map((p) => (p.client_msg_id === f.client_msg_id ? { ...p, error: f.message } : p));
        else if (f.code !== 'rate_limited') this.error.value = f.message;
        break;
    }
  }

  /** Resends everything not yet acknowledged (same client_msg_id: the room stores each once). */
  private flush(): void {
    for (const p of this.pending.value) if (!p.error) this.socket.send({ type: 'send', client_msg_id: p.client_msg_id, text: p.text, private: p.private || undefined });
  }

  send(text: string, isPrivate: boolean): void {
    const p: Pending = { client_msg_id: uid(), text, private: isPrivate };
    this.pending.value = [...this.pending.value, p];
    this.socket.send({ type: 'send', client_msg_id: p.client_msg_id, text, private: isPrivate || undefined });
  }

  retry(p: Pending): void {
    this.pending.value = this.pending.value.map((x) => (x === p ? { ...p, error: undefined } : x));
    this.socket.send({ type: 'send', client_msg_id: p.client_msg_id, text: p.text, private: p.private || undefined });
  }

  discard(p: Pending): void {
    this.pending.value = this.pending.value.filter((x) => x !== p);
  }
}

/** An image that just got its height keeps the timeline at the bottom if it was there before. */
function keepBottom(img: HTMLImageElement): void {
  const list = img.closest('.timeline');
  if (list && list.scrollHeight - list.scrollTop - list.clientHeight <= img.offsetHeight + 80) list.scrollTop = list.scrollHeight;
}

function size(n: number): string {
  return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(0)} KB` : `${(n / 1048576).toFixed(1)} MB`;
}

/** A 1–5 rating as stars and a number ("★★★★☆ 4/5"). */
export function stars(score: number): string {
  const n = Math.max(0, Math.min(5, Math.round(score) || 0));
  return `${'★'.repeat(n)}${'☆'.repeat(5 - n)} ${n}/5`;
}

/** A system event in the console's language, from its type and data (the stored text is English). */
function systemText(type: string, d: Record<string, any>, stored?: string | null): string {
  const name = String(d.assignee_name ?? d.department_name ?? t('sys_someone'));
  switch (type) {
    case 'handoff': return t('sys_handoff').replace('{dept}', String(d.department_name ?? t('department')));
    case 'assigned': return t('sys_assigned').replace('{name}', name);
    case 'transferred': return t('sys_transferred').replace('{name}', name);
    case 'reopened': return t(d.by?.type === 'visitor' ? 'sys_reopened_by_visitor' : 'sys_reopened');
    case 'closed': return t(d.reason === 'idle' ? 'sys_closed_idle' : d.by?.type === 'visitor' ? 'sys_closed_by_visitor' : 'sys_closed');
    case 'released': case 'continued': return tOr(`sys_${type}`, type);
    case 'rating': return `${t('sys_rating')}: ${stars(Number(d.score))}${d.comment ? ` — “${d.comment}”` : ''}`;
    case 'queue': return t('sys_queue').replace('{n}', String(d.position ?? ''));
    case 'category': return d.category_id ? t(d.by === 'rules' ? 'sys_category_rules' : 'sys_category_set').replace('{name}', String(d.name ?? '')) : t('sys_category_cleared');
    case 'mail': return t(d.kind === 'offline' ? 'sys_mail_offline' : d.kind === 'confirmed' ? 'sys_mail_confirmed' : 'sys_mail_transcript').replace('{to}', (d.to ?? []).join(', '));
  }
  return stored || tOr(`ev_${type}`, type);
}

function EventItem(props: { e: Event; mine: boolean; seen: boolean }) {
  const { e } = props;
  const name = e.author.type === 'bot' ? t('bot') : e.author.name || (e.author.type === 'visitor' ? t('visitor') : '');
  const data = (e.data ?? {}) as Record<string, any>;
  // Receipts show as "Seen"; page views in the visitor's panel.
  if (e.type === 'read' || e.type === 'page') return null;
  if (e.type === 'summary') return <SummaryItem e={e} d={data} />;
  if (e.type !== 'message' && e.type !== 'note' && e.type !== 'attachment') {
    const previous = e.type === 'continued' ? String(data.previous_conversation_id ?? '') : '';
    return (
      <li class="sys" data-seq={e.seq} data-type={e.type}>
        <span>{systemText(e.type, data, e.text)}</span>
        {previous && <> <a href={`/admin/c/${previous}`} onClick={(ev) => { ev.preventDefault(); navigateTo.value(`/admin/c/${previous}`); }}>{t('openPrevious')}</a></>} <time>{clock(e.created_at)}</time>
      </li>
    );
  }
  const side = e.author.type === 'visitor' ? 'them' : 'us';
  return (
    <li class={`msg ${side} ${e.type === 'note' ? 'note' : ''} ${props.mine ? 'mine' : ''}`} data-seq={e.seq} data-type={e.type}>
      <div class="meta"><b class="author">{name}</b> <time title={new Date(e.created_at).toLocaleString()}>{clock(e.created_at)}</time>
        {e.type === 'note' && <span class="badge note-badge">{t('privateNote')}</span>}</div>
      <div class="bubble">
        {e.type === 'attachment' && (data.image
          ? <a href={data.url} target="_blank" rel="noopener noreferrer" class="img"><img src={data.url} alt={data.name} loading="lazy" onLoad={(ev) => keepBottom(ev.currentTarget)} /></a>
          : <a href={data.url} class="file" target="_blank" rel="noopener noreferrer" download={data.name}>📎 {data.name} <span class="muted">({size(data.size ?? 0)})</span></a>)}
        {e.text && <p class="text">{e.text}</p>}
      </div>
      {props.seen && <div class="seen">{t('seen')}</div>}
    </li>
  );
}

/** The conversation's summary at a handoff or a close (operators only): menu path, first question,
 *  order references, last exchanges. */
function SummaryItem(props: { e: Event; d: Record<string, any> }) {
  const { e, d } = props;
  const who = (l: Record<string, any>) => (l.who === 'visitor' ? t('visitor') : l.who === 'bot' ? t('bot') : String(l.name ?? ''));
  return (
    <li class="summary" data-seq={e.seq} data-type="summary">
      <div class="meta"><b>{t(d.at === 'handoff' ? 'summary_handoff' : 'summary_close')}</b> <time>{clock(e.created_at)}</time></div>
      <dl>
        {d.menu && <><dt>{t('sumMenu')}</dt><dd>{d.menu}</dd></>}
        {d.first_question && <><dt>{t('sumFirst')}</dt><dd dir="auto">{d.first_question}</dd></>}
        {(d.order_refs ?? []).length > 0 && <><dt>{t('sumRefs')}</dt><dd class="refs">{(d.order_refs as string[]).map((r) => <code>{r}</code>)}</dd></>}
        {(d.last ?? []).length > 0 && <><dt>{t('sumLast')}</dt><dd><ul>{(d.last as Record<string, any>[]).map((l) => <li dir="auto"><b>{who(l)}</b>: {l.text}</li>)}</ul></dd></>}
      </dl>
    </li>
  );
}

function Actions(props: { c: ConversationDetail | undefined; id: string; onError: (m: string) => void }) {
  const c = props.c;
  const [target, setTarget] = useState('');
  if (!c) return null;
  const run = async (f: () => Promise<{ conversation: any }>) => {
    try {
      const res = await f();
      upsertOne(res.conversation);
      props.onError('');
    } catch (e) {
      props.onError((e as Error).message);
    }
  };
  const id = props.id;
  const mineNow = c.assignee_id === me.value?.id && c.status === 'active';
  return (
    <div class="actions">
      {c.status !== 'closed' && !mineNow && <button class="small" data-action="takeover" onClick={() => run(() => call('post', '/api/admin/conversations/{id}/takeover', { params: { id } }))}>{t('takeOver')}</button>}
      {c.status !== 'closed' && (
        <span class="move">
          <select aria-label={t('assignOrTransfer')} value={target} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}>
            <option value="">{t('assignOrTransfer')}…</option>
            <optgroup label={t('operators')}>{operators.value.filter((o) => o.active !== false && o.id !== c.assignee_id).map((o) => <option value={`op:${o.id}`}>{o.name} · {t(o.status)}</option>)}</optgroup>
            <optgroup label={t('departments')}>{departments.value.map((d) => <option value={`dep:${d.id}`}>{d.name}</option>)}</optgroup>
          </select>
          <button class="small secondary" data-action="move" disabled={!target} onClick={() => {
            const [kind, value] = target.split(':');
            setTarget('');
            if (kind === 'dep') return run(() => call('post', '/api/admin/conversations/{id}/transfer', { params: { id }, body: { department_id: value } }));
            if (c.status === 'active' && c.assignee_id) return run(() => call('post', '/api/admin/conversations/{id}/transfer', { params: { id }, body: { operator_id: value } }));
            return run(() => call('post', '/api/admin/conversations/{id}/assign', { params: { id }, body: { operator_id: value } }));
          }}>{t('move')}</button>
        </span>
      )}
      {c.status !== 'closed' && <button class="small danger" data-action="close" onClick={() => run(() => call('post', '/api/admin/conversations/{id}/close', { params: { id } }))}>{t('close')}</button>}
      {c.status === 'closed' && <button class="small" data-action="reopen" onClick={() => run(() => call('post', '/api/admin/conversations/{id}/reopen', { params: { id } }))}>{t('reopen')}</button>}
      {categories.value.length > 0 && (
        <select class="category" aria-label={t('category')} name="category" value={categoryName(c.category_id) ? c.category_id ?? '' : ''}
          onChange={(e) => { const v = (e.target as HTMLSelectElement).value; void run(() => call('patch', '/api/admin/conversations/{id}', { params: { id }, body: { category_id: v || null } })); }}>
          <option value="">{t('noCategory')}</option>
          {categories.value.map((k) => <option value={k.id}>{k.name}</option>)}
        </select>
      )}
      {(['csv', 'json'] as const).map((format) => (
        <button class="small secondary" data-action={`export-${format}`} title={t('exportConversation')}
          onClick={() => download('/api/admin/exports/events', { format, conversation: id }).then(() => props.onError(''), (e) => props.onError((e as Error).message))}>⤓ {format.toUpperCase()}</button>
      ))}
    </div>
  );
}

/** The visitor's time now in their time zone, or '' for a zone this browser does not know. */
function localTime(tz: string): string {
  try {
    return new Date().toLocaleTimeString(lang.value, { timeZone: tz, hour: '2-digit', minute: '2-digit' });
  } catch {
    return '';
  }
}

function VisitorPanel(props: { d: ConversationDetail | null; online: boolean; onClose: () => void; pages: Event[] }) {
  const d = props.d;
  const pages = props.pages;
  const now = (pages[pages.length - 1]?.data ?? {}) as Record<string, any>;
  const at = now.tz ? localTime(String(now.tz)) : '';
  if (!d) return <aside class="visitor-pane"><p class="muted">{t('loading')}</p></aside>;
  const v = d.visitor;
  return (
    <aside class="visitor-pane" aria-label={t('visitorDetails')}>
      <button class="secondary small panel-close" onClick={props.onClose} aria-label={t('close')}>×</button>
      <h3 class="visitor-name">{v.name || t('anonymousVisitor')}</h3>
      <p><span class={`dot ${props.online ? 'on' : ''}`} /> {props.online ? t('online') : t('away')}</p>
      <dl>
        <dt>{t('email')}</dt><dd class="visitor-email">{v.email || '—'}</dd>
        <dt>{t('identity')}</dt><dd>{v.verified ? <span class="badge ok">{t('verified')}</span> : <span class="badge">{t('unverified')}</span>}{v.external_id ? ` · ${v.external_id}` : ''}</dd>
        <dt>{t('firstSeen')}</dt><dd>{new Date(v.created_at).toLocaleString()}</dd>
        {d.locale && <><dt>{t('language')}</dt><dd>{d.locale}</dd></>}
        {d.department_id && <><dt>{t('department')}</dt><dd>{departmentName(d.department_id)}</dd></>}
        {now.url && <><dt>{t('currentPage')}</dt><dd class="visitor-page"><a href={String(now.url)} target="_blank" rel="noopener noreferrer">{String(now.title || now.url)}</a></dd></>}
        {at && <><dt>{t('localTime')}</dt><dd class="visitor-time">{at} <span class="muted">({String(now.tz)})</span></dd></>}
        {(now.browser || now.os) && <><dt>{t('browserDevice')}</dt><dd class="visitor-device">{[now.browser, now.os, now.device && tOr(`device_${now.device}`, String(now.device))].filter(Boolean).join(' · ')}</dd></>}
        {now.language && <><dt>{t('browserLanguage')}</dt><dd>{String(now.language)}</dd></>}
        {now.referrer && <><dt>{t('referrer')}</dt><dd class="visitor-referrer">{String(now.referrer)}</dd></>}
        {d.rating && <><dt>{t('rating')}</dt><dd class="visitor-rating">{stars(d.rating.score)}{d.rating.comment && <><br /><q>{d.rating.comment}</q></>}</dd></>}
      </dl>
      {pages.length > 0 && <>
        <h4>{t('pagesVisited')}</h4>
        <ol class="visitor-pages">{pages.map((p) => <li><time>{clock(p.created_at)}</time> <span title={String((p.data as Record<string, any>)?.url ?? '')}>{p.text}</span></li>)}</ol>
      </>}
      <h4>{t('menuPath')}</h4>
      {d.menu_path?.length ? <ol class="menu-path">{d.menu_path.map((s) => <li>{s.label}</li>)}</ol> : <p class="muted">{t('noMenuPath')}</p>}
      <h4>{t('otherConversations')}</h4>
      {d.other_conversations.length ? (
        <ul class="others">
          {d.other_conversations.map((o) => (
            <li><a href={`/admin/c/${o.id}`} onClick={(e) => { e.preventDefault(); navigateTo.value(`/admin/c/${o.id}`); }}>{t(`status_${o.status}`)} · {ago(o.created_at)}</a><br /><span class="muted">{o.last_message_preview ?? ''}</span></li>
          ))}
        </ul>
      ) : <p class="muted">{t('none')}</p>}
    </aside>
  );
}

function Composer(props: { stream: Stream; disabled: boolean; id: string }) {
  const [text, setText] = useState('');
  const [isPrivate, setPrivate] = useState(false);
  const [pick, setPick] = useState(0);
  const [uploading, setUploading] = useState('');
  const lastTyping = useRef(0);
  const fileInput = useRef<HTMLInputElement>(null);
  const slash = /^\/([a-z0-9_-]*)$/i.exec(text);
  const suggestions = slash ? canned.value.filter((c) => c.shortcut.startsWith(slash[1].toLowerCase())).slice(0, 8) : [];

  const submit = () => {
    const value = text.trim();
    if (!value) return;
    props.stream.send(value, isPrivate);
    props.stream.socket.send({ type: 'typing', on: false });
    lastTyping.current = 0;
    setText('');
  };
  const apply = (i: number) => {
    const c = suggestions[i];
    if (c) setText(c.text);
    setPick(0);
  };
  const onKey = (e: KeyboardEvent) => {
    if (suggestions.length) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setPick((pick + (e.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        apply(pick);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  };
  const onInput = (value: string) => {
    setText(value);
    setPick(0);
    if (!isPrivate && value && Date.now() - lastTyping.current > 3000) {
      lastTyping.current = Date.now();
      props.stream.socket.send({ type: 'typing', on: true });
    }
  };
  const upload = async (file: File) => {
    setUploading(file.name);
    try {
      const res = await call('post', '/api/admin/conversations/{id}/attachments', { params: { id: props.id }, query: { name: file.name, client_msg_id: uid() }, raw: file });
      props.stream.add(res.event);
    } catch (e) {
      props.stream.error.value = (e as Error).message;
    } finally {
      setUploading('');
      if (fileInput.current) fileInput.current.value = '';
    }
  };
  return (
    <div class={`composer-box ${isPrivate ? 'private' : ''}`}>
      {suggestions.length > 0 && (
        <ul class="suggestions" role="listbox" aria-label={t('cannedReplies')}>
          {suggestions.map((c, i) => (
            <li role="option" aria-selected={i === pick} class={i === pick ? 'active' : ''} onMouseDown={(e) => { e.preventDefault(); apply(i); }}>
              <b>/{c.shortcut}</b> <span class="muted">{c.text}</span>
            </li>
          ))}
        </ul>
      )}
      <textarea class="composer" rows={3} value={text} disabled={props.disabled} aria-label={t('message')}
        placeholder={isPrivate ? t('notePlaceholder') : t('replyPlaceholder')} onKeyDown={onKey}
        onInput={(e) => onInput((e.target as HTMLTextAreaElement).value)}
        onBlur={() => { if (lastTyping.current) props.stream.socket.send({ type: 'typing', on: false }); lastTyping.current = 0; }} />
      <div class="composer-bar">
        <label class="toggle"><input type="checkbox" checked={isPrivate} onChange={(e) => setPrivate((e.target as HTMLInputElement).checked)} /> {t('privateNote')}</label>
        <input ref={fileInput} type="file" hidden accept="image/png,image/jpeg,image/gif,image/webp,application/pdf" onChange={(e) => { const f = (e.target as HTMLInputElement).files?.[0]; if (f) void upload(f); }} />
        <button class="secondary small" type="button" disabled={props.disabled || !!uploading} onClick={() => fileInput.current?.click()}>{uploading ? t('uploading') : t('attach')}</button>
        <span class="grow" />
        <span class="muted hint">{t('enterHint')}</span>
        <button type="button" class="send" disabled={props.disabled || !text.trim()} onClick={submit}>{isPrivate ? t('addNote') : t('send')}</button>
      </div>
    </div>
  );
}

export function ConversationView(props: { id: string }) {
  const stream = useMemo(() => new Stream(props.id), [props.id]);
  const [detail, setDetail] = useState<ConversationDetail | null>(null);
  const [error, setError] = useState('');
  const [panel, setPanel] = useState(false);
  const timeline = useRef<HTMLOListElement>(null);
  const readSent = useRef(0);
  const summary = conversations.value.get(props.id);

  useEffect(() => {
    openConversationId.value = props.id;
    let live = true;
    call('get', '/api/admin/conversations/{id}', { params: { id: props.id } }).then((d) => live && setDetail(d), (e) => live && setError((e as Error).message));
    stream.start().catch((e) => live && setError((e as Error).message));
    return () => {
      live = false;
      stream.stop();
      if (openConversationId.value === props.id) openConversationId.value = null;
    };
  }, [stream]);

  const refreshDetail = () => void call('get', '/api/admin/conversations/{id}', { params: { id: props.id } }).then(setDetail, () => undefined);
  // Refresh the visitor's details when the conversation changes state (transfer, close, reopen …).
  useEffect(() => {
    if (!summary || !detail || (summary.status === detail.status && summary.assignee_id === detail.assignee_id && summary.department_id === detail.department_id)) return;
    refreshDetail();
  }, [summary?.status, summary?.assignee_id, summary?.department_id]);

  const events = stream.events.value;
  const lastSeq = events.length ? events[events.length - 1].seq : 0;
  // A rating arriving live shows in the visitor's details too.
  const rated = events.some((e) => e.type === 'rating');
  useEffect(() => {
    if (rated && detail && !detail.rating) refreshDetail();
  }, [rated, !!detail]);

  // Keep the newest event in view, and mark what is on screen as read (receipt + unread count).
  useEffect(() => {
    const el = timeline.current;
    if (el) el.scrollTop = el.scrollHeight;
    if (!lastSeq || readSent.current >= lastSeq || document.visibilityState !== 'visible') return;
    readSent.current = lastSeq;
    const lastVisitor = [...events].reverse().find((e) => e.author.type === 'visitor' && (e.type === 'message' || e.type === 'attachment'));
    if (lastVisitor) stream.socket.send({ type: 'read', seq: lastVisitor.seq });
    call('post', '/api/admin/conversations/{id}/read', { params: { id: props.id }, body: { seq: lastSeq } }).then((r) => upsertOne(r.conversation), () => undefined);
  }, [lastSeq, stream.pending.value.length]);

  const c = summary ? { ...detail, ...summary } as ConversationDetail : detail ?? undefined;
  const visitorRead = events.reduce((m, e) => (e.type === 'read' && e.author.type === 'visitor' ? Math.max(m, Number((e.data as any)?.seq ?? 0)) : m), 0);
  const lastOurs = [...events].reverse().find((e) => e.author.type === 'operator' && e.type !== 'note' && e.seq <= visitorRead)?.seq;
  const myId = me.value?.id;
  const canWrite = !!c && c.status !== 'closed';
  const name = c?.visitor?.name || c?.visitor?.email || t('visitor');
  return (
    <div class={`conversation ${panel ? 'show-panel' : ''}`}>
      <div class="conv-main">
        <header class="conv-head">
          <button class="secondary small back" onClick={() => navigateTo.value('/admin/')} aria-label={t('back')}>←</button>
          <div class="title">
            <h2 class="conv-title">{name}</h2>
            {c && <span class="muted">
              <span class={`state s-${c.status}`}>{t(`status_${c.status}`)}</span>
              {c.assignee_id && ` · ${operatorName(c.assignee_id)}`}{c.department_id && ` · ${departmentName(c.department_id)}`}
              {linkTrouble(stream.socket.link.value) && <span class="pill offline"> {t('reconnecting')}</span>}
            </span>}
          </div>
          <span class="grow" />
          <Actions c={c} id={props.id} onError={setError} />
          <button class="secondary small details" onClick={() => setPanel(!panel)} aria-expanded={panel}>{t('details')}</button>
        </header>
        {(error || stream.error.value) && <p class="error" role="alert">{error || stream.error.value}</p>}
        <ol class="timeline" ref={timeline} aria-live="polite">
          {events.map((e) => <EventItem key={e.seq} e={e} mine={e.author.id === myId} seen={e.seq === lastOurs} />)}
          {stream.pending.value.map((p) => (
            <li class={`msg us mine pending ${p.private ? 'note' : ''}`} key={p.client_msg_id}>
              <div class="bubble"><p class="text">{p.text}</p></div>
              <div class="seen">{p.error ? <>{p.error} <button class="linkish" onClick={() => stream.retry(p)}>{t('retry')}</button> <button class="linkish" onClick={() => stream.discard(p)}>{t('discard')}</button></> : t('sending')}</div>
            </li>
          ))}
        </ol>
        <div class="typing" aria-live="polite">{stream.typing.value ? `${stream.typing.value} ${t('isTyping')}` : ''}</div>
        {canWrite ? <Composer stream={stream} disabled={!c} id={props.id} /> : c && <p class="closed-note muted">{t('closedNote')}</p>}
      </div>
      <VisitorPanel d={detail} online={stream.visitorOnline.value} onClose={() => setPanel(false)} pages={events.filter((e) => e.type === 'page')} />
    </div>
  );
}
