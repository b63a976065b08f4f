// The visitor's journey, against the real Worker: the pages the visitor is on reach operators only
// (with browser, device, time zone), the visitor ends the conversation (the operator sees it live),
// rates it once (CSAT, 1–5 and a comment), the rating is stored on the conversation and as an event,
// D1 follows, and owners read it per operator and department. Bad input and a tenant that switched
// ratings or page tracking off are refused and change nothing.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { addOperator, client, signup } from '../helpers/api.mjs';
import { eventually, makeKey, newConversation, newVisitor, openSocket, quietBot, SITE_ORIGIN, widgetClient } from '../helpers/chat.mjs';
import { startWorker } from '../helpers/worker.mjs';

let worker;
let api;
let owner;
let w;
before(async () => {
  worker = await startWorker();
  api = client(worker.url);
  owner = await signup(api, { company: 'Journey Co' });
  await quietBot(api, owner);
  w = widgetClient(worker.url, (await makeKey(api, owner)).key);
});
after(() => worker?.stop());

/** A visitor's conversation with a first message, taken over by the owner. */
async function liveConversation() {
  const v = await newVisitor(w);
  const conv = await newConversation(w, v, { client_request_id: randomUUID(), message: { client_msg_id: randomUUID(), text: 'My parcel is late' } });
  const taken = await api('POST', `/api/admin/conversations/${conv.id}/takeover`, { token: owner.token });
  assert.equal(taken.status, 200, taken.text);
  return { v, conv };
}
const detail = async (id) => (await api('GET', `/api/admin/conversations/${id}`, { token: owner.token })).body;
const rate = (v, id, body) => w('POST', `/conversations/${id}/rating`, { token: v.token, body });

describe('ending a conversation', () => {
  test('the_visitor_ends_the_chat_and_the_operator_sees_it_live', async () => {
    const { v, conv } = await liveConversation();
    const op = await openSocket(worker.url, conv.id, owner.token, {});
    await op.frame((f) => f.type === 'hello', 'hello');
    const other = await newVisitor(w);
    assert.equal((await w('POST', `/conversations/${conv.id}/close`, { token: other.token })).status, 404, "another visitor's conversation does not exist for them");
    assert.equal((await detail(conv.id)).status, 'active', 'unchanged');

    const r = await w('POST', `/conversations/${conv.id}/close`, { token: v.token });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.conversation.status, 'closed');
    const closed = await op.frame((f) => f.type === 'event' && f.event.type === 'closed', 'closed event at the operator');
    assert.equal(closed.event.data.by.type, 'visitor', 'the operator sees who ended it');
    assert.equal(closed.event.data.by.id, v.visitor.id);
    assert.equal((await detail(conv.id)).status, 'closed');

    const again = await w('POST', `/conversations/${conv.id}/close`, { token: v.token });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'invalid_transition');
    await op.close();
  });

  test('a_conversation_still_with_the_bot_can_be_ended_too', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v, { client_request_id: randomUUID() });
    const r = await w('POST', `/conversations/${conv.id}/close`, { token: v.token });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.event.type, 'closed');
    assert.equal(r.body.event.data.from, 'bot');
  });
});

