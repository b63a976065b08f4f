// Idle conversations close by themselves, against the real Worker: the room's alarm closes a
// conversation the bot has had quiet for the tenant's time, and one whose operator wrote last and
// waits on the visitor; never one waiting on the team, never with auto-close off. The visitor sees
// the `closed` event (reason `idle`) live and may rate it. A local run's minute is 100 ms here
// (`DEV_MINUTE_MS`, honoured only with the dev switches on).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { client, signup } from '../helpers/api.mjs';
import { eventually, makeKey, newConversation, newVisitor, openSocket, quietBot, SITE_ORIGIN, widgetClient } from '../helpers/chat.mjs';
import { startWorker } from '../helpers/worker.mjs';

const MINUTE_MS = 100;
let worker;
let api;
before(async () => {
  worker = await startWorker({ vars: { DEV_FAULTS: '1', DEV_MINUTE_MS: String(MINUTE_MS) } });
  api = client(worker.url);
});
after(() => worker?.stop());

async function site(autoClose) {
  const owner = await signup(api);
  await quietBot(api, owner);
  const set = await api('PATCH', '/api/admin/settings', { token: owner.token, body: { widget: { auto_close: autoClose } } });
  assert.equal(set.status, 200, set.text);
  return { owner, w: widgetClient(worker.url, (await makeKey(api, owner)).key) };
}
const detail = async (owner, id) => (await api('GET', `/api/admin/conversations/${id}`, { token: owner.token })).body;
const say = (owner, id, text) => api('POST', `/api/admin/conversations/${id}/messages`, { token: owner.token, body: { client_msg_id: randomUUID(), text } });

describe('auto-close', () => {
  test('a_conversation_left_with_the_bot_closes_after_the_tenants_time_live_for_the_visitor_who_may_rate_it', async () => {
    const { owner, w } = await site({ bot_minutes: 5, visitor_minutes: 0 });
    const v = await newVisitor(w);
    const conv = await newConversation(w, v, { client_request_id: randomUUID(), locale: 'ja', message: { client_msg_id: randomUUID(), text: 'こんにちは' } });
    const socket = await openSocket(worker.url, conv.id, v.token, { origin: SITE_ORIGIN });
    await socket.frame((f) => f.type === 'hello', 'hello');
    const closed = await socket.frame((f) => f.type === 'event' && f.event.type === 'closed', 'the closed event');
    assert.equal(closed.event.data.reason, 'idle');
    assert.equal(closed.event.author.type, 'system');
    assert.equal(closed.event.data.from, 'bot');
    assert.ok(closed.event.created_at - conv.created_at >= 5 * MINUTE_MS, 'not before its time');
    assert.equal((await detail(owner, conv.id)).status, 'closed');
    const rated = await w('POST', `/conversations/${conv.id}/rating`, { token: v.token, body: { score: 3 } });
    assert.equal(rated.status, 200, rated.text);
    const text = (await w('GET', `/conversations/${conv.id}/transcript`, { token: v.token })).text;
    assert.ok(text.includes('しばらくやり取りがなかったため、会話を終了しました'), text);
    await socket.close();
  });

  test('with_an_operator_it_closes_only_while_waiting_on_the_visitor', async () => {
    const { owner, w } = await site({ bot_minutes: 0, visitor_minutes: 8 });
    const start = async (text) => {
      const v = await newVisitor(w);
      const conv = await newConversation(w, v, { client_request_id: randomUUID(), message: { client_msg_id: randomUUID(), text } });
      assert.equal((await api('POST', `/api/admin/conversations/${conv.id}/takeover`, { token: owner.token })).status, 200);
      return { v, conv };
    };
    // Waiting on the team: the visitor wrote last (after the operator's reply).
    const team = await start('Where is my order?');
    assert.equal((await say(owner, team.conv.id, 'Let me check')).status, 201);
    assert.equal((await w('POST', `/conversations/${team.conv.id}/messages`, { token: team.v.token, body: { client_msg_id: randomUUID(), text: 'Thanks, waiting' } })).status, 201);
    // Waiting on the visitor: the operator wrote last, after the one above.
    const visitor = await start('Can I change my address?');
    assert.equal((await say(owner, visitor.conv.id, 'Yes — which one?')).status, 201);
    const closed = await eventually(async () => {
      const d = await detail(owner, visitor.conv.id);
      return d.status === 'closed' && d;
    }, 'the idle close', 20_000);
    assert.ok(closed.closed_at - closed.created_at >= 8 * MINUTE_MS);
    const events = (await api('GET', `/api/admin/conversations/${visitor.conv.id}/messages`, { token: owner.token })).body.results;
    const closedEvent = events.filter((e) => !e.private).at(-1);
    assert.equal(closedEvent.type, 'closed', 'the last event visitors see');
    assert.equal(closedEvent.data.reason, 'idle');
    // Had the one waiting on the team been closable, its time would have passed long before a
    // conversation started only now closes.
    const later = await start('One more thing');
    assert.equal((await say(owner, later.conv.id, 'Sure?')).status, 201);
    await eventually(async () => (await detail(owner, later.conv.id)).status === 'closed', 'the later idle close', 20_000);
    assert.equal((await detail(owner, team.conv.id)).status, 'active', 'a conversation waiting on the team stays open');
  });

  test('auto_close_is_off_by_default_and_bad_times_are_refused', async () => {
    const owner = await signup(api);
    const settings = (await api('GET', '/api/admin/settings', { token: owner.token })).body;
    assert.deepEqual(settings.widget.auto_close, { bot_minutes: 0, visitor_minutes: 0 });
    for (const bad of [{ bot_minutes: -1 }, { visitor_minutes: 10_081 }, { bot_minutes: 'soon' }, { later: 5 }]) {
      const r = await api('PATCH', '/api/admin/settings', { token: owner.token, body: { widget: { auto_close: bad } } });
      assert.equal(r.status, 422, JSON.stringify(bad));
    }
    assert.deepEqual((await api('GET', '/api/admin/settings', { token: owner.token })).body.widget.auto_close, { bot_minutes: 0, visitor_minutes: 0 }, 'unchanged');
    // Off: a bot conversation stays open while one of a tenant with auto-close closes beside it.
    await quietBot(api, owner);
    const w = widgetClient(worker.url, (await makeKey(api, owner)).key);
    const v = await newVisitor(w);
    const open = await newConversation(w, v, { client_request_id: randomUUID(), message: { client_msg_id: randomUUID(), text: 'hello' } });
    const other = await site({ bot_minutes: 3, visitor_minutes: 0 });
    const ov = await newVisitor(other.w);
    const closing = await newConversation(other.w, ov, { client_request_id: randomUUID(), message: { client_msg_id: randomUUID(), text: 'hello' } });
    await eventually(async () => (await detail(other.owner, closing.id)).status === 'closed', 'the other tenant’s close', 20_000);
    assert.equal((await detail(owner, open.id)).status, 'bot', 'auto-close off: still open');
  });
});
