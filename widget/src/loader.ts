// The embeddable widget's loader: <script src="https://YOUR-WORKER/widget.js" data-key="pk_..." async>.
// This first version is the shell the full widget grows into: one custom element in Shadow DOM, a
// launcher and a panel, `window.EdgeChat` as the only global, and nothing running until it is opened.

type Listener = () => void;

interface EdgeChatApi {
  open(): void;
  close(): void;
  on(event: 'open' | 'close', fn: Listener): void;
}

const script = document.currentScript as HTMLScriptElement | null;
const data = script?.dataset ?? {};
const color = /^#[0-9a-fA-F]{3,8}$/.test(data.color ?? '') ? (data.color as string) : '#2563eb';
const left = data.position === 'left';

const STYLE = `:host{all:initial;position:fixed;bottom:20px;${left ? 'left' : 'right'}:20px;z-index:2147483000;font:15px/1.4 system-ui,sans-serif;color:#111}
button{font:inherit;cursor:pointer}
.l{width:56px;height:56px;border-radius:50%;border:0;background:${color};color:#fff;box-shadow:0 4px 14px #0003;font-size:24px}
.p{position:absolute;bottom:70px;${left ? 'left' : 'right'}:0;width:320px;max-width:calc(100vw - 40px);background:#fff;border-radius:12px;box-shadow:0 8px 30px #0003;overflow:hidden}
.h{background:${color};color:#fff;padding:14px 16px;display:flex;justify-content:space-between;align-items:center}
.h button{background:none;border:0;color:#fff;font-size:20px}
.b{padding:16px}
[hidden]{display:none}`;

class EdgeChatElement extends HTMLElement {
  private root?: ShadowRoot;
  private panel?: HTMLElement;
  private listeners: Record<string, Listener[]> = { open: [], close: [] };

  connectedCallback(): void {
    if (this.root) return;
    const root = (this.root = this.attachShadow({ mode: 'open' }));
    const style = document.createElement('style');
    style.textContent = STYLE;
    const launcher = document.createElement('button');
    launcher.className = 'l';
    launcher.setAttribute('aria-label', 'Open chat');
    launcher.textContent = '💬';
    launcher.addEventListener('click', () => (this.panel && !this.panel.hidden ? this.close() : this.open()));
    root.append(style, launcher);
  }

  private build(): HTMLElement {
    const panel = document.createElement('section');
    panel.className = 'p';
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-label', 'Chat');
    const header = document.createElement('div');
    header.className = 'h';
    const title = document.createElement('strong');
    title.textContent = 'Chat with us';
    const close = document.createElement('button');
    close.setAttribute('aria-label', 'Close chat');
    close.textContent = '×';
    close.addEventListener('click', () => this.close());
    header.append(title, close);
    const body = document.createElement('div');
    body.className = 'b';
    body.textContent = 'Hi! Leave us a message and our team will get back to you.';
    panel.append(header, body);
    this.root?.append(panel);
    return panel;
  }

  open(): void {
    this.panel ??= this.build();
    this.panel.hidden = false;
    this.listeners.open.forEach((fn) => fn());
  }

  close(): void {
    if (this.panel && !this.panel.hidden) {
      this.panel.hidden = true;
      this.listeners.close.forEach((fn) => fn());
    }
  }

  on(event: 'open' | 'close', fn: Listener): void {
    this.listeners[event]?.push(fn);
  }
}

if (!customElements.get('edge-chat')) {
  customElements.define('edge-chat', EdgeChatElement);
  const el = document.createElement('edge-chat') as EdgeChatElement;
  el.dataset.key = data.key ?? '';
  document.body.append(el);
  const api: EdgeChatApi = { open: () => el.open(), close: () => el.close(), on: (e, fn) => el.on(e, fn) };
  (window as unknown as { EdgeChat: EdgeChatApi }).EdgeChat = api;
}
