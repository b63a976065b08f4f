// A small local server speaking the OpenAI embeddings protocol (`POST /v1/embeddings {model, input}` →
// `{object: "list", data: [{object: "embedding", index, embedding}], model, usage}`), with
// deterministic vectors: texts about the same topic (by a small word list) point the same way, other
// words add a little hashed noise of either sign (so unrelated texts stay near orthogonal, as with a
// real model). `mode` makes it fail on purpose: `error` (500), `slow` (answers after 5 s), `dim`
// (vectors of the wrong dimension), `ok`.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

export const DIM = 16;
const TOPICS = [
  ['refund', 'money back', 'reimburs', 'paid back', '返金'],
  ['pay', 'bill', 'settle', 'checkout', 'card', 'visa'],
  ['ship', 'deliver', 'parcel', 'arrive', 'courier'],
  ['password', 'log in', 'sign in', 'locked out'],
];

export function vector(text, dim = DIM) {
  const t = text.toLowerCase();
  const v = new Array(dim).fill(0);
  TOPICS.forEach((words, i) => {
    if (words.some((w) => t.includes(w))) v[i] = 1;
  });
  for (const word of t.split(/\W+/).filter(Boolean)) {
    const h = createHash('sha256').update(word).digest();
    v[4 + (h[0] % (dim - 4))] += h[1] & 1 ? 0.15 : -0.15;
  }
  return v;
}

export async function startEmbeddings() {
  const state = { mode: 'ok', requests: [] };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      let parsed = null;
      try {
        parsed = JSON.parse(body);
      } catch {
        // recorded as null
      }
      state.requests.push({ url: req.url, method: req.method, authorization: req.headers.authorization, body: parsed });
      const send = (status, payload) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (req.method !== 'POST' || req.url !== '/v1/embeddings' || !Array.isArray(parsed?.input)) return send(400, { error: { message: 'bad request' } });
      if (state.mode === 'error') return send(500, { error: { message: 'upstream failure', type: 'server_error' } });
      const dim = state.mode === 'dim' ? 8 : DIM;
      const answer = () =>
        send(200, {
          object: 'list',
          model: parsed.model,
          data: parsed.input.map((text, index) => ({ object: 'embedding', index, embedding: vector(String(text), dim) })),
          usage: { prompt_tokens: 1, total_tokens: 1 },
        });
      if (state.mode === 'slow') setTimeout(answer, 5000).unref();
      else answer();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/v1`, state, stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
}
