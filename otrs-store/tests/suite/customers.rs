//! Customer companies and customer users.

use otrs_core::ids::GroupId;
use otrs_core::model::{CustomerUser, PermissionSet, Validity};
use otrs_core::store::{
    CustomerFilter, CustomerUserFilter, PageRequest, Store, StoreError, StoreTx,
};

use crate::support::seed;
use crate::{ro, rw};

pub async fn customer_ids_are_unique_regardless_of_case<S: Store>(store: S) {
    seed::world(&store).await;
    let mut tx = store.begin().await.unwrap();
    let dup = tx.insert_customer(&seed::customer("ssi", "Another")).await;
    assert!(
        matches!(&dup, Err(StoreError::Duplicate { what: "CustomerID", value }) if value == "ssi"),
        "{dup:?}"
    );
    let found = tx.customer_by_customer_id("sSi").await.unwrap().unwrap();
    assert_eq!(found.name, "Super Support Inc.");
    assert_eq!(tx.customer(found.id).await.unwrap(), Some(found.clone()));
    let other = tx.customer_by_customer_id("other").await.unwrap().unwrap();
    let clash = tx
        .update_customer(&otrs_core::model::Customer {
            customer_id: "SSi".into(),
            ..other.clone()
        })
        .await;
    assert!(matches!(
        clash,
        Err(StoreError::Duplicate {
            what: "CustomerID",
            ..
        })
    ));
    // Changing only the case of one's own CustomerID is fine.
    let recased = tx
        .update_customer(&otrs_core::model::Customer {
            customer_id: "Other".into(),
            city: "Köln".into(),
            validity: Validity::InvalidTemporarily,
            ..other.clone()
        })
        .await
        .unwrap();
    assert_eq!(recased.version, 2);
    let stale = tx.update_customer(&other).await;
    assert!(matches!(stale, Err(StoreError::Conflict { .. })));
    tx.commit().await.unwrap();
    let reloaded = ro!(store, |tx| tx.customer(other.id).await.unwrap());
    assert_eq!(reloaded, Some(recased));
}

pub async fn customer_lists_search_sort_and_page<S: Store>(store: S) {
    seed::world(&store).await;
    rw!(store, |tx| {
        for (id, name) in [
            ("acme", "Acme Corp."),
            ("Zeta", "Zeta 50% off_sale"),
            ("beta", "Beta Support GmbH"),
        ] {
            tx.insert_customer(&seed::customer(id, name)).await.unwrap();
        }
    });
    let all = ro!(store, |tx| tx
        .list_customers(&CustomerFilter::default(), PageRequest::first(100))
        .await
        .unwrap());
    let ids: Vec<&str> = all.items.iter().map(|c| c.customer_id.as_str()).collect();
    assert_eq!(ids, ["acme", "beta", "OTHER", "SSI", "Zeta"]);
    assert_eq!(all.total, 5);

    let page = ro!(store, |tx| tx
        .list_customers(&CustomerFilter::default(), PageRequest::page(2, 2))
        .await
        .unwrap());
    let ids: Vec<&str> = page.items.iter().map(|c| c.customer_id.as_str()).collect();
    assert_eq!((ids, page.total), (vec!["OTHER", "SSI"], 5));

    for (search, expected) in [
        ("SUP*", vec!["beta", "SSI"]),
        ("sup*inc", vec!["SSI"]),
        ("50%", vec!["Zeta"]),
        ("_sale", vec!["Zeta"]),
        ("**", vec!["acme", "beta", "OTHER", "SSI", "Zeta"]),
        ("nothing", vec![]),
    ] {
        let found = ro!(store, |tx| tx
            .list_customers(
                &CustomerFilter {
                    search: Some(search.into()),
                    validity: None,
                },
                PageRequest::first(100),
            )
            .await
            .unwrap());
        let ids: Vec<&str> = found.items.iter().map(|c| c.customer_id.as_str()).collect();
        assert_eq!(ids, expected, "search {search:?}");
        assert_eq!(found.total as usize, expected.len());
    }
    let invalid = ro!(store, |tx| tx
        .list_customers(
            &CustomerFilter {
                search: None,
                validity: Some(Validity::Invalid),
            },
            PageRequest::first(10),
        )
        .await
        .unwrap());
    assert_eq!(invalid.total, 0);
}

