// The snippet's only script: <script src="https://YOUR-WORKER/widget.js" data-key="pk_..." async>.
// It defines <edge-chat> (Shadow DOM), draws the launcher and `window.EdgeChat`, and loads the chat
// itself (widget-app.js) only when the visitor opens it or already has a conversation going.

type Fn = (data?: unknown) => void;
export interface Host {
  base: string;
  key: string;
  locale?: string;
  /** The widget's language (two letters) and its writing direction. */
  lang: string;
  dir: 'ltr' | 'rtl';
  color: string;
  left: boolean;
  frame: boolean;
  root: ShadowRoot;
  launcher: HTMLButtonElement;
  emit(event: string, data?: unknown): void;
  /** The launcher's label, with the unread count when there is one (announced by screen readers). */
  label(unread: number): void;
  /** The tenant's appearance from /api/widget/config, where the snippet does not set it. */
  configure(widget?: { color?: string; position?: string }): void;
  identity?: Record<string, string>;
}
interface App {
  open(): void;
  close(): void;
  identify(id: Record<string, string>): void;
  end(): Promise<unknown>;
  page(): void;
}

const script = document.currentScript as HTMLScriptElement | null;
const d = script?.dataset ?? {};
const base = new URL(script?.src ?? location.href).origin;
const isColor = (c?: string) => /^#[0-9a-f]{6}$/i.test(c ?? '');
const color = isColor(d.color) ? d.color! : '#2563eb';
const left = d.position === 'left';
const lang = (d.locale ?? navigator.language ?? 'en').slice(0, 2).toLowerCase();
const OPEN: Record<string, string> = { en: 'Open chat', ja: 'チャットを開く', ko: '채팅 열기', zh: '打开聊天' };
const UNREAD: Record<string, string> = { en: '{n} unread', ja: '未読 {n} 件', ko: '읽지 않음 {n}개', zh: '{n} 条未读' };
const frame = d.mode === 'frame';
const listeners: Record<string, Fn[]> = {};

// Everything is positioned and styled inside the shadow root: a host page's rules (even `* {all:
// unset !important}`) reach only the <edge-chat> element itself, never what is drawn here.
const css = `:host{all:initial}
*{box-sizing:border-box}button{font:inherit;cursor:pointer}
.l,.p{position:fixed;z-index:2147483000;font:15px/1.4 system-ui,sans-serif;color:#111;text-align:start;--c:${color}}
.l{bottom:20px;right:20px;width:56px;height:56px;border-radius:50%;border:0;background:var(--c);color:#fff;box-shadow:0 4px 14px #0003;font-size:24px}
.b{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;border-radius:10px;background:#dc2626;color:#fff;font-size:12px;line-height:20px;text-align:center;padding:0 5px}
.l.left{left:20px;right:auto}.l:focus-visible{outline:3px solid #111;outline-offset:3px}
[hidden]{display:none!important}`;

let app: App | undefined;
let loading: Promise<App> | undefined;
let host: Host;

class EdgeChat extends HTMLElement {
  connectedCallback(): void {
    if (this.shadowRoot) return;
    const root = this.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = css;
    const launcher = document.createElement('button');
    launcher.className = left ? 'l left' : 'l';
    const dir = ['ar', 'he', 'fa', 'ur'].includes(lang) ? 'rtl' : 'ltr';
    launcher.dir = dir;
    const open = OPEN[lang] ?? OPEN.en;
    launcher.setAttribute('aria-label', open);
    launcher.textContent = '💬';
    const badge = document.createElement('span');
    badge.className = 'b';
    badge.hidden = true;
    launcher.append(badge);
    launcher.onclick = () => void load().then((a) => a.open(), (e) => console.error(`EdgeChat: the chat could not be loaded (${e?.message ?? e}); try again.`));
    if (frame) launcher.hidden = true;
    root.append(style, launcher);
    host = {
      base, key: d.key ?? '', locale: d.locale, lang, dir, color, left, frame, root, launcher,
      emit: (e, x) => listeners[e]?.forEach((f) => f(x)),
      label: (n) => launcher.setAttribute('aria-label', n ? `${open}, ${(UNREAD[lang] ?? UNREAD.en).replace('{n}', String(n))}` : open),
      configure: (w) => {
        if (!d.color && isColor(w?.color)) host.color = w!.color!;
        if (!d.position && w?.position) host.left = w.position === 'left';
        launcher.style.setProperty('--c', host.color);
        launcher.classList.toggle('left', host.left);
      },
    };
    // A conversation in progress (or the frame page) loads the chat right away, to show unread replies.
    if (frame || localStorage.getItem(`ec:${host.key}:conv`)) void load().then((a) => frame && a.open(), () => undefined);
    // Check the key once the page is idle: a key that does not work here hides the launcher and says why.
    const fail = (why: string) => {
      launcher.hidden = true;
      console.error(`EdgeChat: this page cannot use chat key ${host.key || '(none)'} (${why}); check the key and its allowed origins.`);
    };
    (window.requestIdleCallback ?? setTimeout)(() =>
      fetch(`${base}/api/widget/config?key=${encodeURIComponent(host.key)}${d.locale ? `&locale=${d.locale}` : ''}`).then(
        (r) => (r.ok ? r.json().then((c) => host.configure(c.widget), () => undefined) : fail(`HTTP ${r.status}`)),
        () => fail('blocked: origin not allowed'),
      ),
    );
  }
}

function load(): Promise<App> {
  if (app) return Promise.resolve(app);
  // A failed download is forgotten, so the next click tries again.
  loading ??= import(`${base}/widget-app.js`).then(
    (m: { mount(h: Host): App }) => (app = m.mount(host)),
    (e) => {
      loading = undefined;
      throw e;
    },
  );
  return loading;
}

if (!customElements.get('edge-chat')) {
  customElements.define('edge-chat', EdgeChat);
  const el = document.createElement('edge-chat');
  (document.body ?? document.documentElement).append(el);
  (window as unknown as { EdgeChat: unknown }).EdgeChat = {
    open: () => void load().then((a) => a.open(), () => undefined),
    close: () => app?.close(),
    end: () => load().then((a) => a.end()),
    /** For single-page sites: the visitor moved to another page (history.pushState). */
    page: () => app?.page(),
    identify: (id: Record<string, string>) => {
      host.identity = id;
      app?.identify(id);
    },
    on: (event: string, fn: Fn) => void (listeners[event] ??= []).push(fn),
  };
}
