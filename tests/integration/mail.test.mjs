// Transcripts and email, against the real Worker with wrangler's simulated `send_email` binding (each
// mail it sends lands as an .eml file in the spool folder given to wrangler as $TMPDIR): the visitor
// downloads the conversation as text or a printable page (nothing private in it, nothing in it
// markup), has it emailed (at most three times, each one shown to operators), and a message left
// while nobody is available reaches the team once, with the visitor's address to reply to.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseMail, sentMails } from '../../scripts/mailbox.mjs';
import { client, signup } from '../helpers/api.mjs';
import { eventually, makeKey, newConversation, newVisitor, quietBot, widgetClient } from '../helpers/chat.mjs';
import { startWorker } from '../helpers/worker.mjs';

const FROM = 'chat@mail.example';
let worker;
let api;
let owner;
let w;
let spool;
before(async () => {
  spool = mkdtempSync(join(tmpdir(), 'edgechat-mail-'));
  worker = await startWorker({ mailSpool: spool, vars: { MAIL_FROM: FROM } });
  api = client(worker.url);
  owner = await signup(api, { company: 'Mail <Co>' });
  await quietBot(api, owner);
  w = widgetClient(worker.url, (await makeKey(api, owner)).key);
});
after(() => worker?.stop());

const mails = () => sentMails(spool).map((path) => parseMail(readFileSync(path, 'utf8')));
/** Waits for the mail number `n` (1-based) and returns it. */
const nthMail = (n, what) => eventually(() => mails()[n - 1], what);
const events = async (id, token = owner.token) => (await api('GET', `/api/admin/conversations/${id}/messages`, { token })).body.results;

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

  test('the_transcript_is_emailed_at_most_three_times_each_shown_to_operators_and_bad_requests_send_nothing', async () => {
    const { v, conv } = await conversation();
    const before = mails().length;
    const bad = await w('POST', `/conversations/${conv.id}/transcript/email`, { token: v.token, body: { email: 'not an address' } });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.field, 'email');
    assert.equal((await w('POST', `/conversations/${conv.id}/transcript/email`, { token: v.token, body: { email: 'kai@visitor.example', tz: 'Nowhere/Land' } })).status, 422);

    const sent = await w('POST', `/conversations/${conv.id}/transcript/email`, { token: v.token, body: { email: ' Kai@Visitor.example ', tz: 'Asia/Tokyo' } });
    assert.equal(sent.status, 200, sent.text);
    assert.deepEqual(sent.body, { sent_to: 'kai@visitor.example' });
    const mail = await nthMail(before + 1, 'the transcript mail');
    assert.equal(mails().length, before + 1, 'bad requests sent nothing');
    assert.equal(mail.headers.to, 'kai@visitor.example');
    assert.equal(mail.headers.from, `"Mail <Co>" <${FROM}>`);
    assert.equal(mail.headers.subject, 'Mail <Co> との会話');
    assert.match(mail.headers['message-id'], /^<[0-9a-f]{32}@mail\.example>$/);
    assert.ok(mail.text.includes('あなた: <b>注文</b>はどこ？') && mail.text.includes('時刻は Asia/Tokyo'), mail.text);
    assert.ok(mail.html.includes('&lt;b&gt;注文&lt;/b&gt;') && !mail.text.includes('VIP') && !mail.html.includes('VIP'));

    const shown = (await events(conv.id)).filter((e) => e.type === 'mail');
    assert.deepEqual(shown.map((e) => [e.private, e.data.kind, e.data.to]), [[true, 'transcript', ['kai@visitor.example']]], 'operators see it');
    const visitorView = (await w('GET', `/conversations/${conv.id}/messages`, { token: v.token })).body.results;
    assert.ok(!visitorView.some((e) => e.type === 'mail'), 'visitors do not');

    for (const n of [2, 3]) {
      assert.equal((await w('POST', `/conversations/${conv.id}/transcript/email`, { token: v.token, body: { email: `kai${n}@visitor.example` } })).status, 200);
      await nthMail(before + n, `mail ${n}`);
    }
    const fourth = await w('POST', `/conversations/${conv.id}/transcript/email`, { token: v.token, body: { email: 'kai4@visitor.example' } });
    assert.equal(fourth.status, 429);
    assert.equal(fourth.body.error.code, 'too_many_emails');
    assert.equal((await events(conv.id)).filter((e) => e.type === 'mail').length, 3);
    // The next mail sent is someone else's: nothing went out for the refused request in between.
    const other = await conversation();
    assert.equal((await w('POST', `/conversations/${other.conv.id}/transcript/email`, { token: other.v.token, body: { email: 'mia@visitor.example' } })).status, 200);
    assert.equal((await nthMail(before + 4, 'the next mail')).headers.to, 'mia@visitor.example');
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
    const before = mails().length;
    const { v, conv } = await leaveMessage(ww, 'kai@visitor.example', 'Do you ship to Osaka?');
    const mail = await nthMail(before + 1, 'the team mail');
    assert.equal(mail.headers.to, tenant.email, 'no addresses chosen: the owner');
    assert.equal(mail.headers['reply-to'], 'kai@visitor.example');
    assert.equal(mail.headers.subject, 'Message left by Kai Tanaka <kai@visitor.example>');
    assert.ok(mail.text.startsWith('Kai Tanaka <kai@visitor.example> left a message while nobody was available.'), mail.text);
    assert.ok(mail.text.includes('Kai Tanaka <kai@visitor.example>: Do you ship to Osaka?'), mail.text);
    assert.ok(mail.html.includes('Kai Tanaka &lt;kai@visitor.example&gt;'));
    assert.deepEqual((await events(conv.id, tenant.token)).filter((e) => e.type === 'mail').map((e) => e.data), [{ kind: 'offline', to: [tenant.email] }]);

    // Leaving the address again sends nothing more (the next mail is the transcript below).
    assert.equal((await ww('POST', `/conversations/${conv.id}/contact`, { token: v.token, body: { email: 'kai@visitor.example' } })).status, 200);
    assert.equal((await ww('POST', `/conversations/${conv.id}/transcript/email`, { token: v.token, body: { email: 'kai@visitor.example' } })).status, 200);
    assert.equal((await nthMail(before + 2, 'the transcript')).headers.subject, 'Conversation with Offline Co');

    const chosen = await api('PATCH', '/api/admin/settings', { token: tenant.token, body: { widget: { offline_emails: ['desk@offline.example', 'lead@offline.example'] } } });
    assert.equal(chosen.status, 200, chosen.text);
    await leaveMessage(ww, 'mia@visitor.example', 'Second question');
    const [a, b] = [await nthMail(before + 3, 'desk'), await nthMail(before + 4, 'lead')];
    assert.deepEqual([a.headers.to, b.headers.to].sort(), ['desk@offline.example', 'lead@offline.example']);
    assert.ok(a.text.includes('Second question'));
  });
});
