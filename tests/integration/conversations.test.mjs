// Live conversations against the real Worker: the ConversationRoom's ordering, idempotency, resume and
// durability guarantees, visitor sessions and conversations, and their security rules.
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { addOperator, client, signup } from '../helpers/api.mjs';
import { eventually, makeKey, newConversation, newVisitor, openSocket, quietBot, SITE_ORIGIN, widgetClient } from '../helpers/chat.mjs';
import { startWorker } from '../helpers/worker.mjs';

let worker;
let api;
let owner;
let key;
let w;
before(async () => {
  worker = await startWorker();
  api = client(worker.url);
  owner = await signup(api, { company: 'Room Co' });
  // These tests are about delivery; the bot's answers are tested in bot.test.mjs.
  await quietBot(api, owner);
  key = await makeKey(api, owner);
  w = widgetClient(worker.url, key.key);
});
after(() => worker?.stop());

const visitorSocket = (conversationId, visitor, opts = {}) => openSocket(worker.url, conversationId, visitor.token, { origin: SITE_ORIGIN, ...opts });
const operatorSocket = (conversationId, op, opts = {}) => openSocket(worker.url, conversationId, op.token, opts);
const history = async (visitor, conversationId, afterSeq = 0) => (await w('GET', `/conversations/${conversationId}/messages?after_seq=${afterSeq}&limit=500`, { token: visitor.token })).body.results;
/** The owner takes the conversation over (an operator's first reply would, with an `assigned` event); answers that event's seq. */
const takeOver = async (conversationId) => {
  const r = await api('POST', `/api/admin/conversations/${conversationId}/takeover`, { token: owner.token });
  assert.equal(r.status, 200, r.text);
  return r.body.event.seq;
};

describe('ordering and delivery', () => {
  test('two_visitor_tabs_and_an_operator_see_every_event_in_the_same_order_with_no_gaps', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v);
    const taken = await takeOver(conv.id);
    const tab1 = await visitorSocket(conv.id, v, { afterSeq: taken });
    const tab2 = await visitorSocket(conv.id, v, { afterSeq: taken });
    const op = await operatorSocket(conv.id, owner, { afterSeq: taken });
    await Promise.all([tab1, tab2, op].map((s) => s.frame((f) => f.type === 'hello', 'hello')));
    for (let i = 0; i < 8; i++) {
      tab1.sendMessage(`tab1 #${i}`);
      tab2.sendMessage(`tab2 #${i}`);
      op.sendMessage(`operator #${i}`);
    }
    const streams = await Promise.all([tab1, tab2, op].map((s) => s.eventCount(24)));
    const expected = Array.from({ length: 24 }, (_, i) => taken + 1 + i);
    for (const events of streams) {
      assert.deepEqual(events.map((e) => e.seq), expected, 'gap-free, strictly increasing');
      assert.deepEqual(events.map((e) => e.text), streams[0].map((e) => e.text), 'same order everywhere');
    }
    assert.equal(streams[2].filter((e) => e.author.type === 'operator').length, 8);
    const stored = await history(v, conv.id, taken);
    assert.deepEqual(stored.map((e) => [e.seq, e.text]), streams[0].map((e) => [e.seq, e.text]), 'D1 has exactly what was delivered');
    await Promise.all([tab1.close(), tab2.close(), op.close()]);
  });

  test('typing_read_receipts_and_presence_reach_the_other_side', async () => {
    const v = await newVisitor(w, { name: 'Vera' });
    const conv = await newConversation(w, v, { message: { client_msg_id: randomUUID(), text: 'hello' } });
    const op = await operatorSocket(conv.id, owner);
    const hello = await op.frame((f) => f.type === 'hello', 'hello');
    assert.equal(hello.last_seq, 1);
    assert.equal(hello.presence.visitor_online, false);
    const tab = await visitorSocket(conv.id, v);
    await op.frame((f) => f.type === 'presence' && f.online && f.author.type === 'visitor', 'visitor online');
    tab.send({ type: 'typing', on: true });
    const typing = await op.frame((f) => f.type === 'typing', 'typing');
    assert.deepEqual([typing.author.name, typing.on, typing.expires_in_ms > 0], ['Vera', true, true]);
    op.send({ type: 'read', seq: 1 });
    const read = await tab.frame((f) => f.type === 'event' && f.event.type === 'read', 'read receipt');
    assert.deepEqual([read.event.seq, read.event.data.seq, read.event.author.type], [2, 1, 'operator']);
    op.send({ type: 'read', seq: 1 });
    op.send({ type: 'read', seq: 99 });
    await op.frame((f) => f.type === 'error' && /beyond/.test(f.message), 'error for a future seq');
    assert.equal((await history(v, conv.id)).filter((e) => e.type === 'read').length, 1, 'a repeated receipt is stored once');
    await tab.close();
    await op.frame((f) => f.type === 'presence' && !f.online && f.author.type === 'visitor', 'visitor offline');
    await op.close();
  });
});

