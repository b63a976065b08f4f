// Management APIs against the real Worker: operators, departments, keys, identity secret, audit log;
// role rules, tenant isolation and bad input that must change nothing.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { addOperator, client, PASSWORD, signup, uniqueEmail } from '../helpers/api.mjs';
import { startWorker } from '../helpers/worker.mjs';

let worker;
let api;
let a; // tenant A's owner
let agentA;
before(async () => {
  worker = await startWorker();
  api = client(worker.url);
  a = await signup(api, { company: 'Tenant A' });
  agentA = await addOperator(api, a, 'agent');
});
after(() => worker?.stop());

describe('operators', () => {
  test('owner_creates_lists_and_updates_operators', async () => {
    const admin = await addOperator(api, a, 'admin', { capacity: 3 });
    assert.equal(admin.operator.role, 'admin');
    assert.equal(admin.operator.capacity, 3);
    const list = await api('GET', '/api/admin/operators', { token: a.token });
    assert.equal(list.status, 200);
    assert.equal(list.body.count, list.body.results.length);
    assert.ok(list.body.results.some((o) => o.id === admin.operator.id));
    assert.ok(list.body.results.every((o) => !('password_hash' in o)), 'hashes never leave the server');
    const patched = await api('PATCH', `/api/admin/operators/${admin.operator.id}`, { token: a.token, body: { role: 'agent', capacity: 7, name: 'Renamed' } });
    assert.equal(patched.status, 200);
    assert.deepEqual([patched.body.role, patched.body.capacity, patched.body.name], ['agent', 7, 'Renamed']);
  });

  test('admins_cannot_touch_owners_and_nobody_changes_their_own_role', async () => {
    const admin = await addOperator(api, a, 'admin');
    const makeOwner = await api('POST', '/api/admin/operators', { token: admin.token, body: { email: uniqueEmail(), name: 'N', role: 'owner', password: PASSWORD } });
    assert.equal(makeOwner.status, 403);
    const demoteOwner = await api('PATCH', `/api/admin/operators/${a.operator.id}`, { token: admin.token, body: { role: 'agent' } });
    assert.equal(demoteOwner.status, 403);
    const selfPromote = await api('PATCH', `/api/admin/operators/${admin.operator.id}`, { token: admin.token, body: { role: 'owner' } });
    assert.equal(selfPromote.status, 403);
    const selfDeactivate = await api('PATCH', `/api/admin/operators/${a.operator.id}`, { token: a.token, body: { active: false } });
    assert.equal(selfDeactivate.status, 409);
    assert.equal(selfDeactivate.body.error.code, 'cannot_deactivate_self');
    assert.equal((await api('GET', `/api/admin/operators/${a.operator.id}`, { token: a.token })).body.role, 'owner', 'unchanged');
  });

  test('owners_manage_each_other_so_a_tenant_always_keeps_an_active_owner', async () => {
    const b = await signup(api);
    const co = await addOperator(api, b, 'owner');
    const demoted = await api('PATCH', `/api/admin/operators/${b.operator.id}`, { token: co.token, body: { role: 'admin' } });
    assert.equal(demoted.status, 200, 'an owner may demote another owner');
    // co is now the only owner: the new admin cannot demote or deactivate them, nor can they themselves.
    assert.equal((await api('PATCH', `/api/admin/operators/${co.operator.id}`, { token: b.token, body: { role: 'agent' } })).status, 403);
    assert.equal((await api('PATCH', `/api/admin/operators/${co.operator.id}`, { token: b.token, body: { active: false } })).status, 403);
    assert.equal((await api('PATCH', `/api/admin/operators/${co.operator.id}`, { token: co.token, body: { role: 'admin' } })).status, 403);
    assert.equal((await api('PATCH', `/api/admin/operators/${co.operator.id}`, { token: co.token, body: { active: false } })).status, 409);
    const owners = (await api('GET', '/api/admin/operators', { token: co.token })).body.results.filter((o) => o.role === 'owner' && o.active);
    assert.deepEqual(owners.map((o) => o.id), [co.operator.id]);
  });

  test('two_owners_deactivating_each_other_at_once_leave_exactly_one_active_owner', async () => {
    for (let round = 0; round < 3; round++) {
      const a = await signup(api);
      const b = await addOperator(api, a, 'owner');
      const [ab, ba] = await Promise.all([
        api('PATCH', `/api/admin/operators/${b.operator.id}`, { token: a.token, body: { active: false } }),
        api('PATCH', `/api/admin/operators/${a.operator.id}`, { token: b.token, body: { active: false } }),
      ]);
      const statuses = [ab.status, ba.status].sort();
      // One wins; the other finds itself the last owner (409) or already deactivated (401/403).
      assert.equal(statuses.filter((s) => s === 200).length, 1, `round ${round}: ${ab.status} ${ab.text} / ${ba.status} ${ba.text}`);
      const survivor = ab.status === 200 ? a : b;
      const owners = (await api('GET', '/api/admin/operators', { token: survivor.token })).body.results.filter((o) => o.role === 'owner' && o.active);
      assert.equal(owners.length, 1, `round ${round}: exactly one active owner remains`);
    }
  });

  test('reset_password_ends_the_operators_sessions', async () => {
    const agent = await addOperator(api, a, 'agent');
    const reset = await api('POST', `/api/admin/operators/${agent.operator.id}/password`, { token: a.token, body: { password: 'reset by the owner' } });
    assert.equal(reset.status, 204);
    assert.equal((await api('GET', '/api/auth/me', { token: agent.token })).status, 401);
    assert.equal((await api('POST', '/api/auth/refresh', { cookie: agent.cookie })).status, 401);
    assert.equal((await api('POST', '/api/auth/login', { body: { email: agent.email, password: 'reset by the owner' } })).status, 200);
  });

  test('duplicate_operator_email_is_409', async () => {
    const r = await api('POST', '/api/admin/operators', { token: a.token, body: { email: agentA.email, name: 'Dup', role: 'agent', password: PASSWORD } });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'email_taken');
  });
});

