// The operator console in real headless Chromium against the real Worker: setting up a tenant,
// live handoff with a title badge and a chime, a reply round trip, transfer and close, resuming after
// the sockets drop, hostile text rendered as text, and screenshots at desktop and tablet sizes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { addOperator, client, PASSWORD, signup, uniqueEmail } from '../helpers/api.mjs';
import { ARTIFACTS, launchBrowser, tcpProxy } from '../helpers/browser.mjs';
import { eventually, makeKey, newConversation, newVisitor, openSocket, quietBot, widgetClient } from '../helpers/chat.mjs';
import { startWorker } from '../helpers/worker.mjs';

let worker;
let browser;
let api;
const DESKTOP = { width: 1440, height: 900 };
const TABLET = { width: 820, height: 1180 };

before(async () => {
  worker = await startWorker();
  api = client(worker.url);
  // A browser where the operator has allowed sound for this site (the console must then chime).
  browser = await launchBrowser(['--autoplay-policy=no-user-gesture-required']);
});
after(async () => {
  await browser?.close();
  await worker?.stop();
});

async function consolePage(viewport = DESKTOP) {
  const context = await browser.newContext({ viewport, locale: 'en-US' });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && !/status of 40[0-9]/.test(m.text()) && problems.push(m.text()));
  page.on('dialog', (d) => (d.type() === 'confirm' || d.type() === 'prompt' ? d.accept() : (problems.push(`dialog: ${d.message()}`), d.dismiss())));
  return { context, page, problems };
}

