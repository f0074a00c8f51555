//! Text analysis like Lucene's `StandardAnalyzer` with no stop words:
//! Unicode word boundaries (UAX #29), keep the word-like segments, lowercase.

use unicode_segmentation::UnicodeSegmentation;

/// Tokens longer than this many characters are split, as Lucene does.
pub const MAX_TOKEN_CHARS: usize = 255;

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
    let mut segments = text.split_word_bound_indices().peekable();
    while let Some((start, segment)) = segments.next() {
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
        let lower = lowercase(&text[start..end]);
        if lower.chars().count() <= MAX_TOKEN_CHARS {
            sink(lower);
        } else {
            let chars: Vec<char> = lower.chars().collect();
            for chunk in chars.chunks(MAX_TOKEN_CHARS) {
                sink(chunk.iter().collect());
            }
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
    fn simple_lowercase() {
        assert_eq!(lowercase("İSTANBUL ΣΑΣ"), "istanbul σασ");
    }
}
