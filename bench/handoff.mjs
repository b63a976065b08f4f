// Handoff → assignment: time from the visitor's handoff request to the `assigned` event on the
// visitor's socket, one at a time, through the TenantInbox router. `node bench/handoff.mjs [count=100]`
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { addOperator, client, signup } from '../tests/helpers/api.mjs';
import { makeKey, newConversation, newVisitor, openSocket, quietBot, SITE_ORIGIN, widgetClient } from '../tests/helpers/chat.mjs';
import { startWorker } from '../tests/helpers/worker.mjs';
import { summary } from './lib.mjs';


export async function handoffToAssignment({ url, count = 100 }) {
  const api = client(url);
  const owner = await signup(api, { company: 'Handoff Bench' });
  const agent = await addOperator(api, owner, 'agent', { capacity: 100 });
  await api('PATCH', '/api/admin/me/status', { token: agent.token, body: { status: 'available' } });
  await quietBot(api, owner);
  const w = widgetClient(url, (await makeKey(api, owner)).key);
  const samples = [];
  for (let i = 0; i < count; i++) {
    const v = await newVisitor(w);
    const conv = await newConversation(w, v, { message: { client_msg_id: randomUUID(), text: 'help' } });
    const s = await openSocket(url, conv.id, v.token, { origin: SITE_ORIGIN });
    await s.frame((f) => f.type === 'hello', 'hello');
    const t0 = performance.now();
    const res = await w('POST', `/conversations/${conv.id}/handoff`, { token: v.token, body: {} });
    if (res.status !== 200) throw new Error(`handoff failed: ${res.text}`);
    await s.frame((f) => f.type === 'event' && f.event.type === 'assigned', 'assigned');
    samples.push(performance.now() - t0);
    await s.close();
    // Keep the agent below capacity: close the chat so the next handoff is routed the same way.
    await api('POST', `/api/admin/conversations/${conv.id}/close`, { token: agent.token });
  }
  const { n, ...figures } = summary(samples);
  return { count: n, ...figures };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const worker = await startWorker();
  try {
    const r = await handoffToAssignment({ url: worker.url, count: Number(process.argv[2] ?? 100) });
    console.log(`Handoff → assigned event (n=${r.count}): min ${r.min_ms} ms, median ${r.median_ms} ms, p99 ${r.p99_ms} ms, max ${r.max_ms} ms`);
  } finally {
    await worker.stop();
  }
}
