// Shared bits of the benchmarks: percentiles, CPU pinning of workerd, its resident memory, and the
// load generator's own CPU use (to tell when the client, not the server, is the limit).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { applyMigrations } from '../tests/helpers/worker.mjs';

export function pct(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** min / median / p99 / max of a list of milliseconds, rounded to 0.1 ms. */
export function summary(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const r = (v) => (Number.isFinite(v) ? Math.round(v * 10) / 10 : null);
  return { n: s.length, min_ms: r(s[0]), median_ms: r(pct(s, 50)), p99_ms: r(pct(s, 99)), max_ms: r(s.at(-1)) };
}

function children() {
  const map = new Map();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      map.set(Number(pid), { ppid, comm });
    } catch {
      /* gone */
    }
  }
  return map;
}

/** The workerd processes started under `rootPid` (wrangler dev's process group). */
export function workerdPids(rootPid) {
  const all = children();
  const found = [];
  const walk = (pid) => {
    for (const [child, info] of all) {
      if (info.ppid !== pid) continue;
      if (info.comm.startsWith('workerd')) found.push(child);
      walk(child);
    }
  };
  walk(rootPid);
  return found;
}

export const cores = cpus().length;

// Every system under test keeps its local state (Durable Object SQLite, local D1) in memory when the
// machine has /dev/shm: the benchmark measures the work each system does, not this VM's disk flushes
// (for which EdgeChat, writing its room's storage and then D1 on one disk, would wait twice where the
// baseline waits once; in production neither is this machine's disk). BENCH_DISK=1 keeps it on disk.
export const STATE_KIND = existsSync('/dev/shm') && !process.env.BENCH_DISK ? 'memory (/dev/shm)' : 'disk';
const states = [];

/** A fresh state folder for `startWorker`, with the D1 migrations applied unless `migrate` is false. */
export function benchState({ migrate = true } = {}) {
  const dir = mkdtempSync(STATE_KIND === 'disk' ? join(tmpdir(), 'edgechat-bench-') : '/dev/shm/edgechat-bench-');
  states.push(dir);
  if (migrate) applyMigrations(dir);
  return dir;
}

export function removeBenchStates() {
  for (const dir of states.splice(0)) rmSync(dir, { recursive: true, force: true });
}
/** The CPU workerd is pinned to and the one the load generator runs on, when the machine has two or more. */
export const SERVER_CPU = '0';
export const CLIENT_CPU = cores >= 3 ? `2-${cores - 1}` : '1';

/** Pins every thread of the Worker's workerd processes to SERVER_CPU; returns what was pinned. */
export function pinServer(rootPid) {
  if (cores < 2) return [];
  const pids = workerdPids(rootPid);
  for (const pid of pids) execFileSync('taskset', ['-a', '-p', '-c', cores >= 3 ? '0-1' : SERVER_CPU, String(pid)], { stdio: 'ignore' });
  return pids;
}

/** CPU time (in clock ticks) the Worker's workerd processes have used so far. */
function serverTicks(rootPid) {
  let ticks = 0;
  for (const pid of workerdPids(rootPid)) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      /* the process ended meanwhile */
    }
  }
  return ticks;
}

/**
 * Waits until the Worker is quiet (under 5 % of a core over half a second), so a scenario does not
 * measure the tail of the one before; answers how long that took (at most `limitMs`).
 */
export async function settle(rootPid, limitMs = 30_000) {
  const t0 = performance.now();
  let last = serverTicks(rootPid);
  while (performance.now() - t0 < limitMs) {
    await new Promise((r) => setTimeout(r, 500));
    const now = serverTicks(rootPid);
    const busy = (now - last) / 100 / 0.5; // ticks are 1/100 s: cores busy over the half second
    last = now;
    if (busy < 0.05) break;
  }
  return Math.round(performance.now() - t0);
}

/** Resident memory of the workerd processes in MiB. */
export function rssMiB(rootPid) {
  let kib = 0;
  for (const pid of workerdPids(rootPid)) {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) kib += Number(m[1]);
  }
  return Math.round((kib / 1024) * 10) / 10;
}

/** Measures this process's CPU use over a phase: `const stop = clientCpu(); …; stop()` → percent of one core. */
export function clientCpu() {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  return () => {
    const c = process.cpuUsage(c0);
    return Math.round(((c.user + c.system) / 1000 / (performance.now() - t0)) * 100);
  };
}

/** Opens a raw socket (ws, no frame bookkeeping) and resolves once its first frame (`hello`) arrived. */
export function openRaw(url, protocols, origin) {
  const ws = new WebSocket(url, protocols, origin ? { origin } : {});
  return new Promise((resolve, reject) => {
    ws.once('message', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_q, res) => reject(new Error(`upgrade refused ${res.statusCode}`)));
  });
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function pool(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}
