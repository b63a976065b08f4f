// The widget's trust and polish defects, each tried in real Chromium as a visitor would: after a close,
// read receipts, languages, the operator's name, the tenant's appearance, right-to-left host pages, a
// failed open, stale buttons, the email form, files before the first message, images and scrolling,
// and accessibility on a phone under a hostile fixed header.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { addOperator, client, signup } from '../helpers/api.mjs';
import { ARTIFACTS, launchBrowser, visitHost } from '../helpers/browser.mjs';
import { eventually, makeKey, openSocket } from '../helpers/chat.mjs';
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

/** A tenant with a key for the test pages and `agents` available operators. */
async function tenant({ agents = 1 } = {}) {
  const owner = await signup(api);
  const team = [];
  for (let i = 0; i < agents; i++) {
    const a = await addOperator(api, owner, 'agent', { capacity: 10, name: `Agent ${i + 1}` });
    await api('PATCH', '/api/admin/me/status', { token: a.token, body: { status: 'available' } });
    team.push(a);
  }
  const key = await makeKey(api, owner, ['http://127.0.0.1:*']);
  return { owner, agents: team, key };
}

const snippet = (k, extra = '') => `<script src="${worker.url}/widget.js" data-key="${k}" ${extra} async></script>`;

const visit = (html, options) => visitHost(browser, html, options);

const conversationOf = (page, key) => eventually(() => page.evaluate((k) => localStorage.getItem(`ec:${k}:conv`), key.key), 'a conversation');
const events = async (owner, id) => (await api('GET', `/api/admin/conversations/${id}/messages?limit=500`, { token: owner.token })).body.results;
const pageErrors = (v) => v.errors.filter((e) => e.startsWith('pageerror') || /Uncaught/.test(e));

test('after_a_close_the_widget_offers_a_new_conversation_and_writing_again_reopens_the_closed_one', async () => {
  const t = await tenant();
  const v = await visit(`<!doctype html><html><body>${snippet(t.key.key)}</body></html>`);
  try {
    await v.chat.getByRole('button', { name: 'Open chat' }).click();
    await v.chat.getByRole('button', { name: 'Talk to a person' }).first().click();
    await v.chat.getByText('Agent 1 joined the conversation').waitFor();
    const first = await conversationOf(v.page, t.key);
    assert.equal((await api('POST', `/api/admin/conversations/${first}/close`, { token: t.agents[0].token })).status, 200);
    await v.chat.getByText('The conversation was closed').waitFor();
    await v.chat.getByRole('button', { name: 'Start a new conversation' }).waitFor();
    await v.page.screenshot({ path: `${ARTIFACTS}widget-after-close.png` });

    // Writing again reopens it, and it goes back to the operator who had it.
    await v.chat.getByRole('textbox', { name: 'Type a message…' }).fill('one more question');
    await v.page.keyboard.press('Enter');
    await v.chat.getByText('The conversation was reopened').waitFor();
    await eventually(async () => (await api('GET', `/api/admin/conversations/${first}`, { token: t.owner.token })).body.status === 'active', 'active again');
    assert.equal(await v.chat.getByText('Agent 1 joined the conversation').count(), 2);

    // Closed again: the button starts a new conversation that links the old one.
    await api('POST', `/api/admin/conversations/${first}/close`, { token: t.agents[0].token });
    await v.chat.getByRole('button', { name: 'Start a new conversation' }).click();
    await v.chat.getByText('Hi! How can we help you today?').waitFor();
    await v.chat.getByRole('textbox', { name: 'Type a message…' }).fill('a new topic');
    await v.page.keyboard.press('Enter');
    const second = await eventually(async () => {
      const id = await conversationOf(v.page, t.key);
      return id !== first && id;
    }, 'a second conversation');
    const opening = await eventually(async () => {
      const list = await events(t.owner, second);
      return list.some((e) => e.text === 'a new topic') && list;
    }, 'the new conversation with the message');
    assert.equal(opening[0].type, 'continued');
    assert.equal(opening[0].data.previous_conversation_id, first);
    assert.deepEqual(pageErrors(v), []);
  } finally {
    await v.close();
  }
});

