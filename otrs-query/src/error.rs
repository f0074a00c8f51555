//! Errors of the query language: every error carries its position in the input.

use std::fmt;

/// The class of a query error, as named by the conformance corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// The grammar rejected the query (unbalanced brackets, dangling operators, blank query, …).
    Syntax,
    /// The tokenizer failed: unterminated quote or regex, trailing backslash, bad character after `^`.
    Lexical,
    /// A malformed `\u` escape.
    BadEscape,
    /// A fractional edit distance of at least 1, or a negative one (`quick~1.5`).
    BadFuzzy,
    /// A regular expression that does not compile, or whose automaton is too large.
    InvalidRegexp,
    /// A value that is not an integer where an integer field needs one.
    NumberFormat,
    /// A wildcard, prefix, fuzzy or regex query on an integer field.
    NumericField,
    /// A phrase with a negative slop, or nesting beyond the depth limit.
    Unsupported,
}

impl ErrorClass {
    /// The class name used in `expected.jsonl` (`syntax`, `lexical`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Syntax => "syntax",
            ErrorClass::Lexical => "lexical",
            ErrorClass::BadEscape => "bad_escape",
            ErrorClass::BadFuzzy => "bad_fuzzy",
            ErrorClass::InvalidRegexp => "invalid_regexp",
            ErrorClass::NumberFormat => "number_format",
            ErrorClass::NumericField => "numeric_field",
            ErrorClass::Unsupported => "unsupported",
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error in a query, with the byte offset and the 1-based column (in characters) where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}{}", if message.contains("column") { String::new() } else { format!(" (column {column})") })]
pub struct QueryError {
    /// What kind of error this is.
    pub class: ErrorClass,
    /// Byte offset into the query string.
    pub offset: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// A message meant for a person, e.g. "unclosed quote starting at column 12".
    pub message: String,
}

impl QueryError {
    /// Builds an error at `offset` of `input`; the column is computed from the offset.
    pub fn new(class: ErrorClass, input: &str, offset: usize, message: impl Into<String>) -> Self {
        let offset = offset.min(input.len());
        let column = input
            .char_indices()
            .take_while(|(i, _)| *i < offset)
            .count()
            + 1;
        QueryError {
            class,
            offset,
            column,
            message: message.into(),
        }
    }

    /// The 1-based column as text, for messages built before the error.
    pub(crate) fn column_of(input: &str, offset: usize) -> usize {
        input
            .char_indices()
            .take_while(|(i, _)| *i < offset)
            .count()
            + 1
    }
}

/// Errors of the index evaluator: a bad query, or a failure of the index itself.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The query was rejected.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// Tantivy failed (I/O, corrupt index, …).
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// A document lacks its id or has a value of the wrong kind.
    #[error("document: {0}")]
    Document(String),
}
