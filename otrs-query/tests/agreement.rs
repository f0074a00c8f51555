//! Property test: the reference and the index evaluators agree on random
//! queries over the corpus (hits and bit-identical scores).

use otrs_query::Schema;
use otrs_query::eval::{Engine, QueryLine, evaluate_all, read_documents};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const WORDS: &[&str] = &[
    "quick", "fox", "lazy", "dog", "brown", "printer", "toner", "vpn", "password", "invoice",
    "news", "john", "jon", "keyboard", "mailbox", "quota", "offline", "jam", "wi", "fi", "café",
    "müller", "2020", "4.10", "needed", "keybord",
];
const FIELDS: &[&str] = &[
    "",
    "title:",
    "body:",
    "queue:",
    "state:",
    "customer:",
    "all:",
    "Title:",
];

fn atom() -> impl Strategy<Value = String> {
    let w = proptest::sample::select(WORDS);
    let f = proptest::sample::select(FIELDS);
    prop_oneof![
        (f.clone(), w.clone()).prop_map(|(f, w)| format!("{f}{w}")),
        (f.clone(), w.clone(), w.clone(), 0..4u32)
            .prop_map(|(f, a, b, s)| format!("{f}\"{a} {b}\"~{s}")),
        (w.clone(), 0..3u32).prop_map(|(w, e)| format!("{w}~{e}")),
        (f.clone(), w.clone())
            .prop_map(|(f, w)| format!("{f}{}*", w.chars().take(2).collect::<String>())),
        w.clone()
            .prop_map(|w| format!("/{}.*/", w.chars().take(1).collect::<String>())),
        (0..6i32, 0..6i32).prop_map(|(a, b)| format!("priority:[{a} TO {b}}}")),
        (w.clone(), w.clone()).prop_map(|(a, b)| format!("[{a} TO {b}]")),
        Just("*:*".to_string()),
    ]
}

fn query() -> impl Strategy<Value = String> {
    let clause = (
        prop_oneof![Just(""), Just("+"), Just("-"), Just("NOT ")],
        atom(),
        prop_oneof![Just(""), Just("^2"), Just("^0.5")],
    )
        .prop_map(|(m, a, b)| format!("{m}{a}{b}"))
        .boxed();
    let group =
        proptest::collection::vec(clause.clone(), 1..3).prop_map(|c| format!("({})", c.join(" ")));
    let part = prop_oneof![3 => clause, 1 => group];
    (
        proptest::collection::vec(part, 1..4),
        proptest::collection::vec(prop_oneof![Just(" "), Just(" AND "), Just(" OR ")], 3),
    )
        .prop_map(|(parts, ops)| {
            let mut q = String::new();
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    q.push_str(ops[i - 1]);
                }
                q.push_str(p);
            }
            q
        })
}

#[test]
fn evaluators_agree_on_random_queries() {
    let schema = Schema::corpus();
    let text =
        std::fs::read_to_string(super::conformance::corpus_path("docs.jsonl")).expect("docs");
    let docs = read_documents(&text, &schema).expect("docs");
    let mut runner = TestRunner::new(Config {
        cases: 48,
        ..Config::default()
    });
    let strategy = proptest::collection::vec(query(), 8);
    runner
        .run(&strategy, |qs| {
            let lines: Vec<QueryLine> = qs
                .iter()
                .enumerate()
                .map(|(i, q)| QueryLine {
                    id: format!("R{i}"),
                    q: q.clone(),
                })
                .collect();
            let reference =
                evaluate_all(&docs, &lines, &schema, Engine::Reference).expect("reference");
            let index = evaluate_all(&docs, &lines, &schema, Engine::Index).expect("index");
            for ((r, i), q) in reference.iter().zip(&index).zip(&qs) {
                prop_assert_eq!(r, i, "query {}", q);
            }
            Ok(())
        })
        .expect("engines disagree");
}
