//! The languages of the web interface.
//!
//! Texts are written in English in the source and looked up, gettext-style, with the English
//! text as the key: [`tr!`](crate::tr) for literals, [`n_!`](crate::n_) to mark a literal that
//! is translated later (a constant's label), and [`translate_dyn`] for such marked texts at
//! render time. The catalogues are the YAML files under `otrs-http/locales/` (rust-i18n's
//! `_version: 2` layout: one file per area of the interface, each key holding its
//! translations), compiled into the binary. English needs no catalogue: a key is its own
//! English text. A test scans the sources so that every marked text has a translation in
//! every language and no catalogue entry is left unused.

use std::borrow::Cow;

/// A stamp of the catalogues' contents from the build script: reading it here makes an edited
/// catalogue recompile the crate (the `i18n!` macro's reads are not tracked by cargo).
pub const CATALOGUE_STAMP: &str = env!("OTRS_LOCALES_STAMP");

/// The preference holding the agent's language (a code such as `de`).
pub const LANGUAGE_PREFERENCE: &str = "language";

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    /// English, the language of the source.
    #[default]
    English,
    /// German.
    German,
}

impl Language {
    /// Every language, in the order the profile offers them.
    pub const ALL: [Language; 2] = [Language::English, Language::German];

    /// The language's code (BCP 47), as stored in the preference and in `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::German => "de",
        }
    }

    /// The language's name in itself (how a language list names it).
    pub fn native_name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::German => "Deutsch",
        }
    }

    /// The language of a code (`de`, `de-AT` and `DE` are German); `None` for others.
    pub fn from_code(code: &str) -> Option<Language> {
        let primary = code.split(['-', '_']).next().unwrap_or_default();
        Language::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(primary))
    }

    /// The best language for an `Accept-Language` header (English when none matches).
    pub fn negotiate(accept_language: Option<&str>) -> Language {
        let Some(header) = accept_language else {
            return Language::default();
        };
        accept_language::parse(header)
            .iter()
            .find_map(|tag| Language::from_code(tag))
            .unwrap_or_default()
    }

    /// The language of a stored preference, else the one the browser asks for.
    pub fn choose(preference: Option<&str>, accept_language: Option<&str>) -> Language {
        preference
            .and_then(Language::from_code)
            .unwrap_or_else(|| Language::negotiate(accept_language))
    }
}

/// The text of a key in a language (the key itself in English or when a translation is
/// missing, which the catalogue test prevents).
pub fn translate(language: Language, key: &'static str) -> Cow<'static, str> {
    translate_dyn(language, key)
}

/// [`translate`] for a key that is not a literal at the call site (a label from a constant
/// marked with [`n_!`](crate::n_)).
pub fn translate_dyn(language: Language, key: &str) -> Cow<'_, str> {
    if language == Language::English {
        return Cow::Borrowed(key);
    }
    crate::_rust_i18n_try_translate(language.code(), key).unwrap_or(Cow::Borrowed(key))
}

/// Fills the `%{name}` placeholders of a translated text.
pub fn fill(text: &str, values: &[(&str, String)]) -> String {
    let names: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
    let values: Vec<String> = values.iter().map(|(_, v)| v.clone()).collect();
    rust_i18n::replace_patterns(text, &names, &values)
}

