// The operator console: a Preact single-page app under /admin/. Routes: /admin/ (inbox),
// /admin/c/{id} (a conversation), /admin/settings/{section}, /admin/signup. Everything users typed is
// rendered as text (Preact escapes every string; nothing uses dangerouslySetInnerHTML).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { signal } from '@preact/signals';
import { ApiError, call, refresh, setSession } from './api';
import { lang, setLang, t, type Lang } from './i18n';
import { attention, isManager, loadDirectory, me, navigateTo, session, setMyStatus, startInbox, stopInbox, feedLink, queued } from './state';
import { chimes, setBadge, soundBlocked, unlockAudio } from './notify';
import { linkTrouble } from './socket';
import { Inbox } from './inbox';
import { Settings } from './settings';

export const route = signal(location.pathname);
export function navigate(path: string): void {
  if (path !== location.pathname) history.pushState(null, '', path);
  route.value = path;
}
navigateTo.value = navigate;
addEventListener('popstate', () => (route.value = location.pathname));

// Test and support handle: the feed's link state and the chimes played.
(window as any).__edgechat = { chimes: () => chimes.value, link: () => feedLink.value };

function Field(props: { label: string; type?: string; name: string; value: string; onInput: (v: string) => void; autocomplete?: string; required?: boolean; minLength?: number }) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <input type={props.type ?? 'text'} name={props.name} value={props.value} autocomplete={props.autocomplete} required={props.required ?? true}
        minLength={props.minLength} onInput={(e) => props.onInput((e.target as HTMLInputElement).value)} />
    </label>
  );
}

function LangSwitch() {
  return (
    <select class="lang" aria-label={t('language')} value={lang.value} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)}>
      <option value="en">English</option>
      <option value="ja">日本語</option>
    </select>
  );
}

function SignIn(props: { signup: boolean; notice?: string }) {
  const [f, setF] = useState({ company: '', name: '', email: '', password: '' });
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const s = props.signup
        ? await call('post', '/api/auth/signup', { body: f })
        : await call('post', '/api/auth/login', { body: { email: f.email, password: f.password } });
      setSession(s);
      navigate('/admin/');
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="auth">
      <form class="card" onSubmit={submit}>
        <div class="auth-head"><h1>{props.signup ? t('createAccount') : t('signInTitle')}</h1><LangSwitch /></div>
        {props.notice && <p class="notice" role="status">{props.notice}</p>}
        {props.signup && <Field label={t('company')} name="company" value={f.company} onInput={set('company')} autocomplete="organization" />}
        {props.signup && <Field label={t('yourName')} name="name" value={f.name} onInput={set('name')} autocomplete="name" />}
        <Field label={t('email')} type="email" name="email" value={f.email} onInput={set('email')} autocomplete="username" />
        <Field label={t('password')} type="password" name="password" value={f.password} onInput={set('password')} autocomplete={props.signup ? 'new-password' : 'current-password'} minLength={props.signup ? 10 : undefined} />
        <button type="submit" disabled={busy}>{props.signup ? t('createAccount') : t('signIn')}</button>
        <p class="error" role="alert">{error}</p>
        <p class="muted">
          {props.signup ? <a href="/admin/" onClick={(e) => { e.preventDefault(); navigate('/admin/'); }}>{t('haveAccount')}</a>
            : <a href="/admin/signup" onClick={(e) => { e.preventDefault(); navigate('/admin/signup'); }}>{t('noAccount')}</a>}
        </p>
      </form>
    </main>
  );
}

export async function signOut(): Promise<void> {
  await call('post', '/api/auth/logout').catch(() => undefined);
  stopInbox();
  setSession(null);
  signedOutNotice.value = t('signedOut');
  navigate('/admin/');
}
const signedOutNotice = signal('');

function StatusSwitch() {
  const status = me.value?.status ?? 'offline';
  return (
    <label class={`status-switch s-${status}`}>
      <span class="dot" aria-hidden="true" />
      <select aria-label={t('myStatus')} name="my-status" value={status} onChange={(e) => void setMyStatus((e.target as HTMLSelectElement).value as 'available')}>
        <option value="available">{t('available')}</option>
        <option value="busy">{t('busy')}</option>
        <option value="offline">{t('offline')}</option>
      </select>
    </label>
  );
}

function TopBar() {
  const path = route.value;
  const go = (p: string) => (e: Event) => {
    e.preventDefault();
    navigate(p);
  };
  return (
    <header class="top">
      <a class="brand" href="/admin/" onClick={go('/admin/')}>EdgeChat</a>
      <nav>
        <a href="/admin/" class={path.startsWith('/admin/settings') ? '' : 'active'} onClick={go('/admin/')}>
          {t('inbox')} {queued.value.length > 0 && <span class="pill warn" title={t('queueLength')}>{queued.value.length}</span>}
        </a>
        <a href="/admin/settings/" class={path.startsWith('/admin/settings') ? 'active' : ''} onClick={go('/admin/settings/')}>{t('settings')}</a>
      </nav>
      <span class="grow" />
      {linkTrouble(feedLink.value) && <span class="pill offline" role="status">{t('reconnecting')}</span>}
      {soundBlocked.value && <button class="linkish" onClick={unlockAudio}>{t('enableSound')}</button>}
      <StatusSwitch />
      <span class="who" title={me.value?.email}>{me.value?.name}</span>
      <button class="secondary small" onClick={() => void signOut()}>{t('signOut')}</button>
    </header>
  );
}

function Console() {
  const [ready, setReady] = useState(false);
  const [error, setError] = useState('');
  useEffect(() => {
    Promise.all([loadDirectory(), startInbox()]).then(() => setReady(true), (e) => setError((e as Error).message));
    return () => stopInbox();
  }, []);
  const title = route.value.startsWith('/admin/settings') ? t('settings') : t('inbox');
  useEffect(() => setBadge(attention.value, `${title} · EdgeChat`), [attention.value, title]);
  if (error) return <main class="auth"><p class="error" role="alert">{error}</p></main>;
  if (!ready) return <main class="auth"><p class="muted">{t('loading')}</p></main>;
  const path = route.value;
  return (
    <div class="shell">
      <TopBar />
      {path.startsWith('/admin/settings') ? <Settings section={path.split('/')[3] || (isManager.value ? 'bot' : 'account')} /> : <Inbox conversationId={path.startsWith('/admin/c/') ? path.split('/')[3] : null} />}
    </div>
  );
}

function App() {
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    // A page load restores the session from the refresh cookie.
    refresh().finally(() => setChecked(true));
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang.value;
  }, [lang.value]);
  if (!checked) return <main class="auth"><p class="muted">{t('loading')}</p></main>;
  if (!session.value) return <SignIn signup={route.value === '/admin/signup'} notice={signedOutNotice.value} />;
  return <Console />;
}

addEventListener('unhandledrejection', (e) => {
  if (e.reason instanceof ApiError && e.reason.status === 401) void refresh();
});

render(<App />, document.getElementById('app') as HTMLElement);
