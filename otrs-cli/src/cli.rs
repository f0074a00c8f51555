//! The command-line grammar (clap derive). Parsing only; `commands/` does the work.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// otrs: the help desk's server and admin tool.
#[derive(Debug, Parser)]
#[command(
    name = "otrs",
    version,
    about = "The help desk's server and admin tool.",
    after_help = "Exit codes: 0 success, 1 runtime error (including \"no such ticket\"), 2 usage error.\n\
                  Data goes to standard output, diagnostics to standard error; --json prints the API's JSON shapes.\n\
                  Sort keys that start with '-' need an equals sign: --sort=-changed.",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// Data directory: the SQLite database, the search index and otrs.toml live here.
    #[arg(
        long,
        global = true,
        env = "OTRS_DATA_DIR",
        default_value = "otrs-data",
        value_name = "DIR"
    )]
    pub data_dir: PathBuf,
    /// Database URL (sqlite:PATH or postgres://…); overrides the configuration file.
    #[arg(
        long,
        global = true,
        env = "OTRS_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Configuration file (default: otrs.toml in the data directory).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// Act as this agent (history records who); default: the system user.
    #[arg(long = "as", global = true, value_name = "LOGIN")]
    pub act_as: Option<String>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web server (agent UI, customer UI and JSON API).
    Serve(ServeArgs),
    /// Create or upgrade the database schema.
    Migrate,
    /// Manage agents.
    #[command(subcommand)]
    Agent(AgentCommand),
    /// Manage permission groups.
    #[command(subcommand)]
    Group(GroupCommand),
    /// Manage queues.
    #[command(subcommand)]
    Queue(QueueCommand),
    /// Manage customer companies.
    #[command(subcommand)]
    Customer(CustomerCommand),
    /// Manage customer users.
    #[command(subcommand, name = "customer-user")]
    CustomerUser(CustomerUserCommand),
    /// Work with tickets.
    #[command(subcommand)]
    Ticket(TicketCommand),
    /// Search tickets with the query language (e.g. `title:printer AND state:open`).
    Search(SearchArgs),
    /// The background scheduler's jobs: the backlog, scheduling and cancelling (admins).
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Maintain the search index.
    #[command(subcommand)]
    Index(IndexCommand),
    /// Write every object of the database as JSON Lines (backup, or moving between databases).
    Export(ExportArgs),
    /// Read an export into an empty database.
    Import(ImportArgs),
    /// Evaluate the query language over files (conformance testing).
    #[command(subcommand)]
    Query(QueryCommand),
    /// Statistics: list, run (table, CSV, Excel, PDF), export and import definitions.
    #[command(subcommand)]
    Stats(StatsCommand),
    /// Manage calendars (name, colour, permission group, public feed token).
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Work with appointments (and expand recurrence test cases).
    #[command(subcommand)]
    Appointment(AppointmentCommand),
    // --- actions
    /// Text templates admins assign to queues (inserted into new articles).
    #[command(subcommand)]
    Template(TextCommand),
    /// Signatures admins assign to queues (appended to e-mail).
    #[command(subcommand)]
    Signature(TextCommand),
    // --- kb
    /// The knowledge base: categories (admins) and articles (FAQ items).
    #[command(subcommand)]
    Kb(KbCommand),
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write man pages for every command into a directory.
    Man {
        /// Output directory.
        #[arg(long, default_value = "man", value_name = "DIR")]
        out: PathBuf,
    },
    // --- reports
    /// Reports: statistics run together as one PDF, mailed on a schedule (list, show, create,
    /// delete, run).
    #[command(subcommand)]
    Report(ReportCommand),
}

/// `otrs serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default from the configuration: 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Load demo data (queues, agents, customers, tickets) into an empty database.
    #[arg(long)]
    pub demo: bool,
}

/// How a password reaches the command: never through argv.
#[derive(Debug, Args, Clone, Default)]
pub struct PasswordInput {
    /// Read the password from the first line of standard input instead of a prompt.
    #[arg(long)]
    pub password_stdin: bool,
}

