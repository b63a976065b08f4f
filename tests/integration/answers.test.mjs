// Answers that understand people, against the real Worker: FAQ entries with a language and variants,
// "try a question" explaining why an entry matched, answers never crossing languages, the bot typing
// before it answers (after the visitor's ack) in the language the visitor wrote in, and its misses —
// no answer, or an answer followed by a request for a person — listed for the console, grouped, with
// the operator's reply, counted per week, resolved into an entry.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addOperator, client, signup } from '../helpers/api.mjs';
import { eventually, makeKey, SITE_ORIGIN, newConversation, newVisitor, openSocket, widgetClient } from '../helpers/chat.mjs';
import { startWorker } from '../helpers/worker.mjs';

let worker;
let api;
let owner;
let w;
const entries = {};
before(async () => {
  worker = await startWorker();
  api = client(worker.url);
  owner = await signup(api, { company: 'Answers Co' });
  w = widgetClient(worker.url, (await makeKey(api, owner)).key);
  for (const [name, entry] of Object.entries({
    refund: { question: 'When will I get my refund?', answer: 'Refunds reach your card within 5 business days.', variants: ['How long do refunds take?'] },
    address: { question: 'How do I change my delivery address?', answer: 'Edit it under Orders before the parcel ships.' },
    refundJa: { question: '返金はいつになりますか？', answer: '5営業日以内にカードへ返金します。' },
  })) {
    const r = await api('POST', '/api/admin/faq', { token: owner.token, body: entry });
    assert.equal(r.status, 201, r.text);
    entries[name] = r.body;
  }
});
after(() => worker?.stop());

const tryIt = async (text) => (await api('POST', '/api/admin/faq/try', { token: owner.token, body: { text } })).body;

describe('entries and matching', () => {
  test('entries_carry_a_language_and_variants_and_bad_ones_are_refused_without_changes', async () => {
    assert.equal(entries.refund.locale, 'en');
    assert.equal(entries.refundJa.locale, 'ja', 'the language is taken from the question');
    assert.deepEqual(entries.refund.variants, ['How long do refunds take?']);
    for (const [body, field] of [
      [{ variants: Array.from({ length: 21 }, (_, i) => `variant ${i}`) }, 'variants'],
      [{ variants: ['fine', ''] }, 'variants[1]'],
      [{ locale: 'de' }, 'locale'],
    ]) {
      const r = await api('PATCH', `/api/admin/faq/${entries.refund.id}`, { token: owner.token, body });
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.equal(r.body.error.field, field);
    }
    const notAList = await api('PATCH', `/api/admin/faq/${entries.refund.id}`, { token: owner.token, body: { variants: 'not a list' } });
    assert.equal(notAList.status, 422);
    assert.match(notAList.body.error.message, /variants/);
    const list = (await api('GET', '/api/admin/faq', { token: owner.token })).body.results;
    assert.deepEqual(list.find((e) => e.id === entries.refund.id).variants, ['How long do refunds take?'], 'unchanged');
    const agent = await addOperator(api, owner, 'agent');
    assert.equal((await api('PATCH', `/api/admin/faq/${entries.refund.id}`, { token: agent.token, body: { variants: [] } })).status, 403);
  });

  test('try_a_question_shows_which_words_and_which_variant_matched', async () => {
    const viaVariant = await tryIt('how long does a refund take');
    assert.equal(viaVariant.answered, true);
    assert.equal(viaVariant.results[0].id, entries.refund.id);
    assert.equal(viaVariant.results[0].via.kind, 'variant');
    assert.equal(viaVariant.results[0].via.text, 'How long do refunds take?');
    assert.ok(viaVariant.results[0].matched.includes('~refund'), JSON.stringify(viaVariant.results[0]));
    assert.ok(viaVariant.terms.includes('~duration'));
    assert.equal(viaVariant.mode, 'lexical', 'no provider bound');
    const synonym = await tryIt('I want my money back');
    assert.equal(synonym.results[0]?.id, entries.refund.id, 'a synonym from the lexicon finds the entry');
    const offTopic = await tryIt('do you sell gift cards for my card collection');
    assert.equal(offTopic.answered, false, JSON.stringify(offTopic.results[0]));
  });

  test('answers_never_cross_languages', async () => {
    const ja = await tryIt('返金してほしいです');
    assert.equal(ja.language, 'ja');
    assert.ok(ja.results.every((r) => r.locale === 'ja'), JSON.stringify(ja.results));
    assert.equal(ja.results[0].id, entries.refundJa.id);
    const ko = await tryIt('환불은 언제 되나요?');
    assert.equal(ko.count, 0, 'no Korean entries: no answer from another language');
    assert.equal(ko.answered, false);
  });
});