describe('idempotent sends', () => {
  test('same_client_msg_id_twice_on_one_socket_is_one_event', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v);
    const s = await visitorSocket(conv.id, v);
    const id = randomUUID();
    s.sendMessage('only once', id);
    s.sendMessage('only once', id);
    const acks = await s.until((f) => f.filter((x) => x.type === 'ack').length === 2 && f.filter((x) => x.type === 'ack'), 'two acks');
    assert.equal(acks[0].seq, acks[1].seq);
    assert.deepEqual(acks.map((a) => a.duplicate).sort(), [false, true]);
    assert.equal((await history(v, conv.id)).length, 1);
    await s.close();
  });

  test('same_client_msg_id_concurrently_on_two_sockets_and_over_rest_is_one_event', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v);
    const [a, b] = await Promise.all([visitorSocket(conv.id, v), visitorSocket(conv.id, v)]);
    await Promise.all([a, b].map((s) => s.frame((f) => f.type === 'hello', 'hello')));
    const id = randomUUID();
    const [rest] = await Promise.all([
      w('POST', `/conversations/${conv.id}/messages`, { token: v.token, body: { client_msg_id: id, text: 'racing' } }),
      Promise.resolve(a.sendMessage('racing', id)),
      Promise.resolve(b.sendMessage('racing', id)),
    ]);
    const ackA = await a.frame((f) => f.type === 'ack', 'ack a');
    const ackB = await b.frame((f) => f.type === 'ack', 'ack b');
    assert.ok([200, 201].includes(rest.status), rest.text);
    assert.equal(ackA.seq, rest.body.event.seq);
    assert.equal(ackB.seq, rest.body.event.seq);
    const stored = await history(v, conv.id);
    assert.equal(stored.length, 1);
    assert.equal(stored[0].client_msg_id, id);
    await Promise.all([a.close(), b.close()]);
  });

  test('reused_client_msg_id_with_other_text_is_an_error_and_stores_nothing', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v);
    const s = await visitorSocket(conv.id, v);
    const id = randomUUID();
    s.sendMessage('first text', id);
    await s.frame((f) => f.type === 'ack', 'ack');
    s.sendMessage('other text', id);
    const err = await s.frame((f) => f.type === 'error', 'conflict error');
    assert.equal(err.code, 'client_msg_id_conflict');
    assert.equal(err.client_msg_id, id);
    const rest = await w('POST', `/conversations/${conv.id}/messages`, { token: v.token, body: { client_msg_id: id, text: 'third text' } });
    assert.equal(rest.status, 409);
    const stored = await history(v, conv.id);
    assert.deepEqual(stored.map((e) => e.text), ['first text']);
    await s.close();
  });
});

