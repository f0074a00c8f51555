//! Property tests of the knowledge base over random category trees, articles and readers:
//! search finds exactly what each reader may open, pages add up to the whole list, category
//! counts add up to the visible articles, and category moves never make a cycle.

use std::collections::{BTreeMap, BTreeSet};

use otrs_core::desk::{
    KbArticleInput, KbCategoryUpdate, KbQuery, KbReader, KbSortKey, MAX_KB_PAGE,
};
use otrs_core::ids::{GroupId, KbArticleId, KbCategoryId};
use otrs_core::model::{KbState, Validity};
use otrs_core::{DeskConfig, DeskError, block_on};
use proptest::prelude::*;

use crate::kb::{Kb, fields};

const VALIDITIES: [Validity; 3] = [
    Validity::Valid,
    Validity::Invalid,
    Validity::InvalidTemporarily,
];

/// Words the texts are made of; searches look for them.
const WORDS: [&str; 6] = ["vpn", "printer", "mail", "wifi", "token", "Reset"];

#[derive(Debug, Clone)]
struct CategorySpec {
    /// An earlier category (taken modulo the position), or the top.
    parent: Option<usize>,
    validity: usize,
    /// Bit 0: users, bit 1: support.
    groups: u8,
}

#[derive(Debug, Clone)]
struct ArticleSpec {
    category: usize,
    state: usize,
    validity: usize,
    approve: bool,
    /// Indexes into [`WORDS`] for the title, keywords, solution and internal comment.
    words: [usize; 4],
}

#[derive(Debug, Clone)]
struct Library {
    approval: bool,
    categories: Vec<CategorySpec>,
    articles: Vec<ArticleSpec>,
}

fn library() -> impl Strategy<Value = Library> {
    let category = (
        proptest::option::weighted(0.6, 0usize..8),
        prop_oneof![4 => Just(0usize), 1 => 1usize..3],
        1u8..4,
    )
        .prop_map(|(parent, validity, groups)| CategorySpec {
            parent,
            validity,
            groups,
        });
    let article = (
        0usize..8,
        0usize..3,
        prop_oneof![3 => Just(0usize), 1 => 1usize..3],
        any::<bool>(),
        [0usize..6, 0usize..6, 0usize..6, 0usize..6],
    )
        .prop_map(|(category, state, validity, approve, words)| ArticleSpec {
            category,
            state,
            validity,
            approve,
            words,
        });
    (
        any::<bool>(),
        proptest::collection::vec(category, 1..6),
        proptest::collection::vec(article, 0..14),
    )
        .prop_map(|(approval, categories, articles)| Library {
            approval,
            categories,
            articles,
        })
}

/// Builds the library; returns the world and the article ids.
fn build(spec: &Library) -> (Kb, Vec<KbArticleId>) {
    let k = Kb::with_config(DeskConfig {
        kb_approval_required: spec.approval,
        ..DeskConfig::default()
    });
    // lacey keeps the default rw on users; mallory gets support only; robert nothing.
    k.set_customer_groups(k.w.mallory, &[k.support_group]);
    k.set_customer_groups(k.w.robert, &[]);
    let mut categories = vec![k.misc, k.support];
    for (i, c) in spec.categories.iter().enumerate() {
        let parent = c.parent.map(|p| categories[p % categories.len()]);
        let mut groups = Vec::new();
        if c.groups & 1 != 0 {
            groups.push(GroupId::USERS);
        }
        if c.groups & 2 != 0 {
            groups.push(k.support_group);
        }
        let created = k.category(parent, &format!("c{i}"), &groups);
        if c.validity != 0 {
            block_on(k.desk().update_kb_category(
                k.w.admin,
                created.id,
                KbCategoryUpdate {
                    validity: Some(VALIDITIES[c.validity]),
                    ..Default::default()
                },
                None,
            ))
            .unwrap();
        }
        categories.push(created.id);
    }
    let mut ids = Vec::new();
    for a in &spec.articles {
        let [title, keywords, solution, comment] = a.words.map(|w| WORDS[w]);
        let article = block_on(k.desk().create_kb_article(
            k.w.admin,
            KbArticleInput {
                state: KbState::ALL[a.state],
                validity: VALIDITIES[a.validity],
                keywords: keywords.into(),
                solution: format!("Try {solution}."),
                comment: format!("internal {comment}"),
                ..KbArticleInput::new(categories[a.category % categories.len()], title)
            },
        ))
        .unwrap();
        if spec.approval && a.approve {
            block_on(k.desk().set_kb_approval(k.w.admin, article.id, true, None)).unwrap();
        }
        k.tick();
        ids.push(article.id);
    }
    (k, ids)
}

