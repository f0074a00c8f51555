//! The knowledge base: a tree of categories guarded by groups, and articles (FAQ items) with
//! their files, yes/no ratings and history.
//!
//! An article's *state* says who may read it: agents read every state, signed-in customer users
//! read external and public articles, anonymous visitors of the external interface read public
//! ones. Only valid (and, when approval is required, approved) articles in valid categories reach
//! customers and visitors.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};

use crate::ids::{GroupId, KbArticleId, KbAttachmentId, KbCategoryId, KbHistoryId};
use crate::model::{Principal, Validity};
use crate::rules::ticket_number::SystemId;

/// Who may read a knowledge-base article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KbState {
    /// Agents only ("internal (agent)"); the default for new articles.
    Internal,
    /// Agents and signed-in customer users ("external (customer)").
    External,
    /// Everyone, also visitors who are not signed in ("public (all)").
    Public,
}

impl KbState {
    /// Every state, from the most to the least restricted.
    pub const ALL: [KbState; 3] = [KbState::Internal, KbState::External, KbState::Public];

    /// The stored name: `internal`, `external`, `public`.
    pub const fn name(self) -> &'static str {
        match self {
            KbState::Internal => "internal",
            KbState::External => "external",
            KbState::Public => "public",
        }
    }

    /// The name shown to people: "internal (agent)", "external (customer)", "public (all)".
    pub const fn label(self) -> &'static str {
        match self {
            KbState::Internal => "internal (agent)",
            KbState::External => "external (customer)",
            KbState::Public => "public (all)",
        }
    }

    /// Parses [`KbState::name`] or [`KbState::label`] (case-insensitive).
    pub fn from_name(name: &str) -> Option<KbState> {
        let name = name.trim();
        KbState::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name) || s.label().eq_ignore_ascii_case(name))
    }

    /// True for the states customer users may read.
    pub const fn customer_visible(self) -> bool {
        matches!(self, KbState::External | KbState::Public)
    }
}

impl fmt::Display for KbState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the text fields of an article are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum KbContentType {
    /// Plain text.
    Plain,
    /// HTML (the OTRS default); sanitised when shown.
    #[default]
    Html,
}

impl KbContentType {
    /// The MIME type: `text/plain` or `text/html`.
    pub const fn mime(self) -> &'static str {
        match self {
            KbContentType::Plain => "text/plain",
            KbContentType::Html => "text/html",
        }
    }

    /// Parses a MIME type as written by [`KbContentType::mime`] (parameters are ignored).
    pub fn from_mime(mime: &str) -> Option<KbContentType> {
        let essence = mime.split(';').next().unwrap_or_default().trim();
        if essence.eq_ignore_ascii_case("text/plain") {
            Some(KbContentType::Plain)
        } else if essence.eq_ignore_ascii_case("text/html") {
            Some(KbContentType::Html)
        } else {
            None
        }
    }
}

/// A knowledge-base category: a node of the category tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbCategory {
    /// Identity.
    pub id: KbCategoryId,
    /// The parent category; `None` at the top of the tree.
    pub parent_id: Option<KbCategoryId>,
    /// Name, unique among its siblings.
    pub name: String,
    /// Free comment.
    pub comment: String,
    /// The groups whose members may use the category: agents with `ro` on one of them read its
    /// articles and with `rw` write them; customer users with `ro` on one of them read its
    /// external and public articles.
    pub group_ids: BTreeSet<GroupId>,
    /// Validity; articles of invalid categories are hidden from customers and visitors.
    pub validity: Validity,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub changed_at: DateTime<Utc>,
    /// Who changed it last.
    pub changed_by: Principal,
    /// Version.
    pub version: u64,
}

/// A file attached to a knowledge-base article (the bytes are read separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbAttachment {
    /// Identity.
    pub id: KbAttachmentId,
    /// File name.
    pub filename: String,
    /// MIME type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Shown inside the text (an image) rather than listed as a file.
    pub inline: bool,
}

