// `make bench`: sizes (gzipped worker bundle, widget, console) and room fan-out (bench/room.mjs) against
// the Worker in workerd with fresh state. Results go to bench/results/latest.json and tables to stdout.
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { startWorker } from '../tests/helpers/worker.mjs';
import { handoffToAssignment } from './handoff.mjs';
import { roomFanout } from './room.mjs';
import { uploadThroughput } from './upload.mjs';

const gz = (...files) => files.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
const raw = (...files) => files.reduce((n, f) => n + readFileSync(f).length, 0);
const rows = [
  { scenario: 'size', item: 'worker bundle (wasm + JS)', raw: raw('build/index_bg.wasm', 'build/index.js'), gzipped: gz('build/index_bg.wasm', 'build/index.js'), budget: 400 * 1024 },
  { scenario: 'size', item: 'widget JS+CSS (all)', raw: raw('dist/widget.js', 'dist/widget-app.js'), gzipped: gz('dist/widget.js', 'dist/widget-app.js'), budget: 8 * 1024 },
  { scenario: 'size', item: 'widget before first click', raw: raw('dist/widget.js'), gzipped: gz('dist/widget.js'), budget: 3 * 1024 },
  { scenario: 'size', item: 'console JS+CSS', raw: raw('dist/admin/app.js', 'dist/admin/style.css'), gzipped: gz('dist/admin/app.js', 'dist/admin/style.css'), budget: null },
];
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log('| scenario | item | raw | gzipped | budget |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.scenario} | ${r.item} | ${kib(r.raw)} | ${kib(r.gzipped)} | ${r.budget ? kib(r.budget) : '—'} |`);

const worker = await startWorker({ vars: { ROOM_RATE_PER_SEC: '100000', ROOM_RATE_BURST: '100000' } });
let room;
let handoff;
let upload;
try {
  room = await roomFanout({ url: worker.url });
  handoff = await handoffToAssignment({ url: worker.url, count: 100 });
  upload = await uploadThroughput({ url: worker.url, runs: 5 });
} finally {
  await worker.stop();
}
console.log('\nRoom fan-out: 1 visitor sending, 2 operators receiving (D1 write before every ack)');
console.log('| offered/s | acked/s | errors | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|');
for (const r of room) console.log(`| ${r.offered_per_s} | ${r.events_per_s} | ${r.errors} | ${r.p50_ms} | ${r.p99_ms} | ${r.max_ms} |`);
console.log(`\nHandoff → assigned event (n=${handoff.count}): min ${handoff.min_ms} ms, median ${handoff.median_ms} ms, p99 ${handoff.p99_ms} ms`);
console.log(`Upload of ${upload.size_mib} MiB (median of ${upload.runs}): ${upload.upload_ms} ms = ${upload.upload_mib_s} MiB/s; download ${upload.download_mib_s} MiB/s`);
writeFileSync('bench/results/latest.json', JSON.stringify({ at: new Date().toISOString(), sizes: rows, room_fanout: room, handoff, upload }, null, 2));
