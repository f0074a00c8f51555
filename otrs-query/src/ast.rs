//! The typed syntax tree of a query and its printer.
//!
//! The tree is syntactic: it keeps the clause list exactly as written
//! (conjunctions, modifiers, field qualifiers, boosts), with escapes already
//! resolved.  Analysis and the Lucene clause rules are applied later by
//! [`crate::compile`].  `Display` prints a query that parses back to the same
//! tree: `parse(&ast.to_string()) == Ok(ast)`.

use std::fmt::{self, Write};

/// A clause list: the whole query or the inside of a group.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The clauses, left to right.  Never empty.
    pub clauses: Vec<Clause>,
}

/// One clause with the operator that introduced it.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    /// `AND`/`&&`, `OR`/`||` or nothing before the clause (always `None` for the first clause).
    pub conjunction: Conjunction,
    /// `+`, or `-`/`!`/`NOT`, or nothing.
    pub modifier: Modifier,
    /// `field:` qualifier; `Some("*")` for `*:`.
    pub field: Option<String>,
    /// What the clause matches.
    pub expr: Expr,
}

/// The operator written before a clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conjunction {
    /// None written (the default operator, OR).
    None,
    /// `AND` or `&&`.
    And,
    /// `OR` or `||`.
    Or,
}

/// The prefix modifier of a clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modifier {
    /// No modifier.
    None,
    /// `+`.
    Required,
    /// `-`, `!` or `NOT`.
    Prohibited,
}

/// The fuzziness written after `~` on a term.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fuzziness {
    /// `~` alone or followed by something that is not a number: two edits.
    Default,
    /// `~N`: an edit count (≥ 1, integral) or a legacy similarity (< 1).  Never NaN.
    Value(f32),
}

/// One piece of a wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WildcardPart {
    /// Literal characters (escapes resolved).
    Literal(String),
    /// `?`: exactly one character.
    AnyChar,
    /// `*`: any sequence of characters.
    AnyString,
}

/// One end of a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bound {
    /// `*`: open.
    Open,
    /// A value (quotes and escapes removed).  Never empty.
    Value(String),
}

/// What one clause matches.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A bare word, analysed by the field's analyzer; optionally fuzzy.
    Term {
        /// The word, escapes resolved.  Never empty.
        text: String,
        /// `~…` after the word.
        fuzzy: Option<Fuzziness>,
        /// `^N`.
        boost: Option<f32>,
    },
    /// A wildcard or prefix pattern (at least one `*` or `?`).
    Wildcard {
        /// The pattern.
        parts: Vec<WildcardPart>,
        /// `^N`.
        boost: Option<f32>,
    },
    /// `/regex/`: the raw text between the slashes.
    Regex {
        /// The regular expression as written (`\/` kept).
        pattern: String,
        /// `^N`.
        boost: Option<f32>,
    },
    /// `"…"`, optionally sloppy.
    Phrase {
        /// The text between the quotes, escapes resolved.
        text: String,
        /// `~N` (0 when absent).
        slop: i32,
        /// `^N`.
        boost: Option<f32>,
    },
    /// `[a TO b]`, `{a TO b}` or a mix.
    Range {
        /// Lower end.
        lower: Bound,
        /// Upper end.
        upper: Bound,
        /// `[` rather than `{`.
        lower_inclusive: bool,
        /// `]` rather than `}`.
        upper_inclusive: bool,
        /// `^N`.
        boost: Option<f32>,
    },
    /// `( … )`.
    Group {
        /// The clauses inside.
        query: Box<Query>,
        /// `^N`.
        boost: Option<f32>,
    },
}

impl Expr {
    /// The boost written on this expression, if any.
    pub fn boost(&self) -> Option<f32> {
        match self {
            Expr::Term { boost, .. }
            | Expr::Wildcard { boost, .. }
            | Expr::Regex { boost, .. }
            | Expr::Phrase { boost, .. }
            | Expr::Range { boost, .. }
            | Expr::Group { boost, .. } => *boost,
        }
    }
}

/// Characters that must be escaped anywhere in a bare word.
pub(crate) fn is_reserved(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\n'
            | '\r'
            | '\u{3000}'
            | '+'
            | '-'
            | '!'
            | '('
            | ')'
            | ':'
            | '^'
            | '['
            | ']'
            | '"'
            | '{'
            | '}'
            | '~'
            | '*'
            | '?'
            | '\\'
            | '/'
    )
}

