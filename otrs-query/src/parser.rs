//! From text to [`ast::Query`](crate::ast::Query): the pest grammar plus the
//! escape, number and fuzziness rules of Lucene's classic QueryParser.

use pest::Parser as _;
use pest::iterators::Pair;

use crate::ast::{Bound, Clause, Conjunction, Expr, Fuzziness, Modifier, Query, WildcardPart};
use crate::error::{ErrorClass, QueryError};

/// Groups nested deeper than this are rejected (protects the recursive parser).
pub const MAX_DEPTH: usize = 128;

/// Queries longer than this many bytes are rejected.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;

mod grammar {
    #![allow(missing_docs)]
    #[derive(pest_derive::Parser)]
    #[grammar = "grammar.pest"]
    pub(super) struct Grammar;
}
use grammar::{Grammar, Rule};

/// Parses a query string into its syntax tree.
///
/// ```
/// let ast = otrs_query::parse("title:printer AND NOT toner^2").unwrap();
/// assert_eq!(ast.clauses.len(), 2);
/// assert_eq!(ast.to_string(), "title:printer AND -toner^2");
/// ```
pub fn parse(input: &str) -> Result<Query, QueryError> {
    if input.len() > MAX_QUERY_BYTES {
        return Err(QueryError::new(
            ErrorClass::Unsupported,
            input,
            MAX_QUERY_BYTES,
            format!("query longer than {MAX_QUERY_BYTES} bytes"),
        ));
    }
    // Nesting can only be as deep as the number of `(`; count precisely only
    // when that bound is above the limit.
    if input.bytes().filter(|&b| b == b'(').count() > MAX_DEPTH {
        check_tokens(input)?;
    }
    let mut pairs = match Grammar::parse(Rule::query, input) {
        Ok(pairs) => pairs,
        Err(e) => {
            // Tell a lexical error (the tokenizer fails) from a syntax error.
            check_tokens(input)?;
            return Err(syntax_error(input, &e));
        }
    };
    let query = pairs.next().ok_or_else(|| internal(input))?;
    let list = query.into_inner().next().ok_or_else(|| internal(input))?;
    Builder { input }.clause_list(list)
}

/// Parses leniently for user-interface hints: returns the best tree it can
/// (after repairing the input: escaping the offending character, closing
/// groups, dropping a dangling operator) and every error met on the way.
/// The strict [`parse`] is what searches use.
///
/// ```
/// let (ast, errors) = otrs_query::parser::parse_lenient("title:(printer \"offline");
/// assert_eq!(errors[0].message, "unclosed quote starting at column 16");
/// assert!(ast.is_some());
/// ```
pub fn parse_lenient(input: &str) -> (Option<Query>, Vec<QueryError>) {
    let mut errors: Vec<QueryError> = Vec::new();
    let mut text = input.to_string();
    // Byte offsets in `text` where a backslash was inserted.
    let mut inserted: Vec<usize> = Vec::new();
    for _ in 0..16 {
        match parse(&text) {
            Ok(q) => return (Some(q), errors),
            Err(e) => {
                let shift = inserted.iter().filter(|&&i| i < e.offset).count();
                let original = e.offset.saturating_sub(shift).min(input.len());
                errors.push(QueryError {
                    offset: original,
                    column: QueryError::column_of(input, original),
                    ..e.clone()
                });
                if !repair(&mut text, e.offset, &mut inserted) {
                    break;
                }
            }
        }
    }
    (None, errors)
}

