// The operator inbox against the real Worker: handoff, fair capacity-aware routing in the TenantInbox,
// queue positions, transfers, closing, private notes, the console feed and its cursor, offline grace,
// monitoring, canned replies, and the role/ownership and tenant rules.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { addOperator, client, signup } from '../helpers/api.mjs';
import { eventually, makeKey, newConversation, newVisitor, openInbox, openSocket, quietBot, SITE_ORIGIN, widgetClient } from '../helpers/chat.mjs';
import { startWorker } from '../helpers/worker.mjs';

let worker;
let api;
before(async () => {
  worker = await startWorker({ vars: { INBOX_OFFLINE_GRACE_MS: '1500' } });
  api = client(worker.url);
});
after(() => worker?.stop());

/** A tenant with an owner, a key and agents (capacity as given, all in the default department). */
async function team({ agents = 2, capacity = 1, available = true } = {}) {
  const owner = await signup(api);
  await quietBot(api, owner);
  const key = await makeKey(api, owner);
  const w = widgetClient(worker.url, key.key);
  const members = [];
  for (let i = 0; i < agents; i++) {
    const agent = await addOperator(api, owner, 'agent', { capacity });
    if (available) assert.equal((await api('PATCH', '/api/admin/me/status', { token: agent.token, body: { status: 'available' } })).status, 200);
    members.push(agent);
  }
  return { owner, key, w, agents: members };
}

/** A visitor with a conversation holding one message, watched by a visitor socket. */
async function visitorChat(w, text = 'hello') {
  const v = await newVisitor(w);
  const conv = await newConversation(w, v, { message: { client_msg_id: randomUUID(), text } });
  const socket = await openSocket(worker.url, conv.id, v.token, { origin: SITE_ORIGIN, afterSeq: 0 });
  return { v, conv, socket };
}

const handoff = (w, chat, body = {}) => w('POST', `/conversations/${chat.conv.id}/handoff`, { token: chat.v.token, body });
const events = (s, type) => s.events().filter((e) => e.type === type);

