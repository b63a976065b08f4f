// The chat itself, loaded by widget.js on first use: bot menu, conversation timeline, socket with
// resume, an outbox that survives disconnects, uploads, past conversations. Everything users typed is
// rendered with textContent; links become clickable only for http(s). The timeline only ever grows
// (screen readers announce just the new message); what changes (choices, "seen", pending sends, the
// email form, after-close actions) lives in a tail below it. System events are written here, in the
// visitor's language, from their type and data.
import type { Host } from './loader';

type J = Record<string, any>;
// The widget's words come with its configuration (`texts`, in the conversation's language); these are
// for before it arrives, and for when it cannot.
const EARLY: Record<string, Record<string, string>> = {
  en: { title: 'Chat with us', placeholder: 'Type a message…', send: 'Send', close: 'Close chat', past: 'Past conversations', attach: 'Attach a file', reconnecting: 'Reconnecting…', loading: 'Loading…', failed: 'The chat could not be loaded.', retry: 'Try again', error: 'Something went wrong: {n}' },
  ja: { loading: '読み込み中…', failed: 'チャットを読み込めませんでした。', retry: '再試行', close: '閉じる' },
  ko: { loading: '불러오는 중…', failed: '채팅을 불러오지 못했습니다.', retry: '다시 시도', close: '닫기' },
  zh: { loading: '加载中…', failed: '无法加载聊天。', retry: '重试', close: '关闭' },
};
const CSS = `.p{inset:auto;bottom:90px;right:20px;margin:0;border:0;padding:0;width:370px;height:min(600px,calc(100vh - 110px));background:#fff;border-radius:14px;box-shadow:0 10px 40px #0003;display:flex;flex-direction:column;overflow:hidden}
.p.left{left:20px;right:auto}.p.m{inset:0;width:auto;height:auto;max-width:none;max-height:none;border-radius:0}
.h{background:var(--c);color:#fff;padding:4px 6px 4px 8px;display:flex;gap:4px;align-items:center}.h b{flex:1;min-width:0}.h small{display:block;opacity:.85;font-size:12px;font-weight:400}
.h button{background:none;border:0;color:inherit;font-size:20px;min-width:44px;min-height:44px;border-radius:8px}
.h button:focus-visible{outline:3px solid #fff;outline-offset:-3px}
.t{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:6px}.t>div{display:flex;flex-direction:column;gap:6px}
.g{max-width:80%;padding:8px 11px;border-radius:12px;background:#f1f3f5;white-space:pre-wrap;overflow-wrap:anywhere;align-self:flex-start}
.g.me{align-self:flex-end;background:var(--c);color:#fff}.g.me a{color:#fff}.g.s{align-self:center;background:none;color:#556;font-size:12px;text-align:center}
.g.e{align-self:stretch;max-width:none;background:#fdecec;color:#7a1c1c}.g.w{opacity:.6}
.g img{display:block;max-width:100%;border-radius:8px}.n{font-size:11px;color:#556;align-self:flex-end}
.c{display:flex;flex-wrap:wrap;gap:6px}.c .v{border:0;font-size:26px;padding:0;min-width:40px;color:#bbc}.c .v[aria-pressed=true]{color:#f5a524}.c button{border:1px solid var(--c);color:var(--c);background:#fff;border-radius:16px;padding:8px 12px;min-height:36px}.c button:disabled{opacity:.5;cursor:default}
.f{display:flex;gap:6px;padding:10px;border-top:1px solid #eee;align-items:flex-end}
textarea,input{flex:1;min-width:0;font:inherit;font-size:16px;border:1px solid #ccd;border-radius:10px;padding:8px;resize:none;max-height:120px}
.q{flex-direction:column;align-items:stretch}.f button{border:0;background:var(--c);color:#fff;border-radius:10px;padding:8px 12px;min-height:40px}.f .k{background:none;color:#556;padding:8px 4px}
.r{background:#fff4d6;color:#664;font-size:12px;padding:4px 12px}.y{font-size:12px;color:#556;padding:0 12px 4px;min-height:18px}
:focus-visible{outline:2px solid var(--c);outline-offset:2px}
@media (prefers-reduced-motion:no-preference){.p{animation:u .18s ease-out}@keyframes u{from{opacity:0;transform:translateY(8px)}}}`;

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls = '', text = ''): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
};
const uid = () => crypto.randomUUID();

