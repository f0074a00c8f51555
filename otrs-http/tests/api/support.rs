//! A small desk behind the router, with callers for every role and an SMTP sink.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use http_body_util::BodyExt;
use otrs_core::clock::ManualClock;
use otrs_core::desk::{
    ArticleInput, ArticleKind, DraftInput, NewAgent, NewCustomer, NewCustomerUser, NewGroup,
    NewQueue, NewTicket,
};
use otrs_core::ids::{
    AgentId, ApiTokenId, ArticleId, AttachmentId, CustomerId, CustomerUserId, DraftId, GroupId,
    LinkId, QueueId, TicketId,
};
use otrs_core::model::{LinkType, NewAttachment, ObjectRef, PermissionSet, SessionRecord};
use otrs_core::store::MemoryStore;
use otrs_core::{Desk, DeskConfig, Principal};
use otrs_http::config::{HashCost, HttpConfig, SmtpConfig};
use otrs_http::crypto::{digest, hash_password};
use otrs_http::{AppState, router};
use otrs_store::TicketIndex;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Every test account's password (meets both policies).
pub const PASSWORD: &str = "Initial-Passw0rd-XY";

/// An SMTP server on 127.0.0.1 that accepts everything and keeps the messages.
#[derive(Debug, Clone)]
pub struct SmtpSink {
    pub port: u16,
    /// Each message's DATA as lines joined by `\n` (line ends and dot-stuffing as sent).
    messages: Arc<Mutex<Vec<String>>>,
    /// Each message's DATA byte for byte: dot-stuffing undone, without the final `.` line.
    raw: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (texts, bytes) = (messages.clone(), raw.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (texts, bytes) = (texts.clone(), bytes.clone());
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut reader = BufReader::new(read);
                    let _ = write.write_all(b"220 sink ready\r\n").await;
                    let mut line = Vec::new();
                    loop {
                        line.clear();
                        if !matches!(reader.read_until(b'\n', &mut line).await, Ok(n) if n > 0) {
                            break;
                        }
                        let upper = String::from_utf8_lossy(&line).to_ascii_uppercase();
                        if upper.starts_with("DATA") {
                            let _ = write.write_all(b"354 go ahead\r\n").await;
                            let mut text = String::new();
                            let mut data = Vec::new();
                            loop {
                                line.clear();
                                if !matches!(reader.read_until(b'\n', &mut line).await, Ok(n) if n > 0)
                                {
                                    break;
                                }
                                let content = line
                                    .strip_suffix(b"\n")
                                    .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
                                    .unwrap_or(&line);
                                if content == b"." {
                                    break;
                                }
                                text.push_str(&String::from_utf8_lossy(content));
                                text.push('\n');
                                data.extend_from_slice(line.strip_prefix(b".").unwrap_or(&line));
                            }
                            texts.lock().unwrap().push(text);
                            bytes.lock().unwrap().push(data);
                            let _ = write.write_all(b"250 queued\r\n").await;
                        } else if upper.starts_with("QUIT") {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        } else {
                            let _ = write.write_all(b"250 ok\r\n").await;
                        }
                    }
                });
            }
        });
        SmtpSink {
            port,
            messages,
            raw,
        }
    }

    /// The DATA of every message received, byte for byte (see [`SmtpSink::raw`]).
    pub fn raw_messages(&self) -> Vec<Vec<u8>> {
        self.raw.lock().unwrap().clone()
    }

    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }

    /// Waits (up to 5 s) for a message containing `needle`.
    pub async fn wait_for(&self, needle: &str) -> String {
        for _ in 0..500 {
            if let Some(m) = self.messages().into_iter().find(|m| m.contains(needle)) {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "no message containing {needle:?}; got {:?}",
            self.messages()
        );
    }
}

/// The text after `prefix` up to the end of its line, from a message (quoted-printable soft
/// breaks removed).
pub fn after(message: &str, prefix: &str) -> String {
    let text = message.replace("=\n", "").replace("=3D", "=");
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix:?} not in {text}"))
        + prefix.len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// How a request identifies itself.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
}

impl Caller {
    pub fn anonymous() -> Caller {
        Caller::default()
    }

