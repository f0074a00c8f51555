//! The index evaluator: the same queries over a Tantivy index.
//!
//! Documents are analysed by [`crate::analysis`] and handed to Tantivy
//! pre-tokenized, so the index holds exactly the reference evaluator's terms
//! and positions (with the position gap of the catch-all field).  A query is
//! compiled to a [`Plan`] with statistics from the index, then to a Tantivy
//! [`Query`] ([`PlanQuery`]) whose scorers read Tantivy postings, positions,
//! field norms and term dictionaries:
//!
//! * terms: postings with frequencies, BM25 computed like Lucene 8;
//! * phrases: intersected postings, then an exact check of positions (Lucene's
//!   sloppy-phrase semantics, reversed order included, which Tantivy's phrase
//!   query does not implement);
//! * wildcards, regular expressions, fuzzy terms: our automata run over the
//!   term dictionary (the Lucene regex operators `&`, `~`, `<n-m>` that Rust
//!   regex engines lack are in [`crate::automaton`]);
//! * ranges: term-dictionary ranges (byte order) or integer terms.
//!
//! Candidates therefore always come from postings and the term dictionary;
//! [`SearchResult::examined`] counts the documents the scorers touched.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{BitSetDocSet, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{
    Field, INDEXED, IndexRecordOption, NumericOptions, STRING, Schema as TantivySchema,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{TextAnalyzer, Token as TantivyToken, TokenStream, Tokenizer};
use tantivy::{
    BitSet, DocId, DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader,
    TERMINATED, TantivyDocument, Term,
};

use crate::analysis::{MAX_TOKEN_CHARS, VALUE_SEPARATOR, join_values, lower_into, word_spans};
use crate::automaton::CharDfa;
use crate::compile::{Compiled, parse_and_compile};
use crate::error::IndexError;
use crate::plan::{Plan, Stats, combine};
use crate::schema::{Document, FieldKind, FieldValue, Schema};

/// The name under which [`Analyzer`] is registered.
pub const TOKENIZER: &str = "otrs_standard";

/// The crate's analysis (see [`crate::analysis`]) as a Tantivy tokenizer:
/// the same tokens and positions as the reference evaluator, including the
/// position gap between values joined with [`VALUE_SEPARATOR`].
#[derive(Debug, Clone)]
pub struct Analyzer {
    /// Positions skipped between values.
    pub gap: u32,
}

/// The token stream of [`Analyzer`].
#[allow(missing_debug_implementations)]
pub struct AnalyzerStream<'a> {
    values: std::str::Split<'a, char>,
    spans: Option<Box<dyn Iterator<Item = (usize, usize)> + 'a>>,
    value: &'a str,
    value_offset: usize,
    next_offset: usize,
    first: bool,
    position: i64,
    gap: u32,
    pending: Vec<String>,
    token: TantivyToken,
}

impl Tokenizer for Analyzer {
    type TokenStream<'a> = AnalyzerStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> AnalyzerStream<'a> {
        AnalyzerStream {
            values: text.split(VALUE_SEPARATOR),
            spans: None,
            value: "",
            value_offset: 0,
            next_offset: 0,
            first: true,
            position: -1,
            gap: self.gap,
            pending: Vec::new(),
            token: TantivyToken::default(),
        }
    }
}

impl TokenStream for AnalyzerStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            if let Some(chunk) = self.pending.pop() {
                self.position += 1;
                self.token.text = chunk;
                self.token.position = self.position as usize;
                return true;
            }
            if let Some(spans) = &mut self.spans
                && let Some((start, end)) = spans.next()
            {
                self.token.text.clear();
                lower_into(&self.value[start..end], &mut self.token.text);
                self.token.offset_from = self.value_offset + start;
                self.token.offset_to = self.value_offset + end;
                self.token.position_length = 1;
                if self.token.text.len() > MAX_TOKEN_CHARS
                    && self.token.text.chars().count() > MAX_TOKEN_CHARS
                {
                    let chars: Vec<char> = self.token.text.chars().collect();
                    self.pending = chars
                        .chunks(MAX_TOKEN_CHARS)
                        .rev()
                        .map(|c| c.iter().collect())
                        .collect();
                    continue;
                }
                self.position += 1;
                self.token.position = self.position as usize;
                return true;
            }
            let Some(value) = self.values.next() else {
                return false;
            };
            if !self.first {
                self.position += i64::from(self.gap);
            }
            self.first = false;
            self.value = value;
            self.value_offset = self.next_offset;
            self.next_offset += value.len() + VALUE_SEPARATOR.len_utf8();
            self.spans = Some(Box::new(word_spans(value)));
        }
    }

    fn token(&self) -> &TantivyToken {
        &self.token
    }

    fn token_mut(&mut self) -> &mut TantivyToken {
        &mut self.token
    }
}

/// What a search returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchOptions {
    /// Hits to return (after `offset`), best first.
    pub limit: usize,
    /// Hits to skip.
    pub offset: usize,
    /// Return every hit (ignores `limit` and `offset`).
    pub all_hits: bool,
}

impl SearchOptions {
    /// The best `limit` hits.
    pub fn top(limit: usize) -> SearchOptions {
        SearchOptions {
            limit,
            offset: 0,
            all_hits: false,
        }
    }

    /// Every hit.
    pub fn all_hits() -> SearchOptions {
        SearchOptions {
            limit: 0,
            offset: 0,
            all_hits: true,
        }
    }
}