fn readers(k: &Kb) -> Vec<KbReader> {
    let w = &k.w;
    [
        w.admin, w.alice, w.bob, w.carol, w.dave, w.erin, w.lacey, w.mallory, w.robert,
    ]
    .into_iter()
    .map(KbReader::from)
    .chain([KbReader::Public])
    .collect()
}

fn everything(sort: KbSortKey, descending: bool) -> KbQuery {
    KbQuery {
        sort,
        descending,
        limit: MAX_KB_PAGE,
        ..KbQuery::default()
    }
}

/// The words of an article as the reader is shown it (number, title, keywords, texts).
fn shown_text(k: &Kb, reader: KbReader, id: KbArticleId) -> String {
    let view = block_on(k.desk().kb_article(reader, id)).unwrap();
    let a = view.article;
    [
        view.number,
        a.title,
        a.keywords,
        a.symptom,
        a.problem,
        a.solution,
        a.comment,
    ]
    .join("\n")
    .to_lowercase()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn search_finds_exactly_what_each_reader_may_open(
        spec in library(),
        sort in 0usize..KbSortKey::ALL.len(),
        descending in any::<bool>(),
        page in 1u32..5,
        word in 0usize..WORDS.len(),
    ) {
        let (k, ids) = build(&spec);
        let sort = KbSortKey::ALL[sort];
        for reader in readers(&k) {
            let visible: BTreeSet<KbArticleId> =
                ids.iter().copied().filter(|id| k.sees(reader, *id)).collect();
            let all = block_on(k.desk().search_kb(reader, everything(sort, descending))).unwrap();
            let found: Vec<KbArticleId> = all.items.iter().map(|i| i.article.id).collect();
            let found_set: BTreeSet<KbArticleId> = found.iter().copied().collect();
            prop_assert_eq!(found.len(), found_set.len(), "an article listed twice");
            prop_assert_eq!(&found_set, &visible, "{:?}", reader);
            prop_assert_eq!(all.total, visible.len() as u64);
            // The list items are the articles as the reader sees them.
            for item in &all.items {
                let view = block_on(k.desk().kb_article(reader, item.article.id)).unwrap();
                prop_assert_eq!(&item.article, &view.article);
                prop_assert_eq!(&item.category_path, &view.category_path);
            }
            // The category counts add up to the visible articles.
            let nodes = block_on(k.desk().kb_categories(reader)).unwrap();
            let counted: usize = nodes.iter().map(|n| n.article_count).sum();
            prop_assert_eq!(counted, visible.len(), "{:?}", reader);
            for id in &visible {
                let view = block_on(k.desk().kb_article(reader, *id)).unwrap();
                prop_assert!(nodes.iter().any(|n| n.category.id == view.category.id));
            }
            // Pages, one after the other, make the whole list.
            let mut paged = Vec::new();
            let mut offset = 0;
            loop {
                let query = KbQuery { offset, limit: page, ..everything(sort, descending) };
                let result = block_on(k.desk().search_kb(reader, query)).unwrap();
                prop_assert_eq!(result.total, all.total);
                prop_assert!(result.items.len() <= page as usize);
                if result.items.is_empty() {
                    break;
                }
                paged.extend(result.items.into_iter().map(|i| i.article.id));
                offset += u64::from(page);
            }
            prop_assert_eq!(&paged, &found, "{:?} by {:?}", reader, sort);
            // A word finds the visible articles whose shown text holds it, and no others: a
            // customer never finds an article by its internal comment.
            let word = WORDS[word];
            let query = KbQuery { text: Some(word.to_uppercase()), ..everything(sort, descending) };
            let hits: BTreeSet<KbArticleId> = block_on(k.desk().search_kb(reader, query))
                .unwrap()
                .items
                .iter()
                .map(|i| i.article.id)
                .collect();
            let expected: BTreeSet<KbArticleId> = visible
                .iter()
                .copied()
                .filter(|id| shown_text(&k, reader, *id).contains(&word.to_lowercase()))
                .collect();
            prop_assert_eq!(hits, expected, "{:?} searching {}", reader, word);
        }
    }

    #[test]
    fn category_moves_never_make_a_cycle(
        spec in proptest::collection::vec(proptest::option::weighted(0.6, 0usize..8), 1..7),
        moves in proptest::collection::vec((0usize..8, proptest::option::weighted(0.8, 0usize..8)), 1..25),
    ) {
        let k = Kb::new();
        let mut ids = Vec::new();
        for (i, parent) in spec.iter().enumerate() {
            let parent = parent.and_then(|p| (!ids.is_empty()).then(|| ids[p % ids.len()]));
            ids.push(k.category(parent, &format!("c{i}"), &[GroupId::USERS]).id);
        }
        let parents = |k: &Kb| -> BTreeMap<KbCategoryId, Option<KbCategoryId>> {
            k.stored().categories.iter().map(|c| (c.id, c.parent_id)).collect()
        };
        for (moved, to) in moves {
            let moved = ids[moved % ids.len()];
            let to = to.map(|t| ids[t % ids.len()]);
            let before = parents(&k);
            // The model: a move below the category itself or one of its descendants is refused.
            let mut below_itself = false;
            let mut current = to;
            while let Some(c) = current {
                if c == moved {
                    below_itself = true;
                    break;
                }
                current = before[&c];
            }
            match k.move_category(moved, to) {
                Ok(category) => {
                    prop_assert!(!below_itself, "moved {:?} below itself via {:?}", moved, to);
                    prop_assert_eq!(category.parent_id, to);
                }
                Err(err @ DeskError::Invalid(_)) => {
                    prop_assert!(below_itself, "refused {:?} → {:?}: {}", moved, to, err);
                    prop_assert_eq!(fields(&err), ["parent"]);
                    prop_assert_eq!(&parents(&k), &before);
                }
                Err(other) => prop_assert!(false, "unexpected error {}", other),
            }
            // Every category reaches the top within as many steps as there are categories.
            let after = parents(&k);
            for id in after.keys() {
                let mut current = Some(*id);
                let mut steps = 0;
                while let Some(c) = current {
                    current = after[&c];
                    steps += 1;
                    prop_assert!(steps <= after.len(), "a cycle through {:?}", id);
                }
            }
            // The tree lists every category once, each below its parent.
            let nodes = block_on(k.desk().kb_categories(k.w.admin)).unwrap();
            prop_assert_eq!(nodes.len(), after.len());
            for (i, node) in nodes.iter().enumerate() {
                if let Some(parent) = node.category.parent_id {
                    let at = nodes.iter().position(|n| n.category.id == parent).unwrap();
                    prop_assert!(at < i, "a child before its parent");
                    prop_assert_eq!(node.depth, nodes[at].depth + 1);
                    prop_assert_eq!(&node.path, &format!("{}::{}", nodes[at].path, node.category.name));
                } else {
                    prop_assert_eq!(node.depth, 0);
                }
            }
        }
    }
}