describe('ratings', () => {
  test('a_closed_conversation_is_rated_once_and_bad_ratings_change_nothing', async () => {
    const { v, conv } = await liveConversation();
    const early = await rate(v, conv.id, { score: 5 });
    assert.equal(early.status, 409, 'rated once it is closed');
    assert.equal(early.body.error.code, 'invalid_transition');
    assert.equal((await w('POST', `/conversations/${conv.id}/close`, { token: v.token })).status, 200);
    const visitorSocket = await openSocket(worker.url, conv.id, v.token, { origin: SITE_ORIGIN });
    await visitorSocket.frame((f) => f.type === 'hello', 'hello');

    // Out of range: the field named; the wrong shape: the body refused, naming the field.
    for (const [body, field] of [
      [{ score: 0 }, 'score'],
      [{ score: 6 }, 'score'],
      [{ score: 4, comment: 'x'.repeat(1001) }, 'comment'],
    ]) {
      const r = await rate(v, conv.id, body);
      assert.equal(r.status, 422, `${JSON.stringify(body).slice(0, 60)} → ${r.status} ${r.text}`);
      assert.equal(r.body.error.field, field);
    }
    for (const [body, named] of [
      [{ score: '5' }, /score/],
      [{ score: 4.5 }, /score/],
      [{}, /score/],
      [{ score: 4, comment: 7 }, /comment/],
      [{ score: 4, stars: 4 }, /stars/],
    ]) {
      const r = await rate(v, conv.id, body);
      assert.equal(r.status, 422, `${JSON.stringify(body)} → ${r.status} ${r.text}`);
      assert.equal(r.body.error.code, 'invalid_body');
      assert.match(r.body.error.message, named);
    }
    assert.equal((await detail(conv.id)).rating, null, 'nothing stored');
    const stranger = await newVisitor(w);
    assert.equal((await rate(stranger, conv.id, { score: 1 })).status, 404);

    const r = await rate(v, conv.id, { score: 4, comment: '  Quick and kind — ありがとう  ' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.conversation.rating, 4);
    assert.equal(r.body.event.type, 'rating');
    assert.deepEqual([r.body.event.data.score, r.body.event.data.comment], [4, 'Quick and kind — ありがとう']);
    assert.equal(r.body.event.data.assignee_id, owner.operator.id, 'credited to who had the conversation');
    const live = await visitorSocket.frame((f) => f.type === 'event' && f.event.type === 'rating', 'rating event');
    assert.equal(live.event.seq, r.body.event.seq);

    const twice = await rate(v, conv.id, { score: 1, comment: 'changed my mind' });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.error.code, 'already_rated');
    const stored = await detail(conv.id);
    assert.equal(stored.rating.score, 4, 'the first rating stays');
    assert.equal(stored.rating.comment, 'Quick and kind — ありがとう');
    const events = (await w('GET', `/conversations/${conv.id}/messages`, { token: v.token })).body.results;
    assert.equal(events.filter((e) => e.type === 'rating').length, 1, 'one rating event');
    await visitorSocket.close();
  });

  test('owners_read_ratings_per_operator_and_department_from_d1', async () => {
    const agent = await addOperator(api, owner, 'agent');
    const before = (await api('GET', '/api/admin/reports/ratings', { token: owner.token })).body.total.count;
    const scores = [5, 3];
    for (const score of scores) {
      const { v, conv } = await liveConversation();
      assert.equal((await w('POST', `/conversations/${conv.id}/close`, { token: v.token })).status, 200);
      assert.equal((await rate(v, conv.id, { score })).status, 200);
    }
    // D1 follows the rooms behind their acks: the report reads D1.
    const report = await eventually(async () => {
      const r = await api('GET', '/api/admin/reports/ratings', { token: owner.token });
      assert.equal(r.status, 200, r.text);
      return r.body.total.count >= before + scores.length && r.body;
    }, 'ratings in D1');
    const mine = report.by_operator.find((o) => o.id === owner.operator.id);
    assert.ok(mine, JSON.stringify(report.by_operator));
    assert.ok(mine.count >= 2);
    assert.equal(mine.scores.reduce((a, b) => a + b, 0), mine.count);
    assert.ok(mine.scores[4] >= 1 && mine.scores[2] >= 1, JSON.stringify(mine.scores));
    assert.equal(report.by_department.reduce((n, d) => n + d.count, 0), report.total.count, 'every rating is in one department');
    assert.ok(report.total.average >= 1 && report.total.average <= 5);

    const empty = await api('GET', `/api/admin/reports/ratings?from=1000&to=2000`, { token: owner.token });
    assert.equal(empty.body.total.count, 0, 'a period without ratings');
    assert.equal((await api('GET', '/api/admin/reports/ratings?from=2000&to=1000', { token: owner.token })).status, 422);
    assert.equal((await api('GET', '/api/admin/reports/ratings?from=soon', { token: owner.token })).status, 422);
    assert.equal((await api('GET', '/api/admin/reports/ratings', { token: agent.token })).status, 403, 'owners and admins only');
    const otherTenant = await signup(api, { company: 'Elsewhere' });
    assert.equal((await api('GET', '/api/admin/reports/ratings', { token: otherTenant.token })).body.total.count, 0, "another tenant's ratings are not counted");
  });

  test('a_tenant_that_switched_ratings_off_gets_none', async () => {
    const tenant = await signup(api, { company: 'No Survey Co' });
    await quietBot(api, tenant);
    const ww = widgetClient(worker.url, (await makeKey(api, tenant)).key);
    const set = await api('PATCH', '/api/admin/settings', { token: tenant.token, body: { widget: { csat: false } } });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.widget.csat, false);
    assert.equal((await api('PATCH', '/api/admin/settings', { token: tenant.token, body: { widget: { csat: 'no' } } })).status, 422);
    const config = await ww('GET', '/config');
    assert.equal(config.body.widget.csat, false, 'the widget is told not to ask');
    const v = await newVisitor(ww);
    const conv = await newConversation(ww, v, { client_request_id: randomUUID() });
    assert.equal((await ww('POST', `/conversations/${conv.id}/close`, { token: v.token })).status, 200);
    const r = await ww('POST', `/conversations/${conv.id}/rating`, { token: v.token, body: { score: 5 } });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'ratings_off');
    assert.equal((await api('GET', `/api/admin/conversations/${conv.id}`, { token: tenant.token })).body.rating, null);
  });
});