/// One repair step at `offset`; false when nothing more can be done.
fn repair(text: &mut String, offset: usize, inserted: &mut Vec<usize>) -> bool {
    if offset < text.len() && text.is_char_boundary(offset) {
        text.insert(offset, '\\');
        inserted.push(offset);
        return true;
    }
    let opens = text.matches('(').count();
    let closes = text.matches(')').count();
    if opens > closes {
        text.push(')');
        return true;
    }
    // Drop a dangling operator, modifier or `field:` at the end.
    let trimmed = text.trim_end_matches([' ', '\t', '\n', '\r', '\u{3000}']);
    let cut = trimmed
        .char_indices()
        .rev()
        .find(|(_, c)| matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{3000}' | '('))
        .map_or(0, |(i, c)| i + c.len_utf8());
    if cut == 0 {
        // A single damaged word: drop its last character.
        text.truncate(trimmed.len());
        text.pop();
        return !text.trim().is_empty();
    }
    text.truncate(cut);
    !text.trim().is_empty()
}

fn internal(input: &str) -> QueryError {
    QueryError::new(ErrorClass::Syntax, input, 0, "the query could not be read")
}

/// Runs the tokenizer alone: a failure is a lexical error; also bounds nesting.
fn check_tokens(input: &str) -> Result<(), QueryError> {
    match Grammar::parse(Rule::lex, input) {
        Err(e) => {
            let offset = match e.location {
                pest::error::InputLocation::Pos(p) => p,
                pest::error::InputLocation::Span((p, _)) => p,
            };
            Err(lexical_error(input, offset))
        }
        Ok(mut pairs) => {
            let mut depth = 0usize;
            let tokens = pairs.next().map(|p| p.into_inner());
            for token in tokens.into_iter().flatten() {
                match token.as_rule() {
                    Rule::open_paren => {
                        depth += 1;
                        if depth > MAX_DEPTH {
                            return Err(QueryError::new(
                                ErrorClass::Unsupported,
                                input,
                                token.as_span().start(),
                                format!("groups nested deeper than {MAX_DEPTH} levels"),
                            ));
                        }
                    }
                    Rule::close_paren => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
            Ok(())
        }
    }
}

/// Finds the token that could not be read at or before `offset` and says why.
fn lexical_error(input: &str, offset: usize) -> QueryError {
    // The lexer fails at the start of the token it cannot finish; find it.
    let rest = &input[offset..];
    let col = QueryError::column_of(input, offset);
    let message = match rest.chars().next() {
        Some('"') => format!("unclosed quote starting at column {col}"),
        Some('/') => format!("unclosed regular expression starting at column {col}"),
        Some('\\') => format!("backslash at column {col} escapes nothing"),
        Some('^') => format!("expected a number right after '^' at column {col}"),
        Some(c @ (']' | '}')) => format!("unexpected '{c}' at column {col}: no range is open"),
        Some('[' | '{') => format!("range starting at column {col} cannot be read"),
        Some(c) => format!("unexpected character '{c}' at column {col}"),
        None => format!("unexpected end of query at column {col}"),
    };
    QueryError::new(ErrorClass::Lexical, input, offset, message)
}

fn syntax_error(input: &str, e: &pest::error::Error<Rule>) -> QueryError {
    let offset = match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((p, _)) => p,
    };
    let col = QueryError::column_of(input, offset);
    let message = if input
        .trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{3000}'))
        .is_empty()
    {
        "the query is empty".to_string()
    } else if offset >= input.len() {
        format!(
            "the query ends too early (column {col}): an operator, modifier, field or bracket needs something after it"
        )
    } else {
        let token: String = input[offset..].chars().take(12).collect();
        format!("unexpected '{token}' at column {col}")
    };
    QueryError::new(ErrorClass::Syntax, input, offset, message)
}

struct Builder<'a> {
    input: &'a str,
}

impl Builder<'_> {
    fn err(&self, class: ErrorClass, offset: usize, message: impl Into<String>) -> QueryError {
        QueryError::new(class, self.input, offset, message)
    }

    fn clause_list(&self, pair: Pair<'_, Rule>) -> Result<Query, QueryError> {
        let mut clauses = Vec::new();
        for item in pair.into_inner() {
            let mut conjunction = Conjunction::None;
            let mut modifier = Modifier::None;
            let mut clause = None;
            for part in item.into_inner() {
                match part.as_rule() {
                    Rule::conjunction => {
                        let op = part.as_str();
                        conjunction = if op.starts_with('A') || op.starts_with('&') {
                            Conjunction::And
                        } else {
                            Conjunction::Or
                        };
                    }
                    Rule::modifier => {
                        modifier = if part.as_str() == "+" {
                            Modifier::Required
                        } else {
                            Modifier::Prohibited
                        };
                    }
                    Rule::clause => clause = Some(self.clause(part)?),
                    _ => {}
                }
            }
            let (field, expr) = clause.ok_or_else(|| internal(self.input))?;
            clauses.push(Clause {
                conjunction,
                modifier,
                field,
                expr,
            });
        }
        Ok(Query { clauses })
    }

    fn clause(&self, pair: Pair<'_, Rule>) -> Result<(Option<String>, Expr), QueryError> {
        let mut field = None;
        let mut expr = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::field => {
                    let start = part.as_span().start();
                    let word = part.as_str();
                    if word == "*" {
                        field = Some("*".to_string());
                    } else if has_wildcard(word) {
                        return Err(self.err(
                            ErrorClass::Syntax,
                            start,
                            format!(
                                "field name '{word}' at column {} contains a wildcard",
                                QueryError::column_of(self.input, start)
                            ),
                        ));
                    } else {
                        field = Some(self.unescape(word, start)?);
                    }
                }
                Rule::group => expr = Some(self.group(part)?),
                Rule::atom => expr = Some(self.atom(part)?),
                _ => {}
            }
        }
        Ok((field, expr.ok_or_else(|| internal(self.input))?))
    }

    fn group(&self, pair: Pair<'_, Rule>) -> Result<Expr, QueryError> {
        let mut query = None;
        let mut boost = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::clause_list => query = Some(self.clause_list(part)?),
                Rule::boost => boost = Some(parse_boost(part.as_str())),
                _ => {}
            }
        }
        let query = query.ok_or_else(|| internal(self.input))?;
        Ok(Expr::Group {
            query: Box::new(query),
            boost,
        })
    }

    fn atom(&self, pair: Pair<'_, Rule>) -> Result<Expr, QueryError> {
        let mut head = None;
        let mut boost = None;
        let mut fuzzy: Option<(&str, usize)> = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::boost => boost = Some(parse_boost(part.as_str())),
                Rule::suffix => {
                    for s in part.into_inner() {
                        match s.as_rule() {
                            Rule::boost => boost = Some(parse_boost(s.as_str())),
                            Rule::fuzzy => fuzzy = Some((s.as_str(), s.as_span().start())),
                            _ => {}
                        }
                    }
                }
                _ => head = Some(part),
            }
        }
        let head = head.ok_or_else(|| internal(self.input))?;
        let start = head.as_span().start();
        let text = head.as_str();
        match head.as_rule() {
            Rule::range => self.range(head, boost),
            Rule::quoted => {
                let inner = &text[1..text.len() - 1];
                let text = self.unescape(inner, start + 1)?;
                let slop = match fuzzy {
                    None => 0,
                    Some((f, _)) => java_parse_float(&f[1..]).map_or(0, |v| v as i32),
                };
                Ok(Expr::Phrase { text, slop, boost })
            }
            Rule::regex => {
                // Lucene resolves escapes of the whole token first, only to report bad ones.
                self.unescape(text, start)?;
                Ok(Expr::Regex {
                    pattern: text[1..text.len() - 1].to_string(),
                    boost,
                })
            }
            Rule::bare_op => Ok(Expr::Term {
                text: text[..1].to_string(),
                fuzzy: self.fuzziness(fuzzy)?,
                boost,
            }),
            _ => {
                // Every bare word has its escapes checked, whatever its kind.
                let unescaped = self.unescape(text, start)?;
                if text == "*" {
                    return Ok(Expr::Wildcard {
                        parts: vec![WildcardPart::AnyString],
                        boost,
                    });
                }
                match word_kind(text) {
                    WordKind::Term => Ok(Expr::Term {
                        text: unescaped,
                        fuzzy: self.fuzziness(fuzzy)?,
                        boost,
                    }),
                    WordKind::Prefix => {
                        let stem = self.unescape(&text[..text.len() - 1], start)?;
                        let mut parts = Vec::new();
                        if !stem.is_empty() {
                            parts.push(WildcardPart::Literal(stem));
                        }
                        parts.push(WildcardPart::AnyString);
                        Ok(Expr::Wildcard { parts, boost })
                    }
                    WordKind::Wildcard => Ok(Expr::Wildcard {
                        parts: wildcard_parts(text),
                        boost,
                    }),
                }
            }
        }
    }

    fn fuzziness(&self, fuzzy: Option<(&str, usize)>) -> Result<Option<Fuzziness>, QueryError> {
        let Some((text, offset)) = fuzzy else {
            return Ok(None);
        };
        let Some(v) = java_parse_float(&text[1..]) else {
            return Ok(Some(Fuzziness::Default));
        };
        let col = QueryError::column_of(self.input, offset);
        if v < 0.0 {
            return Err(self.err(
                ErrorClass::BadFuzzy,
                offset,
                format!("fuzziness '{text}' at column {col} is negative"),
            ));
        }
        if v >= 1.0 && v != (v as i32) as f32 {
            return Err(self.err(
                ErrorClass::BadFuzzy,
                offset,
                format!("fuzziness '{text}' at column {col}: edit distances must be whole numbers (use ~0, ~1 or ~2)"),
            ));
        }
        Ok(Some(Fuzziness::Value(if v.is_nan() { 0.0 } else { v })))
    }

    fn range(&self, pair: Pair<'_, Rule>, boost: Option<f32>) -> Result<Expr, QueryError> {
        let mut lower_inclusive = true;
        let mut upper_inclusive = true;
        let mut bounds = Vec::new();
        let mut seen_parts = 0;
        let inner: Vec<Pair<'_, Rule>> = pair.into_inner().collect();
        // Endpoints are the two `range_part`s; a `range_to` counts as one
        // only where an endpoint is expected (`[TO TO TO]`).
        let parts: Vec<&Pair<'_, Rule>> = inner
            .iter()
            .filter(|p| !matches!(p.as_rule(), Rule::range_open | Rule::range_close))
            .collect();
        let endpoint_indices: Vec<usize> = match parts.len() {
            2 => vec![0, 1],
            3 => vec![0, 2],
            _ => return Err(internal(self.input)),
        };
        for p in &inner {
            match p.as_rule() {
                Rule::range_open => lower_inclusive = p.as_str() == "[",
                Rule::range_close => upper_inclusive = p.as_str() == "]",
                _ => {}
            }
        }
        for (i, p) in parts.iter().enumerate() {
            if !endpoint_indices.contains(&i) {
                continue;
            }
            seen_parts += 1;
            let start = p.as_span().start();
            let text = p.as_str();
            let bound = match p.as_rule() {
                Rule::range_star => Bound::Open,
                Rule::range_quoted => {
                    Bound::Value(self.unescape(&text[1..text.len() - 1], start + 1)?)
                }
                _ => Bound::Value(self.unescape(text, start)?),
            };
            bounds.push(bound);
        }
        if seen_parts != 2 {
            return Err(internal(self.input));
        }
        let upper = bounds.pop().ok_or_else(|| internal(self.input))?;
        let lower = bounds.pop().ok_or_else(|| internal(self.input))?;
        Ok(Expr::Range {
            lower,
            upper,
            lower_inclusive,
            upper_inclusive,
            boost,
        })
    }

    /// Lucene's `discardEscapeChar`: `\c` is `c`, `\uXXXX` a UTF-16 unit.
    fn unescape(&self, text: &str, offset: usize) -> Result<String, QueryError> {
        unescape(text).map_err(|(at, msg)| {
            let pos = offset + at;
            let col = QueryError::column_of(self.input, pos);
            self.err(ErrorClass::BadEscape, pos, format!("{msg} at column {col}"))
        })
    }
}

