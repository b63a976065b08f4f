// The bot's answers in the widget, in real Chromium on a host page: suggested questions under the
// welcome and quick-reply menu choices answered before a conversation exists (nothing created), the
// bot typing before its answer, suggested questions stored in a conversation the bot has, and a
// choice-only flow without a text box until a person is asked for (phone, Japanese).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { client, signup } from '../helpers/api.mjs';
import { ARTIFACTS, launchBrowser, visitHost } from '../helpers/browser.mjs';
import { eventually, makeKey } from '../helpers/chat.mjs';
import { startWorker } from '../helpers/worker.mjs';

let worker;
let browser;
let api;
before(async () => {
  worker = await startWorker();
  api = client(worker.url);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await worker?.stop();
});

const snippet = (k, extra = '') => `<script src="${worker.url}/widget.js" data-key="${k}" ${extra} async></script>`;

/** A tenant with FAQ entries, a key for the host page, and its flow changed by `shape(flow, entries)`. */
async function tenant(shape) {
  const owner = await signup(api);
  const entries = {};
  for (const [name, body] of Object.entries({
    refund: { question: 'When will I get my refund?', answer: 'Refunds reach your card within 5 business days.' },
    address: { question: 'How do I change my delivery address?', answer: 'Edit it under Orders before the parcel ships.', keywords: ['address'] },
    refundJa: { question: '返金はいつになりますか？', answer: '5営業日以内にカードへ返金します。' },
  })) {
    const r = await api('POST', '/api/admin/faq', { token: owner.token, body });
    assert.equal(r.status, 201, r.text);
    entries[name] = r.body;
  }
  const flow = (await api('GET', '/api/admin/bot', { token: owner.token })).body;
  const put = await api('PUT', '/api/admin/bot', { token: owner.token, body: shape(flow, entries) });
  assert.equal(put.status, 200, put.text);
  const key = await makeKey(api, owner, ['http://127.0.0.1:*']);
  return { owner, entries, key };
}

const conversations = async (owner) => (await api('GET', '/api/admin/conversations', { token: owner.token })).body.results;
const pageErrors = (v) => v.errors.filter((e) => e.startsWith('pageerror') || /Uncaught/.test(e));

test('suggested_questions_and_quick_replies_answer_without_a_conversation_then_the_bot_types_and_stores_quick_replies_in_one', async () => {
  const t = await tenant((flow, e) => {
    flow.nodes[0].choices.unshift({ id: 'refunds', label: { en: 'Refunds' }, action: { type: 'faq', faq_id: e.refund.id } });
    return { ...flow, typing_ms: 1500, suggestions: [e.refund.id, e.refundJa.id] };
  });
  const v = await visitHost(browser, `<!doctype html><html><body><h1>Shop</h1>${snippet(t.key.key)}</body></html>`);
  try {
    await v.chat.getByRole('button', { name: 'Open chat' }).click();
    await v.chat.getByText('Hi! How can we help you today?').waitFor();
    const suggestion = v.chat.getByRole('button', { name: 'When will I get my refund?' });
    await suggestion.waitFor();
    assert.equal(await v.chat.getByRole('button', { name: '返金はいつになりますか？' }).count(), 0, 'only suggestions in the visitor language');
    await suggestion.click();
    await v.chat.locator('.g', { hasText: 'Refunds reach your card within 5 business days.' }).waitFor();
    await v.chat.getByRole('button', { name: 'Refunds' }).click();
    await eventually(async () => (await v.chat.locator('.g', { hasText: 'Refunds reach your card' }).count()) === 2, 'the quick reply answered too');
    assert.deepEqual(await conversations(t.owner), [], 'quick replies before a conversation create nothing');

    // A question typed: the bot types (after the visitor's message is shown), then answers.
    await v.chat.getByRole('textbox', { name: 'Type a message…' }).pressSequentially('how can I change the delivery address');
    await v.page.keyboard.press('Enter');
    const typing = v.chat.locator('.y');
    await eventually(async () => /typing/.test(await typing.textContent()), 'the bot typing');
    assert.equal(await v.chat.getByText('Edit it under Orders before the parcel ships.').count(), 0, 'typing comes before the answer');
    await v.chat.getByText('Edit it under Orders before the parcel ships.').waitFor();
    assert.equal(await typing.textContent(), '', 'the typing line is cleared by the answer');
    await v.page.screenshot({ path: `${ARTIFACTS}widget-answers-desktop.png` });

    // Under the bot's reply the suggestions come back; one chosen now is stored in the conversation.
    await v.chat.getByRole('button', { name: 'When will I get my refund?' }).click();
    const [conv] = await conversations(t.owner);
    const stored = async () => (await api('GET', `/api/admin/conversations/${conv.id}/messages`, { token: t.owner.token })).body.results;
    await eventually(async () => (await stored()).some((e) => e.author.type === 'bot' && e.data?.quick_reply), 'the quick reply stored');
    assert.deepEqual((await stored()).filter((e) => e.data?.quick_reply).map((e) => [e.author.type, e.text]), [
      ['visitor', 'When will I get my refund?'],
      ['bot', 'Refunds reach your card within 5 business days.'],
    ]);
    await v.page.reload();
    await v.chat.getByRole('button', { name: 'Open chat' }).click();
    await v.chat.locator('.g', { hasText: 'Refunds reach your card' }).first().waitFor();
    assert.equal(await v.chat.locator('.g', { hasText: 'Refunds reach your card' }).count(), 1, 'after a reload: only the stored answer');
    assert.deepEqual(pageErrors(v), []);
  } finally {
    await v.close();
  }
});

test('a_choice_only_flow_shows_no_text_box_until_a_person_is_asked_for_on_a_phone_in_japanese', async () => {
  const t = await tenant((flow, e) => ({
    ...flow,
    free_text: false,
    suggestions: [e.refundJa.id],
    root: 'start',
    nodes: [{
      id: 'start',
      text: { en: 'Choose a topic.', ja: 'ご用件を選んでください。' },
      choices: [{ id: 'person', label: { en: 'Talk to a person', ja: '担当者と話す' }, action: { type: 'handoff' } }],
    }],
  }));
  const v = await visitHost(browser, `<!doctype html><html lang="ja"><body>${snippet(t.key.key, 'data-locale="ja"')}</body></html>`, { viewport: { width: 390, height: 844 }, locale: 'ja-JP' });
  try {
    await v.chat.getByRole('button', { name: 'チャットを開く' }).click();
    const ask = v.chat.getByRole('button', { name: '返金はいつになりますか？' });
    await ask.waitFor();
    const box = v.chat.locator('textarea');
    assert.equal(await box.isVisible(), false, 'no text box in a choice-only flow');
    await ask.click();
    await v.chat.getByText('5営業日以内にカードへ返金します。').waitFor();
    await v.page.screenshot({ path: `${ARTIFACTS}widget-choice-only-phone-ja.png` });
    assert.equal(await box.isVisible(), false, 'still none after a quick reply');
    await v.chat.getByRole('button', { name: '担当者と話す' }).click();
    await box.waitFor({ state: 'visible' });
    const [conv] = await conversations(t.owner);
    assert.notEqual(conv.status, 'bot', 'a person was asked for');
    await v.page.screenshot({ path: `${ARTIFACTS}widget-choice-only-after-handoff-phone-ja.png` });
    assert.deepEqual(pageErrors(v), []);
  } finally {
    await v.close();
  }
});
