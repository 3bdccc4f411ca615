//! Time as exports write it → unix seconds, and back for the preview line:
//! epoch seconds, milliseconds or nanoseconds told apart by size, and
//! calendar dates (`2026-11-20 08:00:00`, `2026-11-20T08:00:00.5Z`,
//! `…+01:00`). A date without a zone is read as UTC (Grafana and Cacti
//! write the browser's or server's local time, which the file does not say).

/// Unix seconds from an epoch number in seconds, milliseconds, microseconds
/// or nanoseconds (told apart by magnitude: dates between 1973 and 2286).
pub fn epoch_seconds(v: f64) -> f64 {
    let a = v.abs();
    if a >= 1e17 {
        v / 1e9
    } else if a >= 1e14 {
        v / 1e6
    } else if a >= 1e11 {
        v / 1e3
    } else {
        v
    }
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn digits(s: &str, n: usize) -> Option<i64> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parse `YYYY-MM-DD[ T]HH:MM[:SS[.fff]][Z|±HH:MM]` (also `/` between date
/// parts) to unix seconds.
pub fn parse_date(text: &str) -> Option<f64> {
    let t = text.trim().trim_matches('"');
    if t.len() < 16 || !t.is_char_boundary(10) || !t.is_char_boundary(11) {
        return None;
    }
    let (date, rest) = (&t[..10], &t[11..]);
    let sep = t.as_bytes()[10];
    if sep != b' ' && sep != b'T' {
        return None;
    }
    let dp: Vec<&str> = date.split(['-', '/']).collect();
    if dp.len() != 3 {
        return None;
    }
    let (y, m, d) = (digits(dp[0], 4)?, digits(dp[1], 2)?, digits(dp[2], 2)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Zone suffix.
    let (clock, offset) = if let Some(c) = rest.strip_suffix('Z') {
        (c, 0)
    } else if let Some(i) = rest.rfind(['+', '-']).filter(|&i| i >= 5) {
        let z = &rest[i + 1..];
        let (h, mi) = match z.split_once(':') {
            Some((h, mi)) => (digits(h, 2)?, digits(mi, 2)?),
            None if z.len() == 4 && z.bytes().all(|b| b.is_ascii_digit()) => {
                (digits(&z[..2], 2)?, digits(&z[2..], 2)?)
            }
            None => return None,
        };
        let sign = if rest.as_bytes()[i] == b'-' { -1 } else { 1 };
        (&rest[..i], sign * (h * 3600 + mi * 60))
    } else {
        (rest, 0)
    };
    let cp: Vec<&str> = clock.split(':').collect();
    if cp.len() < 2 || cp.len() > 3 {
        return None;
    }
    let (h, mi) = (digits(cp[0], 2)?, digits(cp[1], 2)?);
    let sec: f64 = match cp.get(2) {
        Some(s) => {
            let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
            digits(whole, 2)?;
            if !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()?
        }
        None => 0.0,
    };
    if h > 23 || mi > 59 || !(0.0..61.0).contains(&sec) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    Some((days * 86_400 + h * 3600 + mi * 60 - offset) as f64 + sec)
}

/// `2026-11-20 08:00` (UTC), for the preview line.
pub fn format_minute(t: f64) -> String {
    let s = t.floor() as i64;
    let (y, m, d) = civil_from_days(s.div_euclid(86_400));
    let sod = s.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        sod / 3600,
        sod % 3600 / 60
    )
}

/// The span of a file: `2026-11-20 08:00 → 11-21 08:00`, the end without
/// the year when it is the start's year, only the time when the same day.
pub fn format_span(start: f64, end: f64) -> String {
    let a = format_minute(start);
    let b = format_minute(end);
    let tail = if a[..10] == b[..10] {
        &b[11..]
    } else if a[..4] == b[..4] {
        &b[5..]
    } else {
        &b[..]
    };
    format!("{a} → {tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_by_magnitude() {
        assert_eq!(epoch_seconds(1_795_699_430.0), 1_795_699_430.0);
        assert_eq!(epoch_seconds(1_795_699_430_519.0), 1_795_699_430.519);
        assert_eq!(epoch_seconds(1_575_509_815_000_000_000.0), 1_575_509_815.0);
    }

    #[test]
    fn dates() {
        // date -u -d '2026-11-20 08:00:00' +%s → 1795161600
        assert_eq!(parse_date("2026-11-20 08:00:00"), Some(1_795_161_600.0));
        assert_eq!(parse_date("2026-11-20T08:00:00Z"), Some(1_795_161_600.0));
        assert_eq!(
            parse_date("2026-11-20T09:00:00+01:00"),
            Some(1_795_161_600.0)
        );
        assert_eq!(
            parse_date("2026-11-20 08:00:00.250"),
            Some(1_795_161_600.25)
        );
        assert_eq!(parse_date("2026/11/20 08:00"), Some(1_795_161_600.0));
        assert_eq!(parse_date("1970-01-01 00:00:00"), Some(0.0));
        assert_eq!(parse_date("2026-13-20 08:00:00"), None);
        assert_eq!(parse_date("yesterday at noon"), None);
        assert_eq!(parse_date("2026-11-20 08:00:00 extra"), None);
        // Multi-byte text where a zone would be: no panic.
        assert_eq!(parse_date("2026-11-20 08:00:00+1\u{e9}1"), None);
        assert_eq!(parse_date("2026-11-20\u{e9}08:00:00"), None);
        assert_eq!(format_minute(1_795_161_600.0), "2026-11-20 08:00");
        assert_eq!(
            format_span(1_795_161_600.0, 1_795_248_000.0),
            "2026-11-20 08:00 → 11-21 08:00"
        );
        assert_eq!(
            format_span(1_795_161_600.0, 1_795_165_200.0),
            "2026-11-20 08:00 → 09:00"
        );
        for t in [0.0, 951_782_400.0, 4_102_444_800.0, 1_795_161_600.0] {
            assert_eq!(parse_date(&format!("{}:00", format_minute(t))), Some(t));
        }
    }
}
