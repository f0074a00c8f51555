//! The reference evaluator: decides whether one document matches a query
//! (and with collection statistics, its Lucene score).  Used for live list
//! filters and notification rules, and as the oracle of the index evaluator.

use std::collections::{BTreeMap, HashMap};

use crate::automaton::CharDfa;
use crate::compile::Compiled;
use crate::plan::{Plan, Stats, combine, in_term_range};
use crate::schema::{AnalyzedDocument, IndexedField};
use crate::scoring::{int_to_byte4, phrase_freq};

#[derive(Debug, Clone, Default)]
struct FieldStats {
    doc_count: u64,
    sum_ttf: u64,
    doc_freq: BTreeMap<String, u64>,
}

/// Collection statistics computed from a set of analysed documents.
#[derive(Debug, Clone, Default)]
pub struct CorpusStats {
    fields: HashMap<String, FieldStats>,
}

impl CorpusStats {
    /// Statistics of `docs`.
    pub fn new<'a>(docs: impl IntoIterator<Item = &'a AnalyzedDocument>) -> CorpusStats {
        let mut fields: HashMap<String, FieldStats> = HashMap::new();
        for doc in docs {
            for (name, field) in &doc.fields {
                let terms: Vec<&str> = match field {
                    IndexedField::Tokens(t) => t.iter().map(|t| t.text.as_str()).collect(),
                    IndexedField::Keyword(k) => vec![k.as_str()],
                    IndexedField::Int(_) => continue,
                };
                if terms.is_empty() {
                    continue;
                }
                let fs = fields.entry(name.clone()).or_default();
                fs.doc_count += 1;
                fs.sum_ttf += terms.len() as u64;
                let mut unique = terms;
                unique.sort_unstable();
                unique.dedup();
                for t in unique {
                    *fs.doc_freq.entry(t.to_string()).or_default() += 1;
                }
            }
        }
        CorpusStats { fields }
    }
}

impl Stats for CorpusStats {
    fn field_stats(&self, field: &str) -> (u64, u64) {
        self.fields
            .get(field)
            .map_or((0, 0), |f| (f.doc_count, f.sum_ttf))
    }

    fn doc_freq(&self, field: &str, term: &str) -> u64 {
        self.fields
            .get(field)
            .and_then(|f| f.doc_freq.get(term))
            .copied()
            .unwrap_or(0)
    }