/// `otrs agent …`.
#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Add an agent (asks for a password unless --no-password).
    Add {
        /// Sign-in name.
        login: String,
        /// First name.
        #[arg(long)]
        first_name: String,
        /// Last name.
        #[arg(long)]
        last_name: String,
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// Group permission, as GROUP=PERM[,PERM…] (e.g. users=rw or stats=ro); repeatable.
        #[arg(long = "group", value_name = "GROUP=PERMS")]
        groups: Vec<String>,
        /// Give rw on the admin group.
        #[arg(long)]
        admin: bool,
        /// Create the agent without a password (cannot sign in until one is set).
        #[arg(long)]
        no_password: bool,
        #[command(flatten)]
        password: PasswordInput,
    },
    /// List agents.
    List,
    /// Show one agent.
    Show {
        /// Sign-in name.
        login: String,
    },
    /// Set an agent's password; it must be changed at the next sign-in unless --permanent.
    SetPassword {
        /// Sign-in name.
        login: String,
        /// Do not require a change at the next sign-in.
        #[arg(long)]
        permanent: bool,
        #[command(flatten)]
        password: PasswordInput,
    },
    /// Remove an agent's two-factor secret.
    #[command(name = "reset-2fa")]
    Reset2fa {
        /// Sign-in name.
        login: String,
    },
    /// Clear a lockout after too many failed sign-ins.
    Unlock {
        /// Sign-in name.
        login: String,
    },
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

/// `otrs agent token …`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print it (it is shown only once).
    Create {
        /// The agent.
        login: String,
        /// A label for the token.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Expire after this many days.
        #[arg(long, value_name = "DAYS")]
        expires_in_days: Option<u32>,
    },
    /// List an agent's tokens.
    List {
        /// The agent.
        login: String,
    },
    /// Revoke a token at once.
    Revoke {
        /// Token id (from `token list`).
        id: u64,
    },
}

/// `otrs group …`.
#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Add a group.
    Add {
        /// Name.
        name: String,
        /// Comment.
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// List groups.
    List,
    /// Give an agent permissions on a group (replacing the agent's permissions there).
    Grant {
        /// Group name.
        group: String,
        /// Agent login.
        agent: String,
        /// Permissions, comma-separated: ro, move_into, create, note, owner, priority, rw; "none" removes.
        permissions: String,
    },
}

/// Validity as typed on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidityArg {
    /// In use.
    Valid,
    /// Switched off.
    Invalid,
    /// Switched off for now.
    InvalidTemporarily,
}

/// `otrs queue …`.
#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Add a queue.
    Add {
        /// Name (sub-queues as Parent::Child).
        name: String,
        /// Group that guards the queue.
        #[arg(long)]
        group: String,
        /// Comment.
        #[arg(long, default_value = "")]
        comment: String,
        /// Unlock timeout in minutes.
        #[arg(long, default_value_t = 0)]
        unlock_timeout: u32,
    },
    /// List queues.
    List,
    /// Show one queue.
    Show {
        /// Name.
        name: String,
    },
    /// Change a queue.
    Update {
        /// Name.
        name: String,
        /// New name.
        #[arg(long)]
        rename: Option<String>,
        /// New group.
        #[arg(long)]
        group: Option<String>,
        /// New comment.
        #[arg(long)]
        comment: Option<String>,
        /// Validity.
        #[arg(long, value_enum)]
        validity: Option<ValidityArg>,
    },
}