describe('role checks', () => {
  test('agents_read_but_cannot_create_keys_operators_or_departments', async () => {
    const t = agentA.token;
    assert.equal((await api('GET', '/api/admin/operators', { token: t })).status, 200);
    assert.equal((await api('GET', '/api/admin/api-keys', { token: t })).status, 200);
    assert.equal((await api('GET', '/api/admin/departments', { token: t })).status, 200);
    const before = (await api('GET', '/api/admin/api-keys', { token: a.token })).body.count;
    const cases = [
      ['POST', '/api/admin/api-keys', { label: 'x', allowed_origins: ['https://a.io'] }],
      ['POST', '/api/admin/operators', { email: uniqueEmail(), name: 'x', role: 'agent', password: PASSWORD }],
      ['POST', '/api/admin/departments', { name: 'Sales' }],
      ['POST', '/api/admin/identity-secret', undefined],
      ['PATCH', `/api/admin/operators/${agentA.operator.id}`, { capacity: 50 }],
    ];
    for (const [method, path, body] of cases) {
      const r = await api(method, path, { token: t, body });
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.body.error.code, 'forbidden');
    }
    assert.equal((await api('GET', '/api/admin/api-keys', { token: a.token })).body.count, before, 'nothing was created');
    assert.equal((await api('GET', '/api/admin/audit-log', { token: t })).status, 403);
  });

  test('no_token_is_401_on_every_admin_endpoint', async () => {
    for (const path of ['/api/admin/operators', '/api/admin/departments', '/api/admin/api-keys', '/api/admin/identity-secret', '/api/admin/audit-log']) {
      const r = await api('GET', path);
      assert.equal(r.status, 401, path);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer');
    }
  });
});

