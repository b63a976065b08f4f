// D1 far away, and D1 down. On a Worker started with the dev-only fault switches (DEV_FAULTS=1):
// - distance: every D1 call waits D1_DELAY_MS (100 ms, like a visitor in Sydney and D1's primary in
//   North America); measured: a visitor's message ack at a chat-like rate (5 msg/s), starting a
//   conversation with its first message, handoff → assigned;
// - outage: D1 refuses writes for a while as conversations go on; measured: what was acked meanwhile,
//   and how long D1 takes to catch up once it is back (every room's follow lag, from the ops endpoint).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { client, signup } from '../tests/helpers/api.mjs';
import { makeKey, newConversation, newVisitor, openSocket, quietBot, SITE_ORIGIN, widgetClient } from '../tests/helpers/chat.mjs';
import { handoffToAssignment } from './handoff.mjs';
import { summary } from './lib.mjs';

export const OPS_TOKEN = 'bench-ops-token-0123456789abcdef0123456789';

async function tenant(url) {
  const api = client(url);
  const owner = await signup(api, { company: `Distance ${randomUUID().slice(0, 6)}` });
  await quietBot(api, owner);
  const w = widgetClient(url, (await makeKey(api, owner)).key);
  return { api, owner, w };
}

/** A live conversation (taken over) with the visitor's socket open. */
async function liveChat(url, t) {
  const v = await newVisitor(t.w);
  const conv = await newConversation(t.w, v);
  const taken = await t.api('POST', `/api/admin/conversations/${conv.id}/takeover`, { token: t.owner.token });
  if (taken.status !== 200) throw new Error(`takeover failed: ${taken.text}`);
  const socket = await openSocket(url, conv.id, v.token, { origin: SITE_ORIGIN });
  await socket.frame((f) => f.type === 'hello', 'hello');
  return { v, conv, socket };
}

/** Send → ack at `rate` messages/s for `seconds`. */
export async function ackLatency(url, { rate = 5, seconds = 10 } = {}) {
  const t = await tenant(url);
  const { socket } = await liveChat(url, t);
  const samples = [];
  for (let i = 0; i < rate * seconds; i++) {
    const due = performance.now() + 1000 / rate;
    const t0 = performance.now();
    const id = socket.sendMessage(`at chat pace ${i}`);
    await socket.until((frames) => frames.some((f) => f.type === 'ack' && f.client_msg_id === id), 'ack');
    samples.push(performance.now() - t0);
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await socket.close();
  return summary(samples);
}

/** POST /conversations with a first message, for a fresh visitor each time (the session is not timed). */
export async function conversationStart(url, { count = 30 } = {}) {
  const t = await tenant(url);
  const samples = [];
  const calls = [];
  for (let i = 0; i < count; i++) {
    const v = await newVisitor(t.w);
    const t0 = performance.now();
    const res = await t.w('POST', '/conversations', { token: v.token, body: { client_request_id: randomUUID(), message: { client_msg_id: randomUUID(), text: 'hello' } } });
    if (res.status !== 201) throw new Error(`start failed: ${res.text}`);
    samples.push(performance.now() - t0);
    const n = res.headers.get('x-edgechat-d1-calls');
    if (n !== null) calls.push(Number(n));
  }
  return { ...summary(samples), d1_round_trips_max: calls.length ? Math.max(...calls) : null };
}

/** The three figures at one D1 distance. */
export async function atDistance(url, quick) {
  return {
    ack: await ackLatency(url, { rate: 5, seconds: quick ? 4 : 10 }),
    start: await conversationStart(url, { count: quick ? 10 : 30 }),
    handoff: await handoffToAssignment({ url, count: quick ? 10 : 30 }),
  };
}

/**
 * D1 refuses writes for `outageSeconds` while `rooms` conversations each send a message a second;
 * then D1 returns and the time until every room reports `caught_up` is measured.
 */
export async function outage(url, { rooms = 20, outageSeconds = 30 } = {}) {
  const t = await tenant(url);
  const chats = [];
  for (let i = 0; i < rooms; i++) chats.push(await liveChat(url, t));
  const faults = (body) => t.api('POST', '/__dev/faults', { body });
  const ops = async (id) => (await t.api('GET', `/api/ops/rooms/${id}`, { token: OPS_TOKEN })).body;
  await faults({ d1_fail_writes: true });
  let acked = 0;
  let failed = 0;
  try {
    const end = performance.now() + outageSeconds * 1000;
    for (let i = 0; performance.now() < end; i++) {
      const t0 = performance.now();
      await Promise.all(chats.map(async ({ socket }) => {
        const id = socket.sendMessage(`during the outage ${i}`);
        try {
          await socket.until((frames) => frames.some((f) => f.type === 'ack' && f.client_msg_id === id), 'ack', 10_000);
          acked++;
        } catch {
          failed++;
        }
      }));
      const wait = 1000 - (performance.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  } finally {
    await faults({ d1_fail_writes: false });
  }
  const back = performance.now();
  const pendingAtReturn = (await Promise.all(chats.map((c) => ops(c.conv.id)))).reduce((n, s) => n + (s.pending_events ?? 0), 0);
  let caughtUp = null;
  while (performance.now() - back < 60_000) {
    const states = await Promise.all(chats.map((c) => ops(c.conv.id)));
    if (states.every((s) => s.caught_up)) {
      caughtUp = performance.now() - back;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // D1 itself now lists every room with all its events (lists read D1).
  const listed = await t.api('GET', '/api/admin/conversations?status=open&limit=100', { token: t.owner.token });
  const inD1 = listed.body.results.reduce((n, c) => n + c.last_seq, 0);
  const inRooms = (await Promise.all(chats.map((c) => ops(c.conv.id)))).reduce((n, s) => n + s.last_seq, 0);
  await Promise.all(chats.map((c) => c.socket.close()));
  return {
    rooms, outage_s: outageSeconds, acked_during_outage: acked, not_acked: failed, pending_at_return: pendingAtReturn,
    caught_up_ms: caughtUp === null ? null : Math.round(caughtUp), events_in_rooms: inRooms, events_in_d1: inD1,
  };
}
