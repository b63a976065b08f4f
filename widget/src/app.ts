// The chat itself, loaded by widget.js on first use: bot menu, conversation timeline, socket with
// resume, an outbox that survives disconnects, uploads, past conversations. Everything users typed is
// rendered with textContent; links become clickable only for http(s).
import type { Host } from './loader';

type J = Record<string, any>;
const T: Record<string, string[]> = {
  // title, placeholder, send, person, reconnecting, typing, seen, queue, offline, email, emailSend, past, fresh, back, close, attach, joined, uploading
  en: ['Chat with us', 'Type a message…', 'Send', 'Talk to a person', 'Reconnecting…', 'is typing…', 'Seen', 'You are number {n} in the queue', "We're offline", 'Your email', 'Send', 'Past conversations', 'New conversation', 'Back', 'Close chat', 'Attach a file', '{n} joined', 'Uploading {n}%'],
  ja: ['チャット', 'メッセージを入力…', '送信', '担当者と話す', '再接続中…', 'が入力中…', '既読', '順番待ち：{n}番目', 'ただいま営業時間外です', 'メールアドレス', '送信', '過去の会話', '新しい会話', '戻る', '閉じる', 'ファイルを添付', '{n}が参加しました', 'アップロード中 {n}%'],
  ko: ['채팅 상담', '메시지를 입력하세요…', '보내기', '상담원 연결', '다시 연결 중…', '님이 입력 중…', '읽음', '대기 순서: {n}번째', '지금은 운영 시간이 아닙니다', '이메일 주소', '보내기', '이전 대화', '새 대화', '뒤로', '닫기', '파일 첨부', '{n}님이 참여했습니다', '업로드 중 {n}%'],
  zh: ['在线客服', '输入消息…', '发送', '联系人工客服', '正在重新连接…', '正在输入…', '已读', '您前面还有 {n} 位', '现在是非工作时间', '您的邮箱', '发送', '历史会话', '新会话', '返回', '关闭', '上传文件', '{n} 已加入', '上传中 {n}%'],
};
const CSS = `.p{bottom:90px;right:20px;width:370px;height:min(600px,calc(100vh - 110px));background:#fff;border-radius:14px;box-shadow:0 10px 40px #0003;display:flex;flex-direction:column;overflow:hidden}
.p.left{left:20px;right:auto}.p.m{inset:0;width:auto;height:auto;border-radius:0}
.h{background:var(--c);color:#fff;padding:12px 14px;display:flex;gap:8px;align-items:center}.h b{flex:1}.h small{display:block;opacity:.85;font-size:12px}
.h button,.k{background:none;border:0;color:inherit;font-size:18px;padding:2px 6px}
.t{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:6px}
.g{max-width:80%;padding:8px 11px;border-radius:12px;background:#f1f3f5;white-space:pre-wrap;overflow-wrap:anywhere;align-self:flex-start}
.g.me{align-self:flex-end;background:var(--c);color:#fff}.g.me a{color:#fff}.g.s{align-self:center;background:none;color:#667;font-size:12px;text-align:center}
.g img{display:block;max-width:100%;border-radius:8px}.n{font-size:11px;color:#667;align-self:flex-end}
.c{display:flex;flex-wrap:wrap;gap:6px}.c button{border:1px solid var(--c);color:var(--c);background:#fff;border-radius:16px;padding:5px 11px}
.f{display:flex;gap:6px;padding:10px;border-top:1px solid #eee;align-items:flex-end}
textarea,input{flex:1;font:inherit;font-size:16px;border:1px solid #ccd;border-radius:10px;padding:8px;resize:none;max-height:120px}
.f button{border:0;background:var(--c);color:#fff;border-radius:10px;padding:8px 12px}.f .k{background:none;color:#556;padding:8px 4px}
.r{background:#fff4d6;color:#664;font-size:12px;padding:4px 12px}.y{font-size:12px;color:#667;padding:0 12px 4px;min-height:18px}
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
  const lang = (h.locale ?? navigator.language ?? 'en').slice(0, 2).toLowerCase();
  const L = T[lang] ?? T.en;
  const tr = (i: number, n: string | number = '') => L[i].replace('{n}', String(n));
  const K = (k: string) => `ec:${h.key}:${k}`;
  const api = (path: string, init: RequestInit = {}, token = state.token) =>
    fetch(`${h.base}/api/widget${path}${path.includes('?') ? '&' : '?'}key=${encodeURIComponent(h.key)}`, {
      ...init,
      headers: { ...(init.body && typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    }).then(async (r) => {
      const body = r.status === 204 ? {} : await r.json().catch(() => ({}));
      if (!r.ok) throw Object.assign(new Error(body?.error?.message ?? `HTTP ${r.status}`), { status: r.status });
      return body;
    });
  const state: J = { token: localStorage.getItem(K('token')), conv: localStorage.getItem(K('conv')), events: [], seq: 0, path: [], unread: 0, open: false, tries: 0 };

  const style = el('style', '', CSS);
  const panel = el('section', 'p');
  panel.hidden = true;
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', tr(0));
  if (h.frame || matchMedia('(max-width:500px)').matches) panel.classList.add('m');
  const head = el('div', 'h');
  const title = el('b', '', tr(0));
  const sub = el('small');
  title.append(sub);
  const menuBtn = el('button', '', '☰');
  menuBtn.setAttribute('aria-label', tr(11));
  const closeBtn = el('button', '', '×');
  closeBtn.setAttribute('aria-label', tr(14));
  head.append(menuBtn, title, closeBtn);
  const banner = el('div', 'r', tr(4));
  banner.hidden = true;
  const list = el('div', 't');
  list.setAttribute('aria-live', 'polite');
  const typing = el('div', 'y');
  const form = el('form', 'f');
  const file = el('input');
  file.type = 'file';
  file.accept = 'image/png,image/jpeg,image/gif,image/webp,application/pdf';
  file.hidden = true;
  const clip = el('button', 'k', '📎');
  clip.type = 'button';
  clip.setAttribute('aria-label', tr(15));
  const input = el('textarea');
  input.rows = 1;
  input.placeholder = tr(1);
  input.setAttribute('aria-label', tr(1));
  const send = el('button', '', tr(2));
  form.append(file, clip, input, send);
  panel.append(head, banner, list, typing, form);
  if (h.left) panel.classList.add('left');
  h.root.append(style, panel);
  const badge = h.launcher.querySelector('span') as HTMLElement;

  const scroll = () => (list.scrollTop = list.scrollHeight);
  const setUnread = (n: number) => {
    state.unread = n;
    badge.hidden = !n;
    badge.textContent = String(n);
  };

  async function session() {
    if (state.visitor) return;
    const body = h.identity ?? (state.token ? { token: state.token } : {});
    const s = await api('/session', { method: 'POST', body: JSON.stringify(body) }, null);
    state.token = s.token;
    state.visitor = s.visitor;
    localStorage.setItem(K('token'), s.token);
  }

  const bubble = (ev: J) => {
    const mine = ev.author?.type === 'visitor';
    if (ev.type === 'read' || ev.type === 'note') return;
    if (ev.type === 'message' || ev.type === 'attachment') {
      const b = el('div', mine ? 'g me' : 'g');
      if (ev.type === 'attachment') {
        const url = h.base + (ev.data?.url ?? '');
        if (ev.data?.image) {
          const img = el('img');
          img.src = url;
          img.alt = ev.data.name;
          b.append(img);
        } else {
          const a = el('a', '', `📄 ${ev.data?.name ?? 'file'}`);
          a.href = url;
          a.rel = 'noopener noreferrer';
          a.target = '_blank';
          b.append(a);
        }
        if (ev.text) b.append(rich(ev.text));
      } else b.append(rich(ev.text ?? ''));
      if (!mine && ev.author?.name) b.title = ev.author.name;
      list.append(b);
      const choices = ev.data?.choices as J[] | undefined;
      if (choices) list.append(buttons(choices.map((c) => [c.label, () => handoff()])));
      if (ev.data?.ask_email) list.append(emailForm());
    } else if (ev.text) list.append(el('div', 'g s', ev.type === 'queue' ? tr(7, ev.data?.position) : ev.type === 'assigned' ? tr(16, ev.data?.assignee_name ?? '') : ev.text));
  };

  function render() {
    list.replaceChildren();
    if (!state.conv) {
      const bot = state.cfg?.bot;
      list.append(el('div', 'g', bot?.welcome ?? ''));
      const node = bot?.nodes?.find((n: J) => n.id === (state.node ?? bot.root));
      if (node) {
        if (state.node && state.node !== bot.root) list.append(el('div', 'g', node.text));
        list.append(buttons(node.choices.map((c: J) => [c.label, () => choose(c)])));
      }
    } else {
      for (const ev of state.events) bubble(ev);
      const lastMine = [...state.events].reverse().find((e: J) => e.author?.type === 'visitor' && e.type !== 'read');
      const read = state.events.filter((e: J) => e.type === 'read' && e.author?.type === 'operator').pop();
      if (lastMine && read && read.data?.seq >= lastMine.seq) list.append(el('div', 'n', tr(6)));
      for (const o of outbox()) {
        const b = el('div', 'g me', o.text);
        b.style.opacity = '.6';
        list.append(b);
      }
      if (state.status === 'bot') list.append(buttons([[tr(3), () => void handoff()]]));
    }
    scroll();
  }

  function buttons(items: [string, () => void][]) {
    const box = el('div', 'c');
    for (const [label, fn] of items) {
      const b = el('button', '', label);
      b.type = 'button';
      b.onclick = fn;
      box.append(b);
    }
    return box;
  }

  function emailForm() {
    const f = el('form', 'f');
    const i = el('input');
    i.type = 'email';
    i.required = true;
    i.placeholder = tr(9);
    i.setAttribute('aria-label', tr(9));
    const b = el('button', '', tr(10));
    f.append(i, b);
    f.onsubmit = (e) => {
      e.preventDefault();
      void api(`/conversations/${state.conv}/contact`, { method: 'POST', body: JSON.stringify({ email: i.value }) }).then(() => f.remove(), (err) => (i.title = err.message));
    };
    return f;
  }

  function choose(c: J) {
    const a = c.action;
    if (a.type === 'url') return void open(a.url, '_blank', 'noopener,noreferrer');
    state.path = [...state.path, c.id];
    if (a.type === 'node') {
      state.node = a.node;
      return render();
    }
    if (a.type === 'ask') return input.focus();
    void start({ menu_path: state.path });
  }

  async function start(body: J) {
    await session();
    const r = await api('/conversations', { method: 'POST', body: JSON.stringify({ client_request_id: uid(), locale: lang, ...body }) });
    state.path = [];
    await show(r.conversation.id);
  }

  async function handoff() {
    state.status = 'queued';
    render();
    await api(`/conversations/${state.conv}/handoff`, { method: 'POST', body: '{}' });
  }

  // The outbox: sends not yet acknowledged, kept per conversation so a reload or another tab retries.
  const outbox = (): J[] => JSON.parse(localStorage.getItem(K(`out:${state.conv}`)) ?? '[]');
  const saveOutbox = (o: J[]) => localStorage.setItem(K(`out:${state.conv}`), JSON.stringify(o));

  function add(ev: J) {
    if (ev.seq <= state.seq) return;
    state.seq = ev.seq;
    state.events.push(ev);
    if (ev.data?.status) state.status = ev.data.status;
    if (ev.author?.type !== 'visitor' && ev.type !== 'read') {
      h.emit('message', ev);
      if (!state.open && (ev.type === 'message' || ev.type === 'attachment')) setUnread(state.unread + 1);
      if (ev.type === 'assigned') sub.textContent = ev.data?.assignee_name ?? '';
    }
  }

  async function show(conv: string) {
    if (state.conv !== conv) {
      state.ws?.close();
      state.ws = null;
      state.events = [];
      state.seq = 0;
    }
    state.conv = conv;
    localStorage.setItem(K('conv'), conv);
    await session();
    const [history, mine] = await Promise.all([api(`/conversations/${conv}/messages?limit=500&after_seq=${state.seq}`), api('/conversations')]);
    state.status = mine.results.find((c: J) => c.id === conv)?.status ?? state.status;
    history.results.forEach(add);
    render();
    connect();
  }

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
    };
    ws.onmessage = (m) => {
      const f = JSON.parse(m.data);
      if (f.type === 'event' || f.type === 'ack') {
        add(f.event);
        if (f.type === 'ack') saveOutbox(outbox().filter((o) => o.client_msg_id !== f.client_msg_id));
        render();
        if (state.open && f.event.author?.type !== 'visitor') ws.send(JSON.stringify({ type: 'read', seq: state.seq }));
      } else if (f.type === 'typing') {
        typing.textContent = f.on ? `${f.author?.name ?? ''} ${tr(5)}` : '';
        clearTimeout(state.tt);
        state.tt = setTimeout(() => (typing.textContent = ''), f.expires_in_ms);
      } else if (f.type === 'error' && f.client_msg_id) saveOutbox(outbox().filter((o) => o.client_msg_id !== f.client_msg_id));
    };
    ws.onclose = (e) => {
      clearInterval(ping);
      if (state.ws !== ws) return;
      state.ws = null;
      if (e.code === 1000 && !state.conv) return;
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
    if (!state.conv) return void start({ menu_path: state.path.length ? state.path : undefined, message: { client_msg_id: uid(), text } });
    const o = { client_msg_id: uid(), text };
    saveOutbox([...outbox(), o]);
    if (state.ws?.readyState === 1) state.ws.send(JSON.stringify({ type: 'send', ...o }));
    render();
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
    if (!f || !state.conv) return;
    const note = el('div', 'g s', tr(17, 0));
    list.append(note);
    const x = new XMLHttpRequest();
    x.open('POST', `${h.base}/api/widget/conversations/${state.conv}/attachments?key=${encodeURIComponent(h.key)}&name=${encodeURIComponent(f.name)}&client_msg_id=${uid()}`);
    x.setRequestHeader('authorization', `Bearer ${state.token}`);
    x.upload.onprogress = (p) => (note.textContent = tr(17, Math.round((100 * p.loaded) / (p.total || 1))));
    x.onload = () => {
      note.remove();
      if (x.status >= 300) list.append(el('div', 'g s', JSON.parse(x.responseText || '{}')?.error?.message ?? 'upload failed'));
    };
    x.send(f);
    file.value = '';
  };
  menuBtn.onclick = async () => {
    await session();
    const past = await api('/conversations');
    list.replaceChildren(
      buttons([
        [tr(12), () => {
          state.ws?.close(1000);
          state.ws = null;
          state.conv = null;
          state.node = null;
          localStorage.removeItem(K('conv'));
          render();
        }],
        ...past.results.map((c: J) => [`${new Date(c.created_at).toLocaleString(lang)} · ${c.last_message_preview ?? c.status}`, () => void show(c.id)] as [string, () => void]),
      ]),
    );
  };
  closeBtn.onclick = () => app.close();
  // (A DOM0 handler that returns false cancels the key: this one must return nothing.)
  panel.onkeydown = (e) => {
    if (e.key === 'Escape') app.close();
  };
  // Keep the composer above the on-screen keyboard on phones.
  visualViewport?.addEventListener('resize', () => {
    if (panel.classList.contains('m')) panel.style.height = `${visualViewport!.height}px`;
  });

  const app = {
    async open() {
      state.open = true;
      panel.hidden = false;
      h.launcher.setAttribute('aria-expanded', 'true');
      setUnread(0);
      h.emit('open');
      try {
        state.cfg ??= await api(`/config${h.locale ? `?locale=${h.locale}` : ''}`, {}, null);
        title.firstChild!.textContent = state.cfg.tenant.name;
        sub.textContent = state.cfg.online ? '' : tr(8);
        if (state.conv) await show(state.conv);
        else render();
        input.focus();
      } catch (err) {
        console.error(`EdgeChat: ${(err as Error).message}`);
        app.close();
        h.launcher.hidden = true;
      }
    },
    close() {
      state.open = false;
      panel.hidden = true;
      h.launcher.setAttribute('aria-expanded', 'false');
      h.launcher.focus();
      h.emit('close');
    },
    identify(id: Record<string, string>) {
      h.identity = id;
      state.visitor = null;
    },
  };
  if (state.conv) void session().then(() => show(state.conv)).catch(() => localStorage.removeItem(K('conv')));
  return app;
}