describe('routing', () => {
  test('two_agents_with_capacity_one_and_three_handoffs_then_a_close_drains_the_queue', async () => {
    const { w, agents } = await team({ agents: 2, capacity: 1 });
    const chats = [];
    for (let i = 0; i < 3; i++) {
      const chat = await visitorChat(w, `need help ${i}`);
      const r = await handoff(w, chat);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.event.type, 'handoff');
      chats.push(chat);
    }
    const [a1, a2] = await Promise.all(chats.slice(0, 2).map((c) => c.socket.until(() => events(c.socket, 'assigned')[0], 'assigned')));
    assert.notEqual(a1.data.assignee_id, a2.data.assignee_id, 'one each');
    assert.deepEqual([a1.data.assignee_id, a2.data.assignee_id].sort(), agents.map((a) => a.operator.id).sort());
    assert.ok(a1.data.assignee_name, 'the visitor sees the operator name');
    const queued = await chats[2].socket.until(() => events(chats[2].socket, 'queue').at(-1), 'queue position');
    assert.equal(queued.data.position, 1);
    assert.equal(events(chats[2].socket, 'assigned').length, 0);

    // The agent of the first chat closes it: the queued chat goes to them.
    const owner1 = agents.find((a) => a.operator.id === a1.data.assignee_id);
    const closed = await api('POST', `/api/admin/conversations/${chats[0].conv.id}/close`, { token: owner1.token });
    assert.equal(closed.status, 200, closed.text);
    const third = await chats[2].socket.until(() => events(chats[2].socket, 'assigned')[0], 'third assigned');
    assert.equal(third.data.assignee_id, owner1.operator.id);
    await Promise.all(chats.map((c) => c.socket.close()));
  });

  test('thirty_concurrent_handoffs_are_each_assigned_at_most_once_within_capacity', async () => {
    const { owner, w, agents } = await team({ agents: 3, capacity: 5 });
    const chats = await Promise.all(Array.from({ length: 30 }, async () => {
      const v = await newVisitor(w);
      const conv = await newConversation(w, v, { message: { client_msg_id: randomUUID(), text: 'rush' } });
      return { v, conv };
    }));
    const results = await Promise.all(chats.map((c) => handoff(w, c)));
    assert.deepEqual(results.map((r) => r.status), Array(30).fill(200));
    const active = await eventually(async () => {
      const r = await api('GET', '/api/admin/conversations?status=active&limit=100', { token: owner.token });
      return r.body.count === 15 && r.body.results;
    }, '15 active conversations');
    const perAgent = new Map();
    for (const c of active) perAgent.set(c.assignee_id, (perAgent.get(c.assignee_id) ?? 0) + 1);
    assert.deepEqual([...perAgent.values()].sort(), [5, 5, 5], 'fills every seat, none over capacity');
    for (const a of agents) assert.ok(perAgent.has(a.operator.id));
    const queued = await api('GET', '/api/admin/conversations?status=queued&limit=100', { token: owner.token });
    assert.equal(queued.body.count, 15);
    for (const c of chats) {
      const history = (await api('GET', `/api/admin/conversations/${c.conv.id}/messages`, { token: owner.token })).body.results;
      assert.ok(history.filter((e) => e.type === 'assigned').length <= 1, 'never assigned twice');
    }
    assert.deepEqual(queued.body.results.map((c) => c.queue_position).sort((x, y) => x - y), Array.from({ length: 15 }, (_, i) => i + 1));
  });

  test('transfer_to_a_department_with_nobody_available_queues_it_there_with_history_intact', async () => {
    const { owner, w, agents } = await team({ agents: 1, capacity: 3 });
    const nights = await api('POST', '/api/admin/departments', { token: owner.token, body: { name: 'Night shift' } });
    const chat = await visitorChat(w, 'my order is late');
    await handoff(w, chat);
    await chat.socket.until(() => events(chat.socket, 'assigned')[0], 'assigned');
    await api('POST', `/api/admin/conversations/${chat.conv.id}/messages`, { token: agents[0].token, body: { client_msg_id: randomUUID(), text: 'let me check' } });
    const moved = await api('POST', `/api/admin/conversations/${chat.conv.id}/transfer`, { token: agents[0].token, body: { department_id: nights.body.id } });
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.body.conversation.status, 'queued');
    assert.equal(moved.body.conversation.department_id, nights.body.id);
    assert.equal(moved.body.conversation.assignee_id, null);
    const ev = await chat.socket.until(() => events(chat.socket, 'transferred')[0], 'transferred event');
    assert.equal(ev.data.department_name, 'Night shift');
    assert.equal(ev.data.by.id, agents[0].operator.id, 'says who moved it');
    const history = (await api('GET', `/api/admin/conversations/${chat.conv.id}/messages`, { token: owner.token })).body.results;
    assert.deepEqual(history.filter((e) => e.type === 'message').map((e) => e.text), ['my order is late', 'let me check']);
    assert.equal(history.at(-1).type === 'queue' || history.at(-1).type === 'transferred', true);
    await chat.socket.close();
  });

  test('an_agent_whose_console_closes_goes_offline_after_the_grace_period_and_their_chat_is_rerouted', async () => {
    const { owner, w, agents } = await team({ agents: 1, capacity: 2 });
    const [first] = agents;
    const console1 = await openInbox(worker.url, first.token);
    await console1.frame((f) => f.type === 'hello', 'hello');
    const chat = await visitorChat(w);
    await handoff(w, chat);
    await chat.socket.until(() => events(chat.socket, 'assigned')[0], 'assigned to first');
    const second = await addOperator(api, owner, 'agent', { capacity: 2 });
    await api('PATCH', '/api/admin/me/status', { token: second.token, body: { status: 'available' } });
    await console1.close();
    const released = await chat.socket.until(() => events(chat.socket, 'released')[0], 'released after grace', 20_000);
    assert.equal(released.data.status, 'queued');
    const reassigned = await chat.socket.until(() => events(chat.socket, 'assigned')[1], 'assigned to second');
    assert.equal(reassigned.data.assignee_id, second.operator.id);
    const me = (await api('GET', `/api/admin/operators/${first.operator.id}`, { token: owner.token })).body;
    assert.equal(me.status, 'offline');
    await chat.socket.close();
  });
});

