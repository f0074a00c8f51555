//! Customer companies and customer users.

use otrs_core::ids::{CustomerId, CustomerUserId};
use otrs_core::model::{Customer, CustomerUser};
use otrs_core::store::{
    CustomerFilter, CustomerUserFilter, Page, PageRequest, StoreError, StoreResult,
};
use tracing::instrument;

use super::{SqlTx, conflict};
use crate::check;
use crate::codec;
use crate::sql::{Builder, Dialect, Row, Stmt, int, stored_time};

macro_rules! customer_select {
    () => {
        "SELECT id, customer_id, name, street, zip, city, country, url, comment, validity, \
         created_at, version FROM customers "
    };
}

fn customer_from(row: &Row) -> StoreResult<Customer> {
    Ok(Customer {
        id: CustomerId(row.u64("id")?),
        customer_id: row.text("customer_id")?,
        name: row.text("name")?,
        street: row.text("street")?,
        zip: row.text("zip")?,
        city: row.text("city")?,
        country: row.text("country")?,
        url: row.text("url")?,
        comment: row.text("comment")?,
        validity: codec::validity(row, "validity")?,
        created_at: row.time("created_at")?,
        version: row.u64("version")?,
    })
}

fn check_customer(c: &Customer) -> StoreResult<()> {
    check::required("customer_id", &c.customer_id, 150)?;
    check::text("name", &c.name, 200)?;
    check::text("street", &c.street, 200)?;
    check::text("zip", &c.zip, 200)?;
    check::text("city", &c.city, 200)?;
    check::text("country", &c.country, 200)?;
    check::text("url", &c.url, 200)?;
    check::text("comment", &c.comment, 250)
}

/// Binds $1…$10 of a customer row (everything but id and version).
fn bind_customer(stmt: Stmt, c: &Customer) -> Stmt {
    stmt.bind(c.customer_id.as_str())
        .bind(c.name.as_str())
        .bind(c.street.as_str())
        .bind(c.zip.as_str())
        .bind(c.city.as_str())
        .bind(c.country.as_str())
        .bind(c.url.as_str())
        .bind(c.comment.as_str())
        .bind(c.validity.name())
        .bind(stored_time(c.created_at))
}

#[instrument(skip_all)]
pub(super) async fn insert_customer(tx: &mut SqlTx, customer: &Customer) -> StoreResult<Customer> {
    tx.writable()?;
    check_customer(customer)?;
    let row = tx
        .opt(bind_customer(
            Stmt::new(
                "INSERT INTO customers (customer_id, name, street, zip, city, country, url, comment, \
                 validity, created_at, version) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1 \
                 WHERE NOT EXISTS (SELECT 1 FROM customers WHERE lower(customer_id) = $11) \
                 ON CONFLICT DO NOTHING RETURNING id",
            ),
            customer,
        )
        .bind(codec::fold(&customer.customer_id)))
        .await?
        .ok_or_else(|| StoreError::Duplicate {
            what: "CustomerID",
            value: customer.customer_id.clone(),
        })?;
    Ok(Customer {
        id: CustomerId(row.u64("id")?),
        created_at: stored_time(customer.created_at),
        version: 1,
        ..customer.clone()
    })
}

#[instrument(skip_all)]
pub(super) async fn update_customer(tx: &mut SqlTx, customer: &Customer) -> StoreResult<Customer> {
    tx.writable()?;
    check_customer(customer)?;
    let id = int("id", customer.id.0)?;
    let updated = tx
        .exec(
            bind_customer(
                Stmt::new(
                    "UPDATE customers SET customer_id = $1, name = $2, street = $3, zip = $4, city = $5, \
                     country = $6, url = $7, comment = $8, validity = $9, created_at = $10, \
                     version = version + 1 \
                     WHERE id = $11 AND version = $12 AND NOT EXISTS \
                     (SELECT 1 FROM customers other WHERE lower(other.customer_id) = $13 AND other.id <> $11)",
                ),
                customer,
            )
            .bind(id)
            .bind(int("version", customer.version)?)
            .bind(codec::fold(&customer.customer_id)),
        )
        .await?;
    if updated == 0 {
        let stored = tx
            .opt(Stmt::new("SELECT version FROM customers WHERE id = $1").bind(id))
            .await?
            .ok_or_else(|| StoreError::not_found("customer", customer.id))?
            .u64("version")?;
        if stored != customer.version {
            return Err(conflict("customer", customer.id, stored, customer.version));
        }
        return Err(StoreError::Duplicate {
            what: "CustomerID",
            value: customer.customer_id.clone(),
        });
    }
    Ok(Customer {
        created_at: stored_time(customer.created_at),
        version: customer.version + 1,
        ..customer.clone()
    })
}

