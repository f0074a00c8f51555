//! Text analysis like Lucene's `StandardAnalyzer` with no stop words:
//! Unicode word boundaries (UAX #29), keep the word-like segments, lowercase.

use unicode_segmentation::UnicodeSegmentation;

/// Tokens longer than this many characters are split, as Lucene does.
pub const MAX_TOKEN_CHARS: usize = 255;

/// Separates the values of a multi-valued field inside one string handed to
/// the index (a Unicode noncharacter; occurrences in documents become spaces).
pub const VALUE_SEPARATOR: char = '\u{FDD0}';

/// Splits `text` into lowercased tokens.
///
/// ```
/// use otrs_query::analysis::tokenize;
/// assert_eq!(tokenize("Wi-Fi at lacey@example.org, v4.10"), ["wi", "fi", "at", "lacey", "example.org", "v4.10"]);
/// assert_eq!(tokenize("日本語"), ["日", "本", "語"]);
/// ```
pub fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    tokenize_into(text, &mut |t| out.push(t));
    out
}

/// Like [`tokenize`], calling `sink` for each token.
pub fn tokenize_into(text: &str, sink: &mut dyn FnMut(String)) {
    for (start, end) in word_spans(text) {
        emit(&text[start..end], &mut |t| sink(t.to_string()));
    }
}

/// Lowercases a word and splits it into pieces of at most [`MAX_TOKEN_CHARS`].
fn emit(word: &str, sink: &mut dyn FnMut(&str)) {
    let mut lower = String::with_capacity(word.len());
    lower_into(word, &mut lower);
    if lower.len() <= MAX_TOKEN_CHARS || lower.chars().count() <= MAX_TOKEN_CHARS {
        sink(&lower);
    } else {
        let chars: Vec<char> = lower.chars().collect();
        for chunk in chars.chunks(MAX_TOKEN_CHARS) {
            sink(&chunk.iter().collect::<String>());
        }
    }
}

/// Appends `word` lowercased (per code point, simple mapping) to `out`.
pub fn lower_into(word: &str, out: &mut String) {
    if word.is_ascii() {
        out.extend(word.bytes().map(|b| b.to_ascii_lowercase() as char));
    } else {
        out.extend(word.chars().map(lower_char));
    }
}

/// Tokens of the values of one field with Lucene's positions: consecutive
/// within a value, `gap` extra positions between values.  `sink` gets the
/// token, its byte range in `text` and its position.  `values` are the
/// parts of `text` separated by [`VALUE_SEPARATOR`].
pub fn positioned_tokens(text: &str, gap: u32, sink: &mut dyn FnMut(&str, usize, usize, u32)) {
    let mut position: i64 = -1;
    let mut offset = 0;
    for (i, value) in text.split(VALUE_SEPARATOR).enumerate() {
        if i > 0 {
            position += i64::from(gap);
        }
        for (start, end) in word_spans(value) {
            emit(&value[start..end], &mut |t| {
                position += 1;
                sink(t, offset + start, offset + end, position.max(0) as u32);
            });
        }
        offset += value.len() + VALUE_SEPARATOR.len_utf8();
    }
}

/// Joins the values of a field for the index, separated by [`VALUE_SEPARATOR`].
pub fn join_values<'a>(values: impl IntoIterator<Item = &'a String>) -> String {
    let mut out = String::new();
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            out.push(VALUE_SEPARATOR);
        }
        if v.contains(VALUE_SEPARATOR) {
            out.push_str(&v.replace(VALUE_SEPARATOR, " "));
        } else {
            out.push_str(v);
        }
    }
    out
}

