// Browser checks of the console's sign-in, session restore and sign-out, in real headless Chromium.
// (The widget has its own browser tests in widget.test.mjs.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { client, signup } from '../helpers/api.mjs';
import { ARTIFACTS, launchBrowser } from '../helpers/browser.mjs';
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

test('console_signs_in_restores_the_session_on_reload_and_signs_out', async () => {
  const owner = await signup(api, { company: 'Console <b>Co</b>', name: '<img src=x onerror=alert(1)>' });
  await api('POST', '/api/admin/api-keys', { token: owner.token, body: { label: 'Main site', allowed_origins: ['https://shop.example.com'] } });
  const context = await browser.newContext();
  const page = await context.newPage();
  const violations = [];
  page.on('console', (m) => m.type() === 'error' && violations.push(m.text()));
  page.on('dialog', (d) => violations.push(`dialog: ${d.message()}`));
  try {
    await page.goto(`${worker.url}/admin/`);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('wrong password!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'wrong' }).waitFor();
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.top .who').waitFor();
    assert.equal(await page.locator('.top .who').textContent(), '<img src=x onerror=alert(1)>', 'typed HTML is shown as text');
    await page.goto(`${worker.url}/admin/settings/keys`);
    assert.match(await page.locator('pre.snippet').first().textContent(), /<script src="http:\/\/127\.0\.0\.1:\d+\/widget\.js" data-key="pk_[0-9a-f]{32}" async><\/script>/);
    await page.goto(`${worker.url}/admin/settings/appearance`);
    assert.equal(await page.locator('input[name=company]').inputValue(), 'Console <b>Co</b>');
    assert.equal(await page.locator('.sp-head').textContent(), 'Console <b>Co</b>');
    await page.screenshot({ path: `${ARTIFACTS}foundation-console.png` });

    await page.reload();
    await page.locator('.top .who').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.deepEqual(violations.filter((v) => !v.includes('401')), [], 'no CSP violations, script errors or alerts');
  } finally {
    await context.close();
  }
});
