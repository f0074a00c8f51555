//! Core values → response shapes.

use std::collections::BTreeMap;

use otrs_core::Principal;
use otrs_core::desk::TWO_FACTOR_PREFERENCE;
use otrs_core::model::{
    Agent, ApiToken, Article, Change, Customer, CustomerUser, Group, HistoryEntry, Link, ObjectRef,
    Priority, Queue, State, Ticket, TimeAccountingEntry,
};
use otrs_core::store::Store;

use crate::api::PREFIX;
use crate::dto::*;
use crate::state::{AppState, Names};

pub(crate) fn principal(p: Principal) -> PrincipalDto {
    match p {
        Principal::Agent(id) => PrincipalDto {
            kind: "agent".into(),
            id: id.0,
        },
        Principal::Customer(id) => PrincipalDto {
            kind: "customer".into(),
            id: id.0,
        },
    }
}

pub(crate) fn priority(p: Priority) -> Named {
    Named {
        id: u64::from(p.level()),
        name: p.name().to_owned(),
    }
}

fn agent_named(names: &Names, id: otrs_core::ids::AgentId) -> Named {
    Named {
        id: id.0,
        name: names.agent(id),
    }
}

/// Names for a ticket, refreshing the cache once when it does not know an id yet.
pub(crate) async fn names_for<S: Store>(
    state: &AppState<S>,
    tickets: &[&Ticket],
) -> std::sync::Arc<Names> {
    let names = state.names().await;
    let known = tickets
        .iter()
        .all(|t| names.knows(t.queue_id, t.state_id, &[t.owner_id, t.responsible_id]));
    if known {
        names
    } else {
        state.names_changed();
        state.names().await
    }
}

pub(crate) async fn ticket<S: Store>(state: &AppState<S>, names: &Names, t: &Ticket) -> TicketDto {
    let (state_name, state_type) = names.state(t.state_id);
    let customer_user = match t.customer_user_id {
        Some(id) => Some(Named {
            id: id.0,
            name: state.customer_user_login(names, id).await,
        }),
        None => None,
    };
    TicketDto {
        id: t.id.0,
        number: t.number.clone(),
        title: t.title.clone(),
        queue: Named {
            id: t.queue_id.0,
            name: names.queue(t.queue_id),
        },
        state: StateRef {
            id: t.state_id.0,
            name: state_name,
            state_type: state_type.name().to_owned(),
        },
        priority: priority(t.priority),
        lock: t.lock.name().to_owned(),
        owner: agent_named(names, t.owner_id),
        responsible: agent_named(names, t.responsible_id),
        customer_id: t.customer_id.clone(),
        customer_user,
        pending_until: t.pending_until,
        accounted_time: t.accounted_time.to_string(),
        created_at: t.created_at,
        created_by: principal(t.created_by),
        changed_at: t.changed_at,
        changed_by: principal(t.changed_by),
        version: t.version,
    }
}

pub(crate) async fn tickets<S: Store>(state: &AppState<S>, list: &[Ticket]) -> Vec<TicketDto> {
    let refs: Vec<&Ticket> = list.iter().collect();
    let names = names_for(state, &refs).await;
    let mut out = Vec::with_capacity(list.len());
    for t in list {
        out.push(ticket(state, &names, t).await);
    }
    out
}

pub(crate) fn article(a: &Article, for_customer: bool) -> ArticleDto {
    ArticleDto {
        id: a.id.0,
        ticket_id: a.ticket_id.0,
        channel: a.channel.name().to_owned(),
        sender_type: a.sender_type.name().to_owned(),
        direction: a.direction().name().to_owned(),
        visible_for_customer: a.visible_for_customer,
        important: a.important,
        from: a.from.clone(),
        to: a.to.clone(),
        cc: a.cc.clone(),
        bcc: if for_customer {
            String::new()
        } else {
            a.bcc.clone()
        },
        subject: a.subject.clone(),
        body: a.body.clone(),
        content_type: a.content_type.clone(),
        message_id: a.message_id.clone(),
        in_reply_to: a.in_reply_to.clone(),
        references: a.references.clone(),
        attachments: a
            .attachments
            .iter()
            .map(|m| AttachmentDto {
                id: m.id.0,
                filename: m.filename.clone(),
                content_type: m.content_type.clone(),
                size: m.size,
                inline: m.inline,
                content_id: m.content_id.clone(),
                url: format!(
                    "{PREFIX}/tickets/{}/articles/{}/attachments/{}",
                    a.ticket_id.0, a.id.0, m.id.0
                ),
            })
            .collect(),
        time_units: a.time_units.to_string(),
        created_at: a.created_at,
        created_by: principal(a.created_by),
    }
}

fn object(o: ObjectRef) -> ObjectRefDto {
    ObjectRefDto {
        kind: o.kind().to_owned(),
        id: o.id(),
    }
}

pub(crate) fn link(l: &Link) -> LinkDto {
    LinkDto {
        id: l.id.0,
        source: object(l.source),
        target: object(l.target),
        link_type: l.link_type.name().to_owned(),
        created_by: principal(l.created_by),
        created_at: l.created_at,
    }
}

