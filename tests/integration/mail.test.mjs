// Transcripts and email, against the real Worker with wrangler's simulated `send_email` binding (each
// mail it sends lands as an .eml file in the spool folder given to wrangler as $TMPDIR): the visitor
// downloads the conversation as text or a printable page (nothing private in it, nothing in it
// markup), has it emailed — at once to the address their site vouched for, else after a confirmation
// link (fixed words, single use) — at most three times, each shown to operators; a message left while
// nobody is available reaches the team once, with the visitor's address to reply to; a tenant's daily
// allowance bounds it all.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createHmac } from 'node:crypto';
import { findMail, parseMail, sentMails } from '../../scripts/mailbox.mjs';
import { client, signup } from '../helpers/api.mjs';
import { eventually, makeKey, newConversation, newVisitor, quietBot, widgetClient } from '../helpers/chat.mjs';
import { startWorker } from '../helpers/worker.mjs';

const FROM = 'chat@mail.example';
// Emails a tenant may send a day (the deployment's MAIL_DAILY_LIMIT; 200 by default).
const DAILY_LIMIT = 5;
let worker;
let api;
let owner;
let w;
let spool;
before(async () => {
  spool = mkdtempSync(join(tmpdir(), 'edgechat-mail-'));
  worker = await startWorker({ mailSpool: spool, vars: { MAIL_FROM: FROM, MAIL_DAILY_LIMIT: String(DAILY_LIMIT) } });
  api = client(worker.url);
  owner = await signup(api, { company: 'Mail <Co>' });
  await quietBot(api, owner);
  w = widgetClient(worker.url, (await makeKey(api, owner)).key);
});
after(() => worker?.stop());

const mails = () => sentMails(spool).map((path) => parseMail(readFileSync(path, 'utf8')));
/** Waits for the mail `match` accepts. */
const mailTo = (match, what) => eventually(() => findMail(spool, match), what);
const linkIn = (mail) => /http:\/\/\S+\/api\/transcripts\/send\?token=\S+/.exec(mail.text)?.[0];
const events = async (id, token = owner.token) => (await api('GET', `/api/admin/conversations/${id}/messages`, { token })).body.results;

/** A visitor and a conversation with a first message on a widget client. */
async function start(ww) {
  const v = await newVisitor(ww);
  const conv = await newConversation(ww, v, { client_request_id: randomUUID(), message: { client_msg_id: randomUUID(), text: 'hello' } });
  return { v, conv };
}

/** A conversation with a visitor message, an operator reply and a private note, in Japanese. */
async function conversation() {
  const v = await newVisitor(w);
  const conv = await newConversation(w, v, { client_request_id: randomUUID(), locale: 'ja', message: { client_msg_id: randomUUID(), text: '<b>注文</b>はどこ？\n2行目' } });
  assert.equal((await api('POST', `/api/admin/conversations/${conv.id}/takeover`, { token: owner.token })).status, 200);
  for (const [text, priv] of [['発送済みです', false], ['internal: VIP customer', true]]) {
    const r = await api('POST', `/api/admin/conversations/${conv.id}/messages`, { token: owner.token, body: { client_msg_id: randomUUID(), text, private: priv } });
    assert.equal(r.status, 201, r.text);
  }
  return { v, conv };
}

