//! Uploads: the file type is decided by the file's content (PNG, JPEG, GIF, WebP and PDF by magic
//! bytes — GIFs walked block by block so a GIF/JS polyglot is refused; Word, Excel and PowerPoint by
//! their container (OOXML parts in a ZIP, or the legacy compound file, then the name says which);
//! ZIP; plain text and CSV as UTF-8 without NULs that does not look like markup or a script). Only
//! images are ever shown inline; everything else downloads. File names are made safe to show and
//! download, and download URLs are HMAC-signed, bound to one object key and short-lived.

use super::encoding::hex;
use super::hmac::{hmac_sha256, verify_hmac_hex};
use super::DomainError;

pub const DEFAULT_MAX_BYTES: i64 = 20 * 1024 * 1024;
pub const URL_TTL_SECS: i64 = 3600;
const NAME_MAX: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Png,
    Jpeg,
    Gif,
    Webp,
    Pdf,
    Text,
    Csv,
    Docx,
    Xlsx,
    Pptx,
    Doc,
    Xls,
    Ppt,
    Zip,
}

pub const ALL_KINDS: [FileKind; 14] = [
    FileKind::Png,
    FileKind::Jpeg,
    FileKind::Gif,
    FileKind::Webp,
    FileKind::Pdf,
    FileKind::Text,
    FileKind::Csv,
    FileKind::Docx,
    FileKind::Xlsx,
    FileKind::Pptx,
    FileKind::Doc,
    FileKind::Xls,
    FileKind::Ppt,
    FileKind::Zip,
];

/// Extensions that mean "run me" or "render me as a page": a file of an allowed type never wears them.
const ACTIVE: &[&str] = &[
    "html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "xsl", "js", "mjs", "cjs", "css", "exe", "dll", "com", "bat", "cmd", "scr", "msi",
    "sh", "ps1", "vbs", "jar", "app", "php", "phtml", "jsp", "asp", "aspx", "hta", "swf", "wasm",
];

impl FileKind {
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Gif => "image/gif",
            FileKind::Webp => "image/webp",
            FileKind::Pdf => "application/pdf",
            FileKind::Text => "text/plain; charset=utf-8",
            FileKind::Csv => "text/csv; charset=utf-8",
            FileKind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            FileKind::Doc => "application/msword",
            FileKind::Xls => "application/vnd.ms-excel",
            FileKind::Ppt => "application/vnd.ms-powerpoint",
            FileKind::Zip => "application/zip",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FileKind::Png => "png",
            FileKind::Jpeg => "jpeg",
            FileKind::Gif => "gif",
            FileKind::Webp => "webp",
            FileKind::Pdf => "pdf",
            FileKind::Text => "txt",
            FileKind::Csv => "csv",
            FileKind::Docx => "docx",
            FileKind::Xlsx => "xlsx",
            FileKind::Pptx => "pptx",
            FileKind::Doc => "doc",
            FileKind::Xls => "xls",
            FileKind::Ppt => "ppt",
            FileKind::Zip => "zip",
        }
    }

    fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Png => &["png"],
            FileKind::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            FileKind::Gif => &["gif"],
            FileKind::Webp => &["webp"],
            FileKind::Pdf => &["pdf"],
            FileKind::Text => &["txt", "log", "md"],
            FileKind::Csv => &["csv", "tsv"],
            FileKind::Docx => &["docx"],
            FileKind::Xlsx => &["xlsx"],
            FileKind::Pptx => &["pptx"],
            FileKind::Doc => &["doc"],
            FileKind::Xls => &["xls"],
            FileKind::Ppt => &["ppt"],
            FileKind::Zip => &["zip"],
        }
    }

    /// Only images are shown inline (in the timeline and by the browser); every other kind downloads.
    pub fn is_image(self) -> bool {
        matches!(self, FileKind::Png | FileKind::Jpeg | FileKind::Gif | FileKind::Webp)
    }

    pub fn parse(raw: &str) -> Option<FileKind> {
        ALL_KINDS.into_iter().find(|k| k.name() == raw)
    }

    pub fn from_mime(mime: &str) -> Option<FileKind> {
        ALL_KINDS.into_iter().find(|k| k.mime() == mime)
    }
}

/// The extension of a file name, lower-cased.
fn extension(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    base.rsplit_once('.').map(|(_, e)| e.trim().to_ascii_lowercase())
}