#[instrument(skip_all)]
pub(super) async fn customer(tx: &mut SqlTx, id: CustomerId) -> StoreResult<Option<Customer>> {
    tx.opt(Stmt::new(concat!(customer_select!(), "WHERE id = $1")).bind(int("id", id.0)?))
        .await?
        .as_ref()
        .map(customer_from)
        .transpose()
}

#[instrument(skip_all)]
pub(super) async fn customer_by_customer_id(
    tx: &mut SqlTx,
    customer_id: &str,
) -> StoreResult<Option<Customer>> {
    tx.opt(
        Stmt::new(concat!(customer_select!(), "WHERE lower(customer_id) = $1"))
            .bind(codec::fold(customer_id)),
    )
    .await?
    .as_ref()
    .map(customer_from)
    .transpose()
}

/// `LIMIT … OFFSET …` of a page request; keyset requests read the first page.
pub(super) fn limit_offset(page: &PageRequest) -> (i64, i64) {
    match page {
        PageRequest::Offset { offset, limit } => (
            i64::from(*limit),
            i64::try_from(*offset).unwrap_or(i64::MAX),
        ),
        PageRequest::After { limit, .. } => (i64::from(*limit), 0),
    }
}

fn push_customer_filter(b: &mut Builder, filter: &CustomerFilter) {
    if let Some(validity) = filter.validity {
        b.push(" AND validity = ").push_bind(validity.name());
    }
    if let Some(pattern) = filter.search.as_deref().and_then(codec::like_pattern) {
        b.push(" AND (lower(customer_id) LIKE ")
            .push_bind(pattern.clone())
            .push(" ESCAPE '\\' OR lower(name) LIKE ")
            .push_bind(pattern)
            .push(" ESCAPE '\\')");
    }
}

#[instrument(skip_all)]
pub(super) async fn list_customers(
    tx: &mut SqlTx,
    filter: &CustomerFilter,
    page: PageRequest,
) -> StoreResult<Page<Customer>> {
    let mut count = Builder::new("SELECT count(*) AS n FROM customers WHERE 1 = 1");
    push_customer_filter(&mut count, filter);
    let total = tx.one(count.build()).await?.u64("n")?;
    let (limit, offset) = limit_offset(&page);
    let mut b = Builder::new(concat!(customer_select!(), "WHERE 1 = 1"));
    push_customer_filter(&mut b, filter);
    b.push(" ORDER BY lower(customer_id), id LIMIT ")
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
    let items = tx
        .all(b.build())
        .await?
        .iter()
        .map(customer_from)
        .collect::<StoreResult<_>>()?;
    Ok(Page { items, total })
}

// --- customer users ---------------------------------------------------------------------------

macro_rules! customer_user_select {
    (sqlite) => {
        "SELECT u.id, u.login, u.title, u.first_name, u.last_name, u.email, u.customer_id, u.phone, \
         u.mobile, u.street, u.zip, u.city, u.country, u.comment, u.validity, u.password_hash, \
         u.must_change_password, u.failed_logins, u.totp_secret, u.created_at, u.version, \
         (SELECT json_group_array(x.customer_id) FROM (SELECT customer_id FROM customer_user_customer_ids \
            WHERE customer_user_id = u.id ORDER BY position) x) AS extra_json, \
         (SELECT json_group_array(json_array(g.group_id, g.permissions)) FROM (SELECT group_id, permissions \
            FROM customer_user_groups WHERE customer_user_id = u.id ORDER BY group_id) g) AS groups_json, \
         (SELECT json_group_object(p.key, p.value) FROM customer_user_preferences p \
            WHERE p.customer_user_id = u.id) AS preferences_json \
         FROM customer_users u "
    };
    (postgres) => {
        "SELECT u.id, u.login, u.title, u.first_name, u.last_name, u.email, u.customer_id, u.phone, \
         u.mobile, u.street, u.zip, u.city, u.country, u.comment, u.validity, u.password_hash, \
         u.must_change_password, u.failed_logins, u.totp_secret, u.created_at, u.version, \
         (SELECT json_agg(x.customer_id ORDER BY x.position)::text FROM customer_user_customer_ids x \
            WHERE x.customer_user_id = u.id) AS extra_json, \
         (SELECT json_agg(json_build_array(g.group_id, g.permissions) ORDER BY g.group_id)::text \
            FROM customer_user_groups g WHERE g.customer_user_id = u.id) AS groups_json, \
         (SELECT json_object_agg(p.key, p.value)::text FROM customer_user_preferences p \
            WHERE p.customer_user_id = u.id) AS preferences_json \
         FROM customer_users u "
    };
}