/// Resolves backslash escapes like Lucene; on error returns the byte offset
/// (within `text`) of the offending escape and a message.
pub(crate) fn unescape(text: &str) -> Result<String, (usize, &'static str)> {
    let mut units: Vec<u16> = Vec::with_capacity(text.len());
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            let mut buf = [0u16; 2];
            units.extend_from_slice(c.encode_utf16(&mut buf));
            continue;
        }
        match chars.next() {
            None => return Err((i, "a term cannot end with a backslash")),
            Some((_, 'u')) => {
                let mut v: u32 = 0;
                for _ in 0..4 {
                    match chars.next() {
                        None => return Err((i, "truncated \\u escape")),
                        Some((_, h)) => match h.to_digit(16) {
                            Some(d) if h.is_ascii() => v = v * 16 + d,
                            _ => return Err((i, "non-hex character in \\u escape")),
                        },
                    }
                }
                units.push(v as u16);
            }
            Some((_, e)) => {
                let mut buf = [0u16; 2];
                units.extend_from_slice(e.encode_utf16(&mut buf));
            }
        }
    }
    Ok(char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect())
}

fn parse_boost(text: &str) -> f32 {
    // The grammar guarantees `^digits[.digits]`.
    text[1..].parse::<f32>().unwrap_or(1.0)
}

