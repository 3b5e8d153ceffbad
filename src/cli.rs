//! The command line: `byline serve` (the default) and the operator's
//! commands beside it.

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::accounts::{self, NewIntegration, NewUser};
use crate::config::{Config, DemoContent};
use crate::db::Pool;
use crate::validation::FieldErrors;
use crate::{seed, startup, telemetry};

/// byline: a headless news content API.
#[derive(Parser)]
#[command(version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo content into the database.
    SeedDemo,
    /// Fill the database with a deterministic benchmark dataset.
    SeedBench {
        /// How many articles to write.
        #[arg(long)]
        articles: usize,
        /// The random seed: the same seed gives the same dataset.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Print the OpenAPI document as JSON.
    Openapi,
    /// Manage people.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage newsroom tools' credentials.
    #[command(subcommand)]
    Integration(IntegrationCommand),
    /// Print the event log after a cursor, as editors see it.
    Events {
        /// The cursor to read after (0: the start of the log).
        #[arg(long, default_value_t = 0)]
        after: i64,
        /// How many events to print at most.
        #[arg(long, default_value_t = 100)]
        limit: i64,
        /// Print each event as a line of JSON, then the next cursor.
        #[arg(long)]
        json: bool,
    },
    /// Webhook subscriptions.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
}

#[derive(Subcommand)]
enum WebhooksCommand {
    /// List the subscriptions: id, state, URL, types and where each stands
    /// in the log. Secrets are never printed.
    List {
        /// Print each subscription as a line of JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a person; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, editor, author or contributor.
        #[arg(long)]
        role: String,
        /// The author profile (slug) they write as.
        #[arg(long)]
        author: Option<String>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum IntegrationCommand {
    /// Add a newsroom tool; prints its client id and secret, once.
    Add {
        #[arg(long)]
        name: String,
        /// admin, editor, author, contributor, or partner (reads embargoed
        /// stories ahead of the public; writes nothing).
        #[arg(long)]
        role: String,
        /// The author profile (slug) it writes as.
        #[arg(long)]
        author: Option<String>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// An API error as a command-line message, with each failing field.
fn cli_error(error: crate::error::ApiError) -> anyhow::Error {
    let problem = error.problem();
    let mut message = problem.detail;
    for field in problem.errors.unwrap_or_default() {
        message.push_str(&format!("\n  {}: {}", field.field, field.message));
    }
    anyhow::anyhow!(message)
}

/// Reads a password from standard input: its first line, without the newline.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Parses the command line and runs it.
pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        let spec = startup::api_spec();
        println!("{}", spec.to_pretty_json().context("serializing the spec")?);
        return Ok(());
    }
    telemetry::init();
    let config = Config::from_env()?;
    tracing::info!(
        database = %config.database_url,
        environment = ?config.environment,
        "starting byline {}",
        env!("CARGO_PKG_VERSION")
    );
    let pool = startup::prepare_database(&config, None)?;
    match command {
        Command::Migrate => {
            tracing::info!("the database is up to date");
            Ok(())
        }
        Command::User(UserCommand::Add {
            email,
            name,
            role,
            author,
            json,
        }) => add_user(&pool, email, name, &role, author, json),
        Command::Integration(IntegrationCommand::Add {
            name,
            role,
            author,
            json,
        }) => add_integration(&pool, name, &role, author, json),
        Command::SeedBench { articles, seed } => seed_bench(&pool, articles, seed),
        Command::Events { after, limit, json } => print_events(&pool, after, limit, json),
        Command::Webhooks(WebhooksCommand::List { json }) => list_webhooks(&pool, json),
        Command::SeedDemo => {
            let stories = seed::load_demo(&mut *pool.get()?, &config.site)?;
            tracing::info!(stories, "loaded the demo content");
            Ok(())
        }
        Command::Serve | Command::Openapi => serve(config, pool),
    }
}

fn print_events(pool: &Pool, after: i64, limit: i64, json: bool) -> anyhow::Result<()> {
    let query = crate::events::EventQuery {
        after,
        types: None,
        limit: limit.clamp(1, 1000),
        viewer: crate::events::Viewer::Everything,
    };
    let page = crate::events::page(&mut *pool.get()?, &query).map_err(cli_error)?;
    for event in &page.data {
        if json {
            println!("{}", serde_json::to_string(event)?);
        } else {
            println!(
                "{:>8}  {}  {:<20} {} {}",
                event.seq,
                event.occurred_at,
                event.event_type,
                event.resource.kind,
                event.resource.slug
            );
        }
    }
    if json {
        println!("{}", serde_json::json!({"next_cursor": page.next_cursor}));
    } else {
        println!("next cursor: {}", page.next_cursor);
    }
    Ok(())
}

fn list_webhooks(pool: &Pool, json: bool) -> anyhow::Result<()> {
    let subscriptions = crate::webhooks::store::list(&mut *pool.get()?)?;
    for sub in &subscriptions {
        let view = crate::webhooks::api::view(sub);
        if json {
            println!("{}", serde_json::to_string(&view)?);
            continue;
        }
        let state = match (view.active, &view.disabled_at) {
            (true, _) => "active",
            (false, Some(_)) => "disabled",
            (false, None) => "paused",
        };
        let types = if view.event_types.is_empty() {
            "every type".to_string()
        } else {
            view.event_types.join(",")
        };
        println!(
            "{}  {:<8}  {}  [{}]  audience={} cursor={}",
            view.id, state, view.url, types, sub.audience, view.cursor
        );
        if let Some(reason) = &view.disabled_reason {
            println!("    {reason}");
        }
    }
    if !json && subscriptions.is_empty() {
        println!("no webhook subscriptions");
    }
    Ok(())
}

fn add_user(
    pool: &Pool,
    email: String,
    name: String,
    role: &str,
    author: Option<String>,
    json: bool,
) -> anyhow::Result<()> {
    let password = read_password()?;
    let mut e = FieldErrors::default();
    let input = NewUser {
        role: accounts::parse_role(&mut e, role),
        email,
        name,
        password,
        author,
    };
    let created = accounts::create_user(&mut *pool.get()?, &input, e).map_err(cli_error)?;
    if json {
        println!(
            "{}",
            serde_json::json!({"id": created.id, "email": created.email, "role": created.role})
        );
    } else {
        println!(
            "added {} ({}) as {}; id {}",
            created.name, created.email, created.role, created.id
        );
    }
    Ok(())
}

fn add_integration(
    pool: &Pool,
    name: String,
    role: &str,
    author: Option<String>,
    json: bool,
) -> anyhow::Result<()> {
    let mut e = FieldErrors::default();
    let input = NewIntegration {
        role: accounts::parse_role(&mut e, role),
        name,
        author,
    };
    let created = accounts::create_integration(&mut *pool.get()?, &input, e).map_err(cli_error)?;
    if json {
        println!(
            "{}",
            serde_json::json!({"id": created.id, "client_id": created.client_id, "client_secret": created.client_secret})
        );
    } else {
        println!("client_id:     {}", created.client_id);
        println!("client_secret: {}", created.client_secret);
        println!("(the secret is shown only now; keep it safe)");
    }
    Ok(())
}

fn seed_bench(pool: &Pool, articles: usize, seed: u64) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let written = seed::bench::seed_bench(&mut *pool.get()?, articles, seed, true)?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "seeded {written} articles ({} sections, {} tags, {} authors) in {secs:.1} s, {:.0} articles/s",
        seed::bench::SECTIONS,
        seed::bench::TAGS,
        seed::bench::AUTHORS,
        written as f64 / secs.max(0.001)
    );
    Ok(())
}

