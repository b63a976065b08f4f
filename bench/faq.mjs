// The FAQ matcher measured through the Worker on tests/data/faq-eval.json (the independent
// multilingual evaluation set): every entry of every language is created in one tenant, each
// paraphrase and off-topic question goes through `POST /api/admin/faq/try`, then the entries get their
// variants and the questions are asked again. Run on a Worker without a provider (lexical) and on one
// bound to the local embeddings stub (tests/helpers/embeddings.mjs, deterministic vectors that only
// know a few topics: it exercises the fusion, it does not stand for a real model's quality).
import { readFileSync } from 'node:fs';
import { client, signup } from '../tests/helpers/api.mjs';
import { pool } from './lib.mjs';

const SET = JSON.parse(readFileSync(new URL('../tests/data/faq-eval.json', import.meta.url), 'utf8'));
const LOCALES = ['en', 'ja', 'ko', 'zh'];

/** Rows per language `{locale, variants, asked, right, ranked, wrong, off_topic, off_topic_answered}`. */
export async function faqEvaluation(url) {
  const api = client(url);
  const owner = await signup(api, { company: 'FAQ evaluation' });
  const ids = new Map(); // entry id in the set + locale → FAQ id
  await pool(SET.entries.flatMap((e) => LOCALES.filter((l) => e.locales[l]).map((l) => [e, l])), 4, async ([e, l]) => {
    const { question, answer, keywords = [] } = e.locales[l];
    const r = await api('POST', '/api/admin/faq', { token: owner.token, body: { question, answer, keywords, locale: l } });
    if (r.status !== 201) throw new Error(`faq entry ${e.id}/${l}: ${r.status} ${r.text}`);
    ids.set(`${e.id}/${l}`, r.body.id);
  });
  const ask = async (text) => {
    const r = await api('POST', '/api/admin/faq/try', { token: owner.token, body: { text } });
    if (r.status !== 200) throw new Error(`try ${text}: ${r.status} ${r.text}`);
    return r.body;
  };
  const rows = [];
  for (const variants of [0, 3]) {
    if (variants) {
      await pool([...ids], 4, async ([k, id]) => {
        const [entry, l] = k.split('/');
        const r = await api('PATCH', `/api/admin/faq/${id}`, { token: owner.token, body: { variants: SET.entries.find((e) => e.id === entry).locales[l].variants } });
        if (r.status !== 200) throw new Error(`variants ${k}: ${r.status} ${r.text}`);
      });
    }
    for (const l of LOCALES) {
      const row = { locale: l, variants, asked: 0, right: 0, ranked: 0, wrong: 0, off_topic: 0, off_topic_answered: 0, mode: null };
      for (const e of SET.entries.filter((x) => x.locales[l])) {
        for (const q of e.locales[l].paraphrases) {
          const t = await ask(q);
          row.mode = t.mode;
          const right = t.results[0]?.id === ids.get(`${e.id}/${l}`);
          row.asked++;
          row.ranked += right;
          row.right += right && t.answered;
          row.wrong += !right && t.answered;
        }
      }
      for (const q of SET.off_topic[l] ?? []) {
        row.off_topic++;
        row.off_topic_answered += (await ask(q)).answered;
      }
      rows.push(row);
    }
  }
  return rows;
}

const pc = (n, of) => (of ? `${Math.round((100 * n) / of)} %` : '—');

/** Markdown lines for a set of rows. */
export function faqTable(label, rows) {
  const lines = [`| FAQ (${label}) | variants | top-1 answered | top-1 ranked | wrong answers | off-topic answered |`, '|---|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.locale} (${r.mode}) | ${r.variants} | ${pc(r.right, r.asked)} | ${pc(r.ranked, r.asked)} | ${pc(r.wrong, r.asked)} | ${pc(r.off_topic_answered, r.off_topic)} |`);
  return lines;
}
