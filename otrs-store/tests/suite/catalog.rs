//! States, groups, queues and agents.

use otrs_core::ids::{AgentId, GroupId, QueueId, StateId};
use otrs_core::model::{Group, Permission, PermissionSet, State, StateType};
use otrs_core::store::{Store, StoreError, StoreTx};

use crate::support::seed;
use crate::{ro, rw};

pub async fn states_keep_given_ids_and_unique_names<S: Store>(store: S) {
    seed::world(&store).await;
    let states = ro!(store, |tx| tx.states().await.unwrap());
    assert_eq!(states.len(), 9);
    assert_eq!(states[0].id, StateId(1));
    assert_eq!(states[0].name, "new");
    assert_eq!(states[8].state_type, StateType::Merged);

    let mut tx = store.begin().await.unwrap();
    let dup_name = tx
        .insert_state(&State {
            id: StateId(0),
            name: "open".into(),
            state_type: StateType::Open,
            valid: true,
        })
        .await;
    assert!(
        matches!(
            dup_name,
            Err(StoreError::Duplicate {
                what: "state name",
                ..
            })
        ),
        "{dup_name:?}"
    );
    let dup_id = tx
        .insert_state(&State {
            id: StateId(4),
            name: "reopened".into(),
            state_type: StateType::Open,
            valid: true,
        })
        .await;
    assert!(
        matches!(
            dup_id,
            Err(StoreError::Duplicate {
                what: "state id",
                ..
            })
        ),
        "{dup_id:?}"
    );
    // A new state without an id gets the next one.
    let added = tx
        .insert_state(&State {
            id: StateId(0),
            name: "waiting for parts".into(),
            state_type: StateType::PendingReminder,
            valid: false,
        })
        .await
        .unwrap();
    assert_eq!(added.id, StateId(10));
    tx.commit().await.unwrap();
    let states = ro!(store, |tx| tx.states().await.unwrap());
    assert_eq!(states.last(), Some(&added));
}

pub async fn groups_are_versioned_and_uniquely_named<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let groups = ro!(store, |tx| tx.groups().await.unwrap());
    let ids: Vec<GroupId> = groups.iter().map(|g| g.id).collect();
    assert_eq!(ids, [GroupId(1), GroupId(2), GroupId(3), w.support_group]);
    assert_eq!(w.support_group, GroupId(4));

    let support = ro!(store, |tx| tx
        .group(w.support_group)
        .await
        .unwrap()
        .unwrap());
    assert_eq!(support.version, 1);
    let renamed = rw!(store, |tx| tx
        .update_group(&Group {
            name: "second level".into(),
            comment: "Ärger & co".into(),
            ..support.clone()
        })
        .await
        .unwrap());
    assert_eq!(renamed.version, 2);
    assert_eq!(
        ro!(store, |tx| tx.group(w.support_group).await.unwrap()),
        Some(renamed.clone())
    );

    let mut tx = store.begin().await.unwrap();
    let stale = tx.update_group(&support).await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    let taken = tx
        .update_group(&Group {
            name: "users".into(),
            ..renamed.clone()
        })
        .await;
    assert!(
        matches!(
            taken,
            Err(StoreError::Duplicate {
                what: "group name",
                ..
            })
        ),
        "{taken:?}"
    );
    let missing = tx
        .update_group(&Group {
            id: GroupId(99),
            ..renamed.clone()
        })
        .await;
    assert!(
        matches!(&missing, Err(StoreError::NotFound { what: "group", key }) if key == "99"),
        "{missing:?}"
    );
    let dup = tx.insert_group(&seed::group("admin")).await;
    assert!(matches!(
        dup,
        Err(StoreError::Duplicate {
            what: "group name",
            ..
        })
    ));
    let dup_id = tx
        .insert_group(&Group {
            id: GroupId(2),
            ..seed::group("administrators")
        })
        .await;
    assert!(matches!(
        dup_id,
        Err(StoreError::Duplicate {
            what: "group id",
            ..
        })
    ));
    assert_eq!(tx.group(GroupId(42)).await.unwrap(), None);
    tx.rollback().await.unwrap();
}