describe('the bot in a conversation', () => {
  test('the_bot_types_after_the_ack_then_answers_in_the_language_the_visitor_wrote_in', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v, { locale: 'en', menu_path: ['ask'] });
    const s = await openSocket(worker.url, conv.id, v.token, { afterSeq: 0, origin: SITE_ORIGIN });
    const cmid = s.sendMessage('返金はいつ届きますか？');
    const answer = await s.frame((f) => f.type === 'event' && f.event.author.type === 'bot', 'bot answer');
    const order = s.frames.map((f) => (f.type === 'ack' && f.client_msg_id === cmid ? 'ack' : f.type === 'typing' && f.author.type === 'bot' && f.on ? 'typing' : f === answer ? 'answer' : null)).filter(Boolean);
    assert.deepEqual(order, ['ack', 'typing', 'answer'], 'acked first, then typing, then the answer');
    assert.equal(answer.event.data.faq_id, entries.refundJa.id, 'a Japanese question gets the Japanese entry in an English conversation');
    assert.equal(answer.event.data.locale, 'ja');
    const fallback = await (async () => {
      s.sendMessage('이 상품 색상 있나요?');
      return s.frame((f) => f.type === 'event' && f.event.author.type === 'bot' && f.event.data?.fallback, 'fallback');
    })();
    assert.match(fallback.event.text, /죄송합니다/, 'the fallback is in Korean, as the visitor wrote');
    await s.close();
  });

  test('typing_time_is_a_flow_setting_and_suggestions_must_be_entries_of_the_tenant', async () => {
    const flow = (await api('GET', '/api/admin/bot', { token: owner.token })).body;
    assert.equal(flow.typing_ms, 600);
    assert.equal(flow.free_text, true);
    for (const [patch, field] of [
      [{ typing_ms: 5000 }, 'bot.typing_ms'],
      [{ suggestions: ['00000000-0000-4000-8000-000000000000'] }, 'bot.suggestions[0]'],
    ]) {
      const r = await api('PUT', '/api/admin/bot', { token: owner.token, body: { ...flow, ...patch } });
      assert.equal(r.status, 422, JSON.stringify(patch));
      assert.equal(r.body.error.field, field);
    }
    const quick = structuredClone(flow);
    quick.nodes[0].choices.push({ id: 'refunds', label: { en: 'Refunds' }, action: { type: 'faq', faq_id: entries.refund.id } });
    const ok = await api('PUT', '/api/admin/bot', { token: owner.token, body: { ...quick, typing_ms: 0, suggestions: [entries.refund.id] } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.typing_ms, 0);
    // A quick reply carries its answer to the widget, which answers it without creating anything.
    const config = (await w('GET', '/config?locale=en')).body;
    const choice = config.bot.nodes[0].choices.find((c) => c.id === 'refunds');
    assert.deepEqual(choice.action, { type: 'faq', faq_id: entries.refund.id, answer: entries.refund.answer });
    const ghost = structuredClone(quick);
    ghost.nodes[0].choices.at(-1).action.faq_id = '00000000-0000-4000-8000-000000000000';
    const refused = await api('PUT', '/api/admin/bot', { token: owner.token, body: ghost });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error.field, `bot.nodes[0].choices[${quick.nodes[0].choices.length - 1}].action.faq_id`);
  });
});