/// A knowledge-base article (an FAQ item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbArticle {
    /// Identity; the article number is derived from it ([`KbArticle::number`]).
    pub id: KbArticleId,
    /// The category.
    pub category_id: KbCategoryId,
    /// Title (required).
    pub title: String,
    /// Keywords, separated by spaces, commas or semicolons (at most 400 characters).
    pub keywords: String,
    /// Language code, e.g. `en`.
    pub language: String,
    /// Who may read it.
    pub state: KbState,
    /// Validity; invalid articles are kept but not offered to customers and visitors.
    pub validity: Validity,
    /// Approved for customers and visitors (only matters when approval is required).
    pub approved: bool,
    /// How the text fields are written.
    pub content_type: KbContentType,
    /// "Symptom" (public field).
    pub symptom: String,
    /// "Problem" (public field).
    pub problem: String,
    /// "Solution" (public field).
    pub solution: String,
    /// "Comment (internal)": for agents only.
    pub comment: String,
    /// The attached files, by id.
    pub attachments: Vec<KbAttachment>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Who created it.
    pub created_by: Principal,
    /// Last change.
    pub changed_at: DateTime<Utc>,
    /// Who changed it last.
    pub changed_by: Principal,
    /// Version.
    pub version: u64,
}

impl KbArticle {
    /// The article number (`FAQ#`): the SystemID, `00` and the id, e.g. `10001`.
    pub fn number(&self, system_id: SystemId) -> String {
        kb_article_number(system_id, self.id)
    }

    /// The keywords, lower-cased, without duplicates, in the order written.
    pub fn keyword_list(&self) -> Vec<String> {
        split_keywords(&self.keywords)
    }
}

/// The number of the article with this id (see [`KbArticle::number`]).
pub fn kb_article_number(system_id: SystemId, id: KbArticleId) -> String {
    format!("{system_id}00{id}")
}

/// The id an article number stands for, if it is one of this system's numbers.
pub fn kb_article_id_from_number(system_id: SystemId, number: &str) -> Option<KbArticleId> {
    let rest = number.trim().strip_prefix(&format!("{system_id}00"))?;
    if rest.is_empty() || rest.starts_with('0') || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.parse().ok().map(KbArticleId)
}

/// Splits keywords at spaces, commas and semicolons; lower-cased, without duplicates.
pub fn split_keywords(text: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    text.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| seen.insert(w.clone()))
        .collect()
}

/// One person's answer to "Was this article helpful?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbVote {
    /// The article.
    pub article_id: KbArticleId,
    /// Who voted (one vote per person and article; a new vote replaces the old one).
    pub voter: Principal,
    /// Yes or no.
    pub helpful: bool,
    /// When.
    pub at: DateTime<Utc>,
}

/// The votes of an article, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KbRating {
    /// "Yes" votes.
    pub helpful: u32,
    /// All votes.
    pub votes: u32,
}

impl KbRating {
    /// Counts votes.
    pub fn of<'a>(votes: impl IntoIterator<Item = &'a KbVote>) -> KbRating {
        votes
            .into_iter()
            .fold(KbRating::default(), |r, v| KbRating {
                helpful: r.helpful + u32::from(v.helpful),
                votes: r.votes + 1,
            })
    }

    /// The share of "yes" votes in percent (rounded half up); `None` without votes.
    pub fn percent(self) -> Option<u32> {
        (self.votes > 0).then(|| (self.helpful * 200 + self.votes) / (self.votes * 2))
    }
}

/// What happened to a knowledge-base article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KbAction {
    /// Created.
    Created,
    /// Fields changed (the detail names them).
    Updated,
    /// A file was attached.
    AttachmentAdded,
    /// A file was removed.
    AttachmentRemoved,
    /// Linked to a ticket or another article.
    LinkAdded,
    /// A link was removed.
    LinkRemoved,
    /// Approved or unapproved.
    ApprovalChanged,
    /// Someone rated it.
    Voted,
}

impl KbAction {
    const ALL: [KbAction; 8] = [
        KbAction::Created,
        KbAction::Updated,
        KbAction::AttachmentAdded,
        KbAction::AttachmentRemoved,
        KbAction::LinkAdded,
        KbAction::LinkRemoved,
        KbAction::ApprovalChanged,
        KbAction::Voted,
    ];

