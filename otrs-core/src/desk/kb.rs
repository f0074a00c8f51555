//! The knowledge base: categories (admins), articles (agents with `rw` on a category's group),
//! their files, ratings, history, and reading for agents, customer users and anonymous visitors.
//!
//! Who reads what:
//! - agents: every article of the categories they hold `ro` on (admins: all categories);
//! - visitors who are not signed in: valid public articles of valid categories (whose parents are
//!   valid too);
//! - customer users: what visitors read, and the valid external articles of those categories
//!   that share a group with the user's `ro` groups.
//!
//! When approval is required ([`DeskConfig::kb_approval_required`](crate::desk::DeskConfig)),
//! customers and visitors see approved articles only. Anything a reader may not see is reported
//! as not found.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::desk::{Actor, Ctx, Desk, check_expected_version, read_tx, write_tx};
use crate::error::{DeskError, ValidationErrors};
use crate::ids::{GroupId, KbArticleId, KbAttachmentId, KbCategoryId, KbHistoryId};
use crate::model::{
    KbAction, KbArticle, KbAttachment, KbCategory, KbContentType, KbHistoryEntry, KbRating,
    KbState, KbVote, NewAttachment, Permission, Principal, Validity, kb_article_id_from_number,
    kb_article_number, split_keywords,
};
use crate::store::{KbArticleFilter, Store, StoreTx};

/// The longest keyword text.
pub const MAX_KB_KEYWORDS_CHARS: usize = 400;
/// The longest text of one field (symptom, problem, solution, comment).
pub const MAX_KB_FIELD_CHARS: usize = 200_000;
/// The most articles one search page returns.
pub const MAX_KB_PAGE: u32 = 500;

/// Who reads the knowledge base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KbReader {
    /// A signed-in agent or customer user.
    User(Principal),
    /// A visitor of the external interface who is not signed in.
    Public,
}

impl From<Principal> for KbReader {
    fn from(principal: Principal) -> KbReader {
        KbReader::User(principal)
    }
}

/// A new category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKbCategory {
    /// The parent; `None` for a top-level category.
    pub parent_id: Option<KbCategoryId>,
    /// Name (unique among its siblings).
    pub name: String,
    /// Free comment.
    pub comment: String,
    /// The groups whose members may use it (at least one).
    pub group_ids: BTreeSet<GroupId>,
}

/// Changes to a category; `None` keeps a field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KbCategoryUpdate {
    /// New parent (`Some(None)`: move to the top).
    pub parent_id: Option<Option<KbCategoryId>>,
    /// New name.
    pub name: Option<String>,
    /// New comment.
    pub comment: Option<String>,
    /// New groups.
    pub group_ids: Option<BTreeSet<GroupId>>,
    /// New validity.
    pub validity: Option<Validity>,
}

/// A new knowledge-base article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbArticleInput {
    /// The category (the author needs `rw` on one of its groups).
    pub category_id: KbCategoryId,
    /// Title (required).
    pub title: String,
    /// Keywords, separated by spaces, commas or semicolons.
    pub keywords: String,
    /// Language code; one of [`DeskConfig::kb_languages`](crate::desk::DeskConfig).
    pub language: String,
    /// Who may read it.
    pub state: KbState,
    /// Validity.
    pub validity: Validity,
    /// How the text fields are written.
    pub content_type: KbContentType,
    /// "Symptom".
    pub symptom: String,
    /// "Problem".
    pub problem: String,
    /// "Solution".
    pub solution: String,
    /// "Comment (internal)".
    pub comment: String,
    /// Files to attach.
    pub attachments: Vec<NewAttachment>,
    /// The form whose kept uploads ([`Desk::keep_form_uploads`]) are attached too; they leave
    /// the form in the same transaction.
    pub form_uploads: Option<String>,
}

impl KbArticleInput {
    /// An internal, valid HTML article in `en` with only a title.
    pub fn new(category_id: KbCategoryId, title: impl Into<String>) -> KbArticleInput {
        KbArticleInput {
            category_id,
            title: title.into(),
            keywords: String::new(),
            language: "en".into(),
            state: KbState::Internal,
            validity: Validity::Valid,
            content_type: KbContentType::Html,
            symptom: String::new(),
            problem: String::new(),
            solution: String::new(),
            comment: String::new(),
            attachments: Vec::new(),
            form_uploads: None,
        }
    }
}

/// Changes to an article; `None` keeps a field. Files can be removed and added in the same
/// command (or alone, through [`Desk::add_kb_attachments`] and [`Desk::remove_kb_attachment`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KbArticleUpdate {
    /// Move to another category (`rw` needed on both).
    pub category_id: Option<KbCategoryId>,
    /// New title.
    pub title: Option<String>,
    /// New keywords.
    pub keywords: Option<String>,
    /// New language.
    pub language: Option<String>,
    /// New state.
    pub state: Option<KbState>,
    /// New validity.
    pub validity: Option<Validity>,
    /// New content type.
    pub content_type: Option<KbContentType>,
    /// New symptom.
    pub symptom: Option<String>,
    /// New problem.
    pub problem: Option<String>,
    /// New solution.
    pub solution: Option<String>,
    /// New internal comment.
    pub comment: Option<String>,
    /// Files of the article to remove.
    pub remove_attachments: Vec<KbAttachmentId>,
    /// Files to attach.
    pub add_attachments: Vec<NewAttachment>,
    /// The form whose kept uploads are attached too (and leave the form).
    pub form_uploads: Option<String>,
}

/// A category as a reader sees it in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbCategoryNode {
    /// The category.
    pub category: KbCategory,
    /// The names from the top of the tree down to this category, joined by `::`.
    pub path: String,
    /// 0 for top-level categories.
    pub depth: usize,
    /// How many of the category's own articles (not its subcategories') the reader sees.
    pub article_count: usize,
}

/// An article as one reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbArticleView {
    /// The article; for customers and visitors the internal comment is empty.
    pub article: KbArticle,
    /// Its number (`FAQ#`).
    pub number: String,
    /// Its category.
    pub category: KbCategory,
    /// The category path (`Parent::Child`).
    pub category_path: String,
    /// The votes.
    pub rating: KbRating,
    /// The reader's own vote, if any.
    pub my_vote: Option<bool>,
    /// The reader may edit, delete and link it.
    pub may_edit: bool,
}

