// Room fan-out, quick form: one conversation, 1 visitor sending + 2 operators receiving, at fixed
// offered rates for a few seconds each. Reports delivered events/s and send→delivered latency
// (measured at the operators) per rate. Used by `make bench`; the Worker runs in workerd with fresh state.
//   node bench/room.mjs [rates=200,500,1000,2000] [seconds=4]
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { client, signup } from '../tests/helpers/api.mjs';
import { makeKey, newConversation, newVisitor, openSocket, quietBot, SITE_ORIGIN, widgetClient } from '../tests/helpers/chat.mjs';
import { startWorker } from '../tests/helpers/worker.mjs';

const rates = (process.argv[2] ?? '200,500,1000,2000').split(',').map(Number);
const seconds = Number(process.argv[3] ?? 4);

function pct(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function roomFanout({ url, receivers = 2, rates: offered = rates, seconds: secs = seconds }) {
  const api = client(url);
  const owner = await signup(api, { company: 'Bench Co' });
  await quietBot(api, owner);
  const key = await makeKey(api, owner);
  const w = widgetClient(url, key.key);
  const rows = [];
  for (const rate of offered) {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v);
    const sender = await openSocket(url, conv.id, v.token, { origin: SITE_ORIGIN });
    const ops = await Promise.all(Array.from({ length: receivers }, () => openSocket(url, conv.id, owner.token)));
    await Promise.all([sender, ...ops].map((s) => s.frame((f) => f.type === 'hello', 'hello')));
    const sentAt = new Map();
    const latencies = [];
    let delivered = 0;
    for (const op of ops) {
      op.ws.on('message', (data) => {
        const f = JSON.parse(data.toString());
        if (f.type !== 'event') return;
        const t0 = sentAt.get(f.event.client_msg_id);
        if (t0 !== undefined) {
          latencies.push(performance.now() - t0);
          delivered++;
        }
      });
    }
    let acked = 0;
    let errors = 0;
    sender.ws.on('message', (data) => {
      const f = JSON.parse(data.toString());
      if (f.type === 'ack') acked++;
      if (f.type === 'error') errors++;
    });
    const total = Math.round(rate * secs);
    const start = performance.now();
    // Send on a fixed schedule (not closed-loop), in 10 ms ticks.
    await new Promise((resolve) => {
      let sent = 0;
      const tick = setInterval(() => {
        const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
        for (; sent < due; sent++) {
          const id = randomUUID();
          sentAt.set(id, performance.now());
          sender.send({ type: 'send', client_msg_id: id, text: `bench ${sent}` });
        }
        if (sent >= total) {
          clearInterval(tick);
          resolve();
        }
      }, 10);
    });
    const deadline = performance.now() + 30_000;
    while ((delivered < total * receivers || acked < total) && errors === 0 && performance.now() < deadline) {
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 5));
    }
    const elapsed = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    rows.push({ offered_per_s: rate, sent: total, acked, delivered, errors, events_per_s: Math.round(acked / elapsed), p50_ms: +pct(latencies, 50).toFixed(1), p99_ms: +pct(latencies, 99).toFixed(1), max_ms: +latencies.at(-1)?.toFixed(1) });
    await Promise.all([sender, ...ops].map((s) => s.close()));
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const worker = await startWorker({ vars: { ROOM_RATE_PER_SEC: '100000', ROOM_RATE_BURST: '100000' } });
  try {
    const rows = await roomFanout({ url: worker.url });
    console.log('Room fan-out: 1 visitor sending, 2 operators receiving, one conversation (D1 write before every ack)');
    console.log('| offered/s | sent | acked | delivered (×2) | errors | acked/s | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.offered_per_s} | ${r.sent} | ${r.acked} | ${r.delivered} | ${r.errors} | ${r.events_per_s} | ${r.p50_ms} | ${r.p99_ms} | ${r.max_ms} |`);
  } finally {
    await worker.stop();
  }
}