/// `otrs customer …`.
#[derive(Debug, Subcommand)]
pub enum CustomerCommand {
    /// Add a customer company.
    Add {
        /// The CustomerID.
        customer_id: String,
        /// Company name.
        #[arg(long)]
        name: String,
        /// Street.
        #[arg(long, default_value = "")]
        street: String,
        /// Postal code.
        #[arg(long, default_value = "")]
        zip: String,
        /// City.
        #[arg(long, default_value = "")]
        city: String,
        /// Country.
        #[arg(long, default_value = "")]
        country: String,
        /// Web site.
        #[arg(long, default_value = "")]
        url: String,
        /// Comment.
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// List customer companies.
    List {
        /// Only those whose CustomerID or name contains this (`*` is a wildcard).
        #[arg(long)]
        search: Option<String>,
        /// Page (1-based).
        #[arg(long, default_value_t = 1)]
        page: u32,
        /// Rows per page (at most 100).
        #[arg(long, default_value_t = 25)]
        per_page: u32,
    },
    /// Show one customer company.
    Show {
        /// The CustomerID.
        customer_id: String,
    },
    /// Change a customer company.
    Update {
        /// The CustomerID.
        customer_id: String,
        /// Name.
        #[arg(long)]
        name: Option<String>,
        /// City.
        #[arg(long)]
        city: Option<String>,
        /// Country.
        #[arg(long)]
        country: Option<String>,
        /// Validity.
        #[arg(long, value_enum)]
        validity: Option<ValidityArg>,
    },
}

/// `otrs customer-user …`.
#[derive(Debug, Subcommand)]
pub enum CustomerUserCommand {
    /// Add a customer user (asks for a password unless --no-password).
    Add {
        /// Sign-in name.
        login: String,
        /// First name.
        #[arg(long)]
        first_name: String,
        /// Last name.
        #[arg(long)]
        last_name: String,
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// The company's CustomerID.
        #[arg(long)]
        customer: String,
        /// Create without a password.
        #[arg(long)]
        no_password: bool,
        #[command(flatten)]
        password: PasswordInput,
    },
    /// List customer users.
    List {
        /// Only those of this CustomerID.
        #[arg(long)]
        customer: Option<String>,
        /// Only those whose login, name or e-mail contains this.
        #[arg(long)]
        search: Option<String>,
        /// Page (1-based).
        #[arg(long, default_value_t = 1)]
        page: u32,
        /// Rows per page (at most 100).
        #[arg(long, default_value_t = 25)]
        per_page: u32,
    },
    /// Show one customer user.
    Show {
        /// Sign-in name.
        login: String,
    },
    /// Change a customer user.
    Update {
        /// Sign-in name.
        login: String,
        /// E-mail.
        #[arg(long)]
        email: Option<String>,
        /// Validity.
        #[arg(long, value_enum)]
        validity: Option<ValidityArg>,
    },
    /// Set a customer user's password.
    SetPassword {
        /// Sign-in name.
        login: String,
        #[command(flatten)]
        password: PasswordInput,
    },
}

/// The kind of a new ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TicketKindArg {
    /// A phone call from the customer.
    Phone,
    /// An e-mail to the customer.
    Email,
    /// An internal note.
    Note,
}

/// Link types on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LinkTypeArg {
    /// Undirected.
    Normal,
    /// The first ticket is the parent.
    ParentChild,
}

/// `otrs ticket …`.
#[derive(Debug, Subcommand)]
pub enum TicketCommand {
    /// Create a ticket with its first article.
    Create {
        /// Title.
        #[arg(long)]
        title: String,
        /// Queue name.
        #[arg(long)]
        queue: String,
        /// Body of the first article ("-" reads standard input).
        #[arg(long)]
        body: String,
        /// Subject of the first article (default: the title).
        #[arg(long)]
        subject: Option<String>,
        /// Kind of ticket.
        #[arg(long, value_enum, default_value = "phone")]
        kind: TicketKindArg,
        /// Customer user login.
        #[arg(long)]
        customer_user: Option<String>,
        /// Priority (1–5 or a name like "high").
        #[arg(long)]
        priority: Option<String>,
        /// State name.
        #[arg(long)]
        state: Option<String>,
        /// Pending time (RFC 3339), for pending states.
        #[arg(long)]
        pending_until: Option<String>,
        /// Owner login.
        #[arg(long)]
        owner: Option<String>,
        /// Attach a file; repeatable.
        #[arg(long = "attach", value_name = "FILE")]
        attachments: Vec<PathBuf>,
    },
    /// Show a ticket (by number or id).
    Show {
        /// Ticket number or id.
        ticket: String,
        /// Also print the articles.
        #[arg(long)]
        articles: bool,
    },
    /// List tickets.
    List(TicketListArgs),
    /// Change ticket properties.
    Update {
        /// Ticket number or id.
        ticket: String,
        /// New title.
        #[arg(long)]
        title: Option<String>,
        /// New queue.
        #[arg(long)]
        queue: Option<String>,
        /// New state.
        #[arg(long)]
        state: Option<String>,
        /// New priority.
        #[arg(long)]
        priority: Option<String>,
        /// New owner login.
        #[arg(long)]
        owner: Option<String>,
        /// New responsible login.
        #[arg(long)]
        responsible: Option<String>,
        /// New pending time (RFC 3339).
        #[arg(long)]
        pending_until: Option<String>,
        /// New customer user login.
        #[arg(long)]
        customer_user: Option<String>,
    },
    /// Lock a ticket to the acting agent (--as).
    Lock {
        /// Ticket number or id.
        ticket: String,
    },
    /// Unlock a ticket.
    Unlock {
        /// Ticket number or id.
        ticket: String,
    },
    /// Merge a ticket into another (irreversible).
    Merge {
        /// The ticket to merge away.
        ticket: String,
        /// The ticket that receives everything.
        #[arg(long)]
        into: String,
    },
    /// Link two tickets.
    Link {
        /// First ticket (the parent for parent-child).
        ticket: String,
        /// Second ticket.
        other: String,
        /// Link type.
        #[arg(long = "type", value_enum, default_value = "normal")]
        link_type: LinkTypeArg,
    },
    /// Add a note, optionally changing the ticket's state with it in one step.
    Note {
        /// Ticket number or id.
        ticket: String,
        /// Body ("-" reads standard input).
        #[arg(long)]
        body: String,
        /// Subject.
        #[arg(long)]
        subject: Option<String>,
        /// Make it visible to the customer.
        #[arg(long)]
        visible: bool,
        /// Time to account (e.g. 15 or 1,5).
        #[arg(long)]
        time_units: Option<String>,
        /// State name the ticket moves to with the note.
        #[arg(long, value_name = "NAME")]
        next_state: Option<String>,
        /// Pending time (RFC 3339), needed with a pending next state.
        #[arg(long, value_name = "TIME")]
        pending_until: Option<String>,
    },
    /// Show the history of a ticket.
    History {
        /// Ticket number or id.
        ticket: String,
    },
}