/// How a search orders its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KbSortKey {
    /// By number (id).
    Number,
    /// By title.
    Title,
    /// By category path.
    Category,
    /// By language code.
    Language,
    /// By state.
    State,
    /// By validity.
    Validity,
    /// By creation time.
    Created,
    /// By last change (the default, newest first when descending).
    #[default]
    Changed,
}

impl KbSortKey {
    /// Every key, for parsing.
    pub const ALL: [KbSortKey; 8] = [
        KbSortKey::Number,
        KbSortKey::Title,
        KbSortKey::Category,
        KbSortKey::Language,
        KbSortKey::State,
        KbSortKey::Validity,
        KbSortKey::Created,
        KbSortKey::Changed,
    ];

    /// The name used in URLs and the API.
    pub const fn name(self) -> &'static str {
        match self {
            KbSortKey::Number => "number",
            KbSortKey::Title => "title",
            KbSortKey::Category => "category",
            KbSortKey::Language => "language",
            KbSortKey::State => "state",
            KbSortKey::Validity => "validity",
            KbSortKey::Created => "created",
            KbSortKey::Changed => "changed",
        }
    }

    /// Parses [`KbSortKey::name`].
    pub fn from_name(name: &str) -> Option<KbSortKey> {
        KbSortKey::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// A knowledge-base search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbQuery {
    /// Words that must all occur (case-insensitive) in the number, title, keywords or a field
    /// the reader sees; `None` or blank for all articles.
    pub text: Option<String>,
    /// Only this category (and, with `include_subcategories`, those below it).
    pub category_id: Option<KbCategoryId>,
    /// Also the categories below `category_id`.
    pub include_subcategories: bool,
    /// Only these states (agents); empty for all the reader sees.
    pub states: BTreeSet<KbState>,
    /// Only this language.
    pub language: Option<String>,
    /// Only this validity (agents; customers and visitors only ever see valid articles).
    pub validity: Option<Validity>,
    /// Order.
    pub sort: KbSortKey,
    /// Descending order.
    pub descending: bool,
    /// How many matches to skip.
    pub offset: u64,
    /// Page size (1 to [`MAX_KB_PAGE`]).
    pub limit: u32,
}

impl Default for KbQuery {
    fn default() -> Self {
        KbQuery {
            text: None,
            category_id: None,
            include_subcategories: true,
            states: BTreeSet::new(),
            language: None,
            validity: None,
            sort: KbSortKey::Changed,
            descending: true,
            offset: 0,
            limit: 50,
        }
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbListItem {
    /// The article (for customers and visitors without the internal comment).
    pub article: KbArticle,
    /// Its number.
    pub number: String,
    /// Its category path.
    pub category_path: String,
}

/// A page of search results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbSearchPage {
    /// The articles of this page.
    pub items: Vec<KbListItem>,
    /// All matches.
    pub total: u64,
}

/// The reader of one command, as loaded inside its transaction.
enum Audience {
    Agent(Box<crate::model::Agent>),
    Customer(Box<crate::model::CustomerUser>),
    Public,
}

/// The category tree and what the reader may do in each category.
struct CategoryAccess {
    categories: BTreeMap<KbCategoryId, KbCategory>,
    paths: BTreeMap<KbCategoryId, String>,
    depths: BTreeMap<KbCategoryId, usize>,
    readable: BTreeSet<KbCategoryId>,
    /// Where the reader may read external articles (customers: through a shared group).
    external_readable: BTreeSet<KbCategoryId>,
    writable: BTreeSet<KbCategoryId>,
    /// The states the reader may see.
    states: BTreeSet<KbState>,
    /// Customers and visitors see valid (and, when required, approved) articles only.
    published_only: bool,
    agent: bool,
}

impl CategoryAccess {
    fn new(categories: Vec<KbCategory>, audience: &Audience, published_only: bool) -> Self {
        let categories: BTreeMap<_, _> = categories.into_iter().map(|c| (c.id, c)).collect();
        let mut paths = BTreeMap::new();
        let mut depths = BTreeMap::new();
        let mut chain_valid = BTreeMap::new();
        for id in categories.keys() {
            let mut names = Vec::new();
            let mut valid = true;
            let mut current = Some(*id);
            // The store refuses cycles, but stop after as many steps as there are categories.
            for _ in 0..=categories.len() {
                let Some(c) = current.and_then(|id| categories.get(&id)) else {
                    break;
                };
                names.push(c.name.as_str());
                valid &= c.validity.is_valid();
                current = c.parent_id;
            }
            names.reverse();
            depths.insert(*id, names.len().saturating_sub(1));
            paths.insert(*id, names.join("::"));
            chain_valid.insert(*id, valid);
        }
        let (mut readable, mut writable) = (BTreeSet::new(), BTreeSet::new());
        let mut external_readable = BTreeSet::new();
        for (id, category) in &categories {
            let (read, write) = match audience {
                Audience::Agent(agent) if agent.is_admin() => (true, true),
                Audience::Agent(agent) => {
                    let holds = |p| {
                        category
                            .group_ids
                            .iter()
                            .any(|g| agent.permissions_on(*g).grants(p))
                    };
                    (holds(Permission::Ro), holds(Permission::Rw))
                }
                Audience::Customer(user) => {
                    let shares_group = category
                        .group_ids
                        .iter()
                        .any(|g| user.groups.get(g).is_some_and(|p| p.grants(Permission::Ro)));
                    if chain_valid[id] && shares_group {
                        external_readable.insert(*id);
                    }
                    (chain_valid[id], false)
                }
                Audience::Public => (chain_valid[id], false),
            };
            if read {
                readable.insert(*id);
                if matches!(audience, Audience::Agent(_)) {
                    external_readable.insert(*id);
                }
            }
            if write {
                writable.insert(*id);
            }
        }
        let states = match audience {
            Audience::Agent(_) => KbState::ALL.into_iter().collect(),
            Audience::Customer(_) => [KbState::External, KbState::Public].into(),
            Audience::Public => [KbState::Public].into(),
        };
        let agent = matches!(audience, Audience::Agent(_));
        CategoryAccess {
            categories,
            paths,
            depths,
            readable,
            external_readable,
            writable,
            states,
            published_only: published_only && !agent,
            agent,
        }
    }