    fn matching_terms(&self, field: &str, dfa: &CharDfa) -> Vec<(String, u64)> {
        self.fields
            .get(field)
            .map(|f| {
                f.doc_freq
                    .iter()
                    .filter(|(t, _)| dfa.matches(t))
                    .map(|(t, df)| (t.clone(), *df))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Whether `doc` matches the compiled query (no scoring).
///
/// ```
/// use otrs_query::{Schema, Document, AnalyzedDocument, parse_and_compile, reference};
/// let schema = Schema::corpus();
/// let doc = Document::new("T1").text("title", "Printer offline").text("body", "Paper jam again").int("priority", 3);
/// let doc = AnalyzedDocument::new(&doc, &schema);
/// let q = parse_and_compile("title:printer AND priority:[2 TO 4] -toner", &schema).unwrap();
/// assert!(reference::matches(&q, &doc));
/// ```
pub fn matches(query: &Compiled, doc: &AnalyzedDocument) -> bool {
    match &query.query {
        None => false,
        Some(q) => evaluate(&Plan::build(q, None), doc).is_some(),
    }
}

/// The score of `doc` under `plan`, or `None` when it does not match.
pub fn evaluate(plan: &Plan, doc: &AnalyzedDocument) -> Option<f32> {
    match plan {
        Plan::Term { field, term, sim } => {
            let (freq, len) = match doc.fields.get(field)? {
                IndexedField::Tokens(tokens) => (
                    tokens.iter().filter(|t| &t.text == term).count(),
                    tokens.len(),
                ),
                IndexedField::Keyword(k) => (usize::from(k == term), 1),
                IndexedField::Int(_) => return None,
            };
            if freq == 0 {
                return None;
            }
            Some(
                sim.as_ref()
                    .map_or(0.0, |s| s.score(freq as f32, int_to_byte4(len as u32))),
            )
        }
        Plan::Phrase {
            field,
            terms,
            slop,
            sim,
        } => {
            let IndexedField::Tokens(tokens) = doc.fields.get(field)? else {
                return None;
            };
            let lists: Vec<Vec<u32>> = terms
                .iter()
                .map(|t| {
                    tokens
                        .iter()
                        .filter(|tok| &tok.text == t)
                        .map(|tok| tok.position)
                        .collect()
                })
                .collect();
            let refs: Vec<&[u32]> = lists.iter().map(Vec::as_slice).collect();
            let freq = phrase_freq(&refs, terms, *slop);
            if freq == 0.0 {
                return None;
            }
            Some(
                sim.as_ref()
                    .map_or(0.0, |s| s.score(freq, int_to_byte4(tokens.len() as u32))),
            )
        }
        Plan::Fuzzy {
            field, dfa, scored, ..
        } => {
            let (terms, len): (Vec<&str>, usize) = match doc.fields.get(field)? {
                IndexedField::Tokens(tokens) => (
                    tokens.iter().map(|t| t.text.as_str()).collect(),
                    tokens.len(),
                ),
                IndexedField::Keyword(k) => (vec![k.as_str()], 1),
                IndexedField::Int(_) => return None,
            };
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for t in terms {
                *counts.entry(t).or_default() += 1;
            }
            let mut matched = false;
            let mut scores = Vec::new();
            for (t, n) in counts {
                if dfa.matches(t) {
                    matched = true;
                    if let Some(s) = scored.get(t) {
                        scores.push(s.score(n as f32, int_to_byte4(len as u32)));
                    }
                }
            }
            matched.then(|| crate::scoring::sum_scores(scores.into_iter()))
        }
        Plan::Pattern { field, dfa, score } => {
            let hit = match doc.fields.get(field)? {
                IndexedField::Tokens(tokens) => tokens.iter().any(|t| dfa.matches(&t.text)),
                IndexedField::Keyword(k) => dfa.matches(k),
                IndexedField::Int(_) => false,
            };
            hit.then_some(*score)
        }
        Plan::TermRange {
            field,
            lower,
            upper,
            lower_inclusive,
            upper_inclusive,
            score,
        } => {
            let check = |t: &str| {
                in_term_range(
                    t,
                    lower.as_deref(),
                    upper.as_deref(),
                    *lower_inclusive,
                    *upper_inclusive,
                )
            };
            let hit = match doc.fields.get(field)? {
                IndexedField::Tokens(tokens) => tokens.iter().any(|t| check(&t.text)),
                IndexedField::Keyword(k) => check(k),
                IndexedField::Int(_) => false,
            };
            hit.then_some(*score)
        }
        Plan::IntRange {
            field,
            lo,
            hi,
            score,
        } => match doc.fields.get(field)? {
            IndexedField::Int(v) if (lo..=hi).contains(&v) => Some(*score),
            _ => None,
        },
        Plan::MatchAll { score } => Some(*score),
        Plan::Bool {
            must,
            should,
            must_not,
            filter_all,
        } => {
            if must_not.iter().any(|p| evaluate(p, doc).is_some()) {
                return None;
            }
            let mut must_scores = Vec::with_capacity(must.len());
            for p in must {
                must_scores.push(evaluate(p, doc)?);
            }
            let should_scores: Vec<f32> = should.iter().filter_map(|p| evaluate(p, doc)).collect();
            if must.is_empty() && !filter_all && should_scores.is_empty() {
                return None;
            }
            Some(combine(&must_scores, &should_scores))
        }
    }
}
