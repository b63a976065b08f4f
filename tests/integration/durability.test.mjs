// The room owns its conversation and D1 follows behind: with D1 failing, sends are still acked and
// delivered; when D1 returns it catches up in order, with no gap and no duplicate; a SIGKILL in
// between loses nothing acked. D1's content is read with `wrangler d1 execute`, not through the Worker.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { addOperator, client, signup } from '../helpers/api.mjs';
import { eventually, makeKey, newVisitor, openInbox, openSocket, quietBot, SITE_ORIGIN, widgetClient } from '../helpers/chat.mjs';
import { startWorker } from '../helpers/worker.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const OPS_TOKEN = 'integration-tests-ops-token-0123456789abcdef';
const VARS = { DEV_FAULTS: '1', OPS_TOKEN };

let worker;
let api;
let owner;
let agent;
let key;
let w;

before(async () => {
  worker = await startWorker({ vars: VARS });
  api = client(worker.url);
  owner = await signup(api, { company: 'Durable Co' });
  await quietBot(api, owner);
  agent = await addOperator(api, owner, 'admin');
  key = await makeKey(api, owner);
  w = widgetClient(worker.url, key.key);
});
after(async () => {
  if (process.env.SHOW_WORKER_LOGS) console.log(worker?.logs());
  await worker?.stop();
});

/** Rows of D1 itself (the local database file), read by wrangler, not through the Worker. */
function d1(sql) {
  const out = execFileSync(join(ROOT, 'node_modules/.bin/wrangler'), ['d1', 'execute', 'DB', '--local', '--persist-to', worker.state, '--json', '--command', sql], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: 'true' },
    stdio: 'pipe',
  });
  return JSON.parse(out.toString())[0].results;
}

const faults = (body) => api('POST', '/__dev/faults', { body });
const ops = (id) => api('GET', `/api/ops/rooms/${id}`, { token: OPS_TOKEN });

async function restart() {
  const state = worker.state;
  worker = await startWorker({ state, vars: VARS });
  api = client(worker.url);
  w = widgetClient(worker.url, key.key);
}

/** Sends `n` messages on the socket one after another and returns the acks in order. */
async function sendAll(socket, prefix, n) {
  const acks = [];
  for (let i = 0; i < n; i++) {
    const id = socket.sendMessage(`${prefix} ${i}`);
    acks.push(await socket.until((frames) => frames.find((f) => f.type === 'ack' && f.client_msg_id === id), `ack ${i}`));
  }
  return acks;
}

test('with_d1_writes_failing_sends_are_acked_delivered_and_read_back_then_d1_catches_up_in_order', async () => {
  const v = await newVisitor(w);
  assert.equal((await faults({ d1_fail_writes: true })).body.d1_fail_writes, true);
  try {
    const start = await w('POST', '/conversations', { token: v.token, body: { client_request_id: randomUUID(), message: { client_msg_id: 'first', text: 'D1 is down' } } });
    assert.equal(start.status, 201, start.text);
    const id = start.body.conversation.id;
    const visitor = await openSocket(worker.url, id, v.token, { origin: SITE_ORIGIN, afterSeq: 0 });
    const watcher = await openSocket(worker.url, id, agent.token, { afterSeq: 0 });
    const acks = await sendAll(visitor, 'during outage', 25);
    assert.deepEqual(acks.map((a) => a.seq), Array.from({ length: 25 }, (_, i) => i + 2), 'gap-free seq after the first message');
    await watcher.until((frames) => frames.filter((f) => f.type === 'event' && f.event.type === 'message').length === 26, 'operator got all 26');
    // Read-your-writes from the room, while D1 has nothing of it.
    const history = await w('GET', `/conversations/${id}/messages?limit=500`, { token: v.token });
    assert.equal(history.body.results.length, 26);
    assert.equal(d1(`SELECT COUNT(*) AS n FROM events WHERE conversation_id = '${id}'`)[0].n, 0, 'D1 has none of it yet');
    const behind = await ops(id);
    assert.equal(behind.status, 200);
    assert.equal(behind.body.pending_events, 26);
    assert.equal(behind.body.caught_up, false);
    assert.ok(behind.body.consecutive_failures >= 1, JSON.stringify(behind.body));
    assert.match(behind.body.last_error, /D1 writes are failing/);

    await faults({ d1_fail_writes: false });
    // Nobody touches the room: its alarm retries and D1 catches up.
    await eventually(async () => (await ops(id)).body.caught_up === true, 'D1 caught up', 20_000);
    const rows = d1(`SELECT seq, client_msg_id, text FROM events WHERE conversation_id = '${id}' ORDER BY seq`);
    assert.deepEqual(rows.map((r) => r.seq), Array.from({ length: 26 }, (_, i) => i + 1), 'in order, no gap, no duplicate');
    assert.equal(rows[0].client_msg_id, 'first');
    assert.deepEqual(rows.slice(1).map((r) => r.text), Array.from({ length: 25 }, (_, i) => `during outage ${i}`));
    const listed = d1(`SELECT last_seq, status, visitor_id FROM conversations WHERE id = '${id}'`);
    assert.deepEqual(listed, [{ last_seq: 26, status: 'bot', visitor_id: v.visitor.id }]);
    const caught = (await ops(id)).body;
    assert.equal(caught.pending_events, 0);
    assert.ok(caught.lag_ms.samples >= 26 && caught.lag_ms.max > 0, JSON.stringify(caught));
    await Promise.all([visitor.close(), watcher.close()]);
  } finally {
    await faults({ d1_fail_writes: false });
  }
});

