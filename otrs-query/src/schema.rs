//! Which fields a document has and how each is indexed.

use std::collections::BTreeMap;

use crate::analysis;

/// How a field is indexed and queried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Analysed text (UAX #29 words, lowercased), with positions.
    Text,
    /// One untouched term (no splitting, no lowercasing), e.g. a `yyyy-mm-dd` date.
    Keyword,
    /// A 64-bit integer; terms must parse as integers, patterns are errors.
    Integer,
    /// Stored only (the document id): never matches a query.
    Stored,
}

/// One field of the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    /// Field name, case-sensitive.
    pub name: String,
    /// How the field is indexed.
    pub kind: FieldKind,
}

/// A catch-all text field built from other text fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatchAll {
    /// Its name (`all`).
    pub name: String,
    /// The text fields copied into it, in order.
    pub sources: Vec<String>,
}

/// The schema: fields, the default field of unqualified clauses, the
/// catch-all field and the position gap between values of one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    /// The id field (stored, not searchable); documents are replaced and deleted by it.
    pub id_field: String,
    /// Every searchable field.
    pub fields: Vec<FieldDef>,
    /// The field searched by unqualified clauses.
    pub default_field: String,
    /// The catch-all field, if any (it is also a `Text` field in `fields`).
    pub catch_all: Option<CatchAll>,
    /// Positions skipped between two values of one text field (100 as in the corpus).
    pub position_gap: u32,
}

impl Schema {
    /// The schema of the conformance corpus: `title`, `body`, `queue`,
    /// `state`, `customer`, `number` text; `all` = title + body; `priority`
    /// integer; `created` keyword; `id` stored.
    pub fn corpus() -> Schema {
        let mut fields: Vec<FieldDef> = [
            "title", "body", "queue", "state", "customer", "number", "all",
        ]
        .iter()
        .map(|n| FieldDef {
            name: n.to_string(),
            kind: FieldKind::Text,
        })
        .collect();
        fields.push(FieldDef {
            name: "priority".into(),
            kind: FieldKind::Integer,
        });
        fields.push(FieldDef {
            name: "created".into(),
            kind: FieldKind::Keyword,
        });
        Schema {
            id_field: "id".into(),
            fields,
            default_field: "all".into(),
            catch_all: Some(CatchAll {
                name: "all".into(),
                sources: vec!["title".into(), "body".into()],
            }),
            position_gap: 100,
        }
    }

    /// The schema for tickets: `number`, `title`, `body` (every article,
    /// one value each), `queue`, `state`, `customer`, `owner` text;
    /// `priority` integer; `created` keyword; `all` = title + body.
    pub fn tickets() -> Schema {
        let mut fields: Vec<FieldDef> = [
            "number", "title", "body", "queue", "state", "customer", "owner", "all",
        ]
        .iter()
        .map(|n| FieldDef {
            name: n.to_string(),
            kind: FieldKind::Text,
        })
        .collect();
        fields.push(FieldDef {
            name: "priority".into(),
            kind: FieldKind::Integer,
        });
        fields.push(FieldDef {
            name: "created".into(),
            kind: FieldKind::Keyword,
        });
        Schema {
            id_field: "id".into(),
            fields,
            default_field: "all".into(),
            catch_all: Some(CatchAll {
                name: "all".into(),
                sources: vec!["title".into(), "body".into()],
            }),
            position_gap: 100,
        }
    }

    /// The kind of a field; `None` for unknown fields (and the id), which match nothing.
    pub fn kind(&self, name: &str) -> Option<FieldKind> {
        if name == self.id_field {
            return Some(FieldKind::Stored);
        }
        self.fields.iter().find(|f| f.name == name).map(|f| f.kind)
    }
}

/// A value of a document field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// One or more text values (several values are separated by the position gap).
    Text(Vec<String>),
    /// An integer.
    Int(i64),
}

/// A document to index or to match: the id plus field values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    /// The id (unique key).
    pub id: String,
    /// Field values by name; the catch-all field is derived, not given.
    pub fields: BTreeMap<String, FieldValue>,
}

impl Document {
    /// A document with no fields.
    pub fn new(id: impl Into<String>) -> Self {
        Document {
            id: id.into(),
            fields: BTreeMap::new(),
        }
    }

    /// Adds (replaces) a text field with one value.
    pub fn text(mut self, name: &str, value: impl Into<String>) -> Self {
        self.fields
            .insert(name.to_string(), FieldValue::Text(vec![value.into()]));
        self
    }

    /// Adds (replaces) a text field with several values (e.g. every article body).
    pub fn texts(mut self, name: &str, values: Vec<String>) -> Self {
        self.fields
            .insert(name.to_string(), FieldValue::Text(values));
        self
    }

    /// Adds (replaces) an integer field.
    pub fn int(mut self, name: &str, value: i64) -> Self {
        self.fields.insert(name.to_string(), FieldValue::Int(value));
        self
    }