/// Every (key, text) of a language's catalogue.
pub fn catalogue(language: Language) -> Vec<(String, String)> {
    crate::_rust_i18n_backend()
        .messages_for_locale(language.code())
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The texts of a rendered page that are still English although the page is in `language`:
/// every text node and `aria-label`, `placeholder` and `title` value that equals a catalogue key
/// whose translation differs. Tests render pages in each language and expect none.
pub fn untranslated_texts(html: &str, language: Language) -> Vec<String> {
    if language == Language::English {
        return Vec::new();
    }
    let catalogue: std::collections::HashMap<String, String> =
        catalogue(language).into_iter().collect();
    let english = |text: &str| catalogue.get(text).is_some_and(|t| t != text);
    let mut found = Vec::new();
    let mut push = |raw: &str| {
        let text = unescape(raw.trim());
        if !text.is_empty() && english(&text) && !found.contains(&text) {
            found.push(text);
        }
    };
    // Text between tags (the contents of <script> and <style> are never shown as text).
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        push(&rest[..open]);
        let tag_end = rest[open..].find('>').map_or(rest.len(), |e| open + e + 1);
        let tag = &rest[open..tag_end];
        for attribute in ["aria-label=\"", "placeholder=\"", "title=\""] {
            let mut attrs = tag;
            while let Some(at) = attrs.find(attribute) {
                let value = &attrs[at + attribute.len()..];
                let end = value.find('"').unwrap_or(value.len());
                push(&value[..end]);
                attrs = &value[end..];
            }
        }
        rest = &rest[tag_end..];
        for raw in ["<script", "<style"] {
            if tag.starts_with(raw) {
                let close = format!("</{}", &raw[1..]);
                rest = rest.find(&close).map_or("", |e| &rest[e..]);
            }
        }
    }
    push(rest);
    found
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Translates a literal for whoever looks at the page: `tr!(ctx, "Dashboard")`, or with
/// placeholders `tr!(ctx, "%{count} tickets", count = n)`. `ctx` is anything with a
/// `lang: Language` field (the UI's `UiCtx`) — or a bare [`Language`] with `tr!(@lang, …)`.
#[macro_export]
macro_rules! tr {
    (@lang $lang:expr, $key:literal) => {
        $crate::i18n::translate($lang, $key)
    };
    (@lang $lang:expr, $key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::fill(
            &$crate::i18n::translate($lang, $key),
            &[$((stringify!($name), ($value).to_string())),+],
        )
    };
    ($ctx:expr, $key:literal) => {
        $crate::i18n::translate($ctx.lang, $key)
    };
    ($ctx:expr, $key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::fill(
            &$crate::i18n::translate($ctx.lang, $key),
            &[$((stringify!($name), ($value).to_string())),+],
        )
    };
}

/// Marks a literal as a text to translate where it is shown (through
/// [`translate_dyn`]); it evaluates to the literal itself.
#[macro_export]
macro_rules! n_ {
    ($key:literal) => {
        $key
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_negotiation() {
        assert_eq!(Language::from_code("de-AT"), Some(Language::German));
        assert_eq!(Language::from_code("DE"), Some(Language::German));
        assert_eq!(Language::from_code("fr"), None);
        assert_eq!(
            Language::negotiate(Some("fr-CH, fr;q=0.9, de;q=0.8, en;q=0.7")),
            Language::German
        );
        assert_eq!(
            Language::negotiate(Some("en-GB,de;q=0.5")),
            Language::English
        );
        assert_eq!(Language::negotiate(Some("ja")), Language::English);
        assert_eq!(Language::negotiate(None), Language::English);
        assert_eq!(
            Language::choose(Some("de"), Some("en")),
            Language::German,
            "the preference wins over the browser"
        );
        assert_eq!(Language::choose(Some("xx"), Some("de")), Language::German);
    }

    #[test]
    fn leftover_english_is_found_in_text_and_labels() {
        let page = r#"<html><head><title>Dashboard</title><script>var x = "<b>Dashboard</b>";</script></head>
            <body><nav aria-label="Dashboard"><a>Übersicht</a> <b> Dashboard </b><i>Tickets</i></nav></body></html>"#;
        assert_eq!(
            untranslated_texts(page, Language::German),
            vec!["Dashboard".to_owned()]
        );
        assert!(untranslated_texts("<p>Übersicht</p>", Language::German).is_empty());
        assert!(untranslated_texts(page, Language::English).is_empty());
    }

    #[test]
    fn english_is_the_key_and_german_comes_from_the_catalogue() {
        assert_eq!(tr!(@lang Language::English, "Dashboard"), "Dashboard");
        assert_eq!(tr!(@lang Language::German, "Dashboard"), "Übersicht");
        assert_eq!(
            tr!(@lang Language::German, "%{count} tickets", count = 3),
            "3 Tickets"
        );
        assert_eq!(
            tr!(@lang Language::English, "%{count} tickets", count = 3),
            "3 tickets"
        );
        assert_eq!(
            translate_dyn(Language::German, "not a key"),
            "not a key",
            "a text without translation stays as it is"
        );
    }
}

/// The catalogue check: every text the sources mark has a translation in every language, with
/// the same placeholders, and every catalogue entry is still used.
#[cfg(test)]
mod catalogue_check {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    use super::*;

    /// The marked texts of one source file: the first string literal after each `tr!(` and
    /// `n_!(` (placeholders and escapes kept as written, `\"` and `\\` unescaped).
    pub(super) fn marked_texts(source: &str) -> Vec<String> {
        let mut found = Vec::new();
        for marker in ["tr!(", "n_!("] {
            let mut rest = source;
            while let Some(at) = rest.find(marker) {
                // `include_str!(` is not `tr!(`: the marker must start a word.
                let starts_word = !rest[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_');
                rest = &rest[at + marker.len()..];
                if !starts_word {
                    continue;
                }
                // The key is the first literal: `tr!(ctx, "…")`, `tr!(@lang l, "…")`, `n_!("…")`.
                let Some(open) = rest.find('"') else { break };
                let mut text = String::new();
                let mut chars = rest[open + 1..].char_indices();
                let mut end = None;
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => match chars.next() {
                            Some((_, 'n')) => text.push('\n'),
                            Some((_, other)) => text.push(other),
                            None => break,
                        },
                        '"' => {
                            end = Some(open + 1 + i + 1);
                            break;
                        }
                        c => text.push(c),
                    }
                }
                let Some(end) = end else { break };
                found.push(text);
                rest = &rest[end..];
            }
        }
        found
    }

    fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("the source directory")
            .map(|e| e.expect("a directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("i18n.rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                out.push((path.display().to_string(), text));
            }
        }
    }

    fn placeholders(text: &str) -> BTreeSet<&str> {
        text.match_indices("%{")
            .filter_map(|(at, _)| {
                let rest = &text[at + 2..];
                rest.find('}').map(|end| &rest[..end])
            })
            .collect()
    }

    #[test]
    fn the_scanner_finds_literals_with_escapes() {
        let source = r#"include_str!("x") + tr!(ctx, "Say \"hi\"") + n_!("Plain") + tr!(@lang l, "%{n} more", n = 1)"#;
        assert_eq!(
            marked_texts(source),
            vec!["Say \"hi\"", "%{n} more", "Plain"]
        );
    }

    #[test]
    fn every_key_lives_in_one_catalogue_file() {
        // rust-i18n merges the files silently (the last one read wins), so a key written in two
        // files would make one of its translations dead.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut twice = Vec::new();
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("the locales directory")
            .map(|e| e.expect("a directory entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yml"))
            .collect();
        files.sort();
        for path in files {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).expect("a catalogue file");
            // Keys start a line with a quote; translations are indented.
            for line in text.lines().filter(|l| l.starts_with('"')) {
                let key = line.trim_end().trim_end_matches(':').to_owned();
                if let Some(first) = seen.insert(key.clone(), name.clone()) {
                    twice.push(format!("{key} ({first}, {name})"));
                }
            }
        }
        assert!(seen.len() > 1, "the scan found the keys");
        assert!(
            twice.is_empty(),
            "keys in more than one place:\n{}",
            twice.join("\n")
        );
    }

    #[test]
    fn every_marked_text_is_translated_and_every_entry_used() {
        let mut files = Vec::new();
        sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let mut used: BTreeMap<String, String> = BTreeMap::new();
        for (path, text) in &files {
            for key in marked_texts(text) {
                used.entry(key).or_insert_with(|| path.clone());
            }
        }
        // The module's own examples.
        used.insert("Dashboard".into(), "i18n.rs".into());
        used.insert("%{count} tickets".into(), "i18n.rs".into());
        assert!(used.len() > 1, "the scan found the marked texts");
        for language in Language::ALL {
            if language == Language::English {
                continue;
            }
            let catalogue: BTreeMap<String, String> = catalogue(language).into_iter().collect();
            let missing: Vec<String> = used
                .iter()
                .filter(|(k, _)| !catalogue.contains_key(*k))
                .map(|(k, path)| format!("{k:?} ({path})"))
                .collect();
            assert!(
                missing.is_empty(),
                "{} texts have no {} translation:\n{}",
                missing.len(),
                language.code(),
                missing.join("\n")
            );
            let unused: Vec<&String> = catalogue
                .keys()
                .filter(|k| !used.contains_key(*k))
                .collect();
            assert!(
                unused.is_empty(),
                "{} catalogue entries of {} are used nowhere: {unused:?}",
                unused.len(),
                language.code()
            );
            for (key, text) in &catalogue {
                assert_eq!(
                    placeholders(key),
                    placeholders(text),
                    "the {} text of {key:?} has other placeholders: {text:?}",
                    language.code()
                );
                assert!(
                    !text.trim().is_empty(),
                    "{key:?} has an empty {} text",
                    language.code()
                );
            }
        }
    }
}
