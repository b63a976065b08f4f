// Starts the built Worker in workerd (wrangler dev) with real local D1, R2 and Durable Objects in a
// fresh state folder, and stops it. One helper for every integration and browser test.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

const ROOT = new URL('../../', import.meta.url).pathname;
const WRANGLER = join(ROOT, 'node_modules/.bin/wrangler');
export const JWT_SECRET = 'integration-tests-jwt-secret-0123456789abcdef';
export const FILES_SECRET = 'integration-tests-files-secret-0123456789abcdef';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: 'true' };

export function applyMigrations(state) {
  execFileSync(WRANGLER, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], { cwd: ROOT, env, stdio: 'pipe' });
}

/**
 * @param {{ state?: string, vars?: Record<string,string>, port?: number, config?: string, mailSpool?: string }} [options]
 *   `config`: another wrangler.toml (the benchmark baseline); it gets no D1 migrations.
 *   `mailSpool`: wrangler's $TMPDIR, where the simulated `send_email` binding writes each mail
 *   (read them with `sentMails` from scripts/mailbox.mjs).
 * @returns {Promise<{ url: string, port: number, state: string, pid: number, logs: () => string, stop: () => Promise<void>, kill: () => Promise<void> }>}
 */
export async function startWorker(options = {}) {
  const state = options.state ?? mkdtempSync(join(tmpdir(), 'edgechat-state-'));
  if (!options.state && !options.config) applyMigrations(state);
  const port = options.port ?? (await freePort());
  const vars = { JWT_SECRET, FILES_SECRET, ...(options.vars ?? {}) };
  const args = ['dev', '--port', String(port), '--ip', '127.0.0.1', '--persist-to', state, '--show-interactive-dev-session=false', '--log-level', 'warn'];
  if (options.config) args.push('--config', options.config);
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`);
  const childEnv = options.mailSpool ? { ...env, TMPDIR: options.mailSpool } : env;
  const child = spawn(WRANGLER, args, { cwd: ROOT, env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`wrangler dev did not become healthy in 90 s:\n${output}`);
    await delay(200);
  }
  const signalGroup = async (signal) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      return;
    }
    await exited;
  };
  return {
    url,
    port,
    state,
    pid: child.pid,
    logs: () => output,
    stop: () => signalGroup('SIGTERM'),
    /** Hard stop of wrangler and workerd (no clean shutdown), for durability tests. */
    kill: () => signalGroup('SIGKILL'),
  };
}
