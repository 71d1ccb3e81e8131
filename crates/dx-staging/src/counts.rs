//! Counts in the words of the app's English texts: thousands grouped ("12,345") and the noun
//! agreeing ("1 mismatch", "2 mismatches"). Used by every text the core writes for a person (the
//! fleet's reasons, the pre-flight refusals) and by the app's journal messages.

/// `n` with its thousands grouped by commas: "999", "12,345", "1,000,000".
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// `n` grouped, then `one` or `many`: "1 mismatch", "12,345 mismatches".
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", grouped(n), if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        for (n, text) in [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (100_000, "100,000"),
            (1_234_567, "1,234,567"),
            (u64::MAX, "18,446,744,073,709,551,615"),
        ] {
            assert_eq!(grouped(n), text);
        }
    }

    #[test]
    fn the_noun_agrees() {
        assert_eq!(count(1, "operation", "operations"), "1 operation");
        assert_eq!(count(0, "operation", "operations"), "0 operations");
        assert_eq!(count(2_500, "operation", "operations"), "2,500 operations");
    }
}