pub async fn queues_need_their_group<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let queues = ro!(store, |tx| tx.queues().await.unwrap());
    let names: Vec<&str> = queues.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(names, ["Postmaster", "Support", "Misc"]);

    let mut tx = store.begin().await.unwrap();
    let orphan = tx.insert_queue(&seed::queue("Orphans", GroupId(77))).await;
    assert!(
        matches!(&orphan, Err(StoreError::NotFound { what: "group", key }) if key == "77"),
        "{orphan:?}"
    );
    let dup = tx.insert_queue(&seed::queue("Misc", GroupId::USERS)).await;
    assert!(matches!(
        dup,
        Err(StoreError::Duplicate {
            what: "queue name",
            ..
        })
    ));
    let given = tx
        .insert_queue(&otrs_core::model::Queue {
            id: QueueId(40),
            ..seed::queue("Forty", GroupId::USERS)
        })
        .await
        .unwrap();
    assert_eq!(given.id, QueueId(40));
    let next = tx
        .insert_queue(&seed::queue("After forty", GroupId::USERS))
        .await
        .unwrap();
    assert_eq!(next.id, QueueId(41));
    tx.commit().await.unwrap();

    let misc = ro!(store, |tx| tx.queue(w.misc).await.unwrap().unwrap());
    let moved = rw!(store, |tx| tx
        .update_queue(&otrs_core::model::Queue {
            group_id: w.support_group,
            unlock_timeout_minutes: 30,
            first_response_minutes: 60,
            update_minutes: 120,
            solution_minutes: 480,
            follow_up_possible: false,
            ..misc.clone()
        })
        .await
        .unwrap());
    assert_eq!(moved.version, 2);
    assert_eq!(
        ro!(store, |tx| tx.queue(w.misc).await.unwrap()),
        Some(moved.clone())
    );
    let mut tx = store.begin().await.unwrap();
    let bad_group = tx
        .update_queue(&otrs_core::model::Queue {
            group_id: GroupId(99),
            ..moved.clone()
        })
        .await;
    assert!(matches!(
        bad_group,
        Err(StoreError::NotFound { what: "group", .. })
    ));
    let stale = tx.update_queue(&misc).await;
    assert!(matches!(stale, Err(StoreError::Conflict { .. })));
    tx.rollback().await.unwrap();
}

pub async fn agents_keep_permissions_and_preferences<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let alice = ro!(store, |tx| tx.agent(w.alice).await.unwrap().unwrap());
    assert_eq!(alice.login, "alice");
    assert!(
        alice
            .permissions_on(w.support_group)
            .grants(Permission::Note)
    );
    let by_login = ro!(store, |tx| tx.agent_by_login("alice").await.unwrap());
    assert_eq!(by_login, Some(alice.clone()));
    assert_eq!(
        ro!(store, |tx| tx.agent_by_login("Alice").await.unwrap()),
        None
    );

    let mut changed = alice.clone();
    changed.groups.remove(&w.support_group);
    changed
        .groups
        .insert(GroupId::STATS, PermissionSet::of(&[Permission::Ro]));
    changed
        .preferences
        .insert("UserLanguage".into(), "de".into());
    changed.preferences.insert(
        "Dashboard \"layout\"".into(),
        "{\"a\": [1, 2]}\nline".into(),
    );
    changed.password_hash = Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into());
    changed.totp_secret = Some("JBSWY3DPEHPK3PXP".into());
    changed.failed_logins = 3;
    let stored = rw!(store, |tx| tx.update_agent(&changed).await.unwrap());
    assert_eq!(stored.version, 2);
    let loaded = ro!(store, |tx| tx.agent(w.alice).await.unwrap().unwrap());
    assert_eq!(loaded, stored);

    let mut tx = store.begin().await.unwrap();
    let stale = tx.update_agent(&alice).await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    let mut bad = loaded.clone();
    bad.groups.insert(GroupId(55), PermissionSet::RW);
    let missing = tx.update_agent(&bad).await;
    assert!(
        matches!(&missing, Err(StoreError::NotFound { what: "group", key }) if key == "55"),
        "{missing:?}"
    );
    let taken = tx
        .update_agent(&otrs_core::model::Agent {
            login: "bob".into(),
            ..loaded.clone()
        })
        .await;
    assert!(matches!(
        taken,
        Err(StoreError::Duplicate {
            what: "agent login",
            ..
        })
    ));
    let dup = tx.insert_agent(&seed::agent("carol", &[])).await;
    assert!(matches!(
        dup,
        Err(StoreError::Duplicate {
            what: "agent login",
            ..
        })
    ));
    let dup_id = tx
        .insert_agent(&otrs_core::model::Agent {
            id: AgentId::SYSTEM,
            ..seed::agent("root2", &[])
        })
        .await;
    assert!(matches!(
        dup_id,
        Err(StoreError::Duplicate {
            what: "agent id",
            ..
        })
    ));
    tx.rollback().await.unwrap();

    let agents = ro!(store, |tx| tx.agents().await.unwrap());
    let logins: Vec<&str> = agents.iter().map(|a| a.login.as_str()).collect();
    assert_eq!(logins, ["root@localhost", "alice", "bob", "carol"]);
    assert_eq!(agents[1], loaded);
}