describe('quick replies', () => {
  test('suggested_questions_come_in_the_visitors_language_and_a_quick_reply_in_a_conversation_stores_choice_and_answer_once', async () => {
    const flow = (await api('GET', '/api/admin/bot', { token: owner.token })).body;
    const put = await api('PUT', '/api/admin/bot', { token: owner.token, body: { ...flow, typing_ms: 0, suggestions: [entries.refund.id, entries.refundJa.id] } });
    assert.equal(put.status, 200, put.text);
    const suggested = async (locale) => (await w('GET', `/config?locale=${locale}`)).body.bot.suggestions;
    assert.deepEqual(await suggested('en'), [{ faq_id: entries.refund.id, question: entries.refund.question, answer: entries.refund.answer }]);
    assert.deepEqual((await suggested('ja')).map((q) => q.faq_id), [entries.refundJa.id]);
    assert.deepEqual((await suggested('ko')).map((q) => q.faq_id), [entries.refund.id], 'no Korean entry: the default language');

    const v = await newVisitor(w);
    const conv = await newConversation(w, v, { locale: 'en', menu_path: ['ask'] });
    const before = (await w('GET', `/conversations/${conv.id}/messages`, { token: v.token })).body.results.length;
    const body = { faq_id: entries.refund.id, client_msg_id: 'qr-1' };
    const r = await w('POST', `/conversations/${conv.id}/quick-reply`, { token: v.token, body });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.duplicate, false);
    const again = await w('POST', `/conversations/${conv.id}/quick-reply`, { token: v.token, body });
    assert.equal(again.body.duplicate, true, 'a retry is the same choice');
    const events = (await w('GET', `/conversations/${conv.id}/messages`, { token: v.token })).body.results.slice(before);
    assert.deepEqual(events.map((e) => [e.author.type, e.text, e.data]), [
      ['visitor', entries.refund.question, { quick_reply: entries.refund.id }],
      ['bot', entries.refund.answer, { faq_id: entries.refund.id, quick_reply: true, question_seq: events[0].seq, asked: entries.refund.question, locale: 'en' }],
    ], 'the choice and its answer, stored once, read back at once');

    for (const [b, status, field] of [
      [{ faq_id: entries.address.id, client_msg_id: 'qr-2' }, 422, 'faq_id'],
      [{ faq_id: entries.refund.id }, 422, 'client_msg_id'],
      [{ faq_id: entries.refund.id, client_msg_id: 'qr-3', answer: 'free money' }, 422, 'answer'],
    ]) {
      const bad = await w('POST', `/conversations/${conv.id}/quick-reply`, { token: v.token, body: b });
      assert.equal(bad.status, status, JSON.stringify(b));
      assert.ok(bad.body.error.field === field || bad.body.error.message.includes(`\`${field}\``), JSON.stringify(bad.body.error));
    }
    const stranger = await newVisitor(w);
    const theirs = await w('POST', `/conversations/${conv.id}/quick-reply`, { token: stranger.token, body: { ...body, client_msg_id: 'qr-4' } });
    assert.ok([403, 404].includes(theirs.status), `another visitor: ${theirs.status}`);
    await w('POST', `/conversations/${conv.id}/handoff`, { token: v.token, body: {} });
    const late = await w('POST', `/conversations/${conv.id}/quick-reply`, { token: v.token, body: { ...body, client_msg_id: 'qr-5' } });
    assert.equal(late.status, 409, 'only while the bot has the conversation');
    const after = (await w('GET', `/conversations/${conv.id}/messages`, { token: v.token })).body.results;
    assert.equal(after.filter((e) => e.data?.quick_reply).length, 2, 'refusals changed nothing');
    // A person asked for right after a quick reply's answer: that answer was not enough.
    await eventually(async () => {
      const u = (await api('GET', '/api/admin/faq/unanswered', { token: owner.token })).body;
      return u.groups.some((g) => g.items.some((i) => i.conversation_id === conv.id && i.reason === 'asked_for_person' && i.faq_id === entries.refund.id && i.question === entries.refund.question));
    }, 'the quick reply listed as not enough');
  });
});

describe('typing before the first answer', () => {
  test('a_socket_that_joins_while_the_bot_types_is_told_so_after_its_replay', async () => {
    // Regression: the first message starts the conversation before the visitor's socket exists, so
    // the typing frame went to nobody and the widget never showed the bot typing.
    const flow = (await api('GET', '/api/admin/bot', { token: owner.token })).body;
    assert.equal((await api('PUT', '/api/admin/bot', { token: owner.token, body: { ...flow, typing_ms: 3000 } })).status, 200);
    const v = await newVisitor(w);
    const conv = await newConversation(w, v, { locale: 'en', message: { client_msg_id: 'first', text: 'how long do refunds take' } });
    const s = await openSocket(worker.url, conv.id, v.token, { afterSeq: 0, origin: SITE_ORIGIN });
    const typing = await s.frame((f) => f.type === 'typing' && f.author.type === 'bot' && f.on, 'bot typing');
    const answer = await s.frame((f) => f.type === 'event' && f.event.author.type === 'bot', 'bot answer');
    assert.ok(s.frames.indexOf(typing) < s.frames.indexOf(answer), 'typing, then the answer');
    assert.ok(s.frames.indexOf(typing) > s.frames.findIndex((f) => f.type === 'event' && f.event.client_msg_id === 'first'), 'after the replay');
    assert.equal(answer.event.data.faq_id, entries.refund.id);
    await s.close();
    assert.equal((await api('PUT', '/api/admin/bot', { token: owner.token, body: { ...flow, typing_ms: 0 } })).status, 200);
  });
});

