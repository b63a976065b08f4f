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

pub struct Row {
    pub locale: String,
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

fn set() -> Set {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/faq-eval.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One row per language; `variants`: whether entries carry their variants.
pub fn evaluate(with_variants: bool, verbose: bool) -> Vec<Row> {
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
        let mut row = Row { locale: locale.into(), asked: 0, right: 0, ranked: 0, wrong: 0, off_topic: 0, off_topic_answered: 0 };
        for (i, e) in set.entries.iter().enumerate() {
            let Some(l) = e.locales.get(locale) else { continue };
            for q in &l.paraphrases {
                row.asked += 1;
                let best = index.search(q, 1).into_iter().next();
                let right = best.as_ref().is_some_and(|h| owner[h.index] == (i, locale.to_string()));
                let answered = best.as_ref().is_some_and(|h| h.confidence >= CONFIDENCE_THRESHOLD);
                row.ranked += right as usize;
                row.right += (right && answered) as usize;
                row.wrong += (!right && answered) as usize;
                if verbose && !(right && answered) {
                    let got = best.as_ref().map(|h| (docs[h.index].question, (h.confidence * 100.0).round(), h.matched.clone()));
                    eprintln!("  miss {locale}: {q:?} (want {:?}) → {got:?}", l.question);
                }
            }
        }
        for q in set.off_topic.get(locale).into_iter().flatten() {
            row.off_topic += 1;
            let best = index.search(q, 1).into_iter().next();
            if let Some(h) = best.filter(|h| h.confidence >= CONFIDENCE_THRESHOLD) {
                row.off_topic_answered += 1;
                if verbose {
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
        eprintln!("{:<4} {:>9} {:>14} {:>12} {:>8} {:>10}", "lang", "variants", "top-1 answered", "top-1 ranked", "wrong", "off-topic");
        for r in evaluate(with_variants, verbose) {
            eprintln!(
                "{:<4} {:>9} {:>13.0}% {:>11.0}% {:>7.0}% {:>9.0}%",
                r.locale, if with_variants { "3" } else { "0" }, pct(r.right, r.asked), pct(r.ranked, r.asked), pct(r.wrong, r.asked), pct(r.off_topic_answered, r.off_topic)
            );
            assert!(r.asked >= 60 && r.off_topic >= 20, "{}: the set has {} paraphrases and {} off-topic questions", r.locale, r.asked, r.off_topic);
            if pct(r.right, r.asked) < target {
                failures.push(format!("{} with {} variants: top-1 answered {:.0}% < {target}%", r.locale, if with_variants { 3 } else { 0 }, pct(r.right, r.asked)));
            }
            if pct(r.off_topic_answered, r.off_topic) > 5.0 {
                failures.push(format!("{}: off-topic answered {:.0}% > 5%", r.locale, pct(r.off_topic_answered, r.off_topic)));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