/// One hit.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Document id.
    pub id: String,
    /// Lucene-compatible BM25 score.
    pub score: f32,
}

/// The answer of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    /// Number of matching documents.
    pub total: u64,
    /// The requested hits, best first (equal scores in index order).
    pub hits: Vec<Hit>,
    /// Whether the query carries a boost.
    pub boosted: bool,
    /// Documents produced by the scorers (candidates from postings), for tests.
    pub examined: u64,
}

/// How the index is tuned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexConfig {
    /// Indexing threads.
    pub threads: usize,
    /// Indexing memory budget in bytes (split over the threads).
    pub memory_bytes: usize,
}

impl Default for IndexConfig {
    fn default() -> Self {
        IndexConfig {
            threads: 1,
            memory_bytes: 64 << 20,
        }
    }
}

/// Per-field collection statistics of the current searcher.
#[derive(Debug, Clone, Default)]
struct FieldCounts {
    doc_count: HashMap<String, u64>,
    sum_ttf: HashMap<String, u64>,
}

/// A Tantivy index with the crate's schema and query semantics.
pub struct IndexEvaluator {
    schema: Schema,
    index: Index,
    writer: IndexWriter,
    reader: IndexReader,
    fields: Arc<HashMap<String, (Field, FieldKind)>>,
    id_field: Field,
    counts: Arc<FieldCounts>,
}

impl std::fmt::Debug for IndexEvaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexEvaluator")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

fn tantivy_schema(schema: &Schema) -> (TantivySchema, HashMap<String, (Field, FieldKind)>, Field) {
    let mut b = TantivySchema::builder();
    let id = b.add_text_field(&schema.id_field, STRING | tantivy::schema::FAST);
    let options = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions)
                .set_fieldnorms(true),
        )
    };
    let mut fields = HashMap::new();
    for def in &schema.fields {
        let f = match def.kind {
            FieldKind::Text => b.add_text_field(&def.name, options(TOKENIZER)),
            FieldKind::Keyword => b.add_text_field(&def.name, options("raw")),
            FieldKind::Integer => b.add_i64_field(&def.name, NumericOptions::from(INDEXED)),
            FieldKind::Stored => continue,
        };
        fields.insert(def.name.clone(), (f, def.kind));
    }
    (b.build(), fields, id)
}

impl IndexEvaluator {
    /// A new, empty index in memory.
    pub fn in_ram(schema: Schema) -> Result<IndexEvaluator, IndexError> {
        let (ts, _, _) = tantivy_schema(&schema);
        let index = Index::create_in_ram(ts);
        Self::with_index(schema, index, IndexConfig::default())
    }

    /// Opens the index in `dir`, creating it when the directory holds none.
    pub fn open_or_create(
        dir: &Path,
        schema: Schema,
        config: IndexConfig,
    ) -> Result<IndexEvaluator, IndexError> {
        let (ts, _, _) = tantivy_schema(&schema);
        let directory = tantivy::directory::MmapDirectory::open(dir)
            .map_err(|e| IndexError::Tantivy(tantivy::TantivyError::from(e)))?;
        let index = Index::open_or_create(directory, ts)?;
        Self::with_index(schema, index, config)
    }

    /// Like [`IndexEvaluator::in_ram`] with a tuning.
    pub fn in_ram_with(schema: Schema, config: IndexConfig) -> Result<IndexEvaluator, IndexError> {
        let (ts, _, _) = tantivy_schema(&schema);
        Self::with_index(schema, Index::create_in_ram(ts), config)
    }

