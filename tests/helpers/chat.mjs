// Visitor-side helpers: a site (key + origin), widget API calls, visitor sessions, and a WebSocket
// client that records every frame and waits for conditions (never for time).
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { client } from './api.mjs';

export const SITE_ORIGIN = 'https://shop.example.com';

/** Creates a publishable key for the owner's tenant that allows `origins`. */
export async function makeKey(api, owner, origins = [SITE_ORIGIN]) {
  const res = await api('POST', '/api/admin/api-keys', { token: owner.token, body: { label: 'Site', allowed_origins: origins } });
  if (res.status !== 201) throw new Error(`key create failed: ${res.status} ${res.text}`);
  return res.body;
}

/** A client for /api/widget/* that adds ?key= and the Origin header like a browser on the site would. */
export function widgetClient(baseUrl, key, origin = SITE_ORIGIN) {
  const api = client(baseUrl);
  return (method, path, opts = {}) => {
    const sep = path.includes('?') ? '&' : '?';
    return api(method, `/api/widget${path}${sep}key=${key}`, { ...opts, headers: { origin, ...(opts.headers ?? {}) } });
  };
}

export async function newVisitor(w, body = {}) {
  const res = await w('POST', '/session', { body });
  if (res.status !== 201 && res.status !== 200) throw new Error(`session failed: ${res.status} ${res.text}`);
  return { token: res.body.token, visitor: res.body.visitor };
}

export async function newConversation(w, visitor, body = {}) {
  const res = await w('POST', '/conversations', { token: visitor.token, body });
  if (res.status !== 201 && res.status !== 200) throw new Error(`conversation failed: ${res.status} ${res.text}`);
  return res.body.conversation;
}

/**
 * Opens a conversation socket. Rejects with `{ status }` when the upgrade is refused.
 * @returns {Promise<ChatSocket>}
 */
export function openSocket(baseUrl, conversationId, token, { origin, afterSeq, protocols, query = '' } = {}) {
  const params = [afterSeq !== undefined ? `after_seq=${afterSeq}` : '', query].filter(Boolean).join('&');
  const url = `${baseUrl.replace(/^http/, 'ws')}/ws/conversations/${conversationId}${params ? `?${params}` : ''}`;
  const ws = new WebSocket(url, protocols ?? ['chat.v1', `bearer.${token}`], origin ? { origin } : {});
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(new ChatSocket(ws)));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode} ${body}`), { status: res.statusCode, body })));
    });
    ws.once('error', reject);
  });
}

export class ChatSocket {
  constructor(ws) {
    this.ws = ws;
    this.frames = [];
    this.waiters = [];
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()));
      this.waiters = this.waiters.filter((w) => !w.check());
    });
  }

  send(frame) {
    this.ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  sendMessage(text, clientMsgId = randomUUID()) {
    this.send({ type: 'send', client_msg_id: clientMsgId, text });
    return clientMsgId;
  }

  /** Waits until `predicate(frames)` returns a truthy value and returns it. */
  until(predicate, what = 'condition', timeoutMs = 15_000) {
    return new Promise((resolve, reject) => {
      const waiter = {
        check: () => {
          const value = predicate(this.frames);
          if (value) {
            clearTimeout(waiter.timer);
            resolve(value);
            return true;
          }
          return false;
        },
      };
      if (waiter.check()) return;
      waiter.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.frames.slice(-5))}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  frame(predicate, what) {
    return this.until((frames) => frames.find(predicate), what);
  }

  /** Events this socket has seen, in arrival order: broadcasts plus its own first acks. */
  events() {
    return this.frames.filter((f) => f.type === 'event' || (f.type === 'ack' && !f.duplicate)).map((f) => f.event);
  }

  eventCount(n, what = `${n} events`) {
    return this.until(() => this.events().length >= n && this.events(), what);
  }

  close() {
    this.ws.close();
    return this.closed;
  }
}

/** Retries an async check until it returns a truthy value (a condition wait with a deadline). */
export async function eventually(check, what = 'condition', timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Opens an operator's console socket on /ws/inbox. */
export function openInbox(baseUrl, token, { cursor } = {}) {
  const url = `${baseUrl.replace(/^http/, 'ws')}/ws/inbox${cursor !== undefined ? `?cursor=${cursor}` : ''}`;
  const ws = new WebSocket(url, ['chat.v1', `bearer.${token}`]);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(new ChatSocket(ws)));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

/** Switches the bot's automatic answers off for the owner's tenant (menus and handoff still work). */
export async function quietBot(api, owner) {
  const flow = (await api('GET', '/api/admin/bot', { token: owner.token })).body;
  const res = await api('PUT', '/api/admin/bot', { token: owner.token, body: { ...flow, auto_reply: false } });
  if (res.status !== 200) throw new Error(`bot update failed: ${res.status} ${res.text}`);
}