describe('visitor context', () => {
  const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
  const page = (v, id, body, ua = IPHONE) => w('POST', `/conversations/${id}/page`, { token: v.token, body, headers: { 'user-agent': ua } });
  const operatorEvents = async (id) => (await api('GET', `/api/admin/conversations/${id}/messages?limit=500`, { token: owner.token })).body.results;

  test('the_pages_a_visitor_is_on_reach_operators_only_with_browser_device_and_time_zone', async () => {
    const { v, conv } = await liveConversation();
    const visitorSocket = await openSocket(worker.url, conv.id, v.token, { origin: SITE_ORIGIN });
    await visitorSocket.frame((f) => f.type === 'hello', 'hello');
    const op = await openSocket(worker.url, conv.id, owner.token, {});
    await op.frame((f) => f.type === 'hello', 'hello');

    const first = await page(v, conv.id, { url: 'https://shop.example.com/shoes?size=42', title: 'Running shoes', referrer: 'https://search.example/?q=shoes', tz: 'Asia/Seoul', language: 'ko-KR' });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.body.event.type, 'page');
    assert.equal(first.body.event.private, true);
    const seen = await op.frame((f) => f.type === 'event' && f.event.type === 'page', 'the page at the operator');
    assert.deepEqual(
      ['url', 'title', 'referrer', 'tz', 'language', 'browser', 'os', 'device'].map((k) => seen.event.data[k]),
      ['https://shop.example.com/shoes?size=42', 'Running shoes', 'https://search.example/?q=shoes', 'Asia/Seoul', 'ko-KR', 'Safari 17', 'iOS', 'phone'],
    );
    const again = await page(v, conv.id, { url: 'https://shop.example.com/shoes?size=42', title: 'Running shoes' });
    assert.equal(again.status, 200, 'the same page again is nothing new');
    assert.equal(again.body.duplicate, true);
    assert.equal((await page(v, conv.id, { url: 'https://shop.example.com/cart', title: 'Cart' })).status, 201);

    for (const [body, field] of [
      [{ url: 'javascript:alert(1)' }, 'url'],
      [{ url: 'https://shop.example.com/', referrer: 'file:///etc/passwd' }, 'referrer'],
      [{ url: 'https://shop.example.com/', title: 'x'.repeat(301) }, 'title'],
      [{ url: 'https://shop.example.com/', tz: "Asia/Seoul'; --" }, 'tz'],
    ]) {
      const r = await page(v, conv.id, body);
      assert.equal(r.status, 422, `${JSON.stringify(body)} → ${r.text}`);
      assert.equal(r.body.error.field, field);
    }
    assert.equal((await page(v, conv.id, { url: 'https://shop.example.com/', cookie: 'x' })).body.error.code, 'invalid_body');
    const stranger = await newVisitor(w);
    assert.equal((await page(stranger, conv.id, { url: 'https://shop.example.com/' })).status, 404);

    const pages = (await operatorEvents(conv.id)).filter((e) => e.type === 'page');
    assert.deepEqual(pages.map((e) => e.text), ['Running shoes', 'Cart'], 'two page views, in order; nothing from the refusals');
    // The visitor never sees them: not in their history, not on their socket.
    const history = (await w('GET', `/conversations/${conv.id}/messages`, { token: v.token })).body.results;
    assert.equal(history.filter((e) => e.type === 'page').length, 0);
    const marker = visitorSocket.sendMessage('still here');
    await visitorSocket.frame((f) => f.type === 'ack' && f.client_msg_id === marker, 'ack');
    assert.equal(visitorSocket.events().filter((e) => e.type === 'page').length, 0);
    // Lists read D1, which follows the room: once it has the message, the page views did not replace it.
    const row = async () => (await api('GET', '/api/admin/conversations', { token: owner.token })).body.results.find((c) => c.id === conv.id);
    const before = await eventually(async () => { const r = await row(); return r.last_message_preview === 'still here' && r; }, 'the message in the list');
    assert.equal((await page(v, conv.id, { url: 'https://shop.example.com/checkout', title: 'Checkout' })).status, 201);
    const after = await eventually(async () => { const r = await row(); return r.updated_at > before.updated_at && r; }, 'the page view in D1');
    assert.equal(after.last_message_preview, 'still here', 'a page view is not a message');
    await visitorSocket.close();
    await op.close();
  });

  test('a_tenant_that_switched_page_tracking_off_stores_no_pages', async () => {
    const tenant = await signup(api, { company: 'Private Co' });
    await quietBot(api, tenant);
    const ww = widgetClient(worker.url, (await makeKey(api, tenant)).key);
    const set = await api('PATCH', '/api/admin/settings', { token: tenant.token, body: { widget: { page_tracking: false } } });
    assert.equal(set.status, 200, set.text);
    assert.equal((await ww('GET', '/config')).body.widget.page_tracking, false, 'the widget is told');
    const v = await newVisitor(ww);
    const conv = await newConversation(ww, v, { client_request_id: randomUUID() });
    const r = await ww('POST', `/conversations/${conv.id}/page`, { token: v.token, body: { url: 'https://shop.example.com/' } });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'page_tracking_off');
    const events = (await api('GET', `/api/admin/conversations/${conv.id}/messages`, { token: tenant.token })).body.results;
    assert.equal(events.filter((e) => e.type === 'page').length, 0);
  });
});