    fn with_index(
        schema: Schema,
        index: Index,
        config: IndexConfig,
    ) -> Result<IndexEvaluator, IndexError> {
        let (_, fields, id_field) = tantivy_schema(&schema);
        index.tokenizers().register(
            TOKENIZER,
            TextAnalyzer::from(Analyzer {
                gap: schema.position_gap,
            }),
        );
        let writer = index
            .writer_with_num_threads(config.threads.max(1), config.memory_bytes.max(15 << 20))?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let mut me = IndexEvaluator {
            schema,
            index,
            writer,
            reader,
            fields: Arc::new(fields),
            id_field,
            counts: Arc::new(FieldCounts::default()),
        };
        me.refresh_counts()?;
        Ok(me)
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The underlying Tantivy index.
    pub fn tantivy_index(&self) -> &Index {
        &self.index
    }

    /// Converts a document to Tantivy's form.  Text values are joined with
    /// [`VALUE_SEPARATOR`] and analysed by the registered [`Analyzer`].
    pub fn tantivy_document(&self, doc: &Document) -> TantivyDocument {
        let mut out = TantivyDocument::default();
        out.add_text(self.id_field, &doc.id);
        let catch_all = self.schema.catch_all.as_ref();
        for def in &self.schema.fields {
            let Some(&(field, kind)) = self.fields.get(&def.name) else {
                continue;
            };
            if let Some(all) = catch_all.filter(|c| c.name == def.name) {
                let values = all.sources.iter().filter_map(|s| match doc.fields.get(s) {
                    Some(FieldValue::Text(v)) => Some(v.iter()),
                    _ => None,
                });
                out.add_text(field, join_values(values.flatten()));
                continue;
            }
            let Some(value) = doc.fields.get(&def.name) else {
                continue;
            };
            match (kind, value) {
                (FieldKind::Text, FieldValue::Text(v)) => out.add_text(field, join_values(v)),
                (FieldKind::Text, FieldValue::Int(i)) => out.add_text(field, i.to_string()),
                (FieldKind::Keyword, FieldValue::Text(v)) => {
                    if let Some(first) = v.first() {
                        out.add_text(field, first);
                    }
                }
                (FieldKind::Keyword, FieldValue::Int(i)) => out.add_text(field, i.to_string()),
                (FieldKind::Integer, FieldValue::Int(i)) => out.add_i64(field, *i),
                (FieldKind::Integer, FieldValue::Text(v)) => {
                    if let Some(i) = v.first().and_then(|s| s.trim().parse().ok()) {
                        out.add_i64(field, i);
                    }
                }
                (FieldKind::Stored, _) => {}
            }
        }
        out
    }

    /// Adds a document, replacing the one with the same id (visible after [`commit`](Self::commit)).
    pub fn upsert(&mut self, doc: &Document) -> Result<(), IndexError> {
        self.writer
            .delete_term(Term::from_field_text(self.id_field, &doc.id));
        self.writer.add_document(self.tantivy_document(doc))?;
        Ok(())
    }

    /// Adds a document without deleting an older one with the same id (bulk loads).
    pub fn add(&mut self, doc: &Document) -> Result<(), IndexError> {
        self.writer.add_document(self.tantivy_document(doc))?;
        Ok(())
    }

    /// Deletes the document with this id (visible after [`commit`](Self::commit)).
    pub fn delete(&mut self, id: &str) {
        self.writer
            .delete_term(Term::from_field_text(self.id_field, id));
    }

    /// Deletes every document (visible after [`commit`](Self::commit)); for rebuilding.
    pub fn delete_all(&mut self) -> Result<(), IndexError> {
        self.writer.delete_all_documents()?;
        Ok(())
    }

    /// Makes every change visible to searches.
    pub fn commit(&mut self) -> Result<(), IndexError> {
        self.writer.commit()?;
        self.reader.reload()?;
        self.refresh_counts()
    }

    fn refresh_counts(&mut self) -> Result<(), IndexError> {
        let searcher = self.reader.searcher();
        let mut counts = FieldCounts::default();
        for (name, &(field, kind)) in self.fields.iter() {
            if !matches!(kind, FieldKind::Text | FieldKind::Keyword) {
                continue;
            }
            let mut docs = 0u64;
            let mut tokens = 0u64;
            for seg in searcher.segment_readers() {
                let norms = seg.get_fieldnorms_reader(field)?;
                docs += (0..seg.max_doc())
                    .filter(|&d| norms.fieldnorm_id(d) != 0)
                    .count() as u64;
                tokens += seg.inverted_index(field)?.total_num_tokens();
            }
            counts.doc_count.insert(name.clone(), docs);
            counts.sum_ttf.insert(name.clone(), tokens);
        }
        self.counts = Arc::new(counts);
        Ok(())
    }

    /// Number of live documents.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Parses, compiles and runs `query`.
    pub fn search(&self, query: &str, options: &SearchOptions) -> Result<SearchResult, IndexError> {
        let compiled = parse_and_compile(query, &self.schema)?;
        self.search_compiled(&compiled, options)
    }

    /// Runs a compiled query.
    pub fn search_compiled(
        &self,
        compiled: &Compiled,
        options: &SearchOptions,
    ) -> Result<SearchResult, IndexError> {
        let searcher = self.reader.searcher();
        let Some(logical) = &compiled.query else {
            return Ok(SearchResult {
                total: 0,
                hits: Vec::new(),
                boosted: compiled.boosted,
                examined: 0,
            });
        };
        let stats = IndexStats {
            searcher: &searcher,
            fields: &self.fields,
            counts: &self.counts,
        };
        let plan = Plan::build(logical, Some(&stats));
        let examined = Arc::new(AtomicU64::new(0));
        let query = PlanQuery {
            plan: Arc::new(plan),
            fields: self.fields.clone(),
            examined: examined.clone(),
        };
        let weight = query.weight(EnableScoring::enabled_from_searcher(&searcher))?;
        let keep = if options.all_hits {
            usize::MAX
        } else {
            options.offset.saturating_add(options.limit)
        };
        let mut top = TopK::new(keep);
        let mut total = 0u64;
        for (ord, seg) in searcher.segment_readers().iter().enumerate() {
            let mut scorer = weight.scorer(seg, 1.0)?;
            let alive = seg.alive_bitset();
            let mut doc = scorer.doc();
            let mut produced = 0u64;
            while doc != TERMINATED {
                produced += 1;
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    total += 1;
                    if keep > 0 {
                        let score = scorer.score();
                        top.push(score, ord as u32, doc);
                    }
                }
                doc = scorer.advance();
            }
            examined.fetch_add(produced, Ordering::Relaxed);
        }
        let mut ranked = top.into_sorted();
        if !options.all_hits {
            ranked = ranked.into_iter().skip(options.offset).collect();
        }
        let mut id_columns: HashMap<u32, tantivy::columnar::StrColumn> = HashMap::new();
        let mut hits = Vec::with_capacity(ranked.len());
        let mut buf = String::new();
        for (score, seg_ord, doc) in ranked {
            let column = match id_columns.get(&seg_ord) {
                Some(c) => c,
                None => {
                    let seg = searcher.segment_reader(seg_ord);
                    let c = seg
                        .fast_fields()
                        .str(&self.schema.id_field)?
                        .ok_or_else(|| IndexError::Document("the id column is missing".into()))?;
                    id_columns.entry(seg_ord).or_insert(c)
                }
            };
            buf.clear();
            if let Some(ord) = column.term_ords(doc).next() {
                column
                    .ord_to_str(ord, &mut buf)
                    .map_err(|e| IndexError::Tantivy(e.into()))?;
            }
            hits.push(Hit {
                id: buf.clone(),
                score,
            });
        }
        Ok(SearchResult {
            total,
            hits,
            boosted: compiled.boosted,
            examined: examined.load(Ordering::Relaxed),
        })
    }
}

