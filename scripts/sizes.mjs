// Prints the gzipped sizes that matter and fails when one is over its budget (DESIGN.md §7).
// `make bench` reports the same rows (import { sizeRows }).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const KiB = 1024;
const gz = (...files) => files.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
const raw = (...files) => files.reduce((n, f) => n + readFileSync(f).length, 0);
const row = (item, files, budget) => ({ item, raw: raw(...files), gzipped: gz(...files), budget });

/** Each measured artifact: `{item, raw, gzipped, budget}` in bytes (`budget` null when there is none). */
export function sizeRows() {
  return [
    row('worker bundle (wasm + JS)', ['build/index_bg.wasm', 'build/index.js'], 1024 * KiB),
    row('widget, all of it (widget.js + widget-app.js)', ['dist/widget.js', 'dist/widget-app.js'], 12 * KiB),
    row('widget before the first click (widget.js)', ['dist/widget.js'], 3 * KiB),
    row('console JS (dist/admin/app.js)', ['dist/admin/app.js'], null),
    row('console (dist/admin/app.js + style.css)', ['dist/admin/app.js', 'dist/admin/style.css'], null),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let over = 0;
  for (const { item, gzipped, budget } of sizeRows()) {
    const status = budget === null ? '' : gzipped <= budget ? `  (budget ${budget / KiB} KiB: ok)` : `  (budget ${budget / KiB} KiB: OVER)`;
    if (budget !== null && gzipped > budget) over++;
    console.log(`${item.padEnd(42)} ${(gzipped / KiB).toFixed(1).padStart(7)} KiB gzipped${status}`);
  }
  process.exit(over ? 1 : 0);
}