    pub fn bearer(secret: &str) -> Caller {
        Caller {
            bearer: Some(secret.to_owned()),
            ..Caller::default()
        }
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    /// Asserts a problem document with this code and returns it.
    pub fn problem(&self, code: &str) -> Value {
        assert_eq!(
            self.header("content-type"),
            "application/problem+json",
            "{}",
            self.text()
        );
        let json = self.json();
        assert_eq!(json["code"], code, "{json}");
        assert_eq!(json["type"], format!("urn:otrs:problem:{code}"));
        assert_eq!(json["status"], self.status.as_u16());
        json
    }
}

/// The desk, its router and the fixtures every test starts from.
pub struct World {
    pub state: AppState<MemoryStore>,
    pub app: Router,
    pub desk: Arc<Desk<MemoryStore>>,
    pub clock: Arc<ManualClock>,
    pub index: Arc<TicketIndex>,
    pub smtp: SmtpSink,
    /// rw on users, admin and support.
    pub admin: AgentId,
    /// rw on users and support.
    pub alice: AgentId,
    /// No group at all.
    pub dave: AgentId,
    /// rw on users only.
    pub erin: AgentId,
    /// Customer user of SSI.
    pub lacey: CustomerUserId,
    /// Customer user of OTHER.
    pub mallory: CustomerUserId,
    pub ssi: CustomerId,
    pub support_group: GroupId,
    pub support: QueueId,
    /// Lacey's ticket in Support, with a visible article carrying an attachment.
    pub ticket: TicketId,
    pub ticket2: TicketId,
    #[allow(dead_code)]
    pub ticket3: TicketId,
    pub article: ArticleId,
    pub attachment: AttachmentId,
    /// Link ticket–ticket3.
    pub link: LinkId,
    /// Alice's draft on ticket.
    pub draft: DraftId,
    /// Alice's API token.
    pub token: ApiTokenId,
    pub token_secret: String,
    /// A calendar of the support group, and an appointment of alice's in it.
    pub calendar: otrs_core::ids::CalendarId,
    pub appointment: otrs_core::ids::AppointmentId,
    // --- reports
    /// A report without a schedule (statistics 10009 and 10002); alice has ro and the admin
    /// rw on the stats group.
    pub report: otrs_core::ids::ReportId,
    // --- actions
    /// A text template and a signature of the Support queue.
    pub template: otrs_core::ids::TextId,
    pub signature: otrs_core::ids::TextId,
}

pub fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn rw(groups: &[GroupId]) -> BTreeMap<GroupId, PermissionSet> {
    groups.iter().map(|g| (*g, PermissionSet::RW)).collect()
}

impl World {
    pub async fn new() -> World {
        World::with_config(|_| {}).await
    }

    pub async fn with_config(adjust: impl FnOnce(&mut HttpConfig)) -> World {
        World::with_configs(|_| {}, adjust).await
    }

