//! Human durations for flags such as `--timeout 30s` and `--min-validity 5m`.

use std::time::Duration;

/// Parses `30s`, `2m`, `1h`, `1h 30m` (and ISO 8601 `PT30S`). A bare number is refused,
/// because `--timeout 90` is ambiguous.
///
/// # Errors
/// A message that says what was wrong and shows valid examples.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("empty duration: use a value such as `30s`, `2m` or `1h`".to_owned());
    }
    if trimmed.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "`{trimmed}` has no unit: write `{trimmed}s` for seconds or `{trimmed}m` for minutes"
        ));
    }
    let parsed: jiff::SignedDuration = trimmed.parse().map_err(|_| {
        format!("`{trimmed}` is not a duration: use a value such as `30s`, `2m`, `1h` or `1h 30m`")
    })?;
    if parsed.is_negative() {
        return Err(format!(
            "`{trimmed}` is negative: durations must be positive"
        ));
    }
    Duration::try_from(parsed).map_err(|_| format!("`{trimmed}` is out of range"))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn accepts_the_units_users_type() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn refuses_ambiguous_or_invalid_values() {
        assert!(parse_duration("90").unwrap_err().contains("90s"));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-5s").is_err());
    }

    proptest::proptest! {
        /// Any flag value: a duration or a reason, never a panic.
        #[test]
        fn parsing_never_panics(text in "\\PC{0,40}") {
            let _ = parse_duration(&text);
        }

        #[test]
        fn huge_numbers_of_seconds_never_panic(n in proptest::num::u64::ANY) {
            let _ = parse_duration(&format!("{n}s"));
        }
    }
}