    /// Reads one document of the corpus format: a JSON object whose strings
    /// are text values and whose integers are integer values; `id` is the id.
    pub fn from_json(value: &serde_json::Value, schema: &Schema) -> Option<Document> {
        let obj = value.as_object()?;
        let id = obj.get(&schema.id_field)?.as_str()?.to_string();
        let mut doc = Document::new(id);
        for (k, v) in obj {
            if *k == schema.id_field {
                continue;
            }
            match v {
                serde_json::Value::String(s) => {
                    doc.fields
                        .insert(k.clone(), FieldValue::Text(vec![s.clone()]));
                }
                serde_json::Value::Number(n) => {
                    if let Some(i) = n.as_i64() {
                        doc.fields.insert(k.clone(), FieldValue::Int(i));
                    }
                }
                serde_json::Value::Array(items) => {
                    let texts: Vec<String> = items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect();
                    doc.fields.insert(k.clone(), FieldValue::Text(texts));
                }
                _ => {}
            }
        }
        Some(doc)
    }
}

/// A token with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The term.
    pub text: String,
    /// Its position in the field.
    pub position: u32,
}

/// How one field of a document is indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexedField {
    /// Tokens with positions (text fields).
    Tokens(Vec<Token>),
    /// One untouched term (keyword fields).
    Keyword(String),
    /// An integer.
    Int(i64),
}

impl IndexedField {
    /// The number of terms, Lucene's field length (0 for integers).
    pub fn len(&self) -> usize {
        match self {
            IndexedField::Tokens(t) => t.len(),
            IndexedField::Keyword(_) => 1,
            IndexedField::Int(_) => 0,
        }
    }

    /// Whether the field has no terms.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Analyses text values into tokens, with `gap` positions between values.
pub fn analyze_values(values: &[String], gap: u32) -> Vec<Token> {
    analyze_values_from(values, gap, -1).0
}

/// Like [`analyze_values`] starting after position `position` (-1 for a new
/// field); also returns the last position (Lucene's running position).
fn analyze_values_from(values: &[String], gap: u32, mut position: i64) -> (Vec<Token>, i64) {
    let mut out = Vec::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            position += i64::from(gap);
        }
        analysis::tokenize_into(v, &mut |t| {
            position += 1;
            out.push(Token {
                text: t,
                position: position.max(0) as u32,
            });
        });
    }
    (out, position)
}

/// A document analysed with a schema: every searchable field's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzedDocument {
    /// The id.
    pub id: String,
    /// Indexed fields by name (the catch-all included).
    pub fields: BTreeMap<String, IndexedField>,
}

impl AnalyzedDocument {
    /// Analyses `doc` with `schema`.  Fields the schema does not know are ignored.
    pub fn new(doc: &Document, schema: &Schema) -> AnalyzedDocument {
        let mut fields = BTreeMap::new();
        // The last position of each text field, to reuse its tokens in the catch-all.
        let mut last_positions: BTreeMap<&str, i64> = BTreeMap::new();
        for def in &schema.fields {
            if schema
                .catch_all
                .as_ref()
                .is_some_and(|c| c.name == def.name)
            {
                continue;
            }
            let Some(value) = doc.fields.get(&def.name) else {
                continue;
            };
            let indexed = match (def.kind, value) {
                (FieldKind::Text, FieldValue::Text(v)) => {
                    let (tokens, last) = analyze_values_from(v, schema.position_gap, -1);
                    last_positions.insert(def.name.as_str(), last);
                    IndexedField::Tokens(tokens)
                }
                (FieldKind::Text, FieldValue::Int(i)) => {
                    IndexedField::Tokens(analyze_values(&[i.to_string()], schema.position_gap))
                }
                (FieldKind::Keyword, FieldValue::Text(v)) => match v.first() {
                    Some(s) => IndexedField::Keyword(s.clone()),
                    None => continue,
                },
                (FieldKind::Keyword, FieldValue::Int(i)) => IndexedField::Keyword(i.to_string()),
                (FieldKind::Integer, FieldValue::Int(i)) => IndexedField::Int(*i),
                (FieldKind::Integer, FieldValue::Text(v)) => {
                    match v.first().and_then(|s| s.trim().parse().ok()) {
                        Some(i) => IndexedField::Int(i),
                        None => continue,
                    }
                }
                (FieldKind::Stored, _) => continue,
            };
            fields.insert(def.name.clone(), indexed);
        }
        if let Some(all) = &schema.catch_all {
            // Every value of the sources in order, with the gap between
            // consecutive values, as if they were values of one field.
            let mut tokens = Vec::new();
            let mut position: i64 = -1;
            let mut first_value = true;
            for source in &all.sources {
                let Some(FieldValue::Text(values)) = doc.fields.get(source) else {
                    continue;
                };
                if values.is_empty() {
                    continue;
                }
                let start = if first_value {
                    position
                } else {
                    position + i64::from(schema.position_gap)
                };
                first_value = false;
                match (fields.get(source), last_positions.get(source.as_str())) {
                    (Some(IndexedField::Tokens(source_tokens)), Some(&last)) => {
                        let shift = start + 1;
                        tokens.extend(source_tokens.iter().map(|t| Token {
                            text: t.text.clone(),
                            position: (i64::from(t.position) + shift) as u32,
                        }));
                        position = start + 1 + last;
                    }
                    _ => {
                        let (more, last) = analyze_values_from(values, schema.position_gap, start);
                        tokens.extend(more);
                        position = last;
                    }
                }
            }
            fields.insert(all.name.clone(), IndexedField::Tokens(tokens));
        }
        AnalyzedDocument {
            id: doc.id.clone(),
            fields,
        }
    }
}
