//! The help-desk search language: Lucene's classic query-string syntax (as
//! Elasticsearch's `query_string` exposes it), with two evaluators that agree.
//!
//! * [`parse`] turns text into a typed [`ast::Query`] (pest grammar in
//!   `grammar.pest`); errors carry a byte offset, a column and a message.
//!   `ast::Query` prints back to text that parses to the same tree.
//! * [`compile`](compile::compile) applies the analyzer of each field of a
//!   [`Schema`] and Lucene's clause rules, giving a [`compile::Logical`] query.
//! * [`reference::matches`] decides one document (live filters, notification
//!   rules); [`reference::evaluate`] also scores it with Lucene 8's BM25.
//! * [`index::IndexEvaluator`] runs the same queries over a Tantivy index
//!   (upsert/delete by id, commit, search with total count and top hits).
//! * [`eval::eval_jsonl`] answers a queries file over a documents file in the
//!   format of the conformance corpus.
//!
//! ```
//! use otrs_query::{Document, Schema, index::{IndexEvaluator, SearchOptions}};
//!
//! let mut index = IndexEvaluator::in_ram(Schema::corpus()).unwrap();
//! index.upsert(&Document::new("T1").text("title", "Printer offline").text("body", "The quick brown fox")).unwrap();
//! index.upsert(&Document::new("T2").text("title", "VPN down").text("body", "No tunnel")).unwrap();
//! index.commit().unwrap();
//! let result = index.search("\"quick fox\"~1 OR vpn^2", &SearchOptions::top(10)).unwrap();
//! assert_eq!(result.total, 2);
//! assert_eq!(result.hits[0].id, "T2");
//! ```
#![warn(missing_docs)]

pub mod analysis;
pub mod ast;
pub mod automaton;
pub mod compile;
pub mod error;
pub mod eval;
pub mod index;
pub mod parser;
pub mod plan;
pub mod reference;
pub mod regexp;
pub mod schema;
pub mod scoring;

pub use compile::{Compiled, parse_and_compile};
pub use error::{ErrorClass, IndexError, QueryError};
pub use parser::parse;
pub use schema::{AnalyzedDocument, Document, FieldKind, FieldValue, Schema};