/// Writes `text` as a bare word that the lexer reads back as the same text.
fn write_word(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    let keyword = matches!(text, "AND" | "OR" | "NOT" | "&&" | "||");
    for (i, c) in text.chars().enumerate() {
        if is_reserved(c) || (i == 0 && keyword) {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    Ok(())
}

fn write_quoted(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in text.chars() {
        if c == '"' || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('"')
}

/// Writes a float so that Java's and Rust's parsers read back the same value.
fn write_number(f: &mut fmt::Formatter<'_>, v: f32) -> fmt::Result {
    if v.is_infinite() {
        // Forty nines overflow a float: the parser reads them back as infinity.
        f.write_str(&"9".repeat(40))
    } else {
        write!(f, "{v}")
    }
}

fn write_boost(f: &mut fmt::Formatter<'_>, boost: Option<f32>) -> fmt::Result {
    if let Some(b) = boost {
        f.write_char('^')?;
        write_number(f, b)?;
    }
    Ok(())
}

fn write_bound(f: &mut fmt::Formatter<'_>, bound: &Bound) -> fmt::Result {
    match bound {
        Bound::Open => f.write_char('*'),
        Bound::Value(v) => {
            // A quoted range end knows no `\\` escape (only `\"`), so a
            // backslash is written as the Unicode escape `\u005C`.
            f.write_char('"')?;
            for c in v.chars() {
                match c {
                    '"' => f.write_str("\\\"")?,
                    '\\' => f.write_str("\\u005C")?,
                    c => f.write_char(c)?,
                }
            }
            f.write_char('"')
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Term { text, fuzzy, boost } => {
                write_word(f, text)?;
                match fuzzy {
                    None => {}
                    Some(Fuzziness::Default) => f.write_char('~')?,
                    Some(Fuzziness::Value(v)) => {
                        f.write_char('~')?;
                        write_number(f, *v)?;
                    }
                }
                write_boost(f, *boost)
            }
            Expr::Wildcard { parts, boost } => {
                for part in parts {
                    match part {
                        WildcardPart::AnyChar => f.write_char('?')?,
                        WildcardPart::AnyString => f.write_char('*')?,
                        WildcardPart::Literal(s) => {
                            for c in s.chars() {
                                if is_reserved(c) {
                                    f.write_char('\\')?;
                                }
                                f.write_char(c)?;
                            }
                        }
                    }
                }
                write_boost(f, *boost)
            }
            Expr::Regex { pattern, boost } => {
                write!(f, "/{pattern}/")?;
                write_boost(f, *boost)
            }
            Expr::Phrase { text, slop, boost } => {
                write_quoted(f, text)?;
                if *slop != 0 {
                    write!(f, "~{slop}")?;
                }
                write_boost(f, *boost)
            }
            Expr::Range {
                lower,
                upper,
                lower_inclusive,
                upper_inclusive,
                boost,
            } => {
                f.write_char(if *lower_inclusive { '[' } else { '{' })?;
                write_bound(f, lower)?;
                f.write_str(" TO ")?;
                write_bound(f, upper)?;
                f.write_char(if *upper_inclusive { ']' } else { '}' })?;
                write_boost(f, *boost)
            }
            Expr::Group { query, boost } => {
                write!(f, "({query})")?;
                write_boost(f, *boost)
            }
        }
    }
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.conjunction {
            Conjunction::None => {}
            Conjunction::And => f.write_str("AND ")?,
            Conjunction::Or => f.write_str("OR ")?,
        }
        match self.modifier {
            Modifier::None => {}
            Modifier::Required => f.write_char('+')?,
            Modifier::Prohibited => f.write_char('-')?,
        }
        if let Some(field) = &self.field {
            if field == "*" {
                f.write_char('*')?;
            } else {
                write_word(f, field)?;
            }
            f.write_char(':')?;
        }
        write!(f, "{}", self.expr)
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, clause) in self.clauses.iter().enumerate() {
            if i > 0 {
                f.write_char(' ')?;
            }
            write!(f, "{clause}")?;
        }
        Ok(())
    }
}
