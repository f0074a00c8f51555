//! The knowledge base through the desk over the in-memory store: categories, articles, who reads
//! what, approval, files, votes, history, search, related articles and links to tickets.
//!
//! Every refused command is checked against a snapshot of the store ([`Stored`]): nothing of the
//! knowledge base, its links or the tickets' history may change.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::Duration;
use otrs_core::desk::{
    CustomerUserUpdate, KbArticleInput, KbArticleUpdate, KbCategoryUpdate, KbQuery, KbReader,
    KbSortKey, MAX_KB_PAGE, NewKbCategory,
};
use otrs_core::ids::{GroupId, KbArticleId, KbAttachmentId, KbCategoryId, LinkId, TicketId};
use otrs_core::model::{
    HistoryEntry, KbAction, KbArticle, KbAttachment, KbCategory, KbHistoryEntry, KbRating, KbState,
    KbVote, Link, LinkType, NewAttachment, ObjectRef, Ticket, Validity,
};
use otrs_core::store::{KbArticleFilter, PageRequest, Store, StoreTx, TicketFilter, TicketSort};
use otrs_core::{Desk, DeskConfig, DeskError, Principal, block_on};

use crate::common::World;

/// The common world plus the knowledge base's categories: the initial "Misc" (group users) and
/// "Support" (group support, which only alice and erin hold).
pub struct Kb {
    pub w: World,
    pub misc: KbCategoryId,
    pub support: KbCategoryId,
    pub support_group: GroupId,
}

/// Everything the knowledge base keeps, its links and the tickets with their history.
#[derive(Debug, PartialEq)]
pub struct Stored {
    pub categories: Vec<KbCategory>,
    pub articles: Vec<KbArticle>,
    pub votes: Vec<KbVote>,
    pub history: Vec<KbHistoryEntry>,
    pub files: Vec<(KbAttachment, Arc<[u8]>)>,
    pub links: BTreeMap<LinkId, Link>,
    pub tickets: Vec<Ticket>,
    pub ticket_history: Vec<HistoryEntry>,
}

impl Kb {
    pub fn new() -> Kb {
        Kb::with_config(DeskConfig::default())
    }

    /// The world with a desk of this configuration over the same store.
    pub fn with_config(config: DeskConfig) -> Kb {
        let mut w = World::new();
        w.desk = Desk::new(w.desk.store().clone(), w.clock.clone(), config);
        let groups = block_on(w.desk.groups(Principal::SYSTEM)).unwrap();
        let support_group = groups.iter().find(|g| g.name == "support").unwrap().id;
        let misc = block_on(w.desk.kb_categories(Principal::SYSTEM)).unwrap()[0]
            .category
            .id;
        let mut kb = Kb {
            w,
            misc,
            support: KbCategoryId(0),
            support_group,
        };
        kb.support = kb.category(None, "Support", &[support_group]).id;
        kb
    }

    pub fn rename(
        &self,
        actor: Principal,
        id: KbCategoryId,
        name: &str,
    ) -> Result<KbCategory, DeskError> {
        let update = KbCategoryUpdate {
            name: Some(name.into()),
            ..Default::default()
        };
        block_on(self.desk().update_kb_category(actor, id, update, None))
    }

    /// Moves a category as the admin.
    pub fn move_category(
        &self,
        id: KbCategoryId,
        parent: Option<KbCategoryId>,
    ) -> Result<KbCategory, DeskError> {
        let update = KbCategoryUpdate {
            parent_id: Some(parent),
            ..Default::default()
        };
        block_on(
            self.desk()
                .update_kb_category(self.w.admin, id, update, None),
        )
    }

    pub fn desk(&self) -> &Desk<otrs_core::store::MemoryStore> {
        &self.w.desk
    }

    /// A category created by the admin.
    pub fn category(
        &self,
        parent: Option<KbCategoryId>,
        name: &str,
        groups: &[GroupId],
    ) -> KbCategory {
        block_on(self.desk().create_kb_category(
            self.w.admin,
            NewKbCategory {
                parent_id: parent,
                name: name.into(),
                comment: String::new(),
                group_ids: groups.iter().copied().collect(),
            },
        ))
        .unwrap()
    }

    /// An article written by alice (rw on users and support).
    pub fn article(&self, category: KbCategoryId, title: &str, state: KbState) -> KbArticle {
        self.write(KbArticleInput {
            state,
            ..KbArticleInput::new(category, title)
        })
    }

    pub fn write(&self, input: KbArticleInput) -> KbArticle {
        block_on(self.desk().create_kb_article(self.w.alice, input)).unwrap()
    }

    pub fn update(&self, actor: Principal, id: KbArticleId, update: KbArticleUpdate) -> KbArticle {
        block_on(self.desk().update_kb_article(actor, id, update, None)).unwrap()
    }

    /// Takes the customer user's group rights away (the default gives `rw` on users).
    pub fn set_customer_groups(&self, user: Principal, groups: &[GroupId]) {
        block_on(self.desk().update_customer_user(
            Principal::SYSTEM,
            World::customer_id(user),
            CustomerUserUpdate {
                groups: Some(crate::common::rw(groups)),
                ..Default::default()
            },
        ))
        .unwrap();
    }

    /// True if the reader opens the article.
    pub fn sees(&self, reader: impl Into<KbReader>, id: KbArticleId) -> bool {
        match block_on(self.desk().kb_article(reader, id)) {
            Ok(view) => {
                assert_eq!(view.article.id, id);
                true
            }
            Err(DeskError::NotFound { .. }) => false,
            Err(other) => panic!("reading article {id}: {other}"),
        }
    }

    /// The ids a search finds, in order.
    pub fn found(&self, reader: impl Into<KbReader>, query: KbQuery) -> Vec<KbArticleId> {
        let page = block_on(self.desk().search_kb(reader, query)).unwrap();
        page.items.iter().map(|i| i.article.id).collect()
    }

    /// The ids a search for `text` finds (all states, newest change first).
    pub fn found_text(&self, reader: impl Into<KbReader>, text: &str) -> Vec<KbArticleId> {
        self.found(
            reader,
            KbQuery {
                text: Some(text.into()),
                ..KbQuery::default()
            },
        )
    }

    /// The article's history as (action, detail).
    pub fn kb_rows(&self, id: KbArticleId) -> Vec<(KbAction, String)> {
        block_on(self.desk().kb_history(Principal::SYSTEM, id))
            .unwrap()
            .into_iter()
            .map(|h| (h.action, h.detail))
            .collect()
    }

    /// The parameters of a ticket's history rows of one type.
    pub fn ticket_rows(&self, id: TicketId, history_type: &str) -> Vec<Vec<String>> {
        block_on(self.desk().history(Principal::SYSTEM, id))
            .unwrap()
            .into_iter()
            .filter(|h| h.entry.history_type.name() == history_type)
            .map(|h| h.entry.params)
            .collect()
    }

    pub fn number(&self, id: KbArticleId) -> String {
        otrs_core::model::kb_article_number(self.desk().config().system_id, id)
    }

    pub fn stored(&self) -> Stored {
        let tickets = block_on(self.desk().list_tickets(
            Principal::SYSTEM,
            TicketFilter::default(),
            TicketSort::parse("id").unwrap(),
            PageRequest::first(1000),
        ))
        .unwrap()
        .tickets;
        let mut tx = block_on(self.desk().store().begin_read()).unwrap();
        let categories = block_on(tx.kb_categories()).unwrap();
        let articles = block_on(tx.kb_articles(&KbArticleFilter::default())).unwrap();
        let (mut votes, mut history, mut files) = (Vec::new(), Vec::new(), Vec::new());
        let mut links = BTreeMap::new();
        let mut ticket_history = Vec::new();
        for article in &articles {
            votes.extend(block_on(tx.kb_votes(article.id)).unwrap());
            history.extend(block_on(tx.kb_history(article.id)).unwrap());
            for file in &article.attachments {
                files.push(
                    block_on(tx.kb_attachment(article.id, file.id))
                        .unwrap()
                        .unwrap(),
                );
            }
            for link in block_on(tx.links_of(ObjectRef::KbArticle(article.id))).unwrap() {
                links.insert(link.id, link);
            }
        }
        for ticket in &tickets {
            ticket_history.extend(block_on(tx.history(ticket.id)).unwrap());
            for link in block_on(tx.links_of(ObjectRef::Ticket(ticket.id))).unwrap() {
                links.insert(link.id, link);
            }
        }
        block_on(tx.rollback()).unwrap();
        Stored {
            categories,
            articles,
            votes,
            history,
            files,
            links,
            tickets,
            ticket_history,
        }
    }

    /// Runs a command that must fail and change nothing; returns its error.
    pub fn refused<T: std::fmt::Debug>(
        &self,
        command: impl FnOnce() -> Result<T, DeskError>,
    ) -> DeskError {
        let before = self.stored();
        let err = command().expect_err("the command should have been refused");
        assert_eq!(
            before,
            self.stored(),
            "the refused command changed the store: {err}"
        );
        err
    }

    pub fn tick(&self) {
        self.w.clock.advance(Duration::minutes(1));
    }
}

