//! The matcher against `tests/data/faq-eval.json`: an evaluation set written before the matcher was
//! tuned (22 support topics × en/ja/ko/zh, 3 paraphrases each sharing few words with the entry, 3
//! "also asked as" variants, 20 off-topic questions per language). Prints the table `make bench`
//! also prints (through the Worker), and holds the targets: off-topic answered ≤ 5 %, top-1 answered
//! ≥ 60 % per language without variants and ≥ 90 % with them.

use serde::Deserialize;
use std::collections::BTreeMap;

use super::*;

#[derive(Deserialize)]
struct Set {
    entries: Vec<EvalEntry>,
    off_topic: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
struct EvalEntry {
    locales: BTreeMap<String, Localized>,
}

#[derive(Deserialize)]
struct Localized {
    question: String,
    answer: String,
    #[serde(default)]
    keywords: Vec<String>,
    variants: Vec<String>,
    paraphrases: Vec<String>,
}

/// Counts for one language, split into the questions looked at while tuning and those held out
/// (each entry's third paraphrase, the last `HELD_OUT_OFF_TOPIC` off-topic questions): the held-out
/// part shows whether a change generalises or only fits what was looked at.
#[derive(Default)]
pub struct Counts {
    pub asked: usize,
    /// Answered with the right entry (above the threshold).
    pub right: usize,
    /// Ranked the right entry first (answered or not).
    pub ranked: usize,
    /// Answered with a wrong entry.
    pub wrong: usize,
    pub off_topic: usize,
    pub off_topic_answered: usize,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.asked += o.asked;
        self.right += o.right;
        self.ranked += o.ranked;
        self.wrong += o.wrong;
        self.off_topic += o.off_topic;
        self.off_topic_answered += o.off_topic_answered;
    }
}

pub struct Row {
    pub locale: String,
    pub tuned: Counts,
    pub held_out: Counts,
}

impl Row {
    pub fn all(&self) -> Counts {
        let mut c = Counts::default();
        c.add(&self.tuned);
        c.add(&self.held_out);
        c
    }
}

const HELD_OUT_PARAPHRASE: usize = 2;
const HELD_OUT_OFF_TOPIC: usize = 6;

fn set() -> Set {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/faq-eval.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One row per language; `variants`: whether entries carry their variants.
pub fn evaluate(with_variants: bool, verbose: bool) -> Vec<Row> {
    // FAQ_EVAL_DIST=1: one line per question with the top confidence, to see how a threshold separates.
    let dist = std::env::var("FAQ_EVAL_DIST").is_ok();
    let set = set();
    let no_variants: Vec<String> = Vec::new();
    // All languages in one index, as a tenant with a multilingual FAQ has: answers never cross languages.
    let mut docs = Vec::new();
    let mut owner = Vec::new();
    for (i, e) in set.entries.iter().enumerate() {
        for (locale, l) in &e.locales {
            docs.push(FaqDoc {
                locale: Some(locale),
                question: &l.question,
                variants: if with_variants { &l.variants } else { &no_variants },
                keywords: &l.keywords,
                answer: &l.answer,
                vectors: &[],
            });
            owner.push((i, locale.clone()));
        }
    }
    let index = FaqIndex::build(&docs);
    let mut rows = Vec::new();
    for locale in ["en", "ja", "ko", "zh"] {
        let mut row = Row { locale: locale.into(), tuned: Counts::default(), held_out: Counts::default() };
        for (i, e) in set.entries.iter().enumerate() {
            let Some(l) = e.locales.get(locale) else { continue };
            for (p, q) in l.paraphrases.iter().enumerate() {
                let held = p == HELD_OUT_PARAPHRASE;
                let c = if held { &mut row.held_out } else { &mut row.tuned };
                c.asked += 1;
                let best = index.search(q, 1).into_iter().next();
                let right = best.as_ref().is_some_and(|h| owner[h.index] == (i, locale.to_string()));
                let answered = best.as_ref().is_some_and(|h| h.confidence >= CONFIDENCE_THRESHOLD);
                if dist && !held {
                    eprintln!("DIST {locale} {} {:.3}", if right { "right" } else { "wrong" }, best.as_ref().map_or(0.0, |h| h.confidence));
                }
                c.ranked += right as usize;
                c.right += (right && answered) as usize;
                c.wrong += (!right && answered) as usize;
                if verbose && !held && !(right && answered) {
                    let got = best.as_ref().map(|h| (docs[h.index].question, (h.confidence * 100.0).round(), h.matched.clone()));
                    eprintln!("  miss {locale}: {q:?} (want {:?}) → {got:?}", l.question);
                }
            }
        }
        let off: &[String] = set.off_topic.get(locale).map(Vec::as_slice).unwrap_or(&[]);
        for (k, q) in off.iter().enumerate() {
            let held = k + HELD_OUT_OFF_TOPIC >= off.len();
            let c = if held { &mut row.held_out } else { &mut row.tuned };
            c.off_topic += 1;
            let best = index.search(q, 1).into_iter().next();
            if dist && !held {
                eprintln!("DIST {locale} off {:.3}", best.as_ref().map_or(0.0, |h| h.confidence));
            }
            if let Some(h) = best.filter(|h| h.confidence >= CONFIDENCE_THRESHOLD) {
                c.off_topic_answered += 1;
                if verbose && !held {
                    eprintln!("  off-topic answered {locale}: {q:?} → {:?} at {:.2} {:?}", docs[h.index].question, h.confidence, h.matched);
                }
            }
        }
        rows.push(row);
    }
    rows
}

fn pct(n: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        100.0 * n as f64 / of as f64
    }
}

#[test]
#[ignore = "the matcher does not meet the targets yet (issue 15); `cargo test --lib -- --ignored evaluation_set` prints the table"]
fn the_evaluation_set_meets_its_targets() {
    let verbose = std::env::var("FAQ_EVAL_VERBOSE").is_ok();
    let mut failures = Vec::new();
    for (with_variants, target) in [(false, 60.0), (true, 90.0)] {
        eprintln!("{:<4} {:>8} | {:>12} {:>7} {:>6} {:>9} | held out: {:>8} {:>7} {:>6} {:>9}", "lang", "variants", "top-1 answ.", "ranked", "wrong", "off-topic", "answ.", "ranked", "wrong", "off-topic");
        for r in evaluate(with_variants, verbose) {
            let (t, h, a) = (&r.tuned, &r.held_out, r.all());
            eprintln!(
                "{:<4} {:>8} | {:>11.0}% {:>6.0}% {:>5.0}% {:>8.0}% |           {:>7.0}% {:>6.0}% {:>5.0}% {:>8.0}%",
                r.locale, if with_variants { "3" } else { "0" },
                pct(t.right, t.asked), pct(t.ranked, t.asked), pct(t.wrong, t.asked), pct(t.off_topic_answered, t.off_topic),
                pct(h.right, h.asked), pct(h.ranked, h.asked), pct(h.wrong, h.asked), pct(h.off_topic_answered, h.off_topic)
            );
            assert!(a.asked >= 60 && a.off_topic >= 20, "{}: the set has {} paraphrases and {} off-topic questions", r.locale, a.asked, a.off_topic);
            if pct(a.right, a.asked) < target {
                failures.push(format!("{} with {} variants: top-1 answered {:.0}% < {target}%", r.locale, if with_variants { 3 } else { 0 }, pct(a.right, a.asked)));
            }
            if pct(a.off_topic_answered, a.off_topic) > 5.0 {
                failures.push(format!("{}: off-topic answered {:.0}% > 5%", r.locale, pct(a.off_topic_answered, a.off_topic)));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