/// `otrs ticket list`.
#[derive(Debug, Args)]
pub struct TicketListArgs {
    /// Only this queue (repeatable).
    #[arg(long)]
    pub queue: Vec<String>,
    /// Only this state (repeatable).
    #[arg(long)]
    pub state: Vec<String>,
    /// Only this state type: new, open, closed, pending reminder, pending auto, removed, merged (repeatable).
    #[arg(long)]
    pub state_type: Vec<String>,
    /// Only tickets owned by this agent.
    #[arg(long)]
    pub owner: Option<String>,
    /// Only tickets of this CustomerID.
    #[arg(long)]
    pub customer: Option<String>,
    /// Filter with the query language.
    #[arg(long, short = 'q')]
    pub query: Option<String>,
    /// Sort key, `-` for descending: changed, created, number, title, priority, pending_until, …
    #[arg(long, default_value = "-changed")]
    pub sort: String,
    /// Page (1-based).
    #[arg(long, default_value_t = 1)]
    pub page: u32,
    /// Rows per page (at most 100).
    #[arg(long, default_value_t = 25)]
    pub per_page: u32,
}

/// `otrs search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The query (Elasticsearch query-string syntax).
    pub query: String,
    /// Most hits to show.
    #[arg(long, default_value_t = 25)]
    pub limit: u32,
}

/// `otrs index …`.
#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Rebuild the search index from the database.
    Rebuild,
}

/// `otrs export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output file ("-" or absent: standard output).
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

/// `otrs import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export file ("-" for standard input).
    pub input: PathBuf,
}

/// Which evaluator answers `otrs query eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// The one-document reference evaluator.
    Reference,
    /// The Tantivy index evaluator.
    Index,
}

/// `otrs query …`.
#[derive(Debug, Subcommand)]
pub enum QueryCommand {
    /// Answer a queries file over a documents file; one JSON line per query.
    Eval {
        /// Documents (JSON Lines).
        #[arg(long)]
        docs: PathBuf,
        /// Queries (JSON Lines with "id" and "q").
        #[arg(long)]
        queries: PathBuf,
        /// Evaluator.
        #[arg(long, value_enum, default_value = "index")]
        engine: Engine,
    },
}

