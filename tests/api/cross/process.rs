//! byline as operators run it: the release of the same binary in a child
//! process, for the tests that kill, stop or restart it.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::Http;

pub const JWT_SECRET: &str = "a-test-secret-for-child-processes-0123456789";

/// A byline server in a child process; killed when dropped.
pub struct Server {
    pub child: Child,
    pub http: Http,
    database_url: String,
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn command(database_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_byline"));
    cmd.env_clear()
        .env("DATABASE_URL", database_url)
        .env("BYLINE_JWT_SECRET", JWT_SECRET)
        .env("BYLINE_DEMO_CONTENT", "never")
        .env("BYLINE_WORKERS", "2")
        .env("BYLINE_AUTH_RATE_PER_ADDRESS", "100000")
        .env("BYLINE_AUTH_RATE_PER_ACCOUNT", "100000")
        .env("RUST_LOG", "warn")
        .current_dir(std::env::temp_dir());
    cmd
}

/// Runs a byline command to completion; answers its standard output.
pub fn run(database_url: &str, args: &[&str]) -> String {
    let out = command(database_url)
        .args(args)
        .output()
        .expect("the byline binary runs");
    assert!(
        out.status.success(),
        "byline {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

impl Server {
    /// Starts `byline serve` on this database and waits until it answers.
    pub async fn start(database_url: &str) -> Server {
        Self::start_with(database_url, &[]).await
    }

    /// Like `start`, with these settings too.
    pub async fn start_with(database_url: &str, settings: &[(&str, &str)]) -> Server {
        let address = format!("127.0.0.1:{}", free_port());
        let child = command(database_url)
            .envs(settings.iter().copied())
            .env("BYLINE_LISTEN", &address)
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("byline serve starts");
        let server = Server {
            child,
            http: Http::new(format!("http://{address}")),
            database_url: database_url.to_string(),
        };
        server.wait_until_up().await;
        server
    }

    async fn wait_until_up(&self) {
        let started = Instant::now();
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(2))
            .finish();
        loop {
            let url = format!("{}/healthz", self.http.address);
            if let Ok(res) = client.get(&url).send().await {
                if res.status() == 200 {
                    return;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "byline did not start"
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A newsroom tool's access token (editor), from credentials the CLI
    /// issues.
    pub async fn tool_token(&self) -> String {
        self.tool_token_as("editor").await
    }

    /// A newsroom tool's access token with this role.
    pub async fn tool_token_as(&self, role: &str) -> String {
        let out = run(
            &self.database_url,
            &[
                "integration",
                "add",
                "--name",
                "load",
                "--role",
                role,
                "--json",
            ],
        );
        let creds: serde_json::Value = serde_json::from_str(&out).expect("JSON credentials");
        let reply = self
            .http
            .client_token(
                creds["client_id"].as_str().unwrap(),
                creds["client_secret"].as_str().unwrap(),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        reply.json()["access_token"].as_str().unwrap().to_string()
    }

    /// Sends a signal (`KILL`, `TERM`) to the process.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Waits for the process to end, at most `limit`; answers its exit code
    /// (None when a signal ended it).
    pub fn wait_for_exit(&mut self, limit: Duration) -> Option<i32> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("the child's status") {
                return status.code();
            }
            assert!(
                started.elapsed() < limit,
                "byline did not stop within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
