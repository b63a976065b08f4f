//! Where the visitor is: the page they are on (reported by the widget on each page view and in-page
//! navigation), the referrer, their time zone and language, and their browser, system and device as
//! read from the User-Agent. Shown to operators only; the tenant can switch it off (`page_tracking`).

use serde::{Deserialize, Serialize};

use super::DomainError;

pub const URL_MAX: usize = 2000;
pub const TITLE_MAX: usize = 300;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageView {
    pub url: String,
    pub title: Option<String>,
    pub referrer: Option<String>,
    /// IANA time zone (`Asia/Seoul`): the console shows the visitor's local time.
    pub tz: Option<String>,
    /// BCP 47 language tag of the browser (`ko-KR`).
    pub language: Option<String>,
}

fn web_url(field: &str, url: &str) -> Result<String, DomainError> {
    let ok = (url.starts_with("https://") || url.starts_with("http://")) && url.len() <= URL_MAX && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(url.to_string())
    } else {
        Err(DomainError::invalid(field, format!("must be an http(s) URL of at most {URL_MAX} characters")))
    }
}

impl PageView {
    pub fn parse(url: &str, title: Option<&str>, referrer: Option<&str>, tz: Option<&str>, language: Option<&str>) -> Result<PageView, DomainError> {
        let url = web_url("url", url)?;
        let referrer = referrer.filter(|r| !r.is_empty()).map(|r| web_url("referrer", r)).transpose()?;
        let title = title.map(|t| t.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|t| !t.is_empty());
        if title.as_ref().is_some_and(|t| t.chars().count() > TITLE_MAX) {
            return Err(DomainError::invalid("title", format!("must be at most {TITLE_MAX} characters")));
        }
        let tz = tz.filter(|t| !t.is_empty());
        if tz.is_some_and(|t| t.len() > 64 || !t.chars().all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c))) {
            return Err(DomainError::invalid("tz", "must be an IANA time zone like Asia/Seoul"));
        }
        let language = language.filter(|l| !l.is_empty());
        if language.is_some_and(|l| l.len() > 35 || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')) {
            return Err(DomainError::invalid("language", "must be a language tag like ko-KR"));
        }
        Ok(PageView { url, title, referrer, tz: tz.map(str::to_string), language: language.map(str::to_string) })
    }
}

/// What a User-Agent says, roughly: "Chrome 131", "Android", "phone".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub browser: Option<String>,
    pub os: Option<String>,
    /// `phone`, `tablet` or `desktop`.
    pub kind: String,
}

/// The major version after `token` (`Chrome/131.0.1` → `131`).
fn version_after<'a>(ua: &'a str, token: &str) -> Option<&'a str> {
    let rest = &ua[ua.find(token)? + token.len()..];
    let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

pub fn describe_user_agent(ua: &str) -> Device {
    // Order matters: Edge and Opera say Chrome too, Chrome says Safari too.
    const BROWSERS: &[(&str, &str)] = &[
        ("Edg/", "Edge"), ("EdgA/", "Edge"), ("EdgiOS/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser/", "Samsung Internet"),
        ("Whale/", "Whale"), ("YaBrowser/", "Yandex"), ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"),
        ("Chrome/", "Chrome"), ("Version/", "Safari"),
    ];
    let browser = BROWSERS.iter().find_map(|(token, name)| {
        let v = version_after(ua, token)?;
        (*name != "Safari" || ua.contains("Safari/")).then(|| format!("{name} {v}"))
    });
    let os = if ua.contains("iPad") {
        Some("iPadOS")
    } else if ua.contains("iPhone") || ua.contains("iPod") {
        Some("iOS")
    } else if ua.contains("Android") {
        Some("Android")
    } else if ua.contains("Windows") {
        Some("Windows")
    } else if ua.contains("CrOS") {
        Some("ChromeOS")
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        Some("macOS")
    } else if ua.contains("Linux") {
        Some("Linux")
    } else {
        None
    };
    let kind = if ua.contains("iPad") || ua.contains("Tablet") || (ua.contains("Android") && !ua.contains("Mobile")) {
        "tablet"
    } else if ua.contains("Mobi") || ua.contains("iPhone") || ua.contains("iPod") {
        "phone"
    } else {
        "desktop"
    };
    Device { browser, os: os.map(str::to_string), kind: kind.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_views_take_web_urls_and_short_texts_only() {
        let p = PageView::parse("https://shop.example/cart?x=1", Some("  Your\n cart "), Some(""), Some("Asia/Seoul"), Some("ko-KR")).expect("valid");
        assert_eq!(p.title.as_deref(), Some("Your cart"));
        assert_eq!(p.referrer, None);
        assert_eq!(p.tz.as_deref(), Some("Asia/Seoul"));
        for (url, referrer, field) in [
            ("javascript:alert(1)", None, "url"),
            ("data:text/html,hi", None, "url"),
            ("https://a.example/ space", None, "url"),
            ("https://a.example/", Some("file:///etc/passwd"), "referrer"),
        ] {
            assert!(matches!(PageView::parse(url, None, referrer, None, None), Err(DomainError::Invalid { field: ref f, .. }) if f == field), "{url} {referrer:?}");
        }
        let long = format!("https://a.example/{}", "x".repeat(URL_MAX));
        assert!(PageView::parse(&long, None, None, None, None).is_err());
        assert!(PageView::parse("https://a.example/", Some(&"長".repeat(TITLE_MAX + 1)), None, None, None).is_err());
        assert!(PageView::parse("https://a.example/", None, None, Some("Asia/Seoul; drop"), None).is_err());
        assert!(PageView::parse("https://a.example/", None, None, None, Some("<b>")).is_err());
    }

    #[test]
    fn user_agents_name_the_browser_system_and_device() {
        let cases = [
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131", "Windows", "desktop"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86", "Edge 131", "Windows", "desktop"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari 17", "iOS", "phone"),
            ("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1", "Chrome 131", "iPadOS", "tablet"),
            ("Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36", "Samsung Internet 25", "Android", "phone"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133", "macOS", "desktop"),
            ("Mozilla/5.0 (Linux; Android 13; Tab S8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131", "Android", "tablet"),
        ];
        for (ua, browser, os, kind) in cases {
            assert_eq!(describe_user_agent(ua), Device { browser: Some(browser.into()), os: Some(os.into()), kind: kind.into() }, "{ua}");
        }
        assert_eq!(describe_user_agent(""), Device { browser: None, os: None, kind: "desktop".into() });
        assert_eq!(describe_user_agent("curl/8.5.0").browser, None);
    }
}