/// The type of a file from its bytes (the name only tells apart kinds whose content is the same
/// container: text or CSV, and the legacy Office formats), or `None` when it is not one we accept.
pub fn sniff(bytes: &[u8], name: &str) -> Option<FileKind> {
    let ext = extension(name);
    let named = |kinds: &[FileKind]| kinds.iter().copied().find(|k| ext.as_deref().is_some_and(|e| k.extensions().contains(&e)));
    if let Some(kind) = sniff_binary(bytes) {
        return Some(kind);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Some(office_open_xml(bytes).unwrap_or(FileKind::Zip));
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // A compound file (Word, Excel, PowerPoint 97–2003 — and installers): only an Office name passes.
        return named(&[FileKind::Doc, FileKind::Xls, FileKind::Ppt]);
    }
    if is_plain_text(bytes) {
        return Some(named(&[FileKind::Csv]).unwrap_or(FileKind::Text));
    }
    None
}

/// Which Office Open XML document a ZIP is, from its part names (local file headers).
fn office_open_xml(bytes: &[u8]) -> Option<FileKind> {
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    if !has(b"[Content_Types].xml") {
        return None;
    }
    [(b"word/".as_slice(), FileKind::Docx), (b"xl/".as_slice(), FileKind::Xlsx), (b"ppt/".as_slice(), FileKind::Pptx)].into_iter().find(|(part, _)| has(part)).map(|(_, kind)| kind)
}