describe('unanswered questions', () => {
  const unanswered = async () => (await api('GET', '/api/admin/faq/unanswered', { token: owner.token })).body;

  test('misses_are_listed_grouped_with_the_operators_reply_and_counted_per_week_then_resolved', async () => {
    // Two visitors ask about gift cards (no entry), one gets an operator's reply.
    const asked = [];
    for (const text of ['Do you sell gift cards?', 'can I buy gift cards here']) {
      const v = await newVisitor(w);
      const conv = await newConversation(w, v, { menu_path: ['ask'], message: { client_msg_id: `q-${text.length}`, text } });
      asked.push(conv);
      await eventually(async () => {
        const h = (await w('GET', `/conversations/${conv.id}/messages?limit=50`, { token: v.token })).body.results;
        return h.some((e) => e.author.type === 'bot' && e.data?.fallback);
      }, 'the fallback');
    }
    const reply = await api('POST', `/api/admin/conversations/${asked[0].id}/messages`, { token: owner.token, body: { client_msg_id: 'op-reply', text: 'Yes, at checkout under Gift cards.' } });
    assert.equal(reply.status, 201, reply.text);
    // Answered, then the visitor asked for a person: the answer was not enough.
    const v = await newVisitor(w);
    const conv = await newConversation(w, v, { menu_path: ['ask'], message: { client_msg_id: 'addr', text: 'how do I change my delivery address' } });
    await eventually(async () => {
      const h = (await w('GET', `/conversations/${conv.id}/messages?limit=50`, { token: v.token })).body.results;
      return h.some((e) => e.author.type === 'bot' && e.data?.faq_id === entries.address.id);
    }, 'the FAQ answer');
    assert.equal((await w('POST', `/conversations/${conv.id}/handoff`, { token: v.token, body: {} })).status, 200);

    const list = await eventually(async () => {
      const u = await unanswered();
      const gift = u.groups.find((g) => /gift/i.test(g.question));
      const addr = u.groups.find((g) => g.asked_for_person > 0 && g.items[0].faq_id === entries.address.id);
      return gift?.count === 2 && gift.reply && addr ? u : null;
    }, 'the misses in D1');
    const gift = list.groups[0];
    assert.match(gift.question, /gift/i, 'the largest group first');
    assert.equal(gift.no_answer, 2);
    assert.equal(gift.reply, 'Yes, at checkout under Gift cards.', "the operator's reply");
    const addr = list.groups.find((g) => g.asked_for_person > 0 && g.items[0].faq_id === entries.address.id);
    assert.ok(addr, 'the address answer that was not enough is listed');
    assert.equal(addr.items[0].reason, 'asked_for_person');
    assert.equal(list.weeks.length, 12);
    const thisWeek = list.weeks.at(-1);
    assert.ok(thisWeek.no_answer >= 2 && thisWeek.asked_for_person >= 1, JSON.stringify(thisWeek));
    assert.ok(new Date(thisWeek.week_start).getUTCDay() === 1, 'weeks start on Monday');

    // Refused: bad keys, other tenants' entries, agents.
    for (const [body, field] of [[{ keys: ['nope'] }, 'keys[0]'], [{ keys: [] }, 'keys'], [{ keys: [gift.items[0].key], faq_id: '00000000-0000-4000-8000-000000000000' }, 'faq_id']]) {
      const r = await api('POST', '/api/admin/faq/unanswered/resolve', { token: owner.token, body });
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.equal(r.body.error.field, field);
    }
    const agent = await addOperator(api, owner, 'agent');
    assert.equal((await api('POST', '/api/admin/faq/unanswered/resolve', { token: agent.token, body: { keys: [gift.items[0].key] } })).status, 403);
    assert.equal((await unanswered()).groups[0].count, 2, 'nothing changed');

    // One click: a new entry from the group, then the group is resolved by it.
    const made = await api('POST', '/api/admin/faq', { token: owner.token, body: { question: gift.question, answer: gift.reply, variants: gift.items.slice(1).map((i) => i.question) } });
    assert.equal(made.status, 201, made.text);
    const resolved = await api('POST', '/api/admin/faq/unanswered/resolve', { token: owner.token, body: { keys: gift.items.map((i) => i.key), faq_id: made.body.id } });
    assert.deepEqual(resolved.body, { resolved: 2, faq_id: made.body.id });
    const after = await unanswered();
    assert.ok(!after.groups.some((g) => /gift/i.test(g.question)), 'resolved questions leave the list');
    assert.ok(after.weeks.at(-1).resolved >= 2);
    assert.equal((await tryIt('do you sell gift cards')).results[0].id, made.body.id, 'the new entry answers it now');

    // Deleting a conversation deletes its misses.
    assert.equal((await api('DELETE', `/api/admin/conversations/${conv.id}`, { token: owner.token })).status, 204);
    assert.ok(!(await unanswered()).groups.some((g) => g.items.some((i) => i.conversation_id === conv.id)));
  });
});
