//! FAQ matching: BM25 over question, keywords and answer, with tokenization that works for spaced
//! languages (words, lightly stemmed) and for Japanese, Chinese and Korean (character bigrams), after
//! case and width folding. Confidence is the share of the query's information (IDF mass) that the best
//! entry contains (words no entry knows count 40%, words the entry lists as keywords 150%); below the
//! threshold the bot says it does not know and offers a person.

const K1: f64 = 1.2;
const B: f64 = 0.75;
pub const CONFIDENCE_THRESHOLD: f64 = 0.4;
/// A query word that the entry lists among its keywords is a curated signal of intent: it counts
/// half again in the confidence (capped at 1).
const KEYWORD_BOOST: f64 = 1.5;
/// Words no entry contains weigh this share of their IDF in the confidence: questions are full of
/// filler the FAQ never mentions, and a question made only of unknown words matches nothing anyway.
const UNKNOWN_WEIGHT: f64 = 0.4;
const STOPWORDS: &[&str] = &[
    "a", "an", "the", "is", "are", "was", "be", "to", "of", "in", "on", "for", "and", "or", "i", "my", "me", "you", "your", "it", "do",
    "does", "did", "can", "could", "how", "what", "when", "where", "which", "who", "why", "will", "would", "with", "at", "by", "from",
    "this", "that", "there", "have", "has", "get", "we", "our", "us", "am", "any", "if", "so", "about", "please", "should", "need", "want",
];

const HALF_KANA: &str = "｡｢｣､･ｦｧｨｩｪｫｬｭｮｯｰｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝﾞﾟ";
const FULL_KANA: &str = "。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン゛゜";

/// Case and width folding: full-width ASCII → ASCII, ideographic space → space, half-width katakana
/// (with its voiced marks) → full-width katakana, then lowercase.
pub fn fold(text: &str) -> String {
    let half: Vec<char> = HALF_KANA.chars().collect();
    let full: Vec<char> = FULL_KANA.chars().collect();
    let mut out: Vec<char> = Vec::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        };
        if let Some(i) = half.iter().position(|h| *h == c) {
            let k = full[i];
            let voiced = match (k, out.last().copied()) {
                ('゛', Some('ウ')) => Some('ヴ'),
                ('゛', Some(p)) if ('カ'..='ト').contains(&p) || ('ハ'..='ホ').contains(&p) => char::from_u32(p as u32 + 1),
                ('゜', Some(p)) if ('ハ'..='ホ').contains(&p) => char::from_u32(p as u32 + 2),
                _ => None,
            };
            match (voiced, out.last_mut()) {
                (Some(v), Some(last)) => *last = v,
                _ => out.push(k),
            }
            continue;
        }
        out.extend(c.to_lowercase());
    }
    out.into_iter().collect()
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x31F0..=0x31FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF |
        0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F)
}

/// Common Korean particles and verb endings, longest first: stripped from the end of a word so its
/// stem's bigrams carry the match (반품하고 싶은데 → 반품, 싶).
const KOREAN_ENDINGS: &[&str] = &[
    "해주세요", "하고싶어요", "싶은데요", "할까요", "한가요", "인가요", "하나요", "되나요", "있나요", "없나요", "합니다", "됩니다",
    "습니다", "했어요", "해요", "하고", "해서", "했는데", "하는데", "싶은데", "싶어요", "싶어", "주세요", "주나요", "가요", "나요",
    "어요", "아요", "은데", "는데", "으로도", "으로", "에서", "에게", "까지", "부터", "하게", "해", "도", "을", "를", "이", "가",
    "은", "는", "에", "의", "로", "와", "과", "한", "할", "요",
];

fn strip_korean(word: &[char]) -> &[char] {
    let mut w = word;
    for _ in 0..2 {
        let text: String = w.iter().collect();
        let Some(ending) = KOREAN_ENDINGS.iter().find(|e| text.ends_with(*e) && w.len() > e.chars().count()) else { break };
        w = &w[..w.len() - ending.chars().count()];
    }
    w
}

fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7AF}').contains(&c)
}

fn is_hiragana(c: char) -> bool {
    ('\u{3040}'..='\u{309F}').contains(&c)
}

fn stem(word: &str) -> String {
    let w = word.trim_end_matches("'s");
    let n = w.chars().count();
    let cut = |suffix: &str, keep: &str| format!("{}{keep}", &w[..w.len() - suffix.len()]);
    if n > 4 && w.ends_with("ies") {
        cut("ies", "y")
    } else if n > 5 && w.ends_with("ing") {
        cut("ing", "")
    } else if n > 4 && w.ends_with("ed") && !w.ends_with("eed") {
        cut("ed", "")
    } else if n > 3 && (w.ends_with("ches") || w.ends_with("shes") || w.ends_with("sses") || w.ends_with("xes")) {
        cut("es", "")
    } else if n > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") {
        cut("s", "")
    } else {
        w.to_string()
    }
}