async function signIn(page, email, password = PASSWORD, base = worker.url) {
  await page.goto(`${base}/admin/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.top .who').waitFor();
}

/** A visitor of the owner's site who writes and hands off; returns the conversation and a socket. */
async function visitorHandsOff(owner, { name = 'Vera Visitor', text = 'I need help with my order' } = {}) {
  const key = await makeKey(api, owner);
  const w = widgetClient(worker.url, key.key);
  const visitor = await newVisitor(w, { name });
  const conversation = await newConversation(w, visitor, { message: { client_msg_id: randomUUID(), text } });
  const socket = await openSocket(worker.url, conversation.id, visitor.token, { origin: 'https://shop.example.com' });
  const res = await w('POST', `/conversations/${conversation.id}/handoff`, { token: visitor.token, body: {} });
  assert.equal(res.status, 200, res.text);
  return { w, visitor, conversation, socket };
}

test('owner_sets_up_the_tenant_and_a_visitor_is_served_live_transferred_and_closed', async () => {
  const o = await consolePage();
  const ownerEmail = uniqueEmail('owner');
  const agentEmail = uniqueEmail('agent');
  try {
    // Sign up through the console.
    await o.page.goto(`${worker.url}/admin/signup`);
    await o.page.getByLabel('Company').fill('Console Co');
    await o.page.getByLabel('Your name').fill('Olivia Owner');
    await o.page.getByLabel('Email').fill(ownerEmail);
    await o.page.getByLabel('Password').fill(PASSWORD);
    await o.page.getByRole('button', { name: 'Create your account' }).click();
    await o.page.locator('.top .who').filter({ hasText: 'Olivia Owner' }).waitFor();

    // An agent, a department (nobody in it), a key, and a bot edit, all through the settings pages.
    await o.page.getByRole('link', { name: 'Settings' }).click();
    await o.page.getByRole('link', { name: 'Operators' }).click();
    await o.page.locator('input[name=op-name]').fill('Andy Agent');
    await o.page.locator('input[name=op-email]').fill(agentEmail);
    await o.page.locator('input[name=op-password]').fill(PASSWORD);
    await o.page.getByRole('button', { name: 'Create', exact: true }).click();
    await o.page.locator(`tr[data-operator="${agentEmail}"]`).waitFor();

    await o.page.getByRole('link', { name: 'Departments' }).click();
    await o.page.locator('input[name=department]').fill('Billing');
    await o.page.getByRole('button', { name: 'Create', exact: true }).click();
    await o.page.locator('[data-department="Billing"]').waitFor();

    await o.page.getByRole('link', { name: 'API keys' }).click();
    await o.page.locator('input[name=label]').fill('Main site');
    await o.page.locator('textarea[name=origins]').fill('https://shop.example.com');
    await o.page.getByRole('button', { name: 'Create', exact: true }).click();
    const snippet = await o.page.locator('pre.snippet').first().textContent();
    assert.match(snippet, /<script src="http:\/\/127\.0\.0\.1:\d+\/widget\.js" data-key="pk_[0-9a-f]{32}" async><\/script>/);

    await o.page.getByRole('link', { name: 'Bot flow' }).click();
    await o.page.locator('textarea[name=welcome]').fill('Welcome to Console Co!');
    await o.page.locator('.widget-preview').getByText('Welcome to Console Co!').waitFor();
    await o.page.locator('.save').click();
    await o.page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const owner = { ...(await api('POST', '/api/auth/login', { body: { email: ownerEmail, password: PASSWORD } })).body };
    owner.token = owner.access_token;
    assert.equal((await api('GET', '/api/admin/bot', { token: owner.token })).body.welcome.en, 'Welcome to Console Co!');
    await quietBot(api, owner);
    await o.page.screenshot({ path: `${ARTIFACTS}console-settings-desktop.png`, fullPage: false });

    // The agent signs in in a second browser context and becomes available.
    const a = await consolePage();
    try {
      await signIn(a.page, agentEmail);
      await a.page.locator('select[name=my-status]').selectOption('available');
      await eventually(async () => (await api('GET', '/api/admin/operators', { token: owner.token })).body.results.find((x) => x.email === agentEmail).status === 'available', 'agent available');

      // A visitor hands off: the agent's inbox shows it live, assigned to them, with a title badge and a chime.
      const chimesBefore = await a.page.evaluate(() => window.__edgechat.chimes());
      const v = await visitorHandsOff(owner);
      await a.page.locator(`.conv[data-id="${v.conversation.id}"]`).waitFor();
      await a.page.waitForFunction(() => /^\(1\) /.test(document.title));
      await a.page.waitForFunction((n) => window.__edgechat.chimes() > n, chimesBefore);
      assert.equal(await a.page.locator('link[rel=icon]').getAttribute('data-count'), '1', 'favicon badge');
      const item = a.page.locator(`.conv[data-id="${v.conversation.id}"]`);
      assert.equal(await item.locator('.pill.unread').textContent(), '1');
      // Queued first, then assigned by the router: wait for the assignment to reach the list.
      await a.page.locator(`.conv[data-id="${v.conversation.id}"]`, { hasText: 'Active' }).waitFor();
      assert.match(await item.textContent(), /Active/);

      // Reply round trip.
      await item.click();
      await a.page.locator('.timeline .msg.them').filter({ hasText: 'I need help with my order' }).waitFor();
      await a.page.waitForFunction(() => !/^\(\d+\)/.test(document.title));
      await a.page.locator('textarea.composer').fill('Hi Vera, happy to help.');
      await a.page.locator('textarea.composer').press('Enter');
      const reply = await v.socket.frame((f) => f.type === 'event' && f.event.type === 'message' && f.event.text === 'Hi Vera, happy to help.', 'reply at the visitor');
      assert.equal(reply.event.author.type, 'operator');
      v.socket.send({ type: 'send', client_msg_id: randomUUID(), text: 'Thanks! Order 1234.' });
      await a.page.locator('.timeline .msg.them').filter({ hasText: 'Thanks! Order 1234.' }).waitFor();
      // A private note never reaches the visitor.
      await a.page.locator('.composer-bar input[type=checkbox]').check();
      await a.page.locator('textarea.composer').fill('VIP customer');
      await a.page.locator('textarea.composer').press('Enter');
      await a.page.locator('.timeline .msg.note').filter({ hasText: 'VIP customer' }).waitFor();

      // Transfer to the department (nobody available there: it waits in its queue).
      await a.page.locator('.actions select').selectOption({ label: 'Billing' });
      await a.page.locator('[data-action=move]').click();
      await a.page.locator('.timeline .sys[data-type=transferred]').waitFor();
      assert.ok(!v.socket.frames.some((f) => f.event?.text === 'VIP customer'), 'notes stay private');

      // The owner closes it from their console and finds it under Closed.
      await o.page.getByRole('link', { name: /Inbox/ }).click();
      await o.page.locator('[data-tab=queued]').click();
      await o.page.locator(`.conv[data-id="${v.conversation.id}"]`).click();
      await o.page.locator('[data-action=close]').click();
      await o.page.locator('.timeline .sys[data-type=closed]').waitFor();
      await o.page.locator('[data-tab=closed]').click();
      await o.page.locator(`.conv[data-id="${v.conversation.id}"]`).waitFor();
      assert.match(await o.page.locator(`.conv[data-id="${v.conversation.id}"]`).textContent(), /Closed/);
      await v.socket.close();

      // Japanese UI.
      await o.page.getByRole('link', { name: 'Settings' }).click();
      await o.page.getByRole('link', { name: 'My account' }).click();
      await o.page.locator('select[name=language]').selectOption('ja');
      await o.page.getByRole('link', { name: '受信箱' }).waitFor();
      assert.equal(await o.page.evaluate(() => document.documentElement.lang), 'ja');
      await o.page.locator('select[name=language]').selectOption('en');
      assert.deepEqual([...o.problems, ...a.problems], []);
    } finally {
      await a.context.close();
    }
  } finally {
    await o.context.close();
  }
});

test('after_the_sockets_drop_the_console_shows_every_missed_message_once_with_right_unread_counts', async () => {
  const owner = await signup(api);
  await quietBot(api, owner);
  const agent = await addOperator(api, owner, 'agent');
  await api('PATCH', '/api/admin/me/status', { token: agent.token, body: { status: 'available' } });
  const one = await visitorHandsOff(owner, { name: 'Open One', text: 'first' });
  const two = await visitorHandsOff(owner, { name: 'Other Two', text: 'second' });
  const c = await consolePage();
  const proxy = await tcpProxy(worker.port);
  try {
    await signIn(c.page, agent.email, PASSWORD, proxy.url);
    await c.page.locator(`.conv[data-id="${one.conversation.id}"]`).click();
    await c.page.locator('.timeline .msg.them').filter({ hasText: 'first' }).waitFor();
    await c.page.waitForFunction(() => window.__edgechat.link() === 'open');
    await c.page.locator('.conv-head .pill.offline').waitFor({ state: 'detached' });

    // The network goes away: both sockets (inbox feed and conversation) drop.
    proxy.cut();
    await c.page.waitForFunction(() => window.__edgechat.link() !== 'open');
    await c.page.locator('.conv-head .pill.offline').waitFor();
    for (let i = 1; i <= 20; i++) one.socket.send({ type: 'send', client_msg_id: `m-${i}`, text: `missed ${i}` });
    for (let i = 1; i <= 20; i++) await one.socket.frame((f) => f.type === 'ack' && f.client_msg_id === `m-${i}`, `ack ${i}`);
    for (let i = 1; i <= 5; i++) two.socket.send({ type: 'send', client_msg_id: `t-${i}`, text: `other ${i}` });
    for (let i = 1; i <= 5; i++) await two.socket.frame((f) => f.type === 'ack' && f.client_msg_id === `t-${i}`, `ack t${i}`);
    proxy.restore();

    // Back: every missed message shown exactly once and in order; unread counts right.
    await c.page.locator('.timeline .msg.them').filter({ hasText: 'missed 20' }).waitFor();
    await c.page.waitForFunction(() => window.__edgechat.link() === 'open');
    const texts = await c.page.locator('.timeline .msg.them .text').allTextContents();
    assert.deepEqual(texts, ['first', ...Array.from({ length: 20 }, (_, i) => `missed ${i + 1}`)]);
    const seqs = (await c.page.locator('.timeline li[data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq))));
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
    assert.equal(new Set(seqs).size, seqs.length, 'no event twice');
    const other = c.page.locator(`.conv[data-id="${two.conversation.id}"] .pill.unread`);
    await eventually(async () => (await other.textContent()) === '6', 'unread 6 on the other conversation');
    await eventually(async () => (await c.page.locator(`.conv[data-id="${one.conversation.id}"] .pill.unread`).count()) === 0, 'open conversation read');
    await c.page.waitForFunction(() => document.title.startsWith('(6) '));
    const server = await api('GET', '/api/admin/conversations?status=active', { token: agent.token });
    assert.equal(server.body.results.find((x) => x.id === two.conversation.id).unread_count, 6);
    assert.equal(server.body.results.find((x) => x.id === one.conversation.id).unread_count, 0);

    // Keyboard: the list is newest first (two wrote last): Alt+↑ moves up to it, Alt+↓ back down.
    await c.page.keyboard.press('Alt+ArrowUp');
    await c.page.waitForFunction((id) => location.pathname === `/admin/c/${id}`, two.conversation.id);
    await c.page.keyboard.press('Alt+ArrowDown');
    await c.page.waitForFunction((id) => location.pathname === `/admin/c/${id}`, one.conversation.id);
    await c.page.keyboard.press('Alt+KeyC');
    assert.equal(await c.page.evaluate(() => document.activeElement?.className), 'composer');
    // Failed connections during the cut are expected; nothing else may go wrong.
    assert.deepEqual(c.problems.filter((p) => !/net::ERR_(CONNECTION_(RESET|REFUSED|CLOSED)|SOCKET_NOT_CONNECTED|EMPTY_RESPONSE)|WebSocket connection to/.test(p)), []);
  } finally {
    await c.context.close();
    await proxy.close();
    await one.socket.close();
    await two.socket.close();
  }
});

test('visitor_names_and_messages_with_html_render_as_text_and_screenshots_are_taken', async () => {
  const owner = await signup(api, { name: 'Olga Owner' });
  await quietBot(api, owner);
  await api('PATCH', '/api/admin/me/status', { token: owner.token, body: { status: 'available' } });
  const payloadName = '<img src=x onerror="window.__xss=1">';
  const payloadText = '<script>window.__xss=2</script><b>bold?</b>';
  const v = await visitorHandsOff(owner, { name: payloadName, text: payloadText });
  await visitorHandsOff(owner, { name: 'Second Visitor', text: 'Do you ship to Osaka?' });
  await api('POST', '/api/admin/canned-replies', { token: owner.token, body: { shortcut: 'ship', text: 'We ship everywhere in Japan within 2 days.' } });
  for (const [i, viewport] of [['desktop', DESKTOP], ['tablet', TABLET]]) {
    const c = await consolePage(viewport);
    try {
      // Every moment the "Reconnecting…" badge is on screen is recorded, from the first script on.
      await c.page.addInitScript(() => {
        window.__troubleSeen = 0;
        new MutationObserver(() => {
          if (document.querySelector('.pill.offline')) window.__troubleSeen++;
        }).observe(document, { childList: true, subtree: true });
      });
      await signIn(c.page, owner.email, owner.password);
      const item = c.page.locator(`.conv[data-id="${v.conversation.id}"]`);
      await item.waitFor();
      await c.page.waitForFunction(() => window.__edgechat.link() === 'open');
      assert.equal(await c.page.evaluate(() => window.__troubleSeen), 0, 'no "Reconnecting…" while the first connection is made');
      assert.equal(await item.locator('.conv-name').textContent(), payloadName);
      assert.equal(await item.locator('.conv-preview').textContent(), payloadText);
      await c.page.screenshot({ path: `${ARTIFACTS}console-inbox-${i}.png` });
      await item.click();
      const bubble = c.page.locator('.timeline .msg.them .text').first();
      await bubble.waitFor();
      assert.equal(await c.page.evaluate(() => window.__troubleSeen), 0, "nor while the conversation's socket first connects");
      assert.equal(await bubble.textContent(), payloadText);
      assert.equal(await c.page.locator('.conv-title').textContent(), payloadName);
      assert.equal(await c.page.locator('.timeline img, .conv-list img').count(), 0, 'no element was created from typed HTML');
      assert.equal(await c.page.evaluate(() => window.__xss), undefined);
      // A canned reply by /shortcut.
      await c.page.locator('textarea.composer').fill('/sh');
      await c.page.locator('.suggestions li').filter({ hasText: '/ship' }).waitFor();
      await c.page.locator('textarea.composer').press('Enter');
      assert.equal(await c.page.locator('textarea.composer').inputValue(), 'We ship everywhere in Japan within 2 days.');
      if (i === 'tablet') await c.page.locator('.conv-head .details').click();
      await c.page.locator('.visitor-pane .visitor-name').waitFor();
      assert.equal(await c.page.locator('.visitor-pane .visitor-name').textContent(), payloadName);
      await c.page.screenshot({ path: `${ARTIFACTS}console-conversation-${i}.png` });
      await c.page.goto(`${worker.url}/admin/settings/bot`);
      await c.page.locator('.widget-preview').waitFor();
      await c.page.screenshot({ path: `${ARTIFACTS}console-settings-${i}.png` });
      assert.deepEqual(c.problems, []);
    } finally {
      await c.context.close();
    }
  }
  await v.socket.close();
  for (const name of ['inbox', 'conversation', 'settings']) {
    for (const size of ['desktop', 'tablet']) assert.ok(statSync(`${ARTIFACTS}console-${name}-${size}.png`).size > 10_000, `${name}-${size} screenshot`);
  }
});
