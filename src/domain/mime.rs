//! One email as raw RFC 5322 / MIME text (what a `send_email` binding takes as an `EmailMessage`, and
//! what `make dev` leaves in its mail folder as an `.eml` file): a plain-text and an HTML part, both
//! base64 so any language travels in 7-bit lines; non-ASCII header words as RFC 2047 encoded words.
//! Header values never carry a line break from their input (no header injection).

use base64ct::{Base64, Encoding};

use super::tz::civil_from_days;

pub struct Mail<'a> {
    pub from: &'a str,
    pub from_name: &'a str,
    pub to: &'a str,
    pub reply_to: Option<&'a str>,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    /// Unique per message; its domain is the sender's.
    pub id: &'a str,
    /// Milliseconds since the epoch.
    pub date_ms: i64,
}

impl Mail<'_> {
    pub fn raw(&self) -> String {
        let domain = self.from.rsplit_once('@').map(|(_, d)| d).unwrap_or("localhost");
        let boundary = format!("=_edgechat_{}", self.id);
        let mut out = String::new();
        let mut header = |name: &str, value: &str| {
            out.push_str(name);
            out.push_str(": ");
            out.push_str(value);
            out.push_str("\r\n");
        };
        header("From", &format!("{} <{}>", phrase(self.from_name), one_line(self.from)));
        header("To", &one_line(self.to));
        if let Some(reply_to) = self.reply_to {
            header("Reply-To", &one_line(reply_to));
        }
        header("Subject", &words(self.subject));
        header("Date", &rfc5322_date(self.date_ms));
        header("Message-ID", &format!("<{}@{}>", one_line(self.id), domain));
        header("MIME-Version", "1.0");
        header("Auto-Submitted", "auto-generated");
        header("Content-Type", &format!("multipart/alternative; boundary=\"{boundary}\""));
        out.push_str("\r\n");
        for (kind, body) in [("text/plain", self.text), ("text/html", self.html)] {
            out.push_str(&format!("--{boundary}\r\nContent-Type: {kind}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"));
            let encoded = Base64::encode_string(body.as_bytes());
            for line in encoded.as_bytes().chunks(76) {
                out.push_str(std::str::from_utf8(line).unwrap_or_default());
                out.push_str("\r\n");
            }
        }
        out.push_str(&format!("--{boundary}--\r\n"));
        out
    }
}

/// A header value on one line: control characters (CR and LF above all) become spaces.
fn one_line(value: &str) -> String {
    value.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// A display name: quoted when it is ASCII, encoded words otherwise.
fn phrase(name: &str) -> String {
    let name = one_line(name);
    if name.is_ascii() {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        words(&name)
    }
}

/// Unstructured text (a subject): as is when it is printable ASCII, else UTF-8 base64 encoded words
/// of at most 75 characters each, folded onto continuation lines.
fn words(text: &str) -> String {
    let text = one_line(text);
    if text.is_ascii() {
        return text;
    }
    let mut chunks: Vec<String> = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        // 45 bytes encode to 60 characters: with `=?UTF-8?B?` and `?=` a word stays under 75.
        if chunk.len() + c.len_utf8() > 45 {
            chunks.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    chunks.push(chunk);
    chunks.iter().map(|c| format!("=?UTF-8?B?{}?=", Base64::encode_string(c.as_bytes()))).collect::<Vec<_>>().join("\r\n ")
}

/// `Mon, 07 Dec 2026 21:30:05 +0000`.
pub fn rfc5322_date(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        d,
        MONTHS[(m as usize).saturating_sub(1) % 12],
        y,
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail<'a>(subject: &'a str, from_name: &'a str, to: &'a str) -> Mail<'a> {
        Mail { from: "chat@acme.example", from_name, to, reply_to: Some("kai@visitor.example"), subject, text: "Hello\nこんにちは", html: "<p>Hello</p>", id: "m1", date_ms: 1_796_679_005_000 }
    }

    fn decode_parts(raw: &str) -> Vec<String> {
        raw.split("\r\n\r\n")
            .skip(2)
            .map(|part| {
                let b64: String = part.lines().take_while(|l| !l.starts_with("--")).collect();
                String::from_utf8(Base64::decode_vec(&b64).expect("base64")).expect("utf-8")
            })
            .collect()
    }

    #[test]
    fn a_mail_has_the_headers_a_mail_server_needs_and_both_parts() {
        let raw = mail("Your conversation with Acme", "Acme", "kai@visitor.example").raw();
        assert!(raw.starts_with("From: \"Acme\" <chat@acme.example>\r\nTo: kai@visitor.example\r\nReply-To: kai@visitor.example\r\n"), "{raw}");
        assert!(raw.contains("\r\nSubject: Your conversation with Acme\r\n"));
        assert!(raw.contains("\r\nDate: Mon, 07 Dec 2026 21:30:05 +0000\r\n"), "{raw}");
        assert!(raw.contains("\r\nMessage-ID: <m1@acme.example>\r\n"));
        assert!(raw.is_ascii(), "7-bit clean");
        assert!(raw.lines().all(|l| l.len() <= 78), "short lines");
        assert_eq!(decode_parts(&raw), vec!["Hello\nこんにちは".to_string(), "<p>Hello</p>".to_string()]);
        assert!(raw.ends_with("--=_edgechat_m1--\r\n"));
    }

    #[test]
    fn non_ascii_headers_are_encoded_words_and_line_breaks_cannot_inject_headers() {
        let subject = "株式会社エッジとの会話の記録です。ありがとうございました。またのお問い合わせをお待ちしております";
        let raw = mail(subject, "エッジ \"社\"", "kai@visitor.example\r\nBcc: all@victim.example").raw();
        assert!(raw.is_ascii());
        assert!(!raw.contains("\r\nBcc:"), "no injected header");
        let subject_line = raw.split("\r\nSubject: ").nth(1).and_then(|r| r.split("\r\nDate:").next()).expect("subject");
        let decoded: String = subject_line
            .split("\r\n ")
            .map(|w| {
                assert!(w.len() <= 75, "{w}");
                let b64 = w.strip_prefix("=?UTF-8?B?").and_then(|w| w.strip_suffix("?=")).expect("encoded word");
                String::from_utf8(Base64::decode_vec(b64).expect("b64")).expect("utf-8")
            })
            .collect();
        assert_eq!(decoded, subject);
        assert!(raw.starts_with("From: =?UTF-8?B?"));
        assert_eq!(phrase("A \"B\" \\ C"), "\"A \\\"B\\\" \\\\ C\"");
    }

    #[test]
    fn dates_are_rfc5322_in_utc() {
        assert_eq!(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc5322_date(951_782_400_000), "Tue, 29 Feb 2000 00:00:00 +0000");
    }
}