/// `otrs calendar …`.
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// List the calendars you may see.
    List,
    /// Create a calendar (admins); prints its feed URL.
    Create {
        /// Unique name.
        name: String,
        /// Colour as #RRGGBB.
        #[arg(long, default_value = "#3A87AD")]
        color: String,
        /// Permission group (name): ro to see, rw to change its appointments.
        #[arg(long, default_value = "users")]
        group: String,
    },
    /// Change a calendar (admins).
    Update {
        /// Calendar id.
        id: u64,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// New colour.
        #[arg(long)]
        color: Option<String>,
        /// New permission group (name).
        #[arg(long)]
        group: Option<String>,
        /// valid or invalid.
        #[arg(long)]
        validity: Option<String>,
    },
    /// Delete an empty calendar (admins).
    Delete {
        /// Calendar id.
        id: u64,
    },
    /// Replace the feed token: the old public URL stops working.
    RotateToken {
        /// Calendar id.
        id: u64,
    },
}

/// `otrs appointment …`.
#[derive(Debug, Subcommand)]
pub enum AppointmentCommand {
    /// List the occurrences in a window (RFC 3339 instants), sorted by start.
    List {
        /// From (inclusive), e.g. 2026-03-01T00:00:00Z.
        #[arg(long)]
        from: chrono::DateTime<chrono::Utc>,
        /// To (exclusive; at most 400 days after --from).
        #[arg(long)]
        to: chrono::DateTime<chrono::Utc>,
        /// Only this calendar (id).
        #[arg(long)]
        calendar: Option<u64>,
    },
    /// Create an appointment.
    Create {
        /// Calendar id.
        #[arg(long)]
        calendar: u64,
        /// Title.
        #[arg(long)]
        title: String,
        /// Start, local time in --time-zone (YYYY-MM-DDTHH:MM, or a date with --all-day).
        #[arg(long)]
        start: String,
        /// End, local (with --all-day: the last day).
        #[arg(long)]
        end: String,
        /// IANA time zone.
        #[arg(long, default_value = "UTC")]
        time_zone: String,
        /// All day.
        #[arg(long)]
        all_day: bool,
        /// Repeat rule (RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO;COUNT=10).
        #[arg(long)]
        rrule: Option<String>,
        /// Location.
        #[arg(long, default_value = "")]
        location: String,
        /// Description.
        #[arg(long, default_value = "")]
        description: String,
        /// Remind this many minutes before each start.
        #[arg(long)]
        notify_minutes_before: Option<u32>,
    },
    /// Delete an appointment (a series with its exceptions), or with --occurrence just one
    /// occurrence of a series.
    Delete {
        /// Appointment id.
        id: u64,
        /// The occurrence's start instant (RFC 3339), e.g. 2026-03-19T08:00:00Z.
        #[arg(long)]
        occurrence: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Expand recurrence cases (JSON Lines in the format of the recurrence conformance corpus):
    /// one JSON line per case with its occurrences in the case's window, or its error.
    /// Needs no database.
    Expand {
        /// The cases file (JSON Lines; "-" for standard input).
        #[arg(long, value_name = "FILE")]
        cases: PathBuf,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_grammar_is_consistent() {
        Cli::command().debug_assert();
    }
}

// --- statistics ---------------------------------------------------------------------------------

/// Output formats of `otrs stats run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    /// A table on standard output (or the API's JSON with --json).
    Table,
    /// CSV (UTF-8 with a byte-order mark) to --output or standard output.
    Csv,
    /// An Excel workbook; needs --output.
    Xlsx,
    /// A PDF with an embedded Unicode font; needs --output.
    Pdf,
}

/// `otrs stats …`.
#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// List the statistics you may run.
    List,
    /// Show one statistic's settings.
    Show {
        /// Stat# (e.g. 10009).
        number: u32,
    },
    /// Run a statistic.
    Run {
        /// Stat# (e.g. 10009).
        number: u32,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: StatsFormat,
        /// Write the result to this file.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Change an element that allows changes before running, as ELEMENT=VALUES
        /// (repeatable): e.g. --set queue=Raw,Junk --set created=last:3:month@week.
        /// See docs/cli.md for the value syntax.
        #[arg(long = "set", value_name = "ELEMENT=VALUES")]
        set: Vec<String>,
        /// The month of a monthly static statistic (YYYY-MM; default: this month).
        #[arg(long, value_name = "YYYY-MM")]
        month: Option<String>,
    },
    /// Export a statistic's definition as XML.
    Export {
        /// Stat#.
        number: u32,
        /// Write the XML to this file (default: standard output).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Create a statistic from an exported XML file (stats admins).
    Import {
        /// The XML file.
        file: PathBuf,
    },
}

/// `otrs jobs …`.
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List jobs by due time; by default the backlog (pending and running).
    List {
        /// States, comma-separated (pending, running, done, failed, cancelled), or `all`.
        #[arg(long, default_value = "pending,running", value_name = "STATES")]
        state: String,
        /// Only jobs of this kind.
        #[arg(long)]
        kind: Option<String>,
        /// Only jobs with this unique key.
        #[arg(long)]
        key: Option<String>,
        /// Most rows to show.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Schedule a job of a registered kind (`notify.agent`, `mail.send`, …).
    Schedule {
        /// The kind.
        kind: String,
        /// The handler's input as JSON.
        #[arg(long, default_value = "{}", value_name = "JSON")]
        payload: String,
        /// When it is due (RFC 3339, e.g. 2026-12-01T08:00:00+01:00); default now.
        #[arg(long, value_name = "TIME")]
        at: Option<chrono::DateTime<chrono::FixedOffset>>,
        /// Runs allowed before it fails (1–100).
        #[arg(long, default_value_t = 5)]
        max_attempts: u32,
        /// A unique key: scheduling it again replaces the pending job.
        #[arg(long)]
        key: Option<String>,
    },
    /// Cancel a pending or running job, or every one with a unique key.
    Cancel {
        /// Job id (from `jobs list`).
        #[arg(required_unless_present = "key", conflicts_with = "key")]
        id: Option<u64>,
        /// Cancel every pending or running job with this key instead.
        #[arg(long)]
        key: Option<String>,
    },
}

// --- reports ------------------------------------------------------------------------------------

/// Output formats of `otrs report run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// The PDF (with an embedded Unicode font); needs --output.
    Pdf,
    /// Every statistic's table as JSON on standard output.
    Json,
}

