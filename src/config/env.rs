//! Reading settings from environment variables over their defaults.

use std::fmt;
use std::time::Duration;

use anyhow::{bail, Context};

pub(super) fn var(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

/// Replaces `value` with the variable `key`, when it is set.
pub(super) fn read<T: std::str::FromStr>(value: &mut T, key: &str) -> anyhow::Result<()>
where
    T::Err: fmt::Display,
{
    if let Some(raw) = var(key) {
        *value = raw
            .trim()
            .parse()
            .map_err(|e| anyhow::anyhow!("{key}={raw:?} is not valid: {e}"))?;
    }
    Ok(())
}

/// Replaces `value` with the variable `key`, a whole number of `unit`s.
pub(super) fn read_duration(value: &mut Duration, key: &str, unit: Duration) -> anyhow::Result<()> {
    let unit_nanos = unit.as_nanos() as u64;
    let mut units = value.as_nanos() as u64 / unit_nanos;
    read(&mut units, key)?;
    *value = units
        .checked_mul(unit_nanos)
        .map(Duration::from_nanos)
        .with_context(|| format!("{key}={units} is too large"))?;
    Ok(())
}

/// Replaces `value` with the comma-separated list in `key`, when it is set.
pub(super) fn read_list<T: std::str::FromStr>(value: &mut Vec<T>, key: &str) -> anyhow::Result<()>
where
    T::Err: fmt::Display,
{
    if let Some(raw) = var(key) {
        *value = raw
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse()
                    .map_err(|e| anyhow::anyhow!("{key}: {item:?} is not valid: {e}"))
            })
            .collect::<anyhow::Result<_>>()?;
    }
    Ok(())
}

/// A lower-cased choice among `options`, each with its value.
pub(super) fn read_choice<T: Copy>(
    value: &mut T,
    key: &str,
    options: &[(&str, T)],
) -> anyhow::Result<()> {
    if let Some(raw) = var(key) {
        let wanted = raw.trim().to_ascii_lowercase();
        match options.iter().find(|(name, _)| *name == wanted) {
            Some((_, chosen)) => *value = *chosen,
            None => {
                let names: Vec<_> = options
                    .iter()
                    .map(|(name, _)| format!("`{name}`"))
                    .collect();
                bail!("{key}={raw:?} must be one of {}", names.join(", "))
            }
        }
    }
    Ok(())
}

pub(super) const SECOND: Duration = Duration::from_secs(1);
pub(super) const MILLISECOND: Duration = Duration::from_millis(1);