pub(crate) fn history(names: &Names, h: &HistoryEntry) -> HistoryDto {
    let e = &h.entry;
    HistoryDto {
        id: h.id.0,
        history_type: e.history_type.name().to_owned(),
        params: e.params.clone(),
        article_id: e.article_id.map(|a| a.0),
        created_by: principal(e.created_by),
        created_at: e.created_at,
        queue: Named {
            id: e.queue_id.0,
            name: names.queue(e.queue_id),
        },
        state: Named {
            id: e.state_id.0,
            name: names.state(e.state_id).0,
        },
        priority: priority(e.priority),
        owner: agent_named(names, e.owner_id),
    }
}

pub(crate) fn time_entry(e: &TimeAccountingEntry) -> TimeEntryDto {
    TimeEntryDto {
        article_id: e.article_id.map(|a| a.0),
        units: e.units.to_string(),
        created_by: principal(e.created_by),
        created_at: e.created_at,
    }
}

pub(crate) fn queue(q: &Queue, group_name: String) -> QueueDto {
    QueueDto {
        id: q.id.0,
        name: q.name.clone(),
        group: Named {
            id: q.group_id.0,
            name: group_name,
        },
        comment: q.comment.clone(),
        validity: q.validity.name().to_owned(),
        unlock_timeout_minutes: q.unlock_timeout_minutes,
        first_response_minutes: q.first_response_minutes,
        update_minutes: q.update_minutes,
        solution_minutes: q.solution_minutes,
        follow_up_possible: q.follow_up_possible,
        version: q.version,
    }
}

pub(crate) fn group(g: &Group) -> GroupDto {
    GroupDto {
        id: g.id.0,
        name: g.name.clone(),
        comment: g.comment.clone(),
        validity: g.validity.name().to_owned(),
        version: g.version,
    }
}

pub(crate) fn state(s: &State) -> StateDto {
    StateDto {
        id: s.id.0,
        name: s.name.clone(),
        state_type: s.state_type.name().to_owned(),
        valid: s.valid,
    }
}

fn two_factor(secret: &Option<String>, preferences: &BTreeMap<String, String>) -> String {
    if secret.is_some() {
        "totp".into()
    } else {
        preferences
            .get(TWO_FACTOR_PREFERENCE)
            .cloned()
            .unwrap_or_else(|| "none".into())
    }
}

/// Preferences without the sign-in settings.
fn public_preferences(preferences: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    preferences
        .iter()
        .filter(|(k, _)| !k.starts_with("auth."))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

pub(crate) fn agent(a: &Agent, group_names: &BTreeMap<u64, String>) -> AgentDto {
    AgentDto {
        id: a.id.0,
        login: a.login.clone(),
        first_name: a.first_name.clone(),
        last_name: a.last_name.clone(),
        email: a.email.clone(),
        validity: a.validity.name().to_owned(),
        groups: a
            .groups
            .iter()
            .map(|(g, p)| {
                (
                    group_names
                        .get(&g.0)
                        .cloned()
                        .unwrap_or_else(|| g.0.to_string()),
                    p.iter().map(|p| p.key().to_owned()).collect(),
                )
            })
            .collect(),
        must_change_password: a.must_change_password,
        two_factor: two_factor(&a.totp_secret, &a.preferences),
        failed_logins: a.failed_logins,
        preferences: public_preferences(&a.preferences),
        created_at: a.created_at,
        version: a.version,
    }
}

pub(crate) fn customer(c: &Customer) -> CustomerDto {
    CustomerDto {
        id: c.id.0,
        customer_id: c.customer_id.clone(),
        name: c.name.clone(),
        street: c.street.clone(),
        zip: c.zip.clone(),
        city: c.city.clone(),
        country: c.country.clone(),
        url: c.url.clone(),
        comment: c.comment.clone(),
        validity: c.validity.name().to_owned(),
        created_at: c.created_at,
        version: c.version,
    }
}

pub(crate) fn customer_user(u: &CustomerUser) -> CustomerUserDto {
    CustomerUserDto {
        id: u.id.0,
        login: u.login.clone(),
        title: u.title.clone(),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        email: u.email.clone(),
        customer_id: u.customer_id.clone(),
        extra_customer_ids: u.extra_customer_ids.clone(),
        phone: u.phone.clone(),
        mobile: u.mobile.clone(),
        street: u.street.clone(),
        zip: u.zip.clone(),
        city: u.city.clone(),
        country: u.country.clone(),
        comment: u.comment.clone(),
        validity: u.validity.name().to_owned(),
        must_change_password: u.must_change_password,
        two_factor: two_factor(&u.totp_secret, &u.preferences),
        failed_logins: u.failed_logins,
        created_at: u.created_at,
        version: u.version,
    }
}

pub(crate) fn change(c: &Change) -> ChangeDto {
    ChangeDto {
        seq: c.seq,
        entity: c.entity.name().to_owned(),
        entity_id: c.entity_id,
        op: c.op.name().to_owned(),
        at: c.at,
    }
}

pub(crate) fn token(t: &ApiToken, login: String) -> TokenDto {
    TokenDto {
        id: t.id.0,
        agent: Named {
            id: t.agent_id.0,
            name: login,
        },
        name: t.name.clone(),
        created_at: t.created_at,
        last_used_at: t.last_used_at,
        expires_at: t.expires_at,
        revoked_at: t.revoked_at,
    }
}