/// `otrs report …`.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// List the reports (agents in the stats group).
    List,
    /// Show one report's settings.
    Show {
        /// Report id (from `report list`).
        id: u64,
    },
    /// Create a report (stats admins). Settings come from --file (JSON, as the API's body)
    /// and the options, which win over the file.
    Create(Box<ReportCreateArgs>),
    /// Delete a report and its scheduled runs (stats admins).
    Delete {
        /// Report id.
        id: u64,
    },
    /// Run a report now (nothing is mailed).
    Run {
        /// Report id.
        id: u64,
        /// Output format.
        #[arg(long, value_enum, default_value = "pdf")]
        format: ReportFormat,
        /// Write the PDF to this file.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// `otrs report create`.
#[derive(Debug, Args)]
pub struct ReportCreateArgs {
    /// A JSON file with the settings (`name`, `description`, `schedule`, `recipients`,
    /// `stat_numbers`, `preamble`, …).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Name.
    #[arg(long)]
    pub name: Option<String>,
    /// Description.
    #[arg(long)]
    pub description: Option<String>,
    /// A statistic (Stat#); repeat for several, in order.
    #[arg(long = "stat", value_name = "NUMBER")]
    pub stats: Vec<u32>,
    /// `none`, `daily HH:MM`, `weekly DAY HH:MM`, `monthly N HH:MM` or `cron EXPRESSION`.
    #[arg(long)]
    pub schedule: Option<String>,
    /// IANA time zone of the schedule (default: the desk's).
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
    /// An e-mail recipient; repeat for several.
    #[arg(long = "recipient", value_name = "ADDRESS")]
    pub recipients: Vec<String>,
    /// E-mail subject.
    #[arg(long)]
    pub subject: Option<String>,
    /// E-mail body.
    #[arg(long)]
    pub body: Option<String>,
    /// Title of the PDF.
    #[arg(long)]
    pub title: Option<String>,
    /// Headline of the PDF.
    #[arg(long)]
    pub headline: Option<String>,
    /// `valid`, `invalid` or `invalid-temporarily`.
    #[arg(long)]
    pub validity: Option<String>,
}

// --- actions
/// `otrs template …` and `otrs signature …`.
#[derive(Debug, Subcommand)]
pub enum TextCommand {
    /// List the valid ones (all, or those of one queue).
    List {
        /// Only those of this queue (name or id).
        #[arg(long)]
        queue: Option<String>,
        /// Invalid ones too (admins).
        #[arg(long)]
        all: bool,
    },
    /// Create one (admins).
    Create {
        /// Unique name.
        name: String,
        /// The text.
        #[arg(long)]
        text: Option<String>,
        /// Read the text from a file.
        #[arg(long)]
        file: Option<std::path::PathBuf>,
        /// A queue it is offered in (name or id; repeat for more).
        #[arg(long)]
        queue: Vec<String>,
    },
    /// Change one (admins): what is not given stays.
    Update {
        /// Id.
        id: u64,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// New text.
        #[arg(long)]
        text: Option<String>,
        /// Read the new text from a file.
        #[arg(long)]
        file: Option<std::path::PathBuf>,
        /// `text/plain` or `text/html`.
        #[arg(long)]
        content_type: Option<String>,
        /// `valid`, `invalid` or `invalid-temporarily`.
        #[arg(long)]
        validity: Option<String>,
        /// The queues it is offered in, replacing the old ones (name or id; repeat for more).
        #[arg(long)]
        queue: Vec<String>,
        /// Offer it in no queue.
        #[arg(long, conflicts_with = "queue")]
        no_queues: bool,
    },
    /// Delete one (admins).
    Delete {
        /// Id.
        id: u64,
    },
}

// --- kb ------------------------------------------------------------------------------------------

/// `otrs kb …`.
#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Categories: a tree guarded by groups (admins change it).
    #[command(subcommand)]
    Category(KbCategoryCommand),
    /// Articles (FAQ items): search, show, write, approve, attach files, link.
    #[command(subcommand)]
    Article(KbArticleCommand),
}