describe('after close, and operators writing first', () => {
  test('a_visitor_writing_into_a_closed_conversation_reopens_it_and_the_operator_who_had_it_gets_it_back', async () => {
    const { w, agents } = await team({ agents: 2, capacity: 3 });
    const chat = await visitorChat(w, 'first question');
    await handoff(w, chat);
    const assigned = await chat.socket.until(() => events(chat.socket, 'assigned')[0], 'assigned');
    const holder = agents.find((a) => a.operator.id === assigned.data.assignee_id);
    const inbox = await openInbox(worker.url, holder.token);
    assert.equal((await api('POST', `/api/admin/conversations/${chat.conv.id}/close`, { token: holder.token })).status, 200);
    await chat.socket.until(() => events(chat.socket, 'closed')[0], 'closed');

    // The other agent is now the least recently assigned, so plain routing would pick them.
    const id = chat.socket.sendMessage('one more thing');
    const ack = await chat.socket.frame((f) => f.type === 'ack' && f.client_msg_id === id, 'ack');
    assert.equal(ack.event.text, 'one more thing');
    const reopened = await chat.socket.until(() => events(chat.socket, 'reopened')[0], 'reopened event');
    assert.equal(reopened.data.by.type, 'visitor');
    assert.equal(reopened.data.previous_assignee_id, holder.operator.id);
    const back = await chat.socket.until(() => events(chat.socket, 'assigned')[1], 'assigned again');
    assert.equal(back.data.assignee_id, holder.operator.id, 'back to who had it');
    // The holder's console hears of it, and their list has it again.
    await inbox.until((frames) => frames.some((f) => f.type === 'changes' && f.conversations?.some((c) => c.id === chat.conv.id && c.status === 'active')), 'live in the console');
    await eventually(async () => {
      const list = await api('GET', '/api/admin/conversations?status=active', { token: holder.token });
      return list.body.results.some((c) => c.id === chat.conv.id && c.unread_count >= 1);
    }, 'listed with the new message unread');
    // A retry of the same message changes nothing.
    chat.socket.send({ type: 'send', client_msg_id: id, text: 'one more thing' });
    const dup = await chat.socket.frame((f) => f.type === 'ack' && f.client_msg_id === id && f.duplicate, 'duplicate ack');
    assert.equal(dup.event.seq, ack.event.seq);
    assert.equal(events(chat.socket, 'reopened').length, 1);
    await Promise.all([chat.socket.close(), inbox.close()]);
  });

  test('when_the_previous_operator_is_away_the_reopened_conversation_is_routed_to_a_colleague', async () => {
    const { w, agents } = await team({ agents: 2, capacity: 3 });
    const chat = await visitorChat(w);
    await handoff(w, chat);
    const assigned = await chat.socket.until(() => events(chat.socket, 'assigned')[0], 'assigned');
    const holder = agents.find((a) => a.operator.id === assigned.data.assignee_id);
    const other = agents.find((a) => a !== holder);
    await api('POST', `/api/admin/conversations/${chat.conv.id}/close`, { token: holder.token });
    assert.equal((await api('PATCH', '/api/admin/me/status', { token: holder.token, body: { status: 'busy' } })).status, 200);
    chat.socket.sendMessage('hello again');
    const back = await chat.socket.until(() => events(chat.socket, 'assigned')[1], 'assigned again');
    assert.equal(back.data.assignee_id, other.operator.id);
    await chat.socket.close();
  });

  test('a_tenant_that_starts_new_conversations_after_close_refuses_the_message_and_links_the_new_one', async () => {
    const { owner, w, agents } = await team({ agents: 1, capacity: 3 });
    assert.equal((await api('PATCH', '/api/admin/settings', { token: owner.token, body: { widget: { after_close: 'new' } } })).status, 200);
    const config = await w('GET', '/config');
    assert.equal(config.body.widget.after_close, 'new');
    const chat = await visitorChat(w, 'old question');
    await handoff(w, chat);
    await chat.socket.until(() => events(chat.socket, 'assigned')[0], 'assigned');
    await api('POST', `/api/admin/conversations/${chat.conv.id}/close`, { token: agents[0].token });
    await chat.socket.until(() => events(chat.socket, 'closed')[0], 'closed');

    const id = chat.socket.sendMessage('are you there?');
    const refused = await chat.socket.frame((f) => f.type === 'error' && f.client_msg_id === id, 'refusal');
    assert.equal(refused.code, 'conversation_closed');
    const rest = await w('POST', `/conversations/${chat.conv.id}/messages`, { token: chat.v.token, body: { client_msg_id: randomUUID(), text: 'by rest' } });
    assert.equal(rest.status, 409);
    assert.equal(rest.body.error.code, 'conversation_closed');
    const old = (await w('GET', `/conversations/${chat.conv.id}/messages?limit=500`, { token: chat.v.token })).body.results;
    assert.equal(old.filter((e) => e.type === 'message' && e.author.type === 'visitor').length, 1, 'nothing stored in the closed one');
    assert.equal((await api('GET', `/api/admin/conversations/${chat.conv.id}`, { token: owner.token })).body.status, 'closed');

    const next = await w('POST', '/conversations', { token: chat.v.token, body: { client_request_id: randomUUID(), previous_conversation_id: chat.conv.id, message: { client_msg_id: id, text: 'are you there?' } } });
    assert.equal(next.status, 201, next.text);
    const first = (await w('GET', `/conversations/${next.body.conversation.id}/messages?limit=500`, { token: chat.v.token })).body.results;
    assert.deepEqual(first.map((e) => e.type), ['continued', 'message']);
    assert.equal(first[0].data.previous_conversation_id, chat.conv.id);
    // Only the visitor's own conversations can be continued.
    const stranger = await newVisitor(w);
    const theirs = await w('POST', '/conversations', { token: stranger.token, body: { previous_conversation_id: chat.conv.id } });
    assert.equal(theirs.status, 422);
    assert.equal(theirs.body.error.field, 'previous_conversation_id');
    await chat.socket.close();
  });

  test('an_operator_reply_in_a_bot_or_queued_conversation_takes_it_over', async () => {
    const { owner, w, agents } = await team({ agents: 1, capacity: 3, available: false });
    const chat = await visitorChat(w, 'hello bot');
    const op = await openSocket(worker.url, chat.conv.id, agents[0].token, { afterSeq: 0 });
    await op.frame((f) => f.type === 'hello', 'hello');
    const id = op.sendMessage('Hi, I can help you');
    await op.frame((f) => f.type === 'ack' && f.client_msg_id === id, 'ack');
    const took = await chat.socket.until(() => events(chat.socket, 'assigned')[0], 'takeover event');
    assert.equal(took.data.assignee_id, agents[0].operator.id);
    assert.equal(took.data.from, 'bot');
    const after = await api('GET', `/api/admin/conversations/${chat.conv.id}`, { token: owner.token });
    assert.equal(after.body.status, 'active');
    assert.equal(after.body.assignee_id, agents[0].operator.id);
    // A private note does not take anything over; a queued conversation is taken by a reply too.
    const queued = await visitorChat(w, 'waiting');
    await handoff(w, queued);
    await queued.socket.until(() => events(queued.socket, 'handoff')[0], 'queued');
    const note = await api('POST', `/api/admin/conversations/${queued.conv.id}/messages`, { token: agents[0].token, body: { client_msg_id: randomUUID(), text: 'internal', private: true } });
    assert.equal(note.status, 201, note.text);
    assert.equal((await api('GET', `/api/admin/conversations/${queued.conv.id}`, { token: owner.token })).body.status, 'queued');
    const reply = await api('POST', `/api/admin/conversations/${queued.conv.id}/messages`, { token: agents[0].token, body: { client_msg_id: randomUUID(), text: 'on it' } });
    assert.equal(reply.status, 201, reply.text);
    assert.equal((await api('GET', `/api/admin/conversations/${queued.conv.id}`, { token: owner.token })).body.status, 'active');
    assert.equal(events(chat.socket, 'assigned').length, 1, 'one takeover');
    await Promise.all([op.close(), chat.socket.close(), queued.socket.close()]);
  });
});

