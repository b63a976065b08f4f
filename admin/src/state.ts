// The console's shared state as signals: who is signed in, colleagues, departments, canned replies and
// the inbox (every open conversation, kept current by the feed socket from the list's cursor).
import { computed, signal } from '@preact/signals';
import { call, onSession, type CannedReply, type Category, type Conversation, type Department, type Operator, type Session } from './api';
import { chime, desktopNotify } from './notify';
import { LiveSocket, type Frame, type Link } from './socket';
import { t } from './i18n';

export const session = signal<Session | null>(null);
onSession((s) => (session.value = s));

export const me = computed(() => session.value?.operator ?? null);
export const isManager = computed(() => me.value?.role === 'owner' || me.value?.role === 'admin');

export type Colleague = Pick<Operator, 'id' | 'name' | 'status' | 'capacity'> & Partial<Operator> & { online?: boolean };
export const operators = signal<Colleague[]>([]);
export const departments = signal<Department[]>([]);
export const canned = signal<CannedReply[]>([]);
export const categories = signal<Category[]>([]);

/** Every conversation the console knows, by id (open ones from the start, closed ones as loaded). */
export const conversations = signal<Map<string, Conversation>>(new Map());
export const feedLink = signal<Link>('starting');
let cursor = 0;
let feed: LiveSocket | null = null;
/** Set by the router: the conversation on screen (its reads are marked as they arrive). */
export const openConversationId = signal<string | null>(null);
export const navigateTo = signal<(path: string) => void>(() => undefined);

export function operatorName(id: string | null | undefined): string {
  if (!id) return '';
  return operators.value.find((o) => o.id === id)?.name ?? '…';
}

export function departmentName(id: string | null | undefined): string {
  if (!id) return '';
  return departments.value.find((d) => d.id === id)?.name ?? '…';
}

export const queued = computed(() => [...conversations.value.values()].filter((c) => c.status === 'queued'));
export const mine = computed(() => [...conversations.value.values()].filter((c) => c.status === 'active' && c.assignee_id === me.value?.id));
/** What the tab title counts: unread visitor messages in my chats plus chats waiting for anyone. */
export const attention = computed(() => mine.value.reduce((n, c) => n + c.unread_count, 0) + queued.value.length);

export async function loadDirectory(): Promise<void> {
  const [ops, deps, cr, cats] = await Promise.all([
    call('get', '/api/admin/operators'), call('get', '/api/admin/departments'), call('get', '/api/admin/canned-replies'), call('get', '/api/admin/categories'),
  ]);
  const online = new Map(operators.value.map((o) => [o.id, o.online]));
  operators.value = ops.results.map((o) => ({ ...o, online: online.get(o.id) }));
  departments.value = deps.results;
  canned.value = cr.results;
  categories.value = cats.results;
}

/** A category's name (nothing for one that was deleted). */
export function categoryName(id: string | null | undefined): string {
  return categories.value.find((c) => c.id === id)?.name ?? '';
}

function upsert(list: Conversation[], notify: boolean): void {
  const next = new Map(conversations.value);
  const myId = me.value?.id;
  for (const c of list) {
    const before = next.get(c.id);
    next.set(c.id, c);
    if (!notify) continue;
    const who = c.visitor.name || t('visitor');
    if (c.status === 'queued' && before?.status !== 'queued') {
      chime();
      desktopNotify(t('newQueued'), who, () => navigateTo.value(`/admin/c/${c.id}`));
    } else if (c.status === 'active' && c.assignee_id === myId && (before?.assignee_id !== myId || before?.status !== 'active')) {
      chime();
      desktopNotify(t('assignedToYou'), who, () => navigateTo.value(`/admin/c/${c.id}`));
    } else if (c.assignee_id === myId && before && c.unread_count > before.unread_count && c.id !== openConversationId.value) {
      desktopNotify(who, c.last_message_preview ?? '', () => navigateTo.value(`/admin/c/${c.id}`));
    }
  }
  conversations.value = next;
}

export function upsertOne(c: Conversation | null | undefined): void {
  if (c) upsert([c], false);
}

function onFeed(f: Frame): void {
  if (f.type === 'hello') {
    if (!cursor) cursor = f.cursor;
    mergeOperators(f.operators ?? []);
  } else if (f.type === 'changes') {
    cursor = Math.max(cursor, f.cursor);
    upsert(f.conversations ?? [], true);
    // Deleted conversations leave the list.
    const removed: string[] = f.removed ?? [];
    if (removed.some((id) => conversations.value.has(id))) {
      const next = new Map(conversations.value);
      for (const id of removed) next.delete(id);
      conversations.value = next;
    }
    mergeOperators(f.operators ?? []);
  } else if (f.type === 'presence') {
    operators.value = operators.value.map((o) => (o.id === f.operator_id ? { ...o, online: !!f.online } : o));
  }
}

function mergeOperators(list: Array<Partial<Colleague> & { id: string }>): void {
  if (!list.length) return;
  const byId = new Map(operators.value.map((o) => [o.id, o]));
  for (const o of list) byId.set(o.id, { ...(byId.get(o.id) as Colleague), ...o } as Colleague);
  operators.value = [...byId.values()];
  const self = list.find((o) => o.id === me.value?.id);
  if (self?.status && session.value && self.status !== session.value.operator.status) {
    session.value = { ...session.value, operator: { ...session.value.operator, status: self.status } };
  }
}

/** Loads every open conversation, then follows the feed from the list's cursor (nothing in between is lost). */
export async function startInbox(): Promise<void> {
  const found: Conversation[] = [];
  let page: string | undefined;
  let first = true;
  do {
    const res = await call('get', '/api/admin/conversations', { query: { status: 'open', limit: 100, cursor: page } });
    if (first) cursor = res.cursor;
    first = false;
    found.push(...res.results);
    page = res.next_cursor ?? undefined;
  } while (page && found.length < 2000);
  conversations.value = new Map(found.map((c) => [c.id, c]));
  feed?.stop();
  feed = new LiveSocket(() => `/ws/inbox${cursor ? `?cursor=${cursor}` : ''}`, onFeed);
  feed.link.subscribe((v) => (feedLink.value = v));
  feed.start();
}

export async function loadClosed(q?: string): Promise<Conversation[]> {
  const res = await call('get', '/api/admin/conversations', { query: { status: 'closed', limit: 100, q } });
  upsert(res.results, false);
  return res.results;
}

export async function search(q: string): Promise<Conversation[]> {
  const res = await call('get', '/api/admin/conversations', { query: { q, limit: 100 } });
  upsert(res.results, false);
  return res.results;
}

export function stopInbox(): void {
  feed?.stop();
  feed = null;
  cursor = 0;
  conversations.value = new Map();
}

export async function setMyStatus(status: Operator['status']): Promise<void> {
  const op = await call('patch', '/api/admin/me/status', { body: { status } });
  if (session.value) session.value = { ...session.value, operator: { ...session.value.operator, status: op.status } };
}
