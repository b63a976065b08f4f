// The visitor's journey in real Chromium: the page they are on shown to the operator, "End
// conversation" with a confirmation (and the site's EdgeChat.end()), the operator's console seeing it
// live, a 1–5 rating with a comment asked once, the transcript downloaded as text or a printable
// page or emailed (wrangler's simulated send_email binding keeps the mail), and a new conversation
// after — on a desktop in English with the console open beside it, and on a phone in Korean.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { findMail } from '../../scripts/mailbox.mjs';
import { client, signup } from '../helpers/api.mjs';
import { ARTIFACTS, consoleSession, launchBrowser, visitHost } from '../helpers/browser.mjs';
import { eventually, makeKey, newConversation, newVisitor, quietBot, widgetClient } from '../helpers/chat.mjs';
import { startWorker } from '../helpers/worker.mjs';

let worker;
let browser;
let api;
const spool = mkdtempSync(join(tmpdir(), 'edgechat-mail-'));
before(async () => {
  // A local run's minute is 100 ms here (DEV_MINUTE_MS, with the dev switches): auto-close in a test's time.
  worker = await startWorker({ mailSpool: spool, vars: { MAIL_FROM: 'chat@journey.example', DEV_FAULTS: '1', DEV_MINUTE_MS: '100' } });
  api = client(worker.url);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await worker?.stop();
});

const snippet = (k, extra = '') => `<script src="${worker.url}/widget.js" data-key="${k}" ${extra} async></script>`;
const pageErrors = (v) => v.errors.filter((e) => e.startsWith('pageerror') || /Uncaught/.test(e));

async function tenant() {
  const owner = await signup(api);
  await quietBot(api, owner);
  const key = await makeKey(api, owner, ['http://127.0.0.1:*']);
  return { owner, key };
}
const onlyConversation = async (owner) => eventually(async () => (await api('GET', '/api/admin/conversations', { token: owner.token })).body.results[0], 'the conversation');
const detail = async (owner, id) => (await api('GET', `/api/admin/conversations/${id}`, { token: owner.token })).body;