/// Keeps the best `k` (score, segment, doc): higher score first, then index order.
struct TopK {
    k: usize,
    heap: std::collections::BinaryHeap<std::cmp::Reverse<Ranked>>,
}

#[derive(PartialEq)]
struct Ranked(f32, u32, DocId);

impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    /// Greater is better: higher score, then earlier in the index.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0
            .total_cmp(&other.0)
            .then_with(|| (other.1, other.2).cmp(&(self.1, self.2)))
    }
}

impl TopK {
    fn new(k: usize) -> TopK {
        TopK {
            k,
            heap: std::collections::BinaryHeap::new(),
        }
    }

    #[inline]
    fn push(&mut self, score: f32, seg: u32, doc: DocId) {
        if self.heap.len() >= self.k
            && let Some(worst) = self.heap.peek()
            && score < worst.0.0
        {
            return;
        }
        let r = Ranked(score, seg, doc);
        if self.heap.len() < self.k {
            self.heap.push(std::cmp::Reverse(r));
        } else if let Some(worst) = self.heap.peek()
            && r > worst.0
        {
            self.heap.pop();
            self.heap.push(std::cmp::Reverse(r));
        }
    }

    fn into_sorted(self) -> Vec<(f32, u32, DocId)> {
        let mut v: Vec<Ranked> = self.heap.into_iter().map(|r| r.0).collect();
        v.sort_by(|a, b| b.cmp(a));
        v.into_iter().map(|r| (r.0, r.1, r.2)).collect()
    }
}

/// Statistics read from the index (for the plan's BM25 weights).
struct IndexStats<'a> {
    searcher: &'a tantivy::Searcher,
    fields: &'a HashMap<String, (Field, FieldKind)>,
    counts: &'a FieldCounts,
}

impl Stats for IndexStats<'_> {
    fn field_stats(&self, field: &str) -> (u64, u64) {
        (
            self.counts.doc_count.get(field).copied().unwrap_or(0),
            self.counts.sum_ttf.get(field).copied().unwrap_or(0),
        )
    }

    fn doc_freq(&self, field: &str, term: &str) -> u64 {
        let Some(&(f, _)) = self.fields.get(field) else {
            return 0;
        };
        self.searcher
            .doc_freq(&Term::from_field_text(f, term))
            .unwrap_or(0)
    }

    fn matching_terms(&self, field: &str, dfa: &CharDfa) -> Vec<(String, u64)> {
        let Some(&(f, _)) = self.fields.get(field) else {
            return Vec::new();
        };
        let mut out: HashMap<String, u64> = HashMap::new();
        for seg in self.searcher.segment_readers() {
            let Ok(inverted) = seg.inverted_index(f) else {
                continue;
            };
            let Ok(mut stream) = inverted.terms().search(Utf8Automaton(dfa)).into_stream() else {
                continue;
            };
            while let Some((key, info)) = stream.next() {
                if let Ok(term) = std::str::from_utf8(key) {
                    *out.entry(term.to_string()).or_default() += u64::from(info.doc_freq);
                }
            }
        }
        out.into_iter().collect()
    }
}

/// A character automaton read byte by byte (UTF-8), for Tantivy's term dictionary.
#[derive(Clone, Copy)]
struct Utf8Automaton<'a>(&'a CharDfa);

/// (automaton state, code point being decoded, continuation bytes still needed).
type Utf8State = Option<(u32, u32, u8)>;

impl tantivy_fst::Automaton for Utf8Automaton<'_> {
    type State = Utf8State;

    fn start(&self) -> Utf8State {
        Some((self.0.start(), 0, 0))
    }

    fn is_match(&self, state: &Utf8State) -> bool {
        matches!(state, Some((s, _, 0)) if self.0.is_accept(*s))
    }

    fn can_match(&self, state: &Utf8State) -> bool {
        matches!(state, Some((s, _, _)) if self.0.is_live(*s))
    }

    fn accept(&self, state: &Utf8State, byte: u8) -> Utf8State {
        let (s, cp, need) = (*state)?;
        if need == 0 {
            match byte {
                0x00..=0x7F => Some((self.0.step(s, u32::from(byte)), 0, 0)),
                0xC0..=0xDF => Some((s, u32::from(byte & 0x1F), 1)),
                0xE0..=0xEF => Some((s, u32::from(byte & 0x0F), 2)),
                0xF0..=0xF7 => Some((s, u32::from(byte & 0x07), 3)),
                _ => None,
            }
        } else {
            if byte & 0xC0 != 0x80 {
                return None;
            }
            let cp = (cp << 6) | u32::from(byte & 0x3F);
            if need == 1 {
                Some((self.0.step(s, cp), 0, 0))
            } else {
                Some((s, cp, need - 1))
            }
        }
    }
}

