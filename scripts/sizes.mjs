// Prints the gzipped sizes that matter and fails when one is over its budget (DESIGN.md §7).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const KiB = 1024;
const gz = (...files) => files.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
const rows = [
  ['worker bundle (wasm + JS)', gz('build/index_bg.wasm', 'build/index.js'), 400 * KiB],
  ['widget, all of it (widget.js + widget-app.js)', gz('dist/widget.js', 'dist/widget-app.js'), 8 * KiB],
  ['widget before the first click (widget.js)', gz('dist/widget.js'), 3 * KiB],
  ['console (dist/admin/app.js + style.css)', gz('dist/admin/app.js', 'dist/admin/style.css'), null],
];
let over = 0;
for (const [name, size, budget] of rows) {
  const status = budget === null ? '' : size <= budget ? `  (budget ${budget / KiB} KiB: ok)` : `  (budget ${budget / KiB} KiB: OVER)`;
  if (budget !== null && size > budget) over++;
  console.log(`${name.padEnd(42)} ${(size / KiB).toFixed(1).padStart(7)} KiB gzipped${status}`);
}
process.exit(over ? 1 : 0);