describe('resume', () => {
  test('reconnect_with_after_seq_gets_exactly_the_500_missed_events_in_order', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v, { message: { client_msg_id: randomUUID(), text: 'before' } });
    await takeOver(conv.id);
    const s = await visitorSocket(conv.id, v, { afterSeq: 0 });
    const first = (await s.eventCount(2))[1];
    await s.close();
    const op = owner;
    // 500 operator messages arrive while the visitor is away (REST twin, 25 at a time).
    for (let i = 0; i < 500; i += 25) {
      const batch = Array.from({ length: 25 }, (_, j) => api('POST', `/api/admin/conversations/${conv.id}/messages`, { token: op.token, body: { client_msg_id: `m-${i + j}`, text: `missed ${i + j}` } }));
      for (const r of await Promise.all(batch)) assert.equal(r.status, 201, r.text);
    }
    const back = await visitorSocket(conv.id, v, { afterSeq: first.seq });
    const events = await back.eventCount(500);
    await back.frame((f) => f.type === 'hello', 'hello');
    assert.equal(events.length, 500, 'no duplicates');
    assert.deepEqual(events.map((e) => e.seq), Array.from({ length: 500 }, (_, i) => first.seq + 1 + i));
    assert.equal(new Set(events.map((e) => e.text)).size, 500);
    assert.equal(back.frames.findIndex((f) => f.type === 'hello'), 0, 'hello comes first');
    // A resume frame on an open socket replays again from the given point, then live events flow.
    back.send({ type: 'resume', after_seq: first.seq + 498 });
    await back.until(() => back.frames.filter((f) => f.type === 'event').length === 502, 'two replayed events');
    back.sendMessage('live again');
    const ack = await back.frame((f) => f.type === 'ack', 'ack');
    assert.equal(ack.seq, first.seq + 501);
    await back.close();
  });

  test('every_acked_event_survives_a_hard_kill_of_workerd', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v);
    const s = await visitorSocket(conv.id, v);
    await s.frame((f) => f.type === 'hello', 'hello');
    const ids = Array.from({ length: 20 }, (_, i) => s.sendMessage(`durable ${i}`));
    const acks = await s.until((f) => f.filter((x) => x.type === 'ack').length === 20 && f.filter((x) => x.type === 'ack'), '20 acks');
    await worker.kill();
    worker = await startWorker({ state: worker.state, port: worker.port });
    const stored = await history(v, conv.id);
    const bySeq = new Map(stored.map((e) => [e.seq, e]));
    for (const ack of acks) {
      assert.ok(bySeq.has(ack.seq), `acked seq ${ack.seq} is stored`);
      assert.equal(bySeq.get(ack.seq).client_msg_id, ack.client_msg_id);
    }
    assert.deepEqual(stored.map((e) => e.client_msg_id), ids, 'in send order');
  });
});