describe('transcripts', () => {
  test('the_visitor_downloads_text_or_a_printable_page_in_their_language_and_zone_without_anything_private', async () => {
    const { v, conv } = await conversation();
    const text = await w('GET', `/conversations/${conv.id}/transcript?format=text&tz=Asia/Tokyo`, { token: v.token });
    assert.equal(text.status, 200, text.text);
    assert.match(text.headers.get('content-type'), /^text\/plain; charset=utf-8/);
    assert.equal(text.headers.get('content-disposition'), `attachment; filename="chat-${conv.id}.txt"`);
    assert.match(text.text, /^Mail <Co> との会話\n時刻は Asia\/Tokyo で表示しています\n/);
    assert.match(text.text, /\] あなた: <b>注文<\/b>はどこ？\n {4}2行目\n/);
    assert.match(text.text, /\] Owner[^:]*: 発送済みです\n/);
    assert.ok(!text.text.includes('VIP'), 'no private note');
    const hour = new Date(conv.created_at + 9 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
    assert.ok(text.text.includes(`[${hour}]`), `times in Tokyo (${hour}):\n${text.text}`);

    const html = await w('GET', `/conversations/${conv.id}/transcript?format=html`, { token: v.token });
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type'), /^text\/html; charset=utf-8/);
    assert.match(html.headers.get('content-security-policy'), /default-src 'none'/);
    assert.equal(html.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(html.text.includes('<html lang="ja">'));
    assert.ok(html.text.includes('&lt;b&gt;注文&lt;/b&gt;はどこ？') && !html.text.includes('<b>注文'), 'escaped');
    assert.ok(html.text.includes('<title>Mail &lt;Co&gt; との会話</title>'));
    assert.ok(html.text.includes('時刻は UTC で表示しています'), 'no zone: UTC');
    assert.ok(!html.text.includes('VIP'));

    for (const [query, field] of [['format=pdf', 'format'], ['tz=Mars/Olympus', 'tz']]) {
      const bad = await w('GET', `/conversations/${conv.id}/transcript?${query}`, { token: v.token });
      assert.equal(bad.status, 422, query);
      assert.equal(bad.body.error.field, field);
    }
    const stranger = await newVisitor(w);
    assert.equal((await w('GET', `/conversations/${conv.id}/transcript`, { token: stranger.token })).status, 404, "another visitor's conversation");
    assert.equal((await w('GET', `/conversations/${conv.id}/transcript`, {})).status, 401, 'no visitor token');
  });

  test('an_address_the_site_did_not_vouch_for_gets_a_confirmation_link_first_then_the_transcript_once', async () => {
    const { v, conv } = await conversation();
    const sentBefore = mails().length;
    const bad = await w('POST', `/conversations/${conv.id}/transcript/email`, { token: v.token, body: { email: 'not an address' } });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.field, 'email');
    assert.equal((await w('POST', `/conversations/${conv.id}/transcript/email`, { token: v.token, body: { email: 'kai@visitor.example', tz: 'Nowhere/Land' } })).status, 422);

    const asked = await w('POST', `/conversations/${conv.id}/transcript/email`, { token: v.token, body: { email: ' Kai@Visitor.example ', tz: 'Asia/Tokyo' } });
    assert.equal(asked.status, 200, asked.text);
    assert.deepEqual(asked.body, { sent_to: 'kai@visitor.example', confirm: true });
    const confirm = await mailTo((m) => m.headers.to === 'kai@visitor.example', 'the confirmation');
    assert.equal(mails().length, sentBefore + 1, 'bad requests sent nothing');
    assert.equal(confirm.headers.from, `"Mail <Co>" <${FROM}>`);
    assert.equal(confirm.headers.subject, 'Mail <Co> の会話履歴：メールアドレスの確認');
    assert.match(confirm.headers['message-id'], /^<[0-9a-f]{32}@mail\.example>$/);
    assert.ok(!confirm.text.includes('注文') && !confirm.html.includes('注文'), 'nothing from the conversation before the confirmation');
    const link = linkIn(confirm);
    assert.ok(link?.startsWith(worker.url), confirm.text);

    const tampered = await fetch(link.replace(/token=(.)/, (_, c) => `token=${c === 'a' ? 'b' : 'a'}`));
    assert.equal(tampered.status, 400);
    assert.match(await tampered.text(), /not valid or has expired/);
    const opened = await fetch(link);
    assert.equal(opened.status, 200);
    assert.match(opened.headers.get('content-security-policy'), /default-src 'none'/);
    assert.match(await opened.text(), /kai@visitor\.example に会話履歴を送信しています。/);
    const mail = await mailTo((m) => m.headers.to === 'kai@visitor.example' && m.headers.subject === 'Mail <Co> との会話', 'the transcript');
    assert.ok(mail.text.includes('あなた: <b>注文</b>はどこ？') && mail.text.includes('時刻は Asia/Tokyo'), mail.text);
    assert.ok(mail.html.includes('&lt;b&gt;注文&lt;/b&gt;') && !mail.text.includes('VIP') && !mail.html.includes('VIP'));
    const again = await fetch(link);
    assert.equal(again.status, 409);
    assert.match(await again.text(), /このリンクはすでに使われています/);

    const shown = (await events(conv.id)).filter((e) => e.type === 'mail');
    assert.deepEqual(shown.map((e) => [e.private, e.data.kind, e.data.to]), [[true, 'transcript', ['kai@visitor.example']], [true, 'confirmed', ['kai@visitor.example']]], 'operators see both');
    const visitorView = (await w('GET', `/conversations/${conv.id}/messages`, { token: v.token })).body.results;
    assert.ok(!visitorView.some((e) => e.type === 'mail'), 'visitors do not');
    assert.equal(mails().length, sentBefore + 2, 'the used link sent nothing more');

    for (const n of [2, 3]) assert.equal((await w('POST', `/conversations/${conv.id}/transcript/email`, { token: v.token, body: { email: `kai${n}@visitor.example` } })).status, 200);
    const fourth = await w('POST', `/conversations/${conv.id}/transcript/email`, { token: v.token, body: { email: 'kai4@visitor.example' } });
    assert.equal(fourth.status, 429);
    assert.equal(fourth.body.error.code, 'too_many_emails');
    assert.equal((await events(conv.id)).filter((e) => e.type === 'mail' && e.data.kind === 'transcript').length, 3);
  });

  test('to_the_address_a_verified_visitors_site_gave_the_transcript_goes_at_once', async () => {
    const tenant = await signup(api, { company: 'Verified Co' });
    await quietBot(api, tenant);
    const ww = widgetClient(worker.url, (await makeKey(api, tenant)).key);
    const secret = (await api('POST', '/api/admin/identity-secret', { token: tenant.token })).body.secret;
    const hash = createHmac('sha256', secret).update('user-9').digest('hex');
    const v = await newVisitor(ww, { external_id: 'user-9', hash, email: 'nina@verified.example' });
    const conv = await newConversation(ww, v, { client_request_id: randomUUID(), message: { client_msg_id: randomUUID(), text: 'Invoice please' } });
    const r = await ww('POST', `/conversations/${conv.id}/transcript/email`, { token: v.token, body: { email: 'nina@verified.example' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { sent_to: 'nina@verified.example', confirm: false });
    const mail = await mailTo((m) => m.headers.to === 'nina@verified.example', 'the transcript');
    assert.equal(mail.headers.subject, 'Conversation with Verified Co');
    assert.ok(mail.text.includes('You: Invoice please'));
    // Another address of theirs is confirmed first like anybody's.
    const other = await ww('POST', `/conversations/${conv.id}/transcript/email`, { token: v.token, body: { email: 'nina@elsewhere.example' } });
    assert.equal(other.body.confirm, true);
  });

  test('a_site_that_switched_email_transcripts_off_refuses_them_and_its_widget_is_told', async () => {
    const tenant = await signup(api, { company: `No mail ${randomUUID().slice(0, 6)}` });
    const ww = widgetClient(worker.url, (await makeKey(api, tenant)).key);
    const settings = await api('GET', '/api/admin/settings', { token: tenant.token });
    assert.equal(settings.body.email_available, true, 'this deployment sends email');
    assert.equal((await ww('GET', '/config')).body.widget.transcript_email, true);
    const off = await api('PATCH', '/api/admin/settings', { token: tenant.token, body: { widget: { transcript_email: false, offline_emails: ['Team@Site.example'] } } });
    assert.equal(off.status, 200, off.text);
    assert.deepEqual(off.body.widget.offline_emails, ['team@site.example']);
    const config = (await ww('GET', '/config')).body;
    assert.equal(config.widget.transcript_email, false);
    assert.equal(config.widget.offline_emails, undefined, "the team's addresses are not public");
    const bad = await api('PATCH', '/api/admin/settings', { token: tenant.token, body: { widget: { offline_emails: ['nope'] } } });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.field, 'widget.offline_emails');
    const v = await newVisitor(ww);
    const conv = await newConversation(ww, v, { client_request_id: randomUUID(), message: { client_msg_id: randomUUID(), text: 'hi' } });
    const r = await ww('POST', `/conversations/${conv.id}/transcript/email`, { token: v.token, body: { email: 'kai@visitor.example' } });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'email_off');
  });
});