test('read_receipts_go_once_per_new_message_from_someone_else_and_never_answer_a_receipt', async () => {
  const t = await tenant();
  const v = await visit(`<!doctype html><html><body>${snippet(t.key.key)}</body></html>`);
  try {
    await v.chat.getByRole('button', { name: 'Open chat' }).click();
    await v.chat.getByRole('button', { name: 'Talk to a person' }).first().click();
    await v.chat.getByText(/joined/).waitFor();
    const id = await conversationOf(v.page, t.key);
    const op = await openSocket(worker.url, id, t.agents[0].token, { afterSeq: 0 });
    await op.frame((f) => f.type === 'hello', 'hello');
    const visitorReads = async () => (await events(t.owner, id)).filter((e) => e.type === 'read' && e.author.type === 'visitor');

    // The timeline only grows: a node already shown is the same node after new events (no rebuild,
    // so screen readers announce only what is new).
    await v.chat.locator('[role=log] > *').first().evaluate((n) => (n.dataset.probe = 'kept'));
    op.sendMessage('first answer');
    await v.chat.getByText('first answer').waitFor();
    assert.equal(await v.chat.locator('[role=log] > [data-probe=kept]').count(), 1, 'the first bubble was not rebuilt');
    await eventually(async () => (await visitorReads()).length === 1, 'one receipt for the message');
    // The visitor writes; the operator marks it read: a receipt the widget must not answer.
    await v.chat.getByRole('textbox').fill('thanks');
    await v.page.keyboard.press('Enter');
    const mine = await op.frame((f) => f.type === 'event' && f.event.text === 'thanks', 'the visitor message');
    op.send({ type: 'read', seq: mine.event.seq });
    await v.chat.getByText('Seen').waitFor();
    op.sendMessage('second answer');
    await v.chat.getByText('second answer').waitFor();
    await eventually(async () => (await visitorReads()).length >= 2, 'a receipt for the second message');
    // A probe after everything: the visitor sends once more and we wait for it to be stored.
    await v.chat.getByRole('textbox').fill('probe');
    await v.page.keyboard.press('Enter');
    await eventually(async () => (await events(t.owner, id)).some((e) => e.text === 'probe'), 'the probe');
    const reads = await visitorReads();
    const all = await events(t.owner, id);
    const operatorMessages = all.filter((e) => e.type === 'message' && e.author.type === 'operator').map((e) => e.seq);
    assert.deepEqual(reads.map((r) => r.data.seq), operatorMessages, 'exactly one receipt per operator message, none for the receipt');
    await op.close();
  } finally {
    await v.close();
  }
});

test('a_japanese_visitor_reads_system_events_in_japanese_and_the_header_follows_transfers_and_reloads', async () => {
  const t = await tenant({ agents: 2 });
  const v = await visit(`<!doctype html><html lang="ja"><body>${snippet(t.key.key, 'data-locale="ja"')}</body></html>`);
  try {
    await v.chat.getByRole('button', { name: 'チャットを開く' }).click();
    await v.chat.getByText('こんにちは！ご用件をお選びください。').waitFor();
    await v.chat.getByRole('button', { name: '担当者と話す' }).first().click();
    const joined = v.chat.getByText(/が参加しました$/);
    await joined.waitFor();
    const id = await conversationOf(v.page, t.key);
    const holder = (await api('GET', `/api/admin/conversations/${id}`, { token: t.owner.token })).body.assignee_id;
    const other = t.agents.find((a) => a.operator.id !== holder);
    assert.match(await v.chat.locator('.h small').textContent(), /^Agent \d$/);
    const moved = await api('POST', `/api/admin/conversations/${id}/transfer`, { token: t.owner.token, body: { operator_id: other.operator.id } });
    assert.equal(moved.status, 200, moved.text);
    await v.chat.getByText(`${other.operator.name}に引き継ぎました`).waitFor();
    await eventually(async () => (await v.chat.locator('.h small').textContent()) === other.operator.name, 'the header names the new operator');
    // After a reload and reopening the panel the name is still there.
    await v.page.reload();
    await v.chat.getByRole('button', { name: /チャットを開く/ }).click();
    await eventually(async () => (await v.chat.locator('.h small').textContent()) === other.operator.name, 'the name after a reload');
    await api('POST', `/api/admin/conversations/${id}/close`, { token: t.owner.token });
    await v.chat.getByText('会話は終了しました').waitFor();
    await v.chat.getByRole('button', { name: '新しい会話を始める' }).waitFor();
    assert.equal(await v.chat.locator('.h small').textContent(), 'こんにちは！何かお手伝いできることはありますか？', 'the default greeting in Japanese');
    const english = await v.chat.locator('.t').evaluate((e) => /joined|Transferred|closed|Waiting/.test(e.textContent));
    assert.equal(english, false, 'no English system text');
    await v.page.screenshot({ path: `${ARTIFACTS}widget-ja-closed.png` });
  } finally {
    await v.close();
  }
});

