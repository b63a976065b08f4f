// The widget in real Chromium, embedded by a host page on another origin than the Worker: the whole
// visitor journey, a Worker restart mid-conversation, hostile operator messages, CSS isolation both
// ways, phone and desktop screenshots, and a key that does not allow the page.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { addOperator, client, signup } from '../helpers/api.mjs';
import { ARTIFACTS, hostPage, launchBrowser } from '../helpers/browser.mjs';
import { eventually, makeKey, openSocket } from '../helpers/chat.mjs';
import { SAMPLES } from '../helpers/files.mjs';
import { startWorker } from '../helpers/worker.mjs';

let worker;
let browser;
let api;
let owner;
let agent;
let key;
before(async () => {
  worker = await startWorker();
  api = client(worker.url);
  owner = await signup(api, { company: 'Widget Co' });
  agent = await addOperator(api, owner, 'agent', { capacity: 10 });
  await api('PATCH', '/api/admin/me/status', { token: agent.token, body: { status: 'available' } });
  await api('POST', '/api/admin/faq', { token: owner.token, body: { question: 'How long does shipping take?', answer: 'Orders arrive in 3-5 business days.', keywords: ['delivery', 'days', 'arrive'] } });
  key = await makeKey(api, owner, ['http://127.0.0.1:*']);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await worker?.stop();
});

const snippet = (k = key.key, extra = '') => `<script src="${worker.url}/widget.js" data-key="${k}" ${extra} async></script>`;

async function visit(html, viewport = { width: 1280, height: 800 }) {
  const host = await hostPage(html);
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  const dialogs = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(host.url);
  const chat = page.locator('edge-chat');
  return { page, chat, errors, dialogs, close: async () => (await context.close(), await host.close()) };
}

/** The conversation the widget on this page has open (it keeps its id in localStorage). */
async function widgetConversation(page, k = key.key) {
  const id = await eventually(() => page.evaluate((k) => localStorage.getItem(`ec:${k}:conv`), k), 'a conversation');
  return { id };
}

test('menu_then_faq_then_a_person_who_replies_types_and_receives_an_image', async () => {
  const before = (await api('GET', '/api/admin/conversations', { token: owner.token })).body.count;
  const v = await visit(`<!doctype html><html><body><h1>Shop</h1>${snippet()}</body></html>`);
  try {
    await v.chat.getByRole('button', { name: 'Open chat' }).click();
    await v.chat.getByText('Hi! How can we help you today?').waitFor();
    await v.chat.getByRole('button', { name: 'Orders & shipping' }).click();
    await v.chat.getByText('What about your order?').waitFor();
    assert.equal((await api('GET', '/api/admin/conversations', { token: owner.token })).body.count, before, 'browsing the menu wrote nothing');
    await v.chat.getByRole('button', { name: 'Where is my order?' }).click();
    // Real key presses, not `fill`: a handler that swallowed keys would fail here.
    await v.chat.getByRole('textbox', { name: 'Type a message…' }).pressSequentially('how many days until my order arrives?');
    await v.page.keyboard.press('Enter');
    await v.chat.getByText('Orders arrive in 3-5 business days.').waitFor();
    const conv = await widgetConversation(v.page);
    const events = (await api('GET', `/api/admin/conversations/${conv.id}/messages`, { token: owner.token })).body.results;
    assert.equal(events[0].type, 'menu', 'the menu path came first');

    await v.chat.getByRole('button', { name: 'Talk to a person' }).click();
    await v.chat.getByText(/joined/).waitFor();
    assert.match(await v.chat.locator('.h small').textContent(), /agent person/, "the operator's name is shown");

    const op = await openSocket(worker.url, conv.id, agent.token);
    await op.frame((f) => f.type === 'hello', 'hello');
    op.send({ type: 'typing', on: true });
    await v.chat.getByText(/is typing/).waitFor();
    op.sendMessage('Hello, I can help with that!');
    const reply = v.chat.getByText('Hello, I can help with that!');
    await reply.waitFor();
    assert.equal(await reply.getAttribute('title'), 'agent person');

    // The visitor types (the operator sees it) and sends an image, which shows up as an image.
    await v.chat.getByRole('textbox', { name: 'Type a message…' }).pressSequentially('a', { delay: 10 });
    await op.frame((f) => f.type === 'typing' && f.author.type === 'visitor', 'visitor typing');
    writeFileSync(`${ARTIFACTS}dot.png`, SAMPLES.png);
    await v.chat.locator('input[type=file]').setInputFiles(`${ARTIFACTS}dot.png`);
    const img = v.chat.locator('img[alt="dot.png"]');
    await img.waitFor();
    await eventually(() => img.evaluate((i) => i.complete && i.naturalWidth === 1), 'the image to load');
    await v.page.screenshot({ path: `${ARTIFACTS}widget-desktop.png` });
    await op.close();
    assert.deepEqual(v.dialogs, []);
  } finally {
    await v.close();
  }
});