describe('pre-chat form and department choice', () => {
  async function site(prechat) {
    const tenant = await signup(api, { company: `Prechat ${randomUUID().slice(0, 6)}` });
    await quietBot(api, tenant);
    const key = await makeKey(api, tenant);
    const set = await api('PATCH', '/api/admin/settings', { token: tenant.token, body: { widget: { prechat } } });
    assert.equal(set.status, 200, set.text);
    return { tenant, key, ww: widgetClient(worker.url, key.key) };
  }
  const start = (ww, v, body = {}) => ww('POST', '/conversations', { token: v.token, body: { client_request_id: randomUUID(), ...body } });

  test('required_details_are_asked_before_the_first_message_and_bad_ones_change_nothing', async () => {
    const { tenant, ww } = await site({ fields: 'name_email', name_required: true, email_required: false, when: 'start' });
    const config = (await ww('GET', '/config')).body;
    assert.deepEqual(config.widget.prechat, { fields: 'name_email', name_required: true, email_required: false, when: 'start' });
    const v = await newVisitor(ww);
    const refused = await start(ww, v, { message: { client_msg_id: randomUUID(), text: 'hello' } });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error.code, 'details_required');
    assert.equal(refused.body.error.field, 'name');
    assert.deepEqual((await api('GET', '/api/admin/conversations', { token: tenant.token })).body.results, [], 'nothing started');

    for (const [body, status] of [[{ email: 'not an email' }, 422], [{ name: 'x'.repeat(101) }, 422], [{ name: 'Kai', phone: '1' }, 422]]) {
      assert.equal((await ww('PATCH', '/visitor', { token: v.token, body })).status, status, JSON.stringify(body));
    }
    assert.equal((await ww('PATCH', '/visitor', { body: { name: 'Kai' } })).status, 401, 'a visitor token is needed');
    const given = await ww('PATCH', '/visitor', { token: v.token, body: { name: '  Kai Tanaka ', email: '' } });
    assert.equal(given.status, 200, given.text);
    assert.deepEqual([given.body.visitor.name, given.body.visitor.email], ['Kai Tanaka', null], 'trimmed; an empty optional field stays unset');
    const started = await start(ww, v, { message: { client_msg_id: randomUUID(), text: 'hello' } });
    assert.equal(started.status, 201, started.text);
    const detail = (await api('GET', `/api/admin/conversations/${started.body.conversation.id}`, { token: tenant.token })).body;
    assert.equal(detail.visitor.name, 'Kai Tanaka', 'the operator sees the name');
    const preflight = await client(worker.url)('OPTIONS', `/api/widget/visitor?key=${(await makeKey(api, tenant)).key}`, { headers: { origin: SITE_ORIGIN, 'access-control-request-method': 'PATCH' } });
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /PATCH/, 'browsers may send the form');
  });

  test('details_asked_at_the_handoff_do_not_hold_the_bot_and_a_verified_visitor_keeps_what_the_site_said', async () => {
    const { tenant, ww } = await site({ fields: 'name_email', name_required: true, email_required: true, when: 'handoff' });
    const v = await newVisitor(ww);
    const conv = (await start(ww, v, { message: { client_msg_id: randomUUID(), text: 'hi bot' } })).body.conversation;
    assert.equal(conv.status, 'bot', 'the bot needs no details');
    const early = await ww('POST', `/conversations/${conv.id}/handoff`, { token: v.token, body: {} });
    assert.equal(early.status, 422);
    assert.equal(early.body.error.field, 'name');
    assert.equal((await ww('PATCH', '/visitor', { token: v.token, body: { name: 'Mina' } })).status, 200);
    assert.equal((await ww('POST', `/conversations/${conv.id}/handoff`, { token: v.token, body: {} })).body.error.field, 'email');
    assert.equal((await ww('PATCH', '/visitor', { token: v.token, body: { email: 'mina@example.com' } })).status, 200);
    const handed = await ww('POST', `/conversations/${conv.id}/handoff`, { token: v.token, body: {} });
    assert.equal(handed.status, 200, handed.text);
    assert.equal(handed.body.conversation.status, 'queued');

    // A verified visitor: what their site told us is kept.
    const secret = (await api('POST', '/api/admin/identity-secret', { token: tenant.token })).body.secret;
    const { createHmac } = await import('node:crypto');
    const hash = createHmac('sha256', secret).update('user-7').digest('hex');
    const verified = await newVisitor(ww, { external_id: 'user-7', hash, name: 'Site Name' });
    const overwrite = await ww('PATCH', '/visitor', { token: verified.token, body: { name: 'Someone Else' } });
    assert.equal(overwrite.status, 409);
    assert.equal(overwrite.body.error.code, 'set_by_site');
    const filled = await ww('PATCH', '/visitor', { token: verified.token, body: { email: 'seven@example.com' } });
    assert.equal(filled.status, 200, 'what the site did not say can be given');
    assert.deepEqual([filled.body.visitor.name, filled.body.visitor.email], ['Site Name', 'seven@example.com']);
  });

  test('visitors_choose_among_the_departments_the_widget_offers_labelled_in_their_language', async () => {
    const { tenant, ww } = await site({ fields: 'off' });
    const made = async (body) => {
      const r = await api('POST', '/api/admin/departments', { token: tenant.token, body });
      assert.equal(r.status, 201, r.text);
      return r.body;
    };
    const sales = await made({ name: 'Sales', widget_visible: true, widget_labels: { ja: '購入前のご相談', ko: '' } });
    assert.deepEqual(sales.widget_labels, { ja: '購入前のご相談' }, 'an empty label is no label');
    const billing = await made({ name: 'Billing' });
    const hidden = await made({ name: 'Internal' });
    assert.equal((await api('POST', '/api/admin/departments', { token: tenant.token, body: { name: 'Bad', widget_labels: { de: 'Verkauf' } } })).status, 422);
    const patched = await api('PATCH', `/api/admin/departments/${billing.id}`, { token: tenant.token, body: { widget_visible: true, widget_labels: { ja: 'お支払い' } } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.name, 'Billing', 'the name stays');

    const ja = (await ww('GET', '/config?locale=ja')).body.departments;
    assert.deepEqual(ja.map((d) => d.label).sort(), ['お支払い', '購入前のご相談']);
    const en = (await ww('GET', '/config?locale=en')).body.departments;
    assert.deepEqual(en.map((d) => d.label).sort(), ['Billing', 'Sales'], 'the name where a language has no label');

    const v = await newVisitor(ww);
    const conv = (await start(ww, v)).body.conversation;
    const wrong = await ww('POST', `/conversations/${conv.id}/handoff`, { token: v.token, body: { department_id: hidden.id } });
    assert.equal(wrong.status, 422, 'a department the widget does not offer');
    assert.equal(wrong.body.error.field, 'department_id');
    const chosen = await ww('POST', `/conversations/${conv.id}/handoff`, { token: v.token, body: { department_id: billing.id } });
    assert.equal(chosen.status, 200, chosen.text);
    assert.equal(chosen.body.conversation.department_id, billing.id);
    const audit = (await api('GET', '/api/admin/audit-log', { token: tenant.token })).body.results;
    assert.ok(audit.some((e) => e.action === 'department.widget_changed' && e.target_id === billing.id));
  });
});