describe('departments', () => {
  test('crud_membership_and_the_protected_default', async () => {
    const list = await api('GET', '/api/admin/departments', { token: a.token });
    const def = list.body.results.find((d) => d.is_default);
    assert.equal(def.name, 'Customer care');
    const del = await api('DELETE', `/api/admin/departments/${def.id}`, { token: a.token });
    assert.equal(del.status, 409);
    assert.equal(del.body.error.code, 'default_department');

    const sales = await api('POST', '/api/admin/departments', { token: a.token, body: { name: 'Sales', operator_ids: [agentA.operator.id] } });
    assert.equal(sales.status, 201);
    assert.deepEqual(sales.body.member_ids, [agentA.operator.id]);
    assert.equal((await api('POST', '/api/admin/departments', { token: a.token, body: { name: 'Sales' } })).status, 409);

    const renamed = await api('PATCH', `/api/admin/departments/${sales.body.id}`, { token: a.token, body: { name: 'Sales EMEA' } });
    assert.equal(renamed.body.name, 'Sales EMEA');
    const set = await api('PUT', `/api/admin/departments/${sales.body.id}/members`, { token: a.token, body: { operator_ids: [a.operator.id, agentA.operator.id] } });
    assert.equal(set.body.member_ids.length, 2);
    const removed = await api('DELETE', `/api/admin/departments/${sales.body.id}/members/${agentA.operator.id}`, { token: a.token });
    assert.deepEqual(removed.body.member_ids, [a.operator.id]);
    const added = await api('POST', `/api/admin/departments/${sales.body.id}/members`, { token: a.token, body: { operator_id: agentA.operator.id } });
    assert.equal(added.body.member_ids.length, 2);
    const agentView = await api('GET', `/api/admin/operators/${agentA.operator.id}`, { token: a.token });
    assert.ok(agentView.body.department_ids.includes(sales.body.id));

    assert.equal((await api('DELETE', `/api/admin/departments/${sales.body.id}`, { token: a.token })).status, 204);
    assert.equal((await api('GET', `/api/admin/departments/${sales.body.id}`, { token: a.token })).status, 404);
  });

  test('unknown_member_ids_are_422_and_change_nothing', async () => {
    const d = await api('POST', '/api/admin/departments', { token: a.token, body: { name: `Team ${randomUUID().slice(0, 4)}` } });
    const bad = await api('PUT', `/api/admin/departments/${d.body.id}/members`, { token: a.token, body: { operator_ids: [agentA.operator.id, randomUUID()] } });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.field, 'operator_ids');
    assert.deepEqual((await api('GET', `/api/admin/departments/${d.body.id}`, { token: a.token })).body.member_ids, []);
  });
});