test('restart_mid_conversation_shows_reconnecting_then_missed_messages_once_and_the_offline_message_once', async () => {
  const v = await visit(`<!doctype html><html><body>${snippet()}</body></html>`);
  try {
    await v.chat.getByRole('button', { name: 'Open chat' }).click();
    await v.chat.getByRole('button', { name: 'Talk to a person' }).first().click();
    const conv = await widgetConversation(v.page);
    await v.chat.getByText(/joined/).waitFor();
    await worker.kill();
    await v.chat.getByText('Reconnecting…').waitFor();
    await v.chat.getByRole('textbox', { name: 'Type a message…' }).fill('typed while offline');
    await v.page.keyboard.press('Enter');
    worker = await startWorker({ state: worker.state, port: worker.port });
    for (const text of ['missed one', 'missed two']) {
      await api('POST', `/api/admin/conversations/${conv.id}/messages`, { token: agent.token, body: { client_msg_id: randomUUID(), text } });
    }
    await v.chat.getByText('missed two').waitFor({ timeout: 60_000 });
    await v.chat.getByText('Reconnecting…').waitFor({ state: 'hidden' });
    for (const text of ['missed one', 'missed two']) assert.equal(await v.chat.getByText(text).count(), 1, `${text} exactly once`);
    const stored = await eventually(async () => {
      const events = (await api('GET', `/api/admin/conversations/${conv.id}/messages`, { token: owner.token })).body.results;
      return events.some((e) => e.text === 'typed while offline') && events;
    }, 'the offline message to be delivered');
    assert.equal(stored.filter((e) => e.text === 'typed while offline').length, 1, 'delivered once');
    await eventually(async () => (await v.chat.getByText('typed while offline').count()) === 1, 'shown once');
  } finally {
    await v.close();
  }
});

test('html_and_javascript_links_from_an_operator_render_as_text', async () => {
  const v = await visit(`<!doctype html><html><body>${snippet()}</body></html>`);
  try {
    await v.chat.getByRole('button', { name: 'Open chat' }).click();
    await v.chat.getByRole('button', { name: 'Talk to a person' }).first().click();
    const conv = await widgetConversation(v.page);
    const payloads = ['<img src=x onerror=alert(1)>', 'click javascript:alert(document.cookie) now', 'see https://example.com/docs'];
    for (const text of payloads) await api('POST', `/api/admin/conversations/${conv.id}/messages`, { token: agent.token, body: { client_msg_id: randomUUID(), text } });
    for (const text of payloads) await v.chat.getByText(text).waitFor();
    assert.equal(await v.chat.locator('.t img').count(), 0, 'no image element was created');
    const links = await v.chat.locator('.t a').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.getAttribute('rel')]));
    assert.deepEqual(links, [['https://example.com/docs', 'noopener noreferrer']], 'only the http(s) link is a link');
    assert.deepEqual(v.dialogs, [], 'no script ran');
  } finally {
    await v.close();
  }
});

