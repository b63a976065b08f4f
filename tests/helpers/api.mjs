// A small HTTP client for the Worker's API and the one helper that makes a tenant with its owner.
import { createHmac, randomUUID } from 'node:crypto';
import { JWT_SECRET } from './worker.mjs';

/**
 * @returns {(method: string, path: string, opts?: { token?: string, body?: any, raw?: string|Buffer, headers?: Record<string,string>, cookie?: string }) => Promise<{ status: number, body: any, headers: Headers, text: string }>}
 */
export function client(baseUrl) {
  return async (method, path, opts = {}) => {
    const headers = { ...(opts.headers ?? {}) };
    let body;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    } else if (opts.raw !== undefined) {
      body = opts.raw;
    }
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.cookie) headers.cookie = opts.cookie;
    let res;
    try {
      res = await fetch(baseUrl + path, { method, headers, body, redirect: 'manual' });
    } catch (e) {
      // A pooled keep-alive connection the server closed just as it was reused: the request never
      // reached the server, so sending it again on a new connection is safe.
      if (!['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'].includes(e.cause?.code)) throw e;
      res = await fetch(baseUrl + path, { method, headers, body, redirect: 'manual' });
    }
    const text = await res.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    return { status: res.status, body: parsed, headers: res.headers, text };
  };
}

export const PASSWORD = 'correct horse battery';

export function uniqueEmail(prefix = 'op') {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.test`;
}

/** The refresh cookie's value from a response, as "ec_refresh=<value>". */
export function refreshCookie(res) {
  const header = res.headers.get('set-cookie') ?? '';
  const match = header.match(/ec_refresh=([^;]*)/);
  return match ? `ec_refresh=${match[1]}` : null;
}

/** Signs up a new tenant and returns its owner's session. */
export async function signup(api, overrides = {}) {
  const body = { company: `Company ${randomUUID().slice(0, 6)}`, name: 'Owner Person', email: uniqueEmail('owner'), password: PASSWORD, ...overrides };
  const res = await api('POST', '/api/auth/signup', { body });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${res.text}`);
  return { token: res.body.access_token, cookie: refreshCookie(res), operator: res.body.operator, tenant: res.body.tenant, email: body.email, password: body.password };
}

/** Creates an operator in the owner's tenant and signs them in. */
export async function addOperator(api, owner, role = 'agent', extra = {}) {
  const email = uniqueEmail(role);
  const created = await api('POST', '/api/admin/operators', { token: owner.token, body: { email, name: `${role} person`, role, password: PASSWORD, ...extra } });
  if (created.status !== 201) throw new Error(`operator create failed: ${created.status} ${created.text}`);
  const login = await api('POST', '/api/auth/login', { body: { email, password: PASSWORD } });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return { token: login.body.access_token, cookie: refreshCookie(login), operator: login.body.operator, email };
}

/** An HS256 JWT signed with any secret and any header/claims, for attack tests. */
export function forgeJwt(claims, { secret = JWT_SECRET, header = { alg: 'HS256', typ: 'JWT' }, signature } = {}) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${enc(header)}.${enc(claims)}`;
  const sig = signature ?? createHmac('sha256', secret).update(unsigned).digest('base64url');
  return `${unsigned}.${sig}`;
}

export function decodeJwt(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}