describe('exports', () => {
  test('conversations_and_events_stream_as_json_and_csv_past_a_page_with_formulas_defused', async () => {
    const tenant = await signup(api, { company: 'Export Co' });
    await quietBot(api, tenant);
    const ww = widgetClient(worker.url, (await makeKey(api, tenant)).key);
    const agent = await addOperator(api, tenant, 'agent');
    const COUNT = 505; // past one page of 500
    const made = [];
    for (let i = 0; i < COUNT; i += 25) {
      made.push(...(await Promise.all(Array.from({ length: Math.min(25, COUNT - i) }, async (_, k) => {
        const v = await newVisitor(ww, i + k === 0 ? { name: "=cmd|' /C calc'!A0" } : {});
        return { v, conv: await newConversation(ww, v, { client_request_id: randomUUID(), message: { client_msg_id: randomUUID(), text: `hello ${i + k}` } }) };
      }))));
    }
    const first = made[0];
    await api('POST', `/api/admin/conversations/${first.conv.id}/messages`, { token: tenant.token, body: { client_msg_id: randomUUID(), text: 'internal, "quoted"\nsecond line', private: true } });
    const get = (path, token = tenant.token) => client(worker.url)('GET', path, { token });
    // Exports read D1, which follows the rooms.
    const all = await eventually(async () => {
      const r = await get('/api/admin/exports/conversations');
      assert.equal(r.status, 200, r.text);
      return r.body.length === COUNT && r.body;
    }, 'every conversation in D1', 60_000);
    assert.match((await get('/api/admin/exports/conversations')).headers.get('content-disposition'), /attachment; filename="edgechat-conversations\.json"/);
    assert.equal(new Set(all.map((c) => c.id)).size, COUNT, 'no row twice across the page boundary');
    assert.deepEqual(new Set(all.map((c) => c.id)), new Set(made.map((m) => m.conv.id)), 'and none missing');
    assert.ok(all.every((c, i) => i === 0 || all[i - 1].created_at <= c.created_at), 'oldest first');

    const csv = await get('/api/admin/exports/conversations?format=csv');
    assert.match(csv.headers.get('content-type'), /text\/csv/);
    const lines = csv.text.trimEnd().split('\r\n');
    assert.equal(lines.length, COUNT + 1, 'a header and a row per conversation');
    assert.match(lines[0], /^id,status,created_at,closed_at,/);
    const risky = lines.find((l) => l.includes('cmd|'));
    assert.ok(risky.includes(`"'=cmd|' /C calc'!A0"`) || risky.includes(`'=cmd|' /C calc'!A0`), `a formula is never a formula: ${risky}`);

    await eventually(async () => (await get(`/api/admin/exports/events?conversation=${first.conv.id}`)).body.some?.((e) => e.type === 'note'), 'the note in D1');
    const events = (await get(`/api/admin/exports/events?conversation=${first.conv.id}`)).body;
    assert.deepEqual(events.map((e) => e.type).filter((t) => t === 'message' || t === 'note'), ['message', 'note']);
    assert.ok(events.every((e) => e.conversation_id === first.conv.id && e.type !== 'read' && e.type !== 'page'));
    const eventsCsv = (await get(`/api/admin/exports/events?conversation=${first.conv.id}&format=csv`, agent.token));
    assert.equal(eventsCsv.status, 200, 'any operator exports one conversation');
    assert.ok(eventsCsv.text.includes('"internal, ""quoted""\nsecond line"'), 'commas, quotes and line breaks quoted');
    const everyEvent = await get('/api/admin/exports/events?format=csv');
    assert.ok(everyEvent.text.trimEnd().split('\r\n').length >= COUNT + 2, 'all events of all conversations, past a page');

    assert.equal((await get('/api/admin/exports/conversations', agent.token)).status, 403, 'sets are for owners and admins');
    assert.equal((await get('/api/admin/exports/conversations?format=xml')).status, 422);
    assert.equal((await get('/api/admin/exports/conversations?status=lost')).status, 422);
    assert.deepEqual((await get(`/api/admin/exports/conversations?conversation=${first.conv.id}`, owner.token)).body, [], "another tenant's conversation is not there");
    const audit = (await get('/api/admin/audit-log')).body.results;
    assert.ok(audit.some((e) => e.action === 'export' && e.detail.what === 'conversations' && e.detail.format === 'csv'), 'exports are audited');
  });
});

