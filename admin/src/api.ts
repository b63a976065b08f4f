// The one API client of the console. Every call names a path and method of the OpenAPI document
// (`api.gen.ts` is generated from it), so tsc checks paths, parameters, bodies and answers. The client
// owns the access token: it refreshes it before it expires and once more on a 401, and tells the app
// when the session is gone.
import type { Paths, Session } from './api.gen';

export type * from './api.gen';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type PathWith<M extends Method> = { [P in keyof Paths]: M extends keyof Paths[P] ? P : never }[keyof Paths];
type OpOf<P extends keyof Paths, M extends Method> = M extends keyof Paths[P] ? Paths[P][M] : never;
type Field<O, K extends string> = O extends Record<K, infer V> ? V : never;

type Options<O> = ([Field<O, 'params'>] extends [never] ? { params?: undefined } : { params: Field<O, 'params'> }) &
  ([Field<O, 'body'>] extends [never] ? { body?: undefined } : { body: Field<O, 'body'> }) &
  ([Field<O, 'query'>] extends [never] ? { query?: undefined } : { query?: Field<O, 'query'> }) & { raw?: Blob | File };

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field?: string) {
    super(message);
  }
}

let session: Session | null = null;
let refreshing: Promise<Session | null> | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<(s: Session | null) => void>();

export function onSession(fn: (s: Session | null) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function currentToken(): string | null {
  return session?.access_token ?? null;
}

export function setSession(s: Session | null): void {
  session = s;
  clearTimeout(refreshTimer);
  // Refresh a minute before the access token runs out, so sockets and calls never hold a stale one.
  if (s) refreshTimer = setTimeout(() => void refresh(), Math.max(10, s.expires_in - 60) * 1000);
  for (const fn of listeners) fn(s);
}

/** A new access token from the refresh cookie; null (and signed out) when the session has ended. */
export function refresh(): Promise<Session | null> {
  refreshing ??= fetch('/api/auth/refresh', { method: 'POST', credentials: 'same-origin' })
    .then(async (r) => (r.ok ? ((await r.json()) as Session) : null))
    .catch(() => session)
    .then((s) => {
      refreshing = null;
      setSession(s);
      return s;
    });
  return refreshing;
}

function fill(path: string, params?: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params?.[name] ?? ''));
}

/** A request with the session's token; an expired one is refreshed once and the request sent again. */
async function authorized(path: string, url: string, method: string, body: BodyInit | undefined, json: boolean): Promise<Response> {
  const send = (): Promise<Response> => {
    const headers: Record<string, string> = {};
    if (json) headers['content-type'] = 'application/json';
    if (session) headers.authorization = `Bearer ${session.access_token}`;
    return fetch(url, { method, headers, credentials: 'same-origin', body });
  };
  let res = await send();
  if (res.status === 401 && session && !path.startsWith('/api/auth/')) {
    if (await refresh()) res = await send();
  }
  return res;
}

/** Saves an export (`/api/admin/exports/…`) as a file: the request carries the session's token, so a
 *  plain link cannot. */
export async function download(path: '/api/admin/exports/conversations' | '/api/admin/exports/events', query: Record<string, string | undefined>): Promise<void> {
  const q = Object.entries(query).filter(([, v]) => v);
  const res = await authorized(path, `${path}?${q.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&')}`, 'GET', undefined, false);
  if (!res.ok) {
    const e = await res.json().then((b) => b?.error, () => undefined);
    throw new ApiError(res.status, e?.code ?? 'http_error', e?.message ?? `The server answered ${res.status}.`, e?.field);
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'edgechat-export';
  const a = document.createElement('a');
  a.href = URL.createObjectURL(await res.blob());
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

export async function call<M extends Method, P extends PathWith<M>>(method: M, path: P, options: Options<OpOf<P, M>> = {} as Options<OpOf<P, M>>): Promise<Field<OpOf<P, M>, 'answer'>> {
  const o = options as { params?: Record<string, string>; body?: unknown; query?: Record<string, string | number | undefined>; raw?: Blob };
  let url = fill(path, o.params);
  const q = Object.entries(o.query ?? {}).filter(([, v]) => v !== undefined && v !== '');
  if (q.length) url += `?${q.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&')}`;
  const res = await authorized(path, url, method.toUpperCase(), o.raw ?? (o.body !== undefined ? JSON.stringify(o.body) : undefined), o.body !== undefined);
  if (res.status === 204) return undefined as Field<OpOf<P, M>, 'answer'>;
  const text = await res.text();
  let data: any = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: reported below */
  }
  if (!res.ok) {
    const e = data?.error;
    throw new ApiError(res.status, e?.code ?? 'http_error', e?.message ?? `The server answered ${res.status}.`, e?.field);
  }
  return data;
}

export function signOutLocally(): void {
  setSession(null);
}