describe('messages left for the team', () => {
  /** A visitor asks for a person while nobody is online and leaves their address. */
  async function leaveMessage(ww, email, text) {
    const v = await newVisitor(ww, { name: 'Kai Tanaka' });
    const conv = await newConversation(ww, v, { client_request_id: randomUUID(), message: { client_msg_id: randomUUID(), text } });
    const handed = await ww('POST', `/conversations/${conv.id}/handoff`, { token: v.token, body: {} });
    assert.equal(handed.status, 200, handed.text);
    const contact = await ww('POST', `/conversations/${conv.id}/contact`, { token: v.token, body: { email } });
    assert.equal(contact.status, 200, contact.text);
    return { v, conv };
  }

  test('the_owners_get_the_message_once_with_the_visitor_to_reply_to_then_the_addresses_the_tenant_chose', async () => {
    const tenant = await signup(api, { company: 'Offline Co' });
    await quietBot(api, tenant);
    const ww = widgetClient(worker.url, (await makeKey(api, tenant)).key);
    const { v, conv } = await leaveMessage(ww, 'kai@visitor.example', 'Do you ship to Osaka?');
    const mail = await mailTo((m) => m.headers['reply-to'] === 'kai@visitor.example', 'the team mail');
    assert.equal(mail.headers.to, tenant.email, 'no addresses chosen: the owner');
    assert.equal(mail.headers.subject, 'Message left by Kai Tanaka <kai@visitor.example>');
    assert.ok(mail.text.startsWith('Kai Tanaka <kai@visitor.example> left a message while nobody was available.'), mail.text);
    assert.ok(mail.text.includes('Kai Tanaka <kai@visitor.example>: Do you ship to Osaka?'), mail.text);
    assert.ok(mail.html.includes('Kai Tanaka &lt;kai@visitor.example&gt;'));
    assert.deepEqual((await events(conv.id, tenant.token)).filter((e) => e.type === 'mail').map((e) => e.data), [{ kind: 'offline', to: [tenant.email], nonce: null }]);
    // Leaving the address again records and sends nothing more.
    assert.equal((await ww('POST', `/conversations/${conv.id}/contact`, { token: v.token, body: { email: 'kai@visitor.example' } })).status, 200);
    assert.equal((await events(conv.id, tenant.token)).filter((e) => e.type === 'mail').length, 1);

    const chosen = await api('PATCH', '/api/admin/settings', { token: tenant.token, body: { widget: { offline_emails: ['desk@offline.example', 'lead@offline.example'] } } });
    assert.equal(chosen.status, 200, chosen.text);
    await leaveMessage(ww, 'mia@visitor.example', 'Second question');
    const a = await mailTo((m) => m.headers.to === 'desk@offline.example', 'desk');
    await mailTo((m) => m.headers.to === 'lead@offline.example', 'lead');
    assert.ok(a.text.includes('Second question'));
    assert.equal(findMail(spool, (m) => m.headers.to === tenant.email && m.headers['reply-to'] === 'mia@visitor.example'), undefined, 'not to the owner once addresses are chosen');

    // With someone answering, the address left is not a message for the team by email.
    const busy = await start(ww);
    assert.equal((await api('POST', `/api/admin/conversations/${busy.conv.id}/takeover`, { token: tenant.token })).status, 200);
    assert.equal((await ww('POST', `/conversations/${busy.conv.id}/contact`, { token: busy.v.token, body: { email: 'noah@visitor.example' } })).status, 200);
    assert.ok(!(await events(busy.conv.id, tenant.token)).some((e) => e.type === 'mail'), 'active: no team mail');
  });
});

