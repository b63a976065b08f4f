//! A conversation as a transcript people read: a text file, a printable HTML page, and the body of the
//! emails that carry it. Made from the events a visitor sees (never private ones), in the
//! conversation's language, with times in the reader's time zone. Everything from the conversation is
//! escaped in the HTML; nothing in it is markup.

use serde_json::Value;

use super::tz::{civil_from_days, Zone};
use super::widget_texts::widget_text;

pub struct Transcript<'a> {
    /// The company, as the widget's title shows it.
    pub company: &'a str,
    pub locale: &'a str,
    /// How the visitor is named (`You` in their own copy, their name or address in the team's).
    pub visitor: &'a str,
    /// The reader's zone: its IANA name and rules (UTC when unknown or absent).
    zone_name: &'a str,
    zone: Option<Zone>,
}

/// One line: when, who (none for what the system says), what.
#[derive(Debug, PartialEq, Eq)]
pub struct Line {
    pub at: String,
    pub who: Option<String>,
    pub text: String,
}

impl<'a> Transcript<'a> {
    /// `zone`: an IANA name; unknown or absent means UTC.
    pub fn new(company: &'a str, locale: &'a str, visitor: &'a str, zone: Option<&'a str>) -> Transcript<'a> {
        match zone.and_then(|name| Zone::named(name).map(|z| (name, z))) {
            Some((name, z)) => Transcript { company, locale, visitor, zone_name: name, zone: Some(z) },
            None => Transcript { company, locale, visitor, zone_name: "UTC", zone: None },
        }
    }

    /// `2026-12-07 21:30` in the reader's zone.
    fn time(&self, ms: i64) -> String {
        let secs = ms.div_euclid(1000);
        let local = secs + self.zone.as_ref().map(|z| z.offset_at(secs)).unwrap_or(0);
        let (y, m, d) = civil_from_days(local.div_euclid(86_400));
        let of_day = local.rem_euclid(86_400);
        format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", of_day / 3600, of_day % 3600 / 60)
    }

    fn say(&self, key: &str, n: &str) -> String {
        widget_text(self.locale, key, n)
    }

    pub fn title(&self) -> String {
        self.say("transcriptOf", self.company)
    }

    /// The lines of the events (private ones, read receipts and page views left out).
    pub fn lines(&self, events: &[Value]) -> Vec<Line> {
        events
            .iter()
            .filter(|e| e["private"] != true && !matches!(e["type"].as_str(), Some("read" | "page" | "note" | "mail")))
            .filter_map(|e| {
                let d = &e["data"];
                let text = e["text"].as_str().unwrap_or_default();
                let name = |v: &Value| v.as_str().map(str::to_string);
                let who = match e["author"]["type"].as_str() {
                    Some("visitor") => self.visitor.to_string(),
                    Some("bot") => self.company.to_string(),
                    _ => name(&e["author"]["name"]).unwrap_or_else(|| self.company.to_string()),
                };
                let notice = match (d["notice"].as_str(), d["next_open_at"].as_i64()) {
                    (Some("no_operator"), _) => Some(self.say("noOperator", "")),
                    (Some("offline"), Some(at)) => Some(self.say("away", &self.time(at))),
                    (Some("offline"), None) => Some(self.say("awayNoTime", "")),
                    _ => None,
                };
                let (who, text) = match e["type"].as_str().unwrap_or_default() {
                    _ if notice.is_some() => (None, notice.unwrap_or_default()),
                    "message" | "menu" => (Some(who), text.to_string()),
                    "attachment" => (Some(who), [d["name"].as_str().map(|n| format!("📎 {n}")), Some(text.to_string()).filter(|t| !t.is_empty())].into_iter().flatten().collect::<Vec<_>>().join(" ")),
                    "handoff" => (None, self.say("waiting", "")),
                    "queue" => (None, self.say("queue", &d["position"].to_string())),
                    "assigned" => (None, self.say("joined", &name(&d["assignee_name"]).unwrap_or_else(|| self.say("colleague", "")))),
                    "transferred" => (None, self.say("transferred", &name(&d["assignee_name"]).or_else(|| name(&d["department_name"])).unwrap_or_else(|| self.say("colleague", "")))),
                    "closed" if d["reason"] == "idle" => (None, self.say("idleClosed", "")),
                    kind @ ("closed" | "reopened" | "released" | "continued") => (None, self.say(kind, "")),
                    "rating" => (None, format!("{} {}", "★".repeat(d["score"].as_u64().unwrap_or(0).min(5) as usize), d["comment"].as_str().unwrap_or_default()).trim_end().to_string()),
                    _ if text.is_empty() => return None,
                    _ => (Some(who), text.to_string()),
                };
                Some(Line { at: self.time(e["created_at"].as_i64().unwrap_or(0)), who, text })
            })
            .collect()
    }

    pub fn text(&self, events: &[Value]) -> String {
        let mut out = format!("{}\n{}\n\n", self.title(), self.say("timesIn", self.zone_name));
        for line in self.lines(events) {
            let body = line.text.replace('\n', "\n    ");
            match line.who {
                Some(who) => out.push_str(&format!("[{}] {who}: {body}\n", line.at)),
                None => out.push_str(&format!("[{}] — {body}\n", line.at)),
            }
        }
        out
    }

    /// A page that reads and prints well by itself (inline style, no scripts, no remote resources).
    pub fn html(&self, events: &[Value], intro: Option<&str>) -> String {
        let title = escape(&self.title());
        let mut rows = String::new();
        for line in self.lines(events) {
            let (class, who) = match &line.who {
                Some(who) if who == self.visitor => ("me", escape(who)),
                Some(who) => ("them", escape(who)),
                None => ("sys", String::new()),
            };
            rows.push_str(&format!("<tr class=\"{class}\"><td class=\"t\">{}</td><td class=\"w\" dir=\"auto\">{who}</td><td dir=\"auto\">{}</td></tr>\n", escape(&line.at), escape(&line.text)));
        }
        let intro = intro.map(|i| format!("<p dir=\"auto\">{}</p>\n", escape(i))).unwrap_or_default();
        format!(
            "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title>\n<style>body{{font:14px/1.5 system-ui,sans-serif;color:#111;max-width:46em;margin:2em auto;padding:0 1em}}h1{{font-size:1.3em}}table{{border-collapse:collapse;width:100%}}td{{vertical-align:top;padding:.35em .5em;border-bottom:1px solid #e5e7eb;white-space:pre-wrap;overflow-wrap:anywhere}}td.t{{white-space:nowrap;color:#6b7280;font-variant-numeric:tabular-nums}}td.w{{font-weight:600;white-space:nowrap}}tr.sys td{{color:#6b7280;font-style:italic}}.z{{color:#6b7280}}@media print{{body{{margin:0;max-width:none}}tr{{break-inside:avoid}}}}</style></head>\n<body><h1 dir=\"auto\">{title}</h1>\n{intro}<p class=\"z\">{zone}</p>\n<table>\n{rows}</table></body></html>\n",
            lang = escape(self.locale),
            zone = escape(&self.say("timesIn", self.zone_name)),
        )
    }
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // 2026-12-07 21:30:00 UTC
    const T: i64 = 1_796_679_000_000;

    fn events() -> Vec<Value> {
        vec![
            json!({"seq":1,"type":"message","author":{"type":"visitor"},"text":"Where is <b>my</b> order?\nIt's late","created_at":T}),
            json!({"seq":2,"type":"page","author":{"type":"visitor"},"text":"Checkout","private":true,"created_at":T}),
            json!({"seq":3,"type":"message","author":{"type":"bot"},"text":"","data":{"notice":"offline","next_open_at":T + 11 * 3_600_000 + 30 * 60_000},"created_at":T + 1000}),
            json!({"seq":4,"type":"note","author":{"type":"operator","name":"Mia"},"text":"secret","private":true,"created_at":T + 2000}),
            json!({"seq":5,"type":"assigned","author":{"type":"system"},"data":{"assignee_name":"Mia"},"created_at":T + 60_000}),
            json!({"seq":6,"type":"message","author":{"type":"operator","name":"Mia"},"text":"On its way","created_at":T + 120_000}),
            json!({"seq":7,"type":"attachment","author":{"type":"visitor"},"text":"","data":{"name":"receipt.pdf"},"created_at":T + 130_000}),
            json!({"seq":8,"type":"read","author":{"type":"operator"},"created_at":T + 140_000}),
            json!({"seq":9,"type":"closed","author":{"type":"operator","name":"Mia"},"created_at":T + 150_000}),
            json!({"seq":10,"type":"rating","author":{"type":"visitor"},"data":{"score":4,"comment":"quick"},"created_at":T + 160_000}),
        ]
    }

    #[test]
    fn the_text_transcript_has_who_said_what_when_in_the_readers_zone_and_nothing_private() {
        let t = Transcript::new("Acme", "en", "You", Some("Asia/Tokyo"));
        let text = t.text(&events());
        assert_eq!(
            text,
            "Conversation with Acme\nTimes are in Asia/Tokyo\n\n\
             [2026-12-08 06:30] You: Where is <b>my</b> order?\n    It's late\n\
             [2026-12-08 06:30] — We're away right now (back 2026-12-08 18:00). Leave your email and we will reply.\n\
             [2026-12-08 06:31] — Mia joined the conversation\n\
             [2026-12-08 06:32] Mia: On its way\n\
             [2026-12-08 06:32] You: 📎 receipt.pdf\n\
             [2026-12-08 06:32] — The conversation was closed\n\
             [2026-12-08 06:32] — ★★★★ quick\n"
        );
        assert!(!text.contains("secret") && !text.contains("Checkout"));
    }

    #[test]
    fn the_html_transcript_escapes_everything_and_speaks_the_conversations_language() {
        let t = Transcript::new("Acme <script>", "ja", "あなた", Some("Not/AZone"));
        let html = t.html(&events(), Some("<img src=x onerror=alert(1)>"));
        assert!(html.contains("<html lang=\"ja\">"));
        assert!(html.contains("<title>Acme &lt;script&gt; との会話</title>"), "{html}");
        assert!(html.contains("Where is &lt;b&gt;my&lt;/b&gt; order?\nIt&#39;s late"));
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(!html.contains("<script") && !html.contains("<img"), "no markup from the conversation");
        assert!(html.contains("時刻は UTC で表示しています"), "an unknown zone falls back to UTC");
        assert!(html.contains("<tr class=\"me\"><td class=\"t\">2026-12-07 21:30</td><td class=\"w\" dir=\"auto\">あなた</td>"));
        assert!(html.contains("<tr class=\"sys\"><td class=\"t\">2026-12-07 21:31</td><td class=\"w\" dir=\"auto\"></td><td dir=\"auto\">Miaが参加しました</td></tr>"), "{html}");
        assert!(html.contains("会話は終了しました"));
        assert!(!html.contains("secret"));
    }
}