/// The fields a validation error names.
pub fn fields(err: &DeskError) -> Vec<String> {
    match err {
        DeskError::Invalid(errors) => errors.0.iter().map(|e| e.field.clone()).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn file(name: &str, bytes: &[u8]) -> NewAttachment {
    NewAttachment {
        filename: name.into(),
        content_type: "text/plain".into(),
        content: Arc::from(bytes),
        content_id: None,
        inline: false,
    }
}

fn kb(id: KbArticleId) -> ObjectRef {
    ObjectRef::KbArticle(id)
}

fn t(id: TicketId) -> ObjectRef {
    ObjectRef::Ticket(id)
}

fn categories_named(k: &Kb, reader: impl Into<KbReader>) -> Vec<(String, usize)> {
    block_on(k.desk().kb_categories(reader))
        .unwrap()
        .into_iter()
        .map(|n| (n.path, n.article_count))
        .collect()
}

// --- categories --------------------------------------------------------------------------------

#[test]
fn initialize_adds_the_misc_category_once() {
    let k = Kb::new();
    let nodes = block_on(k.desk().kb_categories(k.w.admin)).unwrap();
    let misc = &nodes
        .iter()
        .find(|n| n.category.id == k.misc)
        .unwrap()
        .category;
    assert_eq!(misc.name, "Misc");
    assert_eq!(misc.parent_id, None);
    assert_eq!(misc.group_ids, BTreeSet::from([GroupId::USERS]));
    assert!(misc.validity.is_valid());
    let before = k.stored();
    block_on(k.desk().initialize()).unwrap();
    assert_eq!(k.stored().categories, before.categories);
}

#[test]
fn only_admins_manage_categories() {
    let k = Kb::new();
    let new = |name: &str| NewKbCategory {
        parent_id: None,
        name: name.into(),
        comment: String::new(),
        group_ids: [GroupId::USERS].into(),
    };
    for (i, actor) in [k.w.alice, k.w.carol, k.w.lacey].into_iter().enumerate() {
        let err = k.refused(|| block_on(k.desk().create_kb_category(actor, new("Network"))));
        assert!(matches!(err, DeskError::PermissionDenied { .. }), "{err:?}");
        let err = k.refused(|| k.rename(actor, k.misc, "Other"));
        assert!(matches!(err, DeskError::PermissionDenied { .. }), "{err:?}");
        let empty = k.category(None, &format!("Empty {i}"), &[GroupId::USERS]);
        let err = k.refused(|| block_on(k.desk().delete_kb_category(actor, empty.id)));
        assert!(matches!(err, DeskError::PermissionDenied { .. }), "{err:?}");
        block_on(k.desk().delete_kb_category(k.w.admin, empty.id)).unwrap();
    }
    let created = block_on(k.desk().create_kb_category(
        k.w.admin,
        NewKbCategory {
            comment: "  Cables and routers ".into(),
            ..new("  Network ")
        },
    ))
    .unwrap();
    assert_eq!(created.name, "Network");
    assert_eq!(created.comment, "Cables and routers");
    assert_eq!(created.changed_by, k.w.admin);
    assert!(k.stored().categories.contains(&created));
}

#[test]
fn category_names_are_unique_per_level_ignoring_case() {
    let k = Kb::new();
    let net = k.category(None, "Network", &[GroupId::USERS]);
    let new = |parent, name: &str, groups: &[GroupId]| NewKbCategory {
        parent_id: parent,
        name: name.into(),
        comment: String::new(),
        group_ids: groups.iter().copied().collect(),
    };
    let create = |n: NewKbCategory| block_on(k.desk().create_kb_category(k.w.admin, n));
    let cases: [(NewKbCategory, &str); 7] = [
        (new(None, "network", &[GroupId::USERS]), "name"),
        (new(None, " MISC ", &[GroupId::USERS]), "name"),
        (new(None, "VPN::Clients", &[GroupId::USERS]), "name"),
        (new(None, "   ", &[GroupId::USERS]), "name"),
        (new(None, "Printers", &[]), "groups"),
        (new(None, "Printers", &[GroupId(999)]), "groups"),
        (
            new(Some(KbCategoryId(999)), "Printers", &[GroupId::USERS]),
            "parent",
        ),
    ];
    for (input, field) in cases {
        let err = k.refused(|| create(input.clone()));
        assert_eq!(fields(&err), [field], "{input:?}");
    }
    // The same name one level down, and below another parent, is fine.
    let below = create(new(Some(net.id), "NETWORK", &[GroupId::USERS])).unwrap();
    assert_eq!(below.parent_id, Some(net.id));
    let below_misc = create(new(Some(k.misc), "network", &[GroupId::USERS])).unwrap();
    let err = k.refused(|| create(new(Some(net.id), "Network", &[GroupId::USERS])));
    assert_eq!(fields(&err), ["name"]);
    // Renaming into a sibling's name is refused too; keeping one's own name (other case) is not.
    let err = k.refused(|| k.rename(k.w.admin, net.id, "misc"));
    assert_eq!(fields(&err), ["name"]);
    let renamed = k.rename(k.w.admin, net.id, "NETWORK").unwrap();
    assert_eq!(renamed.name, "NETWORK");
    assert_eq!(renamed.version, net.version + 1);
    // Moving a category next to one of the same name is refused.
    let err = k.refused(|| k.move_category(below_misc.id, Some(net.id)));
    assert_eq!(fields(&err), ["name"]);
    let paths: Vec<String> = categories_named(&k, k.w.admin)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(
        paths,
        [
            "Misc",
            "Misc::network",
            "NETWORK",
            "NETWORK::NETWORK",
            "Support"
        ]
    );
}

#[test]
fn category_moves_refuse_cycles_and_stale_versions() {
    let k = Kb::new();
    let a = k.category(None, "A", &[GroupId::USERS]);
    let b = k.category(Some(a.id), "B", &[GroupId::USERS]);
    let c = k.category(Some(b.id), "C", &[GroupId::USERS]);
    let move_to = |id, parent: Option<KbCategoryId>, version| {
        let update = KbCategoryUpdate {
            parent_id: Some(parent),
            ..Default::default()
        };
        block_on(k.desk().update_kb_category(k.w.admin, id, update, version))
    };
    for (id, parent) in [(a.id, c.id), (a.id, b.id), (a.id, a.id), (b.id, c.id)] {
        let err = k.refused(|| move_to(id, Some(parent), None));
        assert_eq!(fields(&err), ["parent"], "{id} below {parent}");
    }
    let err = k.refused(|| move_to(c.id, None, Some(c.version + 1)));
    assert!(
        matches!(err, DeskError::VersionMismatch { expected, actual, .. } if expected == c.version + 1 && actual == c.version),
        "{err:?}"
    );
    let err = k.refused(|| move_to(KbCategoryId(999), None, None));
    assert!(matches!(err, DeskError::NotFound { .. }), "{err:?}");
    // C to the top, then A below C: no cycle any more.
    let c2 = move_to(c.id, None, Some(c.version)).unwrap();
    assert_eq!(c2.parent_id, None);
    move_to(a.id, Some(c.id), None).unwrap();
    let paths: Vec<String> = categories_named(&k, k.w.admin)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(paths, ["C", "C::A", "C::A::B", "Misc", "Support"]);
    // A change that changes nothing keeps the version.
    let same = k.rename(k.w.admin, c.id, " C ").unwrap();
    assert_eq!(same, c2);
}

#[test]
fn only_empty_categories_can_be_deleted() {
    let k = Kb::new();
    let parent = k.category(None, "Parent", &[GroupId::USERS]);
    let child = k.category(Some(parent.id), "Child", &[GroupId::USERS]);
    let err = k.refused(|| block_on(k.desk().delete_kb_category(k.w.admin, parent.id)));
    assert!(matches!(err, DeskError::NotAllowed { .. }), "{err:?}");
    let article = k.article(child.id, "Inside", KbState::Internal);
    let err = k.refused(|| block_on(k.desk().delete_kb_category(k.w.admin, child.id)));
    assert!(matches!(err, DeskError::NotAllowed { .. }), "{err:?}");
    block_on(k.desk().delete_kb_article(k.w.alice, article.id, None)).unwrap();
    block_on(k.desk().delete_kb_category(k.w.admin, child.id)).unwrap();
    block_on(k.desk().delete_kb_category(k.w.admin, parent.id)).unwrap();
    let ids: Vec<KbCategoryId> = k.stored().categories.iter().map(|c| c.id).collect();
    assert_eq!(ids, [k.misc, k.support]);
    let err = k.refused(|| block_on(k.desk().delete_kb_category(k.w.admin, parent.id)));
    assert!(matches!(err, DeskError::NotFound { .. }), "{err:?}");
}

// --- articles ----------------------------------------------------------------------------------

#[test]
fn writing_needs_rw_on_one_of_the_category_groups() {
    let k = Kb::new();
    // carol reads Misc (ro on users) but may not write there.
    let err = k.refused(|| {
        block_on(
            k.desk()
                .create_kb_article(k.w.carol, KbArticleInput::new(k.misc, "VPN")),
        )
    });
    assert!(matches!(err, DeskError::PermissionDenied { .. }), "{err:?}");
    // Categories the author cannot see, or that do not exist, are "not there".
    for (actor, category) in [
        (k.w.bob, k.support),
        (k.w.dave, k.misc),
        (k.w.erin, k.misc),
        (k.w.alice, KbCategoryId(999)),
    ] {
        let err = k.refused(|| {
            block_on(
                k.desk()
                    .create_kb_article(actor, KbArticleInput::new(category, "VPN")),
            )
        });
        assert_eq!(fields(&err), ["category"], "{actor:?} in {category}");
    }
    // Customers never write.
    let err = k.refused(|| {
        block_on(
            k.desk()
                .create_kb_article(k.w.lacey, KbArticleInput::new(k.misc, "VPN")),
        )
    });
    assert!(matches!(err, DeskError::PermissionDenied { .. }), "{err:?}");
    // A group of several is enough: erin holds support, bob holds users.
    let shared = k.category(None, "Shared", &[GroupId::USERS, k.support_group]);
    for actor in [k.w.bob, k.w.erin] {
        let article = block_on(
            k.desk()
                .create_kb_article(actor, KbArticleInput::new(shared.id, "Mine")),
        )
        .unwrap();
        assert_eq!(article.created_by, actor);
        assert_eq!(article.version, 1);
        assert!(article.approved, "no approval required by default");
        assert_eq!(
            k.kb_rows(article.id),
            [(KbAction::Created, "Mine (internal (agent))".to_owned())]
        );
        assert!(k.stored().articles.contains(&article));
    }
}

#[test]
fn article_fields_are_checked_and_normalised() {
    let k = Kb::new();
    let bad = KbArticleInput {
        title: "  ".into(),
        keywords: "x".repeat(401),
        language: "fr".into(),
        comment: "a\u{0}b".into(),
        ..KbArticleInput::new(k.misc, "")
    };
    let err = k.refused(|| block_on(k.desk().create_kb_article(k.w.alice, bad.clone())));
    assert_eq!(fields(&err), ["title", "keywords", "language", "comment"]);
    let article = k.write(KbArticleInput {
        title: "  VPN  ".into(),
        keywords: " vpn, network ".into(),
        language: " DE ".into(),
        ..KbArticleInput::new(k.misc, "")
    });
    assert_eq!(article.title, "VPN");
    assert_eq!(article.keywords, "vpn, network");
    assert_eq!(article.language, "de");
    let err = k.refused(|| {
        block_on(k.desk().update_kb_article(
            k.w.alice,
            article.id,
            KbArticleUpdate {
                title: Some(String::new()),
                language: Some("xx".into()),
                ..Default::default()
            },
            None,
        ))
    });
    assert_eq!(fields(&err), ["title", "language"]);
}

#[test]
fn ro_agents_read_but_cannot_write_and_others_see_nothing() {
    let k = Kb::new();
    let a = k.write(KbArticleInput {
        comment: "only for agents".into(),
        ..KbArticleInput::new(k.misc, "VPN")
    });
    let view = block_on(k.desk().kb_article(k.w.carol, a.id)).unwrap();
    assert!(!view.may_edit);
    assert_eq!(view.article.comment, "only for agents");
    assert!(
        block_on(k.desk().kb_article(k.w.bob, a.id))
            .unwrap()
            .may_edit
    );
    let retitle = KbArticleUpdate {
        title: Some("Mine now".into()),
        ..Default::default()
    };
    let err = k.refused(|| {
        block_on(
            k.desk()
                .update_kb_article(k.w.carol, a.id, retitle.clone(), None),
        )
    });
    assert!(matches!(err, DeskError::PermissionDenied { .. }), "{err:?}");
    let err = k.refused(|| block_on(k.desk().delete_kb_article(k.w.carol, a.id, None)));
    assert!(matches!(err, DeskError::PermissionDenied { .. }), "{err:?}");
    for actor in [k.w.dave, k.w.erin] {
        assert!(!k.sees(actor, a.id));
        let err = k.refused(|| {
            block_on(
                k.desk()
                    .update_kb_article(actor, a.id, retitle.clone(), None),
            )
        });
        assert!(matches!(err, DeskError::NotFound { .. }), "{err:?}");
        let err = k.refused(|| block_on(k.desk().delete_kb_article(actor, a.id, None)));
        assert!(matches!(err, DeskError::NotFound { .. }), "{err:?}");
        let err = k.refused(|| block_on(k.desk().kb_history(actor, a.id)));
        assert!(matches!(err, DeskError::NotFound { .. }), "{err:?}");
    }
    // Moving needs rw on the new category as well: bob does not see Support.
    let err = k.refused(|| {
        block_on(k.desk().update_kb_article(
            k.w.bob,
            a.id,
            KbArticleUpdate {
                category_id: Some(k.support),
                ..Default::default()
            },
            None,
        ))
    });
    assert_eq!(fields(&err), ["category"]);
    let moved = k.update(
        k.w.alice,
        a.id,
        KbArticleUpdate {
            category_id: Some(k.support),
            ..Default::default()
        },
    );
    assert_eq!(moved.category_id, k.support);
    assert!(!k.sees(k.w.bob, a.id), "bob lost the article with the move");
    assert!(k.sees(k.w.erin, a.id));
}

#[test]
fn deleting_and_approving_refuse_a_stale_version() {
    let k = Kb::with_config(DeskConfig {
        kb_approval_required: true,
        ..DeskConfig::default()
    });
    let a = k.article(k.misc, "VPN", KbState::Public);
    let stale = Some(a.version + 1);
    let err = k.refused(|| block_on(k.desk().delete_kb_article(k.w.alice, a.id, stale)));
    assert!(matches!(err, DeskError::VersionMismatch { .. }), "{err:?}");
    let err = k.refused(|| block_on(k.desk().set_kb_approval(k.w.alice, a.id, true, stale)));
    assert!(matches!(err, DeskError::VersionMismatch { .. }), "{err:?}");
    let approved = block_on(
        k.desk()
            .set_kb_approval(k.w.alice, a.id, true, Some(a.version)),
    )
    .unwrap();
    assert!(approved.approved);
    // The approval moved the version on: a deletion confirmed before it is refused.
    let err = k.refused(|| block_on(k.desk().delete_kb_article(k.w.alice, a.id, Some(a.version))));
    assert!(matches!(err, DeskError::VersionMismatch { .. }), "{err:?}");
    block_on(
        k.desk()
            .delete_kb_article(k.w.alice, a.id, Some(approved.version)),
    )
    .unwrap();
    assert!(block_on(k.desk().kb_article(k.w.alice, a.id)).is_err());
}

#[test]
fn updates_name_the_changed_fields_and_check_the_version() {
    let k = Kb::new();
    let a = k.article(k.misc, "VPN", KbState::Internal);
    k.tick();
    let changed = k.update(
        k.w.bob,
        a.id,
        KbArticleUpdate {
            title: Some("VPN client".into()),
            keywords: Some("vpn".into()),
            state: Some(KbState::Public),
            symptom: Some(String::new()),
            ..Default::default()
        },
    );
    assert_eq!(changed.version, a.version + 1);
    assert_eq!(changed.changed_by, k.w.bob);
    assert_eq!(changed.changed_at, a.changed_at + Duration::minutes(1));
    assert_eq!(changed.created_at, a.created_at);
    assert_eq!(changed.state, KbState::Public);
    assert_eq!(
        k.kb_rows(a.id)[1],
        (KbAction::Updated, "title, keywords, state".to_owned())
    );
    // Nothing new: no version, no history.
    let same = k.update(
        k.w.bob,
        a.id,
        KbArticleUpdate {
            title: Some(" VPN client ".into()),
            ..Default::default()
        },
    );
    assert_eq!(same, changed);
    assert_eq!(k.kb_rows(a.id).len(), 2);
    let err = k.refused(|| {
        block_on(k.desk().update_kb_article(
            k.w.bob,
            a.id,
            KbArticleUpdate {
                title: Some("Late".into()),
                ..Default::default()
            },
            Some(a.version),
        ))
    });
    assert!(
        matches!(err, DeskError::VersionMismatch { expected, actual, .. } if expected == a.version && actual == changed.version),
        "{err:?}"
    );
    block_on(k.desk().update_kb_article(
        k.w.bob,
        a.id,
        KbArticleUpdate {
            title: Some("Current".into()),
            ..Default::default()
        },
        Some(changed.version),
    ))
    .unwrap();
    let err = k.refused(|| {
        block_on(k.desk().update_kb_article(
            k.w.bob,
            KbArticleId(999),
            KbArticleUpdate::default(),
            None,
        ))
    });
    assert!(matches!(err, DeskError::NotFound { .. }), "{err:?}");
}

#[test]
fn deleting_an_article_removes_its_files_votes_and_history() {
    let k = Kb::new();
    let a = k.write(KbArticleInput {
        state: KbState::External,
        attachments: vec![file("a.txt", b"hello")],
        ..KbArticleInput::new(k.misc, "VPN")
    });
    let keep = k.article(k.misc, "Other", KbState::External);
    block_on(k.desk().vote_kb_article(k.w.lacey, a.id, true)).unwrap();
    block_on(k.desk().vote_kb_article(k.w.lacey, keep.id, true)).unwrap();
    block_on(k.desk().delete_kb_article(k.w.bob, a.id, None)).unwrap();
    let stored = k.stored();
    assert_eq!(
        stored.articles.iter().map(|a| a.id).collect::<Vec<_>>(),
        [keep.id]
    );
    assert!(stored.votes.iter().all(|v| v.article_id == keep.id));
    assert_eq!(stored.votes.len(), 1);
    let mut tx = block_on(k.desk().store().begin_read()).unwrap();
    assert!(block_on(tx.kb_votes(a.id)).unwrap().is_empty());
    assert!(block_on(tx.kb_history(a.id)).unwrap().is_empty());
    assert!(
        block_on(tx.kb_attachment(a.id, a.attachments[0].id))
            .unwrap()
            .is_none()
    );
    block_on(tx.rollback()).unwrap();
    assert!(!k.sees(k.w.admin, a.id));
    let err = k.refused(|| block_on(k.desk().delete_kb_article(k.w.bob, a.id, None)));
    assert!(matches!(err, DeskError::NotFound { .. }), "{err:?}");
}

// --- reading -----------------------------------------------------------------------------------

#[test]
fn states_and_validity_decide_what_customers_and_visitors_read() {
    let k = Kb::new();
    let mut cases = Vec::new();
    for state in KbState::ALL {
        for validity in [
            Validity::Valid,
            Validity::Invalid,
            Validity::InvalidTemporarily,
        ] {
            let a = k.write(KbArticleInput {
                state,
                validity,
                comment: "internal note".into(),
                solution: "the answer".into(),
                ..KbArticleInput::new(k.misc, format!("{state} {validity:?}"))
            });
            cases.push((a.id, state, validity));
        }
    }
    for (id, state, validity) in &cases {
        let valid = validity.is_valid();
        assert!(
            k.sees(k.w.carol, *id),
            "agents read every state and validity"
        );
        assert_eq!(
            k.sees(k.w.lacey, *id),
            valid && state.customer_visible(),
            "{state} {validity:?}"
        );
        assert_eq!(
            k.sees(KbReader::Public, *id),
            valid && *state == KbState::Public,
            "{state} {validity:?}"
        );
        // Another company's user with the default group rights reads the same.
        assert_eq!(k.sees(k.w.mallory, *id), k.sees(k.w.lacey, *id));
    }
    // Without a group right, a customer user reads what visitors read: the public articles only.
    k.set_customer_groups(k.w.mallory, &[]);
    for (id, state, validity) in &cases {
        assert_eq!(
            k.sees(k.w.mallory, *id),
            validity.is_valid() && *state == KbState::Public,
            "{state} {validity:?}"
        );
    }
    // The internal comment never leaves the agents' side.
    let external = cases
        .iter()
        .find(|(_, s, v)| *s == KbState::External && v.is_valid())
        .unwrap()
        .0;
    let view = block_on(k.desk().kb_article(k.w.lacey, external)).unwrap();
    assert_eq!(view.article.comment, "");
    assert_eq!(view.article.solution, "the answer");
    assert!(!view.may_edit);
    let public = cases
        .iter()
        .find(|(_, s, v)| *s == KbState::Public && v.is_valid())
        .unwrap()
        .0;
    let view = block_on(k.desk().kb_article(KbReader::Public, public)).unwrap();
    assert_eq!(view.article.comment, "");
    assert_eq!(view.my_vote, None);
    assert_eq!(
        block_on(k.desk().kb_article(k.w.carol, public))
            .unwrap()
            .article
            .comment,
        "internal note"
    );
    // The category counts follow the same rules.
    assert_eq!(categories_named(&k, k.w.carol), [("Misc".to_owned(), 9)]);
    assert_eq!(categories_named(&k, k.w.lacey), [("Misc".to_owned(), 2)]);
    assert_eq!(
        categories_named(&k, KbReader::Public),
        [("Misc".to_owned(), 1)],
        "visitors see the valid categories with something to read"
    );
    assert_eq!(categories_named(&k, k.w.mallory), [("Misc".to_owned(), 1)]);
    assert_eq!(
        categories_named(&k, k.w.alice),
        [("Misc".to_owned(), 9), ("Support".to_owned(), 0)]
    );
}

#[test]
fn invalid_categories_and_invalid_parents_hide_their_articles_from_customers() {
    let k = Kb::new();
    let top = k.category(None, "Top", &[GroupId::USERS]);
    let sub = k.category(Some(top.id), "Sub", &[GroupId::USERS]);
    let in_top = k.article(top.id, "In top", KbState::Public);
    let in_sub = k.article(sub.id, "In sub", KbState::Public);
    let readers = |k: &Kb| -> Vec<(bool, bool, bool)> {
        [in_top.id, in_sub.id]
            .into_iter()
            .map(|id| {
                (
                    k.sees(k.w.bob, id),
                    k.sees(k.w.lacey, id),
                    k.sees(KbReader::Public, id),
                )
            })
            .collect()
    };
    assert_eq!(readers(&k), [(true, true, true), (true, true, true)]);
    let set_validity = |id, validity| {
        block_on(k.desk().update_kb_category(
            k.w.admin,
            id,
            KbCategoryUpdate {
                validity: Some(validity),
                ..Default::default()
            },
            None,
        ))
        .unwrap()
    };
    set_validity(top.id, Validity::Invalid);
    assert_eq!(readers(&k), [(true, false, false), (true, false, false)]);
    assert_eq!(
        categories_named(&k, k.w.lacey),
        Vec::<(String, usize)>::new(),
        "invalid categories and their children are not listed for customers, nor are valid ones \
         without anything to read"
    );
    assert!(k.found_text(KbReader::Public, "in").is_empty());
    set_validity(top.id, Validity::Valid);
    set_validity(sub.id, Validity::InvalidTemporarily);
    assert_eq!(readers(&k), [(true, true, true), (true, false, false)]);
    assert_eq!(k.found_text(k.w.lacey, "in"), [in_top.id]);
    // Customer users need ro on one of the category's groups for external articles; public
    // ones they read like any visitor.
    let support_public = k.article(k.support, "Support public", KbState::Public);
    let support_external = k.article(k.support, "Support external", KbState::External);
    assert!(k.sees(KbReader::Public, support_public.id));
    assert!(k.sees(k.w.lacey, support_public.id));
    assert!(!k.sees(k.w.lacey, support_external.id));
    k.set_customer_groups(k.w.lacey, &[k.support_group]);
    assert!(k.sees(k.w.lacey, support_external.id));
    // Losing the users group does not hide public articles of its categories.
    assert!(k.sees(k.w.lacey, in_top.id));
}

#[test]
fn articles_are_found_by_number() {
    let k = Kb::new();
    let a = k.article(k.misc, "VPN", KbState::External);
    let internal = k.article(k.misc, "Secret", KbState::Internal);
    let number = k.number(a.id);
    assert_eq!(number, format!("{}00{}", k.desk().config().system_id, a.id));
    let view = block_on(k.desk().kb_article_by_number(k.w.lacey, &number)).unwrap();
    assert_eq!(view.article.id, a.id);
    assert_eq!(view.number, number);
    assert_eq!(view.category_path, "Misc");
    assert_eq!(view.category.id, k.misc);
    let internal_number = k.number(internal.id);
    for (reader, number) in [
        (KbReader::from(k.w.lacey), internal_number.as_str()),
        (KbReader::from(k.w.admin), "20001"),
        (KbReader::from(k.w.admin), "1000"),
        (KbReader::from(k.w.admin), "100099"),
        (KbReader::Public, number.as_str()),
    ] {
        let err = block_on(k.desk().kb_article_by_number(reader, number)).unwrap_err();
        assert!(
            matches!(err, DeskError::NotFound { .. }),
            "{number}: {err:?}"
        );
    }
    assert_eq!(
        block_on(k.desk().kb_article_by_number(k.w.carol, &internal_number))
            .unwrap()
            .article
            .title,
        "Secret"
    );
}

// --- approval ----------------------------------------------------------------------------------

/// A change of one of the texts customers read.
fn public_text(field: &str, text: &str) -> KbArticleUpdate {
    let text = Some(text.to_owned());
    match field {
        "title" => KbArticleUpdate {
            title: text,
            ..Default::default()
        },
        "solution" => KbArticleUpdate {
            solution: text,
            ..Default::default()
        },
        "symptom" => KbArticleUpdate {
            symptom: text,
            ..Default::default()
        },
        "problem" => KbArticleUpdate {
            problem: text,
            ..Default::default()
        },
        other => panic!("{other} is not a public text"),
    }
}

fn approval_kb() -> Kb {
    Kb::with_config(DeskConfig {
        kb_approval_required: true,
        ..DeskConfig::default()
    })
}

#[test]
fn new_articles_wait_for_approval_before_customers_see_them() {
    let k = approval_kb();
    let a = k.write(KbArticleInput {
        state: KbState::Public,
        ..KbArticleInput::new(k.support, "VPN")
    });
    assert!(!a.approved);
    assert!(k.sees(k.w.erin, a.id));
    k.set_customer_groups(k.w.lacey, &[k.support_group]);
    assert!(!k.sees(k.w.lacey, a.id));
    assert!(!k.sees(KbReader::Public, a.id));
    assert!(k.found_text(KbReader::Public, "vpn").is_empty());
    assert_eq!(
        categories_named(&k, KbReader::Public),
        Vec::<(String, usize)>::new(),
        "visitors are not shown categories with nothing to read"
    );
    // erin writes in Support but lacks rw on users: she may not approve.
    let err = k.refused(|| block_on(k.desk().set_kb_approval(k.w.erin, a.id, true, None)));
    assert!(matches!(err, DeskError::PermissionDenied { .. }), "{err:?}");
    let err = k.refused(|| block_on(k.desk().set_kb_approval(k.w.lacey, a.id, true, None)));
    assert!(matches!(err, DeskError::PermissionDenied { .. }), "{err:?}");
    // bob has rw on users but cannot see the Support category.
    let err = k.refused(|| block_on(k.desk().set_kb_approval(k.w.bob, a.id, true, None)));
    assert!(matches!(err, DeskError::NotFound { .. }), "{err:?}");
    let approved = block_on(k.desk().set_kb_approval(k.w.alice, a.id, true, None)).unwrap();
    assert!(approved.approved);
    assert_eq!(approved.version, a.version + 1);
    assert!(k.sees(k.w.lacey, a.id));
    assert!(k.sees(KbReader::Public, a.id));
    assert_eq!(k.found_text(KbReader::Public, "vpn"), [a.id]);
    assert_eq!(
        k.kb_rows(a.id).last().unwrap(),
        &(KbAction::ApprovalChanged, "approved".to_owned())
    );
    // Approving again changes nothing.
    let before = k.stored();
    assert_eq!(
        block_on(k.desk().set_kb_approval(k.w.alice, a.id, true, None)).unwrap(),
        approved
    );
    assert_eq!(before, k.stored());
    // erin's change of a public text withdraws the approval; a comment or keywords do not.
    let kept = k.update(
        k.w.erin,
        a.id,
        KbArticleUpdate {
            comment: Some("checked".into()),
            keywords: Some("vpn".into()),
            ..Default::default()
        },
    );
    assert!(kept.approved);
    for field in ["title", "solution", "symptom", "problem"] {
        block_on(k.desk().set_kb_approval(k.w.alice, a.id, true, None)).unwrap();
        let changed = k.update(k.w.erin, a.id, public_text(field, "by erin"));
        assert!(!changed.approved, "{field}");
        assert!(!k.sees(k.w.lacey, a.id), "{field}");
        // An agent who may approve keeps the approval with the same kind of change.
        block_on(k.desk().set_kb_approval(k.w.alice, a.id, true, None)).unwrap();
        let kept = k.update(k.w.alice, a.id, public_text(field, "by alice"));
        assert!(kept.approved, "{field}");
        assert!(k.sees(k.w.lacey, a.id), "{field}");
    }
    let withdrawn = block_on(k.desk().set_kb_approval(k.w.alice, a.id, false, None)).unwrap();
    assert!(!withdrawn.approved);
    assert_eq!(
        k.kb_rows(a.id).last().unwrap(),
        &(KbAction::ApprovalChanged, "approval withdrawn".to_owned())
    );
}

// --- files -------------------------------------------------------------------------------------

fn small_files_kb() -> Kb {
    Kb::with_config(DeskConfig {
        max_attachment_bytes: 10,
        max_attachments_per_article: 2,
        ..DeskConfig::default()
    })
}

#[test]
fn files_respect_the_limits_and_nothing_is_written_on_error() {
    let k = small_files_kb();
    let create = |files: Vec<NewAttachment>| {
        block_on(k.desk().create_kb_article(
            k.w.alice,
            KbArticleInput {
                attachments: files,
                ..KbArticleInput::new(k.misc, "Files")
            },
        ))
    };
    let err = k.refused(|| create(vec![file("a", b"1"), file("b", b"2"), file("c", b"3")]));
    assert_eq!(fields(&err), ["attachments"]);
    let err = k.refused(|| create(vec![file("big", b"0123456789X")]));
    assert_eq!(fields(&err), ["attachments[0].content"]);
    let err = k.refused(|| create(vec![file("a/b", b"1")]));
    assert_eq!(fields(&err), ["attachments[0].filename"]);
    let a = create(vec![file("one.txt", b"0123456789")]).unwrap();
    assert_eq!(a.attachments.len(), 1);
    assert_eq!(a.attachments[0].filename, "one.txt");
    assert_eq!(a.attachments[0].size, 10);
    let add = |files: Vec<NewAttachment>, version| {
        block_on(k.desk().add_kb_attachments(k.w.alice, a.id, files, version))
    };
    let err = k.refused(|| add(vec![file("b", b"1"), file("c", b"2")], None));
    assert_eq!(fields(&err), ["attachments"]);
    let err = k.refused(|| add(vec![file("big", b"0123456789X")], None));
    assert_eq!(fields(&err), ["attachments[0].content"]);
    let err = k.refused(|| add(vec![file("b", b"1")], Some(a.version + 1)));
    assert!(matches!(err, DeskError::VersionMismatch { .. }), "{err:?}");
    let err = k.refused(|| {
        block_on(
            k.desk()
                .add_kb_attachments(k.w.carol, a.id, vec![file("b", b"1")], None),
        )
    });
    assert!(matches!(err, DeskError::PermissionDenied { .. }), "{err:?}");
    let err = k.refused(|| {
        block_on(
            k.desk()
                .add_kb_attachments(k.w.lacey, a.id, vec![file("b", b"1")], None),
        )
    });
    assert!(matches!(err, DeskError::PermissionDenied { .. }), "{err:?}");
    let two = add(vec![file("two.txt", b"22")], Some(a.version)).unwrap();
    assert_eq!(two.version, a.version + 1);
    let names: Vec<&str> = two
        .attachments
        .iter()
        .map(|f| f.filename.as_str())
        .collect();
    assert_eq!(names, ["one.txt", "two.txt"]);
    assert_eq!(k.stored().files.len(), 2);
    assert_eq!(
        k.kb_rows(a.id),
        [
            (KbAction::Created, "Files (internal (agent))".to_owned()),
            (KbAction::AttachmentAdded, "two.txt".to_owned())
        ]
    );
    // Full now.
    let err = k.refused(|| add(vec![file("three", b"3")], None));
    assert_eq!(fields(&err), ["attachments"]);
}

#[test]
fn fields_and_files_change_together_or_not_at_all() {
    let k = small_files_kb();
    let a = block_on(k.desk().create_kb_article(
        k.w.alice,
        KbArticleInput {
            attachments: vec![file("old.txt", b"old")],
            ..KbArticleInput::new(k.misc, "Files")
        },
    ))
    .unwrap();
    let old = a.attachments[0].id;
    let update = |files: Vec<NewAttachment>, remove: Vec<KbAttachmentId>, form: Option<&str>| {
        block_on(k.desk().update_kb_article(
            k.w.alice,
            a.id,
            KbArticleUpdate {
                title: Some("Renamed".into()),
                add_attachments: files,
                remove_attachments: remove,
                form_uploads: form.map(str::to_owned),
                ..KbArticleUpdate::default()
            },
            Some(a.version),
        ))
    };
    // A file over the limit refuses the whole change: the title and the removal too.
    let err = k.refused(|| update(vec![file("big", b"0123456789X")], vec![old], None));
    assert_eq!(fields(&err), ["attachments[0].content"]);
    let err = k.refused(|| update(Vec::new(), vec![KbAttachmentId(9_999)], None));
    assert_eq!(fields(&err), ["remove_attachments"]);
    let err = k.refused(|| update(vec![file("b", b"1"), file("c", b"2")], Vec::new(), None));
    assert_eq!(fields(&err), ["attachments"]);
    // Kept form files join in the same command and leave the form.
    let key = "kb-edit-form-key-0001";
    block_on(
        k.desk()
            .keep_form_uploads(k.w.alice, key, vec![file("kept.txt", b"kept")]),
    )
    .unwrap();
    let saved = update(vec![file("new.txt", b"new")], vec![old], Some(key)).unwrap();
    assert_eq!(saved.title, "Renamed");
    assert_eq!(saved.version, a.version + 1);
    let names: Vec<&str> = saved
        .attachments
        .iter()
        .map(|f| f.filename.as_str())
        .collect();
    assert_eq!(names, ["new.txt", "kept.txt"]);
    assert!(
        block_on(k.desk().form_uploads(k.w.alice, key))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        k.kb_rows(a.id)[1..],
        [
            (KbAction::AttachmentRemoved, "old.txt".to_owned()),
            (KbAction::AttachmentAdded, "new.txt".to_owned()),
            (KbAction::AttachmentAdded, "kept.txt".to_owned()),
            (KbAction::Updated, "title".to_owned()),
        ]
    );
}

#[test]
fn new_articles_take_the_files_kept_for_their_form() {
    let k = Kb::new();
    let key = "kb-create-form-key-01";
    block_on(
        k.desk()
            .keep_form_uploads(k.w.alice, key, vec![file("kept.txt", b"kept")]),
    )
    .unwrap();
    // Refused: the kept file stays with the form.
    let err = k.refused(|| {
        block_on(k.desk().create_kb_article(
            k.w.alice,
            KbArticleInput {
                form_uploads: Some(key.into()),
                ..KbArticleInput::new(k.misc, "")
            },
        ))
    });
    assert_eq!(fields(&err), ["title"]);
    assert_eq!(
        block_on(k.desk().form_uploads(k.w.alice, key))
            .unwrap()
            .len(),
        1
    );
    let a = block_on(k.desk().create_kb_article(
        k.w.alice,
        KbArticleInput {
            form_uploads: Some(key.into()),
            ..KbArticleInput::new(k.misc, "With a kept file")
        },
    ))
    .unwrap();
    assert_eq!(a.attachments.len(), 1);
    assert_eq!(a.attachments[0].filename, "kept.txt");
    assert!(
        block_on(k.desk().form_uploads(k.w.alice, key))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn files_are_downloaded_by_readers_and_removed_by_writers() {
    let k = Kb::new();
    let a = k.write(KbArticleInput {
        state: KbState::External,
        attachments: vec![file("one.txt", b"first"), file("two.txt", b"second")],
        ..KbArticleInput::new(k.misc, "Files")
    });
    let other = k.write(KbArticleInput {
        attachments: vec![file("other.txt", b"other")],
        ..KbArticleInput::new(k.misc, "Other")
    });
    let (one, two) = (a.attachments[0].id, a.attachments[1].id);
    let (meta, bytes) = block_on(k.desk().kb_attachment(k.w.lacey, a.id, one)).unwrap();
    assert_eq!(meta, a.attachments[0]);
    assert_eq!(&*bytes, b"first");
    for (reader, article, file) in [
        (KbReader::Public, a.id, one),
        (KbReader::from(k.w.lacey), other.id, other.attachments[0].id),
        (KbReader::from(k.w.dave), a.id, one),
        // A file of another article through this one.
        (KbReader::from(k.w.admin), a.id, other.attachments[0].id),
        (KbReader::from(k.w.admin), a.id, KbAttachmentId(999)),
    ] {
        let err = block_on(k.desk().kb_attachment(reader, article, file)).unwrap_err();
        assert!(
            matches!(err, DeskError::NotFound { .. }),
            "{reader:?} {file}: {err:?}"
        );
    }
    let remove =
        |actor, file, version| block_on(k.desk().remove_kb_attachment(actor, a.id, file, version));
    let err = k.refused(|| remove(k.w.carol, one, None));
    assert!(matches!(err, DeskError::PermissionDenied { .. }), "{err:?}");
    let err = k.refused(|| remove(k.w.alice, other.attachments[0].id, None));
    assert!(matches!(err, DeskError::NotFound { .. }), "{err:?}");
    let err = k.refused(|| remove(k.w.alice, one, Some(a.version + 7)));
    assert!(matches!(err, DeskError::VersionMismatch { .. }), "{err:?}");
    let after = remove(k.w.bob, one, Some(a.version)).unwrap();
    assert_eq!(
        after.attachments.iter().map(|f| f.id).collect::<Vec<_>>(),
        [two]
    );
    assert_eq!(after.changed_by, k.w.bob);
    assert!(matches!(
        block_on(k.desk().kb_attachment(k.w.admin, a.id, one)),
        Err(DeskError::NotFound { .. })
    ));
    let stored = k.stored();
    assert!(stored.files.iter().all(|(f, _)| f.id != one));
    assert_eq!(stored.files.len(), 2);
    assert_eq!(
        k.kb_rows(a.id).last().unwrap(),
        &(KbAction::AttachmentRemoved, "one.txt".to_owned())
    );
}

// --- votes -------------------------------------------------------------------------------------

#[test]
fn one_vote_per_person_and_the_second_replaces_the_first() {
    let k = Kb::new();
    let a = k.article(k.misc, "VPN", KbState::Public);
    let vote = |actor, helpful| block_on(k.desk().vote_kb_article(actor, a.id, helpful));
    assert_eq!(
        vote(k.w.lacey, true).unwrap(),
        KbRating {
            helpful: 1,
            votes: 1
        }
    );
    assert_eq!(
        vote(k.w.lacey, false).unwrap(),
        KbRating {
            helpful: 0,
            votes: 1
        }
    );
    assert_eq!(
        vote(k.w.robert, true).unwrap(),
        KbRating {
            helpful: 1,
            votes: 2
        }
    );
    assert_eq!(
        vote(k.w.carol, true).unwrap(),
        KbRating {
            helpful: 2,
            votes: 3
        }
    );
    // The same answer again writes nothing.
    let before = k.stored();
    assert_eq!(
        vote(k.w.lacey, false).unwrap(),
        KbRating {
            helpful: 2,
            votes: 3
        }
    );
    assert_eq!(before, k.stored());
    let votes = k.stored().votes;
    assert_eq!(votes.len(), 3);
    assert!(votes.iter().any(|v| v.voter == k.w.lacey && !v.helpful));
    let voted: Vec<String> = k
        .kb_rows(a.id)
        .into_iter()
        .filter(|(action, _)| *action == KbAction::Voted)
        .map(|(_, detail)| detail)
        .collect();
    assert_eq!(
        voted,
        [
            "helpful: yes",
            "helpful: no",
            "helpful: yes",
            "helpful: yes"
        ]
    );
    let view = |reader: KbReader| block_on(k.desk().kb_article(reader, a.id)).unwrap();
    assert_eq!(view(k.w.lacey.into()).my_vote, Some(false));
    assert_eq!(view(k.w.robert.into()).my_vote, Some(true));
    assert_eq!(view(k.w.bob.into()).my_vote, None);
    assert_eq!(view(KbReader::Public).my_vote, None);
    assert_eq!(
        view(KbReader::Public).rating,
        KbRating {
            helpful: 2,
            votes: 3
        }
    );
    assert_eq!(view(KbReader::Public).rating.percent(), Some(67));
    // Visitors who are not signed in have no `Principal`, so `vote_kb_article` cannot take them.
}

#[test]
fn customers_vote_only_on_articles_they_see() {
    let k = approval_kb();
    let internal = k.article(k.misc, "Internal", KbState::Internal);
    let unapproved = k.article(k.misc, "Unapproved", KbState::External);
    let support = k.article(k.support, "Support", KbState::External);
    block_on(k.desk().set_kb_approval(k.w.alice, support.id, true, None)).unwrap();
    for (actor, id) in [
        (k.w.lacey, internal.id),
        (k.w.lacey, unapproved.id),
        (k.w.lacey, support.id),
        (k.w.dave, internal.id),
        (k.w.lacey, KbArticleId(999)),
    ] {
        let err = k.refused(|| block_on(k.desk().vote_kb_article(actor, id, true)));
        assert!(
            matches!(err, DeskError::NotFound { .. }),
            "{actor:?} on {id}: {err:?}"
        );
    }
    // Agents vote on what they see, approved or not.
    assert_eq!(
        block_on(k.desk().vote_kb_article(k.w.carol, unapproved.id, false)).unwrap(),
        KbRating {
            helpful: 0,
            votes: 1
        }
    );
    // With the group right lacey sees the Support article and votes; its history stays the
    // agents'.
    k.set_customer_groups(k.w.lacey, &[k.support_group]);
    assert_eq!(
        block_on(k.desk().vote_kb_article(k.w.lacey, support.id, true)).unwrap(),
        KbRating {
            helpful: 1,
            votes: 1
        }
    );
    let err = k.refused(|| block_on(k.desk().kb_history(k.w.lacey, support.id)));
    assert!(matches!(err, DeskError::NotFound { .. }), "{err:?}");
}

// --- search ------------------------------------------------------------------------------------

/// Four articles for the search tests, each changed a minute after the one before.
struct Library {
    k: Kb,
    sub: KbCategoryId,
    guide: KbArticleId,
    printer: KbArticleId,
    trouble: KbArticleId,
    wifi: KbArticleId,
}

fn library() -> Library {
    let k = Kb::new();
    let sub = k.category(Some(k.misc), "Sub", &[GroupId::USERS]).id;
    let write = |input: KbArticleInput| {
        k.tick();
        k.write(input).id
    };
    let guide = write(KbArticleInput {
        keywords: "vpn network".into(),
        state: KbState::External,
        solution: "Install the client".into(),
        comment: "the password is hunter2".into(),
        ..KbArticleInput::new(k.misc, "VPN setup guide")
    });
    let printer = write(KbArticleInput {
        keywords: "printer".into(),
        state: KbState::Public,
        language: "de".into(),
        problem: "Paper stuck in tray".into(),
        ..KbArticleInput::new(k.misc, "Printer jam")
    });
    let trouble = write(KbArticleInput {
        keywords: "vpn".into(),
        symptom: "Connection drops".into(),
        ..KbArticleInput::new(k.misc, "VPN troubleshooting")
    });
    let wifi = write(KbArticleInput {
        keywords: "wifi vpn".into(),
        state: KbState::Public,
        validity: Validity::Invalid,
        ..KbArticleInput::new(sub, "Wifi and VPN")
    });
    Library {
        k,
        sub,
        guide,
        printer,
        trouble,
        wifi,
    }
}

#[test]
fn every_word_must_match_ignoring_case_in_the_fields_the_reader_sees() {
    let l = library();
    let k = &l.k;
    // Newest change first by default.
    assert_eq!(k.found_text(k.w.alice, "vpn"), [l.wifi, l.trouble, l.guide]);
    assert_eq!(k.found_text(k.w.lacey, "vpn"), [l.guide]);
    assert_eq!(
        k.found_text(KbReader::Public, "vpn"),
        Vec::<KbArticleId>::new()
    );
    assert_eq!(k.found_text(k.w.alice, "VPN  GUIDE"), [l.guide]);
    assert_eq!(
        k.found_text(k.w.alice, "vpn printer"),
        Vec::<KbArticleId>::new()
    );
    assert_eq!(k.found_text(k.w.alice, "client install"), [l.guide]);
    assert_eq!(k.found_text(k.w.alice, "TRAY"), [l.printer]);
    assert_eq!(k.found_text(k.w.alice, "drops"), [l.trouble]);
    assert_eq!(k.found_text(KbReader::Public, "paper"), [l.printer]);
    // The internal comment is searched for agents only.
    assert_eq!(k.found_text(k.w.carol, "hunter2"), [l.guide]);
    assert!(k.found_text(k.w.lacey, "hunter2").is_empty());
    assert!(k.found_text(k.w.lacey, "password vpn").is_empty());
    assert!(k.found_text(KbReader::Public, "hunter2").is_empty());
    // The number.
    let number = k.number(l.printer);
    assert_eq!(k.found_text(KbReader::Public, &number), [l.printer]);
    // Blank text: everything the reader sees.
    assert_eq!(k.found_text(k.w.lacey, "  "), [l.printer, l.guide]);
    assert_eq!(k.found_text(k.w.dave, ""), Vec::<KbArticleId>::new());
}

#[test]
fn filters_by_category_state_language_and_validity() {
    let l = library();
    let k = &l.k;
    let q = |f: &dyn Fn(&mut KbQuery)| {
        let mut query = KbQuery {
            sort: KbSortKey::Number,
            descending: false,
            ..KbQuery::default()
        };
        f(&mut query);
        query
    };
    let misc = k.misc;
    assert_eq!(
        k.found(k.w.alice, q(&|q| q.category_id = Some(misc))),
        [l.guide, l.printer, l.trouble, l.wifi]
    );
    assert_eq!(
        k.found(
            k.w.alice,
            q(&|q| {
                q.category_id = Some(misc);
                q.include_subcategories = false;
            })
        ),
        [l.guide, l.printer, l.trouble]
    );
    let sub = l.sub;
    assert_eq!(
        k.found(k.w.alice, q(&|q| q.category_id = Some(sub))),
        [l.wifi]
    );
    let support = k.support;
    assert!(
        k.found(k.w.alice, q(&|q| q.category_id = Some(support)))
            .is_empty()
    );
    assert!(
        k.found(k.w.bob, q(&|q| q.category_id = Some(KbCategoryId(999))))
            .is_empty()
    );
    assert_eq!(
        k.found(k.w.alice, q(&|q| q.states = [KbState::Public].into())),
        [l.printer, l.wifi]
    );
    assert_eq!(
        k.found(
            k.w.alice,
            q(&|q| q.states = [KbState::Internal, KbState::External].into())
        ),
        [l.guide, l.trouble]
    );
    // Customers cannot widen their states.
    assert!(
        k.found(k.w.lacey, q(&|q| q.states = [KbState::Internal].into()))
            .is_empty()
    );
    assert_eq!(
        k.found(KbReader::Public, q(&|q| q.states = KbState::ALL.into())),
        [l.printer]
    );
    assert_eq!(
        k.found(k.w.alice, q(&|q| q.language = Some("DE".into()))),
        [l.printer]
    );
    assert_eq!(
        k.found(k.w.alice, q(&|q| q.language = Some("en".into()))),
        [l.guide, l.trouble, l.wifi]
    );
    assert_eq!(
        k.found(k.w.alice, q(&|q| q.validity = Some(Validity::Invalid))),
        [l.wifi]
    );
    assert_eq!(
        k.found(k.w.alice, q(&|q| q.validity = Some(Validity::Valid))),
        [l.guide, l.printer, l.trouble]
    );
    assert!(
        k.found(
            KbReader::Public,
            q(&|q| q.validity = Some(Validity::Invalid))
        )
        .is_empty()
    );
}

#[test]
fn every_sort_key_orders_both_ways() {
    let k = Kb::new();
    let network = k.category(None, "network", &[GroupId::USERS]).id;
    let sub = k.category(Some(k.misc), "Sub", &[GroupId::USERS]).id;
    let write = |input: KbArticleInput| {
        k.tick();
        k.write(input).id
    };
    let x = write(KbArticleInput {
        state: KbState::Public,
        ..KbArticleInput::new(sub, "gamma")
    });
    let y = write(KbArticleInput {
        state: KbState::Internal,
        language: "de".into(),
        validity: Validity::Invalid,
        ..KbArticleInput::new(k.misc, "beta")
    });
    let z = write(KbArticleInput {
        state: KbState::External,
        ..KbArticleInput::new(network, "Alpha")
    });
    // Change them in the order z, y, x.
    for id in [z, y, x] {
        k.tick();
        k.update(
            k.w.alice,
            id,
            KbArticleUpdate {
                keywords: Some("touched".into()),
                ..Default::default()
            },
        );
    }
    let expected = [
        (KbSortKey::Number, [x, y, z]),
        (KbSortKey::Title, [z, y, x]),
        (KbSortKey::Category, [y, x, z]),
        // de, en, en (ties by number).
        (KbSortKey::Language, [y, x, z]),
        (KbSortKey::State, [y, z, x]),
        // "invalid" before "valid" (ties by number).
        (KbSortKey::Validity, [y, x, z]),
        (KbSortKey::Created, [x, y, z]),
        (KbSortKey::Changed, [z, y, x]),
    ];
    assert_eq!(expected.len(), KbSortKey::ALL.len());
    for (sort, ascending) in expected {
        let query = |descending| KbQuery {
            sort,
            descending,
            ..KbQuery::default()
        };
        assert_eq!(k.found(k.w.alice, query(false)), ascending, "{sort:?}");
        let mut descending = ascending;
        descending.reverse();
        assert_eq!(
            k.found(k.w.alice, query(true)),
            descending,
            "{sort:?} descending"
        );
        assert_eq!(
            KbSortKey::from_name(&sort.name().to_uppercase()),
            Some(sort)
        );
    }
}

#[test]
fn pages_split_the_results_and_count_them_all() {
    let l = library();
    let k = &l.k;
    let page = |offset, limit| {
        block_on(k.desk().search_kb(
            k.w.alice,
            KbQuery {
                sort: KbSortKey::Title,
                descending: false,
                offset,
                limit,
                ..KbQuery::default()
            },
        ))
    };
    let all = [l.printer, l.guide, l.trouble, l.wifi];
    for (offset, limit, ids) in [
        (0, 2, &all[..2]),
        (2, 2, &all[2..]),
        (3, 500, &all[3..]),
        (4, 1, &all[4..]),
        (u64::MAX, 1, &all[4..]),
    ] {
        let result = page(offset, limit).unwrap();
        assert_eq!(result.total, 4);
        let found: Vec<KbArticleId> = result.items.iter().map(|i| i.article.id).collect();
        assert_eq!(found, ids, "offset {offset}, limit {limit}");
    }
    let first = page(0, 1).unwrap().items.remove(0);
    assert_eq!(first.number, k.number(l.printer));
    assert_eq!(first.category_path, "Misc");
    let wifi = page(3, 1).unwrap().items.remove(0);
    assert_eq!(wifi.category_path, "Misc::Sub");
    for limit in [0, MAX_KB_PAGE + 1] {
        let err = page(0, limit).unwrap_err();
        assert_eq!(fields(&err), ["limit"]);
    }
    assert_eq!(page(0, MAX_KB_PAGE).unwrap().items.len(), 4);
    // Customers' list items carry no internal comment either.
    let items = block_on(k.desk().search_kb(k.w.lacey, KbQuery::default()))
        .unwrap()
        .items;
    assert!(!items.is_empty());
    assert!(items.iter().all(|i| i.article.comment.is_empty()));
}

#[test]
fn related_articles_are_ranked_by_matched_keywords() {
    let k = Kb::new();
    let write = |keywords: &str, state, validity| {
        k.tick();
        k.write(KbArticleInput {
            keywords: keywords.into(),
            state,
            validity,
            ..KbArticleInput::new(k.misc, keywords)
        })
        .id
    };
    let vpn = write("vpn network", KbState::External, Validity::Valid);
    let printer = write("printer", KbState::External, Validity::Valid);
    let both = write("VPN;printer", KbState::Internal, Validity::Valid);
    let invalid = write("vpn printer", KbState::External, Validity::Invalid);
    let wifi = write("wifi", KbState::Public, Validity::Valid);
    let related = |reader: KbReader, text: &str, limit| -> Vec<KbArticleId> {
        block_on(k.desk().related_kb_articles(reader, text, limit))
            .unwrap()
            .into_iter()
            .map(|i| i.article.id)
            .collect()
    };
    let text = "Hello, my VPN and my Printer, are broken!";
    // Two matches first, then one match newest first; invalid articles are never offered.
    assert_eq!(related(k.w.alice.into(), text, 10), [both, printer, vpn]);
    assert_eq!(related(k.w.alice.into(), text, 2), [both, printer]);
    assert_eq!(related(k.w.lacey.into(), text, 10), [printer, vpn]);
    assert!(related(KbReader::Public, text, 10).is_empty());
    assert_eq!(related(KbReader::Public, "WiFi?", 10), [wifi]);
    assert!(related(k.w.alice.into(), text, 0).is_empty());
    assert!(related(k.w.alice.into(), " ,; ", 10).is_empty());
    assert!(
        related(k.w.alice.into(), "network-printer", 10).is_empty(),
        "whole keywords only"
    );
    assert!(!related(k.w.admin.into(), "vpn printer", 10).contains(&invalid));
}

// --- links -------------------------------------------------------------------------------------

impl Kb {
    fn link(
        &self,
        actor: Principal,
        source: ObjectRef,
        target: ObjectRef,
        link_type: LinkType,
    ) -> Result<Link, DeskError> {
        block_on(self.desk().link(actor, source, target, link_type))
    }

    /// The parameters of a ticket's link history row for an article: `FAQ#<number>`, id, type.
    fn faq_params(&self, id: KbArticleId, link_type: LinkType) -> Vec<String> {
        vec![
            format!("FAQ#{}", self.number(id)),
            id.to_string(),
            link_type.name().to_owned(),
        ]
    }

    fn last_kb_row(&self, id: KbArticleId) -> (KbAction, String) {
        self.kb_rows(id).pop().unwrap()
    }

    /// The far ends of the links of `object` the actor sees.
    fn far_ends(&self, actor: Principal, object: ObjectRef) -> Vec<ObjectRef> {
        block_on(self.desk().links(actor, object))
            .unwrap()
            .into_iter()
            .map(|l| l.other_end(object))
            .collect()
    }
}

fn ticket_detail(ticket: &Ticket, link_type: LinkType) -> String {
    format!("ticket {} ({})", ticket.number, link_type.name())
}

#[test]
fn tickets_and_articles_link_with_history_on_both_ends() {
    use LinkType::{Normal, ParentChild};
    let k = Kb::new();
    let ticket = k.w.ticket("Printer broken");
    let a = k.article(k.misc, "Printer", KbState::External);
    let b = k.article(k.misc, "Paper", KbState::External);
    let link = k.link(k.w.alice, t(ticket.id), kb(a.id), Normal).unwrap();
    assert_eq!((link.source, link.target), (t(ticket.id), kb(a.id)));
    assert_eq!(link.created_by, k.w.alice);
    assert_eq!(
        k.ticket_rows(ticket.id, "TicketLinkAdd"),
        [k.faq_params(a.id, Normal)]
    );
    let added = (KbAction::LinkAdded, ticket_detail(&ticket, Normal));
    assert_eq!(k.last_kb_row(a.id), added);
    // Normal A–B equals B–A; ParentChild is another link; nothing links to itself.
    for (source, target, link_type) in [
        (kb(a.id), t(ticket.id), Normal),
        (t(ticket.id), kb(a.id), Normal),
        (kb(a.id), kb(a.id), Normal),
        (kb(a.id), kb(a.id), ParentChild),
    ] {
        let err = k.refused(|| k.link(k.w.alice, source, target, link_type));
        assert!(matches!(err, DeskError::LinkRefused { .. }), "{err:?}");
    }
    let kk = k.link(k.w.bob, kb(a.id), kb(b.id), ParentChild).unwrap();
    let number = k.number(a.id);
    assert_eq!(
        k.last_kb_row(b.id),
        (
            KbAction::LinkAdded,
            format!("knowledge-base article {number} (ParentChild)")
        )
    );
    let err = k.refused(|| k.link(k.w.bob, kb(a.id), kb(b.id), ParentChild));
    assert!(matches!(err, DeskError::LinkRefused { .. }), "{err:?}");
    let links = block_on(k.desk().links(k.w.alice, kb(a.id))).unwrap();
    assert_eq!(links, [link.clone(), kk.clone()]);
    assert_eq!(k.stored().links.len(), 2);
    // Unlinking writes the removal on both ends.
    block_on(k.desk().unlink(k.w.alice, link.id)).unwrap();
    assert_eq!(
        k.ticket_rows(ticket.id, "TicketLinkDelete"),
        [k.faq_params(a.id, Normal)]
    );
    let removed = (KbAction::LinkRemoved, ticket_detail(&ticket, Normal));
    assert_eq!(k.last_kb_row(a.id), removed);
    block_on(k.desk().unlink(k.w.bob, kk.id)).unwrap();
    assert_eq!(k.last_kb_row(b.id).0, KbAction::LinkRemoved);
    assert!(k.stored().links.is_empty());
}

#[test]
fn parent_child_cycles_through_articles_and_tickets_are_refused() {
    let k = Kb::new();
    let (t1, t2) = (k.w.ticket("one"), k.w.ticket("two"));
    let a = k.article(k.misc, "A", KbState::Internal);
    let b = k.article(k.misc, "B", KbState::Internal);
    let pc = |source, target| k.link(k.w.alice, source, target, LinkType::ParentChild);
    pc(t(t1.id), kb(a.id)).unwrap();
    pc(kb(a.id), t(t2.id)).unwrap();
    pc(t(t2.id), kb(b.id)).unwrap();
    for (source, target) in [
        (kb(b.id), t(t1.id)),
        (kb(b.id), kb(a.id)),
        (t(t2.id), t(t1.id)),
        (kb(b.id), t(t2.id)),
    ] {
        let err = k.refused(|| pc(source, target));
        assert!(
            matches!(&err, DeskError::LinkRefused { reason } if reason.contains("cycle")),
            "{source} → {target}: {err:?}"
        );
    }
    // A Normal link closes no cycle.
    k.link(k.w.alice, kb(b.id), t(t1.id), LinkType::Normal)
        .unwrap();
    assert_eq!(k.stored().links.len(), 4);
}

#[test]
fn linking_needs_rw_on_the_source_and_ro_on_the_target() {
    let k = Kb::new();
    let ticket = k.w.ticket("Printer broken");
    let misc = k.article(k.misc, "Misc article", KbState::External);
    let support = k.article(k.support, "Support article", KbState::External);
    let cases = [
        // carol: ro on users, so neither the ticket nor the article can be the written end.
        (k.w.carol, t(ticket.id), kb(misc.id)),
        (k.w.carol, kb(misc.id), t(ticket.id)),
        // bob does not see the Support article, erin does not see the ticket nor Misc.
        (k.w.bob, t(ticket.id), kb(support.id)),
        (k.w.bob, kb(support.id), t(ticket.id)),
        (k.w.erin, kb(support.id), t(ticket.id)),
        (k.w.erin, kb(support.id), kb(misc.id)),
        (k.w.dave, kb(misc.id), kb(support.id)),
        // Customers never link, even what they see.
        (k.w.lacey, t(ticket.id), kb(misc.id)),
        (k.w.lacey, kb(misc.id), t(ticket.id)),
        // Unknown ends.
        (k.w.alice, t(ticket.id), kb(KbArticleId(999))),
        (k.w.alice, kb(KbArticleId(999)), t(ticket.id)),
    ];
    for (actor, source, target) in cases {
        let err = k.refused(|| k.link(actor, source, target, LinkType::Normal));
        assert!(
            matches!(
                err,
                DeskError::PermissionDenied { .. } | DeskError::NotFound { .. }
            ),
            "{actor:?} {source} → {target}: {err:?}"
        );
    }
    // bob writes the ticket and reads the Misc article.
    k.link(k.w.bob, t(ticket.id), kb(misc.id), LinkType::Normal)
        .unwrap();
    k.link(k.w.alice, t(ticket.id), kb(support.id), LinkType::Normal)
        .unwrap();
    // Everyone sees only the links whose far end they may read.
    let ends = |actor| k.far_ends(actor, t(ticket.id));
    assert_eq!(ends(k.w.alice), [kb(misc.id), kb(support.id)]);
    assert_eq!(ends(k.w.bob), [kb(misc.id)]);
    assert_eq!(ends(k.w.lacey), [kb(misc.id)]);
    k.update(
        k.w.alice,
        misc.id,
        KbArticleUpdate {
            state: Some(KbState::Internal),
            ..Default::default()
        },
    );
    assert!(
        ends(k.w.lacey).is_empty(),
        "internal articles are hidden from customers"
    );
    assert_eq!(ends(k.w.carol), [kb(misc.id)]);
    assert!(block_on(k.desk().links(k.w.dave, t(ticket.id))).is_err());
}

#[test]
fn unlink_from_ticket_removes_an_article_link_with_history() {
    let k = Kb::new();
    let ticket = k.w.ticket("Printer broken");
    let other = k.w.ticket("Other");
    let a = k.article(k.misc, "Printer", KbState::External);
    let s = k.article(k.support, "Support", KbState::External);
    let link = k
        .link(k.w.alice, kb(a.id), t(ticket.id), LinkType::Normal)
        .unwrap();
    let hidden = k
        .link(k.w.alice, t(ticket.id), kb(s.id), LinkType::Normal)
        .unwrap();
    for (actor, ticket_id, link_id) in [
        (k.w.carol, ticket.id, link.id),
        (k.w.lacey, ticket.id, link.id),
        (k.w.alice, other.id, link.id),
        (k.w.alice, ticket.id, LinkId(999)),
        // bob writes the ticket but cannot see the Support article, nor this link.
        (k.w.bob, ticket.id, hidden.id),
    ] {
        let err = k.refused(|| block_on(k.desk().unlink_from_ticket(actor, ticket_id, link_id)));
        assert!(
            matches!(
                err,
                DeskError::PermissionDenied { .. } | DeskError::NotFound { .. }
            ),
            "{actor:?} {ticket_id} {link_id}: {err:?}"
        );
    }
    block_on(k.desk().unlink_from_ticket(k.w.bob, ticket.id, link.id)).unwrap();
    assert_eq!(
        k.ticket_rows(ticket.id, "TicketLinkDelete"),
        [k.faq_params(a.id, LinkType::Normal)]
    );
    assert_eq!(
        k.last_kb_row(a.id),
        (
            KbAction::LinkRemoved,
            ticket_detail(&ticket, LinkType::Normal)
        )
    );
    let left: Vec<LinkId> = k.stored().links.into_keys().collect();
    assert_eq!(left, [hidden.id]);
}

#[test]
fn deleting_an_article_removes_its_links_and_tells_the_other_ends() {
    use LinkType::{Normal, ParentChild};
    let k = Kb::new();
    let (t1, t2) = (k.w.ticket("one"), k.w.ticket("two"));
    let a = k.article(k.misc, "Going", KbState::Internal);
    let b = k.article(k.misc, "Staying", KbState::Internal);
    k.link(k.w.alice, t(t1.id), kb(a.id), Normal).unwrap();
    k.link(k.w.alice, kb(a.id), t(t2.id), ParentChild).unwrap();
    k.link(k.w.alice, kb(a.id), kb(b.id), Normal).unwrap();
    let kept = k.link(k.w.alice, t(t1.id), kb(b.id), Normal).unwrap();
    block_on(k.desk().delete_kb_article(k.w.bob, a.id, None)).unwrap();
    assert_eq!(
        k.ticket_rows(t1.id, "TicketLinkDelete"),
        [k.faq_params(a.id, Normal)]
    );
    assert_eq!(
        k.ticket_rows(t2.id, "TicketLinkDelete"),
        [k.faq_params(a.id, ParentChild)]
    );
    let number = k.number(a.id);
    assert_eq!(
        k.last_kb_row(b.id),
        (
            KbAction::LinkRemoved,
            format!("knowledge-base article {number} (Normal)")
        )
    );
    let left: Vec<LinkId> = k.stored().links.into_keys().collect();
    assert_eq!(left, [kept.id]);
    assert_eq!(k.far_ends(k.w.alice, t(t1.id)), [kb(b.id)]);
    assert!(k.far_ends(k.w.alice, t(t2.id)).is_empty());
}

#[test]
fn a_merge_moves_article_links_with_their_faq_label() {
    let k = Kb::new();
    let (source, target) = (k.w.ticket("source"), k.w.ticket("target"));
    let a = k.article(k.misc, "Printer", KbState::Internal);
    k.link(k.w.alice, t(source.id), kb(a.id), LinkType::Normal)
        .unwrap();
    block_on(k.desk().merge_tickets(k.w.alice, source.id, target.id)).unwrap();
    assert_eq!(k.far_ends(k.w.alice, kb(a.id)), [t(target.id)]);
    assert_eq!(
        k.kb_rows(a.id)[1..],
        [
            (
                KbAction::LinkAdded,
                ticket_detail(&source, LinkType::Normal)
            ),
            (
                KbAction::LinkRemoved,
                ticket_detail(&source, LinkType::Normal)
            ),
            (
                KbAction::LinkAdded,
                ticket_detail(&target, LinkType::Normal)
            ),
        ]
    );
    let added = k.ticket_rows(target.id, "TicketLinkAdd");
    assert!(
        added.contains(&k.faq_params(a.id, LinkType::Normal)),
        "{added:?}"
    );
}