#[derive(Debug, PartialEq)]
enum WordKind {
    Term,
    Prefix,
    Wildcard,
}

/// Splits a word into the characters of a wildcard pattern: `(escaped?, char)`.
fn word_chars(word: &str) -> Vec<(bool, char)> {
    let mut out = Vec::new();
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(e) = chars.next() {
                out.push((true, e));
            }
        } else {
            out.push((false, c));
        }
    }
    out
}

fn has_wildcard(word: &str) -> bool {
    word_chars(word)
        .iter()
        .any(|(esc, c)| !esc && matches!(c, '*' | '?'))
}

/// TERM, PREFIXTERM (one trailing `*`, no other wildcard) or WILDTERM.
fn word_kind(word: &str) -> WordKind {
    let chars = word_chars(word);
    let wild: Vec<usize> = chars
        .iter()
        .enumerate()
        .filter(|(_, (esc, c))| !esc && matches!(c, '*' | '?'))
        .map(|(i, _)| i)
        .collect();
    match wild.as_slice() {
        [] => WordKind::Term,
        [i] if *i == chars.len() - 1 && chars[*i].1 == '*' && *i > 0 => WordKind::Prefix,
        _ => WordKind::Wildcard,
    }
}

/// The pattern of a WILDTERM: an escaped character is literal (a `\u` escape
/// is not decoded here, as in Lucene's wildcard handling).
fn wildcard_parts(word: &str) -> Vec<WildcardPart> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    for (esc, c) in word_chars(word) {
        if !esc && (c == '*' || c == '?') {
            if !lit.is_empty() {
                parts.push(WildcardPart::Literal(std::mem::take(&mut lit)));
            }
            parts.push(if c == '*' {
                WildcardPart::AnyString
            } else {
                WildcardPart::AnyChar
            });
        } else {
            lit.push(c);
        }
    }
    if !lit.is_empty() {
        parts.push(WildcardPart::Literal(lit));
    }
    parts
}

