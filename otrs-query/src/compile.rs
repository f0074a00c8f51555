//! From syntax tree to a logical query: analysis per field, the clause rules
//! of Lucene's classic parser, the pure-negative rule, field kinds.
//!
//! The logical query is what both evaluators execute.

use std::sync::Arc;

use crate::analysis::{lowercase, tokenize};
use crate::ast::{self, Bound, Conjunction, Expr, Fuzziness, Modifier, WildcardPart};
use crate::automaton::{CharDfa, Pattern};
use crate::error::{ErrorClass, QueryError};
use crate::schema::{FieldKind, Schema};

/// How a clause takes part in a boolean query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Occur {
    /// Must match; scores.
    Must,
    /// May match; scores.  Without `Must` clauses at least one must match.
    Should,
    /// Must not match.
    MustNot,
}

/// A term matcher built from a wildcard, prefix or regular expression.
#[derive(Debug, Clone)]
pub struct TermPattern {
    /// A key that identifies the pattern (used for equality).
    pub key: String,
    /// The automaton over the characters of a term.
    pub dfa: Arc<CharDfa>,
}

impl PartialEq for TermPattern {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

/// The logical query: what the evaluators execute.
#[derive(Debug, Clone, PartialEq)]
pub enum Logical {
    /// One term of a field (BM25).
    Term {
        /// Field name.
        field: String,
        /// The term.
        term: String,
    },
    /// Terms at consecutive positions, within `slop` (BM25 on the phrase frequency).
    Phrase {
        /// Field name.
        field: String,
        /// At least two terms.
        terms: Vec<String>,
        /// Allowed slop (0 = exact).
        slop: u32,
    },
    /// Terms within `max_edits` (Damerau, optimal string alignment) of `term` (blended BM25).
    Fuzzy {
        /// Field name.
        field: String,
        /// The (normalised) term.
        term: String,
        /// 0, 1 or 2.
        max_edits: u8,
    },
    /// Terms matching a wildcard, prefix or regex pattern (constant score).
    Pattern {
        /// Field name.
        field: String,
        /// The matcher.
        pattern: TermPattern,
    },
    /// Terms in a range, compared as UTF-8 bytes (constant score).
    TermRange {
        /// Field name.
        field: String,
        /// Lower end, `None` when open.
        lower: Option<String>,
        /// Upper end, `None` when open.
        upper: Option<String>,
        /// Whether the lower end is included.
        lower_inclusive: bool,
        /// Whether the upper end is included.
        upper_inclusive: bool,
    },
    /// Integer values in `lo..=hi` (constant score); empty when `lo > hi`.
    IntRange {
        /// Field name.
        field: String,
        /// Lowest value.
        lo: i64,
        /// Highest value.
        hi: i64,
    },
    /// Every document (constant score 1).
    MatchAll,
    /// A boolean combination.
    Bool {
        /// The clauses.
        clauses: Vec<(Occur, Logical)>,
        /// The pure-negative rule added a match-all filter (scores 0).
        match_all_filter: bool,
    },
    /// Multiplies the score of the inner query.
    Boost {
        /// The boosted query.
        query: Box<Logical>,
        /// The factor.
        boost: f32,
    },
}

/// A compiled query plus whether it carries a boost (then `top` is reported).
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    /// `None` when every clause analysed away: the query matches nothing.
    pub query: Option<Logical>,
    /// Whether some boost was attached to a clause that did not analyse away.
    pub boosted: bool,
}

/// Compiles a parsed query against a schema.
pub fn compile(query: &ast::Query, schema: &Schema) -> Result<Compiled, CompileError> {
    let mut c = Compiler {
        schema,
        boosted: false,
    };
    let q = c.query(query, &schema.default_field)?;
    Ok(Compiled {
        query: q,
        boosted: c.boosted,
    })
}

/// An error found while compiling; converted to a [`QueryError`] with the query text.
#[derive(Debug, Clone, PartialEq)]
pub struct CompileError {
    /// The class.
    pub class: ErrorClass,
    /// What went wrong.
    pub message: String,
}

impl CompileError {
    fn new(class: ErrorClass, message: impl Into<String>) -> Self {
        CompileError {
            class,
            message: message.into(),
        }
    }

    /// Attaches the query text (the position is not tracked past parsing: offset 0).
    pub fn into_query_error(self, input: &str) -> QueryError {
        QueryError::new(self.class, input, 0, self.message)
    }
}

struct Compiler<'a> {
    schema: &'a Schema,
    boosted: bool,
}

