// The OpenAPI document (generated from src/openapi.rs) against the running Worker: it is served, every
// operation in it is routed, every request schema lists exactly the fields the handler accepts, and
// real answers match the response schemas. The console's client is typed from this document, so a
// drift here would be a console bug.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { addOperator, client, PASSWORD, signup, uniqueEmail } from '../helpers/api.mjs';
import { makeKey, newConversation, newVisitor, widgetClient } from '../helpers/chat.mjs';
import { startWorker } from '../helpers/worker.mjs';

const committed = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));
let worker;
let api;
let owner;
let agent;
let ids;
let doc;
let w;
let visitor;

/** A small JSON Schema validator for the subset the document uses; returns the list of problems. */
function validate(schema, value, path = '$') {
  if (schema.$ref) return validate(doc.components.schemas[schema.$ref.split('/').pop()], value, path);
  if (schema.anyOf || schema.oneOf) {
    const options = schema.anyOf ?? schema.oneOf;
    return options.some((s) => validate(s, value, path).length === 0) ? [] : [`${path}: matches none of ${options.length} options`];
  }
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const typeOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
  const actual = typeOf(value);
  if (types.length && !types.some((t) => t === actual || (t === 'number' && actual === 'integer'))) return [`${path}: expected ${types.join('|')}, got ${actual}`];
  const problems = [];
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} not in ${schema.enum.join(',')}`);
  if (actual === 'object') {
    for (const name of schema.required ?? []) if (!(name in value)) problems.push(`${path}.${name}: missing`);
    for (const [name, sub] of Object.entries(schema.properties ?? {})) if (name in value) problems.push(...validate(sub, value[name], `${path}.${name}`));
    if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
      for (const [k, v] of Object.entries(value)) if (!(k in (schema.properties ?? {}))) problems.push(...validate(schema.additionalProperties, v, `${path}.${k}`));
    }
  }
  if (actual === 'array' && schema.items) value.forEach((v, i) => problems.push(...validate(schema.items, v, `${path}[${i}]`)));
  return problems;
}

function operations() {
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) ops.push({ path, method, op });
  return ops;
}

function fill(path) {
  const kind = path.split('/')[3];
  return path.replace('{operator_id}', ids.agent).replace('{id}', ids[kind] ?? 'missing');
}

/** Calls an operation as its users do: the widget API with the site's key, origin and the visitor's
 *  token; the rest as the owner. */
function call(method, path, opts = {}) {
  if (path.startsWith('/api/widget/')) return w(method, path.slice('/api/widget'.length), { token: visitor.token, ...opts });
  return api(method, path, { token: owner.token, ...opts });
}

function answerSchema(op) {
  const [status, response] = Object.entries(op.responses).find(([s]) => s.startsWith('2'));
  return { status: Number(status), schema: response.content?.['application/json']?.schema };
}

before(async () => {
  worker = await startWorker();
  api = client(worker.url);
  owner = await signup(api);
  agent = await addOperator(api, owner, 'agent');
  const dep = await api('POST', '/api/admin/departments', { token: owner.token, body: { name: 'Billing' } });
  const key = await makeKey(api, owner);
  const canned = await api('POST', '/api/admin/canned-replies', { token: owner.token, body: { shortcut: 'hi', text: 'Hello!' } });
  const faq = await api('POST', '/api/admin/faq', { token: owner.token, body: { question: 'Do you ship abroad?', answer: 'Yes, worldwide.' } });
  const category = await api('POST', '/api/admin/categories', { token: owner.token, body: { name: 'Shipping', keywords: ['parcel'] } });
  w = widgetClient(worker.url, key.key);
  visitor = await newVisitor(w, { name: 'Vera' });
  const conversation = await newConversation(w, visitor, { message: { client_msg_id: randomUUID(), text: 'Hello there' } });
  ids = { operators: agent.operator.id, agent: agent.operator.id, departments: dep.body.id, 'api-keys': key.id, 'canned-replies': canned.body.id, faq: faq.body.id, categories: category.body.id, conversations: conversation.id };
  doc = (await api('GET', '/api/openapi.json')).body;
});
after(() => worker?.stop());

test('the_worker_serves_the_committed_document', async () => {
  const res = await api('GET', '/api/openapi.json');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /json/);
  assert.deepEqual(res.body, committed);
  assert.equal(res.body.openapi, '3.1.0');
  assert.ok(operations().length >= 50, `${operations().length} operations`);
});

test('every_operation_is_routed_by_the_worker', async () => {
  const unrouted = [];
  for (const { path, method } of operations()) {
    // An id that cannot exist: the route answers "<thing> not found", an unknown route "route not found".
    const url = path.replace(/\{[a-z_]+\}/g, '00000000-0000-4000-8000-000000000000');
    const res = await call(method.toUpperCase(), url, method === 'get' || method === 'delete' ? {} : { body: {} });
    if (res.status === 405 || res.body?.error?.message === 'route not found') unrouted.push(`${method} ${path} → ${res.status}`);
  }
  assert.deepEqual(unrouted, []);
});

test('request_schemas_list_exactly_the_fields_each_handler_accepts', async () => {
  const checked = [];
  for (const { path, method, op } of operations()) {
    const schema = op.requestBody?.content['application/json'].schema;
    if (!schema?.properties) continue;
    const res = await call(method.toUpperCase(), fill(path), { body: { __unknown__: 1 } });
    assert.equal(res.status, 422, `${method} ${path}: ${res.text}`);
    const listed = /expected one of (.*)$/.exec(res.body.error.message)?.[1]?.split(', ').sort();
    assert.deepEqual(listed, Object.keys(schema.properties).sort(), `${method} ${path}`);
    checked.push(`${method} ${path}`);
  }
  assert.ok(checked.length >= 23, `checked ${checked.length} request schemas`);
});

test('real_answers_match_the_response_schemas', async () => {
  const validated = [];
  const check = (label, op, res) => {
    const { status, schema } = answerSchema(op);
    assert.equal(res.status, status, `${label}: ${res.text}`);
    if (schema) assert.deepEqual(validate(schema, res.body), [], `${label} answer`);
    validated.push(label);
  };
  // Every GET of the management API, with real ids.
  for (const { path, method, op } of operations()) {
    // The confirmation link needs a token from a mail (tests/integration/mail.test.mjs follows one).
    if (method !== 'get' || path === '/api/openapi.json' || path === '/api/transcripts/send') continue;
    check(`GET ${path}`, op, await call('GET', fill(path)));
  }
  const op = (method, path) => doc.paths[path][method];
  // Writes, each on real data.
  check('signup', op('post', '/api/auth/signup'), await api('POST', '/api/auth/signup', { body: { company: 'Schema Co', name: 'S', email: uniqueEmail(), password: PASSWORD } }));
  check('login', op('post', '/api/auth/login'), await api('POST', '/api/auth/login', { body: { email: agent.email, password: PASSWORD } }));
  check('create operator', op('post', '/api/admin/operators'), await api('POST', '/api/admin/operators', { token: owner.token, body: { email: uniqueEmail(), name: 'New', role: 'agent', password: PASSWORD } }));
  check('patch operator', op('patch', '/api/admin/operators/{id}'), await api('PATCH', `/api/admin/operators/${ids.agent}`, { token: owner.token, body: { capacity: 4 } }));
  check('add member', op('post', '/api/admin/departments/{id}/members'), await api('POST', `/api/admin/departments/${ids.departments}/members`, { token: owner.token, body: { operator_id: ids.agent } }));
  check('remove member', op('delete', '/api/admin/departments/{id}/members/{operator_id}'), await api('DELETE', `/api/admin/departments/${ids.departments}/members/${ids.agent}`, { token: owner.token }));
  check('identity secret', op('post', '/api/admin/identity-secret'), await api('POST', '/api/admin/identity-secret', { token: owner.token }));
  check('settings', op('patch', '/api/admin/settings'), await api('PATCH', '/api/admin/settings', { token: owner.token, body: { widget: { color: '#123456' }, business_hours: { timezone: 'Asia/Tokyo', weekly: { mon: [['09:00', '18:00']] } } } }));
  check('status', op('patch', '/api/admin/me/status'), await api('PATCH', '/api/admin/me/status', { token: agent.token, body: { status: 'available' } }));
  check('faq try', op('post', '/api/admin/faq/try'), await api('POST', '/api/admin/faq/try', { token: owner.token, body: { text: 'do you ship abroad' } }));
  check('resolve unanswered', op('post', '/api/admin/faq/unanswered/resolve'), await api('POST', '/api/admin/faq/unanswered/resolve', { token: owner.token, body: { keys: [`${ids.conversations}:1`] } }));
  check('send', op('post', '/api/admin/conversations/{id}/messages'), await api('POST', `/api/admin/conversations/${ids.conversations}/messages`, { token: owner.token, body: { client_msg_id: randomUUID(), text: 'A note', private: true } }));
  check('read', op('post', '/api/admin/conversations/{id}/read'), await api('POST', `/api/admin/conversations/${ids.conversations}/read`, { token: owner.token, body: { seq: 1 } }));
  check('takeover', op('post', '/api/admin/conversations/{id}/takeover'), await api('POST', `/api/admin/conversations/${ids.conversations}/takeover`, { token: owner.token }));
  check('transfer', op('post', '/api/admin/conversations/{id}/transfer'), await api('POST', `/api/admin/conversations/${ids.conversations}/transfer`, { token: owner.token, body: { department_id: ids.departments } }));
  check('close', op('post', '/api/admin/conversations/{id}/close'), await api('POST', `/api/admin/conversations/${ids.conversations}/close`, { token: owner.token }));
  check('reopen', op('post', '/api/admin/conversations/{id}/reopen'), await api('POST', `/api/admin/conversations/${ids.conversations}/reopen`, { token: owner.token }));
  check('detail after moves', op('get', '/api/admin/conversations/{id}'), await api('GET', `/api/admin/conversations/${ids.conversations}`, { token: owner.token }));
  // The widget's writes, in the order a visitor makes them, on a conversation of their own.
  check('widget session', op('post', '/api/widget/session'), await w('POST', '/session', { body: {} }));
  check('widget faq ask', op('post', '/api/widget/faq/ask'), await call('POST', '/api/widget/faq/ask', { body: { text: 'do you ship abroad' } }));
  check('widget visitor', op('patch', '/api/widget/visitor'), await call('PATCH', '/api/widget/visitor', { body: { name: 'Vera V', email: 'vera@example.com' } }));
  const started = await call('POST', '/api/widget/conversations', { body: { client_request_id: randomUUID(), locale: 'en' } });
  check('widget start', op('post', '/api/widget/conversations'), started);
  const mine = `/api/widget/conversations/${started.body.conversation.id}`;
  check('widget send', op('post', '/api/widget/conversations/{id}/messages'), await call('POST', `${mine}/messages`, { body: { client_msg_id: randomUUID(), text: 'Hi' } }));
  check('widget page', op('post', '/api/widget/conversations/{id}/page'), await call('POST', `${mine}/page`, { body: { url: 'https://shop.example.com/', title: 'Shop' } }));
  check('widget contact', op('post', '/api/widget/conversations/{id}/contact'), await call('POST', `${mine}/contact`, { body: { email: 'vera@example.com' } }));
  check('widget handoff', op('post', '/api/widget/conversations/{id}/handoff'), await call('POST', `${mine}/handoff`, { body: {} }));
  check('widget close', op('post', '/api/widget/conversations/{id}/close'), await call('POST', `${mine}/close`));
  check('widget rating', op('post', '/api/widget/conversations/{id}/rating'), await call('POST', `${mine}/rating`, { body: { score: 5, comment: 'Great' } }));
  check('revoke key', op('post', '/api/admin/api-keys/{id}/revoke'), await api('POST', `/api/admin/api-keys/${ids['api-keys']}/revoke`, { token: owner.token }));
  check('bot put', op('put', '/api/admin/bot'), await api('PUT', '/api/admin/bot', { token: owner.token, body: (await api('GET', '/api/admin/bot', { token: owner.token })).body }));
  assert.ok(validated.length >= 45, `validated ${validated.length} answers`);
  // The validator itself rejects a wrong shape (so a pass above means something).
  assert.notDeepEqual(validate({ $ref: '#/components/schemas/Operator' }, { id: 1 }), []);
});