/** Text with http(s) links made clickable; nothing else is ever interpreted. */
function rich(text: string): DocumentFragment {
  const out = document.createDocumentFragment();
  let last = 0;
  for (const m of text.matchAll(/https?:\/\/[^\s<>"']+/g)) {
    out.append(text.slice(last, m.index));
    const a = el('a', '', m[0]);
    a.href = m[0];
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    out.append(a);
    last = (m.index ?? 0) + m[0].length;
  }
  out.append(text.slice(last));
  return out;
}

export function mount(h: Host) {
  const lang = h.lang;
  const tr = (k: string, n: string | number = '') => (state.cfg?.texts?.[k] ?? EARLY[lang]?.[k] ?? EARLY.en[k] ?? k).replace('{n}', String(n));
  const K = (k: string) => `ec:${h.key}:${k}`;
  /** A widget API call; `raw` answers the response itself (a transcript), else its JSON. */
  const api = (path: string, init: RequestInit = {}, token = state.token, raw = false) =>
    fetch(`${h.base}/api/widget${path}${path.includes('?') ? '&' : '?'}key=${encodeURIComponent(h.key)}`, {
      ...init,
      headers: { ...(init.body && typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    }).then(async (r) => {
      if (raw && r.ok) return r;
      const body = r.status === 204 ? {} : await r.json().catch(() => ({}));
      if (!r.ok) throw Object.assign(new Error(body?.error?.message ?? `HTTP ${r.status}`), { status: r.status, code: body?.error?.code });
      return body;
    });
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const state: J = { token: localStorage.getItem(K('token')), conv: localStorage.getItem(K('conv')), events: [], seq: 0, path: [], unread: 0, open: false, tries: 0, readSent: 0 };

  const style = el('style', '', CSS);
  const panel = el('section', 'p');
  panel.hidden = true;
  panel.dir = h.dir;
  panel.lang = lang;
  panel.setAttribute('popover', 'manual');
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', tr('title'));
  const phone = h.frame || matchMedia('(max-width:500px)').matches;
  if (phone) panel.classList.add('m');
  const head = el('div', 'h');
  const title = el('b', '', tr('title'));
  const sub = el('small');
  title.append(sub);
  const menuBtn = el('button', '', '☰');
  menuBtn.setAttribute('aria-label', tr('past'));
  const closeBtn = el('button', '', '×');
  closeBtn.setAttribute('aria-label', tr('close'));
  head.append(menuBtn, title, closeBtn);
  const banner = el('div', 'r', tr('reconnecting'));
  banner.hidden = true;
  const body = el('div', 't');
  const log = el('div');
  log.setAttribute('role', 'log');
  log.setAttribute('aria-live', 'polite');
  const tail = el('div');
  body.append(log, tail);
  const typing = el('div', 'y');
  const form = el('form', 'f');
  const file = el('input');
  file.type = 'file';
  file.accept = 'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,text/csv,.csv,.txt,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.zip';
  file.hidden = true;
  const clip = el('button', 'k', '📎');
  clip.type = 'button';
  clip.setAttribute('aria-label', tr('attach'));
  const input = el('textarea');
  input.rows = 1;
  input.placeholder = tr('placeholder');
  input.setAttribute('aria-label', tr('placeholder'));
  const send = el('button', '', tr('send'));
  form.append(file, clip, input, send);
  panel.append(head, banner, body, typing, form);
  h.root.append(style, panel);
  const badge = h.launcher.querySelector('span') as HTMLElement;

  /** The fixed labels, again once the configuration brought the words in the visitor's language. */
  function relabel() {
    panel.setAttribute('aria-label', tr('title'));
    menuBtn.setAttribute('aria-label', tr('past'));
    closeBtn.setAttribute('aria-label', tr('close'));
    banner.textContent = tr('reconnecting');
    clip.setAttribute('aria-label', tr('attach'));
    input.placeholder = tr('placeholder');
    input.setAttribute('aria-label', tr('placeholder'));
    send.textContent = tr('send');
  }

  /** Colour and corner: the snippet's attributes win, else the tenant's settings. */
  function appearance() {
    panel.style.setProperty('--c', h.color);
    panel.classList.toggle('left', h.left);
  }
  appearance();

  const atBottom = () => body.scrollHeight - body.scrollTop - body.clientHeight < 40;
  const scroll = () => (body.scrollTop = body.scrollHeight);
  const setUnread = (n: number) => {
    state.unread = n;
    badge.hidden = !n;
    badge.textContent = String(n);
    h.label(n);
  };
  /** Every promise the widget starts ends here when it fails: a line in the chat, never an uncaught error. */
  const fail = (err: unknown) => {
    const e = el('div', 'g e', tr('error', (err as Error)?.message ?? String(err)));
    e.setAttribute('role', 'alert');
    tail.append(e);
    scroll();
  };
  const run = (p: Promise<unknown>) => void p.catch(fail);

  async function session() {
    if (state.visitor) return;
    const b = h.identity ?? (state.token ? { token: state.token } : {});
    const s = await api('/session', { method: 'POST', body: JSON.stringify(b) }, null);
    state.token = s.token;
    state.visitor = s.visitor;
    localStorage.setItem(K('token'), s.token);
  }

  /** What a system event or a bot notice says, in the visitor's language. */
  function say(ev: J): string {
    const d = ev.data ?? {};
    switch (ev.type) {
      case 'handoff': return tr('waiting');
      case 'queue': return tr('queue', d.position);
      case 'assigned': return tr('joined', d.assignee_name ?? tr('colleague'));
      case 'transferred': return tr('transferred', d.assignee_name ?? d.department_name ?? tr('colleague'));
      case 'closed': return tr(d.reason === 'idle' ? 'idleClosed' : 'closed');
      case 'reopened': case 'released': case 'continued': return tr(ev.type);
      case 'rating': return tr('rated');
    }
    if (d.notice === 'no_operator') return tr('noOperator');
    if (d.notice === 'offline') return d.next_open_at ? tr('away', new Date(d.next_open_at).toLocaleString(lang, { weekday: 'short', hour: 'numeric', minute: '2-digit' })) : tr('awayNoTime');
    return ev.text ?? '';
  }

  /** Appends one event to the timeline (never rebuilds it). */
  function bubble(ev: J) {
    const mine = ev.author?.type === 'visitor';
    if (ev.type === 'read' || ev.type === 'note') return;
    const stick = atBottom();
    if (ev.type === 'message' || ev.type === 'attachment' || ev.type === 'menu') {
      const b = el('div', mine ? 'g me' : 'g');
      if (ev.type === 'attachment') {
        const url = h.base + (ev.data?.url ?? '');
        if (ev.data?.image) {
          const img = el('img');
          img.alt = ev.data.name;
          // Stay at the bottom once the image has its height.
          img.onload = () => stick && scroll();
          img.src = url;
          b.append(img);
        } else {
          const a = el('a', '', `📄 ${ev.data?.name ?? 'file'}`);
          a.href = url;
          a.rel = 'noopener noreferrer';
          a.target = '_blank';
          b.append(a);
        }
        if (ev.text) b.append(rich(ev.text));
      } else b.append(rich(say(ev)));
      if (!mine && ev.author?.name) b.title = ev.author.name;
      log.append(b);
    } else log.append(el('div', 'g s', say(ev)));
    if (stick) scroll();
  }

  /** The part below the timeline that changes: seen, pending sends, choices, email form, after close. */
  function renderTail() {
    const stick = atBottom();
    tail.replaceChildren();
    // The pre-chat form or the "Which team?" choice, until answered.
    if (state.form || state.teams) {
      // The message waiting for the form stays in view.
      if (state.form) tail.append(...(state.form.text ? [el('div', 'g me w', state.form.text)] : []), detailsForm());
      else tail.append(el('div', 'g s', tr('whichTeam')), buttons((state.cfg?.departments ?? []).map((d: J) => [d.label, () => handoff(d.id)])));
      if (stick) scroll();
      return;
    }
    const bot = state.cfg?.bot;
    // Suggested questions: answered here before a conversation exists (nothing is created), stored
    // in it while the bot has it.
    const suggested = (): [string, () => unknown][] => (bot?.suggestions ?? []).map((q: J) => [q.question, () => quick({ label: q.question, action: q })]);
    form.hidden = bot?.free_text === false && (!state.conv || state.status === 'bot');
    if (!state.conv) {
      const node = bot?.nodes?.find((n: J) => n.id === (state.node ?? bot.root));
      if (node) tail.append(buttons([...node.choices.map((c: J) => [c.label, () => choose(c)] as [string, () => unknown]), ...(node.id === bot.root ? suggested() : [])]));
      return;
    }
    const lastMine = [...state.events].reverse().find((e: J) => e.author?.type === 'visitor' && e.type !== 'read');
    const read = state.events.filter((e: J) => e.type === 'read' && e.author?.type === 'operator').pop();
    if (lastMine && read && read.data?.seq >= lastMine.seq) tail.append(el('div', 'n', tr('seen')));
    for (const o of outbox()) tail.append(el('div', 'g me w', o.text));
    const last = state.events.filter((e: J) => e.type !== 'read').pop();
    if (state.status === 'bot') {
      const choices = (last?.data?.choices as J[] | undefined) ?? [];
      tail.append(buttons([...choices.map((c: J) => [c.label, () => handoff()] as [string, () => unknown]), ...suggested(), [tr('person'), () => handoff()]]));
    }
    const asked = state.events.some((e: J) => e.data?.ask_email);
    if (asked && state.status !== 'closed' && !state.events.some((e: J) => e.data?.contact) && !state.emailSent) {
      tail.append(emailForm((email) => api(`/conversations/${state.conv}/contact`, { method: 'POST', body: JSON.stringify({ email }) }).then(() => (state.emailSent = true))));
    }
    if (state.status === 'closed') {
      if (state.cfg?.widget?.csat !== false && !state.events.some((e: J) => e.type === 'rating')) tail.append(rateForm());
      // The transcript: a text file, a printable page, or by email when the site sends it.
      if (state.mailed) tail.append(el('div', 'g s', state.mailed));
      if (state.mailing) {
        // To an address the site vouched for it goes at once; to another, a confirmation link first.
        const send = (email: string) => api(`/conversations/${state.conv}/transcript/email`, { method: 'POST', body: JSON.stringify({ email, tz: zone }) })
          .then((r: J) => ((state.mailing = false), (state.mailed = tr(r.confirm ? 'emailConfirm' : 'emailSent', email)), renderTail()));
        tail.append(emailForm(send, state.visitor?.email), buttons([[tr('cancel'), () => ((state.mailing = false), renderTail())]]));
      } else if (state.tx) {
        const get = (format: string) => () =>
          api(`/conversations/${state.conv}/transcript?format=${format}${zone ? `&tz=${encodeURIComponent(zone)}` : ''}`, {}, state.token, true)
            .then(async (r: Response) => {
              const a = el('a');
              a.href = URL.createObjectURL(await r.blob());
              a.download = `chat-${state.conv}.${format === 'html' ? 'html' : 'txt'}`;
              a.click();
              setTimeout(() => URL.revokeObjectURL(a.href), 1000);
            })
            .finally(renderTail);
        const email: [string, () => unknown][] = state.cfg?.widget?.transcript_email ? [[tr('emailMe'), () => ((state.mailing = true), renderTail())]] : [];
        tail.append(buttons([[tr('textFile'), get('text')], [tr('printable'), get('html')], ...email]));
      } else tail.append(buttons([[tr('transcript'), () => ((state.tx = true), renderTail())]]));
      tail.append(buttons([[tr('startNew'), async () => startNew()]]));
    } else if (state.status) {
      state.tx = state.mailing = state.mailed = null;
      // "End conversation", confirmed in place.
      if (state.ending) tail.append(el('div', 'g s', tr('endAsk')), buttons([[tr('end'), end], [tr('cancel'), () => ((state.ending = false), renderTail())]]));
      else tail.append(buttons([[tr('end'), () => ((state.ending = true), renderTail())]]));
    }
    if (stick) scroll();
  }

  /** After a REST call that stores an event: it comes over the socket; without one, from the history. */
  const catchUp = () => (state.ws?.readyState === 1 ? undefined : show(state.conv));

  /** The details the pre-chat form still asks `at` this moment (`start` or `handoff`); verified
   *  visitors' sites may have told us already. Asked once per page. */
  function asks(at: string): string[] {
    const p = state.cfg?.widget?.prechat;
    if (!p || p.fields === 'off' || p.when !== at || state.asked) return [];
    return (p.fields === 'name' ? ['name'] : ['name', 'email']).filter((f) => !state.visitor?.[f]);
  }

  /** Holds `then` (sending `text`, if any) behind the pre-chat form when it has something to ask. */
  function held(fields: string[], then: () => Promise<unknown>, text?: string) {
    if (!fields.length) return false;
    state.form = { fields, then, text };
    renderTail();
    return true;
  }

  function detailsForm() {
    const p = state.cfg.widget.prechat;
    const f = el('form', 'f q');
    const inputs = state.form.fields.map((k: string) => {
      const i = el('input');
      i.name = k;
      i.type = k === 'email' ? 'email' : 'text';
      i.autocomplete = k as AutoFill;
      i.required = p[`${k}_required`];
      i.maxLength = k === 'email' ? 254 : 100;
      i.placeholder = i.required ? tr(k) : tr('optional', tr(k));
      i.setAttribute('aria-label', i.placeholder);
      return i;
    });
    const b = el('button', '', tr('next'));
    f.append(el('div', 'g s', tr('prechat')), ...inputs, b);
    f.onsubmit = (e) => {
      e.preventDefault();
      b.disabled = true;
      const body = Object.fromEntries(inputs.map((i: HTMLInputElement) => [i.name, i.value]));
      run(api('/visitor', { method: 'PATCH', body: JSON.stringify(body) }).then(
        (r) => {
          const then = state.form.then;
          state.visitor = r.visitor;
          state.asked = true;
          state.form = null;
          renderTail();
          return then();
        },
        (err) => {
          b.disabled = false;
          throw err;
        },
      ));
    };
    setTimeout(() => inputs[0]?.focus());
    return f;
  }

  async function end() {
    state.ending = false;
    await api(`/conversations/${state.conv}/close`, { method: 'POST', body: '{}' });
    await catchUp();
  }

  /** 1–5 stars and an optional comment; the draft survives the tail being redrawn. */
  function rateForm() {
    const stars = el('div', 'c');
    stars.style.justifyContent = 'center';
    const f = el('form', 'f');
    const i = el('input');
    i.placeholder = tr('comment');
    i.setAttribute('aria-label', tr('comment'));
    i.maxLength = 1000;
    i.value = state.comment ?? '';
    i.oninput = () => (state.comment = i.value);
    const b = el('button', '', tr('send'));
    b.disabled = !state.score;
    for (let n = 1; n <= 5; n++) {
      const star = el('button', 'v', '★');
      star.type = 'button';
      star.setAttribute('aria-label', tr('star', n));
      star.setAttribute('aria-pressed', String(n <= state.score));
      star.onclick = () => ((state.score = n), renderTail());
      stars.append(star);
    }
    f.append(i, b);
    f.onsubmit = (e) => {
      e.preventDefault();
      b.disabled = true;
      run(api(`/conversations/${state.conv}/rating`, { method: 'POST', body: JSON.stringify({ score: state.score, comment: i.value }) }).then(
        catchUp,
        (err) => {
          b.disabled = false;
          throw err;
        },
      ));
    };
    const box = el('div');
    box.append(el('div', 'g s', tr('rateAsk')), stars, f);
    return box;
  }

  /** Buttons that each act once: the row is disabled as soon as one is pressed. */
  function buttons(items: [string, () => unknown][]) {
    const box = el('div', 'c');
    for (const [label, fn] of items) {
      const b = el('button', '', label);
      b.type = 'button';
      b.onclick = () => {
        box.querySelectorAll('button').forEach((x) => (x.disabled = true));
        run(Promise.resolve().then(fn));
      };
      box.append(b);
    }
    return box;
  }

  /** An email address form; `send` is called with the address (the form stays for another try if it fails). */
  function emailForm(send: (email: string) => Promise<unknown>, value = '') {
    const f = el('form', 'f');
    const i = el('input');
    i.type = 'email';
    i.required = true;
    i.value = value;
    i.placeholder = tr('email');
    i.setAttribute('aria-label', tr('email'));
    const b = el('button', '', tr('send'));
    f.append(i, b);
    f.onsubmit = (e) => {
      e.preventDefault();
      b.disabled = true;
      run(send(i.value).then(
        // The contact form: the bot's thanks (with the address) follows as an event.
        () => f.remove(),
        (err) => {
          b.disabled = false;
          throw err;
        },
      ));
    };
    return f;
  }

  /** The bot's menu, before any conversation exists. */
  function showMenu() {
    state.shown = null;
    log.replaceChildren();
    const bot = state.cfg?.bot;
    if (bot?.welcome) log.append(el('div', 'g', bot.welcome));
    const node = bot?.nodes?.find((n: J) => n.id === (state.node ?? bot.root));
    if (node && state.node && state.node !== bot.root) log.append(el('div', 'g', node.text));
    renderTail();
  }

  async function choose(c: J) {
    const a = c.action;
    if (a.type === 'url') {
      open(a.url, '_blank', 'noopener,noreferrer');
      return renderTail();
    }
    if (a.type === 'faq') return quick(c);
    state.path = [...state.path, c.id];
    if (a.type === 'node') {
      state.node = a.node;
      return showMenu();
    }
    if (a.type === 'ask') {
      renderTail();
      return input.focus();
    }
    await start({ menu_path: state.path }, true);
  }

  /** A quick reply: in a conversation the room stores the choice and its answer (they come back as
   *  events); before one, answered here and nothing is created. */
  async function quick(c: J) {
    if (state.conv) return api(`/conversations/${state.conv}/quick-reply`, { method: 'POST', body: JSON.stringify({ faq_id: c.action.faq_id, client_msg_id: uid() }) });
    log.append(el('div', 'g me', c.label), el('div', 'g', c.action.answer));
    renderTail();
  }

  /** Starts a conversation (`handoff`: its menu path hands over), after the pre-chat form if it asks;
   *  `next` runs once it is on screen (an upload waiting for it). */
  async function start(b: J, handoff = false, next?: () => unknown): Promise<unknown> {
    await session();
    if (held([...new Set([...asks('start'), ...(handoff ? asks('handoff') : [])])], () => start(b, handoff, next), b.message?.text)) return;
    const previous = state.previous ? { previous_conversation_id: state.previous } : {};
    const r = await api('/conversations', { method: 'POST', body: JSON.stringify({ client_request_id: uid(), locale: lang, ...previous, ...b }) });
    state.path = [];
    state.previous = null;
    await show(r.conversation.id);
    return next?.();
  }

  /** After a close: back to the menu; the next conversation links the closed one. */
  function startNew(text?: string) {
    const previous = state.conv;
    leave();
    state.previous = previous;
    if (text) return start({ message: { client_msg_id: uid(), text } });
    showMenu();
  }

  /** "Talk to a person": after the pre-chat form if it asks, and the team the visitor picks when the
   *  site offers more than one. */
  async function handoff(department_id?: string): Promise<unknown> {
    await session();
    if (held(asks('handoff'), () => handoff(department_id))) return;
    state.teams = !department_id && (state.cfg?.departments?.length ?? 0) > 1;
    if (state.teams) return renderTail();
    await api(`/conversations/${state.conv}/handoff`, { method: 'POST', body: JSON.stringify({ department_id }) });
  }

  // The outbox: sends not yet acknowledged, kept per conversation so a reload or another tab retries.
  const outbox = (): J[] => JSON.parse(localStorage.getItem(K(`out:${state.conv}`)) ?? '[]');
  const saveOutbox = (o: J[]) => localStorage.setItem(K(`out:${state.conv}`), JSON.stringify(o));

  function add(ev: J) {
    if (ev.seq <= state.seq) return false;
    state.seq = ev.seq;
    state.events.push(ev);
    if (ev.data?.status) state.status = ev.data.status;
    if (['assigned', 'transferred', 'closed', 'reopened', 'released', 'handoff'].includes(ev.type)) state.agent = ev.data?.assignee_name ?? null;
    bubble(ev);
    if (ev.author?.type !== 'visitor' && ev.type !== 'read') {
      h.emit('message', ev);
      if (!state.open && (ev.type === 'message' || ev.type === 'attachment')) setUnread(state.unread + 1);
    }
    return true;
  }

  /** Header: who is answering, else offline, else the tenant's greeting. */
  function renderHead() {
    sub.textContent = state.status === 'active' && state.agent ? state.agent : state.cfg && !state.cfg.online ? tr('offline') : state.cfg?.widget?.greeting ?? '';
  }

  /** A read receipt only for an operator's message this visitor has not marked read yet (never for a
   *  receipt, a system event or the visitor's own). */
  function markRead() {
    if (!state.open || state.ws?.readyState !== 1) return;
    const theirs = state.events.filter((e: J) => e.author?.type === 'operator' && (e.type === 'message' || e.type === 'attachment')).pop();
    if (theirs && theirs.seq > state.readSent) {
      state.readSent = theirs.seq;
      state.ws.send(JSON.stringify({ type: 'read', seq: theirs.seq }));
    }
  }

  function leave() {
    state.ws?.close(1000);
    state.ws = null;
    state.conv = null;
    state.node = null;
    state.events = [];
    state.seq = 0;
    state.status = null;
    state.agent = null;
    state.readSent = 0;
    state.emailSent = false;
    state.score = state.comment = state.form = state.tx = state.mailing = state.mailed = null;
    state.teams = false;
    localStorage.removeItem(K('conv'));
    renderHead();
  }

  async function show(conv: string) {
    if (state.conv !== conv || state.shown !== conv) {
      state.ws?.close(1000);
      state.ws = null;
      state.events = [];
      state.seq = 0;
      state.readSent = 0;
      state.agent = null;
      state.emailSent = false;
      state.tx = state.mailing = state.mailed = null;
      log.replaceChildren();
    }
    state.conv = conv;
    state.shown = conv;
    localStorage.setItem(K('conv'), conv);
    await session();
    const [history, mine] = await Promise.all([api(`/conversations/${conv}/messages?limit=500&after_seq=${state.seq}`), api('/conversations')]);
    state.status = mine.results.find((c: J) => c.id === conv)?.status ?? state.status;
    history.results.forEach(add);
    renderTail();
    renderHead();
    connect();
    page();
  }

  /** Tells the operators which page the visitor is on (once per page and conversation; never in a
   *  frame, where the page is ours; never when the tenant turned it off). Failures stay silent. */
  function page() {
    const at = `${state.conv} ${location.href}`;
    if (h.frame || !state.conv || state.cfg?.widget?.page_tracking === false || state.paged === at) return;
    state.paged = at;
    const body = { url: location.href, title: document.title, referrer: document.referrer, tz: zone, language: navigator.language };
    api(`/conversations/${state.conv}/page`, { method: 'POST', body: JSON.stringify(body) }).catch(() => undefined);
  }
  addEventListener('popstate', page);
  addEventListener('hashchange', page);

  function connect() {
    if (state.ws || !state.conv) return;
    const ws = new WebSocket(`${h.base.replace(/^http/, 'ws')}/ws/conversations/${state.conv}?after_seq=${state.seq}`, ['chat.v1', `bearer.${state.token}`]);
    state.ws = ws;
    let ping: ReturnType<typeof setInterval>;
    ws.onopen = () => {
      state.tries = 0;
      banner.hidden = true;
      ping = setInterval(() => ws.send('{"type":"ping"}'), 25000);
      for (const o of outbox()) ws.send(JSON.stringify({ type: 'send', ...o }));
      markRead();
    };
    ws.onmessage = (m) => {
      const f = JSON.parse(m.data);
      if (f.type === 'event' || f.type === 'ack') {
        // Whoever was typing has written.
        if (f.event.author?.type !== 'visitor') typing.textContent = '';
        if (f.type === 'ack') saveOutbox(outbox().filter((o) => o.client_msg_id !== f.client_msg_id));
        add(f.event);
        renderTail();
        renderHead();
        markRead();
      } else if (f.type === 'typing') {
        typing.textContent = f.on ? `${f.author?.name ?? ''} ${tr('typing')}` : '';
        clearTimeout(state.tt);
        state.tt = setTimeout(() => (typing.textContent = ''), f.expires_in_ms);
      } else if (f.type === 'error' && f.client_msg_id) {
        const sent = outbox().find((o) => o.client_msg_id === f.client_msg_id);
        saveOutbox(outbox().filter((o) => o.client_msg_id !== f.client_msg_id));
        // The tenant starts a new conversation after a close: the message goes there, linked.
        if (f.code === 'conversation_closed' && sent) run(startNew(sent.text) ?? Promise.resolve());
        else {
          renderTail();
          fail(new Error(f.message));
        }
      }
    };
    ws.onclose = (e) => {
      clearInterval(ping);
      if (state.ws !== ws) return;
      state.ws = null;
      if (e.code === 1000 && !state.conv) return;
      // Ended for good (deleted, key revoked, verification required): no reconnect loop.
      if (e.code >= 4000) return fail(new Error(e.reason || String(e.code)));
      banner.hidden = false;
      const wait = Math.min(30000, 500 * 2 ** state.tries++) * (0.5 + Math.random() / 2);
      setTimeout(connect, wait);
    };
  }

  function submit() {
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    state.typed = 0;
    if (!state.conv) return run(start({ menu_path: state.path.length ? state.path : undefined, message: { client_msg_id: uid(), text } }));
    if (state.status === 'closed' && state.cfg?.widget?.after_close === 'new') return run(startNew(text) ?? Promise.resolve());
    const o = { client_msg_id: uid(), text };
    saveOutbox([...outbox(), o]);
    if (state.ws?.readyState === 1) state.ws.send(JSON.stringify({ type: 'send', ...o }));
    renderTail();
  }

  form.onsubmit = (e) => {
    e.preventDefault();
    submit();
  };
  input.onkeydown = (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  };
  input.oninput = () => {
    const now = Date.now();
    if (state.ws?.readyState === 1 && now - (state.typed ?? 0) > 3000) {
      state.typed = now;
      state.ws.send('{"type":"typing","on":true}');
    }
  };
  clip.onclick = () => file.click();
  file.onchange = () => {
    const f = file.files?.[0];
    file.value = '';
    if (!f) return;
    // A file before the first message starts the conversation first.
    run(state.conv ? upload(f) : start({ menu_path: state.path.length ? state.path : undefined }, false, () => upload(f)));
  };
  function upload(f: File) {
    const note = el('div', 'g s', tr('uploading', 0));
    tail.append(note);
    scroll();
    return new Promise<void>((resolve, reject) => {
      const x = new XMLHttpRequest();
      x.open('POST', `${h.base}/api/widget/conversations/${state.conv}/attachments?key=${encodeURIComponent(h.key)}&name=${encodeURIComponent(f.name)}&client_msg_id=${uid()}`);
      x.setRequestHeader('authorization', `Bearer ${state.token}`);
      x.upload.onprogress = (p) => (note.textContent = tr('uploading', Math.round((100 * p.loaded) / (p.total || 1))));
      x.onload = () => {
        note.remove();
        if (x.status < 300) return resolve();
        let message = `HTTP ${x.status}`;
        try {
          message = JSON.parse(x.responseText)?.error?.message ?? message;
        } catch {
          /* not JSON: keep the status */
        }
        reject(new Error(message));
      };
      x.onerror = () => {
        note.remove();
        reject(new Error('network'));
      };
      x.send(f);
    });
  }
  menuBtn.onclick = () =>
    run(
      (async () => {
        await session();
        const past = await api('/conversations');
        state.shown = null;
        log.replaceChildren(el('div', 'g s', tr('past')));
        tail.replaceChildren(
          buttons([
            [tr('fresh'), () => (leave(), showMenu())],
            ...past.results.map((c: J) => [`${new Date(c.created_at).toLocaleString(lang)} · ${c.last_message_preview ?? c.status}`, () => show(c.id)] as [string, () => Promise<void>]),
          ]),
        );
      })(),
    );
  closeBtn.onclick = () => app.close();
  // (A DOM0 handler that returns false cancels the key: this one must return nothing.)
  panel.onkeydown = (e) => {
    if (e.key === 'Escape') app.close();
  };
  // Keep the composer above the on-screen keyboard on phones.
  visualViewport?.addEventListener('resize', () => {
    if (panel.classList.contains('m')) panel.style.height = `${visualViewport!.height}px`;
  });

  async function load() {
    if (!state.cfg) {
      state.shown = null;
      log.replaceChildren(el('div', 'g s', tr('loading')));
      tail.replaceChildren();
      state.cfg = await api(`/config?locale=${h.locale ?? lang}`, {}, null);
      h.configure(state.cfg.widget);
      appearance();
      relabel();
      title.firstChild!.textContent = state.cfg.tenant.name;
      log.replaceChildren();
    }
    renderHead();
    if (state.conv) await show(state.conv);
    else showMenu();
  }

  const app = {
    async open() {
      state.open = true;
      panel.hidden = false;
      (panel as unknown as { showPopover?: () => void }).showPopover?.();
      h.launcher.setAttribute('aria-expanded', 'true');
      setUnread(0);
      h.emit('open');
      // On phones the keyboard stays down until the visitor taps the composer.
      (phone ? closeBtn : input).focus();
      try {
        await load();
        markRead();
      } catch (err) {
        // The launcher stays; the panel says what happened and offers to try again.
        console.error(`EdgeChat: ${(err as Error).message}`);
        log.replaceChildren(el('div', 'g e', tr('failed')));
        tail.replaceChildren(buttons([[tr('retry'), () => app.open()]]));
      }
    },
    close() {
      state.open = false;
      (panel as unknown as { hidePopover?: () => void }).hidePopover?.();
      panel.hidden = true;
      h.launcher.setAttribute('aria-expanded', 'false');
      h.launcher.focus();
      h.emit('close');
    },
    identify(id: Record<string, string>) {
      h.identity = id;
      state.visitor = null;
    },
    /** Ends the visitor's open conversation (no confirmation: the site asked). */
    end: () => (state.conv && state.status !== 'closed' ? end() : Promise.resolve()),
    page,
  };
  if (state.conv) run(session().then(() => show(state.conv)).catch((e) => {
    localStorage.removeItem(K('conv'));
    state.conv = null;
    if (e?.status !== 404 && e?.status !== 401 && e?.status !== 403) throw e;
  }));
  return app;
}