describe('private notes and monitoring', () => {
  test('a_private_note_never_reaches_the_visitor_by_socket_or_rest', async () => {
    const { owner, w } = await team({ agents: 0 });
    const chat = await visitorChat(w);
    const op = await openSocket(worker.url, chat.conv.id, owner.token, { afterSeq: 0 });
    await op.frame((f) => f.type === 'hello', 'hello');
    op.send({ type: 'send', client_msg_id: 'note-1', text: 'internal: VIP customer', private: true });
    await op.frame((f) => f.type === 'ack' && f.client_msg_id === 'note-1', 'note ack');
    const rest = await api('POST', `/api/admin/conversations/${chat.conv.id}/messages`, { token: owner.token, body: { client_msg_id: 'note-2', text: 'internal: refund ok', private: true } });
    assert.equal(rest.status, 201);
    op.sendMessage('public reply');
    await chat.socket.until(() => chat.socket.events().find((e) => e.text === 'public reply'), 'public reply');
    assert.ok(!JSON.stringify(chat.socket.frames).includes('internal:'), 'no note on the visitor socket');
    const visitorHistory = (await w('GET', `/conversations/${chat.conv.id}/messages`, { token: chat.v.token })).body.results;
    assert.ok(!JSON.stringify(visitorHistory).includes('internal:'));
    const again = await openSocket(worker.url, chat.conv.id, chat.v.token, { origin: SITE_ORIGIN, afterSeq: 0 });
    await again.until(() => again.events().find((e) => e.text === 'public reply'), 'replay');
    assert.ok(!JSON.stringify(again.frames).includes('internal:'), 'no note on replay');
    const opHistory = (await api('GET', `/api/admin/conversations/${chat.conv.id}/messages`, { token: owner.token })).body.results;
    assert.deepEqual(opHistory.filter((e) => e.private).map((e) => e.text), ['internal: VIP customer', 'internal: refund ok']);
    const fake = await w('POST', `/conversations/${chat.conv.id}/messages`, { token: chat.v.token, body: { client_msg_id: 'v-note', text: 'x', private: true } });
    assert.equal(fake.status, 422, 'visitors cannot write notes');
    await Promise.all([op.close(), again.close(), chat.socket.close()]);
  });

  test('owners_monitor_without_joining_and_agents_cannot_monitor', async () => {
    const { owner, w, agents } = await team({ agents: 1, available: false });
    const chat = await visitorChat(w);
    const monitor = await openSocket(worker.url, chat.conv.id, owner.token, { afterSeq: 0, query: 'mode=monitor' });
    await monitor.frame((f) => f.type === 'hello', 'hello');
    monitor.sendMessage('should not go out');
    assert.equal((await monitor.frame((f) => f.type === 'error', 'read only')).code, 'read_only');
    chat.socket.sendMessage('visitor speaks');
    await monitor.until(() => monitor.events().find((e) => e.text === 'visitor speaks'), 'monitor sees messages');
    assert.ok(!chat.socket.frames.some((f) => f.type === 'presence'), 'the visitor sees no presence for a monitor');
    await assert.rejects(openSocket(worker.url, chat.conv.id, agents[0].token, { query: 'mode=monitor' }), (e) => e.status === 403);
    await Promise.all([monitor.close(), chat.socket.close()]);
  });
});