test('a_sigkill_during_a_d1_outage_loses_nothing_acked_and_the_restarted_room_feeds_d1_by_itself', async () => {
  const v = await newVisitor(w);
  const requestId = randomUUID();
  await faults({ d1_fail_writes: true });
  const start = await w('POST', '/conversations', { token: v.token, body: { client_request_id: requestId, message: { client_msg_id: 'hello', text: 'before the crash' } } });
  assert.equal(start.status, 201, start.text);
  const id = start.body.conversation.id;
  let acks;
  try {
    const socket = await openSocket(worker.url, id, v.token, { origin: SITE_ORIGIN, afterSeq: 0 });
    // Within the socket's burst allowance (30 frames), so none is refused for rate.
    acks = await sendAll(socket, 'acked', 28);
  } catch (e) {
    await faults({ d1_fail_writes: false });
    throw e;
  }
  await worker.kill();
  // Back without the fault: no client connects to the conversation; only its alarm can feed D1.
  await restart();
  const rows = await eventually(() => {
    const r = d1(`SELECT seq, client_msg_id FROM events WHERE conversation_id = '${id}' ORDER BY seq`);
    return r.length === 29 && r;
  }, 'D1 has all 29 events', 30_000);
  assert.deepEqual(rows.map((r) => r.seq), Array.from({ length: 29 }, (_, i) => i + 1));
  for (const ack of acks) assert.equal(rows[ack.seq - 1].client_msg_id, ack.client_msg_id, `acked seq ${ack.seq} is in D1 as acked`);
  // The same start again (a retry after the crash) is the same conversation, its first message a duplicate.
  const again = await w('POST', '/conversations', { token: v.token, body: { client_request_id: requestId, message: { client_msg_id: 'hello', text: 'before the crash' } } });
  assert.equal(again.status, 200);
  assert.equal(again.body.conversation.id, id);
  assert.equal(again.body.event.seq, 1);
  // And the room itself still has every acked event, in order.
  const history = (await w('GET', `/conversations/${id}/messages?limit=500`, { token: v.token })).body.results;
  assert.deepEqual(history.map((e) => e.seq), Array.from({ length: 29 }, (_, i) => i + 1));
});

test('starting_a_conversation_with_a_menu_handoff_and_a_message_waits_on_at_most_two_d1_round_trips', async () => {
  const v = await newVisitor(w);
  const body = { client_request_id: randomUUID(), menu_path: ['person'], message: { client_msg_id: 'm', text: 'I need a human' } };
  const res = await w('POST', '/conversations', { token: v.token, body });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.conversation.status, 'queued', 'handed off in the same command');
  const calls = Number(res.headers.get('x-edgechat-d1-calls'));
  assert.ok(calls >= 1 && calls <= 2, `D1 round trips on the start path: ${calls}`);
  const events = (await w('GET', `/conversations/${res.body.conversation.id}/messages`, { token: v.token })).body.results;
  assert.deepEqual(events.map((e) => e.type).slice(0, 3), ['menu', 'message', 'handoff'], 'menu path, first message, handoff: one commit, in order');
  // With D1 refusing writes the start still succeeds: nothing on its path writes to D1.
  await faults({ d1_fail_writes: true });
  try {
    const down = await w('POST', '/conversations', { token: v.token, body: { ...body, client_request_id: randomUUID() } });
    assert.equal(down.status, 201, down.text);
    assert.equal(down.body.conversation.status, 'queued');
  } finally {
    await faults({ d1_fail_writes: false });
  }
});

