// The console's polish defects in real Chromium: inbox tabs at every width and no sideways scrolling
// on a phone, a first-run checklist for a new owner, human and translated error messages next to the
// field, editing a key's origins and revoking it with an in-page confirmation, and system events in
// the console's language.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { addOperator, client, PASSWORD, signup } from '../helpers/api.mjs';
import { ARTIFACTS, launchBrowser } from '../helpers/browser.mjs';
import { eventually, makeKey, newConversation, newVisitor, openSocket, quietBot, widgetClient } from '../helpers/chat.mjs';
import { png } from '../helpers/files.mjs';
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

async function consolePage(viewport = { width: 1440, height: 900 }, locale = 'en-US') {
  const context = await browser.newContext({ viewport, locale });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => (problems.push(`dialog: ${d.message()}`), d.dismiss()));
  return { context, page, problems };
}

async function signIn(page, email) {
  await page.goto(`${worker.url}/admin/`);
  await page.getByLabel(/Email|メール/).fill(email);
  await page.getByLabel(/Password|パスワード/).fill(PASSWORD);
  await page.locator('form button[type=submit]').click();
  await page.locator('.top .who').waitFor();
}

test('every_inbox_tab_is_visible_at_desktop_widths_and_no_page_scrolls_sideways_on_a_phone', async () => {
  const owner = await signup(api);
  await quietBot(api, owner);
  const key = await makeKey(api, owner);
  const w = widgetClient(worker.url, key.key);
  // Counts and unread pills on every tab make the labels as wide as they get.
  for (let i = 0; i < 3; i++) {
    const v = await newVisitor(w, { name: `Visitor ${i}` });
    const c = await newConversation(w, v, { message: { client_msg_id: randomUUID(), text: `question ${i}` } });
    if (i > 0) await w('POST', `/conversations/${c.id}/handoff`, { token: v.token, body: {} });
  }
  for (const [width, height] of [[1440, 900], [1280, 800], [1100, 800], [820, 1180], [390, 844]]) {
    const c = await consolePage({ width, height });
    try {
      await signIn(c.page, owner.email);
      await c.page.locator('.tab[data-tab=closed]').waitFor();
      const pane = await c.page.locator('.list-pane').boundingBox();
      for (const tab of await c.page.locator('.tab').all()) {
        const b = await tab.boundingBox();
        assert.ok(b && b.x >= pane.x - 1 && b.x + b.width <= pane.x + pane.width + 1, `${width}px: tab ${await tab.textContent()} fully visible`);
      }
      const wide = await c.page.evaluate(() => {
        const out = [];
        for (const e of document.querySelectorAll('body *')) {
          const r = e.getBoundingClientRect();
          if (r.width && r.right > innerWidth + 1) out.push(`${e.tagName}.${e.className}`);
        }
        return { scroll: document.documentElement.scrollWidth, inner: innerWidth, out: out.slice(0, 5) };
      });
      assert.ok(wide.scroll <= wide.inner, `${width}px: the page is ${wide.scroll}px wide (${wide.out.join(', ')})`);
      if (width === 390) {
        for (const path of ['/admin/settings/keys', '/admin/settings/appearance']) {
          await c.page.goto(`${worker.url}${path}`);
          await c.page.locator('.settings-body .card').first().waitFor();
          const sw = await c.page.evaluate(() => document.documentElement.scrollWidth);
          assert.ok(sw <= 390, `${path} at 390px is ${sw}px wide`);
          // Nor does the settings pane itself scroll sideways (only the section menu may).
          const body = await c.page.locator('.settings-body').evaluate((b) => [b.scrollWidth, b.clientWidth]);
          assert.ok(body[0] <= body[1], `${path}: the pane is ${body[0]}px wide in ${body[1]}px`);
        }
        await c.page.screenshot({ path: `${ARTIFACTS}console-phone-keys.png`, fullPage: true });
      }
    } finally {
      await c.context.close();
    }
  }
});

