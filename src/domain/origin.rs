//! Web origins and the allowed-origin patterns of a publishable key. An origin is
//! `scheme://host[:port]` (http or https, default ports dropped); a pattern is the same with an
//! optional `*` in place of the port. Nothing else is a wildcard: hosts always match exactly.

use super::DomainError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    /// `None` means the scheme's default port.
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortPattern {
    Default,
    Exact(u16),
    Any,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPattern {
    scheme: String,
    host: String,
    port: PortPattern,
}

pub const MAX_ALLOWED_ORIGINS: usize = 50;

fn default_port(scheme: &str) -> u16 {
    if scheme == "https" {
        443
    } else {
        80
    }
}

/// Splits `scheme://host[:port]` into parts; the port text is returned raw.
fn split(raw: &str) -> Option<(String, String, Option<&str>)> {
    let (scheme, rest) = raw.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let (host, port) = if let Some(after) = rest.strip_prefix('[') {
        // IPv6 literal: [::1]:8080
        let (inner, tail) = after.split_once(']')?;
        if inner.is_empty() || !inner.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') {
            return None;
        }
        let port = match tail {
            "" => None,
            t => Some(t.strip_prefix(':')?),
        };
        (format!("[{}]", inner.to_ascii_lowercase()), port)
    } else {
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        };
        let host = host.to_ascii_lowercase();
        let valid = !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|l| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-'))
            && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !valid {
            return None;
        }
        (host, port)
    };
    Some((scheme, host, port))
}

fn parse_port(raw: &str) -> Option<u16> {
    if raw.is_empty() || raw.len() > 5 || !raw.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    raw.parse::<u16>().ok().filter(|p| *p > 0)
}

impl Origin {
    /// Parses the value of an `Origin` header. `null` and anything with a path are refused.
    pub fn parse(raw: &str) -> Option<Origin> {
        let (scheme, host, port) = split(raw.trim())?;
        let port = match port {
            None => None,
            Some(p) => {
                let p = parse_port(p)?;
                (p != default_port(&scheme)).then_some(p)
            }
        };
        Some(Origin { scheme, host, port })
    }

    /// The canonical text, as browsers send it.
    pub fn as_string(&self) -> String {
        match self.port {
            Some(p) => format!("{}://{}:{}", self.scheme, self.host, p),
            None => format!("{}://{}", self.scheme, self.host),
        }
    }
}

impl OriginPattern {
    pub fn parse(raw: &str) -> Result<OriginPattern, DomainError> {
        let trimmed = raw.trim();
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        let invalid = || {
            DomainError::invalid(
                "allowed_origins",
                format!("{raw:?} is not an origin like https://example.com, http://localhost:3000 or http://localhost:*"),
            )
        };
        if trimmed.contains('/') && trimmed.matches('/').count() > 2 {
            return Err(DomainError::invalid("allowed_origins", format!("{raw:?} must not have a path")));
        }
        let (scheme, host, port) = split(trimmed).ok_or_else(invalid)?;
        let port = match port {
            None => PortPattern::Default,
            Some("*") => PortPattern::Any,
            Some(p) => {
                let p = parse_port(p).ok_or_else(invalid)?;
                if p == default_port(&scheme) {
                    PortPattern::Default
                } else {
                    PortPattern::Exact(p)
                }
            }
        };
        Ok(OriginPattern { scheme, host, port })
    }

    pub fn matches(&self, origin: &Origin) -> bool {
        self.scheme == origin.scheme
            && self.host == origin.host
            && match self.port {
                PortPattern::Any => true,
                PortPattern::Default => origin.port.is_none(),
                PortPattern::Exact(p) => origin.port == Some(p),
            }
    }

    pub fn as_string(&self) -> String {
        match self.port {
            PortPattern::Default => format!("{}://{}", self.scheme, self.host),
            PortPattern::Exact(p) => format!("{}://{}:{}", self.scheme, self.host, p),
            PortPattern::Any => format!("{}://{}:*", self.scheme, self.host),
        }
    }
}

/// Parses a key's whole allowed-origins list: 1 to 50 patterns, duplicates removed, order kept.
pub fn parse_allowed_origins(raw: &[String]) -> Result<Vec<OriginPattern>, DomainError> {
    if raw.is_empty() {
        return Err(DomainError::invalid("allowed_origins", "needs at least one origin"));
    }
    if raw.len() > MAX_ALLOWED_ORIGINS {
        return Err(DomainError::invalid("allowed_origins", format!("at most {MAX_ALLOWED_ORIGINS} origins")));
    }
    let mut out: Vec<OriginPattern> = Vec::with_capacity(raw.len());
    for item in raw {
        let pattern = OriginPattern::parse(item)?;
        if !out.contains(&pattern) {
            out.push(pattern);
        }
    }
    Ok(out)
}

