// The bot against the real Worker: the flow API and its validation, menu paths recorded (and forged
// ones refused), FAQ answers in `bot` state and silence after handoff, business hours and the offline
// path, and the widget config the widget browses the menu from.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { addOperator, client, signup } from '../helpers/api.mjs';
import { makeKey, newVisitor, openSocket, SITE_ORIGIN, widgetClient } from '../helpers/chat.mjs';
import { startWorker } from '../helpers/worker.mjs';

let worker;
let api;
let owner;
let w;
before(async () => {
  worker = await startWorker();
  api = client(worker.url);
  owner = await signup(api, { company: 'Bot Co' });
  w = widgetClient(worker.url, (await makeKey(api, owner)).key);
  for (const entry of [
    { question: 'How long does shipping take?', answer: 'Orders arrive in 3-5 business days.', keywords: ['delivery', 'days', 'arrive'] },
    { question: 'What is your return policy?', answer: 'Return unused items within 30 days.', keywords: ['return', 'refund'] },
    { question: '配送にはどのくらいかかりますか？', answer: '3〜5営業日でお届けします。', keywords: ['配送', '日数', '届く'] },
  ]) {
    const r = await api('POST', '/api/admin/faq', { token: owner.token, body: entry });
    assert.equal(r.status, 201, r.text);
  }
});
after(() => worker?.stop());

const history = async (v, conversationId, widget = w) => (await widget('GET', `/conversations/${conversationId}/messages?limit=500`, { token: v.token })).body.results;

describe('flow', () => {
  test('a_new_tenant_has_a_default_flow_in_four_languages_and_the_widget_browses_it_from_config', async () => {
    const flow = (await api('GET', '/api/admin/bot', { token: owner.token })).body;
    assert.equal(flow.root, 'start');
    for (const locale of ['en', 'ja', 'ko', 'zh']) assert.ok(flow.welcome[locale], locale);
    const ja = await w('GET', '/config?locale=ja');
    assert.equal(ja.body.locale, 'ja');
    assert.equal(ja.body.bot.welcome, flow.welcome.ja);
    assert.deepEqual(ja.body.bot.nodes.map((n) => n.id), flow.nodes.map((n) => n.id));
    const byHeader = await w('GET', '/config', { headers: { 'accept-language': 'ko-KR,ko;q=0.9' } });
    assert.equal(byHeader.body.locale, 'ko');
    assert.equal((await w('GET', '/config', { headers: { 'accept-language': 'de-DE' } })).body.locale, 'en', 'falls back to the default');
    const before = (await w('GET', '/conversations', { token: (await newVisitor(w)).token })).body.count;
    assert.equal(before, 0, 'browsing the menu writes nothing');
  });

  test('saving_validates_with_precise_errors_and_changes_nothing_on_error', async () => {
    const flow = (await api('GET', '/api/admin/bot', { token: owner.token })).body;
    const broken = structuredClone(flow);
    broken.nodes[0].choices[1].action = { type: 'node', node: 'ghost' };
    const r = await api('PUT', '/api/admin/bot', { token: owner.token, body: broken });
    assert.equal(r.status, 422);
    assert.equal(r.body.error.field, 'bot.nodes[0].choices[1].action.node');
    const unknownDept = structuredClone(flow);
    unknownDept.nodes[0].choices[2].action = { type: 'handoff', department_id: randomUUID() };
    assert.equal((await api('PUT', '/api/admin/bot', { token: owner.token, body: unknownDept })).status, 422);
    assert.deepEqual((await api('GET', '/api/admin/bot', { token: owner.token })).body, flow, 'unchanged');
    const agent = await addOperator(api, owner, 'agent');
    assert.equal((await api('PUT', '/api/admin/bot', { token: agent.token, body: flow })).status, 403);
    const renamed = structuredClone(flow);
    renamed.welcome.en = 'Welcome to Bot Co!';
    assert.equal((await api('PUT', '/api/admin/bot', { token: owner.token, body: renamed })).status, 200);
    assert.equal((await w('GET', '/config?locale=en')).body.bot.welcome, 'Welcome to Bot Co!');
    assert.equal((await api('PUT', '/api/admin/bot', { token: owner.token, body: flow })).status, 200);
  });

  test('the_menu_path_is_recorded_as_the_first_event_and_a_forged_path_is_refused', async () => {
    const v = await newVisitor(w);
    const forged = await w('POST', '/conversations', { token: v.token, body: { menu_path: ['orders', 'refund-everything'] } });
    assert.equal(forged.status, 422);
    assert.equal(forged.body.error.field, 'menu_path[1]');
    const skipping = await w('POST', '/conversations', { token: v.token, body: { menu_path: ['track'] } });
    assert.equal(skipping.status, 422, 'a choice of another node');
    assert.equal((await w('GET', '/conversations', { token: v.token })).body.count, 0, 'nothing created');
    const ok = await w('POST', '/conversations', { token: v.token, body: { menu_path: ['orders', 'track'], locale: 'ja', message: { client_msg_id: randomUUID(), text: '配送に何日かかりますか' } } });
    assert.equal(ok.status, 201, ok.text);
    const events = await history(v, ok.body.conversation.id);
    assert.equal(events[0].type, 'menu');
    assert.deepEqual(events[0].data.steps.map((s) => s.choice), ['orders', 'track']);
    assert.equal(events[0].text, '注文・配送 › 注文はどこですか？');
    assert.equal(events[1].text, '配送に何日かかりますか');
    const detail = await api('GET', `/api/admin/conversations/${ok.body.conversation.id}`, { token: owner.token });
    assert.equal(detail.status, 200);
  });
});

