//! Fixed-window request counting, in memory, per key. Each byline process
//! counts for itself: with N replicas behind a balancer a client gets at
//! most N times the limit, which is still a hard bound on guessing.
//!
//! The table is bounded whatever callers send: keys are stored as a
//! 16-byte hash (a 2 MB username costs what a short one does), windows
//! that have ended are swept out on time, and past `capacity` keys one
//! window is dropped to make room.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// Keys kept at most (about 40 bytes each).
pub const DEFAULT_CAPACITY: usize = 100_000;

type Key = [u8; 16];

struct Window {
    started: Instant,
    count: u32,
}

struct Table {
    windows: HashMap<Key, Window>,
    swept: Instant,
}

pub struct RateLimiter {
    limit: u32,
    window: Duration,
    capacity: usize,
    table: Mutex<Table>,
}

fn key_of(key: &str) -> Key {
    let digest = Sha256::digest(key.as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self::with_capacity(limit, window, DEFAULT_CAPACITY)
    }

    pub fn with_capacity(limit: u32, window: Duration, capacity: usize) -> Self {
        RateLimiter {
            limit,
            window,
            capacity: capacity.max(1),
            table: Mutex::new(Table {
                windows: HashMap::new(),
                swept: Instant::now(),
            }),
        }
    }

    /// Counts one event for `key`: Ok while within the limit, else the
    /// seconds until its window ends.
    pub fn hit(&self, key: &str) -> Result<(), u64> {
        self.check(key, true)
    }

    /// Whether `key` is within its limit, without counting anything.
    pub fn allows(&self, key: &str) -> Result<(), u64> {
        self.check(key, false)
    }

    /// Forgets `key`'s window (a correct password clears its failures).
    pub fn forget(&self, key: &str) {
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        table.windows.remove(&key_of(key));
    }

    /// How many keys are held now.
    pub fn len(&self) -> usize {
        self.table
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .windows
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn check(&self, key: &str, count: bool) -> Result<(), u64> {
        let key = key_of(key);
        let now = Instant::now();
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        // Ended windows go once per window length, whatever the traffic.
        if now.duration_since(table.swept) >= self.window {
            let window = self.window;
            table
                .windows
                .retain(|_, w| now.duration_since(w.started) < window);
            table.swept = now;
        }
        if let Some(w) = table.windows.get_mut(&key) {
            if now.duration_since(w.started) >= self.window {
                *w = Window {
                    started: now,
                    count: 0,
                };
            }
            if w.count >= self.limit {
                let left = self.window.saturating_sub(now.duration_since(w.started));
                return Err(left.as_secs().max(1));
            }
            if count {
                w.count += 1;
            }
            return Ok(());
        }
        if !count {
            return Ok(());
        }
        if table.windows.len() >= self.capacity {
            // Full of live windows: one of them makes room (whichever the
            // table yields first, in constant time). A flood of new keys
            // can end some window early, never grow the table.
            if let Some(evicted) = table.windows.keys().next().copied() {
                table.windows.remove(&evicted);
            }
        }
        table.windows.insert(
            key,
            Window {
                started: now,
                count: 1,
            },
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key_within_a_window() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        assert!(limiter.hit("a").is_ok());
        assert!(limiter.hit("a").is_ok());
        let retry = limiter.hit("a").unwrap_err();
        assert!((1..=60).contains(&retry));
        assert!(limiter.hit("b").is_ok(), "keys are counted apart");
        assert!(limiter.allows("a").is_err());
        assert!(limiter.allows("c").is_ok());
        assert_eq!(limiter.len(), 2, "asking counts nothing");
    }

    #[test]
    fn a_new_window_starts_afresh() {
        let limiter = RateLimiter::new(1, Duration::from_millis(20));
        assert!(limiter.hit("a").is_ok());
        assert!(limiter.hit("a").is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(limiter.hit("a").is_ok());
    }

    #[test]
    fn memory_is_bounded_by_count_and_time() {
        let limiter = RateLimiter::with_capacity(5, Duration::from_secs(60), 1000);
        let huge = "x".repeat(1 << 16);
        for i in 0..5000 {
            let _ = limiter.hit(&format!("{huge}{i}"));
        }
        assert_eq!(limiter.len(), 1000, "never more keys than the capacity");
        let short = RateLimiter::with_capacity(5, Duration::from_millis(30), 1000);
        for i in 0..500 {
            let _ = short.hit(&i.to_string());
        }
        std::thread::sleep(Duration::from_millis(40));
        let _ = short.hit("fresh");
        assert_eq!(short.len(), 1, "ended windows are swept on time");
    }

    #[test]
    fn forgetting_clears_a_key() {
        let limiter = RateLimiter::new(1, Duration::from_secs(60));
        assert!(limiter.hit("a").is_ok());
        assert!(limiter.hit("a").is_err());
        limiter.forget("a");
        assert!(limiter.hit("a").is_ok());
    }
}
