// Scenario 1, room fan-out: one live conversation (taken over by an operator), 1 visitor sending + N
// operator sockets receiving. Offered rates climb step by step until the p99 of send → delivered (at
// the receivers) passes 250 ms or the room no longer keeps up; the highest rate it sustained is then
// run again at 50% for p50/p99. The same client drives EdgeChat and the plain JavaScript baseline
// (bench/baseline/), which speak the same frames.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { client, signup } from '../tests/helpers/api.mjs';
import { makeKey, newConversation, newVisitor, quietBot, SITE_ORIGIN, widgetClient } from '../tests/helpers/chat.mjs';
import { clientCpu, openRaw as open, pct } from './lib.mjs';

const LADDER = [100, 200, 400, 600, 800, 1000, 1200, 1400, 1700, 2000, 2400, 2800, 3400, 4000, 4800, 5600, 6800, 8000];
const STEP_SECONDS = 3;
const P99_LIMIT_MS = 250;

/** How to make a room with one sender and n receivers, for EdgeChat or for the baseline. */
export async function edgechatRooms(baseUrl, opsToken) {
  const api = client(baseUrl);
  const owner = await signup(api, { company: 'Fanout Bench' });
  await quietBot(api, owner);
  const w = widgetClient(baseUrl, (await makeKey(api, owner)).key);
  const ws = baseUrl.replace(/^http/, 'ws');
  return async (n) => {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v);
    // A live chat: an operator takes it over (with the bot, every visitor message also gets a bot turn).
    const taken = await api('POST', `/api/admin/conversations/${conv.id}/takeover`, { token: owner.token });
    if (taken.status !== 200) throw new Error(`takeover failed: ${taken.text}`);
    const sender = await open(`${ws}/ws/conversations/${conv.id}`, ['chat.v1', `bearer.${v.token}`], SITE_ORIGIN);
    const receivers = await Promise.all(Array.from({ length: n }, () => open(`${ws}/ws/conversations/${conv.id}`, ['chat.v1', `bearer.${owner.token}`])));
    // How far D1 is behind this room (the ops endpoint), once the step is over.
    const follow = opsToken ? async () => (await api('GET', `/api/ops/rooms/${conv.id}`, { token: opsToken })).body : null;
    return { sender, receivers, follow };
  };
}

export function baselineRooms(baseUrl) {
  const ws = baseUrl.replace(/^http/, 'ws');
  return async (n) => {
    const room = randomUUID();
    const sender = await open(`${ws}/ws/conversations/${room}`, ['chat.v1']);
    const receivers = await Promise.all(Array.from({ length: n }, () => open(`${ws}/ws/conversations/${room}`, ['chat.v1'])));
    return { sender, receivers };
  };
}

const ID = /"client_msg_id":"([^"]+)"/;

/** Offers `rate` messages/s for `seconds` on a fresh room; returns throughput and latency. */
async function step(makeRoom, n, rate, seconds) {
  const { sender, receivers, follow } = await makeRoom(n);
  const sentAt = new Map();
  const latencies = [];
  let acked = 0;
  let errors = 0;
  for (const r of receivers) {
    r.on('message', (data) => {
      const text = data.toString();
      if (!text.includes('"type":"event"')) return;
      const t0 = sentAt.get(ID.exec(text)?.[1]);
      if (t0 !== undefined) latencies.push(performance.now() - t0);
    });
  }
  sender.on('message', (data) => {
    const text = data.toString();
    if (text.includes('"type":"ack"')) acked++;
    else if (text.includes('"type":"error"')) errors++;
  });
  const total = Math.round(rate * seconds);
  const cpu = clientCpu();
  const start = performance.now();
  await new Promise((resolve) => {
    let sent = 0;
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      for (; sent < due; sent++) {
        const id = randomUUID();
        sentAt.set(id, performance.now());
        sender.send(`{"type":"send","client_msg_id":"${id}","text":"bench ${sent}"}`);
      }
      if (sent >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  const sendEnd = performance.now();
  const deadline = sendEnd + 15_000;
  while ((latencies.length < total * n || acked < total) && errors === 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const elapsed = (performance.now() - start) / 1000;
  const client_cpu_pct = cpu();
  for (const s of [sender, ...receivers]) s.terminate();
  latencies.sort((a, b) => a - b);
  // D1 follows the room: wait (bounded) until it has caught up, and keep the room's flush-lag figures.
  let d1 = null;
  if (follow) {
    const until = performance.now() + 15_000;
    for (;;) {
      d1 = await follow();
      if (d1.caught_up || performance.now() > until) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    offered_per_s: rate, sent: total, acked, delivered: latencies.length, errors,
    events_per_s: Math.round(acked / elapsed),
    p50_ms: +pct(latencies, 50).toFixed(1), p99_ms: +pct(latencies, 99).toFixed(1),
    client_cpu_pct,
    d1_lag: d1 && { caught_up: d1.caught_up, p50_ms: d1.lag_ms.p50, p99_ms: d1.lag_ms.p99, max_ms: d1.lag_ms.max, samples: d1.lag_ms.samples },
  };
}

/** The whole scenario for one system and one N. */
export async function fanout(makeRoom, n, log = () => undefined) {
  // Warm-up on a throwaway room, the same for both systems: a fresh isolate runs its code unoptimized
  // at first (V8 tiers JavaScript and WebAssembly up as they get hot), which a long-lived production
  // isolate is long past.
  await step(makeRoom, n, 400, 2);
  const steps = [];
  let best = null;
  for (const rate of LADDER) {
    const s = await step(makeRoom, n, rate, STEP_SECONDS);
    steps.push(s);
    log(`    N=${n} offered ${rate}/s → acked ${s.events_per_s}/s, p50 ${s.p50_ms} ms, p99 ${s.p99_ms} ms, client CPU ${s.client_cpu_pct}%${s.d1_lag ? `; D1 flush lag p99 ${s.d1_lag.p99_ms} ms (max ${s.d1_lag.max_ms})` : ''}`);
    const kept = s.errors === 0 && s.delivered >= s.sent * n && s.p99_ms <= P99_LIMIT_MS && s.events_per_s >= rate * 0.9;
    if (kept) best = s;
    if (!kept) break;
  }
  const max = best ? best.events_per_s : 0;
  const half = max ? await step(makeRoom, n, Math.max(10, Math.round(max / 2)), 5) : null;
  if (half) log(`    N=${n} at 50% (${half.offered_per_s}/s): p50 ${half.p50_ms} ms, p99 ${half.p99_ms} ms`);
  const last = steps.at(-1);
  return {
    receivers: n, max_sustained_per_s: max, at_half: half, steps,
    limited_by: !best ? 'nothing sustained' : last === best ? 'ladder top (not saturated)' : last.client_cpu_pct >= 90 ? 'client CPU (load generator saturated)' : last.p99_ms > P99_LIMIT_MS ? `server (p99 ${last.p99_ms} ms > ${P99_LIMIT_MS})` : 'server (fell behind the offered rate)',
  };
}