test('a_new_owner_gets_a_first_run_checklist_and_lands_where_queued_chats_are', async () => {
  const owner = await signup(api);
  const c = await consolePage();
  try {
    await signIn(c.page, owner.email);
    const list = c.page.locator('.first-run');
    await list.waitFor();
    await list.getByText('Install the chat on your site').waitFor();
    assert.equal(await list.locator('li.done').count(), 0, 'nothing done yet');
    await list.getByRole('link', { name: /Create a key/ }).click();
    await c.page.waitForURL(/\/admin\/settings\/keys$/);
    await c.page.getByLabel('Label').first().fill('Site');
    await c.page.getByLabel('Allowed origins').first().fill('https://shop.example.com');
    await c.page.getByRole('button', { name: 'Create' }).click();
    await c.page.locator('.key').first().waitFor();
    await c.page.getByRole('link', { name: 'Inbox' }).click();
    await list.locator('pre.snippet').waitFor();
    await list.getByRole('button', { name: 'Go Available' }).click();
    await eventually(async () => (await list.locator('li.done').count()) === 2, 'two steps done');
    const tryLink = await list.getByRole('link', { name: 'Open your widget in a new tab' }).getAttribute('href');
    assert.match(tryLink, /^\/widget\/frame\?key=pk_/);
    // A visitor writes and asks for a person: the owner sees it where they landed.
    const keys = await api('GET', '/api/admin/api-keys', { token: owner.token });
    const w = widgetClient(worker.url, keys.body.results[0].key);
    const v = await newVisitor(w, { name: 'First Visitor' });
    const conv = await newConversation(w, v, { message: { client_msg_id: randomUUID(), text: 'hello?' } });
    await w('POST', `/conversations/${conv.id}/handoff`, { token: v.token, body: {} });
    await c.page.locator(`.conv[data-id="${conv.id}"]`).waitFor();
    assert.equal(await c.page.locator('.tab.active').getAttribute('data-tab'), 'open');
    await eventually(async () => (await list.locator('li.done').count()) === 3, 'all three done');
    await c.page.screenshot({ path: `${ARTIFACTS}console-first-run.png` });
    await list.getByRole('button', { name: 'Hide this checklist' }).click();
    assert.equal(await c.page.locator('.first-run').count(), 0);
    assert.deepEqual(c.problems, []);
  } finally {
    await c.context.close();
  }
});

test('a_key_created_before_the_key_list_arrives_stays_in_the_list', async () => {
  // Regression: the list's answer, read before the key existed but arriving after it was created,
  // replaced the list and the new key vanished (CI, a loaded machine).
  const owner = await signup(api);
  const c = await consolePage();
  try {
    await signIn(c.page, owner.email);
    let created;
    const posted = new Promise((resolve) => { created = resolve; });
    let held = false;
    await c.page.route('**/api/admin/api-keys', async (route) => {
      if (route.request().method() !== 'GET' || held) return route.continue();
      held = true;
      const stale = await route.fetch(); // read now, before the key exists…
      await posted; // …answered after it was created
      await route.fulfill({ response: stale });
    });
    c.page.on('response', (r) => r.request().method() === 'POST' && r.url().endsWith('/api/admin/api-keys') && created());
    await c.page.goto(`${worker.url}/admin/settings/keys`);
    await c.page.getByLabel('Label').first().fill('Early');
    await c.page.getByLabel('Allowed origins').first().fill('https://early.example.com');
    await eventually(async () => held, 'the list request is held');
    await c.page.getByRole('button', { name: 'Create' }).click();
    await c.page.locator('.key', { hasText: 'Early' }).waitFor();
    assert.equal(await c.page.locator('.key').count(), 1);
    assert.deepEqual(c.problems, []);
  } finally {
    await c.context.close();
  }
});

test('errors_are_human_sentences_next_to_the_field_and_a_keys_origins_are_edited_and_revoked_in_the_page', async () => {
  const owner = await signup(api);
  const key = await makeKey(api, owner, ['https://shop.example.com']);
  for (const [locale, expected] of [['en-US', /Enter each site as an origin like https:\/\/shop\.example\.com/], ['ja-JP', /サイトはオリジンで入力してください/]]) {
    const c = await consolePage({ width: 1280, height: 900 }, locale);
    try {
      await signIn(c.page, owner.email);
      await c.page.goto(`${worker.url}/admin/settings/keys`);
      const card = c.page.locator(`.key[data-key-id="${key.id}"]`);
      await card.waitFor();
      await card.locator('button.secondary').nth(1).click();
      await card.locator('textarea[name=origins]').fill('https://shop.example.com/path *.evil.example');
      await card.locator('button[type=submit]').click();
      const err = card.locator('.field-error');
      await err.waitFor();
      assert.match(await err.textContent(), expected);
      assert.doesNotMatch(await err.textContent(), /allowed_origins|is not an origin/, 'not the raw server string');
      // The error sits right below the origins field.
      const field = await card.locator('textarea[name=origins]').boundingBox();
      const box = await err.boundingBox();
      assert.ok(box.y >= field.y + field.height - 1 && box.y - (field.y + field.height) < 40, 'next to the field');
    } finally {
      await c.context.close();
    }
  }
  const c = await consolePage();
  try {
    await signIn(c.page, owner.email);
    await c.page.goto(`${worker.url}/admin/settings/keys`);
    const card = c.page.locator(`.key[data-key-id="${key.id}"]`);
    await card.getByRole('button', { name: 'Edit label and origins' }).click();
    await card.locator('textarea[name=origins]').fill('https://shop.example.com\nhttps://www.shop.example.com');
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByText('https://shop.example.com · https://www.shop.example.com').waitFor();
    const stored = (await api('GET', `/api/admin/api-keys/${key.id}`, { token: owner.token })).body;
    assert.deepEqual(stored.allowed_origins, ['https://shop.example.com', 'https://www.shop.example.com']);
    // Revoking asks in the page first; Cancel keeps the key.
    await card.getByRole('button', { name: 'Revoke', exact: true }).click();
    const ask = card.getByRole('alertdialog');
    await ask.getByText('Revoke this key?').waitFor();
    await ask.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await api('GET', `/api/admin/api-keys/${key.id}`, { token: owner.token })).body.active, true);
    await card.getByRole('button', { name: 'Revoke', exact: true }).click();
    await card.getByRole('button', { name: 'Revoke key' }).click();
    await card.locator('.badge', { hasText: 'Revoked' }).waitFor();
    assert.equal((await api('GET', `/api/admin/api-keys/${key.id}`, { token: owner.token })).body.active, false);
    assert.deepEqual(c.problems, [], 'no browser dialog');
  } finally {
    await c.context.close();
  }
});