test('the_visitor_ends_the_chat_after_confirming_rates_it_downloads_the_transcript_and_the_console_sees_it_live', async () => {
  const t = await tenant();
  const v = await visitHost(browser, `<!doctype html><html><head><title>Running shoes</title></head><body><h1>Shop</h1>${snippet(t.key.key)}</body></html>`);
  const op = await consoleSession(browser, worker.url, t.owner.email, t.owner.password);
  try {
    await v.chat.getByRole('button', { name: 'Open chat' }).click();
    await v.chat.getByRole('textbox', { name: 'Type a message…' }).fill('My parcel is late');
    await v.page.keyboard.press('Enter');
    const conv = await onlyConversation(t.owner);
    const reply = await api('POST', `/api/admin/conversations/${conv.id}/messages`, { token: t.owner.token, body: { client_msg_id: randomUUID(), text: 'It ships today, sorry for the wait.' } });
    assert.equal(reply.status, 201, reply.text);
    await v.chat.getByText('It ships today, sorry for the wait.').waitFor();
    await op.page.goto(`${worker.url}/admin/c/${conv.id}`);
    await op.page.locator('li.msg', { hasText: 'It ships today, sorry for the wait.' }).waitFor(); // the timeline (the inbox row previews it too)
    // Where the visitor is, for the operator only.
    await op.page.locator('.visitor-page', { hasText: 'Running shoes' }).waitFor();
    assert.match(await op.page.locator('.visitor-device').textContent(), /Chrome \d+ · Linux · desktop/);
    assert.match(await op.page.locator('.visitor-pages').textContent(), /Running shoes/);
    assert.equal(await v.chat.getByText('Running shoes').count(), 0, 'the visitor does not see it in the chat');
    // A single-page site moves on with history.pushState and says so.
    await v.page.evaluate(() => {
      history.pushState({}, '', '/checkout');
      document.title = 'Checkout';
      window.EdgeChat.page();
    });
    await op.page.locator('.visitor-page', { hasText: 'Checkout' }).waitFor();
    assert.match(await op.page.locator('.visitor-pages').textContent(), /Running shoes[\s\S]*Checkout|Checkout[\s\S]*Running shoes/);

    // Asked first; "Cancel" changes nothing.
    await v.chat.getByRole('button', { name: 'End conversation' }).click();
    await v.chat.getByText('End this conversation?').waitFor();
    await v.chat.getByRole('button', { name: 'Cancel' }).click();
    await eventually(async () => (await v.chat.getByText('End this conversation?').count()) === 0, 'the question gone');
    assert.equal((await detail(t.owner, conv.id)).status, 'active', 'cancelled: still open');

    await v.chat.getByRole('button', { name: 'End conversation' }).click();
    await v.chat.getByRole('button', { name: 'End conversation' }).click();
    await v.chat.getByText('The conversation was closed').waitFor();
    await op.page.getByText('The visitor ended the conversation').waitFor();
    assert.equal((await detail(t.owner, conv.id)).status, 'closed');
    assert.equal(await v.chat.getByRole('button', { name: 'End conversation' }).count(), 0, 'nothing left to end');

    // The rating: a star first, then the comment; asked once.
    await v.chat.getByText('How did we do?').waitFor();
    const send = v.chat.locator('form:has(input[aria-label="Anything to add? (optional)"]) button');
    assert.equal(await send.isDisabled(), true, 'nothing to send before a star');
    await v.chat.getByRole('button', { name: '4 of 5' }).click();
    assert.deepEqual(await v.chat.locator('.c .v').evaluateAll((stars) => stars.map((s) => s.getAttribute('aria-pressed'))), ['true', 'true', 'true', 'true', 'false']);
    await v.chat.getByRole('textbox', { name: 'Anything to add? (optional)' }).fill('Friendly and quick');
    await v.page.screenshot({ path: `${ARTIFACTS}widget-rating-desktop.png` });
    await send.click();
    await v.chat.getByText('Thanks for your rating!').waitFor();
    assert.equal(await v.chat.getByText('How did we do?').count(), 0, 'asked once');
    await op.page.getByText(/The visitor rated the conversation: ★★★★☆ 4\/5 — “Friendly and quick”/).waitFor();
    assert.deepEqual((await detail(t.owner, conv.id)).rating.score, 4);
    await op.page.locator('.visitor-rating', { hasText: '★★★★☆ 4/5' }).waitFor();

    // The transcript, as a text file and as a printable page.
    await v.chat.getByRole('button', { name: 'Download transcript' }).click();
    const [download] = await Promise.all([v.page.waitForEvent('download'), v.chat.getByRole('button', { name: 'Text file' }).click()]);
    assert.match(download.suggestedFilename(), /^chat-.*\.txt$/);
    const text = await readFile(await download.path(), 'utf8');
    assert.match(text, /You: My parcel is late/);
    assert.match(text, /Owner Person: It ships today, sorry for the wait\./);
    assert.match(text, /The conversation was closed/);
    assert.ok(text.indexOf('My parcel is late') < text.indexOf('It ships today'), 'in order');
    const [printable] = await Promise.all([v.page.waitForEvent('download'), v.chat.getByRole('button', { name: 'Printable page' }).click()]);
    assert.match(printable.suggestedFilename(), /^chat-.*\.html$/);
    const page = await browser.newPage();
    await page.setContent(await readFile(await printable.path(), 'utf8'));
    assert.equal(await page.title(), `Conversation with ${t.owner.tenant.name}`);
    assert.equal(await page.locator('tr.me td:last-child').first().textContent(), 'My parcel is late');
    await page.screenshot({ path: `${ARTIFACTS}transcript-printable.png` });
    await page.close();
    // And by email: an address the site did not vouch for gets a link first; the operator sees both.
    await v.chat.getByRole('button', { name: 'Email me the transcript' }).click();
    await v.chat.getByRole('textbox', { name: 'Your email' }).fill('kai@visitor.example');
    await v.chat.locator('form:has(input[type=email])').getByRole('button', { name: 'Send' }).click();
    await v.chat.getByText('We sent a link to kai@visitor.example: open it to get the transcript').waitFor();
    await op.page.getByText('The visitor asked for the transcript by email (kai@visitor.example)').waitFor();
    const confirm = await eventually(() => findMail(spool, (m) => m.headers.to === 'kai@visitor.example'), 'the confirmation');
    const inbox = await browser.newPage();
    await inbox.goto(/http:\/\/\S+\/api\/transcripts\/send\?token=\S+/.exec(confirm.text)[0]);
    await inbox.getByText('The transcript is on its way to kai@visitor.example.').waitFor();
    await inbox.close();
    const mail = await eventually(() => findMail(spool, (m) => m.headers.to === 'kai@visitor.example' && /^Conversation with/.test(m.headers.subject)), 'the transcript');
    assert.match(mail.text, /You: My parcel is late/);
    await op.page.getByText('The transcript was emailed to kai@visitor.example (address confirmed)').waitFor();
    await v.page.screenshot({ path: `${ARTIFACTS}widget-after-close-desktop.png` });
    await op.page.screenshot({ path: `${ARTIFACTS}console-visitor-ended-and-rated.png` });

    // And a new conversation after it.
    await v.chat.getByRole('button', { name: 'Start a new conversation' }).click();
    await eventually(async () => (await v.chat.getByText('Thanks for your rating!').count()) === 0, 'a fresh start');
    assert.deepEqual(pageErrors(v), []);
    assert.deepEqual(op.problems, []);
  } finally {
    await v.close();
    await op.context.close();
  }
});