describe('a deployment without email', () => {
  test('offers_no_email_transcript_refuses_one_and_still_takes_messages_left_for_the_team', async () => {
    assert.equal((await api('GET', '/api/admin/settings', { token: owner.token })).body.email_available, false, 'no MAIL_FROM here');
    assert.equal((await w('GET', '/config')).body.widget.transcript_email, false, 'the widget offers none');
    const v = await newVisitor(w);
    const conv = await newConversation(w, v, { client_request_id: randomUUID(), message: { client_msg_id: randomUUID(), text: 'Anyone there?' } });
    const r = await w('POST', `/conversations/${conv.id}/transcript/email`, { token: v.token, body: { email: 'kai@visitor.example' } });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'email_off');
    assert.equal((await w('POST', `/conversations/${conv.id}/handoff`, { token: v.token, body: {} })).status, 200);
    assert.equal((await w('POST', `/conversations/${conv.id}/contact`, { token: v.token, body: { email: 'kai@visitor.example' } })).status, 200);
    const events = (await api('GET', `/api/admin/conversations/${conv.id}/messages`, { token: owner.token })).body.results;
    assert.ok(events.some((e) => e.data?.contact === 'kai@visitor.example'), 'the address is left');
    assert.ok(!events.some((e) => e.type === 'mail'), 'and no mail is recorded');
    const text = await w('GET', `/conversations/${conv.id}/transcript`, { token: v.token });
    assert.equal(text.status, 200, 'downloads need no email');
    assert.ok(text.text.includes('You: Anyone there?'));
  });
});