test('system_events_read_in_the_consoles_language', async () => {
  const owner = await signup(api);
  await quietBot(api, owner);
  const agent = await addOperator(api, owner, 'agent', { name: '佐藤' });
  await api('PATCH', '/api/admin/me/status', { token: agent.token, body: { status: 'available' } });
  const key = await makeKey(api, owner);
  const w = widgetClient(worker.url, key.key);
  const v = await newVisitor(w, { name: 'Vera' });
  const conv = await newConversation(w, v, { message: { client_msg_id: randomUUID(), text: 'hello' } });
  const socket = await openSocket(worker.url, conv.id, v.token, { origin: 'https://shop.example.com' });
  await w('POST', `/conversations/${conv.id}/handoff`, { token: v.token, body: {} });
  await socket.until((f) => f.some((x) => x.type === 'event' && x.event.type === 'assigned'), 'assigned');
  await api('POST', `/api/admin/conversations/${conv.id}/close`, { token: agent.token });
  socket.sendMessage('one more thing');
  await socket.until((f) => f.some((x) => x.type === 'event' && x.event.type === 'reopened'), 'reopened');
  const c = await consolePage({ width: 1440, height: 900 }, 'ja-JP');
  try {
    await signIn(c.page, owner.email);
    await c.page.goto(`${worker.url}/admin/c/${conv.id}`);
    const timeline = c.page.locator('.timeline');
    await timeline.locator('li.sys[data-type=reopened]').waitFor();
    assert.equal(await timeline.locator('li.sys[data-type=assigned] span').first().textContent(), '佐藤が会話に参加しました');
    assert.equal(await timeline.locator('li.sys[data-type=closed] span').textContent(), '会話が終了しました');
    assert.equal(await timeline.locator('li.sys[data-type=reopened] span').textContent(), '訪問者が再度メッセージを送信したため、会話が再開されました');
    const text = await timeline.textContent();
    assert.doesNotMatch(text, /joined the conversation|was closed|was reopened|Waiting for an operator/, 'no English system text');
  } finally {
    await c.context.close();
    await socket.close();
  }
});

test('an_image_arriving_at_the_bottom_of_the_timeline_keeps_it_at_the_bottom_once_loaded', async () => {
  const owner = await signup(api);
  await quietBot(api, owner);
  const key = await makeKey(api, owner);
  const w = widgetClient(worker.url, key.key);
  const v = await newVisitor(w, { name: 'Pic Sender' });
  const conv = await newConversation(w, v, { message: { client_msg_id: randomUUID(), text: 'hello' } });
  await api('POST', `/api/admin/conversations/${conv.id}/takeover`, { token: owner.token });
  for (let i = 0; i < 25; i++) await w('POST', `/conversations/${conv.id}/messages`, { token: v.token, body: { client_msg_id: randomUUID(), text: `line ${i}` } });
  const c = await consolePage({ width: 1280, height: 800 });
  try {
    await signIn(c.page, owner.email);
    await c.page.goto(`${worker.url}/admin/c/${conv.id}`);
    await c.page.locator('.timeline').getByText('line 24').waitFor();
    const up = await fetch(`${worker.url}/api/widget/conversations/${conv.id}/attachments?key=${key.key}&name=tall.png&client_msg_id=${randomUUID()}`, {
      method: 'POST', headers: { origin: 'https://shop.example.com', authorization: `Bearer ${v.token}` }, body: png(300, 1200),
    });
    assert.equal(up.status, 201);
    const img = c.page.locator('.timeline img[alt="tall.png"]');
    await img.waitFor();
    await eventually(() => img.evaluate((i) => i.complete && i.naturalHeight === 1200), 'the image to load');
    await eventually(() => c.page.locator('.timeline').evaluate((t) => t.scrollHeight - t.scrollTop - t.clientHeight < 2), 'the timeline at the bottom');
  } finally {
    await c.context.close();
  }
});