    /// The stored name.
    pub const fn name(self) -> &'static str {
        match self {
            KbAction::Created => "Created",
            KbAction::Updated => "Updated",
            KbAction::AttachmentAdded => "AttachmentAdded",
            KbAction::AttachmentRemoved => "AttachmentRemoved",
            KbAction::LinkAdded => "LinkAdded",
            KbAction::LinkRemoved => "LinkRemoved",
            KbAction::ApprovalChanged => "ApprovalChanged",
            KbAction::Voted => "Voted",
        }
    }

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<KbAction> {
        KbAction::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// A row of a knowledge-base article's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbHistoryEntry {
    /// Identity.
    pub id: KbHistoryId,
    /// The article.
    pub article_id: KbArticleId,
    /// What happened.
    pub action: KbAction,
    /// Details (which fields changed, which file, which object was linked).
    pub detail: String,
    /// Who did it.
    pub by: Principal,
    /// When.
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbers_join_the_system_id_and_the_id() {
        let system = SystemId::default();
        assert_eq!(kb_article_number(system, KbArticleId(1)), "10001");
        assert_eq!(kb_article_number(system, KbArticleId(250)), "1000250");
        assert_eq!(
            kb_article_id_from_number(system, "10001"),
            Some(KbArticleId(1))
        );
        assert_eq!(kb_article_id_from_number(system, "1000"), None);
        assert_eq!(kb_article_id_from_number(system, "100001"), None);
        assert_eq!(kb_article_id_from_number(system, "20001"), None);
        assert_eq!(kb_article_id_from_number(system, "1000x"), None);
    }

    #[test]
    fn states_parse_from_names_and_labels() {
        for state in KbState::ALL {
            assert_eq!(KbState::from_name(state.name()), Some(state));
            assert_eq!(
                KbState::from_name(&state.label().to_uppercase()),
                Some(state)
            );
        }
        assert_eq!(KbState::from_name("secret"), None);
        assert!(!KbState::Internal.customer_visible());
        assert!(KbState::External.customer_visible());
    }

    #[test]
    fn keywords_split_on_separators_without_duplicates() {
        assert_eq!(
            split_keywords("VPN, vpn;Printer  wifi\tprinter"),
            ["vpn", "printer", "wifi"]
        );
        assert!(split_keywords(" ,; ").is_empty());
    }

    #[test]
    fn rating_rounds_half_up() {
        let rating = |helpful, votes| KbRating { helpful, votes }.percent();
        assert_eq!(rating(0, 0), None);
        assert_eq!(rating(1, 2), Some(50));
        assert_eq!(rating(2, 3), Some(67));
        assert_eq!(rating(1, 3), Some(33));
        assert_eq!(rating(1, 8), Some(13));
    }

    proptest! {
        #[test]
        fn numbers_round_trip(system in 1u8..=99, id in 1u64..u64::MAX / 1000) {
            let system = SystemId::new(system).unwrap();
            let number = kb_article_number(system, KbArticleId(id));
            prop_assert_eq!(kb_article_id_from_number(system, &number), Some(KbArticleId(id)));
        }

        #[test]
        fn rating_stays_within_bounds(helpful in 0u32..1000, extra in 0u32..1000) {
            let votes = helpful + extra;
            let rating = KbRating { helpful, votes };
            match rating.percent() {
                None => prop_assert_eq!(votes, 0),
                Some(p) => {
                    prop_assert!(p <= 100);
                    // Within half a percent of the exact share.
                    let exact = i64::from(helpful) * 200;
                    let shown = i64::from(p) * 2 * i64::from(votes);
                    prop_assert!((shown - exact).abs() <= i64::from(votes));
                }
            }
        }

        #[test]
        fn action_names_round_trip(index in 0usize..KbAction::ALL.len()) {
            let action = KbAction::ALL[index];
            prop_assert_eq!(KbAction::from_name(action.name()), Some(action));
        }
    }
}