describe('the daily limit', () => {
  test('a_tenant_that_sent_its_daily_email_limit_sends_no_more_transcripts_nor_team_mails', async () => {
    const tenant = await signup(api, { company: 'Busy Co' });
    await quietBot(api, tenant);
    const ww = widgetClient(worker.url, (await makeKey(api, tenant)).key);
    const send = (c, n) => ww('POST', `/conversations/${c.conv.id}/transcript/email`, { token: c.v.token, body: { email: `kai${n}@visitor.example` } });
    const [a, b] = [await start(ww), await start(ww)];
    for (let n = 1; n <= DAILY_LIMIT; n++) assert.equal((await send(n <= 3 ? a : b, n)).status, 200, `mail ${n}`);
    const refused = await send(b, 99);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, 'mail_limit');
    assert.equal((await events(b.conv.id, tenant.token)).filter((e) => e.type === 'mail').length, DAILY_LIMIT - 3, 'nothing recorded for it');
    // A message left for the team is still taken, but not emailed.
    const c = await start(ww);
    assert.equal((await ww('POST', `/conversations/${c.conv.id}/handoff`, { token: c.v.token, body: {} })).status, 200);
    assert.equal((await ww('POST', `/conversations/${c.conv.id}/contact`, { token: c.v.token, body: { email: 'late@visitor.example' } })).status, 200);
    const after = await events(c.conv.id, tenant.token);
    assert.ok(after.some((e) => e.data?.contact === 'late@visitor.example'));
    assert.ok(!after.some((e) => e.type === 'mail'), 'no team mail over the limit');
    // Other tenants are not held back.
    const free = await signup(api, { company: 'Free Co' });
    const fw = widgetClient(worker.url, (await makeKey(api, free)).key);
    const other = await start(fw);
    assert.equal((await fw('POST', `/conversations/${other.conv.id}/transcript/email`, { token: other.v.token, body: { email: 'free@visitor.example' } })).status, 200);
  });
});
