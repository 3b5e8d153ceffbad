//! What the clock changes by itself, remembered between requests: the
//! stories due to go live, and when each kind's next hidden entry (a tag
//! only a scheduled story carries) unveils. Both are worked out once per
//! tick of the invalidation counter, so a list's freshness costs no query
//! that grows with the schedule on every request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;

use super::ResponseCache;
use crate::freshness::Schedule;

/// Per kind (`sections`, `tags`, `authors`): the tick it was worked out
/// at, the schedule's first story then, and the answer.
type Unveiling = (u64, Option<NaiveDateTime>, Option<NaiveDateTime>);

/// At most one entry per kind of taxonomy: three.
#[derive(Debug, Default)]
pub(super) struct Unveilings(Mutex<HashMap<&'static str, Unveiling>>);

impl ResponseCache {
    /// [`ResponseCache::schedule`], loaded from this connection.
    pub fn schedule_in(
        &self,
        conn: &mut crate::db::DbConnection,
        now: NaiveDateTime,
    ) -> diesel::QueryResult<Arc<Schedule>> {
        self.schedule(now, || {
            crate::models::feed::scheduled(conn, now, crate::freshness::SCHEDULE_LIMIT)
                .map(Schedule::new)
        })
    }

    /// The stories due to go live, remembered until a write moves the
    /// epoch or the first of them goes live; `load` asks the database.
    pub fn schedule<E>(
        &self,
        now: NaiveDateTime,
        load: impl FnOnce() -> Result<Schedule, E>,
    ) -> Result<Arc<Schedule>, E> {
        let epoch = self.marks.now();
        if let Some((seen, schedule)) = &*self.schedule.lock().unwrap_or_else(|e| e.into_inner()) {
            if *seen == epoch && schedule.first().is_none_or(|t| t > now) {
                return Ok(schedule.clone());
            }
        }
        let schedule = Arc::new(load()?);
        *self.schedule.lock().unwrap_or_else(|e| e.into_inner()) = Some((epoch, schedule.clone()));
        Ok(schedule)
    }

    /// When the next entry of `kind` that the public cannot see yet unveils,
    /// as `load` works it out; remembered while no write moved the tick and
    /// no scheduled story went live (`first_due`, the schedule's first).
    pub fn unveiling<E>(
        &self,
        kind: &'static str,
        now: NaiveDateTime,
        first_due: Option<NaiveDateTime>,
        load: impl FnOnce() -> Result<Option<NaiveDateTime>, E>,
    ) -> Result<Option<NaiveDateTime>, E> {
        let epoch = self.marks.now();
        let held = |m: &Mutex<HashMap<&'static str, Unveiling>>| {
            m.lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(kind)
                .copied()
        };
        if let Some((seen, due, at)) = held(&self.unveilings.0) {
            if seen == epoch && due == first_due && first_due.is_none_or(|t| t > now) {
                return Ok(at);
            }
        }
        let at = load()?;
        self.unveilings
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(kind, (epoch, first_due, at));
        Ok(at)
    }
}
