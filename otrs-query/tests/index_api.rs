//! The index evaluator's API: upsert, delete, commit, paging, and proof that
//! candidates come from postings rather than from scanning every document.

use otrs_query::index::{IndexEvaluator, SearchOptions};
use otrs_query::{Document, Schema};

fn ticket(id: &str, title: &str, body: &str, priority: i64) -> Document {
    Document::new(id)
        .text("title", title)
        .text("body", body)
        .int("priority", priority)
        .text("created", "2024-01-02")
}

#[test]
fn upsert_delete_and_commit() {
    let mut index = IndexEvaluator::in_ram(Schema::corpus()).expect("index");
    index
        .upsert(&ticket("T1", "Printer offline", "paper jam", 3))
        .expect("upsert");
    index
        .upsert(&ticket("T2", "VPN down", "tunnel fails", 1))
        .expect("upsert");
    index.commit().expect("commit");
    assert_eq!(
        index
            .search("printer", &SearchOptions::top(10))
            .expect("search")
            .total,
        1
    );

    // Replacing T1 removes its old terms.
    index
        .upsert(&ticket("T1", "Keyboard broken", "keys stuck", 3))
        .expect("upsert");
    index.commit().expect("commit");
    assert_eq!(
        index
            .search("printer", &SearchOptions::top(10))
            .expect("search")
            .total,
        0
    );
    assert_eq!(
        index
            .search("keyboard", &SearchOptions::top(10))
            .expect("search")
            .hits[0]
            .id,
        "T1"
    );
    assert_eq!(index.num_docs(), 2);

    index.delete("T2");
    index.commit().expect("commit");
    assert_eq!(
        index
            .search("vpn", &SearchOptions::top(10))
            .expect("search")
            .total,
        0
    );
    assert_eq!(
        index
            .search("*:*", &SearchOptions::top(10))
            .expect("search")
            .total,
        1
    );
    assert_eq!(
        index
            .search("-nothing", &SearchOptions::top(10))
            .expect("search")
            .total,
        1
    );
}

#[test]
fn paging_and_ranking() {
    let mut index = IndexEvaluator::in_ram(Schema::corpus()).expect("index");
    for i in 0..20 {
        let body = "printer ".repeat(i + 1);
        index
            .upsert(&ticket(&format!("T{i:02}"), "ticket", &body, 2))
            .expect("upsert");
    }
    index.commit().expect("commit");
    let first = index
        .search(
            "printer",
            &SearchOptions {
                limit: 5,
                offset: 0,
                all_hits: false,
            },
        )
        .expect("search");
    let second = index
        .search(
            "printer",
            &SearchOptions {
                limit: 5,
                offset: 5,
                all_hits: false,
            },
        )
        .expect("search");
    assert_eq!(first.total, 20);
    assert_eq!(first.hits.len(), 5);
    assert!(
        first
            .hits
            .iter()
            .zip(first.hits.iter().skip(1))
            .all(|(a, b)| a.score >= b.score)
    );
    assert!(first.hits[4].score >= second.hits[0].score);
    // More occurrences score higher.
    assert_eq!(first.hits[0].id, "T19");
    // A boost changes the order.
    let boosted = index
        .search("body:printer title:ticket^100", &SearchOptions::top(1))
        .expect("search");
    assert!(boosted.boosted);
}

#[test]
fn errors_are_query_errors() {
    let index = IndexEvaluator::in_ram(Schema::corpus()).expect("index");
    let err = index
        .search("title:(printer", &SearchOptions::top(5))
        .expect_err("syntax error");
    assert!(err.to_string().contains("column"), "{err}");
}

#[test]
fn candidates_come_from_postings() {
    let text =
        std::fs::read_to_string(super::conformance::corpus_path("docs.jsonl")).expect("docs");
    let schema = Schema::corpus();
    let docs = otrs_query::eval::read_documents(&text, &schema).expect("docs");
    let mut index = IndexEvaluator::in_ram(schema).expect("index");
    for d in &docs {
        index.upsert(d).expect("upsert");
    }
    index.commit().expect("commit");
    let n = docs.len() as u64;
    let all = SearchOptions::all_hits();
    for (q, bound) in [
        ("nonexistentword", 0u64),
        ("title:printer", 21),
        ("\"keybord needed\"~200", 10),
        ("vpn AND password", 10),
        ("/jo[hn]+/ AND priority:5", 60),
        ("quikc~1", 60),
    ] {
        let r = index.search(q, &all).expect("search");
        assert!(
            r.examined <= bound,
            "{q}: examined {} documents (bound {bound}) for {} hits",
            r.examined,
            r.total
        );
        assert!(r.examined < n / 4, "{q}: examined {} of {n}", r.examined);
    }
}

#[test]
fn evaluators_agree_beyond_one_scoring_window() {
    // More documents than the union's 4096-document window, so windows refill and seek.
    let words = ["alpha", "beta", "gamma", "delta", "omega"];
    let schema = Schema::corpus();
    let docs: Vec<Document> = (0..9000)
        .map(|i| {
            let body: Vec<&str> = (0..5)
                .filter(|k| (i * (k + 3)) % (k + 2) == 0)
                .map(|k| words[k])
                .collect();
            ticket(
                &format!("D{i:05}"),
                words[i % 5],
                &body.join(" "),
                (i % 5) as i64 + 1,
            )
        })
        .collect();
    let queries = [
        "alpha beta",
        "alpha OR gamma OR omega^2",
        "+delta (alpha beta)",
        "(alpha beta) -gamma",
        "-alpha -beta",
        "title:omega (body:beta AND body:gamma) priority:[2 TO 3]^0.5",
    ];
    let lines: Vec<otrs_query::eval::QueryLine> = queries
        .iter()
        .enumerate()
        .map(|(i, q)| otrs_query::eval::QueryLine {
            id: format!("L{i}"),
            q: q.to_string(),
        })
        .collect();
    let by =
        |engine| otrs_query::eval::evaluate_all(&docs, &lines, &schema, engine).expect("evaluate");
    let reference = by(otrs_query::eval::Engine::Reference);
    let index = by(otrs_query::eval::Engine::Index);
    for ((r, i), q) in reference.iter().zip(&index).zip(queries) {
        assert_eq!(r, i, "{q}");
    }
}
