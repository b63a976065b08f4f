// `make bench`: the benchmarks that exist so far. Today that is the size scenario (gzipped worker
// bundle, widget, console); the live fan-out, connect-storm, routing and REST scenarios join as the
// realtime protocol and inbox land. Results go to bench/results/latest.json and a table to stdout.
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const gz = (...files) => files.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
const raw = (...files) => files.reduce((n, f) => n + readFileSync(f).length, 0);
const rows = [
  { scenario: 'size', item: 'worker bundle (wasm + JS)', raw: raw('build/index_bg.wasm', 'build/index.js'), gzipped: gz('build/index_bg.wasm', 'build/index.js'), budget: 400 * 1024 },
  { scenario: 'size', item: 'widget JS+CSS', raw: raw('dist/widget.js'), gzipped: gz('dist/widget.js'), budget: 8 * 1024 },
  { scenario: 'size', item: 'console JS+CSS', raw: raw('dist/admin/app.js', 'dist/admin/style.css'), gzipped: gz('dist/admin/app.js', 'dist/admin/style.css'), budget: null },
];
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log('| scenario | item | raw | gzipped | budget |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.scenario} | ${r.item} | ${kib(r.raw)} | ${kib(r.gzipped)} | ${r.budget ? kib(r.budget) : '—'} |`);
console.log('\nno load benchmarks yet: fan-out, many rooms, connect storm, handoff and REST scenarios need the live protocol.');
writeFileSync('bench/results/latest.json', JSON.stringify({ at: new Date().toISOString(), rows }, null, 2));
