// Debian's Chromium driven by playwright-core, and a tiny static server that plays a customer's
// website on another origin than the Worker.
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const ARTIFACTS = new URL('../../test-results/', import.meta.url).pathname;
mkdirSync(ARTIFACTS, { recursive: true });

/** `extraArgs`: more Chromium switches (the console tests allow sound without a gesture). */
export function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

/** Serves `html` at / on 127.0.0.1:<free port>; returns { url, close }. */
export async function hostPage(html) {
  const server = createServer((req, res) => {
    if (req.url === '/' || req.url?.startsWith('/?')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(resolve)) };
}

/**
 * Opens a host page serving `html` in a new browser context (or `context`): `{page, ctx, host, chat
 * (the widget's element), errors (console errors, and uncaught ones as "pageerror: …"), close}`.
 */
export async function visitHost(browser, html, { viewport = { width: 1280, height: 800 }, locale, context } = {}) {
  const host = await hostPage(html);
  const ctx = context ?? (await browser.newContext({ viewport, ...(locale ? { locale } : {}) }));
  const page = await ctx.newPage();
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(host.url);
  return { page, ctx, host, chat: page.locator('edge-chat'), errors, close: async () => (await ctx.close(), await host.close()) };
}

/**
 * A console signed in as `email` in a new browser context: `{context, page, problems}` (uncaught
 * errors and browser dialogs, which the console never uses, are collected as problems).
 */
export async function consoleSession(browser, baseUrl, email, password, { viewport = { width: 1440, height: 900 }, locale = 'en-US' } = {}) {
  const context = await browser.newContext({ viewport, locale });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => (problems.push(`dialog: ${d.message()}`), d.dismiss()));
  await page.goto(`${baseUrl}/admin/`);
  await page.getByLabel(/Email|メール/).fill(email);
  await page.getByLabel(/Password|パスワード/).fill(password);
  await page.locator('form button[type=submit]').click();
  await page.locator('.top .who').waitFor();
  return { context, page, problems };
}

/**
 * A TCP proxy in front of the Worker, so a test can cut the browser's network for real: `cut()` resets
 * every open connection (WebSockets included) and refuses new ones until `restore()`.
 */
export async function tcpProxy(targetPort) {
  const { createServer: createTcpServer, connect } = await import('node:net');
  const open = new Set();
  let up = true;
  const server = createTcpServer((client) => {
    if (!up) return client.destroy();
    const upstream = connect(targetPort, '127.0.0.1');
    const pair = [client, upstream];
    const end = () => {
      for (const s of pair) {
        s.destroy();
        open.delete(s);
      }
    };
    for (const s of pair) {
      open.add(s);
      s.on('error', end);
      s.on('close', end);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    cut() {
      up = false;
      for (const s of open) s.resetAndDestroy?.() ?? s.destroy();
      open.clear();
    },
    restore() {
      up = true;
    },
    close: () => new Promise((resolve) => {
      for (const s of open) s.destroy();
      server.close(resolve);
    }),
  };
}
