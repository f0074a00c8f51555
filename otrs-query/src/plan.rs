//! The scoring plan: a logical query with boosts folded into its leaves,
//! duplicate clauses merged (as Lucene's `BooleanQuery` rewrite does), and
//! BM25 weights computed from collection statistics.  Both evaluators run
//! the same plan, so they score identically.

use std::collections::HashMap;
use std::sync::Arc;

use crate::automaton::{CharDfa, osa_distance};
use crate::compile::{Logical, Occur};
use crate::scoring::{Bm25, avgdl, idf};

/// Lucene keeps this many expansions of a fuzzy term for scoring.
pub const FUZZY_MAX_EXPANSIONS: usize = 50;

/// Collection statistics, from an index or from a set of documents.
pub trait Stats {
    /// Documents with at least one term in `field`, and the total number of terms in it.
    fn field_stats(&self, field: &str) -> (u64, u64);
    /// Documents containing `term` in `field`.
    fn doc_freq(&self, field: &str, term: &str) -> u64;
    /// Every term of `field` accepted by `dfa`, with its document frequency.
    fn matching_terms(&self, field: &str, dfa: &CharDfa) -> Vec<(String, u64)>;
}

/// A leaf or boolean node of the plan.
#[derive(Debug, Clone)]
pub enum Plan {
    /// One term.
    Term {
        /// Field.
        field: String,
        /// Term.
        term: String,
        /// Scorer (absent without statistics).
        sim: Option<Arc<Bm25>>,
    },
    /// A phrase.
    Phrase {
        /// Field.
        field: String,
        /// Terms.
        terms: Vec<String>,
        /// Slop.
        slop: u32,
        /// Scorer.
        sim: Option<Arc<Bm25>>,
    },
    /// A fuzzy term: matches every term the automaton accepts; scores the kept expansions.
    Fuzzy {
        /// Field.
        field: String,
        /// The Levenshtein automaton.
        dfa: Arc<CharDfa>,
        /// Scorers of the (at most 50) expansions Lucene keeps.
        scored: Arc<HashMap<String, Bm25>>,
        /// Every matching term of the collection, when statistics were given.
        terms: Option<Arc<Vec<String>>>,
    },
    /// Terms accepted by an automaton (constant score).
    Pattern {
        /// Field.
        field: String,
        /// Automaton.
        dfa: Arc<CharDfa>,
        /// Score of a match.
        score: f32,
    },
    /// Terms in a byte-order range (constant score).
    TermRange {
        /// Field.
        field: String,
        /// Lower end.
        lower: Option<String>,
        /// Upper end.
        upper: Option<String>,
        /// Lower end included.
        lower_inclusive: bool,
        /// Upper end included.
        upper_inclusive: bool,
        /// Score of a match.
        score: f32,
    },
    /// Integers in a range (constant score).
    IntRange {
        /// Field.
        field: String,
        /// Lowest.
        lo: i64,
        /// Highest.
        hi: i64,
        /// Score of a match.
        score: f32,
    },
    /// Every document.
    MatchAll {
        /// Score of a match.
        score: f32,
    },
    /// Boolean combination.
    Bool {
        /// Required, scoring.
        must: Vec<Plan>,
        /// Optional, scoring.
        should: Vec<Plan>,
        /// Prohibited.
        must_not: Vec<Plan>,
        /// A non-scoring match-all is required (pure-negative rule).
        filter_all: bool,
    },
}

impl Plan {
    /// Builds the plan of `q`; without statistics no BM25 weights are computed.
    pub fn build(q: &Logical, stats: Option<&dyn Stats>) -> Plan {
        build(q, 1.0, stats)
    }
}

fn strip_boost(q: &Logical) -> (&Logical, f64) {
    let mut boost = 1.0f64;
    let mut q = q;
    while let Logical::Boost { query, boost: b } = q {
        boost *= f64::from(*b);
        q = query;
    }
    (q, boost)
}

/// Merges equal clauses of one occurrence by summing their boosts.
fn dedupe(clauses: Vec<&Logical>) -> Vec<Logical> {
    let mut groups: Vec<(&Logical, f64, usize)> = Vec::new();
    for c in &clauses {
        let (inner, b) = strip_boost(c);
        match groups.iter_mut().find(|(q, _, _)| *q == inner) {
            Some(g) => {
                g.1 += b;
                g.2 += 1;
            }
            None => groups.push((inner, b, 1)),
        }
    }
    if groups.len() == clauses.len() {
        return clauses.into_iter().cloned().collect();
    }
    groups
        .into_iter()
        .map(|(q, b, _)| {
            let b = b as f32;
            if b == 1.0 {
                q.clone()
            } else {
                Logical::Boost {
                    query: Box::new(q.clone()),
                    boost: b,
                }
            }
        })
        .collect()
}

fn bm25(stats: Option<&dyn Stats>, field: &str, terms: &[String], boost: f32) -> Option<Arc<Bm25>> {
    let stats = stats?;
    let (doc_count, sum_ttf) = stats.field_stats(field);
    let idf_sum: f64 = terms
        .iter()
        .map(|t| f64::from(idf(stats.doc_freq(field, t), doc_count)))
        .sum();
    Some(Arc::new(Bm25::new(
        boost,
        idf_sum as f32,
        avgdl(sum_ttf, doc_count),
    )))
}