fn customer_user_from(row: &Row) -> StoreResult<CustomerUser> {
    Ok(CustomerUser {
        id: CustomerUserId(row.u64("id")?),
        login: row.text("login")?,
        title: row.text("title")?,
        first_name: row.text("first_name")?,
        last_name: row.text("last_name")?,
        email: row.text("email")?,
        customer_id: row.text("customer_id")?,
        extra_customer_ids: codec::read_string_list(
            "extra_json",
            row.opt_text("extra_json")?.as_deref(),
        )?,
        phone: row.text("phone")?,
        mobile: row.text("mobile")?,
        street: row.text("street")?,
        zip: row.text("zip")?,
        city: row.text("city")?,
        country: row.text("country")?,
        comment: row.text("comment")?,
        validity: codec::validity(row, "validity")?,
        password_hash: row.opt_text("password_hash")?,
        must_change_password: row.boolean("must_change_password")?,
        failed_logins: row.u32("failed_logins")?,
        totp_secret: row.opt_text("totp_secret")?,
        groups: codec::read_group_permissions(
            "groups_json",
            row.opt_text("groups_json")?.as_deref(),
        )?,
        preferences: codec::read_string_map(
            "preferences_json",
            row.opt_text("preferences_json")?.as_deref(),
        )?,
        created_at: row.time("created_at")?,
        version: row.u64("version")?,
    })
}

fn check_customer_user(u: &CustomerUser) -> StoreResult<()> {
    check::required("login", &u.login, 200)?;
    check::text("title", &u.title, 50)?;
    check::text("first_name", &u.first_name, 100)?;
    check::text("last_name", &u.last_name, 100)?;
    check::text("email", &u.email, 254)?;
    check::text("customer_id", &u.customer_id, 150)?;
    for id in &u.extra_customer_ids {
        check::text("extra_customer_ids", id, 150)?;
    }
    check::text("phone", &u.phone, 150)?;
    check::text("mobile", &u.mobile, 150)?;
    check::text("street", &u.street, 150)?;
    check::text("zip", &u.zip, 200)?;
    check::text("city", &u.city, 200)?;
    check::text("country", &u.country, 200)?;
    check::text("comment", &u.comment, 250)?;
    check::opt_text("password_hash", u.password_hash.as_deref(), 1000)?;
    check::opt_text("totp_secret", u.totp_secret.as_deref(), 200)?;
    for (key, value) in &u.preferences {
        check::required("preferences", key, 200)?;
        check::text("preferences", value, 100_000)?;
    }
    Ok(())
}

/// Binds $1…$19 of a customer user row (everything but id, version and the children).
fn bind_customer_user(stmt: Stmt, u: &CustomerUser) -> Stmt {
    stmt.bind(u.login.as_str())
        .bind(u.title.as_str())
        .bind(u.first_name.as_str())
        .bind(u.last_name.as_str())
        .bind(u.email.as_str())
        .bind(u.customer_id.as_str())
        .bind(u.phone.as_str())
        .bind(u.mobile.as_str())
        .bind(u.street.as_str())
        .bind(u.zip.as_str())
        .bind(u.city.as_str())
        .bind(u.country.as_str())
        .bind(u.comment.as_str())
        .bind(u.validity.name())
        .bind(u.password_hash.as_deref())
        .bind(u.must_change_password)
        .bind(i64::from(u.failed_logins))
        .bind(u.totp_secret.as_deref())
        .bind(stored_time(u.created_at))
}

