//! Tracing to a daily rolling file in the app's log folder. Every line passes through
//! [`redact`] before it is written, as a second line of defence: no code logs a secret.

use std::io::{self, Write};
use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// Keys whose values are replaced by `***` wherever they appear as `key=value`, `key: value` or
/// `"key":"value"` (ASCII case ignored).
const SECRET_KEYS: &[&str] = &[
    "ltpatoken2",
    "password",
    "dxpassword",
    "cookie",
    "authorization",
];

/// Replaces the values of secret-looking keys by `***`.
pub fn redact(line: &str) -> String {
    let lower = line.to_ascii_lowercase();
    let bytes = line.as_bytes();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        let hit = SECRET_KEYS.iter().find(|k| {
            lower[i..].starts_with(*k) && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
        });
        let Some(key) = hit else {
            let ch = line[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
            continue;
        };
        let mut j = i + key.len();
        out.push_str(&line[i..j]);
        // Closing quote of a JSON key, then the separator and spaces.
        while j < line.len() && matches!(bytes[j], b'"' | b'\'' | b' ' | b':' | b'=') {
            out.push(bytes[j] as char);
            j += 1;
        }
        if j == i + key.len() {
            i = j;
            continue;
        }
        let quoted = j > 0 && matches!(bytes[j - 1], b'"' | b'\'');
        let start = j;
        while j < line.len() {
            let b = bytes[j];
            let end = if quoted {
                b == b'"' || b == b'\''
            } else {
                b == b';'
                    || b == b','
                    || b == b'&'
                    || b.is_ascii_whitespace()
                    || b == b'"'
                    || b == b'}'
            };
            if end {
                break;
            }
            j += 1;
        }
        if j > start {
            out.push_str("***");
        }
        i = j;
    }
    out
}

/// A writer that redacts each formatted event before passing it on.
pub struct Redacting<W>(W);

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Makes [`Redacting`] writers around another writer maker.
pub struct RedactingMakeWriter<M>(M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for RedactingMakeWriter<M> {
    type Writer = Redacting<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        Redacting(self.0.make_writer())
    }
}

/// Starts logging to `dir/dam-staging-console.log.YYYY-MM-DD` (level from `DSC_LOG`, default
/// `info`). Keep the guard alive for the life of the app.
pub fn init(dir: &Path) -> Option<WorkerGuard> {
    std::fs::create_dir_all(dir).ok()?;
    let appender = tracing_appender::rolling::daily(dir, "dam-staging-console.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("DSC_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(RedactingMakeWriter(writer))
        .try_init()
        .ok()?;
    Some(guard)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_cookies_passwords_and_json() {
        assert_eq!(
            redact("Cookie: LtpaToken2=abc123==; Path=/"),
            "Cookie: ***; Path=/"
        );
        assert_eq!(
            redact("set LtpaToken2=abc/+=x done"),
            "set LtpaToken2=*** done"
        );
        assert_eq!(
            redact(r#"{"username":"admin","password":"s3cret"}"#),
            r#"{"username":"admin","password":"***"}"#
        );
        assert_eq!(redact("dxPassword = hunter2 next"), "dxPassword = *** next");
        assert_eq!(
            redact("nothing secret here: 84 ms"),
            "nothing secret here: 84 ms"
        );
        assert_eq!(redact("password_needed"), "password_needed");
    }
}