    fn may_read(&self, article: &KbArticle) -> bool {
        self.readable.contains(&article.category_id)
            && self.states.contains(&article.state)
            && (article.state != KbState::External
                || self.external_readable.contains(&article.category_id))
            && (self.agent || article.validity.is_valid())
            && (!self.published_only || article.approved)
    }

    fn path(&self, id: KbCategoryId) -> String {
        self.paths.get(&id).cloned().unwrap_or_default()
    }

    /// The article as this reader may see it (customers and visitors never get the comment).
    fn shown(&self, mut article: KbArticle) -> KbArticle {
        if !self.agent {
            article.comment.clear();
        }
        article
    }

    /// `id` and every category above it.
    fn ancestry(&self, id: KbCategoryId) -> Vec<KbCategoryId> {
        let mut chain = Vec::new();
        let mut current = Some(id);
        while let Some(c) = current.and_then(|c| self.categories.get(&c)) {
            if chain.contains(&c.id) || chain.len() > self.categories.len() {
                break;
            }
            chain.push(c.id);
            current = c.parent_id;
        }
        chain
    }

    /// `id` and every category below it.
    fn subtree(&self, id: KbCategoryId) -> BTreeSet<KbCategoryId> {
        let mut found = BTreeSet::from([id]);
        loop {
            let more: Vec<_> = self
                .categories
                .values()
                .filter(|c| {
                    c.parent_id.is_some_and(|p| found.contains(&p)) && !found.contains(&c.id)
                })
                .map(|c| c.id)
                .collect();
            if more.is_empty() {
                return found;
            }
            found.extend(more);
        }
    }
}

impl<S: Store> Desk<S> {
    async fn kb_audience(&self, tx: &mut S::Tx, reader: KbReader) -> Result<Audience, DeskError> {
        Ok(match reader {
            KbReader::Public => Audience::Public,
            KbReader::User(principal) => match self.ctx(tx, principal).await?.actor {
                Actor::Agent(agent) => Audience::Agent(Box::new(agent)),
                Actor::Customer(user) => Audience::Customer(Box::new(user)),
            },
        })
    }

    async fn kb_access(
        &self,
        tx: &mut S::Tx,
        audience: &Audience,
    ) -> Result<CategoryAccess, DeskError> {
        let categories = tx.kb_categories().await?;
        Ok(CategoryAccess::new(
            categories,
            audience,
            self.config.kb_approval_required,
        ))
    }

    fn kb_agent_access(ctx: &Ctx) -> Audience {
        match &ctx.actor {
            Actor::Agent(agent) => Audience::Agent(Box::new(agent.clone())),
            Actor::Customer(user) => Audience::Customer(Box::new(user.clone())),
        }
    }

    // --- categories --------------------------------------------------------------------------

    /// The categories the reader may see, in tree order (parents before children, siblings by
    /// name), with how many articles of each the reader sees. Customers and visitors get only
    /// the categories that hold, or lead to, an article they may read.
    pub async fn kb_categories(
        &self,
        reader: impl Into<KbReader>,
    ) -> Result<Vec<KbCategoryNode>, DeskError> {
        let reader = reader.into();
        read_tx!(self, |tx| self.kb_categories_tx(&mut tx, reader))
    }

    async fn kb_categories_tx(
        &self,
        tx: &mut S::Tx,
        reader: KbReader,
    ) -> Result<Vec<KbCategoryNode>, DeskError> {
        let audience = self.kb_audience(tx, reader).await?;
        let access = self.kb_access(tx, &audience).await?;
        let filter = KbArticleFilter {
            category_ids: Some(access.readable.clone()),
            states: Some(access.states.clone()),
            valid_only: !access.agent,
            approved_only: access.published_only,
        };
        let mut counts: BTreeMap<KbCategoryId, usize> = BTreeMap::new();
        for article in tx.kb_articles(&filter).await? {
            if access.may_read(&article) {
                *counts.entry(article.category_id).or_default() += 1;
            }
        }
        // Customers and visitors are shown only the branches that lead to something to read.
        let shown: BTreeSet<KbCategoryId> = if access.agent {
            access.readable.clone()
        } else {
            counts.keys().flat_map(|id| access.ancestry(*id)).collect()
        };
        let mut nodes: Vec<KbCategoryNode> = shown
            .iter()
            .map(|id| KbCategoryNode {
                category: access.categories[id].clone(),
                path: access.path(*id),
                depth: access.depths[id],
                article_count: counts.get(id).copied().unwrap_or(0),
            })
            .collect();
        // Tree order: sorting by the list of names from the top puts parents first.
        nodes.sort_by(|a, b| {
            let key = |n: &KbCategoryNode| {
                n.path
                    .split("::")
                    .map(str::to_lowercase)
                    .collect::<Vec<_>>()
            };
            key(a).cmp(&key(b)).then(a.category.id.cmp(&b.category.id))
        });
        Ok(nodes)
    }

    fn check_kb_category_fields(errors: &mut ValidationErrors, category: &KbCategory) {
        errors.text("name", &category.name, 1, 200, false);
        if category.name.contains("::") {
            errors.add(
                "name",
                "must not contain \"::\" (it separates category levels)",
            );
        }
        errors.text("comment", &category.comment, 0, 250, true);
        if category.group_ids.is_empty() {
            errors.add("groups", "needs at least one group");
        }
    }