/// `otrs kb category …`.
#[derive(Debug, Subcommand)]
pub enum KbCategoryCommand {
    /// List the categories you may see, as a tree, with their article counts.
    List,
    /// Create a category (admins).
    Create {
        /// Name (unique among its siblings).
        name: String,
        /// A group whose members use it (name or id; repeat for more; at least one).
        #[arg(long = "group", value_name = "GROUP", required = true)]
        groups: Vec<String>,
        /// The parent category (id); a top-level category without it.
        #[arg(long, value_name = "ID")]
        parent: Option<u64>,
        /// Comment.
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Change a category (admins): what is not given stays.
    Update {
        /// Category id.
        id: u64,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// New parent category (id).
        #[arg(long, value_name = "ID", conflicts_with = "top")]
        parent: Option<u64>,
        /// Move it to the top of the tree.
        #[arg(long)]
        top: bool,
        /// New comment.
        #[arg(long)]
        comment: Option<String>,
        /// The groups, replacing the old ones (name or id; repeat for more).
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        /// Validity.
        #[arg(long, value_enum)]
        validity: Option<ValidityArg>,
    },
    /// Delete an empty category (admins).
    Delete {
        /// Category id.
        id: u64,
    },
}

/// Who may read an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KbStateArg {
    /// Agents only.
    Internal,
    /// Agents and signed-in customer users.
    External,
    /// Everyone, also visitors who are not signed in.
    Public,
}

/// How an article's text fields are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KbContentTypeArg {
    /// HTML.
    Html,
    /// Plain text.
    Plain,
}

/// Sort keys of `otrs kb article list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KbSortArg {
    /// Article number.
    Number,
    /// Title.
    Title,
    /// Category path.
    Category,
    /// Language.
    Language,
    /// State.
    State,
    /// Validity.
    Validity,
    /// Creation time.
    Created,
    /// Last change.
    Changed,
}

/// The fields of an article, for `create` and `update`.
#[derive(Debug, Args, Clone, Default)]
pub struct KbArticleFields {
    /// Keywords, separated by spaces, commas or semicolons.
    #[arg(long)]
    pub keywords: Option<String>,
    /// Language code (one of the configured `kb.languages`).
    #[arg(long)]
    pub language: Option<String>,
    /// Who may read it.
    #[arg(long, value_enum)]
    pub state: Option<KbStateArg>,
    /// Validity.
    #[arg(long, value_enum)]
    pub validity: Option<ValidityArg>,
    /// How the text fields are written.
    #[arg(long, value_enum)]
    pub content_type: Option<KbContentTypeArg>,
    /// Symptom ("-" reads standard input).
    #[arg(long)]
    pub symptom: Option<String>,
    /// Problem ("-" reads standard input).
    #[arg(long)]
    pub problem: Option<String>,
    /// Solution ("-" reads standard input).
    #[arg(long)]
    pub solution: Option<String>,
    /// Internal comment, for agents only ("-" reads standard input).
    #[arg(long)]
    pub comment: Option<String>,
}