test('on_a_phone_in_korean_the_site_ends_the_chat_and_the_visitor_rates_it_with_the_stars', async () => {
  const t = await tenant();
  // A hostile host page: a global reset and right-to-left text around the widget.
  const page = `<!doctype html><html lang="ko" dir="rtl"><head><style>*{all:unset;box-sizing:content-box!important}button{font-size:40px!important}</style></head><body><p>상점</p>${snippet(t.key.key, 'data-locale="ko"')}</body></html>`;
  const v = await visitHost(browser, page, { viewport: { width: 390, height: 844 }, locale: 'ko-KR' });
  try {
    await v.chat.getByRole('button', { name: '채팅 열기' }).click();
    await v.chat.locator('textarea').fill('배송이 늦어요');
    await v.page.keyboard.press('Enter');
    const conv = await onlyConversation(t.owner);
    await v.chat.getByRole('button', { name: '대화 종료' }).waitFor();
    await v.page.evaluate(() => window.EdgeChat.end());
    await v.chat.getByText('상담은 어떠셨나요?').waitFor();
    assert.equal((await detail(t.owner, conv.id)).status, 'closed', 'EdgeChat.end() closed it without asking');
    const five = v.chat.getByRole('button', { name: '5점 만점에 5점' });
    const box = await five.boundingBox();
    assert.ok(box && box.width >= 40 && box.height >= 36, `a finger-sized star: ${JSON.stringify(box)}`);
    await five.click();
    await v.chat.locator('form:has(input[aria-label="남기실 의견 (선택)"])').getByRole('button', { name: '보내기' }).click();
    await v.chat.getByText('평가해 주셔서 감사합니다!').waitFor();
    await v.page.screenshot({ path: `${ARTIFACTS}widget-rating-phone-ko.png` });
    await eventually(async () => (await detail(t.owner, conv.id)).rating?.score === 5, 'the rating stored');
    // The transcript by email, in Korean.
    await v.chat.getByRole('button', { name: '대화 내용 다운로드' }).click();
    await v.chat.getByRole('button', { name: '대화 내용을 이메일로 받기' }).click();
    await v.chat.getByRole('textbox', { name: '이메일 주소' }).fill('minji@visitor.example');
    await v.chat.locator('form:has(input[type=email])').getByRole('button', { name: '보내기' }).click();
    await v.chat.getByText('minji@visitor.example(으)로 링크를 보냈습니다. 링크를 열면 대화 내용을 받을 수 있습니다').waitFor();
    await v.page.screenshot({ path: `${ARTIFACTS}widget-transcript-emailed-phone-ko.png` });
    const mail = await eventually(() => findMail(spool, (m) => m.headers.to === 'minji@visitor.example'), 'the confirmation');
    assert.equal(mail.headers.subject, `${t.owner.tenant.name} 대화 내용: 이메일 주소 확인`);
    assert.match(mail.text, /대화 내용 받기\nhttp/);
    assert.deepEqual(pageErrors(v), []);
  } finally {
    await v.close();
  }
});