describe('sessions and conversations', () => {
  test('twenty_visitors_starting_at_the_same_instant_get_twenty_conversations', async () => {
    const visitors = await Promise.all(Array.from({ length: 20 }, () => newVisitor(w)));
    const results = await Promise.all(visitors.map((v) => w('POST', '/conversations', { token: v.token, body: { client_request_id: 'start-1' } })));
    assert.deepEqual(results.map((r) => r.status), Array(20).fill(201));
    assert.equal(new Set(results.map((r) => r.body.conversation.id)).size, 20);
    // Lists are read from D1, which follows the rooms by the flush lag.
    for (const v of visitors) await eventually(async () => (await w('GET', '/conversations', { token: v.token })).body.count === 1, 'each visitor lists one');
  });

  test('a_double_click_on_start_creates_one_conversation', async () => {
    const v = await newVisitor(w);
    const clicks = await Promise.all(Array.from({ length: 5 }, () => w('POST', '/conversations', { token: v.token, body: { client_request_id: 'click-7' } })));
    assert.equal(new Set(clicks.map((r) => r.body.conversation.id)).size, 1);
    assert.deepEqual(clicks.map((r) => r.status).sort(), [200, 200, 200, 200, 201]);
    await eventually(async () => (await w('GET', '/conversations', { token: v.token })).body.count === 1, 'listed once');
    // However long after, the same request id is the same conversation.
    const later = await w('POST', '/conversations', { token: v.token, body: { client_request_id: 'click-7' } });
    assert.equal(later.status, 200);
    assert.equal(later.body.conversation.id, clicks[0].body.conversation.id);
    assert.equal((await w('GET', '/conversations', { token: v.token })).body.count, 1);
  });

  test('conversations_are_listed_newest_first_and_sessions_resume', async () => {
    const v = await newVisitor(w, { name: 'Returning', email: 'ret@example.com' });
    const first = await newConversation(w, v);
    const second = await newConversation(w, v);
    const list = await eventually(async () => {
      const res = await w('GET', '/conversations', { token: v.token });
      return res.body.count === 2 && res;
    }, 'both listed');
    assert.deepEqual(list.body.results.map((c) => c.id), [second.id, first.id]);
    const resumed = await w('POST', '/session', { body: { token: v.token } });
    assert.equal(resumed.status, 200);
    assert.equal(resumed.body.visitor.id, v.visitor.id);
    assert.equal(resumed.body.resumed, true);
    const config = await w('GET', '/config');
    assert.equal(config.status, 200);
    assert.equal(config.body.tenant.name, 'Room Co');
    assert.equal(config.body.operators_online, false);
    assert.equal(config.body.limits.text_chars, 4000);
  });

  test('config_is_edge_cached_with_an_etag_and_a_settings_change_shows_at_once', async () => {
    const first = await w('GET', '/config?locale=ja');
    assert.equal(first.status, 200);
    const etag = first.headers.get('etag');
    assert.match(etag, /^"[0-9a-f]{20}"$/);
    assert.match(first.headers.get('cache-control'), /max-age=15/);
    const again = await w('GET', '/config?locale=ja', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get('access-control-allow-origin'), SITE_ORIGIN, 'a 304 is still readable by the site');
    const settings = (await api('GET', '/api/admin/settings', { token: owner.token })).body;
    const renamed = await api('PATCH', '/api/admin/settings', { token: owner.token, body: { name: 'Room Co Renamed' } });
    assert.equal(renamed.status, 200, renamed.text);
    const changed = await w('GET', '/config?locale=ja', { headers: { 'if-none-match': etag } });
    assert.equal(changed.status, 200, 'the cached copy was dropped with the change');
    assert.equal(changed.body.tenant.name, 'Room Co Renamed');
    assert.notEqual(changed.headers.get('etag'), etag);
    await api('PATCH', '/api/admin/settings', { token: owner.token, body: { name: settings.name } });
  });

  test('cors_is_answered_only_for_allowed_origins', async () => {
    const pre = await w('OPTIONS', '/session', { headers: { 'access-control-request-method': 'POST' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), SITE_ORIGIN);
    const foreign = widgetClient(worker.url, key.key, 'https://evil.example');
    for (const [method, path] of [['OPTIONS', '/session'], ['GET', '/config'], ['POST', '/session']]) {
      const r = await foreign(method, path, { body: method === 'POST' ? {} : undefined });
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.headers.get('access-control-allow-origin'), null);
      assert.equal(r.body.error.code, 'origin_not_allowed');
    }
    const noOrigin = await client(worker.url)('GET', `/api/widget/config?key=${key.key}`);
    assert.equal(noOrigin.status, 403);
  });
});

