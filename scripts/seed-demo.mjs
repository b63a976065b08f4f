// Seeds the "Demo Co" tenant into a local D1 state folder: an owner, an agent, the default department
// and a publishable key for localhost. Idempotent: rows that exist are left as they are.
//   node scripts/seed-demo.mjs <state-dir>
import { execFileSync } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DEMO = {
  tenant: { id: '6f1c1b52-0d55-4c36-9b64-2c1b7f0d0001', name: 'Demo Co' },
  department: { id: '6f1c1b52-0d55-4c36-9b64-2c1b7f0d0002', name: 'Customer care' },
  owner: { id: '6f1c1b52-0d55-4c36-9b64-2c1b7f0d0003', email: 'owner@demo.example', name: 'Olivia Owner', password: 'demo-owner-password' },
  agent: { id: '6f1c1b52-0d55-4c36-9b64-2c1b7f0d0004', email: 'agent@demo.example', name: 'Aki Agent', password: 'demo-agent-password' },
  key: { id: '6f1c1b52-0d55-4c36-9b64-2c1b7f0d0005', value: 'pk_demolocal0000000000000000', origins: ['http://localhost:*', 'http://127.0.0.1:*'] },
};

const b64url = (buf) => buf.toString('base64url');
// The same format the Worker writes: pbkdf2-sha256$<iterations>$<salt>$<hash>.
function hashPassword(password) {
  const salt = randomBytes(16);
  const hash = pbkdf2Sync(password, salt, 100_000, 32, 'sha256');
  return `pbkdf2-sha256$100000$${b64url(salt)}$${b64url(hash)}`;
}
const q = (s) => `'${String(s).replaceAll("'", "''")}'`;

const FAQ = [
  ['How long does shipping take?', 'Orders arrive in 3–5 business days.', ['delivery', 'days', 'arrive']],
  ['What is your return policy?', 'You can return unused items within 30 days.', ['return', 'refund', 'send back']],
  ['How do I reset my password?', "Use 'Forgot password' on the sign-in page.", ['password', 'login', 'forgot']],
  ['配送にはどのくらいかかりますか？', 'ご注文から3〜5営業日でお届けします。', ['配送', '日数', '届く']],
  ['返品はできますか？', '未使用の商品はお届けから30日以内であれば返品できます。', ['返品', '返金']],
];

export function seedSql(now = Date.now()) {
  const { tenant, department, owner, agent, key } = DEMO;
  const operator = (o, role) =>
    `INSERT OR IGNORE INTO operators (id, tenant_id, email, name, role, password_hash, capacity, created_at, updated_at) VALUES (${q(o.id)}, ${q(tenant.id)}, ${q(o.email)}, ${q(o.name)}, '${role}', ${q(hashPassword(o.password))}, 5, ${now}, ${now});`;
  return [
    `INSERT OR IGNORE INTO tenants (id, name, created_at) VALUES (${q(tenant.id)}, ${q(tenant.name)}, ${now});`,
    `INSERT OR IGNORE INTO departments (id, tenant_id, name, is_default, created_at) VALUES (${q(department.id)}, ${q(tenant.id)}, ${q(department.name)}, 1, ${now});`,
    operator(owner, 'owner'),
    operator(agent, 'agent'),
    ...[owner, agent].map((o) => `INSERT OR IGNORE INTO department_members (department_id, operator_id, tenant_id) VALUES (${q(department.id)}, ${q(o.id)}, ${q(tenant.id)});`),
    ...FAQ.map(([question, answer, keywords], i) =>
      `INSERT OR IGNORE INTO faq_entries (id, tenant_id, question, answer, keywords, created_at, updated_at) VALUES ('6f1c1b52-0d55-4c36-9b64-2c1b7f0d01${String(i).padStart(2, '0')}', ${q(tenant.id)}, ${q(question)}, ${q(answer)}, ${q(JSON.stringify(keywords))}, ${now}, ${now});`),
    `INSERT OR IGNORE INTO api_keys (id, tenant_id, publishable_key, label, allowed_origins, created_at) VALUES (${q(key.id)}, ${q(tenant.id)}, ${q(key.value)}, 'Local demo', ${q(JSON.stringify(key.origins))}, ${now});`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const state = process.argv[2] ?? '.state';
  const file = join(mkdtempSync(join(tmpdir(), 'edgechat-seed-')), 'seed.sql');
  writeFileSync(file, seedSql());
  execFileSync('node_modules/.bin/wrangler', ['d1', 'execute', 'DB', '--local', '--persist-to', state, `--file=${file}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
}