/// Java's `Float.parseFloat` for the forms that can appear after `~`:
/// optional sign, decimal digits with optional fraction and exponent, an
/// optional `f`/`d` suffix, `NaN` and `Infinity`.  `None` when Java would throw.
pub(crate) fn java_parse_float(s: &str) -> Option<f32> {
    let s = s.trim_matches(|c: char| c <= ' ');
    let (sign, body) = match s.as_bytes().first() {
        Some(b'+') => (1.0f32, &s[1..]),
        Some(b'-') => (-1.0f32, &s[1..]),
        _ => (1.0f32, s),
    };
    match body {
        "NaN" => return Some(f32::NAN),
        "Infinity" => return Some(sign * f32::INFINITY),
        _ => {}
    }
    let body = body.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(body);
    let bytes = body.as_bytes();
    let mut i = 0;
    let int_digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if exp_digits == 0 {
            return None;
        }
        i += exp_digits;
    }
    if i != bytes.len() {
        return None;
    }
    body.parse::<f32>().ok().map(|v| sign * v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(q: &str) -> Option<ErrorClass> {
        parse(q).err().map(|e| e.class)
    }

    #[test]
    fn words_are_classified_like_the_lucene_lexer() {
        assert_eq!(word_kind("quick"), WordKind::Term);
        assert_eq!(word_kind("qu*"), WordKind::Prefix);
        assert_eq!(word_kind("qu?ck"), WordKind::Wildcard);
        assert_eq!(word_kind("*ck"), WordKind::Wildcard);
        assert_eq!(word_kind("q\\*"), WordKind::Term);
        assert_eq!(word_kind("q**"), WordKind::Wildcard);
    }

    #[test]
    fn errors_have_classes_and_columns() {
        assert_eq!(class(""), Some(ErrorClass::Syntax));
        assert_eq!(class("   "), Some(ErrorClass::Syntax));
        assert_eq!(class("quick\""), Some(ErrorClass::Lexical));
        assert_eq!(class("and/or"), Some(ErrorClass::Lexical));
        assert_eq!(class("\\u00"), Some(ErrorClass::BadEscape));
        assert_eq!(class("quick~1.5"), Some(ErrorClass::BadFuzzy));
        assert_eq!(class("quick^"), Some(ErrorClass::Syntax));
        assert_eq!(class("quick^abc"), Some(ErrorClass::Lexical));
        assert_eq!(class("++quick"), Some(ErrorClass::Syntax));
        assert_eq!(class("NOT NOT news"), Some(ErrorClass::Syntax));
        assert_eq!(class("title:printer:offline"), Some(ErrorClass::Syntax));
        assert_eq!(class("[a TO b TO c]"), Some(ErrorClass::Syntax));
        let e = parse("title:(printer \"offline").unwrap_err();
        assert_eq!(e.message, "unclosed quote starting at column 16");
        assert_eq!(e.offset, 15);
    }

    #[test]
    fn accepted_oddities() {
        for q in [
            "quick - fox",
            "quick~x",
            "fox~",
            "quick^2.",
            "a&&b",
            "quick!fox",
            "title : printer",
            "[TO TO TO]",
            "[a b]",
            "*:*",
            "quick ^2",
            "- ! + ",
            "jon^2~1",
            "jon~1^2",
            "/a\\/",
            "\"a b\"~x",
        ] {
            assert!(parse(q).is_ok(), "{q} -> {:?}", parse(q));
        }
        for q in [
            "quick^ 2",
            "quick^2^3",
            "a AND",
            "AND a",
            "()",
            "(a",
            "a)",
            "]",
            "quick -",
            "\\",
            "[a TO]",
        ] {
            assert!(parse(q).is_err(), "{q} should fail");
        }
    }

    #[test]
    fn escapes() {
        assert_eq!(unescape("a\\u0041\\:b").unwrap(), "aA:b");
        assert_eq!(unescape("\\uD83D\\uDE00").unwrap(), "😀");
        assert!(unescape("a\\").is_err());
        assert!(unescape("\\uZZZZ").is_err());
    }

    #[test]
    fn java_floats() {
        assert_eq!(java_parse_float("2"), Some(2.0));
        assert_eq!(java_parse_float("0.8"), Some(0.8));
        assert_eq!(java_parse_float(".5"), Some(0.5));
        assert_eq!(java_parse_float("1."), Some(1.0));
        assert_eq!(java_parse_float("1f"), Some(1.0));
        assert_eq!(java_parse_float("x"), None);
        assert_eq!(java_parse_float("inf"), None);
        assert_eq!(java_parse_float(""), None);
        assert!(java_parse_float("NaN").is_some_and(f32::is_nan));
    }

    #[test]
    fn round_trip_examples() {
        for q in [
            "a AND b OR -c",
            "title:(\"quick brown\" fox)^2",
            "\\+vpn",
            "fo*",
            "*",
            "a?b*",
            "/jo.*/^2",
            "priority:[1 TO *}",
            "\"a\\\"b\"~3^0.5",
            "wi\\-fi",
            "jon~1^2",
            "\\AND",
        ] {
            let ast = parse(q).unwrap();
            let printed = ast.to_string();
            assert_eq!(parse(&printed).unwrap(), ast, "{q} printed as {printed}");
        }
    }
}