/// UTF-8 without NULs that does not look like a page, an image made of markup or a script.
fn is_plain_text(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else { return false };
    if text.is_empty() || text.contains('\0') {
        return false;
    }
    let head = text.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with("#!") || head.starts_with('<') {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    !["<script", "<svg", "<html", "<!doctype", "<?xml", "<iframe", "<object", "<embed", "javascript:"].iter().any(|m| lower.contains(m))
}

fn sniff_binary(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.get(12..16) == Some(b"IHDR") {
        Some(FileKind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if (bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a")) && gif_is_well_formed(bytes) {
        Some(FileKind::Gif)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(FileKind::Webp)
    } else if bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else {
        None
    }
}

/// Walks a GIF's blocks: screen descriptor, colour tables, extensions and images, each length-checked,
/// and requires at least one image and the file to end exactly at the trailer. A GIF/JS polyglot
/// breaks one of these.
fn gif_is_well_formed(b: &[u8]) -> bool {
    fn sub_blocks(b: &[u8], mut i: usize) -> Option<usize> {
        loop {
            let n = *b.get(i)? as usize;
            i += 1;
            if n == 0 {
                return Some(i);
            }
            i += n;
        }
    }
    fn table(flags: u8) -> usize {
        if flags & 0x80 != 0 {
            3 << ((flags & 7) + 1)
        } else {
            0
        }
    }
    let walk = || -> Option<bool> {
        let width = u16::from_le_bytes([*b.get(6)?, *b.get(7)?]);
        let height = u16::from_le_bytes([*b.get(8)?, *b.get(9)?]);
        if width == 0 || height == 0 || width > 16384 || height > 16384 {
            return Some(false);
        }
        let mut i = 13 + table(*b.get(10)?);
        let mut images = 0;
        loop {
            match *b.get(i)? {
                0x3B => return Some(images > 0 && i + 1 == b.len()),
                0x21 => i = sub_blocks(b, i + 2)?,
                0x2C => {
                    images += 1;
                    let flags = *b.get(i + 9)?;
                    i = sub_blocks(b, i + 10 + table(flags) + 1)?;
                }
                _ => return Some(false),
            }
        }
    };
    walk().unwrap_or(false)
}

/// A file name safe to show and to put in a download header: the last path segment, without control
/// characters or quotes, at most 100 characters, ending in the extension of what the file really is.
/// A name that claims another type (`photo.html` for a PNG) is refused.
pub fn sanitize_name(raw: &str, kind: FileKind) -> Result<String, DomainError> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .map(|c| if c.is_control() || "\"'<>:*?|`;".contains(c) { '_' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let cleaned = cleaned.trim_matches(|c: char| c == '.' || c == ' ');
    let (stem, ext) = match cleaned.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, Some(e.to_ascii_lowercase())),
        _ => (cleaned, None),
    };
    if let Some(ext) = &ext {
        let other_kind = ALL_KINDS.iter().any(|k| *k != kind && k.extensions().contains(&ext.as_str()));
        if ACTIVE.contains(&ext.as_str()) || other_kind {
            return Err(DomainError::invalid("name", format!("the file is a {} but its name ends in .{ext}", kind.name().to_uppercase())));
        }
    }
    let stem = if stem.is_empty() { "file" } else { stem };
    let ext_ok = ext.as_deref().is_some_and(|e| kind.extensions().contains(&e));
    let full = if ext_ok { cleaned.to_string() } else { format!("{}.{}", cleaned.trim_end_matches('.').trim(), kind.extensions()[0]) };
    let full = if full.starts_with('.') { format!("{stem}{full}") } else { full };
    if full.chars().count() <= NAME_MAX {
        return Ok(full);
    }
    let suffix = format!(".{}", kind.extensions()[0]);
    let keep: String = full.chars().take(NAME_MAX - suffix.len()).collect();
    Ok(format!("{}{suffix}", keep.trim_end()))
}

fn signed_message(key: &str, exp: i64) -> String {
    format!("{key}\n{exp}")
}

/// The signature of a download URL for `key` valid until `exp` (seconds).
pub fn sign_file(secret: &[u8], key: &str, exp: i64) -> String {
    hex(&hmac_sha256(secret, signed_message(key, exp).as_bytes()))
}

pub fn verify_file(secret: &[u8], key: &str, exp: i64, sig: &str, now_secs: i64) -> bool {
    exp >= now_secs && exp <= now_secs + URL_TTL_SECS * 24 && verify_hmac_hex(secret, signed_message(key, exp).as_bytes(), sig)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gif(body: &[u8]) -> Vec<u8> {
        [b"GIF89a".as_slice(), body].concat()
    }
    /// A 1×1 GIF: screen descriptor, 2-colour table, image descriptor, LZW data, trailer.
    fn tiny_gif() -> Vec<u8> {
        gif(&[1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255, 0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3B])
    }

    #[test]
    fn sniffs_each_allowed_type_by_magic_bytes() {
        let png = [b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".as_slice(), &[0; 8]].concat();
        assert_eq!(sniff(&png, "a.png"), Some(FileKind::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], ""), Some(FileKind::Jpeg));
        assert_eq!(sniff(&tiny_gif(), "x"), Some(FileKind::Gif));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 ", ""), Some(FileKind::Webp));
        assert_eq!(sniff(b"%PDF-1.7\n%\xe2\xe3", "whatever.txt"), Some(FileKind::Pdf), "the content decides, not the name");
    }

    /// A ZIP's first local file header naming `part`.
    fn zip_with(parts: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        for part in parts {
            out.extend_from_slice(b"PK\x03\x04\x14\0\0\0\x08\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
            out.extend_from_slice(&(part.len() as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(part.as_bytes());
        }
        out
    }

    #[test]
    fn office_documents_zip_and_text_are_told_apart_by_their_content() {
        assert_eq!(sniff(&zip_with(&["[Content_Types].xml", "word/document.xml"]), "report.docx"), Some(FileKind::Docx));
        assert_eq!(sniff(&zip_with(&["[Content_Types].xml", "xl/workbook.xml"]), "sheet"), Some(FileKind::Xlsx));
        assert_eq!(sniff(&zip_with(&["[Content_Types].xml", "ppt/presentation.xml"]), "deck.pptx"), Some(FileKind::Pptx));
        assert_eq!(sniff(&zip_with(&["photos/a.jpg"]), "photos.zip"), Some(FileKind::Zip));
        assert_eq!(sniff(&zip_with(&["word/document.xml"]), "fake.docx"), Some(FileKind::Zip), "no content types: just a ZIP");
        let cfb = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
        assert_eq!(sniff(&cfb, "old.DOC"), Some(FileKind::Doc));
        assert_eq!(sniff(&cfb, "numbers.xls"), Some(FileKind::Xls));
        assert_eq!(sniff(&cfb, "talk.ppt"), Some(FileKind::Ppt));
        assert_eq!(sniff(&cfb, "setup.msi"), None, "an installer is a compound file too");
        assert_eq!(sniff(&cfb, "noname"), None);
        assert_eq!(sniff("注文番号,金額\n123,4500\n".as_bytes(), "orders.csv"), Some(FileKind::Csv));
        assert_eq!(sniff("Hello\r\nこんにちは\n".as_bytes(), "note.txt"), Some(FileKind::Text));
        assert_eq!(sniff("\u{feff}plain".as_bytes(), "bom"), Some(FileKind::Text));
        assert_eq!(sniff(b"a\0b", "nul.txt"), None, "NULs are not text");
        assert_eq!(sniff(b"\xff\xfeh\0i\0", "utf16.txt"), None, "only UTF-8");
        for kind in ALL_KINDS {
            assert_eq!(FileKind::parse(kind.name()), Some(kind));
            assert_eq!(kind.is_image(), kind.mime().starts_with("image/"), "{kind:?}");
        }
    }

    #[test]
    fn refuses_everything_else() {
        let cases: [&[u8]; 12] = [
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
            b"<!doctype html><script>alert(1)</script>",
            b"  \n<html><body>hi</body></html>",
            b"Dear team, see <SCRIPT src=//evil.example/x.js></SCRIPT>",
            b"<?xml version=\"1.0\"?><svg/>",
            b"#!/bin/sh\nrm -rf /",
            b"MZ\x90\0\x03\0\0\0",
            b"",
            b"\x89PNG\r\n\x1a\n",
            b"RIFF\0\0\0\0AVI ",
            b"\x7fELF\x02\x01\x01\0",
            b"\xca\xfe\xba\xbe\0\0",
        ];
        for bytes in cases {
            for name in ["x.txt", "x.csv", "x.png"] {
                assert_eq!(sniff(bytes, name), None, "{:?} as {name}", String::from_utf8_lossy(bytes));
            }
        }
    }

    #[test]
    fn gif_js_polyglots_are_refused() {
        assert_eq!(sniff(&gif(b"/*\x01\x01\0\0\0*/=1;alert(document.domain);//"), "cat.gif"), None);
        let mut trailing = tiny_gif();
        trailing.extend_from_slice(b"alert(1)");
        assert_eq!(sniff(&trailing, "cat.gif"), None, "bytes after the trailer");
        assert_eq!(sniff(&gif(&[0x2F, 0x2A, 0x2F, 0x2A, 0, 0, 0, 0x3B]), "cat.gif"), None, "a 10799×10799 'image' that is a comment opener");
    }

    #[test]
    fn names_are_sanitised_and_must_not_claim_another_type() {
        assert_eq!(sanitize_name("photo.png", FileKind::Png).unwrap(), "photo.png");
        assert_eq!(sanitize_name("C:\\Users\\me\\Screen Shot.PNG", FileKind::Png).unwrap(), "Screen Shot.PNG");
        assert_eq!(sanitize_name("../../etc/passwd", FileKind::Pdf).unwrap(), "passwd.pdf");
        assert_eq!(sanitize_name("a\"b<c>\n.jpg", FileKind::Jpeg).unwrap(), "a_b_c__.jpg");
        assert_eq!(sanitize_name("", FileKind::Gif).unwrap(), "file.gif");
        assert_eq!(sanitize_name("report.final.v2", FileKind::Pdf).unwrap(), "report.final.v2.pdf");
        assert_eq!(sanitize_name(".png", FileKind::Png).unwrap(), "png.png");
        let long = sanitize_name(&format!("{}.webp", "x".repeat(300)), FileKind::Webp).unwrap();
        assert_eq!(long.chars().count(), 100);
        assert!(long.ends_with(".webp"));
        for bad in ["photo.html", "photo.svg", "invoice.pdf", "run.exe", "x.js"] {
            assert!(sanitize_name(bad, FileKind::Png).is_err(), "{bad}");
        }
    }

    #[test]
    fn signatures_bind_key_and_expiry() {
        let s = b"secret";
        let sig = sign_file(s, "t/a/c/b/1", 1000);
        assert!(verify_file(s, "t/a/c/b/1", 1000, &sig, 900));
        assert!(!verify_file(s, "t/a/c/b/1", 1000, &sig, 1001), "expired");
        assert!(!verify_file(s, "t/a/c/OTHER/1", 1000, &sig, 900), "another key");
        assert!(!verify_file(s, "t/a/c/b/1", 2000, &sig, 900), "another expiry");
        assert!(!verify_file(b"other", "t/a/c/b/1", 1000, &sig, 900), "another secret");
        assert!(!verify_file(s, "t/a/c/b/1", 1000, "00", 900), "tampered");
    }
}
