//! A last line of defence against secrets quoted in free text.

use std::borrow::Cow;

/// Names whose value is a secret; longer first where one begins another.
const SECRET_NAMES: [&str; 3] = ["ltpatoken2", "ltpatoken", "password"];

/// The replacement of a secret value.
const MASK: &str = "***";

/// `text` with the value after `LtpaToken2=`, `LtpaToken=` or `password=` replaced by `***`.
///
/// Names match in any case and inside longer names (`dxPassword=`); `:` counts like `=`, and a
/// quoted name or value is understood (`"password": "x"`), so cookies, query strings, headers
/// and JSON are covered. An unquoted value ends at white space or one of `; & , " ' ) ] } < >`.
/// This is defensive: the journal has no field for a secret, and this only catches one quoted
/// by mistake in a message or a detail. Text without such a pattern is returned as is.
pub fn redact_secrets(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let Some(name) = SECRET_NAMES.iter().find(|n| {
            bytes
                .get(i..i + n.len())
                .is_some_and(|b| b.eq_ignore_ascii_case(n.as_bytes()))
        }) else {
            i += 1;
            continue;
        };
        let Some((start, end)) = value_after(bytes, i + name.len()) else {
            i += name.len();
            continue;
        };
        // The names and delimiters are ASCII, so `start` and `end` are on char boundaries.
        if end > start && &text[start..end] != MASK {
            out.push_str(&text[copied..start]);
            out.push_str(MASK);
            copied = end;
        }
        i = end.max(i + 1);
    }
    if copied == 0 {
        Cow::Borrowed(text)
    } else {
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }
}

/// Where the value after a secret's name lies (`start..end`), if a `=` or `:` follows it.
fn value_after(bytes: &[u8], mut j: usize) -> Option<(usize, usize)> {
    let skip_spaces = |mut j: usize| {
        while bytes.get(j).is_some_and(|b| *b == b' ' || *b == b'\t') {
            j += 1;
        }
        j
    };
    if matches!(bytes.get(j), Some(b'"' | b'\'')) {
        j += 1; // the closing quote of a quoted name
    }
    j = skip_spaces(j);
    if !matches!(bytes.get(j), Some(b'=' | b':')) {
        return None;
    }
    j = skip_spaces(j + 1);
    let quote = match bytes.get(j) {
        Some(q @ (b'"' | b'\'')) => {
            j += 1;
            Some(*q)
        }
        _ => None,
    };
    let start = j;
    while let Some(&b) = bytes.get(j) {
        match quote {
            Some(_) if b == b'\\' => {
                // An escaped character inside a quoted value; never step past the end or into
                // the middle of a multi-byte character.
                j += 1;
                if bytes.get(j).is_some_and(u8::is_ascii) {
                    j += 1;
                }
                continue;
            }
            Some(q) if b == q => break,
            None if b.is_ascii_whitespace()
                || matches!(
                    b,
                    b';' | b'&' | b',' | b'"' | b'\'' | b')' | b']' | b'}' | b'<' | b'>'
                ) =>
            {
                break
            }
            _ => j += 1,
        }
    }
    Some((start, j))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_redacts_tokens_and_passwords() {
        let cases = [
            (
                "Cookie: LtpaToken2=abc123XYZ==; Path=/",
                "Cookie: LtpaToken2=***; Path=/",
            ),
            ("ltpatoken2=abc&x=1", "ltpatoken2=***&x=1"),
            ("LtpaToken=old", "LtpaToken=***"),
            (
                "login with password=hunter2 failed",
                "login with password=*** failed",
            ),
            ("dxPassword=hunter2", "dxPassword=***"),
            (
                r#"{"password": "hun\"ter2", "user": "a"}"#,
                r#"{"password": "***", "user": "a"}"#,
            ),
            ("PASSWORD : 'x y'", "PASSWORD : '***'"),
            ("a=1, password=é€x, b", "a=1, password=***, b"),
            (
                "password=1 then LtpaToken2=2",
                "password=*** then LtpaToken2=***",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(redact_secrets(input), want, "{input}");
        }
    }

    #[test]
    fn journal_redaction_leaves_other_text_alone() {
        for text in [
            "the user name or password is wrong (401 at login)",
            "password=",
            "password=***",
            "no secrets here: a=b",
            "",
            "ünïcödé password",
            "trailing backslash password=\"abc\\",
        ] {
            let out = redact_secrets(text);
            if text.starts_with("trailing") {
                assert_eq!(out, "trailing backslash password=\"***");
            } else {
                assert!(matches!(out, Cow::Borrowed(_)), "{text} → {out}");
            }
        }
    }
}