/// A [`Plan`] as a Tantivy query.
#[derive(Clone, Debug)]
pub struct PlanQuery {
    plan: Arc<Plan>,
    fields: Arc<HashMap<String, (Field, FieldKind)>>,
    examined: Arc<AtomicU64>,
}

struct PlanWeight {
    query: PlanQuery,
}

impl Query for PlanQuery {
    fn weight(&self, _enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(PlanWeight {
            query: self.clone(),
        }))
    }
}

impl Weight for PlanWeight {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        build_scorer(
            &self.query.plan,
            reader,
            &self.query.fields,
            &self.query.examined,
        )
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.doc() < doc {
            scorer.seek(doc);
        }
        if scorer.doc() == doc {
            Ok(Explanation::new("lucene-compatible BM25", scorer.score()))
        } else {
            Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )))
        }
    }
}

type BoxScorer = Box<dyn Scorer>;

fn empty() -> BoxScorer {
    Box::new(tantivy::query::EmptyScorer)
}

fn build_scorer(
    plan: &Plan,
    reader: &SegmentReader,
    fields: &HashMap<String, (Field, FieldKind)>,
    examined: &Arc<AtomicU64>,
) -> tantivy::Result<BoxScorer> {
    let field_of = |name: &str| fields.get(name).copied();
    Ok(match plan {
        Plan::Term { field, term, sim } => {
            let Some((f, _)) = field_of(field) else {
                return Ok(empty());
            };
            let inverted = reader.inverted_index(f)?;
            match inverted.read_postings(
                &Term::from_field_text(f, term),
                IndexRecordOption::WithFreqs,
            )? {
                None => empty(),
                Some(postings) => Box::new(TermScorer {
                    postings,
                    norms: reader.get_fieldnorms_reader(f)?,
                    sim: sim.clone(),
                }),
            }
        }
        Plan::Phrase {
            field,
            terms,
            slop,
            sim,
        } => {
            let Some((f, _)) = field_of(field) else {
                return Ok(empty());
            };
            let inverted = reader.inverted_index(f)?;
            let mut postings = Vec::with_capacity(terms.len());
            for t in terms {
                match inverted.read_postings(
                    &Term::from_field_text(f, t),
                    IndexRecordOption::WithFreqsAndPositions,
                )? {
                    None => return Ok(empty()),
                    Some(p) => postings.push(p),
                }
            }
            let mut s = PhraseScorer {
                postings,
                norms: reader.get_fieldnorms_reader(f)?,
                terms: terms.clone(),
                slop: *slop,
                sim: sim.clone(),
                freq: 0.0,
                doc: 0,
                buffers: vec![Vec::new(); terms.len()],
                examined: examined.clone(),
                checked: 0,
            };
            s.doc = s.postings[0].doc();
            s.align();
            Box::new(s)
        }
        Plan::Fuzzy {
            field,
            dfa,
            scored,
            terms,
        } => {
            let Some((f, _)) = field_of(field) else {
                return Ok(empty());
            };
            let inverted = reader.inverted_index(f)?;
            let norms = reader.get_fieldnorms_reader(f)?;
            let max_doc = reader.max_doc();
            let mut bits = BitSet::with_max_value(max_doc);
            let mut sums: Vec<f64> = if scored.is_empty() {
                Vec::new()
            } else {
                vec![0.0; max_doc as usize]
            };
            let mut add =
                |term: &[u8], info: &tantivy::postings::TermInfo| -> tantivy::Result<()> {
                    let sim = std::str::from_utf8(term).ok().and_then(|t| scored.get(t));
                    let option = if sim.is_some() {
                        IndexRecordOption::WithFreqs
                    } else {
                        IndexRecordOption::Basic
                    };
                    let mut postings = inverted.read_postings_from_terminfo(info, option)?;
                    let mut doc = postings.doc();
                    while doc != TERMINATED {
                        bits.insert(doc);
                        if let Some(sim) = sim {
                            sums[doc as usize] += f64::from(
                                sim.score(postings.term_freq() as f32, norms.fieldnorm_id(doc)),
                            );
                        }
                        doc = postings.advance();
                    }
                    Ok(())
                };
            match terms {
                // The expansions are known from the statistics: look each one up.
                Some(terms) => {
                    for t in terms.iter() {
                        if let Some(info) = inverted.get_term_info(&Term::from_field_text(f, t))? {
                            add(t.as_bytes(), &info)?;
                        }
                    }
                }
                None => {
                    let mut stream = inverted.terms().search(Utf8Automaton(dfa)).into_stream()?;
                    while let Some((key, info)) = stream.next() {
                        add(key, info)?;
                    }
                }
            }
            Box::new(SumScorer {
                docs: BitSetDocSet::from(bits),
                sums,
            })
        }
        Plan::Pattern { field, dfa, score } => {
            let Some((f, _)) = field_of(field) else {
                return Ok(empty());
            };
            let inverted = reader.inverted_index(f)?;
            let stream = inverted.terms().search(Utf8Automaton(dfa)).into_stream()?;
            const_scorer(reader, &inverted, stream, *score)?
        }
        Plan::TermRange {
            field,
            lower,
            upper,
            lower_inclusive,
            upper_inclusive,
            score,
        } => {
            let Some((f, _)) = field_of(field) else {
                return Ok(empty());
            };
            let inverted = reader.inverted_index(f)?;
            let mut builder = inverted.terms().range();
            if let Some(l) = lower {
                builder = if *lower_inclusive {
                    builder.ge(l.as_bytes())
                } else {
                    builder.gt(l.as_bytes())
                };
            }
            if let Some(u) = upper {
                builder = if *upper_inclusive {
                    builder.le(u.as_bytes())
                } else {
                    builder.lt(u.as_bytes())
                };
            }
            const_scorer(reader, &inverted, builder.into_stream()?, *score)?
        }
        Plan::IntRange {
            field,
            lo,
            hi,
            score,
        } => {
            let Some((f, FieldKind::Integer)) = field_of(field) else {
                return Ok(empty());
            };
            if lo > hi {
                return Ok(empty());
            }
            let inverted = reader.inverted_index(f)?;
            let lo_term = Term::from_field_i64(f, *lo);
            let hi_term = Term::from_field_i64(f, *hi);
            let stream = inverted
                .terms()
                .range()
                .ge(lo_term.serialized_value_bytes())
                .le(hi_term.serialized_value_bytes())
                .into_stream()?;
            const_scorer(reader, &inverted, stream, *score)?
        }
        Plan::MatchAll { score } => {
            let mut bits = BitSet::with_max_value(reader.max_doc());
            for d in 0..reader.max_doc() {
                bits.insert(d);
            }
            Box::new(DenseScorer {
                docs: BitSetDocSet::from(bits),
                scores: Vec::new(),
                constant: *score,
            })
        }
        Plan::Bool {
            must,
            should,
            must_not,
            filter_all,
        } => {
            let build = |ps: &[Plan]| -> tantivy::Result<Vec<BoxScorer>> {
                ps.iter()
                    .map(|p| build_scorer(p, reader, fields, examined))
                    .collect()
            };
            let mut should = build(should)?;
            if should.len() > 1 {
                should = vec![Box::new(UnionScorer::new(should))];
            }
            let must = build(must)?;
            let must_not = build(must_not)?;
            if must.is_empty() && must_not.is_empty() && !filter_all && should.len() == 1 {
                return Ok(should.pop().unwrap_or_else(empty));
            }
            let mut s = BoolScorer {
                must,
                should,
                must_not,
                filter_all: *filter_all,
                max_doc: reader.max_doc(),
                doc: 0,
                must_scores: Vec::new(),
                should_scores: Vec::new(),
            };
            s.doc = s.first_candidate();
            s.settle();
            Box::new(s)
        }
    })
}