/// `otrs kb article …`. ARTICLE is an article number (`FAQ#`, e.g. 10001 or FAQ#10001) or,
/// when it is not one of this system's numbers, an id.
#[derive(Debug, Subcommand)]
pub enum KbArticleCommand {
    /// Search the articles you may read.
    List {
        /// Words that must all occur in the number, title, keywords or a text field.
        #[arg(long, short = 't')]
        text: Option<String>,
        /// Only this category (id) and, unless --no-subcategories, those below it.
        #[arg(long, value_name = "ID")]
        category: Option<u64>,
        /// With --category: not the categories below it.
        #[arg(long, requires = "category")]
        no_subcategories: bool,
        /// Only this state (repeatable).
        #[arg(long, value_enum)]
        state: Vec<KbStateArg>,
        /// Only this language code.
        #[arg(long)]
        language: Option<String>,
        /// Only this validity.
        #[arg(long, value_enum)]
        validity: Option<ValidityArg>,
        /// Sort key.
        #[arg(long, value_enum, default_value = "changed")]
        sort: KbSortArg,
        /// Ascending instead of descending order.
        #[arg(long)]
        asc: bool,
        /// Matches to skip.
        #[arg(long, default_value_t = 0)]
        offset: u64,
        /// Most rows (1–500).
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Show an article with its files, rating and links.
    Show {
        /// Article number or id.
        article: String,
        /// Also print its history.
        #[arg(long)]
        history: bool,
    },
    /// Write an article (agents with rw on one of the category's groups; --as LOGIN).
    Create {
        /// Category id.
        #[arg(long, value_name = "ID")]
        category: u64,
        /// Title.
        #[arg(long)]
        title: String,
        #[command(flatten)]
        fields: KbArticleFields,
        /// Attach a file; repeatable.
        #[arg(long = "attach", value_name = "FILE")]
        attachments: Vec<PathBuf>,
    },
    /// Change an article: what is not given stays.
    Update {
        /// Article number or id.
        article: String,
        /// Move it to this category (id).
        #[arg(long, value_name = "ID")]
        category: Option<u64>,
        /// New title.
        #[arg(long)]
        title: Option<String>,
        #[command(flatten)]
        fields: KbArticleFields,
    },
    /// Delete an article with its files, votes, history and links.
    Delete {
        /// Article number or id.
        article: String,
    },
    /// Approve an article for customer users and visitors (needs rw on the users group).
    Approve {
        /// Article number or id.
        article: String,
        /// Withdraw the approval instead.
        #[arg(long)]
        withdraw: bool,
    },
    /// Attach files to an article, or remove one with --remove.
    Attach {
        /// Article number or id.
        article: String,
        /// Files to attach.
        #[arg(value_name = "FILE", required_unless_present = "remove")]
        files: Vec<PathBuf>,
        /// Remove the file with this id instead (see `kb article show`).
        #[arg(long, value_name = "ATTACHMENT_ID", conflicts_with = "files")]
        remove: Option<u64>,
    },
    /// Link an article to a ticket or another article.
    Link {
        /// Article number or id (the parent for parent-child).
        article: String,
        /// The ticket (number or id).
        #[arg(
            long,
            required_unless_present = "to_article",
            conflicts_with = "to_article"
        )]
        ticket: Option<String>,
        /// The other article (number or id).
        #[arg(long = "article", value_name = "ARTICLE")]
        to_article: Option<String>,
        /// Link type.
        #[arg(long = "type", value_enum, default_value = "normal")]
        link_type: LinkTypeArg,
    },
    /// Remove the link between an article and a ticket or another article.
    Unlink {
        /// Article number or id.
        article: String,
        /// The ticket (number or id).
        #[arg(
            long,
            required_unless_present = "to_article",
            conflicts_with = "to_article"
        )]
        ticket: Option<String>,
        /// The other article (number or id).
        #[arg(long = "article", value_name = "ARTICLE")]
        to_article: Option<String>,
    },
}