/// Raises the soft limit on open files to the hard one, and answers the
/// limit: every connection costs a descriptor, and the default soft limit
/// (often 1024) is far below what a server may be asked to hold.
fn raise_open_file_limit() -> Option<u64> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit read and write one rlimit we own.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return None;
            }
            if limit.rlim_cur < limit.rlim_max {
                let raised = libc::rlimit {
                    rlim_cur: limit.rlim_max,
                    rlim_max: limit.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    limit = raised;
                }
            }
        }
        Some(limit.rlim_cur)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        None
    }
}

/// Descriptors kept for the database, logs and the listener, beyond client
/// connections.
const SPARE_FILES: u64 = 256;

#[actix_web::main]
async fn serve(mut config: Config, pool: Pool) -> anyhow::Result<()> {
    if config.demo_content == DemoContent::Auto && seed::is_empty(&mut *pool.get()?)? {
        let stories = seed::load_demo(&mut *pool.get()?, &config.site)?;
        tracing::info!(stories, "the database was empty: loaded the demo content");
    }
    if let Some(files) = raise_open_file_limit() {
        let room = files.saturating_sub(SPARE_FILES).max(1) as usize;
        if config.max_connections > room {
            tracing::warn!(
                files,
                "BYLINE_MAX_CONNECTIONS={} is more than the open-file limit allows; using {room}",
                config.max_connections
            );
            config.max_connections = room;
        }
    }
    let app = crate::Application::build(config.clone(), pool)?;
    let host = config
        .listen
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or("127.0.0.1");
    tracing::info!(
        "listening on http://{host}:{port} (docs at http://{host}:{port}/docs, spec at /openapi.json)",
        port = app.port()
    );
    app.run_until_stopped().await?;
    Ok(())
}
