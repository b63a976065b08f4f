// Builds the static assets into dist/: the widget (one file), the operator console and the demo host page.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';

const dist = new URL('../dist/', import.meta.url).pathname;
rmSync(dist, { recursive: true, force: true });
mkdirSync(`${dist}admin`, { recursive: true });
mkdirSync(`${dist}demo`, { recursive: true });

const common = { bundle: true, minify: true, legalComments: 'none', target: 'es2020', logLevel: 'warning' };
await esbuild.build({ ...common, entryPoints: ['widget/src/loader.ts'], outfile: `${dist}widget.js`, format: 'iife', target: 'es2020' });
await esbuild.build({ ...common, entryPoints: ['widget/src/app.ts'], outfile: `${dist}widget-app.js`, format: 'esm', target: 'es2020' });
await esbuild.build({ ...common, entryPoints: ['admin/src/main.tsx'], outfile: `${dist}admin/app.js`, format: 'esm', target: 'es2022' });
// The OpenAPI document (generated from the Rust code by src/openapi.rs) is served as /api/openapi.json.
mkdirSync(`${dist}api`, { recursive: true });
copyFileSync('docs/openapi.json', `${dist}api/openapi.json`);
copyFileSync('admin/index.html', `${dist}admin/index.html`);
copyFileSync('admin/style.css', `${dist}admin/style.css`);
copyFileSync('widget/demo/index.html', `${dist}demo/index.html`);

// Static-asset headers (Workers assets `_headers`; rules add up, so each header is set by one rule).
// Every asset is nosniff; every HTML page gets a strict CSP and is never framed: the console, and the
// demo host page (same origin as the console and its refresh cookie), which allows what the widget
// needs: its script, its styles in a shadow root, its REST and WebSocket calls, its images.
const csp = (extra) => [
  "default-src 'none'", "script-src 'self'", "img-src 'self' data: blob:", "connect-src 'self'", "font-src 'self'",
  "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'", ...extra,
].join('; ');
const page = (path, policy) => `${path}
  Content-Security-Policy: ${policy}
  X-Frame-Options: DENY
  Referrer-Policy: no-referrer
`;
writeFileSync(`${dist}_headers`, `/*
  X-Content-Type-Options: nosniff
${page('/admin/*', csp(["style-src 'self'", "manifest-src 'self'"]))}${page('/demo/*', csp(["style-src 'self' 'unsafe-inline'"]))}/widget.js
  Cache-Control: public, max-age=300
/widget-app.js
  Cache-Control: public, max-age=300
  Access-Control-Allow-Origin: *
`);