/// Whether a request's `Origin` header value is allowed by any of the stored pattern strings.
pub fn origin_allowed(patterns: &[String], origin_header: &str) -> bool {
    let Some(origin) = Origin::parse(origin_header) else {
        return false;
    };
    patterns.iter().filter_map(|p| OriginPattern::parse(p).ok()).any(|p| p.matches(&origin))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(pattern: &str, origin: &str) -> bool {
        OriginPattern::parse(pattern).unwrap().matches(&Origin::parse(origin).unwrap())
    }

    #[test]
    fn exact_patterns_match_scheme_host_and_port_exactly() {
        assert!(allowed("https://shop.example.com", "https://shop.example.com"));
        assert!(allowed("https://shop.example.com", "https://shop.example.com:443"));
        assert!(allowed("HTTPS://Shop.Example.com/", "https://shop.example.com"));
        assert!(!allowed("https://shop.example.com", "http://shop.example.com"));
        assert!(!allowed("https://shop.example.com", "https://shop.example.com:8443"));
        assert!(!allowed("https://shop.example.com", "https://evil-shop.example.com"));
        assert!(!allowed("https://example.com", "https://shop.example.com"), "no implicit subdomains");
        assert!(!allowed("https://example.com", "https://example.com.evil.io"));
        assert!(allowed("http://localhost:3000", "http://localhost:3000"));
        assert!(!allowed("http://localhost:3000", "http://localhost:3001"));
    }

    #[test]
    fn star_is_only_a_port_wildcard() {
        assert!(allowed("http://localhost:*", "http://localhost:5173"));
        assert!(allowed("http://localhost:*", "http://localhost"));
        assert!(!allowed("http://localhost:*", "https://localhost:5173"));
        assert!(!allowed("http://localhost:*", "http://127.0.0.1:5173"));
        for bad in ["https://*.example.com", "*", "https://*", "http://local*host:80", "*://example.com"] {
            assert!(OriginPattern::parse(bad).is_err(), "{bad} must be refused");
        }
    }

    #[test]
    fn ipv6_literals_work() {
        assert!(allowed("http://[::1]:*", "http://[::1]:8080"));
        assert!(!allowed("http://[::1]:*", "http://[::2]:8080"));
    }

    #[test]
    fn origins_with_paths_userinfo_or_other_schemes_are_refused() {
        for bad in ["", "null", "example.com", "ftp://example.com", "https://example.com/path", "https://user@example.com", "https://example.com:0", "https://example.com:65536", "https://example.com:8a", "https://exa mple.com", "https://example..com", "javascript://x"] {
            assert!(Origin::parse(bad).is_none(), "{bad} parsed");
        }
    }

    #[test]
    fn canonical_text_drops_default_ports() {
        assert_eq!(Origin::parse("HTTP://LocalHost:80").unwrap().as_string(), "http://localhost");
        assert_eq!(OriginPattern::parse("http://localhost:*").unwrap().as_string(), "http://localhost:*");
        assert_eq!(OriginPattern::parse("https://a.io:443").unwrap().as_string(), "https://a.io");
        assert_eq!(OriginPattern::parse("https://a.io:8443/").unwrap().as_string(), "https://a.io:8443");
    }

    #[test]
    fn allowed_origins_list_is_bounded_and_deduplicated() {
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(parse_allowed_origins(&[]).is_err());
        let parsed = parse_allowed_origins(&list(&["https://a.io", "https://A.io/", "http://localhost:*"])).unwrap();
        assert_eq!(parsed.len(), 2);
        assert!(parse_allowed_origins(&list(&["https://a.io", "nope"])).is_err());
        let many: Vec<String> = (0..51).map(|i| format!("https://h{i}.io")).collect();
        assert!(parse_allowed_origins(&many).is_err());
    }

    #[test]
    fn origin_allowed_checks_header_against_stored_patterns() {
        let stored = vec!["http://localhost:*".to_string(), "https://shop.io".to_string()];
        assert!(origin_allowed(&stored, "http://localhost:8080"));
        assert!(origin_allowed(&stored, "https://shop.io"));
        assert!(!origin_allowed(&stored, "https://evil.io"));
        assert!(!origin_allowed(&stored, "null"));
        assert!(!origin_allowed(&stored, ""));
    }
}
