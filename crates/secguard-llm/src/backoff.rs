//! How long to wait before trying again.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The first back-off window; it doubles with every retry.
pub const BACKOFF_BASE: Duration = Duration::from_millis(250);
/// The largest back-off window.
pub const BACKOFF_CAP: Duration = Duration::from_secs(20);
/// The longest `Retry-After` we honour: a server asking for more is
/// overloaded enough that failing (and letting the user decide) is better.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(60);

/// "Full jitter" back-off (AWS architecture blog): a uniformly random wait
/// in `[0, min(cap, base * 2^retry)]`, so clients that failed together do
/// not retry together.
pub fn backoff(retry: u32) -> Duration {
    let window = BACKOFF_BASE
        .checked_mul(1u32.checked_shl(retry.min(30)).unwrap_or(u32::MAX))
        .unwrap_or(BACKOFF_CAP)
        .min(BACKOFF_CAP);
    let millis = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(random_u64() % (millis + 1))
}

/// Random bits for jitter. Falls back to the clock when the OS has no
/// randomness to give: jitter need not be unpredictable, only spread out.
fn random_u64() -> u64 {
    getrandom::u64().unwrap_or_else(|_| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::from(d.subsec_nanos()) ^ d.as_secs())
            .unwrap_or(0)
    })
}

/// The wait a `Retry-After` header asks for: delta-seconds or an HTTP date
/// (IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`), capped at
/// [`RETRY_AFTER_CAP`]. `None` when the value is not understood.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = if let Ok(secs) = value.parse::<f64>() {
        if !secs.is_finite() || secs < 0.0 {
            return None;
        }
        Duration::from_secs_f64(secs.min(RETRY_AFTER_CAP.as_secs_f64()))
    } else {
        let at = parse_http_date(value)?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(RETRY_AFTER_CAP))
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only HTTP
/// date format servers still send.
fn parse_http_date(value: &str) -> Option<SystemTime> {
    let rest = value.split_once(',').map(|(_, r)| r)?.trim();
    let parts: Vec<&str> = rest.split_whitespace().collect();
    let [day, month, year, time, zone] = parts.as_slice() else {
        return None;
    };
    if !zone.eq_ignore_ascii_case("GMT") && !zone.eq_ignore_ascii_case("UTC") {
        return None;
    }
    let day: u32 = day.parse().ok()?;
    let month = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|m| m.eq_ignore_ascii_case(month))?;
    let year: i64 = year.parse().ok()?;
    let hms: Vec<u64> = time
        .split(':')
        .map(|p| p.parse::<u64>().ok())
        .collect::<Option<Vec<u64>>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    if !(1..=9999).contains(&year) || !(1..=31).contains(&day) || *h > 23 || *m > 59 || *s > 60 {
        return None;
    }
    let days = days_from_civil(year, month as u32 + 1, day);
    let secs = days
        .checked_mul(86_400)?
        .checked_add((h * 3600 + m * 60 + s) as i64)?;
    let secs = u64::try_from(secs).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(month) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_in_its_window() {
        for retry in 0..40 {
            let d = backoff(retry);
            let window = BACKOFF_BASE
                .saturating_mul(1 << retry.min(20))
                .min(BACKOFF_CAP);
            assert!(d <= window, "retry {retry}: {d:?} > {window:?}");
        }
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after(" 2 ", now), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("3600", now), Some(RETRY_AFTER_CAP));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Mon, 07 Nov 1994 08:49:37 GMT", now),
            Some(RETRY_AFTER_CAP)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(
            parse_retry_after("Sun, 32 Nov 1994 08:49:37 GMT", now),
            None
        );
    }

    proptest::proptest! {
        #[test]
        fn retry_after_never_panics(value in "\\PC{0,40}", secs in 0u64..u64::MAX / 4) {
            let now = UNIX_EPOCH + Duration::from_secs(secs % 10_000_000_000);
            if let Some(wait) = parse_retry_after(&value, now) {
                proptest::prop_assert!(wait <= RETRY_AFTER_CAP);
            }
        }

        #[test]
        fn any_date_shape_is_safe(day in 0u32..100, year in -100_000i64..100_000, h in 0u64..100) {
            let value = format!("Sun, {day:02} Nov {year} {h:02}:00:00 GMT");
            let _ = parse_retry_after(&value, UNIX_EPOCH);
        }
    }

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1994, 11, 6), 9_075);
    }
}