describe('api keys and identity secret', () => {
  test('create_list_update_and_revoke_a_key', async () => {
    const created = await api('POST', '/api/admin/api-keys', { token: a.token, body: { label: 'Shop', allowed_origins: ['https://shop.example.com/', 'http://localhost:*'] } });
    assert.equal(created.status, 201);
    assert.match(created.body.key, /^pk_[0-9a-f]{32}$/);
    assert.deepEqual(created.body.allowed_origins, ['https://shop.example.com', 'http://localhost:*']);
    const updated = await api('PATCH', `/api/admin/api-keys/${created.body.id}`, { token: a.token, body: { allowed_origins: ['https://www.shop.example.com'] } });
    assert.deepEqual(updated.body.allowed_origins, ['https://www.shop.example.com']);
    assert.equal(updated.body.label, 'Shop');
    const revoked = await api('POST', `/api/admin/api-keys/${created.body.id}/revoke`, { token: a.token });
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.active, false);
    assert.ok(revoked.body.revoked_at > 0);
    const afterRevoke = await api('PATCH', `/api/admin/api-keys/${created.body.id}`, { token: a.token, body: { label: 'x' } });
    assert.equal(afterRevoke.status, 409);
    const list = await api('GET', '/api/admin/api-keys', { token: a.token });
    assert.ok(list.body.results.some((k) => k.id === created.body.id && !k.active));
  });

  test('wildcard_hosts_and_paths_in_origins_are_refused', async () => {
    for (const origin of ['https://*.example.com', 'https://example.com/path', 'ftp://example.com', '*']) {
      const r = await api('POST', '/api/admin/api-keys', { token: a.token, body: { label: 'bad', allowed_origins: [origin] } });
      assert.equal(r.status, 422, origin);
      assert.equal(r.body.error.field, 'allowed_origins');
    }
  });

  test('identity_secret_is_shown_once_then_only_a_hint', async () => {
    const t = await signup(api);
    assert.equal((await api('GET', '/api/admin/identity-secret', { token: t.token })).body.configured, false);
    const first = await api('POST', '/api/admin/identity-secret', { token: t.token });
    assert.equal(first.status, 201);
    assert.match(first.body.secret, /^ids_[0-9a-f]{64}$/);
    const shown = await api('GET', '/api/admin/identity-secret', { token: t.token });
    assert.equal(shown.body.configured, true);
    assert.ok(!JSON.stringify(shown.body).includes(first.body.secret), 'the secret is never shown again');
    assert.equal(shown.body.hint, `ids_…${first.body.secret.slice(-4)}`);
    const rotated = await api('POST', '/api/admin/identity-secret', { token: t.token });
    assert.notEqual(rotated.body.secret, first.body.secret);
  });

  test('changes_are_written_to_the_audit_log', async () => {
    const t = await signup(api);
    await api('POST', '/api/admin/api-keys', { token: t.token, body: { label: 'Audited', allowed_origins: ['https://a.io'] } });
    await api('POST', '/api/admin/identity-secret', { token: t.token });
    const log = await api('GET', '/api/admin/audit-log', { token: t.token });
    assert.equal(log.status, 200);
    assert.deepEqual(log.body.results.map((e) => e.action), ['identity_secret.rotated', 'api_key.created', 'tenant.created']);
    assert.ok(!JSON.stringify(log.body).includes('ids_') || log.body.results[0].detail.hint.includes('…'), 'no secret in the log');
  });
});

describe('tenant isolation', () => {
  test('tenant_A_gets_404_for_tenant_Bs_keys_operators_and_departments_on_every_endpoint', async () => {
    const b = await signup(api, { company: 'Tenant B' });
    const bAgent = await addOperator(api, b, 'agent');
    const bKey = (await api('POST', '/api/admin/api-keys', { token: b.token, body: { label: 'B key', allowed_origins: ['https://b.io'] } })).body;
    const bDept = (await api('POST', '/api/admin/departments', { token: b.token, body: { name: 'B team' } })).body;
    const probes = [
      ['GET', `/api/admin/operators/${bAgent.operator.id}`],
      ['PATCH', `/api/admin/operators/${bAgent.operator.id}`, { name: 'pwned' }],
      ['PATCH', `/api/admin/operators/${bAgent.operator.id}`, { active: false }],
      ['POST', `/api/admin/operators/${bAgent.operator.id}/password`, { password: 'taken over by A' }],
      ['GET', `/api/admin/api-keys/${bKey.id}`],
      ['PATCH', `/api/admin/api-keys/${bKey.id}`, { label: 'pwned' }],
      ['POST', `/api/admin/api-keys/${bKey.id}/revoke`],
      ['GET', `/api/admin/departments/${bDept.id}`],
      ['PATCH', `/api/admin/departments/${bDept.id}`, { name: 'pwned' }],
      ['DELETE', `/api/admin/departments/${bDept.id}`],
      ['PUT', `/api/admin/departments/${bDept.id}/members`, { operator_ids: [] }],
      ['POST', `/api/admin/departments/${bDept.id}/members`, { operator_id: a.operator.id }],
      ['DELETE', `/api/admin/departments/${bDept.id}/members/${bAgent.operator.id}`],
    ];
    for (const [method, path, body] of probes) {
      const r = await api(method, path, { token: a.token, body });
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(r.body.error.code, 'not_found');
    }
    // B's ids used as references inside A's requests are unknown too.
    const cross = await api('POST', '/api/admin/departments', { token: a.token, body: { name: 'Cross', operator_ids: [bAgent.operator.id] } });
    assert.equal(cross.status, 422);
    const crossOp = await api('POST', '/api/admin/operators', { token: a.token, body: { email: uniqueEmail(), name: 'x', role: 'agent', password: PASSWORD, department_ids: [bDept.id] } });
    assert.equal(crossOp.status, 422);
    // Lists never show B's rows, and nothing of B changed.
    const ids = (await api('GET', '/api/admin/operators', { token: a.token })).body.results.map((o) => o.id);
    assert.ok(!ids.includes(bAgent.operator.id));
    assert.equal((await api('GET', `/api/admin/api-keys/${bKey.id}`, { token: b.token })).body.label, 'B key');
    assert.equal((await api('GET', `/api/admin/api-keys/${bKey.id}`, { token: b.token })).body.active, true);
    assert.equal((await api('GET', `/api/admin/operators/${bAgent.operator.id}`, { token: b.token })).body.active, true);
    assert.deepEqual((await api('GET', `/api/admin/departments/${bDept.id}`, { token: b.token })).body.name, 'B team');
    assert.equal((await api('GET', '/api/auth/me', { token: bAgent.token })).status, 200);
  });
});

