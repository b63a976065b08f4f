// Operator accounts against the real Worker: sign-up, sign-in, refresh rotation, sign-out, password
// changes, sign-in throttling and attacks on the access token.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addOperator, client, decodeJwt, forgeJwt, PASSWORD, refreshCookie, signup, uniqueEmail } from '../helpers/api.mjs';
import { startWorker } from '../helpers/worker.mjs';

let worker;
let api;
before(async () => {
  worker = await startWorker();
  api = client(worker.url);
});
after(() => worker?.stop());

describe('sign-up, sign-in and sessions', () => {
  test('signup_login_me_refresh_rotates_and_logout_revokes', async () => {
    const owner = await signup(api, { company: 'Acme Ltd', name: 'Ada' });
    assert.equal(owner.operator.role, 'owner');
    assert.equal(owner.tenant.name, 'Acme Ltd');
    assert.equal(owner.operator.department_ids.length, 1, 'owner joins the default department');
    assert.ok(owner.cookie, 'refresh cookie set');

    const login = await api('POST', '/api/auth/login', { body: { email: owner.email.toUpperCase(), password: PASSWORD } });
    assert.equal(login.status, 200);
    const setCookie = login.headers.get('set-cookie');
    for (const attr of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/api/auth']) assert.ok(setCookie.includes(attr), `cookie has ${attr}`);
    const claims = decodeJwt(login.body.access_token);
    assert.equal(claims.iss, 'edgechat');
    assert.equal(claims.aud, 'edgechat-console');
    assert.ok(claims.exp - claims.iat <= 900, 'access token lives at most 15 minutes');

    const me = await api('GET', '/api/auth/me', { token: login.body.access_token });
    assert.equal(me.status, 200);
    assert.equal(me.body.operator.email, owner.email);
    assert.equal(me.body.tenant.id, owner.tenant.id);

    const cookie1 = refreshCookie(login);
    const refreshed = await api('POST', '/api/auth/refresh', { cookie: cookie1 });
    assert.equal(refreshed.status, 200);
    const cookie2 = refreshCookie(refreshed);
    assert.notEqual(cookie2, cookie1, 'refresh token rotates');
    assert.equal((await api('GET', '/api/auth/me', { token: refreshed.body.access_token })).status, 200);

    // The rotated-out token is dead, and replaying it revokes the whole family (theft detection).
    assert.equal((await api('POST', '/api/auth/refresh', { cookie: cookie1 })).status, 401);
    assert.equal((await api('POST', '/api/auth/refresh', { cookie: cookie2 })).status, 401, 'reuse revoked the family');

    const again = await api('POST', '/api/auth/login', { body: { email: owner.email, password: PASSWORD } });
    const cookie3 = refreshCookie(again);
    const out = await api('POST', '/api/auth/logout', { cookie: cookie3 });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie'), /ec_refresh=;.*Max-Age=0/);
    assert.equal((await api('POST', '/api/auth/refresh', { cookie: cookie3 })).status, 401, 'logout revokes the refresh token');
  });

  test('wrong_password_and_unknown_email_are_the_same_401', async () => {
    const owner = await signup(api);
    const wrong = await api('POST', '/api/auth/login', { body: { email: owner.email, password: 'not the password' }, headers: { 'cf-connecting-ip': '10.0.0.2' } });
    const unknown = await api('POST', '/api/auth/login', { body: { email: uniqueEmail(), password: 'not the password' }, headers: { 'cf-connecting-ip': '10.0.0.2' } });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.deepEqual(wrong.body, unknown.body);
    assert.equal(wrong.body.error.code, 'invalid_credentials');
    assert.equal(wrong.headers.get('set-cookie'), null);
  });

  test('signup_refuses_a_taken_email_and_weak_passwords', async () => {
    const owner = await signup(api);
    const dup = await api('POST', '/api/auth/signup', { body: { company: 'Other', name: 'X', email: owner.email, password: PASSWORD } });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, 'email_taken');
    const weak = await api('POST', '/api/auth/signup', { body: { company: 'Other', name: 'X', email: uniqueEmail(), password: 'short' } });
    assert.equal(weak.status, 422);
    assert.equal(weak.body.error.field, 'password');
    const badEmail = await api('POST', '/api/auth/signup', { body: { company: 'Other', name: 'X', email: 'not-an-email', password: PASSWORD } });
    assert.equal(badEmail.status, 422);
    assert.equal(badEmail.body.error.field, 'email');
  });

  test('change_password_ends_other_sessions_and_old_access_tokens', async () => {
    const owner = await signup(api);
    const other = await api('POST', '/api/auth/login', { body: { email: owner.email, password: PASSWORD } });
    const wrong = await api('POST', '/api/auth/password', { token: owner.token, body: { current_password: 'nope nope nope', new_password: 'a brand new password' } });
    assert.equal(wrong.status, 403);
    const changed = await api('POST', '/api/auth/password', { token: owner.token, body: { current_password: PASSWORD, new_password: 'a brand new password' } });
    assert.equal(changed.status, 200);
    assert.equal((await api('GET', '/api/auth/me', { token: owner.token })).body.error.code, 'session_revoked');
    assert.equal((await api('GET', '/api/auth/me', { token: other.body.access_token })).status, 401);
    assert.equal((await api('POST', '/api/auth/refresh', { cookie: refreshCookie(other) })).status, 401);
    assert.equal((await api('GET', '/api/auth/me', { token: changed.body.access_token })).status, 200, 'the caller gets a fresh session');
    assert.equal((await api('POST', '/api/auth/login', { body: { email: owner.email, password: PASSWORD } })).status, 401);
    assert.equal((await api('POST', '/api/auth/login', { body: { email: owner.email, password: 'a brand new password' } })).status, 200);
  });
});