describe('the console feed', () => {
  test('live_changes_unread_counts_and_resume_with_a_cursor_return_exactly_the_missed_changes', async () => {
    const { owner, w } = await team({ agents: 0 });
    const early = await visitorChat(w, 'early');
    const inbox = await openInbox(worker.url, owner.token);
    const hello = await inbox.frame((f) => f.type === 'hello', 'hello');
    assert.ok(hello.cursor > 0);
    // Live: a new message shows up with an unread count for this operator.
    early.socket.sendMessage('second message');
    const live = await inbox.frame((f) => f.type === 'changes' && f.conversations.some((c) => c.id === early.conv.id && c.unread_count === 2), 'live change');
    assert.ok(live.cursor > hello.cursor);
    const read = await api('POST', `/api/admin/conversations/${early.conv.id}/read`, { token: owner.token, body: { seq: 2 } });
    assert.equal(read.status, 200, `${read.text}\n${worker.logs().slice(-3000)}`);
    assert.equal(read.body.conversation.unread_count, 0);
    const seen = await inbox.frame((f) => f.type === 'changes' && f.conversations.some((c) => c.id === early.conv.id && c.unread_count === 0), 'read reflected');
    await inbox.close();

    // Missed while away: a message in one conversation and a new, handed-off one.
    const x = await visitorChat(w, 'x');
    const y = await visitorChat(w, 'y');
    await handoff(w, y);
    // Rooms report to the inbox a moment after their commit: wait until the queue position (the last
    // change the handoff causes) is in, then the away console resumes.
    const queued = await y.socket.until(() => events(y.socket, 'queue')[0], 'queue position');
    const quiet = await eventually(async () => {
      const r = await api('GET', `/api/admin/conversations?changed_since=${seen.cursor}`, { token: owner.token });
      return r.body.results.some((c) => c.id === y.conv.id && c.status === 'queued' && c.last_seq === queued.seq) && r;
    }, 'the inbox has heard everything');
    const resumed = await openInbox(worker.url, owner.token, { cursor: seen.cursor });
    const delta = await resumed.frame((f) => f.type === 'changes', 'delta');
    assert.deepEqual(delta.conversations.map((c) => c.id).sort(), [x.conv.id, y.conv.id].sort(), 'exactly the missed conversations');
    assert.equal(delta.conversations.find((c) => c.id === y.conv.id).status, 'queued');
    assert.equal(delta.conversations.find((c) => c.id === x.conv.id).unread_count, 1);
    // REST `changed_since` answers the same delta as the socket.
    assert.deepEqual(quiet.body.results.map((c) => c.id).sort(), [x.conv.id, y.conv.id].sort());
    assert.equal(quiet.body.cursor, delta.cursor);
    const nothing = await api('GET', `/api/admin/conversations?changed_since=${delta.cursor}`, { token: owner.token });
    assert.equal(nothing.body.count, 0, JSON.stringify(nothing.body));
    await Promise.all([resumed.close(), early.socket.close(), x.socket.close(), y.socket.close()]);
  });

  test('a_deleted_conversation_leaves_every_console_live_and_through_changed_since', async () => {
    const { owner, w, agents } = await team({ agents: 1, available: false });
    const admin = await addOperator(api, owner, 'admin');
    const chat = await visitorChat(w, 'to be deleted');
    const consoles = await Promise.all([openInbox(worker.url, agents[0].token), openInbox(worker.url, admin.token)]);
    const hellos = await Promise.all(consoles.map((c) => c.frame((f) => f.type === 'hello', 'hello')));
    assert.equal((await api('DELETE', `/api/admin/conversations/${chat.conv.id}`, { token: owner.token })).status, 204);
    for (const c of consoles) {
      const gone = await c.frame((f) => f.type === 'changes' && (f.removed ?? []).includes(chat.conv.id), 'removed from this console');
      assert.ok(!gone.conversations.some((x) => x.id === chat.conv.id));
    }
    const rest = await api('GET', `/api/admin/conversations?changed_since=${hellos[0].cursor}`, { token: agents[0].token });
    assert.deepEqual(rest.body.removed, [chat.conv.id]);
    assert.ok(!rest.body.results.some((c) => c.id === chat.conv.id));
    await Promise.all([...consoles.map((c) => c.close()), chat.socket.close()]);
  });

  test('read_markers_never_move_backwards_by_rest_or_socket', async () => {
    const { owner, w } = await team({ agents: 0 });
    const chat = await visitorChat(w, 'one');
    for (const text of ['two', 'three']) chat.socket.sendMessage(text);
    await chat.socket.eventCount(3);
    const at = async (seq) => (await api('POST', `/api/admin/conversations/${chat.conv.id}/read`, { token: owner.token, body: { seq } })).body.conversation.unread_count;
    assert.equal(await at(3), 0);
    assert.equal(await at(1), 0, 'reading an older seq does not bring messages back as unread');
    assert.equal((await api('POST', `/api/admin/conversations/${chat.conv.id}/read`, { token: owner.token, body: { seq: 99 } })).status, 422);
    const op = await openSocket(worker.url, chat.conv.id, owner.token, { afterSeq: 0 });
    await op.eventCount(3);
    op.send({ type: 'read', seq: 3 });
    await chat.socket.until(() => events(chat.socket, 'read').length === 1, 'one receipt');
    op.send({ type: 'read', seq: 2 });
    op.send({ type: 'read', seq: 3 });
    chat.socket.sendMessage('four');
    await op.until(() => op.events().some((e) => e.text === 'four'), 'later message');
    const receipts = (await api('GET', `/api/admin/conversations/${chat.conv.id}/messages`, { token: owner.token })).body.results.filter((e) => e.type === 'read');
    assert.deepEqual(receipts.map((e) => e.data.seq), [3], 'no receipt for an older or the same seq');
    await Promise.all([op.close(), chat.socket.close()]);
  });

  test('list_filters_search_and_pagination', async () => {
    const { owner, w, agents } = await team({ agents: 1, capacity: 1 });
    const mine = await visitorChat(w, 'invoice question');
    await handoff(w, mine);
    await mine.socket.until(() => events(mine.socket, 'assigned')[0], 'assigned');
    const waiting = await visitorChat(w, 'shipping question');
    await handoff(w, waiting);
    const bot = await visitorChat(w, 'just browsing');
    const get = async (q, token = owner.token) => (await api('GET', `/api/admin/conversations?${q}`, { token })).body;
    // Lists read D1, which follows the rooms by the flush lag: wait for it to have all three.
    const ids = async (q, token) => JSON.stringify((await get(q, token)).results.map((c) => c.id));
    await eventually(async () => (await ids('assignee=me', agents[0].token)) === JSON.stringify([mine.conv.id]), 'mine listed');
    await eventually(async () => (await ids('status=queued')) === JSON.stringify([waiting.conv.id]), 'queued listed');
    await eventually(async () => (await ids('status=bot')) === JSON.stringify([bot.conv.id]), 'bot listed');
    assert.equal((await get('status=open')).count, 3);
    await eventually(async () => (await ids('q=invoice')) === JSON.stringify([mine.conv.id]), 'found by search');
    assert.equal((await get('assignee=unassigned')).count, 2);
    const page1 = await get('limit=2');
    assert.equal(page1.results.length, 2);
    const page2 = await get(`limit=2&cursor=${page1.next_cursor}`);
    assert.equal(page2.results.length, 1);
    assert.equal(new Set([...page1.results, ...page2.results].map((c) => c.id)).size, 3);
    assert.equal((await api('GET', '/api/admin/conversations?status=nope', { token: owner.token })).status, 422);
    const detail = (await api('GET', `/api/admin/conversations/${mine.conv.id}`, { token: owner.token })).body;
    assert.equal(detail.visitor.id, mine.v.visitor.id);
    await Promise.all([mine, waiting, bot].map((c) => c.socket.close()));
  });
});