    async fn check_kb_category_refs(
        &self,
        tx: &mut S::Tx,
        errors: &mut ValidationErrors,
        category: &KbCategory,
    ) -> Result<(), DeskError> {
        let groups = tx.groups().await?;
        for group in &category.group_ids {
            if !groups.iter().any(|g| g.id == *group) {
                errors.add("groups", format!("group {group} does not exist"));
            }
        }
        let categories = tx.kb_categories().await?;
        if let Some(parent) = category.parent_id {
            // Walk up from the new parent: meeting the category itself would make a cycle.
            let mut current = Some(parent);
            let mut steps = 0;
            while let Some(id) = current {
                if id == category.id {
                    errors.add(
                        "parent",
                        "a category cannot be placed below itself or its subcategories",
                    );
                    break;
                }
                match categories.iter().find(|c| c.id == id) {
                    Some(c) => current = c.parent_id,
                    None => {
                        errors.add("parent", format!("category {id} does not exist"));
                        break;
                    }
                }
                steps += 1;
                if steps > categories.len() {
                    break;
                }
            }
        }
        if categories.iter().any(|c| {
            c.id != category.id
                && c.parent_id == category.parent_id
                && c.name.eq_ignore_ascii_case(category.name.trim())
        }) {
            errors.add(
                "name",
                format!(
                    "{:?} already exists at this level of the tree",
                    category.name.trim()
                ),
            );
        }
        Ok(())
    }

    /// Creates a category (admins).
    pub async fn create_kb_category(
        &self,
        actor: Principal,
        new: NewKbCategory,
    ) -> Result<KbCategory, DeskError> {
        write_tx!(self, |tx| self.create_kb_category_tx(&mut tx, actor, &new))
    }