describe('bad input changes nothing', () => {
  const keyCount = async () => (await api('GET', '/api/admin/api-keys', { token: a.token })).body.count;

  test('malformed_json_is_400', async () => {
    const before = await keyCount();
    for (const raw of ['{', '{"label": "x",}', 'not json', '']) {
      const r = await api('POST', '/api/admin/api-keys', { token: a.token, raw, headers: { 'content-type': 'application/json' } });
      assert.equal(r.status, 400, JSON.stringify(raw));
      assert.equal(r.body.error.code, 'malformed_json');
    }
    assert.equal(await keyCount(), before);
  });

  test('missing_fields_wrong_types_and_unknown_fields_are_422', async () => {
    const before = await keyCount();
    const bodies = [{ label: 'x' }, { allowed_origins: ['https://a.io'] }, { label: 5, allowed_origins: ['https://a.io'] }, { label: 'x', allowed_origins: 'https://a.io' }, { label: 'x', allowed_origins: ['https://a.io'], tenant_id: 'other' }, [], 'text', null];
    for (const body of bodies) {
      const r = await api('POST', '/api/admin/api-keys', { token: a.token, raw: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.equal(r.body.error.code, 'invalid_body');
    }
    const capacity = await api('PATCH', `/api/admin/operators/${agentA.operator.id}`, { token: a.token, body: { capacity: 'lots' } });
    assert.equal(capacity.status, 422);
    const negative = await api('PATCH', `/api/admin/operators/${agentA.operator.id}`, { token: a.token, body: { capacity: -1 } });
    assert.equal(negative.status, 422);
    assert.equal(negative.body.error.field, 'capacity');
    assert.equal(await keyCount(), before);
  });

  test('oversized_body_is_413_and_wrong_content_type_is_415', async () => {
    const before = await keyCount();
    const big = JSON.stringify({ label: 'x'.repeat(70 * 1024), allowed_origins: ['https://a.io'] });
    const r = await api('POST', '/api/admin/api-keys', { token: a.token, raw: big, headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, 'payload_too_large');
    const form = await api('POST', '/api/admin/api-keys', { token: a.token, raw: 'label=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(form.status, 415);
    const longLabel = await api('POST', '/api/admin/api-keys', { token: a.token, body: { label: 'x'.repeat(81), allowed_origins: ['https://a.io'] } });
    assert.equal(longLabel.status, 422);
    assert.equal(await keyCount(), before);
  });

  test('unknown_routes_are_json_404_and_wrong_methods_405', async () => {
    const r = await api('GET', '/api/does-not-exist');
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 'not_found');
    const m = await api('DELETE', '/api/auth/login');
    assert.equal(m.status, 405);
    assert.equal(m.headers.get('allow'), 'POST');
    assert.equal(m.body.error.code, 'method_not_allowed');
    const adminMethod = await api('DELETE', '/api/admin/operators', { token: a.token });
    assert.equal(adminMethod.status, 405);
    const badId = await api('GET', '/api/admin/operators/not-a-uuid', { token: a.token });
    assert.equal(badId.status, 404);
  });
});
