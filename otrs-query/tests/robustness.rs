//! Property tests: the printer round-trips, and no input panics or runs away.

use otrs_query::ast::{Bound, Clause, Conjunction, Expr, Fuzziness, Modifier, Query, WildcardPart};
use otrs_query::{Schema, parse, parse_and_compile};
use proptest::prelude::*;

fn word() -> impl Strategy<Value = String> {
    // Reserved characters included: the printer must escape them.
    proptest::string::string_regex("[a-zA-Z0-9éß日+!():^\\[\\]\"{}~*?/&|=@. -]{1,8}")
        .expect("regex")
}

fn boost() -> impl Strategy<Value = Option<f32>> {
    prop_oneof![
        Just(None),
        Just(Some(0.5f32)),
        Just(Some(2.0)),
        Just(Some(10.0)),
        Just(Some(1.25))
    ]
}

fn wildcard() -> impl Strategy<Value = Vec<WildcardPart>> {
    let part = prop_oneof![
        "[a-z0-9é:+ -]{1,4}".prop_map(WildcardPart::Literal),
        Just(WildcardPart::AnyChar),
        Just(WildcardPart::AnyString),
    ];
    proptest::collection::vec(part, 1..5).prop_filter_map("needs a wildcard", |parts| {
        // Merge adjacent literals, as the parser produces them.
        let mut out: Vec<WildcardPart> = Vec::new();
        for p in parts {
            match (out.last_mut(), p) {
                (Some(WildcardPart::Literal(a)), WildcardPart::Literal(b)) => a.push_str(&b),
                (_, p) => out.push(p),
            }
        }
        out.iter()
            .any(|p| !matches!(p, WildcardPart::Literal(_)))
            .then_some(out)
    })
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (
            word(),
            prop_oneof![
                Just(None),
                Just(Some(Fuzziness::Default)),
                Just(Some(Fuzziness::Value(1.0))),
                Just(Some(Fuzziness::Value(0.5)))
            ],
            boost()
        )
            .prop_map(|(text, fuzzy, boost)| Expr::Term { text, fuzzy, boost }),
        (wildcard(), boost()).prop_map(|(parts, boost)| Expr::Wildcard { parts, boost }),
        ("[a-z0-9.*?|()\\[\\]{}@#~&<>-]{0,8}", boost())
            .prop_map(|(pattern, boost)| Expr::Regex { pattern, boost }),
        (word(), 0..4i32, boost()).prop_map(|(text, slop, boost)| Expr::Phrase {
            text,
            slop,
            boost
        }),
        (
            prop_oneof![
                Just(Bound::Open),
                "[a-z0-9 *\"{}\\]\\[:\\\\-]{1,5}".prop_map(Bound::Value)
            ],
            prop_oneof![
                Just(Bound::Open),
                "[a-z0-9 *\"{}\\]\\[:\\\\-]{1,5}".prop_map(Bound::Value)
            ],
            any::<bool>(),
            any::<bool>(),
            boost()
        )
            .prop_map(|(lower, upper, lower_inclusive, upper_inclusive, boost)| {
                Expr::Range {
                    lower,
                    upper,
                    lower_inclusive,
                    upper_inclusive,
                    boost,
                }
            }),
    ]
}

fn clause(expr: impl Strategy<Value = Expr>) -> impl Strategy<Value = Clause> {
    (
        prop_oneof![
            Just(Conjunction::None),
            Just(Conjunction::And),
            Just(Conjunction::Or)
        ],
        prop_oneof![
            Just(Modifier::None),
            Just(Modifier::Required),
            Just(Modifier::Prohibited)
        ],
        prop_oneof![
            Just(None),
            Just(Some("title".to_string())),
            Just(Some("*".to_string())),
            Just(Some("a-b".to_string()))
        ],
        expr,
    )
        .prop_map(|(conjunction, modifier, field, expr)| Clause {
            conjunction,
            modifier,
            field,
            expr,
        })
}

fn query() -> impl Strategy<Value = Query> {
    let expr = leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            leaf(),
            (proptest::collection::vec(clause(inner), 1..4), boost()).prop_map(
                |(clauses, boost)| {
                    Expr::Group {
                        query: Box::new(first_without_conjunction(clauses)),
                        boost,
                    }
                }
            ),
        ]
    });
    proptest::collection::vec(clause(expr), 1..5).prop_map(first_without_conjunction)
}

fn first_without_conjunction(mut clauses: Vec<Clause>) -> Query {
    if let Some(first) = clauses.first_mut() {
        first.conjunction = Conjunction::None;
    }
    Query { clauses }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn printed_queries_parse_back(ast in query()) {
        let printed = ast.to_string();
        let parsed = parse(&printed);
        prop_assert_eq!(parsed.as_ref(), Ok(&ast), "printed as {}", printed);
    }

    #[test]
    fn random_text_never_panics(q in "[a-zA-Z0-9 ()\\[\\]{}\"\\\\/:^~*?+!&|-]{0,60}") {
        let _ = parse_and_compile(&q, &Schema::corpus());
        let (lenient, errors) = otrs_query::parser::parse_lenient(&q);
        prop_assert!(lenient.is_some() || !errors.is_empty());
        prop_assert!(errors.iter().all(|e| e.offset <= q.len()));
    }

    #[test]
    fn nesting_is_bounded(depth in 1usize..5000, tail in "[a-z)]{0,3}") {
        let q = format!("{}a{}{}", "(".repeat(depth), ")".repeat(depth), tail);
        let r = parse(&q);
        if depth > otrs_query::parser::MAX_DEPTH {
            prop_assert!(r.is_err());
        }
    }

    #[test]
    fn regex_text_never_panics(re in "[a-c.*?+|()\\[\\]{}0-9,@#~&<>\"^\\\\-]{0,16}") {
        let _ = parse_and_compile(&format!("/{re}/"), &Schema::corpus());
    }
}

#[test]
fn pathological_inputs_come_back() {
    // Found by the fuzzer: the lenient repair cut inside U+3000.
    let (_, errors) = otrs_query::parser::parse_lenient("-\u{3000}-");
    assert!(!errors.is_empty());
    let cases = [
        "a".repeat(100_000),
        "(".repeat(100_000),
        format!("/{}/", "(a|b)*".repeat(2000)),
        "/a{100000}/".to_string(),
        "/(.*a){50}/".to_string(),
        "\"".repeat(10_001),
        format!("{}x", "\\".repeat(5000)),
    ];
    // Each must come back (a blow-up would hang here); how fast is measured in benches/query.rs,
    // not with a wall clock in a test on a shared machine.
    for q in &cases {
        let _ = parse_and_compile(q, &Schema::corpus());
    }
}