describe('search', () => {
  test('search_finds_long_and_cjk_queries_up_to_its_limit_and_takes_wildcards_literally', async () => {
    const { owner, w } = await team({ agents: 0 });
    const en = 'My order number 12345 arrived with a cracked screen and the box was open';
    const ja = '注文した商品が届きましたが画面が割れていて箱も開いていました。交換をお願いします';
    const a = await visitorChat(w, en);
    const b = await visitorChat(w, ja);
    const c = await visitorChat(w, '100% sure');
    const d = await visitorChat(w, 'abcXdef');
    const find = async (q) => {
      const r = await api('GET', `/api/admin/conversations?q=${encodeURIComponent(q)}`, { token: owner.token });
      assert.equal(r.status, 200, `${q}: ${r.text}`);
      return r.body.results.map((x) => x.id);
    };
    await eventually(async () => (await find(en)).includes(a.conv.id), 'the whole English sentence (72 bytes) finds it');
    await eventually(async () => (await find(ja)).includes(b.conv.id), 'the whole Japanese sentence (40 characters) finds it');
    assert.deepEqual(await find('CRACKED SCREEN'), [a.conv.id], 'case-insensitive');
    assert.deepEqual(await find('%'), [c.conv.id], '% is a character, not a wildcard');
    await eventually(async () => (await find('abcXdef')).includes(d.conv.id), 'control');
    assert.deepEqual(await find('c_d'), [], '_ is a character, not a wildcard');
    assert.deepEqual(await find('字'.repeat(200)), [], 'the longest query answers');
    await Promise.all([a, b, c, d].map((x) => x.socket.close()));
  });
});

