// Scenario 5, REST: the two calls every widget makes on a page view — `GET /api/widget/config` and
// `POST /api/widget/session` (a new anonymous visitor: token signed, row written to D1) — each driven
// closed-loop at a fixed concurrency for a fixed time; requests/s and latency.
import { performance } from 'node:perf_hooks';
import { client, signup } from '../tests/helpers/api.mjs';
import { makeKey, SITE_ORIGIN } from '../tests/helpers/chat.mjs';
import { clientCpu, summary } from './lib.mjs';

export async function rest(baseUrl, { concurrency = 16, seconds = 5 } = {}) {
  const api = client(baseUrl);
  const owner = await signup(api, { company: 'REST Bench' });
  const key = (await makeKey(api, owner)).key;
  const calls = {
    'GET /api/widget/config': () => fetch(`${baseUrl}/api/widget/config?key=${key}`, { headers: { origin: SITE_ORIGIN } }),
    'POST /api/widget/session': () => fetch(`${baseUrl}/api/widget/session?key=${key}`, { method: 'POST', headers: { origin: SITE_ORIGIN, 'content-type': 'application/json' }, body: '{}' }),
  };
  const out = [];
  for (const [name, call] of Object.entries(calls)) {
    const samples = [];
    let errors = 0;
    const cpu = clientCpu();
    const start = performance.now();
    const end = start + seconds * 1000;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const res = await call();
        await res.arrayBuffer();
        if (res.ok) samples.push(performance.now() - t0);
        else errors++;
      }
    }));
    const elapsed = (performance.now() - start) / 1000;
    out.push({ call: name, concurrency, seconds, requests: samples.length + errors, errors, per_s: Math.round(samples.length / elapsed), ...summary(samples), client_cpu_pct: cpu() });
  }
  return out;
}
