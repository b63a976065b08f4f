// Static assets served beside the API: the widget, the console shell with its strict CSP on every
// /admin/ path, and the demo host page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startWorker } from '../helpers/worker.mjs';

let worker;
before(async () => {
  worker = await startWorker();
});
after(() => worker?.stop());

test('widget_js_is_served_as_javascript', async () => {
  const res = await fetch(`${worker.url}/widget.js`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /javascript/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.match(await res.text(), /edge-chat/);
});

test('console_shell_has_a_strict_csp_on_every_admin_path', async () => {
  for (const path of ['/admin/', '/admin/inbox', '/admin/conversations/123']) {
    const res = await fetch(`${worker.url}${path}`);
    assert.equal(res.status, 200, path);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/, path);
    assert.match(csp, /script-src 'self'(;|$)/, `${path}: no inline or eval scripts`);
    assert.match(csp, /frame-ancestors 'none'/, path);
    assert.match(await res.text(), /<main id="app"/, path);
  }
  const post = await fetch(`${worker.url}/admin/inbox`, { method: 'POST' });
  assert.equal(post.status, 405);
});

test('demo_page_embeds_the_widget_with_one_script_tag', async () => {
  const res = await fetch(`${worker.url}/demo/`);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<script src="\/widget\.js" data-key="pk_[A-Za-z0-9]+" async><\/script>/);
});

test('every_html_page_gets_the_strict_headers_and_every_asset_is_nosniff', async () => {
  for (const path of ['/demo/', '/admin/']) {
    const res = await fetch(`${worker.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type'), /text\/html/, path);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/, path);
    assert.match(csp, /frame-ancestors 'none'/, path);
    assert.doesNotMatch(csp, /script-src[^;]*unsafe/, `${path}: no inline or eval scripts`);
    assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
    await res.arrayBuffer();
  }
  for (const path of ['/widget.js', '/widget-app.js', '/admin/app.js', '/api/openapi.json']) {
    const res = await fetch(`${worker.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${path}: one value, not merged twice`);
    await res.arrayBuffer();
  }
});
