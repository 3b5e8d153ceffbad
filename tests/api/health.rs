//! /healthz and /readyz: the process is up, and the database answers.

use crate::backend_tests;
use crate::helpers::TestApp;

async fn liveness_and_readiness(app: TestApp) {
    let live = app.get_ok("/healthz").await;
    assert_eq!(live["status"], "ok");
    let ready = app.get_ok("/readyz").await;
    assert_eq!(ready["status"], "ok");
}

backend_tests!(liveness_and_readiness);
