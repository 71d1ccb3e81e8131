//! Tracing to a daily rolling file in the app's log folder. Every line passes through
//! [`redact`] before it is written, as a second line of defence: no code logs a secret.

use std::io::{self, Write};
use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// Keys whose values are replaced by `***` wherever they appear as `key=value`, `key: value`,
/// `"key":"value"` or, inside a debug-printed string, `\"key\":\"value\"` (ASCII case
/// ignored). `LtpaToken` is DX's older session cookie, `JSESSIONID` its application server's.
const SECRET_KEYS: &[&str] = &[
    "ltpatoken2",
    "ltpatoken",
    "jsessionid",
    "password",
    "dxpassword",
    "cookie",
    "authorization",
];

/// Where an unquoted value ends.
fn ends_unquoted(b: u8) -> bool {
    b == b';' || b == b',' || b == b'&' || b.is_ascii_whitespace() || b == b'"' || b == b'}'
}

/// The end of a quoted value starting at `j`. In a plain string the value ends at its closing
/// quote (`\x` pairs are inside); in a debug-printed one (`escaped`) at `\"`, where `\\`
/// and `\\\"` (a backslash, a quote of the value) are inside.
fn quoted_end(bytes: &[u8], mut j: usize, escaped: bool) -> usize {
    while j < bytes.len() {
        let rest = &bytes[j..];
        if escaped {
            if rest.starts_with(br#"\\\""#) || rest.starts_with(br#"\\\'"#) {
                j += 4;
            } else if rest.starts_with(b"\\\\") {
                j += 2;
            } else if rest.starts_with(b"\\\"") || rest.starts_with(b"\\'") {
                break;
            } else {
                j += 1;
            }
        } else if rest[0] == b'\\' {
            j += 2;
        } else if rest[0] == b'"' || rest[0] == b'\'' {
            break;
        } else {
            j += 1;
        }
    }
    j.min(bytes.len())
}

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
        // Closing quote of a JSON key (escaped in a debug-printed string), then the separator
        // and spaces.
        while j < line.len() && matches!(bytes[j], b'"' | b'\'' | b'\\' | b' ' | b':' | b'=') {
            out.push(bytes[j] as char);
            j += 1;
        }
        if j == i + key.len() {
            i = j;
            continue;
        }
        let sep = &bytes[i + key.len()..j];
        let quoted = matches!(sep.last(), Some(b'"' | b'\''));
        let escaped = quoted && sep.contains(&b'\\');
        let start = j;
        if quoted {
            j = quoted_end(bytes, j, escaped);
        } else {
            while j < line.len() && !ends_unquoted(bytes[j]) {
                j += 1;
            }
            // `Authorization: Bearer abc`: the scheme, then the credentials.
            let scheme = &line[start..j];
            if *key == "authorization"
                && !scheme.is_empty()
                && scheme.bytes().all(|b| b.is_ascii_alphabetic())
                && bytes.get(j) == Some(&b' ')
            {
                j += 1;
                while j < line.len() && !ends_unquoted(bytes[j]) {
                    j += 1;
                }
            }
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
    let filter = EnvFilter::try_from_env("DSC_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    init_with(dir, filter, true)
}

/// Like [`init`] with an explicit filter (`EnvFilter::new("trace")` logs everything, as the
/// test that scans the logs for secrets does). `lossy`: drop lines rather than wait when the
/// writer falls behind (the app); `false` keeps every line (that test). `None` when logging
/// was set up already.
pub fn init_with(dir: &Path, filter: EnvFilter, lossy: bool) -> Option<WorkerGuard> {
    std::fs::create_dir_all(dir).ok()?;
    let appender = tracing_appender::rolling::daily(dir, "dam-staging-console.log");
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(lossy)
        .finish(appender);
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

    #[test]
    fn redacts_debug_printed_json_headers_and_other_cookies() {
        // A JSON text inside a debug-printed string: the quotes are escaped.
        assert_eq!(
            redact(r#"json="{\"dxUsername\":\"a\",\"dxPassword\":\"s3\\\"cr\\\\et\",\"x\":1}""#),
            r#"json="{\"dxUsername\":\"a\",\"dxPassword\":\"***\",\"x\":1}""#
        );
        // An escaped quote inside a plain JSON value stays inside the value.
        assert_eq!(
            redact(r#"{"password":"a\"b","next":1}"#),
            r#"{"password":"***","next":1}"#
        );
        assert_eq!(
            redact("Authorization: Bearer abc.def-ghi next"),
            "Authorization: *** next"
        );
        assert_eq!(
            redact("authorization=Basic d3Bz; x=1"),
            "authorization=***; x=1"
        );
        assert_eq!(redact("authorization: abc123 x"), "authorization: *** x");
        assert_eq!(
            redact("cookie LtpaToken=old1; JSESSIONID=0000abc:1"),
            "cookie ***; JSESSIONID=***"
        );
        assert_eq!(
            redact("set-cookie: LtpaToken2=abc; Path=/; HttpOnly"),
            "set-cookie: ***; Path=/; HttpOnly"
        );
        assert_eq!(redact("LtpaToken=xyz"), "LtpaToken=***");
    }
}
