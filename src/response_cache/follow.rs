//! What the cache has been told: which surrogate keys were invalidated
//! when, and how far it has followed the event log.
//!
//! Every invalidation takes the next tick of one counter. An entry records
//! the tick from before its answer was computed, and is good while no key
//! it carries (and no full invalidation) has a later tick. The table of
//! keys is bounded: past its size it is dropped and counts as one full
//! invalidation.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

use crate::db::DbConnection;
use crate::events::{self, Keys};

/// The most keys remembered before the table is dropped.
const MAX_MARKS: usize = 50_000;
/// The most events read in one catch-up; more than that, and everything
/// is forgotten instead.
const MAX_CATCH_UP: i64 = 2_000;

pub(super) struct Marks {
    tick: AtomicU64,
    /// Entries computed before this tick are stale.
    floor: AtomicU64,
    keys: RwLock<HashMap<String, u64>>,
    /// The content generation and event sequence followed so far.
    generation: AtomicI64,
    seq: AtomicI64,
    /// Whether the last look at the log succeeded.
    pub(super) synced: AtomicBool,
    /// Events this process wrote and already applied.
    local: Mutex<BTreeSet<i64>>,
    /// The newest event known, and the newest the public sees: a waiting
    /// change-feed request asks the database only when one has passed its
    /// cursor.
    pub(super) newest: AtomicI64,
    pub(super) newest_public: AtomicI64,
}

impl Marks {
    pub(super) fn new() -> Self {
        Marks {
            tick: AtomicU64::new(1),
            floor: AtomicU64::new(0),
            keys: RwLock::new(HashMap::new()),
            generation: AtomicI64::new(i64::MIN),
            seq: AtomicI64::new(i64::MIN),
            // Until a look says otherwise: the pool was just opened.
            synced: AtomicBool::new(true),
            local: Mutex::new(BTreeSet::new()),
            newest: AtomicI64::new(0),
            newest_public: AtomicI64::new(0),
        }
    }

    /// The tick an answer computed now is stored under.
    pub(super) fn now(&self) -> u64 {
        self.tick.load(Ordering::SeqCst)
    }

    /// Whether an answer computed at `tick` carrying `keys` is still good.
    pub(super) fn good(&self, tick: u64, keys: &[String]) -> bool {
        if tick < self.floor.load(Ordering::SeqCst) {
            return false;
        }
        let marks = self.keys.read().unwrap_or_else(|e| e.into_inner());
        // A mark taken before the answer's tick was read is older news
        // than the answer; one taken after it may be newer.
        keys.iter()
            .all(|k| marks.get(k).is_none_or(|&at| at <= tick))
    }

    /// Nothing computed before now may be served.
    pub(super) fn forget_all(&self) {
        let tick = self.tick.fetch_add(1, Ordering::SeqCst) + 1;
        self.floor.store(tick, Ordering::SeqCst);
        self.keys.write().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Nothing computed before now that carries one of `keys` may be
    /// served.
    pub(super) fn forget(&self, keys: &Keys) {
        if keys.is_empty() {
            return;
        }
        let mut marks = self.keys.write().unwrap_or_else(|e| e.into_inner());
        let tick = self.tick.fetch_add(1, Ordering::SeqCst) + 1;
        if marks.len() + keys.iter().count() > MAX_MARKS {
            marks.clear();
            self.floor.store(tick, Ordering::SeqCst);
            return;
        }
        for key in keys.iter() {
            marks.insert(key.clone(), tick);
        }
    }

    /// Records events this process committed and applied itself, so
    /// following the log does not apply them twice.
    pub(super) fn applied(&self, seqs: &[i64], last_public: Option<i64>) {
        if let Some(&last) = seqs.last() {
            self.newest.fetch_max(last, Ordering::SeqCst);
        }
        if let Some(last) = last_public {
            self.newest_public.fetch_max(last, Ordering::SeqCst);
        }
        let mut local = self.local.lock().unwrap_or_else(|e| e.into_inner());
        local.extend(seqs);
        // Bounded: a process that never follows (it cannot reach the
        // database) keeps only the newest.
        while local.len() > 10_000 {
            local.pop_first();
        }
    }

    /// Reads the log from where it was last followed, in one snapshot, and
    /// applies what changed. Answers whether there were new events. When
    /// content changed with no event for it (plain SQL, a bulk load), or
    /// too much changed, or events were pruned first, everything goes.
    pub(super) fn follow(&self, conn: &mut DbConnection) -> diesel::QueryResult<bool> {
        let last_seq = self.seq.load(Ordering::SeqCst);
        let last_generation = self.generation.load(Ordering::SeqCst);
        let (at, links) = crate::db::read_snapshot(conn, |conn| {
            let at = events::position(conn)?;
            if at.generation == last_generation && at.seq == last_seq {
                return Ok((at, None));
            }
            let links = if last_seq == i64::MIN || last_seq < at.pruned_through {
                None
            } else {
                Some(events::links_after(conn, last_seq, MAX_CATCH_UP + 1)?)
            };
            Ok::<_, diesel::result::Error>((at, Some(links)))
        })?;
        self.synced.store(true, Ordering::SeqCst);
        let Some(links) = links else {
            return Ok(false);
        };
        if let Some(last) = links
            .iter()
            .flatten()
            .filter(|l| l.public)
            .map(|l| l.seq)
            .max()
        {
            self.newest_public.fetch_max(last, Ordering::SeqCst);
        } else if links.is_none() {
            // Not read link by link: any of them may be public.
            self.newest_public.fetch_max(at.seq, Ordering::SeqCst);
        }
        match links.filter(|l| l.len() as i64 <= MAX_CATCH_UP) {
            Some(links) => match self.keys_of(&links, last_generation, at.generation) {
                Some(keys) => self.forget(&keys),
                None => self.forget_all(),
            },
            None => self.forget_all(),
        }
        self.generation.store(at.generation, Ordering::SeqCst);
        self.seq.store(at.seq, Ordering::SeqCst);
        self.newest.fetch_max(at.seq, Ordering::SeqCst);
        self.local
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|&s| s > at.seq);
        Ok(at.seq > last_seq && last_seq != i64::MIN)
    }

    /// The keys the events change, or None when the generations show a
    /// change they do not account for.
    fn keys_of(&self, links: &[events::Link], from: i64, to: i64) -> Option<Keys> {
        let local = self.local.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let mut keys = Keys::new();
        let mut expected = from;
        let mut txn: Option<(i64, i64)> = None;
        for link in links {
            let same_txn = txn == Some((link.generation_before, link.generation_after));
            if !same_txn {
                if link.generation_before != expected {
                    return None;
                }
                expected = link.generation_after;
                txn = Some((link.generation_before, link.generation_after));
            }
            if !local.contains(&link.seq) {
                for key in &link.keys {
                    keys.add(key.clone());
                }
            }
        }
        (expected == to).then_some(keys)
    }

    /// A look at the log failed: until one succeeds, the cache cannot
    /// know what changed.
    pub(super) fn lost(&self) {
        self.synced.store(false, Ordering::SeqCst);
        self.forget_all();
    }
}