/// Folded tokens: words (stopwords dropped, lightly stemmed) and, inside runs of CJK characters,
/// overlapping bigrams (a lone character is a unigram). Bigrams of two hiragana (mostly particles
/// and endings) are dropped when the run has other scripts to carry the meaning; Korean words lose
/// their common particles and endings first.
pub fn tokenize(text: &str) -> Vec<String> {
    let folded = fold(text);
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut run: Vec<char> = Vec::new();
    let flush_word = |word: &mut String, tokens: &mut Vec<String>| {
        if !word.is_empty() && !STOPWORDS.contains(&word.as_str()) {
            tokens.push(stem(word));
        }
        word.clear();
    };
    let flush_run = |run: &mut Vec<char>, tokens: &mut Vec<String>| {
        if run.iter().all(|c| is_hangul(*c)) {
            let stem = strip_korean(run).to_vec();
            *run = stem;
        }
        let mixed = run.iter().any(|c| !is_hiragana(*c));
        match run.len() {
            0 => {}
            1 => tokens.push(run[0].to_string()),
            _ => {
                for pair in run.windows(2) {
                    if !(mixed && is_hiragana(pair[0]) && is_hiragana(pair[1])) {
                        tokens.push(pair.iter().collect());
                    }
                }
            }
        }
        run.clear();
    };
    for c in folded.chars() {
        if is_cjk(c) {
            flush_word(&mut word, &mut tokens);
            run.push(c);
        } else if c.is_alphanumeric() || c == '\'' {
            flush_run(&mut run, &mut tokens);
            word.push(c);
        } else {
            flush_word(&mut word, &mut tokens);
            flush_run(&mut run, &mut tokens);
        }
    }
    flush_word(&mut word, &mut tokens);
    flush_run(&mut run, &mut tokens);
    tokens
}

pub struct FaqDoc<'a> {
    pub question: &'a str,
    pub answer: &'a str,
    pub keywords: &'a [String],
}

pub struct FaqIndex {
    /// Per entry: (term, weighted frequency), sorted by term.
    docs: Vec<Vec<(String, f64)>>,
    keywords: Vec<Vec<String>>,
    lengths: Vec<f64>,
    avg_len: f64,
    /// (term, number of entries containing it), sorted by term.
    df: Vec<(String, usize)>,
}

fn lookup<'a, V>(sorted: &'a [(String, V)], term: &str) -> Option<&'a V> {
    sorted.binary_search_by(|(t, _)| t.as_str().cmp(term)).ok().map(|i| &sorted[i].1)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Position of the entry in the list the index was built from.
    pub index: usize,
    pub score: f64,
    pub confidence: f64,
}

impl FaqIndex {
    /// Question and keywords count twice, the answer once.
    pub fn build(entries: &[FaqDoc<'_>]) -> FaqIndex {
        let mut docs = Vec::with_capacity(entries.len());
        let keywords = entries.iter().map(|e| tokenize(&e.keywords.join(" "))).collect();
        let mut lengths = Vec::with_capacity(entries.len());
        let mut all_terms: Vec<String> = Vec::new();
        for e in entries {
            let mut weighted: Vec<(String, f64)> = Vec::new();
            for (text, weight) in [(e.question.to_string(), 2.0), (e.keywords.join(" "), 2.0), (e.answer.to_string(), 1.0)] {
                weighted.extend(tokenize(&text).into_iter().map(|t| (t, weight)));
            }
            lengths.push(weighted.iter().map(|(_, w)| w).sum());
            weighted.sort_by(|a, b| a.0.cmp(&b.0));
            let mut tf: Vec<(String, f64)> = Vec::new();
            for (t, w) in weighted {
                match tf.last_mut() {
                    Some(last) if last.0 == t => last.1 += w,
                    _ => tf.push((t, w)),
                }
            }
            all_terms.extend(tf.iter().map(|(t, _)| t.clone()));
            docs.push(tf);
        }
        all_terms.sort();
        let mut df: Vec<(String, usize)> = Vec::new();
        for t in all_terms {
            match df.last_mut() {
                Some(last) if last.0 == t => last.1 += 1,
                _ => df.push((t, 1)),
            }
        }
        let avg_len = if lengths.is_empty() { 1.0 } else { lengths.iter().sum::<f64>() / lengths.len() as f64 };
        FaqIndex { docs, keywords, lengths, avg_len: avg_len.max(1.0), df }
    }

    fn idf(&self, term: &str) -> f64 {
        let n = self.docs.len() as f64;
        let df = *lookup(&self.df, term).unwrap_or(&0) as f64;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// The best entries for a question, best first, at most `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let mut terms = tokenize(query);
        terms.sort();
        terms.dedup();
        let total_idf: f64 = terms.iter().map(|t| if lookup(&self.df, t).is_some() { self.idf(t) } else { UNKNOWN_WEIGHT * self.idf(t) }).sum();
        if terms.is_empty() || total_idf <= 0.0 {
            return Vec::new();
        }
        let mut hits: Vec<Hit> = self
            .docs
            .iter()
            .enumerate()
            .filter_map(|(i, tf)| {
                let norm = K1 * (1.0 - B + B * self.lengths[i] / self.avg_len);
                let mut score = 0.0;
                let mut matched = 0.0;
                for t in &terms {
                    if let Some(f) = lookup(tf, t) {
                        let idf = self.idf(t);
                        score += idf * f * (K1 + 1.0) / (f + norm);
                        matched += if self.keywords[i].contains(t) { idf * KEYWORD_BOOST } else { idf };
                    }
                }
                (score > 0.0).then_some(Hit { index: i, score, confidence: (matched / total_idf).min(1.0) })
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
        hits.truncate(limit);
        hits
    }
}

#[cfg(test)]
mod tests;