test('host_css_does_not_reach_the_widget_and_widget_css_does_not_reach_the_host', async () => {
  const reset = `<style>*{all:unset!important;font-size:40px!important;color:red!important}button{display:none!important}
    p.probe{color:rgb(1,2,3)!important;font-family:serif!important}</style>`;
  const v = await visit(`<!doctype html><html><head>${reset}</head><body><p class="probe">host text</p>${snippet()}</body></html>`);
  try {
    const probe = v.page.locator('p.probe');
    const hostBefore = await probe.evaluate((p) => getComputedStyle(p).cssText || [getComputedStyle(p).color, getComputedStyle(p).fontFamily].join());
    const launcher = v.chat.getByRole('button', { name: 'Open chat' });
    await launcher.waitFor();
    const box = await launcher.boundingBox();
    assert.deepEqual([Math.round(box.width), Math.round(box.height)], [56, 56], 'launcher keeps its size');
    await launcher.click();
    const panel = v.chat.getByRole('dialog');
    await panel.waitFor();
    const color = await v.chat.getByRole('button', { name: 'Ask a question' }).evaluate((b) => getComputedStyle(b).display);
    assert.notEqual(color, 'none', "the host's button rule does not hide the widget's buttons");
    const size = await v.chat.getByText('Hi! How can we help you today?').evaluate((e) => getComputedStyle(e).fontSize);
    assert.equal(size, '15px');
    const hostAfter = await probe.evaluate((p) => getComputedStyle(p).cssText || [getComputedStyle(p).color, getComputedStyle(p).fontFamily].join());
    assert.equal(hostAfter, hostBefore, "the widget's CSS does not change the host");
    assert.deepEqual(await v.page.evaluate(() => Object.keys(window).filter((k) => /^(Edge|ec)/i.test(k))), ['EdgeChat'], 'one global');
  } finally {
    await v.close();
  }
});

test('phone_sized_viewport_gets_a_full_height_sheet_with_16px_inputs', async () => {
  const v = await visit(`<!doctype html><html><head><meta name="viewport" content="width=device-width"></head><body>${snippet()}</body></html>`, { width: 390, height: 844 });
  try {
    await v.chat.getByRole('button', { name: 'Open chat' }).click();
    const panel = v.chat.getByRole('dialog');
    await v.chat.getByText('Hi! How can we help you today?').waitFor();
    // Measure the sheet once its opening animation (a short slide) has finished.
    await panel.evaluate((p) => Promise.all(p.getAnimations().map((a) => a.finished)));
    const box = await panel.boundingBox();
    assert.deepEqual([box.width, box.height], [390, 844], 'full screen');
    assert.equal(await v.chat.getByRole('textbox').evaluate((t) => getComputedStyle(t).fontSize), '16px', 'no iOS zoom');
    await v.page.screenshot({ path: `${ARTIFACTS}widget-mobile.png` });
  } finally {
    await v.close();
  }
});

test('a_key_that_does_not_allow_the_page_shows_nothing_broken_and_logs_one_clear_error', async () => {
  const other = await makeKey(api, owner, ['https://elsewhere.example']);
  const v = await visit(`<!doctype html><html><body><p>page</p>${snippet(other.key)}</body></html>`);
  try {
    await eventually(() => v.errors.some((e) => e.startsWith('EdgeChat:')), 'the error');
    const ours = v.errors.filter((e) => e.startsWith('EdgeChat:'));
    assert.equal(ours.length, 1);
    assert.match(ours[0], /allowed origins/);
    assert.equal(await v.chat.getByRole('button', { name: 'Open chat' }).isVisible(), false, 'no launcher that would not work');
    assert.deepEqual(v.dialogs, []);
  } finally {
    await v.close();
  }
});

test('the_iframe_alternative_serves_the_chat_only_to_allowed_framers', async () => {
  const res = await fetch(`${worker.url}/widget/frame?key=${key.key}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-security-policy'), /frame-ancestors http:\/\/127\.0\.0\.1:\*/);
  const v = await visit(`<!doctype html><html><body><iframe title="chat" src="${worker.url}/widget/frame?key=${key.key}" style="width:400px;height:600px"></iframe></body></html>`);
  try {
    const frame = v.page.frameLocator('iframe[title=chat]');
    await frame.locator('edge-chat').getByText('Hi! How can we help you today?').waitFor();
  } finally {
    await v.close();
  }
  assert.equal((await fetch(`${worker.url}/widget/frame?key=pk_doesnotexist000000000`)).status, 401);
});
