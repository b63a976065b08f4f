// The operator console's first page: sign in, see who you are and your tenant's widget keys with
// their ready-to-paste snippets, sign out. Everything users typed is rendered with textContent.

interface Operator { id: string; email: string; name: string; role: string }
interface Tenant { id: string; name: string }
interface Session { access_token: string; operator: Operator; tenant: Tenant }
interface ApiKey { id: string; key: string; label: string; allowed_origins: string[]; active: boolean }

const app = document.getElementById('app') as HTMLElement;
let session: Session | null = null;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children) node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return node;
}

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.body) headers.set('content-type', 'application/json');
  if (session) headers.set('authorization', `Bearer ${session.access_token}`);
  const res = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  if (res.status === 204) return undefined as T;
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body?.error?.message ?? `request failed (${res.status})`);
  return body as T;
}

function renderSignIn(message = ''): void {
  const email = el('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, id: 'email' });
  const password = el('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, id: 'password' });
  const error = el('p', { className: 'error', role: 'alert' }, message);
  const form = el('form', { className: 'card' },
    el('h1', {}, 'Sign in to EdgeChat'),
    el('label', { htmlFor: 'email' }, 'Email'), email,
    el('label', { htmlFor: 'password' }, 'Password'), password,
    el('button', { type: 'submit' }, 'Sign in'), error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    try {
      session = await api<Session>('/api/auth/login', { method: 'POST', body: JSON.stringify({ email: email.value, password: password.value }) });
      await renderHome();
    } catch (err) {
      error.textContent = (err as Error).message;
    }
  });
  app.replaceChildren(form);
  email.focus();
}

function snippet(key: string): string {
  return `<script src="${location.origin}/widget.js" data-key="${key}" async></script>`;
}

async function renderHome(): Promise<void> {
  if (!session) return renderSignIn();
  const { operator, tenant } = session;
  const signOut = el('button', { className: 'secondary', type: 'button' }, 'Sign out');
  signOut.addEventListener('click', async () => {
    await api('/api/auth/logout', { method: 'POST' }).catch(() => undefined);
    session = null;
    renderSignIn('You are signed out.');
  });
  const keys = await api<{ results: ApiKey[] }>('/api/admin/api-keys');
  const rows = keys.results.map((k) =>
    el('tr', {}, el('td', {}, k.label), el('td', {}, k.allowed_origins.join(', ')),
      el('td', {}, k.active ? el('pre', {}, snippet(k.key)) : el('span', { className: 'muted' }, 'revoked'))));
  app.replaceChildren(
    el('section', { className: 'card' },
      el('h1', {}, tenant.name),
      el('p', { id: 'whoami' }, `Signed in as ${operator.name} (${operator.email}), ${operator.role}.`),
      signOut),
    el('section', { className: 'card' },
      el('h2', {}, 'Widget keys'),
      rows.length ? el('table', {}, el('tr', {}, el('th', {}, 'Label'), el('th', {}, 'Allowed origins'), el('th', {}, 'Snippet')), ...rows)
        : el('p', { className: 'muted' }, 'No keys yet.')));
}

async function start(): Promise<void> {
  try {
    session = await api<Session>('/api/auth/refresh', { method: 'POST' });
    await renderHome();
  } catch {
    renderSignIn();
  }
}

void start();
