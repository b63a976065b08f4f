//! The path and query of a request URL, parsed by hand: the Worker only needs these two parts, and
//! not linking a full URL parser (with its IDNA tables) keeps the wasm markedly smaller.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub path: String,
    pub query: Vec<(String, String)>,
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte; bad escapes stay as typed.
pub fn decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Target {
    /// Parses `scheme://authority/path?query#fragment` (or just `/path?query`).
    pub fn parse(url: &str) -> Target {
        let rest = match url.find("://") {
            Some(i) => {
                let after = &url[i + 3..];
                after.find('/').map(|j| &after[j..]).unwrap_or("/")
            }
            None => url,
        };
        let rest = rest.split('#').next().unwrap_or("");
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let query = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .collect();
        Target { path: if path.is_empty() { "/".into() } else { path.to_string() }, query }
    }

    /// The first value of a query parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The path's segments, percent-decoded, empty ones dropped.
    pub fn segments(&self) -> Vec<String> {
        self.path.split('/').filter(|s| !s.is_empty()).map(decode).collect()
    }
}

/// Whether a request URL names this machine (127.0.0.1, localhost, ::1): only local runs get such
/// requests; a deployed Worker is reached by its public host name.
pub fn is_loopback_url(url: &str) -> bool {
    let host = url.split("://").nth(1).unwrap_or("").split(['/', '?', '#']).next().unwrap_or("");
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    matches!(name.to_ascii_lowercase().as_str(), "127.0.0.1" | "localhost" | "::1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_path_and_query() {
        let t = Target::parse("https://edge.example.com:8443/api/widget/config?key=pk_1&locale=ja%2DJP&x=a+b&flag#frag");
        assert_eq!(t.path, "/api/widget/config");
        assert_eq!(t.get("key"), Some("pk_1"));
        assert_eq!(t.get("locale"), Some("ja-JP"));
        assert_eq!(t.get("x"), Some("a b"));
        assert_eq!(t.get("flag"), Some(""));
        assert_eq!(t.get("missing"), None);
        assert_eq!(t.segments(), vec!["api", "widget", "config"]);
    }

    #[test]
    fn edge_cases() {
        assert_eq!(Target::parse("http://h").path, "/");
        assert_eq!(Target::parse("http://h/?a=1").get("a"), Some("1"));
        assert_eq!(Target::parse("/x//y/").segments(), vec!["x", "y"]);
        assert_eq!(decode("%E3%81%82%zz%4"), "あ%zz%4", "bad escapes stay as typed");
        assert_eq!(Target::parse("http://h/files/t%2Fa?sig=%").get("sig"), Some("%"));
    }

    #[test]
    fn loopback_urls_are_only_this_machines() {
        for url in ["http://127.0.0.1:8787/__dev/faults", "http://localhost:1/x", "http://LOCALHOST/", "http://[::1]:8787/a?b"] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in ["https://chat.example.com/__dev/faults", "https://127.0.0.1.example.com/", "https://localhost.evil.test/", "http://10.0.0.1/", "", "garbage"] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }
}