fn build(q: &Logical, boost: f32, stats: Option<&dyn Stats>) -> Plan {
    match q {
        Logical::Boost { query, boost: b } => build(query, *b * boost, stats),
        Logical::Term { field, term } => Plan::Term {
            field: field.clone(),
            term: term.clone(),
            sim: bm25(stats, field, std::slice::from_ref(term), boost),
        },
        Logical::Phrase { field, terms, slop } => Plan::Phrase {
            field: field.clone(),
            terms: terms.clone(),
            slop: *slop,
            sim: bm25(stats, field, terms, boost),
        },
        Logical::Fuzzy {
            field,
            term,
            max_edits,
        } => {
            let dfa = match CharDfa::levenshtein(term, *max_edits) {
                Ok(d) => Arc::new(d),
                Err(_) => {
                    // Cannot happen for edits <= 2; fall back to the exact term.
                    return build(
                        &Logical::Term {
                            field: field.clone(),
                            term: term.clone(),
                        },
                        boost,
                        stats,
                    );
                }
            };
            let mut scored = HashMap::new();
            let mut all_terms = None;
            if let Some(stats) = stats {
                let term_len = term.chars().count();
                let mut expansions: Vec<(f32, String, u64)> = stats
                    .matching_terms(field, &dfa)
                    .into_iter()
                    .map(|(t, df)| {
                        let ed = osa_distance(term, &t);
                        let sim = if ed == 0 {
                            1.0f32
                        } else {
                            let min_len = t.chars().count().min(term_len).max(1);
                            1.0f32 - ed as f32 / min_len as f32
                        };
                        (sim, t, df)
                    })
                    .collect();
                all_terms = Some(Arc::new(
                    expansions.iter().map(|e| e.1.clone()).collect::<Vec<_>>(),
                ));
                expansions.sort_by(|a, b| {
                    b.0.total_cmp(&a.0)
                        .then_with(|| a.1.as_bytes().cmp(b.1.as_bytes()))
                });
                expansions.truncate(FUZZY_MAX_EXPANSIONS);
                let max_df = expansions.iter().map(|e| e.2).max().unwrap_or(0);
                let (doc_count, sum_ttf) = stats.field_stats(field);
                let term_idf = idf(max_df, doc_count);
                let dl = avgdl(sum_ttf, doc_count);
                for (sim, t, _) in expansions {
                    scored.insert(t, Bm25::new(sim * boost, term_idf, dl));
                }
            }
            Plan::Fuzzy {
                field: field.clone(),
                dfa,
                scored: Arc::new(scored),
                terms: all_terms,
            }
        }
        Logical::Pattern { field, pattern } => Plan::Pattern {
            field: field.clone(),
            dfa: pattern.dfa.clone(),
            score: boost,
        },
        Logical::TermRange {
            field,
            lower,
            upper,
            lower_inclusive,
            upper_inclusive,
        } => Plan::TermRange {
            field: field.clone(),
            lower: lower.clone(),
            upper: upper.clone(),
            lower_inclusive: *lower_inclusive,
            upper_inclusive: *upper_inclusive,
            score: boost,
        },
        Logical::IntRange { field, lo, hi } => Plan::IntRange {
            field: field.clone(),
            lo: *lo,
            hi: *hi,
            score: boost,
        },
        Logical::MatchAll => Plan::MatchAll { score: boost },
        Logical::Bool {
            clauses,
            match_all_filter,
        } => {
            let of = |o: Occur| {
                clauses
                    .iter()
                    .filter(|(c, _)| *c == o)
                    .map(|(_, q)| q)
                    .collect::<Vec<_>>()
            };
            let must = dedupe(of(Occur::Must))
                .iter()
                .map(|q| build(q, boost, stats))
                .collect();
            let should = dedupe(of(Occur::Should))
                .iter()
                .map(|q| build(q, boost, stats))
                .collect();
            let must_not = of(Occur::MustNot)
                .into_iter()
                .map(|q| build(q, boost, None))
                .collect();
            Plan::Bool {
                must,
                should,
                must_not,
                filter_all: *match_all_filter,
            }
        }
    }
}

/// Whether `term` lies in the range (byte order, like Lucene's `TermRangeQuery`).
pub fn in_term_range(
    term: &str,
    lower: Option<&str>,
    upper: Option<&str>,
    lower_inclusive: bool,
    upper_inclusive: bool,
) -> bool {
    let t = term.as_bytes();
    if let Some(l) = lower {
        match t.cmp(l.as_bytes()) {
            std::cmp::Ordering::Less => return false,
            std::cmp::Ordering::Equal if !lower_inclusive => return false,
            _ => {}
        }
    }
    if let Some(u) = upper {
        match t.cmp(u.as_bytes()) {
            std::cmp::Ordering::Greater => return false,
            std::cmp::Ordering::Equal if !upper_inclusive => return false,
            _ => {}
        }
    }
    true
}

/// Combines clause scores like Lucene's `BooleanQuery` scorers: required
/// clauses summed in a double, optional ones likewise, the two sums added
/// as floats.
pub fn combine(must: &[f32], should: &[f32]) -> f32 {
    let s = crate::scoring::sum_scores(should.iter().copied());
    if must.is_empty() {
        return s;
    }
    let m = crate::scoring::sum_scores(must.iter().copied());
    if should.is_empty() { m } else { m + s }
}