    /// A world whose desk and server settings are adjusted first.
    pub async fn with_configs(
        adjust_desk: impl FnOnce(&mut DeskConfig),
        adjust: impl FnOnce(&mut HttpConfig),
    ) -> World {
        let clock = Arc::new(ManualClock::new(start()));
        let mut desk_config = DeskConfig::default();
        adjust_desk(&mut desk_config);
        let desk = Arc::new(Desk::new(MemoryStore::new(), clock.clone(), desk_config));
        let sys = Principal::SYSTEM;
        desk.initialize().await.unwrap();
        let hash = Some(hash_password(PASSWORD, HashCost::TEST));
        let support_group = desk
            .create_group(
                sys,
                NewGroup {
                    name: "support".into(),
                    comment: String::new(),
                },
            )
            .await
            .unwrap()
            .id;
        let support = desk
            .create_queue(sys, NewQueue::new("Support", support_group))
            .await
            .unwrap()
            .id;
        let agent = |login: &str, groups| NewAgent {
            login: login.into(),
            first_name: login[..1].to_uppercase() + &login[1..],
            last_name: "Agent".into(),
            email: format!("{login}@example.com"),
            password_hash: hash.clone(),
            must_change_password: false,
            groups,
        };
        let admin = desk
            .create_agent(
                sys,
                agent(
                    "admin",
                    rw(&[GroupId::USERS, GroupId::ADMIN, support_group]),
                ),
            )
            .await
            .unwrap()
            .id;
        let alice = desk
            .create_agent(sys, agent("alice", rw(&[GroupId::USERS, support_group])))
            .await
            .unwrap()
            .id;
        let dave = desk
            .create_agent(sys, agent("dave", BTreeMap::new()))
            .await
            .unwrap()
            .id;
        let erin = desk
            .create_agent(sys, agent("erin", rw(&[GroupId::USERS])))
            .await
            .unwrap()
            .id;
        // --- statsui: admin manages statistics (rw on stats), alice runs them (ro).
        for (who, permission) in [(admin, PermissionSet::RW), (alice, PermissionSet::RO)] {
            let mut groups = desk.agent(sys, who).await.unwrap().groups;
            groups.insert(GroupId::STATS, permission);
            let update = otrs_core::desk::AgentUpdate {
                groups: Some(groups),
                ..Default::default()
            };
            desk.update_agent(sys, who, update).await.unwrap();
        }
        let mut ssi = CustomerId(0);
        for (id, name) in [("SSI", "Super Support Inc."), ("OTHER", "Other Corp.")] {
            let c = desk
                .create_customer(
                    sys,
                    NewCustomer {
                        customer_id: id.into(),
                        name: name.into(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            if id == "SSI" {
                ssi = c.id;
            }
        }
        let user = |login: &str, customer: &str| NewCustomerUser {
            login: login.into(),
            first_name: login[..1].to_uppercase() + &login[1..],
            last_name: "Customer".into(),
            email: format!("{login}@example.org"),
            customer_id: customer.into(),
            password_hash: hash.clone(),
            ..Default::default()
        };
        let lacey = desk
            .create_customer_user(sys, user("lacey", "SSI"))
            .await
            .unwrap()
            .id;
        let mallory = desk
            .create_customer_user(sys, user("mallory", "OTHER"))
            .await
            .unwrap()
            .id;
        let mut first = ArticleInput::new(
            ArticleKind::PhoneInbound,
            "Printer offline",
            "The printer on floor 2 does not answer.",
        );
        first.attachments.push(NewAttachment {
            filename: "error <log>.txt".into(),
            content_type: "text/plain".into(),
            content: Arc::from(&b"paper jam"[..]),
            content_id: None,
            inline: false,
        });
        let mut new = NewTicket::new("Printer offline", support, first);
        new.customer_user = Some(lacey);
        new.owner = Some(AgentId::SYSTEM);
        let ticket = desk.create_ticket(sys, new).await.unwrap();
        let article = desk.articles(sys, ticket.id).await.unwrap()[0].clone();
        let mk = |title: &str| {
            let mut n = NewTicket::new(title, support, ArticleInput::note("Some text."));
            n.owner = Some(AgentId::SYSTEM);
            n
        };
        let ticket2 = desk.create_ticket(sys, mk("VPN down")).await.unwrap().id;
        let ticket3 = desk.create_ticket(sys, mk("Mail slow")).await.unwrap().id;
        let link = desk
            .link(
                sys,
                ObjectRef::Ticket(ticket.id),
                ObjectRef::Ticket(ticket3),
                LinkType::Normal,
            )
            .await
            .unwrap()
            .id;
        let draft = desk
            .save_draft(
                Principal::Agent(alice),
                ticket.id,
                DraftInput {
                    form: "note".into(),
                    name: "first".into(),
                    fields: BTreeMap::new(),
                },
            )
            .await
            .unwrap()
            .id;
        let token_secret = "otrs_test_token_of_alice".to_owned();
        let token = desk
            .create_api_token(sys, alice, "tests", &digest(&token_secret), None)
            .await
            .unwrap()
            .id;

        let calendar = desk
            .create_calendar(
                Principal::Agent(admin),
                otrs_core::desk::NewCalendar {
                    name: "Support rota".into(),
                    color: "#3A87AD".into(),
                    group_id: support_group,
                    feed_token: "feed_token_of_the_support_rota_0123456789".into(),
                },
            )
            .await
            .unwrap()
            .id;
        let at = |h| start().naive_utc() + chrono::Duration::hours(h);
        let appointment = desk
            .create_appointment(
                Principal::Agent(alice),
                otrs_core::desk::AppointmentInput {
                    calendar_id: calendar,
                    title: "Printer maintenance".into(),
                    description: String::new(),
                    location: String::new(),
                    all_day: false,
                    start: at(24),
                    end: at(25),
                    time_zone: "UTC".into(),
                    rrule: None,
                    notify_minutes_before: None,
                },
            )
            .await
            .unwrap()
            .id;
        // --- reports
        for (agent, permission) in [(alice, PermissionSet::RO), (admin, PermissionSet::RW)] {
            let mut groups = desk.agent(sys, agent).await.unwrap().groups;
            groups.insert(GroupId::STATS, permission);
            desk.update_agent(
                sys,
                agent,
                otrs_core::desk::AgentUpdate {
                    groups: Some(groups),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        }
        let report = desk
            .create_report(
                sys,
                otrs_core::model::ReportSettings {
                    name: "Daily figures".into(),
                    description: "Keys for the management.".into(),
                    stat_numbers: vec![10009, 10002],
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .id;
        // --- actions
        let text = |kind, name: &str, text: &str| otrs_core::desk::NewStandardText {
            kind,
            name: name.into(),
            text: text.into(),
            queues: vec![support],
        };
        let template = desk
            .create_standard_text(
                sys,
                text(
                    otrs_core::model::TextKind::Template,
                    "Greeting",
                    "Thank you for calling.",
                ),
            )
            .await
            .unwrap()
            .id;
        let signature = desk
            .create_standard_text(
                sys,
                text(
                    otrs_core::model::TextKind::Signature,
                    "Support team",
                    "-- \nYour support team",
                ),
            )
            .await
            .unwrap()
            .id;
        let index = Arc::new(TicketIndex::in_memory().unwrap());
        let smtp = SmtpSink::start().await;
        let mut config = HttpConfig {
            password_hashing: HashCost::TEST,
            smtp: Some(SmtpConfig {
                host: "127.0.0.1".into(),
                port: smtp.port,
                username: None,
                password: None,
                timeout: Duration::from_secs(5),
            }),
            ..HttpConfig::default()
        };
        adjust(&mut config);
        let state = AppState::new(desk.clone(), config, index.clone());
        let app = router(state.clone());
        let world = World {
            state,
            app,
            desk,
            clock,
            index,
            smtp,
            admin,
            alice,
            dave,
            erin,
            lacey,
            mallory,
            ssi,
            support_group,
            support,
            ticket: ticket.id,
            ticket2,
            ticket3,
            article: article.id,
            attachment: article.attachments[0].id,
            link,
            draft,
            token,
            token_secret,
            calendar,
            appointment,
            report,
            template,
            signature,
        };
        world.reindex().await;
        world
    }

    /// Brings the search index up to date with the desk's change feed.
    /// A state of the fixtures by name.
    pub async fn state_named(&self, name: &str) -> otrs_core::model::State {
        self.desk
            .states(Principal::SYSTEM)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no state {name:?}"))
    }

    pub async fn reindex(&self) {
        self.index.catch_up(self.desk.store()).await.unwrap();
    }

    /// A signed-in browser session of `principal`, made directly in the store.
    pub async fn session(&self, principal: Principal) -> Caller {
        let secret = format!("session-{}", otrs_http::crypto::random_hex(8));
        let csrf = otrs_http::crypto::random_hex(8);
        let now = self.desk.now();
        self.desk
            .create_session(&SessionRecord {
                key_digest: digest(&secret),
                principal,
                csrf_token: csrf.clone(),
                awaiting_second_factor: false,
                created_at: now,
                last_seen_at: now,
                remote_addr: "127.0.0.1".into(),
            })
            .await
            .unwrap();
        Caller {
            cookie: Some(format!("otrs_session={secret}")),
            csrf: Some(csrf),
            bearer: None,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Resp {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub fn request(
        method: Method,
        path: &str,
        caller: &Caller,
        body: Option<&Value>,
    ) -> Request<Body> {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(cookie) = &caller.cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        if let Some(csrf) = &caller.csrf {
            builder = builder.header("x-csrf-token", csrf);
        }
        if let Some(bearer) = &caller.bearer {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {bearer}"));
        }
        match body {
            Some(body) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(serde_json::to_vec(body).unwrap()))
                .unwrap(),
            None => builder.body(Body::empty()).unwrap(),
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        caller: &Caller,
        body: Option<Value>,
    ) -> Resp {
        self.send(World::request(method, path, caller, body.as_ref()))
            .await
    }

    pub async fn get(&self, path: &str, caller: &Caller) -> Resp {
        self.call(Method::GET, path, caller, None).await
    }

    /// Something that changes whenever the desk changes: change-feed length, ticket versions,
    /// tokens and sessions of the fixtures.
    pub async fn fingerprint(&self) -> String {
        let sys = Principal::SYSTEM;
        let changes = self
            .desk
            .changes_since(sys, 0, 100_000)
            .await
            .unwrap()
            .len();
        let tickets = self
            .desk
            .list_tickets(
                sys,
                Default::default(),
                Default::default(),
                otrs_core::store::PageRequest::first(1000),
            )
            .await
            .unwrap();
        let versions: Vec<(u64, u64)> = tickets
            .tickets
            .iter()
            .map(|t| (t.id.0, t.version))
            .collect();
        let mut tokens = Vec::new();
        for agent in [self.admin, self.alice, self.dave, self.erin] {
            for t in self.desk.api_tokens(sys, agent).await.unwrap() {
                tokens.push((t.id.0, t.revoked_at.is_some()));
            }
        }
        let drafts = self.desk.drafts(sys, self.ticket).await.unwrap().len();
        let watchers = self.desk.watchers(sys, self.ticket).await.unwrap().len();
        // --- reports
        let reports: Vec<(u64, u64)> = self
            .desk
            .reports(sys)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.id.0, r.version))
            .collect();
        // --- statsui: the statistics' numbers and versions.
        let stats: Vec<(u32, u64)> = self
            .desk
            .stats(sys)
            .await
            .unwrap()
            .iter()
            .map(|s| (s.number, s.version))
            .collect();
        format!(
            "{changes} {versions:?} {tokens:?} drafts={drafts} watchers={watchers} reports={reports:?} stats={stats:?}"
        )
    }
}