/// Replaces the user's further CustomerIDs, group rights and preferences.
async fn write_children(tx: &mut SqlTx, id: i64, user: &CustomerUser) -> StoreResult<()> {
    for sql in [
        "DELETE FROM customer_user_customer_ids WHERE customer_user_id = $1",
        "DELETE FROM customer_user_groups WHERE customer_user_id = $1",
        "DELETE FROM customer_user_preferences WHERE customer_user_id = $1",
    ] {
        tx.exec(Stmt::new(sql).bind(id)).await?;
    }
    if !user.extra_customer_ids.is_empty() {
        let mut b = Builder::new(
            "INSERT INTO customer_user_customer_ids (customer_user_id, position, customer_id) VALUES ",
        );
        for (position, customer_id) in user.extra_customer_ids.iter().enumerate() {
            if position > 0 {
                b.push(", ");
            }
            b.push("(")
                .push_bind(id)
                .push(", ")
                .push_bind(position as i64)
                .push(", ")
                .push_bind(customer_id.as_str())
                .push(")");
        }
        tx.exec(b.build()).await?;
    }
    if !user.groups.is_empty() {
        let mut b = Builder::new(
            "INSERT INTO customer_user_groups (customer_user_id, group_id, permissions) VALUES ",
        );
        for (i, (group, permissions)) in user.groups.iter().enumerate() {
            if i > 0 {
                b.push(", ");
            }
            b.push("(")
                .push_bind(id)
                .push(", ")
                .push_bind(int("group_id", group.0)?)
                .push(", ")
                .push_bind(i64::from(permissions.bits()))
                .push(")");
        }
        tx.exec(b.build()).await?;
    }
    if !user.preferences.is_empty() {
        let mut b = Builder::new(
            "INSERT INTO customer_user_preferences (customer_user_id, key, value) VALUES ",
        );
        for (i, (key, value)) in user.preferences.iter().enumerate() {
            if i > 0 {
                b.push(", ");
            }
            b.push("(")
                .push_bind(id)
                .push(", ")
                .push_bind(key.as_str())
                .push(", ")
                .push_bind(value.as_str())
                .push(")");
        }
        tx.exec(b.build()).await?;
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn insert_customer_user(
    tx: &mut SqlTx,
    user: &CustomerUser,
) -> StoreResult<CustomerUser> {
    tx.writable()?;
    check_customer_user(user)?;
    let row = tx
        .opt(bind_customer_user(
            Stmt::new(
                "INSERT INTO customer_users (login, title, first_name, last_name, email, customer_id, \
                 phone, mobile, street, zip, city, country, comment, validity, password_hash, \
                 must_change_password, failed_logins, totp_secret, created_at, version) \
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
                 $18, $19, 1 WHERE NOT EXISTS (SELECT 1 FROM customer_users WHERE login = $1) \
                 ON CONFLICT DO NOTHING RETURNING id",
            ),
            user,
        ))
        .await?
        .ok_or_else(|| StoreError::Duplicate {
            what: "customer user login",
            value: user.login.clone(),
        })?;
    let id = row.int("id")?;
    write_children(tx, id, user).await?;
    Ok(CustomerUser {
        id: CustomerUserId(row.u64("id")?),
        created_at: stored_time(user.created_at),
        version: 1,
        ..user.clone()
    })
}

#[instrument(skip_all)]
pub(super) async fn update_customer_user(
    tx: &mut SqlTx,
    user: &CustomerUser,
) -> StoreResult<CustomerUser> {
    tx.writable()?;
    check_customer_user(user)?;
    let id = int("id", user.id.0)?;
    let updated = tx
        .exec(
            bind_customer_user(
                Stmt::new(
                    "UPDATE customer_users SET login = $1, title = $2, first_name = $3, last_name = $4, \
                     email = $5, customer_id = $6, phone = $7, mobile = $8, street = $9, zip = $10, \
                     city = $11, country = $12, comment = $13, validity = $14, password_hash = $15, \
                     must_change_password = $16, failed_logins = $17, totp_secret = $18, \
                     created_at = $19, version = version + 1 \
                     WHERE id = $20 AND version = $21 AND NOT EXISTS \
                     (SELECT 1 FROM customer_users other WHERE other.login = $1 AND other.id <> $20)",
                ),
                user,
            )
            .bind(id)
            .bind(int("version", user.version)?),
        )
        .await?;
    if updated == 0 {
        let stored = tx
            .opt(Stmt::new("SELECT version FROM customer_users WHERE id = $1").bind(id))
            .await?
            .ok_or_else(|| StoreError::not_found("customer user", user.id))?
            .u64("version")?;
        if stored != user.version {
            return Err(conflict("customer user", user.id, stored, user.version));
        }
        return Err(StoreError::Duplicate {
            what: "customer user login",
            value: user.login.clone(),
        });
    }
    write_children(tx, id, user).await?;
    Ok(CustomerUser {
        created_at: stored_time(user.created_at),
        version: user.version + 1,
        ..user.clone()
    })
}

async fn load_customer_users(tx: &mut SqlTx, b: Builder) -> StoreResult<Vec<CustomerUser>> {
    tx.all(b.build())
        .await?
        .iter()
        .map(customer_user_from)
        .collect()
}

fn select_customer_users(dialect: Dialect) -> Builder {
    match dialect {
        Dialect::Sqlite => Builder::new(customer_user_select!(sqlite)),
        Dialect::Postgres => Builder::new(customer_user_select!(postgres)),
    }
}

#[instrument(skip_all)]
pub(super) async fn customer_user(
    tx: &mut SqlTx,
    id: CustomerUserId,
) -> StoreResult<Option<CustomerUser>> {
    let mut b = select_customer_users(tx.dialect());
    b.push("WHERE u.id = ").push_bind(int("id", id.0)?);
    Ok(load_customer_users(tx, b).await?.pop())
}

#[instrument(skip_all)]
pub(super) async fn customer_user_by_login(
    tx: &mut SqlTx,
    login: &str,
) -> StoreResult<Option<CustomerUser>> {
    let mut b = select_customer_users(tx.dialect());
    b.push("WHERE u.login = ").push_bind(login);
    Ok(load_customer_users(tx, b).await?.pop())
}

fn push_customer_user_filter(b: &mut Builder, filter: &CustomerUserFilter) {
    if let Some(validity) = filter.validity {
        b.push(" AND u.validity = ").push_bind(validity.name());
    }
    if let Some(customer_id) = &filter.customer_id {
        let folded = codec::fold(customer_id);
        b.push(" AND (lower(u.customer_id) = ")
            .push_bind(folded.clone())
            .push(
                " OR EXISTS (SELECT 1 FROM customer_user_customer_ids x \
                 WHERE x.customer_user_id = u.id AND lower(x.customer_id) = ",
            )
            .push_bind(folded)
            .push("))");
    }
    if let Some(pattern) = filter.search.as_deref().and_then(codec::like_pattern) {
        b.push(" AND (");
        for (i, column) in [
            "lower(u.login)",
            "lower(u.first_name)",
            "lower(u.last_name)",
            "lower(trim(u.first_name || ' ' || u.last_name))",
            "lower(u.email)",
        ]
        .into_iter()
        .enumerate()
        {
            if i > 0 {
                b.push(" OR ");
            }
            b.push(column)
                .push(" LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\'");
        }
        b.push(")");
    }
}

#[instrument(skip_all)]
pub(super) async fn list_customer_users(
    tx: &mut SqlTx,
    filter: &CustomerUserFilter,
    page: PageRequest,
) -> StoreResult<Page<CustomerUser>> {
    let mut count = Builder::new("SELECT count(*) AS n FROM customer_users u WHERE 1 = 1");
    push_customer_user_filter(&mut count, filter);
    let total = tx.one(count.build()).await?.u64("n")?;
    let (limit, offset) = limit_offset(&page);
    let mut b = select_customer_users(tx.dialect());
    b.push("WHERE 1 = 1");
    push_customer_user_filter(&mut b, filter);
    b.push(" ORDER BY u.login LIMIT ")
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
    let items = load_customer_users(tx, b).await?;
    Ok(Page { items, total })
}