describe('sign-in throttling', () => {
  test('five_failures_lock_the_account_with_429_even_for_the_right_password', async () => {
    const owner = await signup(api);
    for (let i = 0; i < 5; i++) {
      const r = await api('POST', '/api/auth/login', { body: { email: owner.email, password: `wrong password ${i}` }, headers: { 'cf-connecting-ip': `10.1.0.${i}` } });
      assert.equal(r.status, 401);
    }
    const locked = await api('POST', '/api/auth/login', { body: { email: owner.email, password: PASSWORD }, headers: { 'cf-connecting-ip': '10.1.1.1' } });
    assert.equal(locked.status, 429);
    assert.equal(locked.body.error.code, 'rate_limited');
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
    // Other accounts are unaffected.
    const other = await signup(api);
    assert.equal((await api('POST', '/api/auth/login', { body: { email: other.email, password: PASSWORD } })).status, 200);
  });

  test('fifty_failures_from_one_address_block_that_address_only', async () => {
    const owner = await signup(api);
    const ip = { 'cf-connecting-ip': '10.2.0.1' };
    const attempts = Array.from({ length: 50 }, () => api('POST', '/api/auth/login', { body: { email: uniqueEmail('nobody'), password: 'guess guess guess' }, headers: ip }));
    for (const r of await Promise.all(attempts)) assert.equal(r.status, 401);
    const blocked = await api('POST', '/api/auth/login', { body: { email: owner.email, password: PASSWORD }, headers: ip });
    assert.equal(blocked.status, 429);
    const elsewhere = await api('POST', '/api/auth/login', { body: { email: owner.email, password: PASSWORD }, headers: { 'cf-connecting-ip': '10.2.0.2' } });
    assert.equal(elsewhere.status, 200);
  });
});

describe('throttling is atomic and covers password changes', () => {
  test('twelve_parallel_guesses_get_at_most_five_password_checks', async () => {
    const owner = await signup(api);
    const guesses = Array.from({ length: 12 }, (_, i) => api('POST', '/api/auth/login', { body: { email: owner.email, password: `parallel guess ${i}` }, headers: { 'cf-connecting-ip': `10.3.0.${i}` } }));
    const statuses = (await Promise.all(guesses)).map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 401).length, 5, `statuses: ${statuses}`);
    assert.equal(statuses.filter((s) => s === 429).length, 7);
    assert.equal((await api('POST', '/api/auth/login', { body: { email: owner.email, password: PASSWORD }, headers: { 'cf-connecting-ip': '10.3.1.1' } })).status, 429);
  });

  test('wrong_current_passwords_count_with_the_sign_in_failures', async () => {
    const owner = await signup(api);
    for (let i = 0; i < 5; i++) {
      const r = await api('POST', '/api/auth/password', { token: owner.token, body: { current_password: `not it ${i} at all`, new_password: 'a brand new password' } });
      assert.equal(r.status, 403);
    }
    const sixth = await api('POST', '/api/auth/password', { token: owner.token, body: { current_password: PASSWORD, new_password: 'a brand new password' } });
    assert.equal(sixth.status, 429);
    assert.equal(sixth.body.error.code, 'rate_limited');
    assert.equal((await api('POST', '/api/auth/login', { body: { email: owner.email, password: PASSWORD }, headers: { 'cf-connecting-ip': '10.4.0.1' } })).status, 429, 'sign-in is locked too');
  });
});