describe('rules', () => {
  test('agents_cannot_close_transfer_or_take_over_what_another_agent_owns', async () => {
    const { owner, w, agents } = await team({ agents: 2, capacity: 1 });
    const chat = await visitorChat(w);
    await handoff(w, chat);
    const assigned = await chat.socket.until(() => events(chat.socket, 'assigned')[0], 'assigned');
    const holder = agents.find((a) => a.operator.id === assigned.data.assignee_id);
    const other = agents.find((a) => a !== holder);
    const id = chat.conv.id;
    assert.equal((await api('POST', `/api/admin/conversations/${id}/close`, { token: other.token })).status, 403);
    assert.equal((await api('POST', `/api/admin/conversations/${id}/transfer`, { token: other.token, body: { operator_id: other.operator.id } })).status, 403);
    assert.equal((await api('POST', `/api/admin/conversations/${id}/takeover`, { token: other.token })).status, 403);
    assert.equal((await api('POST', `/api/admin/conversations/${id}/assign`, { token: other.token, body: { operator_id: other.operator.id } })).status, 403);
    assert.equal((await api('GET', `/api/admin/conversations/${id}`, { token: other.token })).body.assignee_id, holder.operator.id, 'unchanged');
    // The holder may transfer; an owner may take over; closing twice is a conflict.
    assert.equal((await api('POST', `/api/admin/conversations/${id}/transfer`, { token: holder.token, body: { operator_id: other.operator.id } })).status, 200);
    assert.equal((await api('POST', `/api/admin/conversations/${id}/takeover`, { token: owner.token })).status, 200);
    assert.equal((await api('POST', `/api/admin/conversations/${id}/close`, { token: owner.token })).status, 200);
    const again = await api('POST', `/api/admin/conversations/${id}/close`, { token: owner.token });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'invalid_transition');
    const reopened = await api('POST', `/api/admin/conversations/${id}/reopen`, { token: owner.token });
    assert.equal(reopened.body.conversation.status === 'queued' || reopened.body.conversation.status === 'active', true);
    await chat.socket.close();
  });

  test('an_agent_gets_404_for_another_tenants_conversation_on_assign_and_delete_and_403_for_their_own', async () => {
    const mine = await team({ agents: 1 });
    const theirs = await team({ agents: 0 });
    const own = await visitorChat(mine.w);
    const foreign = await visitorChat(theirs.w);
    const agent = mine.agents[0];
    for (const [method, path, body] of [['POST', 'assign', { operator_id: agent.operator.id }], ['DELETE', '', undefined]]) {
      const url = (id) => `/api/admin/conversations/${id}${path ? `/${path}` : ''}`;
      const other = await api(method, url(foreign.conv.id), { token: agent.token, body });
      assert.equal(other.status, 404, `${method} ${path} on another tenant's conversation: ${other.text}`);
      const missing = await api(method, url(randomUUID()), { token: agent.token, body });
      assert.equal(missing.status, 404, `${method} ${path} on no conversation`);
      const allowedButNotHim = await api(method, url(own.conv.id), { token: agent.token, body });
      assert.equal(allowedButNotHim.status, 403, `${method} ${path} on their own tenant's conversation`);
    }
    assert.equal((await api('GET', `/api/admin/conversations/${foreign.conv.id}`, { token: theirs.owner.token })).status, 200, 'untouched');
    await Promise.all([own.socket.close(), foreign.socket.close()]);
  });

  test('an_agent_of_tenant_A_never_sees_tenant_Bs_inbox_or_conversations', async () => {
    const a = await team({ agents: 1, available: false });
    const b = await team({ agents: 0 });
    const chatB = await visitorChat(b.w, 'secret B');
    const agentA = a.agents[0];
    const inboxA = await openInbox(worker.url, agentA.token);
    await inboxA.frame((f) => f.type === 'hello', 'hello');
    const id = chatB.conv.id;
    for (const [method, path, body] of [
      ['GET', `/api/admin/conversations/${id}`],
      ['GET', `/api/admin/conversations/${id}/messages`],
      ['POST', `/api/admin/conversations/${id}/messages`, { client_msg_id: 'x', text: 'pwned' }],
      ['POST', `/api/admin/conversations/${id}/takeover`],
      ['POST', `/api/admin/conversations/${id}/close`],
      ['POST', `/api/admin/conversations/${id}/transfer`, { operator_id: agentA.operator.id }],
      ['POST', `/api/admin/conversations/${id}/read`, { seq: 1 }],
      ['POST', `/api/admin/conversations/${id}/reopen`],
    ]) {
      const r = await api(method, path, { token: agentA.token, body });
      assert.equal(r.status, 404, `${method} ${path}`);
    }
    assert.equal((await api('GET', '/api/admin/conversations?status=open', { token: agentA.token })).body.count, 0);
    await handoff(b.w, chatB);
    chatB.socket.sendMessage('more from B');
    await chatB.socket.until(() => chatB.socket.events().some((e) => e.text === 'more from B'), 'B message stored');
    const own = await visitorChat(a.w, 'A visitor');
    await inboxA.frame((f) => f.type === 'changes' && f.conversations.some((c) => c.id === own.conv.id), 'own tenant change');
    assert.ok(!JSON.stringify(inboxA.frames).includes(chatB.conv.id), "B's changes never reach A's console");
    await Promise.all([inboxA.close(), chatB.socket.close(), own.socket.close()]);
  });

  test('deactivating_an_agent_with_no_console_open_sends_their_chats_to_a_colleague', async () => {
    const { owner, w, agents } = await team({ agents: 1, capacity: 1 });
    const chat = await visitorChat(w);
    await handoff(w, chat);
    const first = await chat.socket.until(() => events(chat.socket, 'assigned')[0], 'assigned');
    assert.equal(first.data.assignee_id, agents[0].operator.id);
    const colleague = await addOperator(api, owner, 'agent', { capacity: 1 });
    await api('PATCH', '/api/admin/me/status', { token: colleague.token, body: { status: 'available' } });
    const off = await api('PATCH', `/api/admin/operators/${agents[0].operator.id}`, { token: owner.token, body: { active: false } });
    assert.equal(off.status, 200, off.text);
    await chat.socket.until(() => events(chat.socket, 'released').length === 1, 'released at once, no console needed');
    const next = await chat.socket.until(() => events(chat.socket, 'assigned')[1], 'reassigned');
    assert.equal(next.data.assignee_id, colleague.operator.id);
    await chat.socket.close();
  });

  test('a_password_change_or_deactivation_closes_the_operators_open_sockets', async () => {
    const { owner, w, agents } = await team({ agents: 2, available: false });
    const [a, b] = agents;
    const chat = await visitorChat(w);
    for (const [agent, end] of [
      [a, () => api('POST', '/api/auth/password', { token: a.token, body: { current_password: 'correct horse battery', new_password: 'a new long password' } })],
      [b, () => api('PATCH', `/api/admin/operators/${b.operator.id}`, { token: owner.token, body: { active: false } })],
    ]) {
      const inbox = await openInbox(worker.url, agent.token);
      await inbox.frame((f) => f.type === 'hello', 'hello');
      const room = await openSocket(worker.url, chat.conv.id, agent.token);
      await room.frame((f) => f.type === 'hello', 'hello');
      room.sendMessage('before');
      await room.frame((f) => f.type === 'ack', 'works before');
      assert.equal((await end()).status, 200);
      assert.equal(await inbox.closed, 4001, 'the console socket is closed at once');
      room.sendMessage('after');
      assert.equal((await room.frame((f) => f.type === 'error', 'refused')).code, 'session_revoked');
      assert.equal(await room.closed, 4001, 'the conversation socket is closed at its next frame');
    }
    const history = (await api('GET', `/api/admin/conversations/${chat.conv.id}/messages`, { token: owner.token })).body.results;
    assert.deepEqual(history.filter((e) => e.author.type === 'operator' && e.type === 'message').map((e) => e.text), ['before', 'before']);
    await chat.socket.close();
  });

  test('canned_replies_crud_with_agents_read_only', async () => {
    const { owner, agents } = await team({ agents: 1, available: false });
    const created = await api('POST', '/api/admin/canned-replies', { token: owner.token, body: { shortcut: '/hours', text: 'We are open 9–17.' } });
    assert.equal(created.status, 201);
    assert.equal(created.body.shortcut, 'hours');
    assert.equal((await api('POST', '/api/admin/canned-replies', { token: owner.token, body: { shortcut: 'hours', text: 'dup' } })).status, 409);
    assert.equal((await api('POST', '/api/admin/canned-replies', { token: agents[0].token, body: { shortcut: 'x', text: 'y' } })).status, 403);
    assert.deepEqual((await api('GET', '/api/admin/canned-replies', { token: agents[0].token })).body.results.map((c) => c.shortcut), ['hours']);
    const edited = await api('PATCH', `/api/admin/canned-replies/${created.body.id}`, { token: owner.token, body: { text: 'Open 9–18.' } });
    assert.equal(edited.body.text, 'Open 9–18.');
    assert.equal((await api('POST', '/api/admin/canned-replies', { token: owner.token, body: { shortcut: 'bad shortcut!', text: 'y' } })).status, 422);
    assert.equal((await api('DELETE', `/api/admin/canned-replies/${created.body.id}`, { token: owner.token })).status, 204);
    assert.equal((await api('GET', '/api/admin/canned-replies', { token: owner.token })).body.count, 0);
  });
});
