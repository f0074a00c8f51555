//! A seeded generator of synthetic help-desk articles: title, body, queue,
//! state, priority, created.  The same seed gives the same corpus.

use otrs_query::Document;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const COMMON: &[&str] = &[
    "the", "a", "to", "and", "is", "of", "in", "for", "on", "with", "not", "after", "please", "we",
    "our", "it", "again", "since", "when", "from", "can", "you", "this", "that", "be", "have",
    "are", "was", "at", "by",
];
const TOPIC: &[&str] = &[
    "printer",
    "offline",
    "toner",
    "paper",
    "jam",
    "queue",
    "vpn",
    "tunnel",
    "password",
    "reset",
    "account",
    "locked",
    "mailbox",
    "quota",
    "email",
    "spam",
    "invoice",
    "payment",
    "refund",
    "order",
    "delivery",
    "laptop",
    "docking",
    "station",
    "monitor",
    "keyboard",
    "mouse",
    "wireless",
    "usb",
    "driver",
    "update",
    "windows",
    "linux",
    "server",
    "backup",
    "restore",
    "database",
    "timeout",
    "error",
    "crash",
    "license",
    "renewal",
    "portal",
    "login",
    "certificate",
    "network",
    "switch",
    "router",
    "firewall",
    "phone",
    "headset",
    "calendar",
    "meeting",
    "share",
    "folder",
    "access",
    "permission",
    "ticket",
    "escalation",
    "customer",
    "contract",
    "warranty",
    "replacement",
    "install",
    "upgrade",
];
const NAMES: &[&str] = &[
    "john", "jonathan", "maria", "lacey", "jürgen", "müller", "smith", "garcía", "chen", "olsen",
];
const QUEUES: &[&str] = &[
    "Raw",
    "Junk",
    "Misc",
    "Postmaster",
    "Sales",
    "Support",
    "Billing",
    "Hardware",
];
const STATES: &[&str] = &[
    "new",
    "open",
    "closed successful",
    "closed unsuccessful",
    "pending reminder",
];

/// One word, Zipf-like: common words often, topic words less, rare made-up words seldom.
fn word(rng: &mut ChaCha8Rng) -> String {
    let r: f64 = rng.random();
    if r < 0.40 {
        COMMON[rng.random_range(0..COMMON.len())].to_string()
    } else if r < 0.85 {
        // Skewed towards the first topic words.
        let i = (rng.random::<f64>().powi(2) * TOPIC.len() as f64) as usize;
        TOPIC[i.min(TOPIC.len() - 1)].to_string()
    } else if r < 0.90 {
        NAMES[rng.random_range(0..NAMES.len())].to_string()
    } else if r < 0.95 {
        format!("e-{}", rng.random_range(1..5000))
    } else {
        // A large tail of rare terms (typos, codes), so the dictionary is realistic.
        let len = rng.random_range(4..9);
        (0..len)
            .map(|_| (b'a' + rng.random_range(0..26u8)) as char)
            .collect()
    }
}

fn sentence(rng: &mut ChaCha8Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&word(rng));
        if rng.random_ratio(1, 12) {
            s.push('.');
        }
    }
    s
}

/// The `n` articles of seed `seed`.
pub fn articles(seed: u64, n: usize) -> impl Iterator<Item = Document> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(move |i| {
        let title_len = rng.random_range(3..9);
        let body_len = rng.random_range(20..90);
        let year = rng.random_range(2019..2025);
        let month = rng.random_range(1..13);
        let day = rng.random_range(1..29);
        Document::new(format!("A{i:07}"))
            .text("title", sentence(&mut rng, title_len))
            .text("body", sentence(&mut rng, body_len))
            .text("queue", QUEUES[rng.random_range(0..QUEUES.len())])
            .text("state", STATES[rng.random_range(0..STATES.len())])
            .int("priority", rng.random_range(1..6))
            .text("created", format!("{year}-{month:02}-{day:02}"))
    })
}