    async fn create_kb_category_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        new: &NewKbCategory,
    ) -> Result<KbCategory, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        Self::require_admin(
            &ctx,
            "create",
            format!("knowledge-base category {}", new.name),
        )?;
        let category = KbCategory {
            id: KbCategoryId(0),
            parent_id: new.parent_id,
            name: new.name.trim().to_owned(),
            comment: new.comment.trim().to_owned(),
            group_ids: new.group_ids.clone(),
            validity: Validity::Valid,
            created_at: ctx.now,
            changed_at: ctx.now,
            changed_by: ctx.actor.principal(),
            version: 0,
        };
        let mut errors = ValidationErrors::new();
        Self::check_kb_category_fields(&mut errors, &category);
        self.check_kb_category_refs(tx, &mut errors, &category)
            .await?;
        errors.into_result()?;
        Ok(tx.insert_kb_category(&category).await?)
    }

    /// Changes a category (admins). `expected_version` refuses a stale copy.
    pub async fn update_kb_category(
        &self,
        actor: Principal,
        id: KbCategoryId,
        update: KbCategoryUpdate,
        expected_version: Option<u64>,
    ) -> Result<KbCategory, DeskError> {
        write_tx!(self, |tx| self.update_kb_category_tx(
            &mut tx,
            actor,
            id,
            &update,
            expected_version
        ))
    }

    async fn update_kb_category_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        id: KbCategoryId,
        update: &KbCategoryUpdate,
        expected_version: Option<u64>,
    ) -> Result<KbCategory, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let stored = self.load_kb_category(tx, id).await?;
        Self::require_admin(
            &ctx,
            "change",
            format!("knowledge-base category {}", stored.name),
        )?;
        check_expected_version(
            || format!("knowledge-base category {}", stored.name),
            expected_version,
            stored.version,
        )?;
        let mut category = stored.clone();
        if let Some(parent) = update.parent_id {
            category.parent_id = parent;
        }
        if let Some(name) = &update.name {
            category.name = name.trim().to_owned();
        }
        if let Some(comment) = &update.comment {
            category.comment = comment.trim().to_owned();
        }
        if let Some(groups) = &update.group_ids {
            category.group_ids = groups.clone();
        }
        if let Some(validity) = update.validity {
            category.validity = validity;
        }
        if category == stored {
            return Ok(stored);
        }
        let mut errors = ValidationErrors::new();
        Self::check_kb_category_fields(&mut errors, &category);
        self.check_kb_category_refs(tx, &mut errors, &category)
            .await?;
        errors.into_result()?;
        category.changed_at = ctx.now;
        category.changed_by = ctx.actor.principal();
        Ok(tx.update_kb_category(&category).await?)
    }

    /// Deletes an empty category (admins): one with articles or subcategories is refused.
    pub async fn delete_kb_category(
        &self,
        actor: Principal,
        id: KbCategoryId,
    ) -> Result<(), DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_admin(&ctx, "delete", format!("knowledge-base category {id}"))?;
            let category = self.load_kb_category(&mut tx, id).await?;
            let object = format!("knowledge-base category {}", category.name);
            let in_use = tx
                .kb_categories()
                .await?
                .iter()
                .any(|c| c.parent_id == Some(id))
                || !tx
                    .kb_articles(&KbArticleFilter {
                        category_ids: Some([id].into()),
                        ..KbArticleFilter::default()
                    })
                    .await?
                    .is_empty();
            if in_use {
                return Err(DeskError::NotAllowed {
                    object,
                    reason: "it still holds articles or subcategories; move or delete them first"
                        .into(),
                });
            }
            tx.delete_kb_category(id).await?;
            Ok::<_, DeskError>(())
        })
    }

    async fn load_kb_category(
        &self,
        tx: &mut S::Tx,
        id: KbCategoryId,
    ) -> Result<KbCategory, DeskError> {
        tx.kb_categories()
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| DeskError::not_found("knowledge-base category", id))
    }

    // --- articles ----------------------------------------------------------------------------

    fn check_kb_article_fields(&self, errors: &mut ValidationErrors, article: &KbArticle) {
        errors.text("title", &article.title, 1, 200, false);
        errors.text(
            "keywords",
            &article.keywords,
            0,
            MAX_KB_KEYWORDS_CHARS,
            false,
        );
        if !self
            .config
            .kb_languages
            .iter()
            .any(|l| l.eq_ignore_ascii_case(&article.language))
        {
            errors.add(
                "language",
                format!(
                    "{:?} is not one of the knowledge-base languages ({})",
                    article.language,
                    self.config.kb_languages.join(", ")
                ),
            );
        }
        for (name, value) in [
            ("symptom", &article.symptom),
            ("problem", &article.problem),
            ("solution", &article.solution),
            ("comment", &article.comment),
        ] {
            errors.text(name, value, 0, MAX_KB_FIELD_CHARS, true);
        }
    }

    /// Loads an article and requires the reader to see it (otherwise: not found).
    async fn readable_kb_article(
        &self,
        tx: &mut S::Tx,
        access: &CategoryAccess,
        id: KbArticleId,
    ) -> Result<KbArticle, DeskError> {
        let number = kb_article_number(self.config.system_id, id);
        match tx.kb_article(id).await? {
            Some(article) if access.may_read(&article) => Ok(article),
            _ => Err(DeskError::not_found("knowledge-base article", number)),
        }
    }

    /// Loads an article the actor may change (`rw` on its category's group).
    async fn writable_kb_article(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        access: &CategoryAccess,
        id: KbArticleId,
        action: &'static str,
    ) -> Result<KbArticle, DeskError> {
        let article = self.readable_kb_article(tx, access, id).await?;
        if !access.writable.contains(&article.category_id) {
            return Err(DeskError::PermissionDenied {
                actor: ctx.actor.describe(),
                action,
                object: format!(
                    "knowledge-base article {}",
                    kb_article_number(self.config.system_id, id)
                ),
                reason: "needs the rw permission on one of the category's groups".into(),
            });
        }
        Ok(article)
    }

    fn require_writable_category(
        &self,
        ctx: &Ctx,
        access: &CategoryAccess,
        id: KbCategoryId,
    ) -> Result<(), DeskError> {
        if !access.categories.contains_key(&id) {
            return Err(DeskError::invalid(
                "category",
                format!("category {id} does not exist"),
            ));
        }
        if !access.readable.contains(&id) {
            return Err(DeskError::invalid(
                "category",
                format!("category {id} does not exist"),
            ));
        }
        if !access.writable.contains(&id) {
            return Err(DeskError::PermissionDenied {
                actor: ctx.actor.describe(),
                action: "write articles in",
                object: format!("knowledge-base category {}", access.path(id)),
                reason: "needs the rw permission on one of the category's groups".into(),
            });
        }
        Ok(())
    }

    async fn kb_history_row(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        article: KbArticleId,
        action: KbAction,
        detail: String,
    ) -> Result<(), DeskError> {
        tx.append_kb_history(&KbHistoryEntry {
            id: KbHistoryId(0),
            article_id: article,
            action,
            detail,
            by: ctx.actor.principal(),
            at: ctx.now,
        })
        .await?;
        Ok(())
    }

    /// Writes an article (agents with `rw` on one of the category's groups). New articles are
    /// approved unless approval is required.
    pub async fn create_kb_article(
        &self,
        actor: Principal,
        input: KbArticleInput,
    ) -> Result<KbArticle, DeskError> {
        write_tx!(self, |tx| self.create_kb_article_tx(&mut tx, actor, &input))
    }

    async fn create_kb_article_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        input: &KbArticleInput,
    ) -> Result<KbArticle, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        Self::require_agent(&ctx, "write", "knowledge-base articles".into())?;
        let access = self.kb_access(tx, &Self::kb_agent_access(&ctx)).await?;
        self.require_writable_category(&ctx, &access, input.category_id)?;
        let article = KbArticle {
            id: KbArticleId(0),
            category_id: input.category_id,
            title: input.title.trim().to_owned(),
            keywords: input.keywords.trim().to_owned(),
            language: input.language.trim().to_ascii_lowercase(),
            state: input.state,
            validity: input.validity,
            approved: !self.config.kb_approval_required,
            content_type: input.content_type,
            symptom: input.symptom.clone(),
            problem: input.problem.clone(),
            solution: input.solution.clone(),
            comment: input.comment.clone(),
            attachments: Vec::new(),
            created_at: ctx.now,
            created_by: ctx.actor.principal(),
            changed_at: ctx.now,
            changed_by: ctx.actor.principal(),
            version: 0,
        };
        let mut files = input.attachments.clone();
        if let Some(key) = &input.form_uploads {
            files.extend(self.take_form_files(tx, &ctx, key).await?);
        }
        let mut errors = ValidationErrors::new();
        self.check_kb_article_fields(&mut errors, &article);
        self.check_attachments(&mut errors, &files);
        errors.into_result()?;
        let stored = tx.insert_kb_article(&article, &files).await?;
        self.kb_history_row(
            tx,
            &ctx,
            stored.id,
            KbAction::Created,
            format!("{} ({})", stored.title, stored.state.label()),
        )
        .await?;
        Ok(stored)
    }

    /// Changes an article's fields (`rw` on its category, and on the new one when moving it).
    /// `expected_version` refuses a stale copy. The history names the changed fields.
    pub async fn update_kb_article(
        &self,
        actor: Principal,
        id: KbArticleId,
        update: KbArticleUpdate,
        expected_version: Option<u64>,
    ) -> Result<KbArticle, DeskError> {
        write_tx!(self, |tx| self.update_kb_article_tx(
            &mut tx,
            actor,
            id,
            &update,
            expected_version
        ))
    }

    async fn update_kb_article_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        id: KbArticleId,
        update: &KbArticleUpdate,
        expected_version: Option<u64>,
    ) -> Result<KbArticle, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        Self::require_agent(&ctx, "change", "knowledge-base articles".into())?;
        let access = self.kb_access(tx, &Self::kb_agent_access(&ctx)).await?;
        let stored = self
            .writable_kb_article(tx, &ctx, &access, id, "change")
            .await?;
        self.check_kb_version(&stored, expected_version)?;
        let mut article = stored.clone();
        let mut changed = Vec::new();
        macro_rules! apply {
            ($field:ident, $name:literal, $value:expr) => {
                if let Some(value) = $value {
                    if article.$field != value {
                        article.$field = value;
                        changed.push($name);
                    }
                }
            };
        }
        if let Some(category) = update.category_id
            && category != article.category_id
        {
            self.require_writable_category(&ctx, &access, category)?;
        }
        apply!(category_id, "category", update.category_id);
        apply!(
            title,
            "title",
            update.title.as_ref().map(|t| t.trim().to_owned())
        );
        apply!(
            keywords,
            "keywords",
            update.keywords.as_ref().map(|t| t.trim().to_owned())
        );
        apply!(
            language,
            "language",
            update
                .language
                .as_ref()
                .map(|t| t.trim().to_ascii_lowercase())
        );
        apply!(state, "state", update.state);
        apply!(validity, "validity", update.validity);
        apply!(content_type, "content type", update.content_type);
        apply!(symptom, "symptom", update.symptom.clone());
        apply!(problem, "problem", update.problem.clone());
        apply!(solution, "solution", update.solution.clone());
        apply!(comment, "comment", update.comment.clone());
        let mut adding = update.add_attachments.clone();
        if let Some(key) = &update.form_uploads {
            adding.extend(self.take_form_files(tx, &ctx, key).await?);
        }
        if changed.is_empty() && adding.is_empty() && update.remove_attachments.is_empty() {
            return Ok(stored);
        }
        let mut errors = ValidationErrors::new();
        self.check_kb_article_fields(&mut errors, &article);
        self.check_attachments(&mut errors, &adding);
        let removing: Vec<KbAttachment> = update
            .remove_attachments
            .iter()
            .filter_map(|id| stored.attachments.iter().find(|a| a.id == *id).cloned())
            .collect();
        if let Some(unknown) = update
            .remove_attachments
            .iter()
            .find(|id| !stored.attachments.iter().any(|a| a.id == **id))
        {
            errors.add(
                "remove_attachments",
                format!("the article has no file {unknown}"),
            );
        }
        let file_count = stored.attachments.len() - removing.len() + adding.len();
        if file_count > self.config.max_attachments_per_article {
            errors.add(
                "attachments",
                format!(
                    "the article would have {file_count} files; at most {} are allowed",
                    self.config.max_attachments_per_article
                ),
            );
        }
        errors.into_result()?;
        for file in &removing {
            tx.delete_kb_attachment(id, file.id).await?;
            self.kb_history_row(
                tx,
                &ctx,
                id,
                KbAction::AttachmentRemoved,
                file.filename.clone(),
            )
            .await?;
        }
        for file in &adding {
            tx.insert_kb_attachment(id, file).await?;
            self.kb_history_row(
                tx,
                &ctx,
                id,
                KbAction::AttachmentAdded,
                file.filename.clone(),
            )
            .await?;
        }
        // A changed public text needs a new approval unless the author may approve.
        let public_text_changed = changed
            .iter()
            .any(|f| matches!(*f, "title" | "symptom" | "problem" | "solution"));
        if self.config.kb_approval_required && public_text_changed && !Self::may_approve(&ctx) {
            article.approved = false;
        }
        article.changed_at = ctx.now;
        article.changed_by = ctx.actor.principal();
        let saved = tx.update_kb_article(&article).await?;
        if !changed.is_empty() {
            self.kb_history_row(tx, &ctx, id, KbAction::Updated, changed.join(", "))
                .await?;
        }
        Ok(saved)
    }

    /// Refuses a caller's copy of an article that is no longer current.
    fn check_kb_version(
        &self,
        article: &KbArticle,
        expected_version: Option<u64>,
    ) -> Result<(), DeskError> {
        check_expected_version(
            || {
                format!(
                    "knowledge-base article {}",
                    article.number(self.config.system_id)
                )
            },
            expected_version,
            article.version,
        )
    }

    fn may_approve(ctx: &Ctx) -> bool {
        matches!(&ctx.actor, Actor::Agent(a) if a.is_admin() || a.permissions_on(GroupId::USERS).grants(Permission::Rw))
    }

    /// Approves an article for customers and visitors, or takes the approval back (agents with
    /// `rw` on the category and on the `users` group). `expected_version` refuses a stale copy.
    pub async fn set_kb_approval(
        &self,
        actor: Principal,
        id: KbArticleId,
        approved: bool,
        expected_version: Option<u64>,
    ) -> Result<KbArticle, DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_agent(&ctx, "approve", "knowledge-base articles".into())?;
            let access = self
                .kb_access(&mut tx, &Self::kb_agent_access(&ctx))
                .await?;
            let mut article = self
                .writable_kb_article(&mut tx, &ctx, &access, id, "approve")
                .await?;
            self.check_kb_version(&article, expected_version)?;
            if !Self::may_approve(&ctx) {
                return Err(DeskError::PermissionDenied {
                    actor: ctx.actor.describe(),
                    action: "approve",
                    object: format!(
                        "knowledge-base article {}",
                        article.number(self.config.system_id)
                    ),
                    reason: "needs rw on the users group".into(),
                });
            }
            if article.approved == approved {
                return Ok(article);
            }
            article.approved = approved;
            article.changed_at = ctx.now;
            article.changed_by = ctx.actor.principal();
            let saved = tx.update_kb_article(&article).await?;
            let detail = if approved {
                "approved"
            } else {
                "approval withdrawn"
            };
            self.kb_history_row(&mut tx, &ctx, id, KbAction::ApprovalChanged, detail.into())
                .await?;
            Ok::<_, DeskError>(saved)
        })
    }

    /// Deletes an article with its files, votes and history; its links go too, and every linked
    /// ticket's history records the removed link. `expected_version` refuses a stale copy (an
    /// article changed since the deletion was confirmed).
    pub async fn delete_kb_article(
        &self,
        actor: Principal,
        id: KbArticleId,
        expected_version: Option<u64>,
    ) -> Result<(), DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_agent(&ctx, "delete", "knowledge-base articles".into())?;
            let access = self
                .kb_access(&mut tx, &Self::kb_agent_access(&ctx))
                .await?;
            let article = self
                .writable_kb_article(&mut tx, &ctx, &access, id, "delete")
                .await?;
            self.check_kb_version(&article, expected_version)?;
            let here = crate::model::ObjectRef::KbArticle(id);
            for link in tx.links_of(here).await? {
                self.remove_link_in(&mut tx, &ctx, &link, here).await?;
            }
            tx.delete_kb_article(article.id).await?;
            Ok::<_, DeskError>(())
        })
    }

    /// An article as the reader sees it, with its rating and the reader's own vote.
    pub async fn kb_article(
        &self,
        reader: impl Into<KbReader>,
        id: KbArticleId,
    ) -> Result<KbArticleView, DeskError> {
        let reader = reader.into();
        read_tx!(self, |tx| self.kb_article_tx(&mut tx, reader, id))
    }

    /// An article by its number (`FAQ#`).
    pub async fn kb_article_by_number(
        &self,
        reader: impl Into<KbReader>,
        number: &str,
    ) -> Result<KbArticleView, DeskError> {
        let id = kb_article_id_from_number(self.config.system_id, number)
            .ok_or_else(|| DeskError::not_found("knowledge-base article", number))?;
        self.kb_article(reader, id).await
    }

    async fn kb_article_tx(
        &self,
        tx: &mut S::Tx,
        reader: KbReader,
        id: KbArticleId,
    ) -> Result<KbArticleView, DeskError> {
        let audience = self.kb_audience(tx, reader).await?;
        let access = self.kb_access(tx, &audience).await?;
        let article = self.readable_kb_article(tx, &access, id).await?;
        let votes = tx.kb_votes(id).await?;
        let my_vote = match reader {
            KbReader::User(me) => votes.iter().find(|v| v.voter == me).map(|v| v.helpful),
            KbReader::Public => None,
        };
        Ok(KbArticleView {
            number: article.number(self.config.system_id),
            category: access.categories[&article.category_id].clone(),
            category_path: access.path(article.category_id),
            rating: KbRating::of(&votes),
            my_vote,
            may_edit: access.writable.contains(&article.category_id),
            article: access.shown(article),
        })
    }

    /// Searches the articles the reader sees. Every word of the text must occur in the number,
    /// title, keywords or one of the fields the reader sees (case-insensitive).
    pub async fn search_kb(
        &self,
        reader: impl Into<KbReader>,
        query: KbQuery,
    ) -> Result<KbSearchPage, DeskError> {
        let reader = reader.into();
        if query.limit == 0 || query.limit > MAX_KB_PAGE {
            return Err(DeskError::invalid(
                "limit",
                format!("must be between 1 and {MAX_KB_PAGE}"),
            ));
        }
        read_tx!(self, |tx| self.search_kb_tx(&mut tx, reader, &query))
    }

    async fn search_kb_tx(
        &self,
        tx: &mut S::Tx,
        reader: KbReader,
        query: &KbQuery,
    ) -> Result<KbSearchPage, DeskError> {
        let audience = self.kb_audience(tx, reader).await?;
        let access = self.kb_access(tx, &audience).await?;
        let mut categories = access.readable.clone();
        if let Some(id) = query.category_id {
            let wanted = if query.include_subcategories {
                access.subtree(id)
            } else {
                [id].into()
            };
            categories.retain(|c| wanted.contains(c));
        }
        let mut states = access.states.clone();
        if !query.states.is_empty() {
            states.retain(|s| query.states.contains(s));
        }
        let filter = KbArticleFilter {
            category_ids: Some(categories),
            states: Some(states),
            valid_only: !access.agent || query.validity == Some(Validity::Valid),
            approved_only: access.published_only,
        };
        let words: Vec<String> = query
            .text
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let system_id = self.config.system_id;
        let mut hits: Vec<KbListItem> = tx
            .kb_articles(&filter)
            .await?
            .into_iter()
            .filter(|a| access.may_read(a))
            .filter(|a| query.validity.is_none_or(|v| a.validity == v))
            .filter(|a| {
                query
                    .language
                    .as_deref()
                    .is_none_or(|l| a.language.eq_ignore_ascii_case(l))
            })
            .map(|a| access.shown(a))
            .filter(|a| {
                if words.is_empty() {
                    return true;
                }
                let haystack = [
                    a.number(system_id).as_str(),
                    &a.title,
                    &a.keywords,
                    &a.symptom,
                    &a.problem,
                    &a.solution,
                    &a.comment,
                ]
                .join("\n")
                .to_lowercase();
                words.iter().all(|w| haystack.contains(w.as_str()))
            })
            .map(|a| KbListItem {
                number: a.number(system_id),
                category_path: access.path(a.category_id),
                article: a,
            })
            .collect();
        hits.sort_by(|a, b| {
            let (x, y) = (&a.article, &b.article);
            let order = match query.sort {
                KbSortKey::Number => x.id.cmp(&y.id),
                KbSortKey::Title => x.title.to_lowercase().cmp(&y.title.to_lowercase()),
                KbSortKey::Category => a
                    .category_path
                    .to_lowercase()
                    .cmp(&b.category_path.to_lowercase()),
                KbSortKey::Language => x.language.cmp(&y.language),
                KbSortKey::State => x.state.cmp(&y.state),
                KbSortKey::Validity => x.validity.name().cmp(y.validity.name()),
                KbSortKey::Created => x.created_at.cmp(&y.created_at),
                KbSortKey::Changed => x.changed_at.cmp(&y.changed_at),
            }
            .then(x.id.cmp(&y.id));
            if query.descending {
                order.reverse()
            } else {
                order
            }
        });
        let total = hits.len() as u64;
        let items = hits
            .into_iter()
            .skip(usize::try_from(query.offset).unwrap_or(usize::MAX))
            .take(query.limit as usize)
            .collect();
        Ok(KbSearchPage { items, total })
    }

    /// Articles whose keywords occur in `text` (a subject and message being written), most
    /// matched keywords first (ties: newest change first), at most `limit`.
    pub async fn related_kb_articles(
        &self,
        reader: impl Into<KbReader>,
        text: &str,
        limit: usize,
    ) -> Result<Vec<KbListItem>, DeskError> {
        let reader = reader.into();
        let words: BTreeSet<String> = split_keywords(text)
            .into_iter()
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_owned())
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        read_tx!(self, |tx| async {
            let audience = self.kb_audience(&mut tx, reader).await?;
            let access = self.kb_access(&mut tx, &audience).await?;
            let filter = KbArticleFilter {
                category_ids: Some(access.readable.clone()),
                states: Some(access.states.clone()),
                valid_only: true,
                approved_only: access.published_only,
            };
            let mut scored: Vec<(usize, KbArticle)> = tx
                .kb_articles(&filter)
                .await?
                .into_iter()
                .filter(|a| access.may_read(a))
                .map(|a| {
                    let matched = a
                        .keyword_list()
                        .iter()
                        .filter(|k| words.contains(*k))
                        .count();
                    (matched, a)
                })
                .filter(|(matched, _)| *matched > 0)
                .collect();
            scored.sort_by(|(m1, a1), (m2, a2)| {
                m2.cmp(m1)
                    .then(a2.changed_at.cmp(&a1.changed_at))
                    .then(a1.id.cmp(&a2.id))
            });
            Ok::<_, DeskError>(
                scored
                    .into_iter()
                    .take(limit)
                    .map(|(_, a)| KbListItem {
                        number: a.number(self.config.system_id),
                        category_path: access.path(a.category_id),
                        article: access.shown(a),
                    })
                    .collect(),
            )
        })
    }

    // --- files, votes, history ---------------------------------------------------------------

    /// Attaches files to an article (`rw`). `expected_version` refuses a stale copy.
    pub async fn add_kb_attachments(
        &self,
        actor: Principal,
        id: KbArticleId,
        files: Vec<NewAttachment>,
        expected_version: Option<u64>,
    ) -> Result<KbArticle, DeskError> {
        let update = KbArticleUpdate {
            add_attachments: files,
            ..KbArticleUpdate::default()
        };
        self.update_kb_article(actor, id, update, expected_version)
            .await
    }

    /// Removes a file from an article (`rw`); a file the article does not have is not found.
    pub async fn remove_kb_attachment(
        &self,
        actor: Principal,
        id: KbArticleId,
        attachment: KbAttachmentId,
        expected_version: Option<u64>,
    ) -> Result<KbArticle, DeskError> {
        let update = KbArticleUpdate {
            remove_attachments: vec![attachment],
            ..KbArticleUpdate::default()
        };
        match self
            .update_kb_article(actor, id, update, expected_version)
            .await
        {
            Err(DeskError::Invalid(errors))
                if errors.0.iter().all(|e| e.field == "remove_attachments") =>
            {
                Err(DeskError::not_found("attachment", attachment))
            }
            other => other,
        }
    }

    /// A file of an article the reader sees, with its bytes.
    pub async fn kb_attachment(
        &self,
        reader: impl Into<KbReader>,
        id: KbArticleId,
        attachment: KbAttachmentId,
    ) -> Result<(KbAttachment, Arc<[u8]>), DeskError> {
        let reader = reader.into();
        read_tx!(self, |tx| async {
            let audience = self.kb_audience(&mut tx, reader).await?;
            let access = self.kb_access(&mut tx, &audience).await?;
            self.readable_kb_article(&mut tx, &access, id).await?;
            tx.kb_attachment(id, attachment)
                .await?
                .ok_or_else(|| DeskError::not_found("attachment", attachment))
        })
    }

    /// Records the actor's answer to "Was this article helpful?"; a second vote replaces the
    /// first. Agents and customer users who see the article may vote.
    pub async fn vote_kb_article(
        &self,
        actor: Principal,
        id: KbArticleId,
        helpful: bool,
    ) -> Result<KbRating, DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let access = self
                .kb_access(&mut tx, &Self::kb_agent_access(&ctx))
                .await?;
            self.readable_kb_article(&mut tx, &access, id).await?;
            let me = ctx.actor.principal();
            let before = tx.kb_votes(id).await?.into_iter().find(|v| v.voter == me);
            if before.as_ref().is_none_or(|v| v.helpful != helpful) {
                tx.upsert_kb_vote(&KbVote {
                    article_id: id,
                    voter: me,
                    helpful,
                    at: ctx.now,
                })
                .await?;
                let detail = if helpful {
                    "helpful: yes"
                } else {
                    "helpful: no"
                };
                self.kb_history_row(&mut tx, &ctx, id, KbAction::Voted, detail.into())
                    .await?;
            }
            Ok::<_, DeskError>(KbRating::of(&tx.kb_votes(id).await?))
        })
    }

    /// The history of an article (agents who see it).
    pub async fn kb_history(
        &self,
        actor: Principal,
        id: KbArticleId,
    ) -> Result<Vec<KbHistoryEntry>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let access = self
                .kb_access(&mut tx, &Self::kb_agent_access(&ctx))
                .await?;
            self.readable_kb_article(&mut tx, &access, id).await?;
            if !access.agent {
                return Err(DeskError::not_found(
                    "knowledge-base article",
                    kb_article_number(self.config.system_id, id),
                ));
            }
            Ok::<_, DeskError>(tx.kb_history(id).await?)
        })
    }

    /// Loads the knowledge-base end of a link for `ctx`: readable, and writable when `write`.
    pub(crate) async fn kb_link_end(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        id: KbArticleId,
        write: bool,
    ) -> Result<KbArticle, DeskError> {
        let access = self.kb_access(tx, &Self::kb_agent_access(ctx)).await?;
        if write {
            self.writable_kb_article(tx, ctx, &access, id, "link").await
        } else {
            self.readable_kb_article(tx, &access, id).await
        }
    }

    /// The articles among `ids` the actor sees (for link lists).
    pub(crate) async fn kb_articles_visible(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        ids: &[KbArticleId],
    ) -> Result<BTreeSet<KbArticleId>, DeskError> {
        let mut visible = BTreeSet::new();
        if ids.is_empty() {
            return Ok(visible);
        }
        // The category tree is read once for all of them.
        let access = self.kb_access(tx, &Self::kb_agent_access(ctx)).await?;
        for id in ids {
            if tx
                .kb_article(*id)
                .await?
                .is_some_and(|a| access.may_read(&a))
            {
                visible.insert(*id);
            }
        }
        Ok(visible)
    }

    pub(crate) async fn kb_link_history(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        id: KbArticleId,
        added: bool,
        detail: String,
    ) -> Result<(), DeskError> {
        let action = if added {
            KbAction::LinkAdded
        } else {
            KbAction::LinkRemoved
        };
        self.kb_history_row(tx, ctx, id, action, detail).await
    }
}