test('with_d1_writes_failing_the_console_feed_routing_and_changed_since_keep_working', async () => {
  const agent2 = await addOperator(api, owner, 'agent', { capacity: 3 });
  assert.equal((await api('PATCH', '/api/admin/me/status', { token: agent2.token, body: { status: 'available' } })).status, 200);
  const inbox = await openInbox(worker.url, owner.token);
  const hello = await inbox.frame((f) => f.type === 'hello', 'hello');
  // A new visitor session is a D1 write (its row): made before the outage.
  const v = await newVisitor(w);
  await faults({ d1_fail_writes: true });
  try {
    const start = await w('POST', '/conversations', { token: v.token, body: { message: { client_msg_id: 'help', text: 'routing without D1 writes' } } });
    const id = start.body.conversation.id;
    const socket = await openSocket(worker.url, id, v.token, { origin: SITE_ORIGIN, afterSeq: 0 });
    assert.equal((await w('POST', `/conversations/${id}/handoff`, { token: v.token, body: {} })).status, 200);
    const assigned = await socket.until(() => socket.events().find((e) => e.type === 'assigned'), 'assigned by the router');
    assert.equal(assigned.data.assignee_id, agent2.operator.id);
    const live = await inbox.frame((f) => f.type === 'changes' && f.conversations.some((c) => c.id === id && c.status === 'active'), 'live feed');
    const rest = await api('GET', `/api/admin/conversations?changed_since=${hello.cursor}`, { token: owner.token });
    assert.equal(rest.status, 200);
    const same = rest.body.results.find((c) => c.id === id);
    assert.equal(same.status, 'active', 'REST agrees with the socket feed');
    assert.equal(same.assignee_id, agent2.operator.id);
    assert.ok(rest.body.cursor >= live.cursor);
    // Lists read D1, which has none of it yet: the list's cursor stays where D1 is complete, so a
    // console that lists now and follows from that cursor still gets this conversation.
    const listed = await api('GET', '/api/admin/conversations?status=open', { token: owner.token });
    assert.ok(!listed.body.results.some((c) => c.id === id));
    const catchUp = await api('GET', `/api/admin/conversations?changed_since=${listed.body.cursor}`, { token: owner.token });
    assert.ok(catchUp.body.results.some((c) => c.id === id && c.status === 'active'));
    await socket.close();
  } finally {
    await faults({ d1_fail_writes: false });
    await inbox.close();
  }
});

test('deleting_a_conversation_deletes_the_rooms_copy_and_d1s_and_a_late_flush_cannot_bring_it_back', async () => {
  const v = await newVisitor(w);
  const start = await w('POST', '/conversations', { token: v.token, body: { message: { client_msg_id: 'x', text: 'delete me' } } });
  const id = start.body.conversation.id;
  await eventually(async () => (await ops(id)).body.caught_up === true, 'flushed');
  const del = await api('DELETE', `/api/admin/conversations/${id}`, { token: owner.token });
  assert.equal(del.status, 204, del.text);
  assert.equal((await w('GET', `/conversations/${id}/messages`, { token: v.token })).status, 404, 'the room forgot it');
  await assert.rejects(openSocket(worker.url, id, v.token, { origin: SITE_ORIGIN }), (e) => e.status === 404);
  assert.equal(d1(`SELECT COUNT(*) AS n FROM events WHERE conversation_id = '${id}'`)[0].n, 0);
  assert.equal(d1(`SELECT COUNT(*) AS n FROM conversations WHERE id = '${id}'`)[0].n, 0);
  assert.equal(d1(`SELECT COUNT(*) AS n FROM deleted_conversations WHERE id = '${id}'`)[0].n, 1, 'tombstone');
});

test('the_ops_endpoint_needs_the_ops_token', async () => {
  const v = await newVisitor(w);
  const id = (await w('POST', '/conversations', { token: v.token, body: {} })).body.conversation.id;
  assert.equal((await api('GET', `/api/ops/rooms/${id}`)).status, 401);
  assert.equal((await api('GET', `/api/ops/rooms/${id}`, { token: 'x'.repeat(44) })).status, 401);
  assert.equal((await api('GET', `/api/ops/rooms/${id}`, { token: owner.token })).status, 401, 'an operator token is not the ops token');
  const ok = await ops(id);
  assert.equal(ok.status, 200);
  assert.equal(ok.body.last_seq, 0);
  assert.ok(ok.body.lag_ms && 'behind_ms' in ok.body && 'next_retry_at' in ok.body);
});
