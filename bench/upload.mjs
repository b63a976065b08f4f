// Upload throughput: a file just under the 10 MiB limit, uploaded by a visitor and read back.
// `node bench/upload.mjs [runs=5]`
import { performance } from 'node:perf_hooks';
import { client, signup } from '../tests/helpers/api.mjs';
import { makeKey, newConversation, newVisitor, quietBot, SITE_ORIGIN, widgetClient } from '../tests/helpers/chat.mjs';
import { SAMPLES } from '../tests/helpers/files.mjs';
import { startWorker } from '../tests/helpers/worker.mjs';

export async function uploadThroughput({ url, runs = 5 }) {
  const api = client(url);
  const owner = await signup(api, { company: 'Upload Bench' });
  await quietBot(api, owner);
  const key = (await makeKey(api, owner)).key;
  const w = widgetClient(url, key);
  const v = await newVisitor(w);
  const conv = await newConversation(w, v);
  const file = Buffer.concat([SAMPLES.pdf, Buffer.alloc(10 * 1024 * 1024 - SAMPLES.pdf.length - 1)]);
  const up = [];
  const down = [];
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    const res = await fetch(`${url}/api/widget/conversations/${conv.id}/attachments?key=${key}&name=big.pdf&client_msg_id=big-${i}`, {
      method: 'POST',
      headers: { origin: SITE_ORIGIN, authorization: `Bearer ${v.token}` },
      body: file,
    });
    const body = await res.json();
    if (res.status !== 201) throw new Error(`upload failed: ${JSON.stringify(body)}`);
    up.push(performance.now() - t0);
    t0 = performance.now();
    const back = Buffer.from(await (await fetch(url + body.event.data.url)).arrayBuffer());
    if (back.length !== file.length) throw new Error('short read');
    down.push(performance.now() - t0);
  }
  const mib = file.length / (1024 * 1024);
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { size_mib: +mib.toFixed(2), runs, upload_ms: +median(up).toFixed(0), upload_mib_s: +(mib / (median(up) / 1000)).toFixed(1), download_ms: +median(down).toFixed(0), download_mib_s: +(mib / (median(down) / 1000)).toFixed(1) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const worker = await startWorker();
  try {
    const r = await uploadThroughput({ url: worker.url, runs: Number(process.argv[2] ?? 5) });
    console.log(`Upload of ${r.size_mib} MiB (median of ${r.runs}): ${r.upload_ms} ms = ${r.upload_mib_s} MiB/s; download ${r.download_ms} ms = ${r.download_mib_s} MiB/s`);
  } finally {
    await worker.stop();
  }
}
