use anyhow::Context;
use clap::{Parser, Subcommand};

use byline::config::{Config, DemoContent};
use byline::{seed, startup, telemetry};

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
    /// Print the OpenAPI document as JSON.
    Openapi,
}

fn main() -> anyhow::Result<()> {
    let _ = dotenvy::dotenv();
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
    let pool = startup::prepare_database(&config)?;
    match command {
        Command::Migrate => {
            tracing::info!("the database is up to date");
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
