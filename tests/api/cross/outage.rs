//! A PostgreSQL outage under read load. The test runs its own throwaway
//! PostgreSQL server (initdb into a temporary folder, its own port), so
//! stopping it harms no other test. SQLite lives inside the process and has
//! no outage of this kind.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_util::future::join_all;

use crate::cross::process::{self, Server};
use crate::helpers::Reply;

/// A private PostgreSQL cluster; stopped and removed when dropped.
struct PrivatePostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

/// The server binaries of the newest PostgreSQL installed.
fn postgres_bin() -> PathBuf {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("PostgreSQL's server binaries ({}): {e}", root.display()))
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .expect("an installed PostgreSQL with initdb")
        .1
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl PrivatePostgres {
    /// PostgreSQL refuses to run as root; as root, its tools run as the
    /// `postgres` user.
    fn tool(&self, name: &str, args: &[&str]) -> std::process::Output {
        let program = self.bin.join(name);
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        cmd.args(args).output().expect("a PostgreSQL tool runs")
    }

    fn create() -> PrivatePostgres {
        let dir = std::env::temp_dir().join(format!(
            "byline-pg-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        ));
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            let owned = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&dir)
                .status()
                .unwrap();
            assert!(owned.success());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let pg = PrivatePostgres {
            bin: postgres_bin(),
            dir,
            port,
        };
        let data = pg.data();
        let out = pg.tool(
            "initdb",
            &[
                "-D",
                &data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        pg.start();
        pg
    }

    fn data(&self) -> String {
        self.dir.join("data").to_string_lossy().to_string()
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("log").to_string_lossy().to_string();
        let out = self.tool(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "-t",
                "30",
                "start",
            ],
        );
        assert!(
            out.status.success(),
            "pg_ctl start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn stop(&self, mode: &str) {
        let out = self.tool("pg_ctl", &["-D", &self.data(), "-m", mode, "-w", "stop"]);
        assert!(
            out.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self.tool(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn is_unavailable(reply: &Reply) -> bool {
    reply.status == 503
        && reply.header("content-type").as_deref() == Some("application/problem+json")
        && reply.header("retry-after").is_some()
}

#[actix_web::test]
async fn postgres_outage_answers_503_and_recovers_without_a_restart() {
    if crate::helpers::postgres_url().is_none() {
        return crate::helpers::no_postgres();
    }
    let pg = PrivatePostgres::create();
    process::run(&pg.url(), &["seed-demo"]);
    let server = Server::start(&pg.url()).await;
    let http = &server.http;
    const STORY: &str = "/v1/articles/mexico-offers-assange-political-asylum";
    assert_eq!(http.get(STORY).await.status, 200);

    // Readers keep asking throughout; every answer must be a 200 or a 503.
    let statuses: Rc<RefCell<BTreeMap<u16, usize>>> = Rc::default();
    let done = Rc::new(RefCell::new(false));
    let readers = join_all((0..4).map(|i| {
        let (statuses, done) = (statuses.clone(), done.clone());
        async move {
            let path = ["/v1/articles?limit=5", STORY, "/v1/latest", "/v1/tags"][i];
            while !*done.borrow() {
                let reply = http.get(path).await;
                assert!(
                    reply.status == 200 || is_unavailable(&reply),
                    "{path}: {} {}",
                    reply.status,
                    reply.text()
                );
                *statuses
                    .borrow_mut()
                    .entry(reply.status.as_u16())
                    .or_default() += 1;
                actix_web::rt::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }));

    let scenario = async {
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
        pg.stop("fast");
        let stopped = Instant::now();
        // Reads fail over to 503 problem+json with Retry-After...
        loop {
            let reply = http.get("/v1/articles?limit=3").await;
            if is_unavailable(&reply) {
                break;
            }
            assert_eq!(reply.status, 200, "{}", reply.text());
            assert!(
                stopped.elapsed() < Duration::from_secs(15),
                "reads never failed over"
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        let failed_over = stopped.elapsed();
        // ...quickly, once the outage is known...
        let asked = Instant::now();
        let reply = http.get(STORY).await;
        assert!(is_unavailable(&reply), "{} {}", reply.status, reply.text());
        let answered_in = asked.elapsed();
        // ...and readiness says so.
        let ready = http.get("/readyz").await;
        ready.problem(503);
        actix_web::rt::time::sleep(Duration::from_secs(1)).await;

        pg.start();
        let restarted = Instant::now();
        loop {
            let ready = http.get("/readyz").await.status == 200;
            let story = http.get(STORY).await.status == 200;
            if ready && story {
                break;
            }
            assert!(
                restarted.elapsed() < Duration::from_secs(15),
                "byline did not recover by itself"
            );
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        let recovered = restarted.elapsed();
        // Let the readers see the recovery too.
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        *done.borrow_mut() = true;
        (failed_over, answered_in, recovered)
    };
    let (_, (failed_over, answered_in, recovered)) =
        futures_util::future::join(readers, scenario).await;
    let statuses = statuses.borrow();
    assert!(statuses.get(&503).copied().unwrap_or(0) > 0, "{statuses:?}");
    assert!(
        answered_in < Duration::from_secs(2),
        "a read during a known outage took {answered_in:?}"
    );
    eprintln!(
        "outage: reads failed over in {failed_over:?}, a 503 took {answered_in:?}, \
         recovered {recovered:?} after the restart; answers {statuses:?}"
    );
}
