//! E-mail threading: the In-Reply-To and References of a reply (RFC 5322 §3.6.4).
//!
//! A reply names its parent's Message-ID in In-Reply-To and appends it to the parent's
//! References, so mail programs can rebuild the conversation. The stores keep a header of at most
//! [`MAX_REFERENCES_CHARS`] characters, so a very long chain loses identifiers from its middle:
//! the first one (the thread's root) and the most recent ones are what threading needs most.

/// The longest References value kept (the limit of the article and outbox columns).
pub const MAX_REFERENCES_CHARS: usize = 3800;

/// The threading headers of a reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReplyHeaders {
    /// The parent's Message-ID (none when the parent has none).
    pub in_reply_to: Option<String>,
    /// The parent's References (or, without them, its single In-Reply-To identifier) followed by
    /// its Message-ID; none when the parent has none of the three.
    pub references: Option<String>,
}

/// The message identifiers (`<…>`) of a header value, in order.
fn identifiers(value: &str) -> Vec<&str> {
    value
        .split_whitespace()
        .filter(|id| !id.is_empty())
        .collect()
}

/// The headers of a reply to a message with these headers.
pub fn reply_headers(
    parent_message_id: Option<&str>,
    parent_in_reply_to: Option<&str>,
    parent_references: Option<&str>,
) -> ReplyHeaders {
    let message_id = parent_message_id.map(str::trim).filter(|id| !id.is_empty());
    let mut chain: Vec<&str> = match parent_references.map(identifiers) {
        Some(ids) if !ids.is_empty() => ids,
        // Without References, a single-identifier In-Reply-To stands in for them.
        _ => match parent_in_reply_to.map(identifiers).as_deref() {
            Some([only]) => vec![*only],
            _ => Vec::new(),
        },
    };
    if let Some(id) = message_id {
        chain.push(id);
    }
    ReplyHeaders {
        in_reply_to: message_id.map(str::to_owned),
        references: fit(&chain, MAX_REFERENCES_CHARS),
    }
}

/// Joins the identifiers with single spaces into at most `limit` characters, dropping the
/// oldest identifiers after the first until it fits (the last one always stays, shortened
/// never). `None` for an empty chain.
fn fit(chain: &[&str], limit: usize) -> Option<String> {
    let (&last, rest) = chain.split_last()?;
    let length = |ids: &[&str]| ids.iter().map(|id| id.chars().count() + 1).sum::<usize>();
    let mut kept: Vec<&str> = rest.to_vec();
    kept.push(last);
    while kept.len() > 1 && length(&kept) - 1 > limit {
        // Drop the oldest after the root; with only root and parent left, drop the root.
        let drop = if kept.len() > 2 { 1 } else { 0 };
        kept.remove(drop);
    }
    Some(kept.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_reply_to_a_first_message_references_it() {
        let h = reply_headers(Some("<a@x>"), None, None);
        assert_eq!(h.in_reply_to.as_deref(), Some("<a@x>"));
        assert_eq!(h.references.as_deref(), Some("<a@x>"));
    }

    #[test]
    fn a_reply_of_a_reply_grows_the_chain_and_answers_its_direct_parent() {
        let first = reply_headers(Some("<a@x>"), None, None);
        let second = reply_headers(
            Some("<b@x>"),
            first.in_reply_to.as_deref(),
            first.references.as_deref(),
        );
        assert_eq!(second.in_reply_to.as_deref(), Some("<b@x>"));
        assert_eq!(second.references.as_deref(), Some("<a@x> <b@x>"));
        let third = reply_headers(
            Some("<c@x>"),
            second.in_reply_to.as_deref(),
            second.references.as_deref(),
        );
        assert_eq!(third.in_reply_to.as_deref(), Some("<c@x>"));
        assert_eq!(third.references.as_deref(), Some("<a@x> <b@x> <c@x>"));
    }

    #[test]
    fn without_references_a_single_in_reply_to_stands_in() {
        let h = reply_headers(Some("<b@x>"), Some("<a@x>"), None);
        assert_eq!(h.references.as_deref(), Some("<a@x> <b@x>"));
        // Two identifiers in In-Reply-To do not say which is the thread, so neither is kept.
        let h = reply_headers(Some("<c@x>"), Some("<a@x> <b@x>"), None);
        assert_eq!(h.references.as_deref(), Some("<c@x>"));
        // References win over In-Reply-To; folded whitespace is normalised.
        let h = reply_headers(Some("<c@x>"), Some("<b@x>"), Some("<a@x>\r\n <b@x>"));
        assert_eq!(h.references.as_deref(), Some("<a@x> <b@x> <c@x>"));
    }

    #[test]
    fn a_parent_without_identifiers_gives_no_headers() {
        assert_eq!(reply_headers(None, None, None), ReplyHeaders::default());
        assert_eq!(
            reply_headers(Some("  "), None, Some(" ")),
            ReplyHeaders::default()
        );
        // No Message-ID: nothing to answer, but the thread so far is kept.
        let h = reply_headers(None, None, Some("<a@x>"));
        assert_eq!(h.in_reply_to, None);
        assert_eq!(h.references.as_deref(), Some("<a@x>"));
    }

    #[test]
    fn a_long_chain_keeps_its_root_and_newest_identifiers() {
        let ids: Vec<String> = (0..400).map(|i| format!("<m{i:04}@example.com>")).collect();
        let references = ids.join(" ");
        let h = reply_headers(Some("<new@example.com>"), None, Some(&references));
        let kept = h.references.unwrap();
        assert!(kept.chars().count() <= MAX_REFERENCES_CHARS);
        assert!(kept.starts_with("<m0000@example.com> "), "{kept}");
        assert!(
            kept.ends_with(" <m0399@example.com> <new@example.com>"),
            "{kept}"
        );
        assert!(!kept.contains("<m0001@example.com>"), "{kept}");
    }

    proptest! {
        #[test]
        fn references_fit_and_end_with_the_parent(
            chain in proptest::collection::vec("<[a-z0-9.]{1,60}@[a-z]{1,20}>", 0..200),
            parent in proptest::option::of("<[a-z0-9.]{1,60}@[a-z]{1,20}>"),
        ) {
            let references = chain.join(" ");
            let h = reply_headers(parent.as_deref(), None, Some(&references));
            prop_assert_eq!(h.in_reply_to.as_deref(), parent.as_deref());
            let all: Vec<&str> = chain.iter().map(String::as_str).chain(parent.as_deref()).collect();
            match &h.references {
                None => prop_assert!(all.is_empty()),
                Some(r) => {
                    prop_assert!(r.chars().count() <= MAX_REFERENCES_CHARS);
                    let ids: Vec<&str> = r.split(' ').collect();
                    let dropped = all.len() - ids.len();
                    if dropped == 0 {
                        prop_assert_eq!(&ids, &all);
                    } else {
                        // The root and the newest identifiers, in order; a middle run left out.
                        prop_assert!(ids.len() >= 2);
                        prop_assert_eq!(ids[0], all[0]);
                        prop_assert_eq!(&ids[1..], &all[1 + dropped..]);
                    }
                }
            }
        }
    }
}
