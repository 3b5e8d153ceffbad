use std::sync::Arc;

use actix_web::web;

use crate::config::Config;
use crate::db::{DbConnection, Pool};
use crate::error::ApiError;

/// What every handler shares: the pool and the configuration.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub config: Arc<Config>,
}

impl AppState {
    /// Runs database work on the blocking thread pool, never on the async
    /// workers: diesel and r2d2 block, `pool.get()` included.
    pub async fn db<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await?
    }
}