fn const_scorer<A>(
    reader: &SegmentReader,
    inverted: &tantivy::InvertedIndexReader,
    mut stream: tantivy::termdict::TermStreamer<'_, A>,
    score: f32,
) -> tantivy::Result<BoxScorer>
where
    A: tantivy_fst::Automaton,
{
    let mut bits = BitSet::with_max_value(reader.max_doc());
    while stream.advance() {
        let mut block =
            inverted.read_block_postings_from_terminfo(stream.value(), IndexRecordOption::Basic)?;
        loop {
            let docs = block.docs();
            if docs.is_empty() {
                break;
            }
            for &d in docs {
                bits.insert(d);
            }
            block.advance();
        }
    }
    Ok(Box::new(DenseScorer {
        docs: BitSetDocSet::from(bits),
        scores: Vec::new(),
        constant: score,
    }))
}

struct TermScorer {
    postings: SegmentPostings,
    norms: FieldNormReader,
    sim: Option<Arc<crate::scoring::Bm25>>,
}

impl DocSet for TermScorer {
    fn advance(&mut self) -> DocId {
        self.postings.advance()
    }
    fn seek(&mut self, target: DocId) -> DocId {
        if self.postings.doc() >= target {
            self.postings.doc()
        } else {
            self.postings.seek(target)
        }
    }
    fn doc(&self) -> DocId {
        self.postings.doc()
    }
    fn size_hint(&self) -> u32 {
        self.postings.size_hint()
    }
}

impl Scorer for TermScorer {
    fn score(&mut self) -> Score {
        let doc = self.postings.doc();
        self.sim.as_ref().map_or(0.0, |s| {
            s.score(
                self.postings.term_freq() as f32,
                self.norms.fieldnorm_id(doc),
            )
        })
    }
}

struct PhraseScorer {
    postings: Vec<SegmentPostings>,
    norms: FieldNormReader,
    terms: Vec<String>,
    slop: u32,
    sim: Option<Arc<crate::scoring::Bm25>>,
    freq: f32,
    doc: DocId,
    buffers: Vec<Vec<u32>>,
    examined: Arc<AtomicU64>,
    /// Documents whose positions were checked (added to `examined` on drop).
    checked: u64,
}

impl Drop for PhraseScorer {
    fn drop(&mut self) {
        self.examined.fetch_add(self.checked, Ordering::Relaxed);
    }
}

