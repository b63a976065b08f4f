// The bot's answers in the console, in real Chromium against the real Worker: an FAQ entry made with
// a language and variants, "try a question" showing which variant and which words matched, the
// unanswered questions visitors asked (grouped, with the operator's reply) turned into an entry or a
// variant in one click or dismissed, weekly counts, and the flow's settings for quick replies,
// suggested questions, choice-only conversations and the typing pause. Desktop, phone and Japanese.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { client, PASSWORD, signup } from '../helpers/api.mjs';
import { ARTIFACTS, consoleSession, launchBrowser } from '../helpers/browser.mjs';
import { eventually, makeKey, newConversation, newVisitor, widgetClient } from '../helpers/chat.mjs';
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

const open = (owner, options) => consoleSession(browser, worker.url, owner.email, PASSWORD, options);

/** A visitor asks `text` and waits for the bot's fallback (no answer): a miss the console lists. */
async function unanswered(w, text) {
  const v = await newVisitor(w);
  const conv = await newConversation(w, v, { menu_path: ['ask'], message: { client_msg_id: `m-${text.length}-${Date.now()}`, text } });
  await eventually(async () => (await w('GET', `/conversations/${conv.id}/messages`, { token: v.token })).body.results.some((e) => e.data?.fallback), 'the fallback');
  return conv;
}

const tryIt = async (owner, text) => (await api('POST', '/api/admin/faq/try', { token: owner.token, body: { text } })).body;

test('an_entry_with_a_language_and_variants_is_made_in_the_editor_and_try_shows_the_variant_and_words_that_matched', async () => {
  const owner = await signup(api);
  const c = await open(owner);
  try {
    await c.page.goto(`${worker.url}/admin/settings/faq`);
    await c.page.getByLabel('Question', { exact: true }).fill('How do I return an item?');
    await c.page.getByLabel('Language').selectOption('en');
    await c.page.getByRole('button', { name: 'Add a variant' }).click();
    await c.page.getByLabel('Variant 1').fill('Can I send a product back?');
    await c.page.getByLabel('Variant 1').press('Enter');
    await c.page.getByLabel('Variant 2').fill('How do returns work?');
    await c.page.getByLabel('Answer').fill('Print the label from your orders page and drop the parcel off within 30 days.');
    await c.page.getByRole('button', { name: 'Add', exact: true }).click();
    const row = c.page.locator('.faq-entries tbody tr', { hasText: 'How do I return an item?' });
    await row.waitFor();
    assert.match(await row.textContent(), /Can I send a product back\?.*How do returns work\?/);
    const [entry] = (await api('GET', '/api/admin/faq', { token: owner.token })).body.results;
    assert.deepEqual([entry.locale, entry.variants], ['en', ['Can I send a product back?', 'How do returns work?']]);

    await c.page.getByLabel('Try a question').fill('how do returns work for shoes');
    await c.page.getByRole('button', { name: 'Ask' }).click();
    const result = c.page.locator('.try-result');
    await result.waitFor();
    assert.match(await result.textContent(), /The bot would answer/);
    const best = result.locator('.hit.best');
    assert.match(await best.locator('.why').textContent(), /variant 2/, 'which variant matched');
    assert.match(await best.locator('.via-text').textContent(), /How do returns work\?/);
    assert.ok((await best.locator('.chip').allTextContents()).includes('≈ return'), 'which words matched');
    await c.page.screenshot({ path: `${ARTIFACTS}console-faq-try.png`, fullPage: true });
    assert.deepEqual(c.problems, []);
  } finally {
    await c.context.close();
  }
});

test('unanswered_questions_become_an_entry_or_a_variant_in_one_click_or_are_dismissed_and_weeks_are_counted', async () => {
  const owner = await signup(api);
  const key = await makeKey(api, owner);
  const w = widgetClient(worker.url, key.key);
  const refund = (await api('POST', '/api/admin/faq', { token: owner.token, body: { question: 'When will I get my refund?', answer: 'Within 5 business days.' } })).body;
  const gift = await unanswered(w, 'Do you sell gift cards?');
  await unanswered(w, 'can I buy gift cards here');
  await api('POST', `/api/admin/conversations/${gift.id}/messages`, { token: owner.token, body: { client_msg_id: 'op', text: 'Yes, under Gift cards at checkout.' } });
  await unanswered(w, 'is there a loyalty points programme');
  await unanswered(w, 'tell me a joke');
  // The room writes misses to D1 behind its ack: wait until all four are there.
  await eventually(async () => (await api('GET', '/api/admin/faq/unanswered', { token: owner.token })).body.open === 4, 'four misses in D1');

  const c = await open(owner);
  try {
    await c.page.goto(`${worker.url}/admin/settings/unanswered`);
    const group = c.page.locator('.miss-group', { hasText: /gift cards/i });
    await group.waitFor();
    assert.match(await group.textContent(), /Asked 2×/);
    assert.match(await group.locator('.reply').textContent(), /Yes, under Gift cards at checkout\./, "the operator's reply");
    const bars = await c.page.locator('.weeks g[data-week]').count();
    assert.equal(bars, 12, 'twelve weeks');
    assert.match(await c.page.locator('.weeks g[data-week]').last().locator('title').textContent(), /not answered 4/);
    await c.page.screenshot({ path: `${ARTIFACTS}console-unanswered.png`, fullPage: true });

    // One click: an entry from the group, prefilled with the operator's reply.
    await group.getByRole('button', { name: 'Create an entry' }).click();
    assert.equal(await group.getByLabel('Answer').inputValue(), 'Yes, under Gift cards at checkout.');
    await group.getByRole('button', { name: 'Save the entry' }).click();
    await group.waitFor({ state: 'detached' });
    const made = (await api('GET', '/api/admin/faq', { token: owner.token })).body.results.find((e) => /gift/i.test(e.question));
    assert.equal(made.variants.length, 1, 'the other way it was asked became a variant');
    assert.equal((await tryIt(owner, 'do you sell gift cards')).results[0].id, made.id, 'the bot answers it now');

    // Add as a variant of an existing entry.
    const points = c.page.locator('.miss-group', { hasText: /loyalty/i });
    await points.getByRole('button', { name: 'Add as a variant' }).click();
    await points.getByLabel('Variant of').selectOption(refund.id);
    await points.getByRole('button', { name: 'Add as a variant' }).click();
    await points.waitFor({ state: 'detached' });
    const extended = (await api('GET', '/api/admin/faq', { token: owner.token })).body.results.find((e) => e.id === refund.id);
    assert.deepEqual(extended.variants, ['is there a loyalty points programme']);

    // Dismiss the last one.
    const joke = c.page.locator('.miss-group', { hasText: /joke/i });
    await joke.getByRole('button', { name: 'Dismiss' }).click();
    await c.page.locator('.unanswered .empty').waitFor();
    const after = (await api('GET', '/api/admin/faq/unanswered', { token: owner.token })).body;
    assert.equal(after.open, 0);
    assert.equal(after.weeks.at(-1).resolved, 4);
    assert.deepEqual(c.problems, []);
  } finally {
    await c.context.close();
  }
});