test('outside_business_hours_a_menu_handoff_gives_the_away_notice_in_the_visitors_language', async () => {
  const t = await tenant({ agents: 0 });
  // Closed every day: the schedule opens only on a holiday-free Sunday at 00:00–00:01 Tokyo time.
  const hours = { timezone: 'Asia/Tokyo', weekly: { sun: [['00:00', '00:01']] } };
  assert.equal((await api('PATCH', '/api/admin/settings', { token: t.owner.token, body: { business_hours: hours } })).status, 200);
  for (const [locale, person, notice] of [['zh', '联系人工客服', '现在是非工作时间'], ['ja', '担当者と話す', 'ただいま営業時間外です']]) {
    const v = await visit(`<!doctype html><html><body>${snippet(t.key.key, `data-locale="${locale}"`)}</body></html>`);
    try {
      await v.chat.locator('.l').click();
      await v.chat.getByRole('button', { name: person }).first().click();
      await v.chat.getByText(new RegExp(notice)).first().waitFor();
      const body = await v.chat.locator('.t').textContent();
      assert.doesNotMatch(body, /We're away|Leave your email/, `${locale}: no English notice`);
    } finally {
      await v.close();
    }
  }
});

test('the_tenants_colour_corner_and_greeting_reach_the_widget_and_snippet_attributes_win', async () => {
  const t = await tenant();
  const patch = await api('PATCH', '/api/admin/settings', { token: t.owner.token, body: { widget: { color: '#0a7d32', position: 'left', greeting: 'Welcome to the green shop!' } } });
  assert.equal(patch.status, 200, patch.text);
  const v = await visit(`<!doctype html><html><body>${snippet(t.key.key)}</body></html>`);
  try {
    const launcher = v.chat.getByRole('button', { name: 'Open chat' });
    await eventually(async () => (await launcher.evaluate((b) => getComputedStyle(b).backgroundColor)) === 'rgb(10, 125, 50)', 'the tenant colour on the launcher');
    assert.ok((await launcher.boundingBox()).x < 100, 'bottom left');
    await launcher.click();
    await v.chat.locator('.h small').getByText('Welcome to the green shop!').waitFor();
    assert.equal(await v.chat.locator('.h').evaluate((h) => getComputedStyle(h).backgroundColor), 'rgb(10, 125, 50)');
    assert.ok((await v.chat.getByRole('dialog').boundingBox()).x < 100, 'the panel opens on the left too');
  } finally {
    await v.close();
  }
  const w = await visit(`<!doctype html><html><body>${snippet(t.key.key, 'data-color="#aa0000" data-position="right"')}</body></html>`);
  try {
    const launcher = w.chat.getByRole('button', { name: 'Open chat' });
    await launcher.click();
    await w.chat.getByText('Welcome to the green shop!').waitFor();
    assert.equal(await launcher.evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(170, 0, 0)', 'the snippet colour wins');
    assert.ok((await launcher.boundingBox()).x > 1000, 'the snippet corner wins');
  } finally {
    await w.close();
  }
});

test('an_rtl_host_page_does_not_mirror_the_widget_and_a_failed_open_offers_try_again_with_a_loading_state', async () => {
  const t = await tenant();
  const v = await visit(`<!doctype html><html dir="rtl" lang="ar"><body style="direction:rtl"><p>متجر</p>${snippet(t.key.key, 'data-locale="en"')}</body></html>`);
  try {
    const launcher = v.chat.getByRole('button', { name: 'Open chat' });
    await launcher.waitFor();
    assert.ok((await launcher.boundingBox()).x > 1000, 'the launcher stays bottom right');
    // The chat's own configuration request fails once (the network drops it).
    let failed = 0;
    await v.page.route(/\/api\/widget\/config\?locale=/, (route) => (failed++ === 0 ? route.abort('internetdisconnected') : route.continue()));
    await launcher.click();
    await v.chat.getByText('The chat could not be loaded.').waitFor();
    assert.equal(await launcher.isVisible(), true, 'the launcher stays');
    // Try again on a slow network: a loading state first, then the chat.
    await v.page.unroute(/\/api\/widget\/config\?locale=/);
    let release;
    const held = new Promise((r) => (release = r));
    await v.page.route(/\/api\/widget\/config\?locale=/, async (route) => (await held, route.continue()));
    await v.chat.getByRole('button', { name: 'Try again' }).click();
    await v.chat.getByText('Loading…').waitFor();
    release();
    await v.chat.getByText('Hi! How can we help you today?').waitFor();
    const dir = await v.chat.getByRole('dialog').evaluate((p) => getComputedStyle(p).direction);
    assert.equal(dir, 'ltr', 'the widget sets its own direction');
    const box = await v.chat.getByRole('dialog').boundingBox();
    assert.ok(box.x + box.width > 1200, 'the panel opens bottom right');
    const welcome = await v.chat.getByText('Hi! How can we help you today?').boundingBox();
    assert.ok(welcome.x < box.x + 40, 'bot bubbles start on the left of the panel');
    await v.page.screenshot({ path: `${ARTIFACTS}widget-rtl-host.png` });
    assert.deepEqual(pageErrors(v), []);
  } finally {
    await v.close();
  }
});

test('stale_buttons_act_once_the_email_form_stays_gone_and_nothing_throws_into_the_host_page', async () => {
  const t = await tenant({ agents: 0 });
  const v = await visit(`<!doctype html><html><body>${snippet(t.key.key)}</body></html>`);
  try {
    await v.chat.getByRole('button', { name: 'Open chat' }).click();
    await v.chat.getByRole('textbox').fill('hello there');
    await v.page.keyboard.press('Enter');
    const person = v.chat.getByRole('button', { name: 'Talk to a person' }).first();
    await person.waitFor();
    // A double click sends one handoff; the row is disabled at once and gone once handed off.
    await person.dblclick();
    await v.chat.getByText('Nobody can answer right now. Leave your email and we will reply.').waitFor();
    await eventually(async () => (await v.chat.getByRole('button', { name: 'Talk to a person' }).count()) === 0, 'no stale handoff buttons');
    const id = await conversationOf(v.page, t.key);
    assert.equal((await events(t.owner, id)).filter((e) => e.type === 'handoff').length, 1);
    const email = v.chat.getByRole('textbox', { name: 'Your email' });
    await email.fill('kai@example.com');
    await v.page.keyboard.press('Enter');
    await v.chat.getByText(/kai@example\.com/).waitFor();
    // More events arrive; the form does not come back.
    await v.chat.getByRole('textbox', { name: 'Type a message…' }).fill('one more');
    await v.page.keyboard.press('Enter');
    await eventually(async () => (await events(t.owner, id)).some((e) => e.text === 'one more'), 'stored');
    await v.chat.getByText('one more').waitFor();
    assert.equal(await v.chat.getByRole('textbox', { name: 'Your email' }).count(), 0);
    assert.deepEqual(pageErrors(v), []);
  } finally {
    await v.close();
  }
});

test('a_file_before_the_first_message_starts_the_conversation_and_images_keep_the_timeline_at_the_bottom', async () => {
  const t = await tenant();
  const v = await visit(`<!doctype html><html><body>${snippet(t.key.key)}</body></html>`);
  try {
    await v.chat.getByRole('button', { name: 'Open chat' }).click();
    await v.chat.getByText('Hi! How can we help you today?').waitFor();
    writeFileSync(`${ARTIFACTS}tall.png`, png(200, 600));
    await v.chat.locator('input[type=file]').setInputFiles(`${ARTIFACTS}tall.png`);
    const id = await conversationOf(v.page, t.key);
    await eventually(async () => (await events(t.owner, id)).some((e) => e.type === 'attachment'), 'the file in the new conversation');
    await v.chat.locator('img[alt="tall.png"]').waitFor();
    // Fill the timeline, then an operator's tall image arrives: once loaded, the timeline is at the bottom.
    for (let i = 0; i < 15; i++) await api('POST', `/api/admin/conversations/${id}/messages`, { token: t.owner.token, body: { client_msg_id: randomUUID(), text: `line ${i}` } });
    await v.chat.getByText('line 14').waitFor();
    const r = await fetch(`${worker.url}/api/admin/conversations/${id}/attachments?name=reply.png&client_msg_id=${randomUUID()}`, { method: 'POST', headers: { authorization: `Bearer ${t.owner.token}` }, body: png(300, 900) });
    assert.equal(r.status, 201);
    const img = v.chat.locator('img[alt="reply.png"]');
    await img.waitFor();
    await eventually(() => img.evaluate((i) => i.complete && i.naturalHeight === 900), 'the image to load');
    await eventually(() => v.chat.locator('.t').evaluate((t) => t.scrollHeight - t.scrollTop - t.clientHeight < 2), 'at the bottom after the image loaded');
    assert.deepEqual(pageErrors(v), []);
  } finally {
    await v.close();
  }
});

test('on_a_phone_under_a_hostile_fixed_header_the_sheet_is_on_top_keeps_the_keyboard_down_and_is_accessible', async () => {
  const t = await tenant();
  const header = '<header style="position:fixed;top:0;left:0;right:0;height:80px;background:#111;z-index:2147483647">Shop</header>';
  const v = await visit(`<!doctype html><html><head><meta name="viewport" content="width=device-width"></head><body>${header}${snippet(t.key.key)}</body></html>`, { viewport: { width: 390, height: 844 } });
  try {
    const launcher = v.chat.getByRole('button', { name: 'Open chat' });
    await launcher.click();
    await v.chat.getByText('Hi! How can we help you today?').waitFor();
    const panel = v.chat.getByRole('dialog');
    await panel.evaluate((p) => Promise.all(p.getAnimations().map((a) => a.finished)));
    assert.equal(await panel.evaluate((p) => p.matches(':popover-open')), true, 'in the top layer');
    assert.equal(await v.page.evaluate(() => document.elementFromPoint(195, 30)?.tagName), 'EDGE-CHAT', 'the sheet covers the host header, not the other way round');
    assert.notEqual(await v.chat.evaluate((c) => c.shadowRoot.activeElement?.tagName), 'TEXTAREA', 'no keyboard popping up on open');
    for (const name of ['Past conversations', 'Close chat']) {
      const b = await v.chat.getByRole('button', { name }).boundingBox();
      assert.ok(b.width >= 44 && b.height >= 44, `${name}: ${b.width}×${b.height}`);
    }
    // Keyboard focus on a header button is visible.
    await v.chat.getByRole('button', { name: 'Close chat' }).focus();
    await v.page.keyboard.press('Shift+Tab');
    await v.page.keyboard.press('Tab');
    const outline = await v.chat.evaluate((c) => {
      const b = c.shadowRoot.activeElement;
      return b?.matches(':focus-visible') ? getComputedStyle(b).outlineStyle : 'not focus-visible';
    });
    assert.notEqual(outline, 'none');
    assert.notEqual(outline, 'not focus-visible');
    await v.page.screenshot({ path: `${ARTIFACTS}widget-phone-header.png` });
    // Closed, a reply arrives: the launcher says so in words, not only with a badge.
    await v.chat.getByRole('textbox').fill('hi');
    await v.page.keyboard.press('Enter');
    const id = await conversationOf(v.page, t.key);
    await eventually(async () => (await events(t.owner, id)).some((e) => e.text === 'hi'), 'stored');
    await v.chat.getByRole('button', { name: 'Close chat' }).click();
    await api('POST', `/api/admin/conversations/${id}/messages`, { token: t.owner.token, body: { client_msg_id: randomUUID(), text: 'a reply' } });
    await eventually(async () => (await launcher.getAttribute('aria-label')) === 'Open chat, 1 unread', 'the unread count in the label');
  } finally {
    await v.close();
  }
});
