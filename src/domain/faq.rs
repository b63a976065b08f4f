//! FAQ matching with calibrated confidence. Text is folded (case, width, half-width katakana), known
//! support vocabulary is read as concepts (`lexicon`: "money back" and 退钱 are both `~refund`), then
//! tokenized: words for spaced languages (stopwords dropped, lightly stemmed), character bigrams for
//! Chinese and Korean stems, and for Japanese runs split by script (kanji, katakana; hiragana endings
//! dropped). A question is matched only against entries in its own language (by script).
//!
//! Confidence is *coverage*: the share of the question's information that the entry contains, each
//! query term weighted by how distinctive it is among the entries of that language (IDF; a term no
//! entry knows weighs most). Common words and words many entries share count for little, so an
//! off-topic question whose distinctive words no entry covers stays low. The entry's question, its
//! variants and keywords cover fully, its answer half. With embeddings (a provider bound), the
//! lexical and vector rankings are fused (reciprocal rank) and the confidence is the better of the
//! two calibrated signals.

mod lexicon;

pub const CONFIDENCE_THRESHOLD: f64 = 0.4;
/// Terms found only in an entry's answer cover this share of their weight.
const ANSWER_COVER: f64 = 0.5;
/// A CJK bigram the entry lacks but whose neighbour it has is mostly a word boundary artefact
/// (的快 in 我的快递): it weighs this share in the question's total.
const BOUNDARY_WEIGHT: f64 = 0.25;
/// Cosine similarity mapped to confidence: at or below FLOOR nothing, at or above SURE certain.
const SIM_FLOOR: f64 = 0.55;
const SIM_SURE: f64 = 0.85;
/// Weight of a word no entry knows, relative to a known word as rare.
const UNKNOWN: f64 = 0.5;
/// Share of that weight for an unknown CJK bigram: overlapping bigrams stand for about half a word each.
const UNKNOWN_BIGRAM: f64 = 0.5;
/// Weight of a thesaurus concept relative to a plain word: it is what support questions are about.
const CONCEPT: f64 = 3.0;
/// How much the entry side counts: coverage = query share × (FLOOR + (1 − FLOOR) × entry share).
const ENTRY_FLOOR: f64 = 0.3;
/// Reciprocal rank fusion constant.
const RRF_K: f64 = 60.0;
const STOPWORDS: &[&str] = &[
    "a", "an", "the", "is", "are", "was", "be", "to", "of", "in", "on", "for", "and", "or", "i", "my", "me", "you", "your", "it", "do",
    "does", "did", "can", "could", "how", "what", "when", "where", "which", "who", "why", "will", "would", "with", "at", "by", "from",
    "this", "that", "there", "have", "has", "get", "we", "our", "us", "am", "any", "if", "so", "about", "please", "should", "need", "want",
    "i'm", "im", "it's", "don't", "dont", "can't", "cant", "didn't", "still", "just", "yet", "hi", "hello", "hey", "thanks", "thank",
    "some", "all", "but", "too", "very", "really", "like", "know", "tell", "let", "got", "make", "here", "they", "them", "their",
    "than", "then", "been", "being", "were", "into", "as", "also", "now", "ok", "okay", "anyone", "someone", "something", "guys", "u",
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

/// Chinese function characters: a bigram containing one is a particle, pronoun or question word,
/// or a word boundary, never what a question is about.
const ZH_STOP: &str = "的了吗呢吧啊么我你您他她它们是在有和就都也还这那个请把被给让着会能要想怎什哪为嘛呀";

/// Korean words that say nothing about the topic (question words, adverbs, "can", "thing"): dropped
/// whole, like English stopwords.
const KO_STOP: &[&str] = &[
    "어떻게", "어떡해", "어떡하죠", "어디", "어디서", "어디에", "언제", "무엇", "뭐", "뭘", "왜", "지금", "아직", "아직도", "그냥", "너무",
    "계속", "정말", "진짜", "혹시", "좀", "이제", "다시", "제", "저", "내", "수", "것", "거", "건", "게", "데", "때", "또", "더", "안",
    "못", "다", "한", "몇", "그", "이", "저희", "여기", "거기", "있", "없", "되", "돼", "해", "하", "할", "합", "주", "보통", "방금",
];

fn strip_korean(word: &[char]) -> &[char] {
    let mut w = word;
    for _ in 0..2 {
        let text: String = w.iter().collect();
        let Some(ending) = KOREAN_ENDINGS.iter().find(|e| text.ends_with(*e) && w.len() >= e.chars().count()) else { break };
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

fn is_katakana(c: char) -> bool {
    ('\u{30A0}'..='\u{30FF}').contains(&c) || ('\u{31F0}'..='\u{31FF}').contains(&c)
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF)
}

/// The language a text is written in, by script: Hangul → ko, any kana → ja, Han only → zh, else
/// en (the one supported language in Latin script).
pub fn script_locale(text: &str) -> &'static str {
    let (mut hangul, mut kana, mut han) = (0, 0, 0);
    for c in text.chars() {
        if is_hangul(c) {
            hangul += 1;
        } else if is_hiragana(c) || is_katakana(c) {
            kana += 1;
        } else if is_han(c) {
            han += 1;
        }
    }
    if hangul > 0 && hangul >= kana {
        "ko"
    } else if kana > 0 {
        "ja"
    } else if han > 0 {
        "zh"
    } else {
        "en"
    }
}

/// Whether an entry written in `entry` may answer a question written in `query` (by script):
/// Han-only text may be Chinese or kana-less Japanese.
fn same_language(query: &str, entry: &str) -> bool {
    query == entry || (query == "zh" && entry == "ja")
}

fn stem(word: &str) -> String {
    let w = word.trim_end_matches("'s");
    let n = w.chars().count();
    let cut = |suffix: &str, keep: &str| {
        let mut s = format!("{}{keep}", &w[..w.len() - suffix.len()]);
        // shipping → shipp → ship; planned → plann → plan.
        let b = s.as_bytes();
        if keep.is_empty() && b.len() > 3 && b[b.len() - 1] == b[b.len() - 2] && !matches!(b[b.len() - 1], b'l' | b's' | b'z' | b'e' | b'o') {
            s.pop();
        }
        s
    };
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

/// A token and, for CJK bigrams, where it sits (run, position) so that its neighbours are known.
#[derive(Debug, Clone, PartialEq)]
struct Tok {
    term: String,
    at: Option<(u32, u32)>,
}

/// Replaces the lexicon's forms found in folded text by spaces and returns the concepts found.
fn concepts(folded: &str) -> (String, Vec<String>) {
    let mut text: Vec<char> = folded.chars().collect();
    let mut found: Vec<String> = Vec::new();
    for (form, concept) in lexicon::forms() {
        let f: Vec<char> = form.chars().collect();
        if f.is_empty() || f.len() > text.len() {
            continue;
        }
        let ascii = f.iter().all(|c| c.is_ascii());
        let mut i = 0;
        while i + f.len() <= text.len() {
            if text[i..i + f.len()] != f[..] {
                i += 1;
                continue;
            }
            let mut end = i + f.len();
            if ascii {
                let before_ok = i == 0 || !text[i - 1].is_alphanumeric();
                let rest: String = text[end..text.len().min(end + 4)].iter().collect();
                let suffix = ["ing", "es", "ed", "s", "d"].iter().find(|s| rest.starts_with(*s) && !text.get(end + s.len()).is_some_and(|c| c.is_alphanumeric()));
                if let Some(s) = suffix {
                    end += s.len();
                }
                let after_ok = text.get(end).is_none_or(|c| !c.is_alphanumeric());
                if !(before_ok && after_ok) {
                    i += 1;
                    continue;
                }
            }
            for c in &mut text[i..end] {
                *c = ' ';
            }
            let term = format!("~{concept}");
            if !found.contains(&term) {
                found.push(term);
            }
            i = end;
        }
    }
    (text.into_iter().collect(), found)
}

fn push_bigrams(chars: &[char], run: u32, tokens: &mut Vec<Tok>, keep: impl Fn(&[char]) -> bool) {
    match chars.len() {
        0 => {}
        1 => tokens.push(Tok { term: chars[0].to_string(), at: Some((run, 0)) }),
        _ => {
            for (i, pair) in chars.windows(2).enumerate() {
                if keep(pair) {
                    tokens.push(Tok { term: pair.iter().collect(), at: Some((run, i as u32)) });
                }
            }
        }
    }
}

/// Tokens of a CJK run: Korean words lose their endings, then bigrams; Japanese (any kana) is split
/// by script into kanji and katakana pieces (hiragana, mostly particles and endings, dropped unless
/// the run is nothing else); Chinese bigrams skip function characters.
fn run_tokens(run: &[char], id: u32, tokens: &mut Vec<Tok>, hiragana_only_text: bool) {
    if run.iter().all(|c| is_hangul(*c)) {
        let stem = strip_korean(run);
        let text: String = stem.iter().collect();
        // A lone syllable (수, 안, 돼) or a function word is grammar, not the topic.
        if stem.len() < 2 || KO_STOP.contains(&text.as_str()) || KO_STOP.contains(&run.iter().collect::<String>().as_str()) {
            return;
        }
        push_bigrams(stem, id, tokens, |_| true);
    } else if run.iter().any(|c| is_hiragana(*c) || is_katakana(*c)) {
        if run.iter().all(|c| is_hiragana(*c)) {
            // Hiragana between kanji, katakana or concepts are particles and endings; only a text
            // written in hiragana alone is matched by them.
            if hiragana_only_text {
                push_bigrams(run, id, tokens, |_| true);
            }
            return;
        }
        let kind = |c: char| if is_hiragana(c) { 0 } else if is_katakana(c) { 1 } else { 2 };
        let mut start = 0;
        let mut piece = 0;
        for i in 1..=run.len() {
            if i == run.len() || kind(run[i]) != kind(run[start]) {
                if kind(run[start]) != 0 {
                    push_bigrams(&run[start..i], id * 64 + piece, tokens, |_| true);
                    piece += 1;
                }
                start = i;
            }
        }
    } else {
        let keep = |pair: &[char]| !pair.iter().any(|c| ZH_STOP.contains(*c));
        if run.len() == 1 && ZH_STOP.contains(run[0]) {
            return;
        }
        push_bigrams(run, id, tokens, keep);
    }
}

fn tokens_of(text: &str) -> Vec<Tok> {
    let folded = fold(text);
    let hiragana_only_text = !folded.chars().any(|c| is_han(c) || is_katakana(c));
    let (rest, found) = concepts(&folded);
    let mut tokens: Vec<Tok> = found.into_iter().map(|term| Tok { term, at: None }).collect();
    let mut word = String::new();
    let mut run: Vec<char> = Vec::new();
    let mut runs = 0u32;
    let flush_word = |word: &mut String, tokens: &mut Vec<Tok>| {
        let w = word.trim_matches('\'');
        if !w.is_empty() && !STOPWORDS.contains(&w) {
            tokens.push(Tok { term: stem(w), at: None });
        }
        word.clear();
    };
    let mut flush_run = |run: &mut Vec<char>, tokens: &mut Vec<Tok>| {
        if !run.is_empty() {
            runs += 1;
            run_tokens(run, runs, tokens, hiragana_only_text);
            run.clear();
        }
    };
    for c in rest.chars() {
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

/// Folded tokens of a text, concepts (`~refund`) first, as the matcher sees it.
pub fn tokenize(text: &str) -> Vec<String> {
    tokens_of(text).into_iter().map(|t| t.term).collect()
}

pub struct FaqDoc<'a> {
    /// The entry's language; None: by the script of its question.
    pub locale: Option<&'a str>,
    pub question: &'a str,
    /// Other ways people ask it ("also asked as").
    pub variants: &'a [String],
    pub keywords: &'a [String],
    pub answer: &'a str,
    /// Embeddings of the question and each variant, when a provider made them.
    pub vectors: &'a [Vec<f32>],
}

struct Entry {
    locale: String,
    /// The question (0) and each variant (1…), as sorted, deduplicated terms.
    views: Vec<Vec<String>>,
    keywords: Vec<String>,
    answer: Vec<String>,
    vectors: Vec<Vec<f32>>,
}

impl Entry {
    /// How much of a term the entry covers (1, ANSWER_COVER or 0) and in which view.
    fn cover(&self, term: &str) -> (f64, Option<Via>) {
        let has = |terms: &Vec<String>| terms.binary_search_by(|t| t.as_str().cmp(term)).is_ok();
        if let Some(i) = self.views.iter().position(has) {
            return (1.0, Some(if i == 0 { Via::Question } else { Via::Variant(i - 1) }));
        }
        if has(&self.keywords) {
            return (1.0, Some(Via::Keywords));
        }
        if has(&self.answer) {
            return (ANSWER_COVER, Some(Via::Answer));
        }
        (0.0, None)
    }

    fn knows(&self, term: &str) -> bool {
        self.cover(term).0 > 0.0
    }
}

fn sorted_terms(tokens: Vec<Tok>) -> Vec<String> {
    let mut terms: Vec<String> = tokens.into_iter().map(|t| t.term).collect();
    terms.sort();
    terms.dedup();
    terms
}

/// Where an entry's match came from, for "why did this match".
#[derive(Debug, Clone, PartialEq)]
pub enum Via {
    Question,
    /// The n-th variant (0-based).
    Variant(usize),
    Keywords,
    Answer,
    /// Vector similarity only (no shared words).
    Meaning,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Position of the entry in the list the index was built from.
    pub index: usize,
    /// Ranking score (fused when vectors took part).
    pub score: f64,
    pub confidence: f64,
    /// Lexical coverage, 0–1.
    pub coverage: f64,
    /// Cosine similarity to the closest of the entry's vectors, when vectors took part.
    pub similarity: Option<f64>,
    /// The question's terms the entry covers.
    pub matched: Vec<String>,
    /// The view that covered the most.
    pub via: Via,
}

pub struct FaqIndex {
    entries: Vec<Entry>,
}

fn cosine(a: &[f32], b: &[f32]) -> Option<f64> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b) {
        dot += (*x as f64) * (*y as f64);
        na += (*x as f64) * (*x as f64);
        nb += (*y as f64) * (*y as f64);
    }
    (na > 0.0 && nb > 0.0).then(|| dot / (na.sqrt() * nb.sqrt()))
}

impl FaqIndex {
    pub fn build(docs: &[FaqDoc<'_>]) -> FaqIndex {
        let entries = docs
            .iter()
            .map(|d| {
                let mut views = vec![sorted_terms(tokens_of(d.question))];
                views.extend(d.variants.iter().map(|v| sorted_terms(tokens_of(v))));
                Entry {
                    locale: d.locale.map(str::to_string).unwrap_or_else(|| script_locale(d.question).to_string()),
                    views,
                    keywords: sorted_terms(d.keywords.iter().flat_map(|k| tokens_of(k)).collect()),
                    answer: sorted_terms(tokens_of(d.answer)),
                    vectors: d.vectors.to_vec(),
                }
            })
            .collect();
        FaqIndex { entries }
    }

    /// The best entries for a question, best first, at most `limit` (lexical only).
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        self.search_with(query, None, limit)
    }

    /// The best entries for a question in its own language, best first, at most `limit`; with the
    /// question's embedding, lexical and vector rankings fused.
    pub fn search_with(&self, query: &str, vector: Option<&[f32]>, limit: usize) -> Vec<Hit> {
        let lang = script_locale(query);
        // Han-only text is Chinese unless the FAQ has no Chinese entries (then kana-less Japanese).
        let has_zh = lang == "zh" && self.entries.iter().any(|e| e.locale == "zh");
        let candidates: Vec<usize> =
            (0..self.entries.len()).filter(|i| if has_zh { self.entries[*i].locale == "zh" } else { same_language(lang, &self.entries[*i].locale) }).collect();
        if candidates.is_empty() {
            return Vec::new();
        }
        let toks = tokens_of(query);
        let mut terms: Vec<&str> = toks.iter().map(|t| t.term.as_str()).collect();
        terms.sort();
        terms.dedup();
        let n = candidates.len() as f64;
        let weight: Vec<f64> = terms
            .iter()
            .map(|t| {
                let df = candidates.iter().filter(|i| self.entries[**i].knows(t)).count() as f64;
                // A word no entry knows weighs like a specific known word (df = 1) times UNKNOWN: it
                // says the question may be about something else, but chatty questions carry many.
                let idf = (1.0 + (n - df.max(1.0) + 0.5) / (df.max(1.0) + 0.5)).ln();
                let kind = if t.starts_with('~') { CONCEPT } else { 1.0 };
                // Unknown CJK bigrams overlap (a four-character word makes three): each counts half.
                let unknown = if t.chars().any(is_cjk) { UNKNOWN * UNKNOWN_BIGRAM } else { UNKNOWN };
                idf * kind * if df == 0.0 { unknown } else { 1.0 }
            })
            .collect();
        // Weights of the entries' own terms, for the entry side of the coverage.
        let known = std::cell::RefCell::new(std::collections::HashMap::<String, f64>::new());
        let term_weight = |t: &str| -> f64 {
            if let Some(w) = known.borrow().get(t) {
                return *w;
            }
            let df = (candidates.iter().filter(|i| self.entries[**i].knows(t)).count() as f64).max(1.0);
            let w = (1.0 + (n - df + 0.5) / (df + 0.5)).ln() * if t.starts_with('~') { CONCEPT } else { 1.0 };
            known.borrow_mut().insert(t.to_string(), w);
            w
        };
        let mut hits: Vec<Hit> = Vec::new();
        for &i in &candidates {
            let e = &self.entries[i];
            let (mut covered, mut total) = (0.0, 0.0);
            let mut matched = Vec::new();
            // What each view (question, each variant) holds of the question's words, for "via".
            let mut by_view = vec![0.0; e.views.len()];
            let (mut in_keywords, mut in_answer) = (0.0, 0.0);
            for (t, w) in terms.iter().zip(&weight) {
                let (cover, via) = e.cover(t);
                if cover > 0.0 {
                    covered += w * cover;
                    total += w;
                    matched.push(t.to_string());
                    for (v, view) in e.views.iter().enumerate() {
                        if view.binary_search_by(|x| x.as_str().cmp(t)).is_ok() {
                            by_view[v] += w;
                        }
                    }
                    match via {
                        Some(Via::Keywords) => in_keywords += w,
                        Some(Via::Answer) => in_answer += w,
                        _ => {}
                    }
                    continue;
                }
                // A CJK bigram missing from the entry next to one it has is a boundary artefact.
                let boundary = toks.iter().filter(|k| k.term == *t).filter_map(|k| k.at).any(|(run, pos)| {
                    toks.iter().any(|o| o.at.is_some_and(|(r, p)| r == run && (p + 1 == pos || pos + 1 == p)) && e.knows(&o.term))
                });
                total += if boundary { w * BOUNDARY_WEIGHT } else { *w };
            }
            let query_share = if total > 0.0 { covered / total } else { 0.0 };
            // The other side: how much of the entry's own question (or its best variant) the visitor's
            // words hit. "Is there a student discount?" covers itself well with `~discount` but hits
            // little of "Why isn't my discount code working?".
            let entry_share = e
                .views
                .iter()
                .map(|view| {
                    let (mut hit, mut all) = (0.0, 0.0);
                    for t in view {
                        let w = term_weight(t);
                        all += w;
                        if terms.binary_search(&t.as_str()).is_ok() {
                            hit += w;
                        }
                    }
                    if all > 0.0 { hit / all } else { 0.0 }
                })
                .fold(0.0, f64::max);
            let coverage = query_share * (ENTRY_FLOOR + (1.0 - ENTRY_FLOOR) * entry_share);
            let similarity = vector.and_then(|q| e.vectors.iter().filter_map(|v| cosine(q, v)).reduce(f64::max));
            if coverage <= 0.0 && similarity.is_none() {
                continue;
            }
            // The view holding most of the question's words (the question itself on a tie), else the
            // keywords, else the answer, else meaning alone.
            let best_view = by_view.iter().enumerate().fold(None, |best: Option<(usize, f64)>, (v, sum)| match best {
                Some((_, top)) if top >= *sum => best,
                _ if *sum > 0.0 => Some((v, *sum)),
                _ => best,
            });
            let via = match best_view {
                Some((0, _)) => Via::Question,
                Some((v, _)) => Via::Variant(v - 1),
                None if in_keywords > 0.0 => Via::Keywords,
                None if in_answer > 0.0 => Via::Answer,
                None => Via::Meaning,
            };
            let semantic = similarity.map(|s| ((s - SIM_FLOOR) / (SIM_SURE - SIM_FLOOR)).clamp(0.0, 1.0)).unwrap_or(0.0);
            let confidence = coverage.max(semantic);
            hits.push(Hit { index: i, score: coverage + covered * 1e-3, confidence, coverage, similarity, matched, via });
        }
        if vector.is_some() && hits.iter().any(|h| h.similarity.is_some()) {
            // Reciprocal rank fusion of the lexical and the vector ranking.
            let mut lexical: Vec<usize> = (0..hits.len()).filter(|h| hits[*h].coverage > 0.0).collect();
            lexical.sort_by(|a, b| hits[*b].score.total_cmp(&hits[*a].score));
            let mut semantic: Vec<usize> = (0..hits.len()).filter(|h| hits[*h].similarity.is_some()).collect();
            semantic.sort_by(|a, b| hits[*b].similarity.unwrap_or(0.0).total_cmp(&hits[*a].similarity.unwrap_or(0.0)));
            let mut fused = vec![0.0; hits.len()];
            for (rank, h) in lexical.iter().enumerate() {
                fused[*h] += 1.0 / (RRF_K + rank as f64 + 1.0);
            }
            for (rank, h) in semantic.iter().enumerate() {
                fused[*h] += 1.0 / (RRF_K + rank as f64 + 1.0);
            }
            for (h, f) in hits.iter_mut().zip(fused) {
                h.score = f + h.confidence * 1e-3;
            }
            hits.retain(|h| h.coverage > 0.0 || h.similarity.is_some_and(|s| s > SIM_FLOOR));
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
        hits.truncate(limit);
        hits
    }
}

/// Groups questions that ask about the same thing (same language, most of their terms shared:
/// Jaccard ≥ 0.5 with the group's first question), in order of first appearance. Used for the
/// console's list of unanswered questions.
pub fn group_similar(questions: &[(&str, &str)]) -> Vec<Vec<usize>> {
    let terms: Vec<Vec<String>> = questions.iter().map(|(_, q)| sorted_terms(tokens_of(q))).collect();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in 0..questions.len() {
        let similar = |g: &&mut Vec<usize>| {
            let j = g[0];
            if questions[i].0 != questions[j].0 {
                return false;
            }
            let (a, b) = (&terms[i], &terms[j]);
            if a.is_empty() || b.is_empty() {
                return fold(questions[i].1).trim() == fold(questions[j].1).trim();
            }
            let shared = a.iter().filter(|t| b.binary_search(t).is_ok()).count();
            shared * 2 >= a.len() + b.len() - shared
        };
        match groups.iter_mut().find(similar) {
            Some(g) => g.push(i),
            None => groups.push(vec![i]),
        }
    }
    groups
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod eval;