/// Byte spans of the words of `text` (before lowercasing).
pub fn word_spans(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let ascii = text.is_ascii();
    let mut unicode = (!ascii).then(|| text.split_word_bound_indices().peekable());
    let mut pos = 0usize;
    std::iter::from_fn(move || match &mut unicode {
        None => ascii_word(text.as_bytes(), &mut pos),
        Some(segments) => loop {
            let (start, segment) = segments.next()?;
            if !is_word(segment) {
                continue;
            }
            // Lucene keeps a run of South-East Asian letters (Thai, Lao, Khmer,
            // Myanmar), which UAX #29 splits per character, as one token.
            let mut end = start + segment.len();
            if segment.chars().all(is_complex_context) {
                while let Some(&(next_start, next)) = segments.peek() {
                    if next_start == end && next.chars().all(is_complex_context) {
                        end += next.len();
                        segments.next();
                    } else {
                        break;
                    }
                }
            }
            return Some((start, end));
        },
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Wb {
    Letter,
    Digit,
    Underscore,
    /// `:`
    MidLetter,
    /// `.` `'`
    MidNumLet,
    /// `,` `;`
    MidNum,
    Other,
}

fn wb(b: u8) -> Wb {
    match b {
        b'a'..=b'z' | b'A'..=b'Z' => Wb::Letter,
        b'0'..=b'9' => Wb::Digit,
        b'_' => Wb::Underscore,
        b':' => Wb::MidLetter,
        b'.' | b'\'' => Wb::MidNumLet,
        b',' | b';' => Wb::MidNum,
        _ => Wb::Other,
    }
}

/// UAX #29 word segmentation restricted to ASCII (rules WB5–WB13b), keeping
/// the segments with a letter or digit.
fn ascii_word(b: &[u8], pos: &mut usize) -> Option<(usize, usize)> {
    loop {
        while *pos < b.len() && !matches!(wb(b[*pos]), Wb::Letter | Wb::Digit | Wb::Underscore) {
            *pos += 1;
        }
        if *pos >= b.len() {
            return None;
        }
        let start = *pos;
        let mut last = wb(b[start]);
        let mut alnum = last != Wb::Underscore;
        let mut j = start + 1;
        while j < b.len() {
            let c = wb(b[j]);
            let next = b.get(j + 1).map(|&n| wb(n));
            match c {
                Wb::Letter | Wb::Digit | Wb::Underscore => {
                    alnum |= c != Wb::Underscore;
                    last = c;
                    j += 1;
                }
                Wb::MidLetter | Wb::MidNumLet if last == Wb::Letter && next == Some(Wb::Letter) => {
                    j += 2
                }
                Wb::MidNum | Wb::MidNumLet if last == Wb::Digit && next == Some(Wb::Digit) => {
                    j += 2
                }
                _ => break,
            }
        }
        *pos = j;
        if alnum {
            return Some((start, j));
        }
    }
}

/// Lowercases per code point with the simple (one-to-one) mapping, as Java's
/// `Character.toLowerCase(int)` does: no accent folding, no special casing.
pub fn lowercase(text: &str) -> String {
    text.chars().map(lower_char).collect()
}

fn lower_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        // Only U+0130 (İ) lowercases to two characters; its simple mapping is `i`.
        _ if c == '\u{130}' => 'i',
        _ => c,
    }
}

/// Whether a word-boundary segment is a token: Lucene's tokenizer emits
/// segments with letters, digits, ideographs, kana or emoji and drops
/// punctuation, symbols and whitespace.
fn is_word(segment: &str) -> bool {
    segment.chars().any(|c| {
        if c.is_ascii() {
            return c.is_ascii_alphanumeric();
        }
        (c.is_alphabetic() || (c.is_numeric() && !is_other_number(c))) || is_emoji(c)
    })
}

/// Numbers that are neither decimal digits nor letters (fractions,
/// superscripts, circled digits): UAX #29 does not treat them as word characters.
fn is_other_number(c: char) -> bool {
    matches!(c,
        '\u{B2}' | '\u{B3}' | '\u{B9}' | '\u{BC}'..='\u{BE}'
        | '\u{9F4}'..='\u{9F9}'
        | '\u{2070}'..='\u{2079}' | '\u{2080}'..='\u{2089}'
        | '\u{2150}'..='\u{215F}' | '\u{2189}'
        | '\u{2460}'..='\u{24FF}' | '\u{2776}'..='\u{2793}'
        | '\u{3192}'..='\u{3195}' | '\u{3220}'..='\u{3229}' | '\u{3248}'..='\u{324F}'
        | '\u{3251}'..='\u{325F}' | '\u{3280}'..='\u{3289}' | '\u{32B1}'..='\u{32BF}'
        | '\u{1F100}'..='\u{1F10C}')
}

/// Letters of scripts written without spaces (Unicode line-break class SA).
fn is_complex_context(c: char) -> bool {
    matches!(c, '\u{0E00}'..='\u{0EFF}' | '\u{1000}'..='\u{109F}' | '\u{1780}'..='\u{17FF}'
        | '\u{1950}'..='\u{19DF}' | '\u{1A20}'..='\u{1AAF}' | '\u{A9E0}'..='\u{A9FF}'
        | '\u{AA60}'..='\u{AADF}')
}

/// Pictographic emoji, which Lucene 8's tokenizer keeps as tokens.
fn is_emoji(c: char) -> bool {
    matches!(c, '\u{1F300}'..='\u{1F5FF}' | '\u{1F600}'..='\u{1F64F}' | '\u{1F680}'..='\u{1F6FF}'
        | '\u{1F900}'..='\u{1F9FF}' | '\u{1FA70}'..='\u{1FAFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readme_token_table() {
        let cases: &[(&str, &[&str])] = &[
            ("Wi-Fi", &["wi", "fi"]),
            ("E-42", &["e", "42"]),
            ("USB-C", &["usb", "c"]),
            ("HP-4050", &["hp", "4050"]),
            ("lacey@example.org", &["lacey", "example.org"]),
            ("john.smith@example.com", &["john.smith", "example.com"]),
            (
                "x86_64 0x8007 pa55word 2fa IPv6",
                &["x86_64", "0x8007", "pa55word", "2fa", "ipv6"],
            ),
            ("4.10 13.20 1,250.00", &["4.10", "13.20", "1,250.00"]),
            ("Ticket#2020032510000409", &["ticket", "2020032510000409"]),
            (
                "Straße café Müller Łódź",
                &["straße", "café", "müller", "łódź"],
            ),
            ("日本語", &["日", "本", "語"]),
            ("(1+1)=2", &["1", "1", "2"]),
            ("MÃ¼ller", &["mã", "ller"]),
            ("= & %$#", &[]),
            ("ภาษาไทย ok", &["ภาษาไทย", "ok"]),
        ];
        for (text, tokens) in cases {
            assert_eq!(tokenize(text), *tokens, "{text}");
        }
    }

    #[test]
    fn ascii_fast_path_matches_uax29() {
        let alphabet: Vec<char> = "aZ09_:.',;-@ #x".chars().collect();
        // Every string of length <= 4 over the alphabet, plus a few longer ones.
        let mut cases: Vec<String> = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for c in &cases {
                for a in &alphabet {
                    next.push(format!("{c}{a}"));
                }
            }
            cases.extend(next);
            cases.sort();
            cases.dedup();
        }
        cases.extend(
            [
                "john.smith@example.com",
                "1,250.00",
                "x86_64",
                "a.b.c",
                "don't",
                "a:b",
                "3:30",
                "_a_",
            ]
            .map(String::from),
        );
        for text in cases {
            let fast: Vec<(usize, usize)> = word_spans(&text).collect();
            let slow: Vec<(usize, usize)> = text
                .split_word_bound_indices()
                .filter(|(_, s)| is_word(s))
                .map(|(i, s)| (i, i + s.len()))
                .collect();
            assert_eq!(fast, slow, "{text:?}");
        }
    }

    #[test]
    fn positions_with_gap() {
        let mut got = Vec::new();
        let text = format!("a b{VALUE_SEPARATOR}{VALUE_SEPARATOR}c");
        positioned_tokens(&text, 100, &mut |t, _, _, p| got.push((t.to_string(), p)));
        assert_eq!(
            got,
            [
                ("a".to_string(), 0),
                ("b".to_string(), 1),
                ("c".to_string(), 202)
            ]
        );
    }

    #[test]
    fn simple_lowercase() {
        assert_eq!(lowercase("İSTANBUL ΣΑΣ"), "istanbul σασ");
    }
}
