// The local mailbox. Under `wrangler dev` the `send_email` binding is simulated: each mail the Worker
// sends is written as an .eml file into Miniflare's temporary folder (under $TMPDIR, removed when
// wrangler stops). `make dev` points $TMPDIR at a spool folder and runs this script beside wrangler,
// which copies every new mail into the mailbox folder, where it stays, and prints who it went to.
//   node scripts/mailbox.mjs <spool-dir> <mailbox-dir>
// Tests import `sentMails` and `parseMail` to read what the Worker sent.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** Every .eml file Miniflare wrote under `spool`, oldest first. */
export function sentMails(spool) {
  const found = [];
  const walk = (dir) => {
    let entries = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.eml')) found.push(path);
    }
  };
  walk(spool);
  return found.map((path) => ({ path, at: statSync(path).mtimeMs })).sort((a, b) => a.at - b.at).map((f) => f.path);
}

/** The first mail under `spool` that `match` accepts (parsed), or undefined. */
export function findMail(spool, match) {
  return sentMails(spool).map((path) => parseMail(readFileSync(path, 'utf8'))).find(match);
}

/** RFC 2047 encoded words (`=?UTF-8?B?…?=`) back to text. */
function decodeWords(value) {
  return value.replace(/\r?\n[ \t]/g, '').replace(/=\?UTF-8\?B\?([^?]*)\?=\s*/gi, (_, b64) => Buffer.from(b64, 'base64').toString('utf8'));
}

/** An .eml as `{ headers, text, html }` (headers by lowercase name, decoded). */
export function parseMail(raw) {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = decodeWords(line.slice(i + 1).trim());
  }
  const boundary = /boundary="([^"]+)"/.exec(headers['content-type'] ?? '')?.[1];
  const parts = {};
  const body = rest.join('\n\n');
  for (const part of boundary ? body.split(`--${boundary}`) : []) {
    const [partHead, ...content] = part.trim().split(/\r?\n\r?\n/);
    const type = /content-type:\s*([^;\s]+)/i.exec(partHead ?? '')?.[1];
    if (type) parts[type] = Buffer.from(content.join('').replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  return { headers, text: parts['text/plain'] ?? '', html: parts['text/html'] ?? '' };
}

async function main(spool, mailbox) {
  mkdirSync(mailbox, { recursive: true });
  const seen = new Set();
  const parent = process.ppid;
  // Ends with the dev script that started it.
  while (process.ppid === parent) {
    for (const path of existsSync(spool) ? sentMails(spool) : []) {
      if (seen.has(path)) continue;
      seen.add(path);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const target = join(mailbox, `${stamp}-${basename(path)}`);
      copyFileSync(path, target);
      const { headers } = parseMail(readFileSync(path, 'utf8'));
      console.log(`[mail] to ${headers.to} — ${headers.subject}\n       ${target}`);
    }
    await delay(500);
  }
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  const [spool, mailbox] = process.argv.slice(2);
  if (!spool || !mailbox) {
    console.error('usage: node scripts/mailbox.mjs <spool-dir> <mailbox-dir>');
    process.exit(2);
  }
  await main(spool, mailbox);
}
