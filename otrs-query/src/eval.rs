//! Evaluating a list of queries over a list of documents, in the format of
//! the conformance corpus (`expected.jsonl`): the function behind
//! `otrs query eval`.

use serde_json::{Value, json};

use crate::compile::parse_and_compile;
use crate::index::{IndexEvaluator, SearchOptions};
use crate::plan::Plan;
use crate::reference::{CorpusStats, evaluate};
use crate::schema::{AnalyzedDocument, Document, Schema};

/// Which evaluator answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// The per-document reference evaluator.
    Reference,
    /// The Tantivy index evaluator (an index in RAM).
    Index,
}

impl std::str::FromStr for Engine {
    type Err = String;

    /// `reference` or `index`.
    fn from_str(s: &str) -> Result<Engine, String> {
        match s {
            "reference" => Ok(Engine::Reference),
            "index" => Ok(Engine::Index),
            other => Err(format!(
                "unknown engine '{other}' (expected 'reference' or 'index')"
            )),
        }
    }
}

/// How many ids the `top` list holds.
pub const TOP_N: usize = 5;

/// Errors of [`eval_jsonl`]: unreadable input lines or an index failure.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A line is not a JSON object of the expected shape.
    #[error("line {line}: {message}")]
    Input {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The index failed.
    #[error(transparent)]
    Index(#[from] crate::error::IndexError),
    /// A file could not be read or the output not written.
    #[error("{path}: {source}")]
    Io {
        /// The file (or `-` for the output).
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// One query of a queries file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryLine {
    /// The query id.
    pub id: String,
    /// The query text.
    pub q: String,
}

/// Reads documents, one JSON object per line (blank lines skipped).
pub fn read_documents(text: &str, schema: &Schema) -> Result<Vec<Document>, EvalError> {
    let mut docs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| EvalError::Input {
            line: i + 1,
            message: e.to_string(),
        })?;
        let doc = Document::from_json(&v, schema).ok_or_else(|| EvalError::Input {
            line: i + 1,
            message: format!("a document needs a string '{}'", schema.id_field),
        })?;
        docs.push(doc);
    }
    Ok(docs)
}

/// Reads queries, one `{"id":…,"q":…}` object per line.
pub fn read_queries(text: &str) -> Result<Vec<QueryLine>, EvalError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| EvalError::Input {
            line: i + 1,
            message: e.to_string(),
        })?;
        let (Some(id), Some(q)) = (
            v.get("id").and_then(Value::as_str),
            v.get("q").and_then(Value::as_str),
        ) else {
            return Err(EvalError::Input {
                line: i + 1,
                message: "a query needs string 'id' and 'q'".into(),
            });
        };
        out.push(QueryLine {
            id: id.to_string(),
            q: q.to_string(),
        });
    }
    Ok(out)
}

/// The answer line for one query from scored hits `(id, score)`.
fn answer(id: &str, mut hits: Vec<(String, f32)>, boosted: bool) -> Value {
    let mut ids: Vec<&str> = hits.iter().map(|(i, _)| i.as_str()).collect();
    ids.sort_unstable();
    let mut out = json!({ "id": id, "hits": ids });
    if boosted {
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let top: Vec<&str> = hits.iter().take(TOP_N).map(|(i, _)| i.as_str()).collect();
        out["top"] = json!(top);
    }
    out
}

/// Evaluates every query over the documents with one engine and returns one
/// JSON value per query, shaped like a line of `expected.jsonl`.
pub fn evaluate_all(
    docs: &[Document],
    queries: &[QueryLine],
    schema: &Schema,
    engine: Engine,
) -> Result<Vec<Value>, EvalError> {
    let mut out = Vec::with_capacity(queries.len());
    match engine {
        Engine::Reference => {
            let analyzed: Vec<AnalyzedDocument> = docs
                .iter()
                .map(|d| AnalyzedDocument::new(d, schema))
                .collect();
            let stats = CorpusStats::new(&analyzed);
            for q in queries {
                let compiled = match parse_and_compile(&q.q, schema) {
                    Ok(c) => c,
                    Err(e) => {
                        out.push(json!({ "id": q.id, "error": e.class.as_str() }));
                        continue;
                    }
                };
                let hits = match &compiled.query {
                    None => Vec::new(),
                    Some(logical) => {
                        let plan = Plan::build(logical, Some(&stats));
                        analyzed
                            .iter()
                            .filter_map(|d| evaluate(&plan, d).map(|s| (d.id.clone(), s)))
                            .collect()
                    }
                };
                out.push(answer(&q.id, hits, compiled.boosted));
            }
        }
        Engine::Index => {
            let mut index = IndexEvaluator::in_ram(schema.clone())?;
            for d in docs {
                index.upsert(d)?;
            }
            index.commit()?;
            for q in queries {
                match index.search(&q.q, &SearchOptions::all_hits()) {
                    Ok(result) => {
                        let hits = result.hits.into_iter().map(|h| (h.id, h.score)).collect();
                        out.push(answer(&q.id, hits, result.boosted));
                    }
                    Err(crate::error::IndexError::Query(e)) => {
                        out.push(json!({ "id": q.id, "error": e.class.as_str() }));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
    Ok(out)
}

/// Reads a documents file and a queries file (JSON lines) and evaluates them
/// with the corpus schema: `otrs query eval --docs FILE --queries FILE`.
pub fn eval_jsonl(
    docs_jsonl: &str,
    queries_jsonl: &str,
    engine: Engine,
) -> Result<Vec<Value>, EvalError> {
    let schema = Schema::corpus();
    let docs = read_documents(docs_jsonl, &schema)?;
    let queries = read_queries(queries_jsonl)?;
    evaluate_all(&docs, &queries, &schema, engine)
}

/// `otrs query eval --docs FILE --queries FILE [--engine reference|index]`:
/// reads both files, evaluates with the corpus schema and writes one JSON
/// line per query to `out`, in the format of `expected.jsonl`.
pub fn eval_files(
    docs: &std::path::Path,
    queries: &std::path::Path,
    engine: Engine,
    out: &mut dyn std::io::Write,
) -> Result<(), EvalError> {
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).map_err(|source| EvalError::Io {
            path: p.display().to_string(),
            source,
        })
    };
    let lines = eval_jsonl(&read(docs)?, &read(queries)?, engine)?;
    for line in lines {
        writeln!(out, "{line}").map_err(|source| EvalError::Io {
            path: "-".into(),
            source,
        })?;
    }
    Ok(())
}