/// Lucene's `FuzzyQuery.floatToEdits`.
pub fn float_to_edits(similarity: f32, term_chars: usize) -> u8 {
    if similarity >= 1.0 {
        similarity.min(2.0) as u8
    } else if similarity == 0.0 {
        0
    } else {
        let edits = ((1.0f64 - f64::from(similarity)) * term_chars as f64) as i32;
        edits.clamp(0, 2) as u8
    }
}

/// Java's `Integer.parseInt` (ASCII digits).
fn java_parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: i64 = s.parse().ok()?;
    (i64::from(i32::MIN)..=i64::from(i32::MAX))
        .contains(&v)
        .then_some(v)
}

impl Compiler<'_> {
    fn kind(&self, field: &str) -> FieldKind {
        // Unknown fields analyse like text and match nothing.
        self.schema.kind(field).unwrap_or(FieldKind::Text)
    }

    fn normalize(&self, field: &str, text: &str) -> String {
        if self.kind(field) == FieldKind::Keyword {
            text.to_string()
        } else {
            lowercase(text)
        }
    }

    fn query(&mut self, query: &ast::Query, field: &str) -> Result<Option<Logical>, CompileError> {
        let mut clauses: Vec<(Occur, Logical)> = Vec::new();
        let mut first_query = None;
        for (i, clause) in query.clauses.iter().enumerate() {
            let field = clause.field.as_deref().unwrap_or(field);
            let q = self.expr(&clause.expr, field)?;
            if i == 0 && clause.modifier == Modifier::None {
                first_query = q.clone();
            }
            if clause.conjunction == Conjunction::And
                && let Some(last) = clauses.last_mut()
                && last.0 != Occur::MustNot
            {
                last.0 = Occur::Must;
            }
            let Some(q) = q else { continue };
            let occur = match clause.modifier {
                Modifier::Prohibited => Occur::MustNot,
                Modifier::Required => Occur::Must,
                Modifier::None if clause.conjunction == Conjunction::And => Occur::Must,
                Modifier::None => Occur::Should,
            };
            clauses.push((occur, q));
        }
        if clauses.len() == 1
            && let Some(first) = first_query
        {
            return Ok(Some(first));
        }
        if clauses.is_empty() {
            return Ok(None);
        }
        let match_all_filter = clauses.iter().all(|(o, _)| *o == Occur::MustNot);
        Ok(Some(Logical::Bool {
            clauses,
            match_all_filter,
        }))
    }

    fn boost(&mut self, q: Option<Logical>, boost: Option<f32>) -> Option<Logical> {
        match (q, boost) {
            (Some(q), Some(b)) => {
                self.boosted = true;
                Some(Logical::Boost {
                    query: Box::new(q),
                    boost: b,
                })
            }
            (q, _) => q,
        }
    }

    fn expr(&mut self, expr: &Expr, field: &str) -> Result<Option<Logical>, CompileError> {
        let kind = self.kind(field);
        let q = match expr {
            Expr::Group { query, .. } => self.query(query, field)?,
            Expr::Term {
                text, fuzzy: None, ..
            } => self.field_text(field, text, false, 0)?,
            Expr::Term {
                text,
                fuzzy: Some(f),
                ..
            } => {
                if kind == FieldKind::Integer {
                    return Err(numeric_field(field, "fuzzy"));
                }
                let term = self.normalize(field, text);
                let similarity = match f {
                    Fuzziness::Default => 2.0,
                    Fuzziness::Value(v) => *v,
                };
                let max_edits = float_to_edits(similarity, term.chars().count());
                Some(Logical::Fuzzy {
                    field: field.to_string(),
                    term,
                    max_edits,
                })
            }
            Expr::Wildcard { parts, .. } => {
                if field == "*" && parts == &[WildcardPart::AnyString] {
                    Some(Logical::MatchAll)
                } else {
                    if kind == FieldKind::Integer {
                        return Err(numeric_field(field, "wildcard"));
                    }
                    let parts: Vec<Pattern> = parts
                        .iter()
                        .map(|p| match p {
                            WildcardPart::Literal(s) => Pattern::Literal(self.normalize(field, s)),
                            WildcardPart::AnyChar => Pattern::AnyChar,
                            WildcardPart::AnyString => Pattern::AnyString,
                        })
                        .collect();
                    let key = format!("w:{parts:?}");
                    let dfa = CharDfa::from_pattern(&Pattern::Concat(parts))
                        .map_err(|m| CompileError::new(ErrorClass::InvalidRegexp, m))?;
                    Some(Logical::Pattern {
                        field: field.to_string(),
                        pattern: TermPattern {
                            key,
                            dfa: Arc::new(dfa),
                        },
                    })
                }
            }
            Expr::Regex { pattern, .. } => {
                if kind == FieldKind::Integer {
                    return Err(numeric_field(field, "regular expression"));
                }
                let normalized = self.normalize(field, pattern);
                let parsed = crate::regexp::parse(&normalized).map_err(|m| {
                    CompileError::new(ErrorClass::InvalidRegexp, format!("/{pattern}/: {m}"))
                })?;
                let dfa = CharDfa::from_pattern(&parsed).map_err(|m| {
                    CompileError::new(ErrorClass::InvalidRegexp, format!("/{pattern}/: {m}"))
                })?;
                Some(Logical::Pattern {
                    field: field.to_string(),
                    pattern: TermPattern {
                        key: format!("r:{normalized}"),
                        dfa: Arc::new(dfa),
                    },
                })
            }
            Expr::Phrase { text, slop, .. } => self.field_text(field, text, true, *slop)?,
            Expr::Range {
                lower,
                upper,
                lower_inclusive,
                upper_inclusive,
                ..
            } => self.range(field, lower, upper, *lower_inclusive, *upper_inclusive)?,
        };
        Ok(self.boost(q, expr.boost()))
    }

    /// A bare term (`quoted == false`) or a phrase.
    fn field_text(
        &mut self,
        field: &str,
        text: &str,
        quoted: bool,
        slop: i32,
    ) -> Result<Option<Logical>, CompileError> {
        match self.kind(field) {
            FieldKind::Integer => {
                let v = java_parse_int(text).ok_or_else(|| {
                    CompileError::new(
                        ErrorClass::NumberFormat,
                        format!("'{text}' is not an integer (field {field})"),
                    )
                })?;
                Ok(Some(Logical::IntRange {
                    field: field.to_string(),
                    lo: v,
                    hi: v,
                }))
            }
            FieldKind::Keyword => Ok(Some(Logical::Term {
                field: field.to_string(),
                term: text.to_string(),
            })),
            FieldKind::Text | FieldKind::Stored => {
                let mut tokens = tokenize(text);
                match tokens.len() {
                    0 => Ok(None),
                    1 => Ok(tokens.pop().map(|term| Logical::Term {
                        field: field.to_string(),
                        term,
                    })),
                    _ if quoted => {
                        if slop < 0 {
                            return Err(CompileError::new(
                                ErrorClass::Unsupported,
                                format!("phrase \"{text}\" has a negative slop"),
                            ));
                        }
                        Ok(Some(Logical::Phrase {
                            field: field.to_string(),
                            terms: tokens,
                            slop: slop as u32,
                        }))
                    }
                    _ => Ok(Some(Logical::Bool {
                        clauses: tokens
                            .into_iter()
                            .map(|term| {
                                (
                                    Occur::Should,
                                    Logical::Term {
                                        field: field.to_string(),
                                        term,
                                    },
                                )
                            })
                            .collect(),
                        match_all_filter: false,
                    })),
                }
            }
        }
    }

    fn range(
        &mut self,
        field: &str,
        lower: &Bound,
        upper: &Bound,
        lower_inclusive: bool,
        upper_inclusive: bool,
    ) -> Result<Option<Logical>, CompileError> {
        if self.kind(field) == FieldKind::Integer {
            let parse = |b: &Bound| -> Result<Option<i64>, CompileError> {
                match b {
                    Bound::Open => Ok(None),
                    Bound::Value(v) => java_parse_int(v).map(Some).ok_or_else(|| {
                        CompileError::new(
                            ErrorClass::NumberFormat,
                            format!("'{v}' is not an integer (field {field})"),
                        )
                    }),
                }
            };
            let lo = match parse(lower)? {
                None => i64::from(i32::MIN),
                Some(v) if lower_inclusive => v,
                Some(v) => v + 1,
            };
            let hi = match parse(upper)? {
                None => i64::from(i32::MAX),
                Some(v) if upper_inclusive => v,
                Some(v) => v - 1,
            };
            return Ok(Some(Logical::IntRange {
                field: field.to_string(),
                lo,
                hi,
            }));
        }
        let value = |b: &Bound| match b {
            Bound::Open => None,
            Bound::Value(v) => Some(self.normalize(field, v)),
        };
        Ok(Some(Logical::TermRange {
            field: field.to_string(),
            lower: value(lower),
            upper: value(upper),
            lower_inclusive,
            upper_inclusive,
        }))
    }
}

fn numeric_field(field: &str, what: &str) -> CompileError {
    CompileError::new(
        ErrorClass::NumericField,
        format!("a {what} query is not possible on the numeric field {field}"),
    )
}

/// Parses and compiles in one step.
pub fn parse_and_compile(input: &str, schema: &Schema) -> Result<Compiled, QueryError> {
    let ast = crate::parser::parse(input)?;
    compile(&ast, schema).map_err(|e| e.into_query_error(input))
}