test('a_pre_chat_form_in_japanese_asks_for_the_required_name_before_the_first_message_goes', async () => {
  const t = await tenant();
  const set = await api('PATCH', '/api/admin/settings', { token: t.owner.token, body: { widget: { prechat: { fields: 'name_email', name_required: true, email_required: false, when: 'start' } } } });
  assert.equal(set.status, 200, set.text);
  const v = await visitHost(browser, `<!doctype html><html lang="ja"><body>${snippet(t.key.key, 'data-locale="ja"')}</body></html>`, { locale: 'ja-JP' });
  try {
    await v.chat.getByRole('button', { name: 'チャットを開く' }).click();
    await v.chat.getByRole('textbox', { name: 'メッセージを入力…' }).fill('返品したいです');
    await v.page.keyboard.press('Enter');
    await v.chat.getByText('はじめに、お名前と連絡先を教えてください。').waitFor();
    await v.chat.locator('.g.me.w', { hasText: '返品したいです' }).waitFor();
    const name = v.chat.getByRole('textbox', { name: 'お名前' });
    const email = v.chat.getByRole('textbox', { name: 'メールアドレス（任意）' });
    await email.waitFor();
    assert.equal(await name.evaluate((i) => i.required), true);
    assert.equal(await email.evaluate((i) => i.required), false);
    await v.chat.getByRole('button', { name: '次へ' }).click();
    assert.equal(await name.evaluate((i) => i.validity.valueMissing), true, 'the browser holds an empty required name');
    assert.deepEqual((await api('GET', '/api/admin/conversations', { token: t.owner.token })).body.results, [], 'nothing started yet');
    await name.fill('田中 花子');
    await v.page.screenshot({ path: `${ARTIFACTS}widget-prechat-ja.png` });
    await v.chat.getByRole('button', { name: '次へ' }).click();
    await v.chat.locator('.g.me', { hasText: '返品したいです' }).waitFor();
    const conv = await onlyConversation(t.owner);
    assert.equal((await detail(t.owner, conv.id)).visitor.name, '田中 花子', 'the operator sees the name');
    assert.equal(await v.chat.getByText('はじめに、お名前と連絡先を教えてください。').count(), 0, 'asked once');
    assert.deepEqual(pageErrors(v), []);
  } finally {
    await v.close();
  }
});