pub async fn customer_users_keep_their_details<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let lacey = ro!(store, |tx| tx
        .customer_user(w.lacey)
        .await
        .unwrap()
        .unwrap());
    assert_eq!(lacey.extra_customer_ids, ["other2"]);
    assert_eq!(
        ro!(store, |tx| tx
            .customer_user_by_login("lacey")
            .await
            .unwrap()),
        Some(lacey.clone())
    );
    let mut changed = CustomerUser {
        extra_customer_ids: vec!["Z-LAST".into(), "A-FIRST".into(), "Z-LAST".into()],
        title: "Dr.".into(),
        phone: "+49 30 1234".into(),
        ..lacey.clone()
    };
    changed.groups.insert(
        GroupId::USERS,
        PermissionSet::of(&[otrs_core::model::Permission::Create]),
    );
    changed
        .preferences
        .insert("UserTimeZone".into(), "Europe/Berlin".into());
    let stored = rw!(store, |tx| tx.update_customer_user(&changed).await.unwrap());
    assert_eq!(stored.version, 2);
    assert_eq!(
        ro!(store, |tx| tx.customer_user(w.lacey).await.unwrap()),
        Some(stored.clone())
    );

    let mut tx = store.begin().await.unwrap();
    let dup = tx
        .insert_customer_user(&seed::customer_user("robert", "X"))
        .await;
    assert!(matches!(
        dup,
        Err(StoreError::Duplicate {
            what: "customer user login",
            ..
        })
    ));
    let taken = tx
        .update_customer_user(&CustomerUser {
            login: "robert".into(),
            ..stored.clone()
        })
        .await;
    assert!(matches!(taken, Err(StoreError::Duplicate { .. })));
    let stale = tx.update_customer_user(&lacey).await;
    assert!(matches!(stale, Err(StoreError::Conflict { .. })));
    let missing = tx
        .update_customer_user(&CustomerUser {
            id: otrs_core::ids::CustomerUserId(999),
            ..stored.clone()
        })
        .await;
    assert!(matches!(
        missing,
        Err(StoreError::NotFound {
            what: "customer user",
            ..
        })
    ));
    tx.rollback().await.unwrap();
}

pub async fn customer_user_lists_filter_by_company_and_search<S: Store>(store: S) {
    seed::world(&store).await;
    rw!(store, |tx| {
        tx.insert_customer_user(&CustomerUser {
            first_name: "Lars".into(),
            last_name: "Schmidt".into(),
            validity: Validity::Invalid,
            ..seed::customer_user("ls", "ssi")
        })
        .await
        .unwrap();
    });
    let list = |filter: CustomerUserFilter| {
        let store = &store;
        async move {
            ro!(*store, |tx| tx
                .list_customer_users(&filter, PageRequest::first(100))
                .await
                .unwrap())
        }
    };
    let logins = |page: otrs_core::store::Page<CustomerUser>| -> Vec<String> {
        page.items.into_iter().map(|u| u.login).collect()
    };
    assert_eq!(
        logins(list(CustomerUserFilter::default()).await),
        ["lacey", "ls", "robert"]
    );
    let ssi = list(CustomerUserFilter {
        customer_id: Some("SSI".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(ssi.total, 2);
    assert_eq!(logins(ssi), ["lacey", "ls"]);
    // Extra CustomerIDs count, without regard to case.
    let other2 = list(CustomerUserFilter {
        customer_id: Some("OTHER2".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(logins(other2), ["lacey"]);
    let by_full_name = list(CustomerUserFilter {
        search: Some("lars schm".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(logins(by_full_name), ["ls"]);
    let by_mail = list(CustomerUserFilter {
        search: Some("*@EXAMPLE.ORG".into()),
        validity: Some(Validity::Valid),
        ..Default::default()
    })
    .await;
    assert_eq!(logins(by_mail), ["lacey", "robert"]);
    let second_page = ro!(store, |tx| tx
        .list_customer_users(&CustomerUserFilter::default(), PageRequest::page(2, 2))
        .await
        .unwrap());
    assert_eq!(second_page.total, 3);
    assert_eq!(logins(second_page), ["robert"]);
}