impl PhraseScorer {
    /// Moves to the first document at or after `self.doc` where the phrase matches.
    fn align(&mut self) {
        let mut candidate = self.doc;
        loop {
            if candidate == TERMINATED {
                self.doc = TERMINATED;
                return;
            }
            let mut all = true;
            for p in &mut self.postings {
                let d = if p.doc() < candidate {
                    p.seek(candidate)
                } else {
                    p.doc()
                };
                if d != candidate {
                    all = false;
                    candidate = candidate.max(d);
                }
            }
            if !all {
                continue;
            }
            self.checked += 1;
            for (p, buf) in self.postings.iter_mut().zip(self.buffers.iter_mut()) {
                buf.clear();
                p.positions(buf);
            }
            let lists: smallvec_lists::Lists<'_> = smallvec_lists::Lists::new(&self.buffers);
            self.freq = crate::scoring::phrase_freq(lists.as_slice(), &self.terms, self.slop);
            if self.freq > 0.0 {
                self.doc = candidate;
                return;
            }
            candidate = self.postings[0].advance();
        }
    }
}

impl DocSet for PhraseScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        self.doc = self.postings[0].advance();
        self.align();
        self.doc
    }
    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        self.doc = target;
        self.align();
        self.doc
    }
    fn doc(&self) -> DocId {
        self.doc
    }
    fn size_hint(&self) -> u32 {
        self.postings
            .iter()
            .map(|p| p.size_hint())
            .min()
            .unwrap_or(0)
    }
}

impl Scorer for PhraseScorer {
    fn score(&mut self) -> Score {
        self.sim.as_ref().map_or(0.0, |s| {
            s.score(self.freq, self.norms.fieldnorm_id(self.doc))
        })
    }
}

mod smallvec_lists {
    /// Up to eight position lists without a heap allocation.
    pub(super) struct Lists<'a> {
        inline: [&'a [u32]; 8],
        spill: Vec<&'a [u32]>,
        len: usize,
    }

    impl<'a> Lists<'a> {
        pub(super) fn new(buffers: &'a [Vec<u32>]) -> Lists<'a> {
            let mut inline: [&'a [u32]; 8] = [&[]; 8];
            if buffers.len() <= 8 {
                for (slot, b) in inline.iter_mut().zip(buffers) {
                    *slot = b.as_slice();
                }
                Lists {
                    inline,
                    spill: Vec::new(),
                    len: buffers.len(),
                }
            } else {
                Lists {
                    inline,
                    spill: buffers.iter().map(Vec::as_slice).collect(),
                    len: buffers.len(),
                }
            }
        }

        pub(super) fn as_slice(&self) -> &[&'a [u32]] {
            if self.spill.is_empty() {
                &self.inline[..self.len]
            } else {
                &self.spill
            }
        }
    }
}

/// A materialised set of documents with per-document sums (fuzzy expansions).
struct SumScorer {
    docs: BitSetDocSet,
    sums: Vec<f64>,
}

impl DocSet for SumScorer {
    fn advance(&mut self) -> DocId {
        self.docs.advance()
    }
    fn seek(&mut self, target: DocId) -> DocId {
        if self.docs.doc() >= target {
            self.docs.doc()
        } else {
            self.docs.seek(target)
        }
    }
    fn doc(&self) -> DocId {
        self.docs.doc()
    }
    fn size_hint(&self) -> u32 {
        self.docs.size_hint()
    }
}

impl Scorer for SumScorer {
    fn score(&mut self) -> Score {
        self.sums
            .get(self.docs.doc() as usize)
            .map_or(0.0, |&s| s as f32)
    }
}

/// A disjunction that scores the sum (in a double) of its matching children:
/// children are drained window by window into a bitmap and a score buffer.
struct UnionScorer {
    children: Vec<BoxScorer>,
    window_start: DocId,
    present: Box<[u64; WINDOW as usize / 64]>,
    sums: Box<[f64; WINDOW as usize]>,
    cursor: u32,
    doc: DocId,
}

const WINDOW: u32 = 4096;

impl UnionScorer {
    fn new(children: Vec<BoxScorer>) -> UnionScorer {
        let mut u = UnionScorer {
            children,
            window_start: 0,
            present: Box::new([0; WINDOW as usize / 64]),
            sums: Box::new([0.0; WINDOW as usize]),
            cursor: WINDOW,
            doc: 0,
        };
        u.doc = u.refill_from(0);
        u
    }

    /// Fills the window that starts at the smallest child document >= `from`;
    /// returns the first document of the window.
    fn refill_from(&mut self, from: DocId) -> DocId {
        let mut min = TERMINATED;
        for c in &mut self.children {
            min = min.min(seek_to(c, from));
        }
        if min == TERMINATED {
            return TERMINATED;
        }
        self.window_start = min;
        let end = min.saturating_add(WINDOW);
        self.present.fill(0);
        for c in &mut self.children {
            let mut d = c.doc();
            while d < end {
                let i = (d - min) as usize;
                if self.present[i / 64] & (1 << (i % 64)) == 0 {
                    self.present[i / 64] |= 1 << (i % 64);
                    self.sums[i] = 0.0;
                }
                self.sums[i] += f64::from(c.score());
                d = c.advance();
            }
        }
        self.cursor = 0;
        self.next_in_window().unwrap_or(TERMINATED)
    }