test('on_a_phone_in_chinese_the_visitor_picks_a_team_and_with_nobody_online_leaves_a_message_the_team_gets_by_email', async () => {
  const t = await tenant();
  const team = async (name, label) => (await api('POST', '/api/admin/departments', { token: t.owner.token, body: { name, widget_visible: true, widget_labels: { zh: label } } })).body;
  const sales = await team('Sales', '售前咨询');
  await team('Support', '售后服务');
  const v = await visitHost(browser, `<!doctype html><html lang="zh"><body>${snippet(t.key.key, 'data-locale="zh"')}</body></html>`, { viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  try {
    await v.chat.getByRole('button', { name: '打开聊天' }).click();
    await v.chat.getByRole('textbox', { name: '输入消息…' }).fill('我想买一台');
    await v.page.keyboard.press('Enter');
    const conv = await onlyConversation(t.owner);
    // The conversation is on screen (the menu's own "talk to a person" is gone with the menu).
    await v.chat.locator('.g.me', { hasText: '我想买一台' }).waitFor();
    await v.chat.getByRole('button', { name: '联系人工客服' }).click();
    await v.chat.getByText('您想咨询哪个团队？').waitFor();
    await v.page.screenshot({ path: `${ARTIFACTS}widget-teams-phone-zh.png` });
    await v.chat.getByRole('button', { name: '售前咨询' }).click();
    await eventually(async () => (await detail(t.owner, conv.id)).department_id === sales.id, 'queued in the chosen team');
    assert.equal(await v.chat.getByText('您想咨询哪个团队？').count(), 0, 'the question is gone once answered');
    // Nobody is online: the visitor leaves an address and the owner gets the message by email.
    await v.chat.getByText('目前没有客服可以回复。请留下邮箱，我们会回复您。').waitFor();
    await v.chat.getByRole('textbox', { name: '您的邮箱' }).fill('wei@visitor.example');
    await v.chat.locator('form:has(input[type=email])').getByRole('button', { name: '发送' }).click();
    const mail = await eventually(() => findMail(spool, (m) => m.headers['reply-to'] === 'wei@visitor.example'), 'the team mail');
    assert.equal(mail.headers.to, t.owner.email);
    assert.match(mail.text, /wei@visitor\.example: 我想买一台/);
    await v.page.screenshot({ path: `${ARTIFACTS}widget-left-message-phone-zh.png` });
    assert.deepEqual(pageErrors(v), []);
  } finally {
    await v.close();
  }
});

test('an_owner_sets_up_ratings_page_tracking_the_pre_chat_form_and_the_teams_in_the_console', async () => {
  const t = await tenant();
  const extra = (await api('POST', '/api/admin/departments', { token: t.owner.token, body: { name: 'Returns' } })).body;
  const c = await consoleSession(browser, worker.url, t.owner.email, t.owner.password);
  try {
    await c.page.goto(`${worker.url}/admin/settings/appearance`);
    await c.page.locator('input[name=csat]').uncheck();
    await c.page.locator('input[name=page_tracking]').uncheck();
    await c.page.locator('select[name=prechat_fields]').selectOption('name_email');
    await c.page.locator('input[name=prechat_email_required]').check();
    await c.page.locator('select[name=prechat_when]').selectOption('handoff');
    await c.page.getByRole('button', { name: 'Save' }).click();
    await c.page.getByText('Saved').first().waitFor();
    const w = (await api('GET', '/api/admin/settings', { token: t.owner.token })).body.widget;
    assert.deepEqual([w.csat, w.page_tracking, w.prechat], [false, false, { fields: 'name_email', name_required: false, email_required: true, when: 'handoff' }]);
    await c.page.screenshot({ path: `${ARTIFACTS}console-widget-journey-settings.png`, fullPage: true });

    await c.page.goto(`${worker.url}/admin/settings/departments`);
    const card = c.page.locator(`[data-department="Returns"]`);
    await card.locator('input[name=widget_visible]').check();
    await card.locator('input[name=label_ja]').fill('返品の窓口');
    await card.getByRole('button', { name: 'Save labels' }).click();
    await eventually(async () => {
      const d = (await api('GET', `/api/admin/departments/${extra.id}`, { token: t.owner.token })).body;
      return d.widget_visible && d.widget_labels.ja === '返品の窓口';
    }, 'the team offered with its Japanese label');
    await c.page.screenshot({ path: `${ARTIFACTS}console-departments-widget.png`, fullPage: true });
    assert.deepEqual(c.problems, []);
  } finally {
    await c.context.close();
  }
});

test('operators_download_a_conversation_and_owners_the_filtered_list_from_the_console', async () => {
  const t = await tenant();
  const w = widgetClient(worker.url, (await makeKey(api, t.owner)).key);
  const v = await newVisitor(w, { name: 'Dana' });
  const conv = await newConversation(w, v, { client_request_id: randomUUID(), message: { client_msg_id: randomUUID(), text: 'Where is order 1234, please?' } });
  await eventually(async () => (await api('GET', '/api/admin/exports/conversations', { token: t.owner.token })).body.length === 1, 'the conversation in D1');
  const c = await consoleSession(browser, worker.url, t.owner.email, t.owner.password);
  try {
    await c.page.goto(`${worker.url}/admin/c/${conv.id}`);
    await c.page.locator('.timeline .text', { hasText: 'Where is order 1234, please?' }).waitFor();
    const [one] = await Promise.all([c.page.waitForEvent('download'), c.page.locator('[data-action=export-csv]').click()]);
    assert.equal(one.suggestedFilename(), 'edgechat-events.csv');
    const text = await readFile(await one.path(), 'utf8');
    assert.match(text, /^conversation_id,seq,created_at,type,/);
    assert.match(text, /"Where is order 1234, please\?"/);
    const [list] = await Promise.all([c.page.waitForEvent('download'), c.page.locator('[data-action=export]').click()]);
    assert.equal(list.suggestedFilename(), 'edgechat-conversations.csv');
    const rows = (await readFile(await list.path(), 'utf8')).trimEnd().split('\r\n');
    assert.equal(rows.length, 2, 'the header and the one open conversation');
    assert.match(rows[1], /Dana/);
    assert.deepEqual(c.problems, []);
  } finally {
    await c.context.close();
  }
});

test('a_file_attached_before_the_first_message_waits_for_the_pre_chat_form_then_goes', async () => {
  const t = await tenant();
  await api('PATCH', '/api/admin/settings', { token: t.owner.token, body: { widget: { prechat: { fields: 'name', name_required: true, when: 'start' } } } });
  const v = await visitHost(browser, `<!doctype html><html><body>${snippet(t.key.key)}</body></html>`);
  try {
    await v.chat.getByRole('button', { name: 'Open chat' }).click();
    await v.chat.locator('input[type=file]').setInputFiles({ name: 'receipt.txt', mimeType: 'text/plain', buffer: Buffer.from('order 1234, paid') });
    await v.chat.getByRole('textbox', { name: 'Your name' }).fill('Noa');
    await v.chat.getByRole('button', { name: 'Continue' }).click();
    await v.chat.getByText('📄 receipt.txt').waitFor();
    const conv = await onlyConversation(t.owner);
    const events = (await api('GET', `/api/admin/conversations/${conv.id}/messages`, { token: t.owner.token })).body.results;
    assert.deepEqual(events.filter((e) => e.type === 'attachment').map((e) => e.data.name), ['receipt.txt']);
    assert.equal((await detail(t.owner, conv.id)).visitor.name, 'Noa');
    assert.deepEqual(pageErrors(v), []);
  } finally {
    await v.close();
  }
});

test('the_owner_chooses_who_gets_messages_left_while_nobody_is_available_and_can_switch_email_transcripts_off', async () => {
  const t = await tenant();
  const op = await consoleSession(browser, worker.url, t.owner.email, t.owner.password);
  try {
    await op.page.goto(`${worker.url}/admin/settings/appearance`);
    const box = op.page.locator('fieldset.email');
    await box.waitFor();
    assert.equal(await box.getByText('This deployment sends no email').count(), 0, 'this one sends email');
    await box.locator('textarea[name=offline_emails]').fill('Desk@Shop.example\nlead@shop.example');
    await box.locator('input[name=transcript_email]').uncheck();
    await op.page.getByRole('button', { name: 'Save' }).first().click();
    await eventually(async () => (await api('GET', '/api/admin/settings', { token: t.owner.token })).body.widget.offline_emails.length === 2, 'saved');
    const saved = (await api('GET', '/api/admin/settings', { token: t.owner.token })).body.widget;
    assert.deepEqual(saved.offline_emails, ['desk@shop.example', 'lead@shop.example']);
    assert.equal(saved.transcript_email, false);
    await op.page.reload();
    assert.equal(await op.page.locator('textarea[name=offline_emails]').inputValue(), 'desk@shop.example\nlead@shop.example');
    await box.locator('textarea[name=offline_emails]').fill('not-an-address');
    await op.page.getByRole('button', { name: 'Save' }).first().click();
    await op.page.locator('fieldset.email .error, fieldset.email [role=alert]').first().waitFor();
    await op.page.screenshot({ path: `${ARTIFACTS}console-email-settings.png` });
    assert.deepEqual((await api('GET', '/api/admin/settings', { token: t.owner.token })).body.widget.offline_emails, ['desk@shop.example', 'lead@shop.example'], 'a bad address changes nothing');
    assert.deepEqual(op.problems.filter((p) => !/422/.test(p)), []);
  } finally {
    await op.context.close();
  }
});

test('in_japanese_a_chat_left_with_the_bot_closes_by_itself_and_the_widget_asks_for_a_rating', async () => {
  const t = await tenant();
  const set = await api('PATCH', '/api/admin/settings', { token: t.owner.token, body: { widget: { auto_close: { bot_minutes: 5, visitor_minutes: 0 } } } });
  assert.equal(set.status, 200, set.text);
  const v = await visitHost(browser, `<!doctype html><html lang="ja"><body>${snippet(t.key.key, 'data-locale="ja"')}</body></html>`, { locale: 'ja-JP' });
  try {
    await v.chat.getByRole('button', { name: 'チャットを開く' }).click();
    await v.chat.getByRole('textbox', { name: 'メッセージを入力…' }).fill('営業時間を教えてください');
    await v.page.keyboard.press('Enter');
    await v.chat.getByText('しばらくやり取りがなかったため、会話を終了しました').waitFor();
    await v.chat.getByText('今回の対応はいかがでしたか？').waitFor();
    await v.page.screenshot({ path: `${ARTIFACTS}widget-idle-closed-ja.png` });
    const conv = await onlyConversation(t.owner);
    assert.equal((await detail(t.owner, conv.id)).status, 'closed');
    assert.deepEqual(pageErrors(v), []);
  } finally {
    await v.close();
  }
});

test('the_owner_defines_a_category_and_operators_see_it_with_the_summary_and_filter_by_it', async () => {
  const t = await tenant();
  const w = widgetClient(worker.url, t.key.key, 'http://127.0.0.1:8000');
  const op = await consoleSession(browser, worker.url, t.owner.email, t.owner.password);
  try {
    await op.page.goto(`${worker.url}/admin/settings/categories`);
    await op.page.locator('input[name=category-name]').fill('Shipping');
    await op.page.locator('input[name=category-keywords]').fill('parcel, 配送');
    await op.page.getByRole('button', { name: 'Add' }).click();
    await op.page.locator('tr[data-category=Shipping]', { hasText: 'parcel, 配送' }).waitFor();

    const v = await newVisitor(w);
    const conv = await newConversation(w, v, { client_request_id: randomUUID(), message: { client_msg_id: randomUUID(), text: 'Where is my parcel 778899?' } });
    assert.equal((await w('POST', `/conversations/${conv.id}/handoff`, { token: v.token, body: {} })).status, 200);
    await op.page.goto(`${worker.url}/admin/c/${conv.id}`);
    const card = op.page.locator('li.summary');
    await card.getByText('Summary for whoever takes over').waitFor();
    assert.equal(await card.locator('.refs code').textContent(), '778899');
    await op.page.getByText('Category: Shipping (by the rules)').waitFor();
    assert.equal(await op.page.locator('select[name=category] option:checked').textContent(), 'Shipping');
    await op.page.screenshot({ path: `${ARTIFACTS}console-summary-and-category.png` });

    // The inbox filter (D1 follows the room).
    await op.page.locator('select[name=category-filter]').selectOption({ label: 'Shipping' });
    await op.page.locator(`.conv[data-id="${conv.id}"]`).waitFor();
    await op.page.locator('select[name=category-filter]').selectOption({ label: 'No category' });
    await eventually(async () => (await op.page.locator(`.conv[data-id="${conv.id}"]`).count()) === 0, 'filtered out');

    await op.page.locator('select[name=category]').selectOption({ label: 'No category' });
    await op.page.getByText('Category removed').waitFor();
    assert.equal((await detail(t.owner, conv.id)).category_id, null);
    assert.deepEqual(op.problems, []);
  } finally {
    await op.context.close();
  }
});