describe('answers', () => {
  test('the_bot_answers_from_the_faq_in_bot_state_and_falls_back_when_unsure', async () => {
    const v = await newVisitor(w);
    const created = await w('POST', '/conversations', { token: v.token, body: { message: { client_msg_id: randomUUID(), text: 'how many days until my order arrives?' } } });
    const s = await openSocket(worker.url, created.body.conversation.id, v.token, { origin: SITE_ORIGIN, afterSeq: 0 });
    const answer = await s.until(() => s.events().find((e) => e.author.type === 'bot'), 'bot answer');
    assert.equal(answer.text, 'Orders arrive in 3-5 business days.');
    assert.ok(answer.data.confidence >= 0.4);
    s.sendMessage('what is the meaning of life?');
    const fallback = await s.until(() => s.events().filter((e) => e.author.type === 'bot')[1], 'fallback');
    assert.equal(fallback.data.fallback, true);
    assert.deepEqual(fallback.data.choices.map((c) => c.id), ['person']);
    await s.close();
  });

  test('faq_ask_answers_without_creating_a_conversation', async () => {
    const v = await newVisitor(w);
    const r = await w('POST', '/faq/ask', { body: { text: '配送は何日で届く？' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.answered, true);
    assert.equal(r.body.results[0].answer, '3〜5営業日でお届けします。');
    const none = await w('POST', '/faq/ask', { body: { text: 'who won the match yesterday' } });
    assert.equal(none.body.answered, false);
    assert.equal((await w('GET', '/conversations', { token: v.token })).body.count, 0);
    assert.equal((await w('POST', '/faq/ask', { body: { text: '' } })).status, 422);
  });

  test('after_handoff_visitor_messages_get_no_bot_reply', async () => {
    const v = await newVisitor(w);
    const created = await w('POST', '/conversations', { token: v.token, body: { message: { client_msg_id: randomUUID(), text: 'return policy?' } } });
    const id = created.body.conversation.id;
    const s = await openSocket(worker.url, id, v.token, { origin: SITE_ORIGIN, afterSeq: 0 });
    await s.until(() => s.events().find((e) => e.author.type === 'bot' && e.text.startsWith('Return unused')), 'first answer');
    const handed = await w('POST', `/conversations/${id}/handoff`, { token: v.token, body: {} });
    assert.equal(handed.status, 200);
    s.sendMessage('how long does shipping take?');
    s.sendMessage('what is your return policy?');
    // A marker from the operator after the visitor's messages: the stream is ordered, so once it is
    // here every bot reply to the two messages would have been here too.
    await api('POST', `/api/admin/conversations/${id}/messages`, { token: owner.token, body: { client_msg_id: 'marker', text: 'operator here' } });
    await s.until(() => s.events().find((e) => e.client_msg_id === 'marker'), 'marker');
    const afterHandoff = s.events().slice(s.events().findIndex((e) => e.type === 'handoff'));
    assert.deepEqual(afterHandoff.filter((e) => e.author.type === 'bot' && !e.data?.notice).map((e) => e.text), [], 'the bot stays silent');
    await s.close();
  });
});

describe('business hours', () => {
  test('outside_hours_the_offline_path_is_taken_and_config_says_offline', async () => {
    const t = await signup(api, { company: 'Night Co' });
    const tw = widgetClient(worker.url, (await makeKey(api, t)).key);
    const agent = await addOperator(api, t, 'agent');
    await api('PATCH', '/api/admin/me/status', { token: agent.token, body: { status: 'busy' } });
    // Open only on a date in the past: closed now and for the next two weeks.
    const hours = { timezone: 'America/New_York', weekly: {}, holidays: [] };
    const bad = await api('PATCH', '/api/admin/settings', { token: t.token, body: { business_hours: { ...hours, timezone: 'Mars/Olympus' } } });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.field, 'hours.timezone');
    assert.equal((await api('PATCH', '/api/admin/settings', { token: t.token, body: { business_hours: hours } })).status, 200);
    const config = (await tw('GET', '/config')).body;
    assert.equal(config.online, false);
    assert.equal(config.open_now, false);
    assert.equal(config.expected_reply, 'by_email');
    const v = await newVisitor(tw);
    const created = await tw('POST', '/conversations', { token: v.token, body: { menu_path: ['person'] } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.conversation.status, 'queued', 'waits for the next operator');
    const events = await history(v, created.body.conversation.id, tw);
    assert.deepEqual(events.slice(0, 2).map((e) => e.type), ['menu', 'handoff']);
    const notice = events.find((e) => e.author.type === 'bot');
    assert.ok(notice, 'the bot says nobody is there');
    assert.equal(notice.data.notice, 'offline');
    assert.equal(notice.data.ask_email, true);
    // A menu handoff in another language stores the notice in that language too.
    for (const [locale, words] of [['ja', /営業時間外/], ['zh', /非工作时间/]]) {
      const other = await newVisitor(tw);
      const started = await tw('POST', '/conversations', { token: other.token, body: { menu_path: ['person'], locale } });
      assert.equal(started.status, 201, started.text);
      const bot = (await history(other, started.body.conversation.id, tw)).find((e) => e.author.type === 'bot');
      assert.match(bot.text, words, `${locale}: ${bot.text}`);
    }
    const left = await tw('POST', `/conversations/${created.body.conversation.id}/contact`, { token: v.token, body: { email: 'night@example.com' } });
    assert.equal(left.status, 200);
    assert.equal(left.body.visitor.email, 'night@example.com');
    assert.ok((await history(v, created.body.conversation.id, tw)).some((e) => e.author.type === 'bot' && /night@example\.com/.test(e.text)));
    assert.equal((await tw('POST', `/conversations/${created.body.conversation.id}/contact`, { token: v.token, body: { email: 'nope' } })).status, 422);
    // Open all week: online as soon as someone is available.
    const always = { timezone: 'Asia/Tokyo', weekly: Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, [['00:00', '24:00']]])), holidays: [] };
    await api('PATCH', '/api/admin/settings', { token: t.token, body: { business_hours: always } });
    await api('PATCH', '/api/admin/me/status', { token: agent.token, body: { status: 'available' } });
    const open = (await tw('GET', '/config')).body;
    assert.deepEqual([open.open_now, open.online, open.expected_reply], [true, true, 'minutes']);
    assert.equal((await api('PATCH', '/api/admin/settings', { token: t.token, body: { business_hours: null } })).body.business_hours, null);
  });
});
