// Semantic FAQ matching through an OpenAI-compatible embeddings endpoint (a local server speaking the
// real protocol with deterministic vectors): entries embedded at save time, questions at ask time,
// rankings fused; every failure of the provider (error status, timeout, wrong dimension) falls back
// to lexical matching, logged, and an entry saved while it failed is embedded later.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { client, signup } from '../helpers/api.mjs';
import { eventually } from '../helpers/chat.mjs';
import { DIM, startEmbeddings } from '../helpers/embeddings.mjs';
import { startWorker } from '../helpers/worker.mjs';

let provider;
let worker;
let api;
let owner;
let payment;
before(async () => {
  provider = await startEmbeddings();
  worker = await startWorker({ vars: { EMBEDDINGS_URL: provider.url, EMBEDDINGS_MODEL: 'stub-embed', EMBEDDINGS_KEY: 'test-key' } });
  api = client(worker.url);
  owner = await signup(api, { company: 'Vectors Co' });
  payment = (await api('POST', '/api/admin/faq', { token: owner.token, body: { question: 'Which payment methods do you accept?', answer: 'Visa, Mastercard and PayPal.', variants: ['Can I pay by card?'] } })).body;
  await api('POST', '/api/admin/faq', { token: owner.token, body: { question: 'How do I reset my password?', answer: 'Use the link on the sign-in page.' } });
});
after(async () => {
  await worker?.stop();
  await provider?.stop();
});

const tryIt = async (text) => (await api('POST', '/api/admin/faq/try', { token: owner.token, body: { text } })).body;
const MEANING_ONLY = 'how do I settle the bill'; // no word in common with the payment entry

test('entries_are_embedded_at_save_time_with_the_configured_model_and_key', async () => {
  assert.deepEqual(payment.embedding, { model: 'stub-embed', dim: DIM, vectors: 2 }, 'question and variant');
  const save = provider.state.requests.find((r) => r.body?.input?.[0] === 'Which payment methods do you accept?');
  assert.equal(save.authorization, 'Bearer test-key');
  assert.equal(save.body.model, 'stub-embed');
  assert.deepEqual(save.body.input, ['Which payment methods do you accept?', 'Can I pay by card?']);
});

test('a_question_without_shared_words_is_answered_by_meaning_when_the_rankings_are_fused', async () => {
  provider.state.mode = 'ok';
  const lexicalOnly = (await tryIt(MEANING_ONLY)).results.find((r) => r.id === payment.id);
  assert.ok(!lexicalOnly || lexicalOnly.coverage === 0, 'no shared words');
  const r = await tryIt(MEANING_ONLY);
  assert.equal(r.mode, 'fused');
  assert.equal(r.results[0].id, payment.id);
  assert.equal(r.results[0].via.kind, 'meaning');
  assert.ok(r.results[0].similarity > 0.8, JSON.stringify(r.results[0]));
  assert.equal(r.answered, true);
});

for (const [mode, reason] of [['error', /status 500/], ['slow', /no answer within 1500 ms/], ['dim', /dimension 8/]]) {
  test(`when_the_provider_fails_with_${mode}_matching_falls_back_to_words_and_says_why`, async () => {
    provider.state.mode = mode;
    try {
      const r = await tryIt(MEANING_ONLY);
      assert.equal(r.mode, 'lexical');
      assert.match(r.fallback, reason);
      assert.equal(r.answered, false, 'words alone do not answer it');
      const words = await tryIt('which payment methods do you accept');
      assert.equal(words.results[0].id, payment.id, 'lexical matching still works');
      assert.equal(words.answered, true);
      await eventually(() => worker.logs().includes('question embedding failed'), 'the failure in the logs');
    } finally {
      provider.state.mode = 'ok';
    }
  });
}

test('an_entry_saved_while_the_provider_fails_is_saved_and_embedded_later', async () => {
  provider.state.mode = 'error';
  const saved = await api('POST', '/api/admin/faq', { token: owner.token, body: { question: 'Where is my parcel?', answer: 'Track it from your account.' } });
  assert.equal(saved.status, 201, saved.text);
  assert.equal(saved.body.embedding, null, 'saved without vectors');
  provider.state.mode = 'ok';
  await eventually(async () => {
    await tryIt('when will my courier deliver');
    const list = (await api('GET', '/api/admin/faq', { token: owner.token })).body.results;
    return list.find((e) => e.id === saved.body.id).embedding?.dim === DIM;
  }, 'the entry embedded after the provider came back', 30_000);
  const r = await tryIt('when will my courier deliver');
  assert.equal(r.results[0].id, saved.body.id);
});