test('flow_settings_for_quick_replies_suggestions_choice_only_and_typing_are_saved_and_survive_a_reload', async () => {
  const owner = await signup(api);
  const entry = (await api('POST', '/api/admin/faq', { token: owner.token, body: { question: 'How long does delivery take?', answer: 'Two to four days.' } })).body;
  const c = await open(owner);
  try {
    await c.page.goto(`${worker.url}/admin/settings/bot`);
    await c.page.getByLabel('Visitors can type').waitFor();
    await c.page.getByLabel('Visitors can type').uncheck();
    await c.page.getByLabel('Bot typing pause (ms)').fill('1200');
    await c.page.getByLabel(/How long does delivery take\?/).check();
    const firstChoice = c.page.locator('fieldset.node').first().locator('tbody tr').first();
    await firstChoice.locator('select').first().selectOption('faq');
    await firstChoice.getByLabel('An FAQ answer').selectOption(entry.id);
    // The preview answers the quick reply and shows the suggestion.
    await c.page.locator('.widget-preview').getByRole('button', { name: 'How long does delivery take?' }).click();
    await c.page.locator('.wp-end', { hasText: 'Two to four days.' }).waitFor();
    await c.page.getByRole('button', { name: 'Save' }).click();
    await c.page.getByText('Saved.').waitFor();
    const flow = (await api('GET', '/api/admin/bot', { token: owner.token })).body;
    assert.equal(flow.free_text, false);
    assert.equal(flow.typing_ms, 1200);
    assert.deepEqual(flow.suggestions, [entry.id]);
    assert.deepEqual(flow.nodes[0].choices[0].action, { type: 'faq', faq_id: entry.id });
    await c.page.reload();
    await c.page.getByLabel('Bot typing pause (ms)').waitFor();
    assert.equal(await c.page.getByLabel('Visitors can type').isChecked(), false);
    assert.equal(await c.page.getByLabel('Bot typing pause (ms)').inputValue(), '1200');
    assert.equal(await c.page.getByLabel(/How long does delivery take\?/).isChecked(), true);
    await c.page.screenshot({ path: `${ARTIFACTS}console-bot-answers.png`, fullPage: true });
    assert.deepEqual(c.problems, []);
  } finally {
    await c.context.close();
  }
});

test('the_answer_screens_fit_a_phone_and_read_in_japanese', async () => {
  const owner = await signup(api);
  const key = await makeKey(api, owner);
  await api('POST', '/api/admin/faq', { token: owner.token, body: { question: '返金はいつになりますか？', answer: '5営業日以内に返金します。', variants: ['お金はいつ戻りますか？'] } });
  await unanswered(widgetClient(worker.url, key.key), 'ギフトカードはありますか？');
  await eventually(async () => (await api('GET', '/api/admin/faq/unanswered', { token: owner.token })).body.open === 1, 'the miss in D1');
  const c = await open(owner, { viewport: { width: 390, height: 844 }, locale: 'ja-JP' });
  try {
    for (const section of ['faq', 'unanswered']) {
      await c.page.goto(`${worker.url}/admin/settings/${section}`);
      await c.page.locator(section === 'faq' ? '.faq-entries' : '.miss-group').first().waitFor();
      if (section === 'faq') {
        await c.page.getByLabel('質問を試す').fill('お金はいつ戻る');
        await c.page.locator('form.try button[type=submit]').click();
        await c.page.locator('.try-result .hit.best').waitFor();
        assert.match(await c.page.locator('.try-result .why').first().textContent(), /言い換え 1/);
      } else {
        assert.match(await c.page.locator('.miss-group').textContent(), /未回答 1/);
      }
      const wide = await c.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(wide <= 0, `${section}: the page scrolls sideways by ${wide}px`);
      await c.page.screenshot({ path: `${ARTIFACTS}console-${section}-phone-ja.png`, fullPage: true });
    }
    assert.deepEqual(c.problems, []);
  } finally {
    await c.context.close();
  }
});