describe('summaries', () => {
  test('a_handoff_and_a_close_leave_a_summary_for_operators_that_search_and_exports_find', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v, { client_request_id: randomUUID(), message: { client_msg_id: randomUUID(), text: 'Where is my order #A-10492?' } });
    const send = (text) => w('POST', `/conversations/${conv.id}/messages`, { token: v.token, body: { client_msg_id: randomUUID(), text } });
    assert.equal((await send('It was a gift, the other one is 778899')).status, 201);
    assert.equal((await w('POST', `/conversations/${conv.id}/handoff`, { token: v.token, body: {} })).status, 200);
    const adminEvents = async () => (await api('GET', `/api/admin/conversations/${conv.id}/messages`, { token: owner.token })).body.results;
    // The summary follows the handoff's answer (with the category rules, in a command of the room's own).
    const atHandoff = await eventually(async () => (await adminEvents()).find((e) => e.type === 'summary'), 'the handoff summary');
    assert.equal(atHandoff.private, true);
    assert.equal(atHandoff.author.type, 'system');
    assert.deepEqual(atHandoff.data.order_refs, ['A-10492', '778899']);
    assert.equal(atHandoff.data.at, 'handoff');
    assert.equal(atHandoff.data.first_question, 'Where is my order #A-10492?');
    assert.match(atHandoff.text, /^First question: Where is my order #A-10492\?\nOrder references: A-10492, 778899\nVisitor: Where is my order/);
    const visitorView = (await w('GET', `/conversations/${conv.id}/messages`, { token: v.token })).body.results;
    assert.ok(!visitorView.some((e) => e.type === 'summary'), 'visitors never see it');

    assert.equal((await api('POST', `/api/admin/conversations/${conv.id}/takeover`, { token: owner.token })).status, 200);
    assert.equal((await api('POST', `/api/admin/conversations/${conv.id}/messages`, { token: owner.token, body: { client_msg_id: randomUUID(), text: 'Both ship tomorrow' } })).status, 201);
    assert.equal((await api('POST', `/api/admin/conversations/${conv.id}/close`, { token: owner.token })).status, 200);
    const atClose = await eventually(async () => (await adminEvents()).filter((e) => e.type === 'summary')[1], 'the close summary');
    assert.equal(atClose.data.at, 'close');
    assert.deepEqual(atClose.data.last.at(-1), { who: 'operator', name: 'Owner Person', text: 'Both ship tomorrow' });

    // Found by words only the summary has (its list of references; D1 follows the room).
    const q = encodeURIComponent('A-10492, 778899');
    const found = await eventually(async () => (await api('GET', `/api/admin/conversations?status=closed&q=${q}`, { token: owner.token })).body.results.find((c) => c.id === conv.id), 'search by the summary');
    assert.equal(found.id, conv.id);
    const exported = (await api('GET', `/api/admin/exports/events?format=json&conversation=${conv.id}`, { token: owner.token })).body;
    assert.equal(exported.filter((e) => e.type === 'summary').length, 2, 'in the events export');

  });
});

