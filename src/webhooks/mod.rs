//! Webhooks, as the Standard Webhooks 1.0 specification has them: admins
//! subscribe a URL to event types; each event of the log becomes one
//! signed POST per subscription, sent at least once.
//!
//! - **Queue.** A subscription keeps a cursor into the event log. The
//!   dispatcher of every replica moves it on ([`store::fan_out`]), queuing a
//!   delivery per new event in the same transaction, under a lock on the
//!   subscription's row: each event is queued once.
//! - **Claim.** Due deliveries are claimed for a lease with `FOR UPDATE SKIP
//!   LOCKED`, so replicas never take the same one; a replica killed
//!   mid-delivery leaves a lease that lapses, and another sends it again.
//!   A resource's deliveries go out one at a time, in order.
//! - **Send.** On a thread of its own ([`dispatch`]), with a 10 s timeout
//!   per attempt, no redirects, no proxy, and a resolver that refuses
//!   private addresses ([`address`]); a slow receiver holds a few of its own
//!   slots, never the API or other receivers.
//! - **Retry.** Failed attempts are retried with exponential backoff and
//!   jitter for about a day ([`RETRY_SCHEDULE`]); then the delivery is
//!   failed. A subscription with no success for five days is disabled.

pub mod address;
pub mod api;
pub mod dispatch;
pub mod sign;
pub mod store;

use std::time::Duration;

use rand::Rng;

/// The audience that sees what anonymous callers of the change feed see.
pub const PUBLIC: &str = "public";
/// The audience that sees every event, as an editor does.
pub const NEWSROOM: &str = "newsroom";

/// The waits between attempts, in units of the retry unit (a second by
/// default): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, so eight
/// attempts over about 27 hours. Each wait varies by up to 20% either way.
pub const RETRY_SCHEDULE: [u64; 7] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];

/// How deliveries are sent and retried (from the configuration).
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Whether loopback, link-local and private addresses may receive.
    pub allow_private: bool,
    /// The longest one attempt may take, answer included.
    pub timeout: Duration,
    /// The unit of [`RETRY_SCHEDULE`].
    pub retry_unit: Duration,
    /// How long a subscription may fail without a success before it is
    /// disabled.
    pub disable_after: Duration,
    /// How often the dispatcher looks for due work when nothing wakes it.
    pub poll: Duration,
}

impl Settings {
    /// The wait after `attempts` failed attempts; None once they are all
    /// spent.
    pub fn retry_after(&self, attempts: i32) -> Option<chrono::Duration> {
        let units = *RETRY_SCHEDULE.get(usize::try_from(attempts).ok()?.checked_sub(1)?)?;
        let base = self.retry_unit.as_secs_f64() * units as f64;
        let jittered = base * rand::thread_rng().gen_range(0.8..1.2);
        chrono::Duration::from_std(Duration::from_secs_f64(jittered)).ok()
    }

    /// How long a claimed delivery stays claimed: two timeouts and a
    /// margin, so a live replica always records its attempt first.
    pub fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(2)
    }

    pub fn policy(self) -> store::Policy {
        store::Policy {
            retry_after: Box::new(move |n| self.retry_after(n)),
            disable_after: chrono::Duration::from_std(self.disable_after)
                .unwrap_or(chrono::Duration::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_for_about_a_day_then_stop() {
        let s = Settings {
            allow_private: false,
            timeout: Duration::from_secs(10),
            retry_unit: Duration::from_secs(1),
            disable_after: Duration::from_secs(5 * 86_400),
            poll: Duration::from_secs(1),
        };
        let waits: Vec<i64> = (1..=7)
            .map(|n| s.retry_after(n).unwrap().num_seconds())
            .collect();
        for (wait, base) in waits.iter().zip(RETRY_SCHEDULE) {
            let base = base as i64;
            assert!(
                (base * 8 / 10 - 1..=base * 12 / 10).contains(wait),
                "{wait} near {base}"
            );
        }
        let total: i64 = waits.iter().sum();
        assert!((20 * 3600..34 * 3600).contains(&total), "{total} s in all");
        assert!(s.retry_after(8).is_none());
        assert!(s.retry_after(0).is_none());
    }
}