describe('access token attacks', () => {
  let owner;
  let base;
  before(async () => {
    owner = await signup(api);
    base = decodeJwt(owner.token);
  });
  const now = () => Math.floor(Date.now() / 1000);
  const me = (token) => api('GET', '/api/auth/me', { token });

  test('a_token_signed_by_us_works_as_control', async () => {
    assert.equal((await me(forgeJwt({ ...base, iat: now(), exp: now() + 600 }))).status, 200);
  });

  test('alg_none_is_refused', async () => {
    const token = forgeJwt({ ...base, iat: now(), exp: now() + 600 }, { header: { alg: 'none', typ: 'JWT' }, signature: '' });
    const r = await me(token);
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 'unauthorized');
  });

  test('bad_signature_is_refused', async () => {
    assert.equal((await me(forgeJwt({ ...base, iat: now(), exp: now() + 600 }, { secret: 'some-other-secret-some-other-secret' }))).status, 401);
    const [h, p] = owner.token.split('.');
    assert.equal((await me(`${h}.${p}.${'A'.repeat(43)}`)).status, 401);
  });

  test('expired_token_is_refused', async () => {
    const r = await me(forgeJwt({ ...base, iat: now() - 2000, exp: now() - 1000 }));
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 'token_expired');
  });

  test('a_token_not_valid_yet_is_refused', async () => {
    const r = await me(forgeJwt({ ...base, iat: now(), nbf: now() + 300, exp: now() + 600 }));
    assert.equal(r.status, 401);
    assert.equal((await me(forgeJwt({ ...base, iat: now(), nbf: now() - 5, exp: now() + 600 }))).status, 200, 'control: nbf passed');
  });

  test('wrong_audience_or_issuer_is_refused', async () => {
    assert.equal((await me(forgeJwt({ ...base, aud: 'widget', iat: now(), exp: now() + 600 }))).status, 401);
    assert.equal((await me(forgeJwt({ ...base, iss: 'someone-else', iat: now(), exp: now() + 600 }))).status, 401);
  });

  test('token_of_a_deactivated_operator_is_refused', async () => {
    const agent = await addOperator(api, owner);
    assert.equal((await me(agent.token)).status, 200);
    const off = await api('PATCH', `/api/admin/operators/${agent.operator.id}`, { token: owner.token, body: { active: false } });
    assert.equal(off.status, 200);
    assert.equal(off.body.active, false);
    assert.equal((await me(agent.token)).status, 401);
    // Even a freshly forged token with the right secret and the old version fails: the row says inactive.
    const forged = forgeJwt({ ...decodeJwt(agent.token), iat: now(), exp: now() + 600 });
    assert.equal((await me(forged)).body.error.code, 'account_deactivated');
    assert.equal((await api('POST', '/api/auth/refresh', { cookie: agent.cookie })).status, 401);
    assert.equal((await api('POST', '/api/auth/login', { body: { email: agent.email, password: PASSWORD } })).status, 403);
  });

  test('token_in_a_query_string_or_cookie_is_not_accepted', async () => {
    assert.equal((await api('GET', `/api/auth/me?access_token=${owner.token}`)).status, 401);
    assert.equal((await api('GET', '/api/auth/me', { cookie: `access_token=${owner.token}` })).status, 401);
  });
});

describe('signup switch', () => {
  test('signup_is_refused_when_ALLOW_SIGNUP_is_false', async () => {
    const closed = await startWorker({ vars: { ALLOW_SIGNUP: 'false' } });
    try {
      const r = await client(closed.url)('POST', '/api/auth/signup', { body: { company: 'X', name: 'Y', email: uniqueEmail(), password: PASSWORD } });
      assert.equal(r.status, 403);
      assert.equal(r.body.error.code, 'signup_disabled');
    } finally {
      await closed.stop();
    }
  });
});