    fn next_in_window(&mut self) -> Option<DocId> {
        let mut i = self.cursor as usize;
        while i < WINDOW as usize {
            let word = self.present[i / 64] >> (i % 64);
            if word != 0 {
                let found = i + word.trailing_zeros() as usize;
                self.cursor = found as u32;
                return Some(self.window_start + found as u32);
            }
            i = (i / 64 + 1) * 64;
        }
        self.cursor = WINDOW;
        None
    }
}

impl DocSet for UnionScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        self.cursor += 1;
        self.doc = match self.next_in_window() {
            Some(d) => d,
            None => self.refill_from(self.window_start.saturating_add(WINDOW)),
        };
        self.doc
    }
    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let window_end = self.window_start.saturating_add(WINDOW);
        if target < window_end {
            self.cursor = target - self.window_start;
            if let Some(d) = self.next_in_window() {
                self.doc = d;
                return d;
            }
        }
        self.doc = self.refill_from(target.max(window_end));
        self.doc
    }
    fn doc(&self) -> DocId {
        self.doc
    }
    fn size_hint(&self) -> u32 {
        self.children
            .iter()
            .map(|c| c.size_hint())
            .max()
            .unwrap_or(0)
    }
}

impl Scorer for UnionScorer {
    fn score(&mut self) -> Score {
        self.sums[self.cursor as usize] as f32
    }
}

/// A materialised set of documents with per-document or constant scores.
struct DenseScorer {
    docs: BitSetDocSet,
    scores: Vec<f32>,
    constant: f32,
}

impl DocSet for DenseScorer {
    fn advance(&mut self) -> DocId {
        self.docs.advance()
    }
    fn seek(&mut self, target: DocId) -> DocId {
        if self.docs.doc() >= target {
            self.docs.doc()
        } else {
            self.docs.seek(target)
        }
    }
    fn doc(&self) -> DocId {
        self.docs.doc()
    }
    fn size_hint(&self) -> u32 {
        self.docs.size_hint()
    }
}

impl Scorer for DenseScorer {
    fn score(&mut self) -> Score {
        if self.scores.is_empty() {
            self.constant
        } else {
            self.scores[self.docs.doc() as usize]
        }
    }
}

/// Lucene's boolean semantics: all `must`, none of `must_not`, and at least
/// one `should` unless something is required.
struct BoolScorer {
    must: Vec<BoxScorer>,
    should: Vec<BoxScorer>,
    must_not: Vec<BoxScorer>,
    filter_all: bool,
    max_doc: DocId,
    doc: DocId,
    must_scores: Vec<f32>,
    should_scores: Vec<f32>,
}

fn seek_to(s: &mut BoxScorer, target: DocId) -> DocId {
    if s.doc() < target {
        s.seek(target)
    } else {
        s.doc()
    }
}

impl BoolScorer {
    fn first_candidate(&mut self) -> DocId {
        if !self.must.is_empty() {
            self.must[0].doc()
        } else if self.filter_all {
            if self.max_doc == 0 { TERMINATED } else { 0 }
        } else {
            self.should
                .iter()
                .map(|s| s.doc())
                .min()
                .unwrap_or(TERMINATED)
        }
    }

    /// From the candidate in `self.doc`, moves to the first real match.
    fn settle(&mut self) {
        loop {
            let mut candidate = self.doc;
            if candidate == TERMINATED {
                return;
            }
            if !self.must.is_empty() {
                // Leapfrog until every required clause agrees.
                let mut agreed = false;
                while !agreed {
                    agreed = true;
                    for m in &mut self.must {
                        let d = seek_to(m, candidate);
                        if d != candidate {
                            agreed = false;
                            candidate = d;
                        }
                    }
                    if candidate == TERMINATED {
                        self.doc = TERMINATED;
                        return;
                    }
                }
            }
            let excluded = self
                .must_not
                .iter_mut()
                .any(|n| seek_to(n, candidate) == candidate);
            if !excluded {
                self.doc = candidate;
                return;
            }
            self.doc = self.next_candidate(candidate);
        }
    }

    /// The next candidate after `current` (which is not a match or was consumed).
    fn next_candidate(&mut self, current: DocId) -> DocId {
        if !self.must.is_empty() {
            let d = seek_to(&mut self.must[0], current);
            if d == current {
                self.must[0].advance()
            } else {
                d
            }
        } else if self.filter_all {
            if current + 1 >= self.max_doc {
                TERMINATED
            } else {
                current + 1
            }
        } else {
            let mut min = TERMINATED;
            for s in &mut self.should {
                let mut d = s.doc();
                if d == current {
                    d = s.advance();
                }
                min = min.min(d);
            }
            min
        }
    }
}

impl DocSet for BoolScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        self.doc = self.next_candidate(self.doc);
        self.settle();
        self.doc
    }
    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        self.doc = if !self.must.is_empty() {
            seek_to(&mut self.must[0], target)
        } else if self.filter_all {
            if target >= self.max_doc {
                TERMINATED
            } else {
                target
            }
        } else {
            self.should
                .iter_mut()
                .map(|s| seek_to(s, target))
                .min()
                .unwrap_or(TERMINATED)
        };
        self.settle();
        self.doc
    }
    fn doc(&self) -> DocId {
        self.doc
    }
    fn size_hint(&self) -> u32 {
        if let Some(m) = self.must.iter().map(|m| m.size_hint()).min() {
            m
        } else if self.filter_all {
            self.max_doc
        } else {
            self.should.iter().map(|s| s.size_hint()).sum()
        }
    }
}

impl Scorer for BoolScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        self.must_scores.clear();
        self.should_scores.clear();
        for m in &mut self.must {
            self.must_scores.push(m.score());
        }
        for s in &mut self.should {
            if seek_to(s, doc) == doc {
                self.should_scores.push(s.score());
            }
        }
        combine(&self.must_scores, &self.should_scores)
    }
}