describe('security', () => {
  test('foreign_origin_is_refused_on_the_socket', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v);
    await assert.rejects(openSocket(worker.url, conv.id, v.token, { origin: 'https://evil.example' }), (e) => e.status === 403);
    await assert.rejects(openSocket(worker.url, conv.id, v.token, {}), (e) => e.status === 403, 'no origin at all');
  });

  test('visitor_A_token_on_B_conversation_is_404_in_the_same_tenant_and_across_tenants', async () => {
    const a = await newVisitor(w);
    const b = await newVisitor(w);
    const convB = await newConversation(w, b, { message: { client_msg_id: randomUUID(), text: 'secret of B' } });
    assert.equal((await w('GET', `/conversations/${convB.id}/messages`, { token: a.token })).status, 404);
    assert.equal((await w('POST', `/conversations/${convB.id}/messages`, { token: a.token, body: { client_msg_id: 'x1', text: 'hi' } })).status, 404);
    await assert.rejects(visitorSocket(convB.id, a), (e) => e.status === 404);
    // Tenant 2, with its own key and visitor, cannot reach tenant 1's conversation either.
    const other = await signup(api);
    const otherKey = await makeKey(api, other);
    const w2 = widgetClient(worker.url, otherKey.key);
    const c = await newVisitor(w2);
    assert.equal((await w2('GET', `/conversations/${convB.id}/messages`, { token: c.token })).status, 404);
    await assert.rejects(openSocket(worker.url, convB.id, c.token, { origin: SITE_ORIGIN }), (e) => e.status === 404);
    // A visitor token presented with another tenant's key is refused outright.
    assert.equal((await w2('GET', '/conversations', { token: a.token })).status, 401);
    // Operators of another tenant get 404 on the socket too.
    await assert.rejects(operatorSocket(convB.id, other), (e) => e.status === 404);
    assert.deepEqual((await history(b, convB.id)).map((e) => e.text), ['secret of B'], 'nothing was written');
  });

  test('a_revoked_key_is_refused_for_new_sessions_and_existing_tokens', async () => {
    const k = await makeKey(api, owner);
    const wk = widgetClient(worker.url, k.key);
    const v = await newVisitor(wk);
    const conv = await newConversation(wk, v);
    const open = await openSocket(worker.url, conv.id, v.token, { origin: SITE_ORIGIN });
    await open.frame((f) => f.type === 'hello', 'hello');
    // A socket of another key in the same conversation's tenant stays open.
    const other = await newVisitor(w);
    const otherConv = await newConversation(w, other);
    const stays = await openSocket(worker.url, otherConv.id, other.token, { origin: SITE_ORIGIN });
    await stays.frame((f) => f.type === 'hello', 'hello');
    assert.equal((await api('POST', `/api/admin/api-keys/${k.id}/revoke`, { token: owner.token })).status, 200);
    assert.equal(await open.closed, 4003, 'the open socket ends at once');
    assert.ok(open.frames.some((f) => f.type === 'error' && f.code === 'key_revoked'));
    stays.sendMessage('still here');
    await stays.until((frames) => frames.some((f) => f.type === 'ack'), 'the other key still works');
    await stays.close();
    const s = await wk('POST', '/session', { body: {} });
    assert.equal(s.status, 401);
    assert.equal(s.body.error.code, 'key_revoked');
    assert.equal((await wk('GET', '/conversations', { token: v.token })).status, 401);
    await assert.rejects(openSocket(worker.url, conv.id, v.token, { origin: SITE_ORIGIN }), (e) => e.status === 401);
  });

  test('without_DEV_FAULTS_the_fault_switch_and_the_round_trip_count_do_not_exist', async () => {
    const res = await api('POST', '/__dev/faults', { body: { d1_fail_writes: true } });
    assert.equal(res.status, 404);
    const v = await newVisitor(w);
    const start = await w('POST', '/conversations', { token: v.token, body: { message: { client_msg_id: 'm', text: 'still works' } } });
    assert.equal(start.status, 201, 'writes were not switched off');
    assert.equal(start.headers.get('x-edgechat-d1-calls'), null);
    assert.equal((await api('GET', `/api/ops/rooms/${start.body.conversation.id}`, { token: 'x'.repeat(40) })).status, 404, 'no OPS_TOKEN, no ops route');
  });

  test('a_token_in_the_url_is_not_accepted', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v);
    await assert.rejects(openSocket(worker.url, conv.id, v.token, { origin: SITE_ORIGIN, protocols: ['chat.v1'], query: `token=${v.token}` }), (e) => e.status === 401);
    await assert.rejects(openSocket(worker.url, conv.id, v.token, { origin: SITE_ORIGIN, protocols: ['chat.v1'], query: `access_token=${v.token}` }), (e) => e.status === 401);
    assert.equal((await w('GET', `/conversations?token=${v.token}`)).status, 401);
  });

  test('switching_on_verified_visitors_ends_what_anonymous_tokens_issued_before_could_do', async () => {
    const t = await signup(api);
    await quietBot(api, t);
    const tk = await makeKey(api, t);
    const wt = widgetClient(worker.url, tk.key);
    const anon = await newVisitor(wt);
    const conv = await newConversation(wt, anon, { message: { client_msg_id: randomUUID(), text: 'before the switch' } });
    const open = await openSocket(worker.url, conv.id, anon.token, { origin: SITE_ORIGIN });
    await open.frame((f) => f.type === 'hello', 'hello');
    assert.equal((await api('PATCH', '/api/admin/settings', { token: t.token, body: { require_verified_visitors: true } })).status, 200);
    assert.equal(await open.closed, 4003, 'the open socket ends at once');
    assert.ok(open.frames.some((f) => f.type === 'error' && f.code === 'verification_required'));
    // Within the key cache's few seconds every isolate refuses the old token for reading, sending and new sockets.
    await eventually(async () => (await wt('GET', `/conversations/${conv.id}/messages`, { token: anon.token })).status === 403, 'reads refused');
    const send = await wt('POST', `/conversations/${conv.id}/messages`, { token: anon.token, body: { client_msg_id: randomUUID(), text: 'after' } });
    assert.equal(send.status, 403);
    assert.equal(send.body.error.code, 'verification_required');
    assert.equal((await wt('POST', '/conversations', { token: anon.token, body: {} })).status, 403);
    await assert.rejects(openSocket(worker.url, conv.id, anon.token, { origin: SITE_ORIGIN }), (e) => e.status === 403);
    const stored = await api('GET', `/api/admin/conversations/${conv.id}/messages?limit=500`, { token: t.token });
    assert.deepEqual(stored.body.results.filter((e) => e.type === 'message').map((e) => e.text), ['before the switch'], 'nothing stored after');
  });

  test('a_visitor_token_of_one_key_is_not_exchanged_through_another_key_of_the_tenant', async () => {
    const first = await makeKey(api, owner);
    const second = await makeKey(api, owner);
    const w1 = widgetClient(worker.url, first.key);
    const w2 = widgetClient(worker.url, second.key);
    const v = await newVisitor(w1);
    await newConversation(w1, v, { message: { client_msg_id: randomUUID(), text: 'through the first key' } });
    assert.equal((await api('POST', `/api/admin/api-keys/${first.id}/revoke`, { token: owner.token })).status, 200);
    const exchanged = await w2('POST', '/session', { body: { token: v.token } });
    assert.equal(exchanged.status, 201, 'a new visitor, not the old one');
    assert.equal(exchanged.body.resumed, false);
    assert.notEqual(exchanged.body.visitor.id, v.visitor.id);
    assert.deepEqual((await w2('GET', '/conversations', { token: exchanged.body.token })).body.results, [], 'none of the old conversations');
    // Control: the same key resumes its own visitor.
    const v2 = await newVisitor(w2);
    const resumed = await w2('POST', '/session', { body: { token: v2.token } });
    assert.equal(resumed.body.visitor.id, v2.visitor.id);
  });

  test('the_hosted_frame_opens_its_socket_from_the_workers_own_origin_with_a_key_that_does_not_list_it', async () => {
    const k = await makeKey(api, owner, [SITE_ORIGIN]);
    const own = new URL(worker.url).origin;
    const wf = widgetClient(worker.url, k.key, own);
    const v = await newVisitor(wf);
    const conv = await newConversation(wf, v);
    const s = await openSocket(worker.url, conv.id, v.token, { origin: own });
    await s.frame((f) => f.type === 'hello', 'hello from the frame origin');
    await s.close();
    await assert.rejects(openSocket(worker.url, conv.id, v.token, { origin: 'http://127.0.0.2:1' }), (e) => e.status === 403, 'another origin is still refused');
  });

  test('verification_required_refuses_bad_or_missing_hashes_and_never_merges', async () => {
    const t = await signup(api);
    const secret = (await api('POST', '/api/admin/identity-secret', { token: t.token })).body.secret;
    const tk = await makeKey(api, t);
    const wt = widgetClient(worker.url, tk.key);
    const hash = (id) => createHmac('sha256', secret).update(id).digest('hex');
    const good = await wt('POST', '/session', { body: { external_id: 'user-42', hash: hash('user-42'), name: 'Kai', email: 'kai@example.com' } });
    assert.equal(good.status, 201);
    assert.equal(good.body.visitor.verified, true);
    const again = await wt('POST', '/session', { body: { external_id: 'user-42', hash: hash('user-42') } });
    assert.equal(again.body.visitor.id, good.body.visitor.id, 'the same site user is the same visitor');
    assert.equal((await api('PATCH', '/api/admin/settings', { token: t.token, body: { require_verified_visitors: true } })).status, 200);
    for (const body of [{ external_id: 'user-42', hash: hash('user-43') }, { external_id: 'user-42', hash: '' }, { external_id: 'user-42' }, {}, { name: 'anon' }]) {
      const r = await wt('POST', '/session', { body });
      assert.equal(r.status, 403, JSON.stringify(body));
      assert.ok(['identity_not_verified', 'verification_required'].includes(r.body.error.code));
      assert.equal(r.body.token, undefined);
    }
    assert.equal((await wt('POST', '/session', { body: { token: good.body.token } })).status, 200, 'a verified visitor resumes');
  });

  test('bad_frames_get_error_frames_and_the_room_keeps_serving', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v);
    const bad = await visitorSocket(conv.id, v);
    const op = await operatorSocket(conv.id, owner);
    await Promise.all([bad, op].map((s) => s.frame((f) => f.type === 'hello', 'hello')));
    const cases = [
      ['{"type":"send","client_msg_id":"big","text":"' + 'x'.repeat(17 * 1024) + '"}', 'frame_too_large'],
      ['{"type":"send","client_msg_id":"long","text":"' + 'y'.repeat(4001) + '"}', 'text_too_long'],
      ['this is not json', 'malformed_frame'],
      [Buffer.from([1, 2, 3]), 'binary_not_supported'],
      ['{"type":"teleport"}', 'unknown_type'],
      ['['.repeat(8000) + ']'.repeat(8000), 'malformed_frame'],
      ['['.repeat(10000) + ']'.repeat(10000), 'frame_too_large'],
      ['{"type":"send","client_msg_id":"nested","text":' + '{"a":'.repeat(2000) + '1' + '}'.repeat(2000) + '}', 'malformed_frame'],
    ];
    for (const [frame, code] of cases) {
      const before = bad.frames.length;
      bad.send(frame);
      const err = await bad.until((f) => f.slice(before).find((x) => x.type === 'error'), code);
      assert.equal(err.code, code);
    }
    // The same socket and the others still work.
    bad.sendMessage('still here');
    await bad.frame((f) => f.type === 'ack', 'ack after errors');
    op.sendMessage('operator still served');
    await bad.frame((f) => f.type === 'event' && f.event.text === 'operator still served', 'broadcast after errors');
    assert.deepEqual((await history(v, conv.id)).filter((e) => e.type === 'message').map((e) => e.text), ['still here', 'operator still served']);
    await Promise.all([bad.close(), op.close()]);
  });

  test('a_flood_of_frames_is_rate_limited_with_a_clear_error', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v);
    const s = await visitorSocket(conv.id, v);
    await s.frame((f) => f.type === 'hello', 'hello');
    for (let i = 0; i < 60; i++) s.send({ type: 'typing', on: i % 2 === 0 });
    const err = await s.frame((f) => f.type === 'error' && f.code === 'rate_limited', 'rate limit error');
    assert.match(err.message, /slow down/);
    await s.close();
  });
});