describe('categories', () => {
  test('conversations_get_a_category_from_the_rules_at_handoff_unless_an_operator_chose_and_lists_filter_by_it', async () => {
    const tenant = await signup(api, { company: `Sorted ${randomUUID().slice(0, 6)}` });
    const ww = widgetClient(worker.url, (await makeKey(api, tenant)).key);
    const faq = (await api('POST', '/api/admin/faq', { token: tenant.token, body: { question: 'How do I get a refund?', answer: 'Refunds take 5 days.', keywords: ['refund'] } })).body;
    const create = (body, token = tenant.token) => api('POST', '/api/admin/categories', { token, body });
    const shipping = await create({ name: ' Shipping ', keywords: ['Parcel', '配送', 'parcel'] });
    assert.equal(shipping.status, 201, shipping.text);
    assert.deepEqual([shipping.body.name, shipping.body.keywords], ['Shipping', ['parcel', '配送']]);
    const billing = (await create({ name: 'Billing', faq_ids: [faq.id] })).body;
    for (const [body, status, field] of [[{ name: 'Shipping' }, 409], [{ name: '' }, 422, 'name'], [{ name: 'X', faq_ids: ['nope'] }, 422, 'faq_ids'], [{ name: 'Y', keywords: [''] }, 422, 'keywords'], [{ name: 'Z', colour: 'red' }, 422]]) {
      const r = await create(body);
      assert.equal(r.status, status, JSON.stringify(body));
      if (field) assert.equal(r.body.error.field, field);
    }
    const agent = await addOperator(api, tenant, 'agent');
    assert.equal((await create({ name: 'Agents cannot' }, agent.token)).status, 403);
    assert.deepEqual((await api('GET', '/api/admin/categories', { token: agent.token })).body.results.map((c) => c.name), ['Shipping', 'Billing'], 'everyone reads them, in order');

    const start = async (text) => {
      const v = await newVisitor(ww);
      const conv = await newConversation(ww, v, { client_request_id: randomUUID(), message: { client_msg_id: randomUUID(), text } });
      return { v, conv };
    };
    const detailOf = async (id) => (await api('GET', `/api/admin/conversations/${id}`, { token: tenant.token })).body;
    const eventsOf = async (id) => (await api('GET', `/api/admin/conversations/${id}/messages`, { token: tenant.token })).body.results;
    // By a keyword the visitor wrote (in Japanese too).
    const parcel = await start('荷物の配送はいつですか');
    assert.equal((await ww('POST', `/conversations/${parcel.conv.id}/handoff`, { token: parcel.v.token, body: {} })).status, 200);
    // The rules run just after the handoff's answer (they read D1; the handoff does not wait for it).
    await eventually(async () => (await detailOf(parcel.conv.id)).category_id === shipping.body.id, 'classified by a keyword');
    const [auto] = (await eventsOf(parcel.conv.id)).filter((e) => e.type === 'category');
    assert.deepEqual([auto.private, auto.data.by, auto.data.name], [true, 'rules', 'Shipping']);
    // By the FAQ answer the bot gave.
    const refund = await start('I want a refund');
    await eventually(async () => (await eventsOf(refund.conv.id)).some((e) => e.author.type === 'bot' && e.data?.faq_id === faq.id), 'the bot answers from the FAQ');
    assert.equal((await ww('POST', `/conversations/${refund.conv.id}/handoff`, { token: refund.v.token, body: {} })).status, 200);
    await eventually(async () => (await detailOf(refund.conv.id)).category_id === billing.id, 'classified by the FAQ answer');

    // An operator's choice stays, through the close.
    const set = await api('PATCH', `/api/admin/conversations/${parcel.conv.id}`, { token: agent.token, body: { category_id: billing.id } });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.conversation.category_id, billing.id);
    assert.equal(set.body.event.data.by, 'operator');
    assert.equal((await api('POST', `/api/admin/conversations/${parcel.conv.id}/close`, { token: tenant.token })).status, 200);
    // The rules' turn after the close comes in one command with the summary: once that is there, it ran.
    await eventually(async () => (await eventsOf(parcel.conv.id)).filter((e) => e.type === 'summary').length === 2, 'the close summary');
    assert.equal((await detailOf(parcel.conv.id)).category_id, billing.id, 'the rules do not override it');
    for (const [body, field] of [[{ category_id: 'nope' }, 'category_id'], [{ category_id: randomUUID() }, 'category_id'], [{}, 'category_id'], [{ category_id: 5 }, null]]) {
      const r = await api('PATCH', `/api/admin/conversations/${parcel.conv.id}`, { token: tenant.token, body });
      assert.equal(r.status, 422, JSON.stringify(body));
      if (field) assert.equal(r.body.error.field, field);
    }
    assert.equal((await detailOf(parcel.conv.id)).category_id, billing.id, 'bad input changes nothing');

    // Lists filter by it (D1 follows the rooms); the export names it.
    const ids = async (q) => (await api('GET', `/api/admin/conversations?${q}`, { token: tenant.token })).body.results.map((c) => c.id).sort();
    await eventually(async () => (await ids(`status=closed&category=${billing.id}`)).includes(parcel.conv.id), 'the closed one under Billing');
    await eventually(async () => JSON.stringify(await ids(`status=open&category=${billing.id}`)) === JSON.stringify([refund.conv.id]), 'the open one under Billing');
    assert.equal((await api('GET', '/api/admin/conversations?category=nope', { token: tenant.token })).status, 422);
    const exported = (await api('GET', `/api/admin/exports/conversations?format=json&conversation=${parcel.conv.id}`, { token: tenant.token })).body;
    assert.equal(exported[0].category, 'Billing');
    assert.match(exported[0].summary, /^First question: 荷物の配送はいつですか/);

    const cleared = await api('PATCH', `/api/admin/conversations/${parcel.conv.id}`, { token: tenant.token, body: { category_id: null } });
    assert.equal(cleared.body.conversation.category_id, null);
    // "None" chosen by an operator stays through a reopen and another close.
    assert.equal((await api('POST', `/api/admin/conversations/${parcel.conv.id}/reopen`, { token: tenant.token })).status, 200);
    assert.equal((await api('POST', `/api/admin/conversations/${parcel.conv.id}/close`, { token: tenant.token })).status, 200);
    await eventually(async () => (await eventsOf(parcel.conv.id)).filter((e) => e.type === 'summary').length === 3, 'the second close summary');
    assert.equal((await detailOf(parcel.conv.id)).category_id, null, 'the rules do not put it back');
    // An agent changes the category of a conversation another operator has only as an admin could.
    assert.equal((await api('POST', `/api/admin/conversations/${refund.conv.id}/takeover`, { token: tenant.token })).status, 200);
    const notTheirs = await api('PATCH', `/api/admin/conversations/${refund.conv.id}`, { token: agent.token, body: { category_id: null } });
    assert.equal(notTheirs.status, 403);
    assert.equal((await detailOf(refund.conv.id)).category_id, billing.id);
    // An FAQ entry deleted since a category named it does not make the category uneditable.
    assert.equal((await api('DELETE', `/api/admin/faq/${faq.id}`, { token: tenant.token })).status, 204);
    const renamed = await api('PATCH', `/api/admin/categories/${billing.id}`, { token: tenant.token, body: { name: 'Payments', faq_ids: [faq.id] } });
    assert.equal(renamed.status, 200, renamed.text);
    assert.deepEqual([renamed.body.name, renamed.body.faq_ids], ['Payments', []]);
    assert.equal((await api('DELETE', `/api/admin/categories/${shipping.body.id}`, { token: tenant.token })).status, 204);
    assert.deepEqual((await api('GET', '/api/admin/categories', { token: tenant.token })).body.results.map((c) => c.name), ['Payments']);
  });
});
