use anyhow::Context;
use clap::{Parser, Subcommand};

use byline::config::{Config, DemoContent};
use byline::{accounts, seed, startup, telemetry};

/// byline: a headless news content API.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
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
        /// admin, editor, author or contributor.
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
fn cli_error(error: byline::error::ApiError) -> anyhow::Error {
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

/// How many malloc arenas glibc may keep unless `MALLOC_ARENA_MAX` says.
const MALLOC_ARENAS: i32 = 2;

/// glibc gives threads that allocate at once arenas of their own, up to
/// eight per core, and an arena keeps its freed memory. Under response-cache
/// churn that held about 20 MiB beyond what byline used; two arenas cut the
/// bench's peak RSS from 78 to 56 MiB at no measurable cost in throughput.
/// `MALLOC_ARENA_MAX` still decides when it is set, in the environment or in
/// `.env` (which glibc itself never reads).
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let arenas = std::env::var("MALLOC_ARENA_MAX")
            .ok()
            .and_then(|v| v.trim().parse::<i32>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(MALLOC_ARENAS);
        // SAFETY: mallopt only sets an allocator tunable, and this runs
        // first in main, before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
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

fn main() -> anyhow::Result<()> {
    let _ = dotenvy::dotenv();
    limit_malloc_arenas();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        let spec = startup::api_spec();
        println!("{}", spec.to_pretty_json().context("serializing the spec")?);
        return Ok(());
    }
    telemetry::init();
    let mut config = Config::from_env()?;
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
    tracing::info!(
        database = %config.database_url,
        environment = ?config.environment,
        "starting byline {}",
        env!("CARGO_PKG_VERSION")
    );
    let pool = startup::prepare_database(&config)?;
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
        }) => {
            let password = read_password()?;
            let mut conn = pool.get()?;
            let created = accounts::create_user(
                &mut conn,
                &email,
                &name,
                &role,
                &password,
                author.as_deref(),
            )
            .map_err(cli_error)?;
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
        Command::Integration(IntegrationCommand::Add {
            name,
            role,
            author,
            json,
        }) => {
            let mut conn = pool.get()?;
            let created = accounts::create_integration(&mut conn, &name, &role, author.as_deref())
                .map_err(cli_error)?;
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
        Command::SeedBench { articles, seed } => {
            let mut conn = pool.get()?;
            let started = std::time::Instant::now();
            let written = seed::bench::seed_bench(&mut conn, articles, seed, true)?;
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
        Command::SeedDemo => {
            let mut conn = pool.get()?;
            let stories = seed::load_demo(&mut conn)?;
            tracing::info!(stories, "loaded the demo content");
            Ok(())
        }
        Command::Serve | Command::Openapi => {
            if config.demo_content == DemoContent::Auto {
                let mut conn = pool.get()?;
                if seed::is_empty(&mut conn)? {
                    let stories = seed::load_demo(&mut conn)?;
                    tracing::info!(stories, "the database was empty: loaded the demo content");
                }
            }
            serve(config, pool)
        }
    }
}

#[actix_web::main]
async fn serve(config: Config, pool: byline::db::Pool) -> anyhow::Result<()> {
    let app = byline::Application::build(config.clone(), pool)?;
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
