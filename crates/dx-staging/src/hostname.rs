//! Host names as DX registers them. A subscriber's `targetHost` is usually a bare host name
//! (`dx-subscriber.example.com`, HCL's `register-dam-subscriber -targetHostname`), sometimes
//! with a port or a scheme; a profile holds a protocol, a host and ports. Two spellings name the
//! same environment when their normalised forms match: case-insensitive, without a trailing dot
//! or an `https://`/`http://` prefix or a path, with the default ports (443 for https, 80 for
//! http) the same as none.

/// A host name (or address) and port, normalised for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKey {
    /// Lower case, no trailing dot, IPv6 without brackets.
    pub host: String,
    /// The port; `None` when none was given.
    pub port: Option<u16>,
}

impl HostKey {
    /// Reads `text` (`host`, `host:port`, `https://host[:port][/path]`, `[::1]:443`). A text
    /// without a port takes its scheme's default (443 for https, 80 for http), or none without
    /// a scheme. `None` for an empty text.
    pub fn parse(text: &str) -> Option<HostKey> {
        let t = text.trim();
        let (scheme, rest) = match t.split_once("://") {
            Some((s, r)) => (Some(s.to_ascii_lowercase()), r),
            None => (None, t),
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        if authority.is_empty() {
            return None;
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']')?;
            (
                h.to_string(),
                after.strip_prefix(':').and_then(|p| p.parse().ok()),
            )
        } else if authority.matches(':').count() == 1 {
            let (h, p) = authority.split_once(':')?;
            (h.to_string(), p.parse().ok())
        } else {
            (authority.to_string(), None)
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() {
            return None;
        }
        let port = port.or(match scheme.as_deref() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        });
        Some(HostKey { host, port })
    }
}

/// Whether `a` and `b` name the same environment. A side without a port matches any port of
/// the other only when that port is a default one (443 or 80), or when neither has one; so
/// `dx.example.com` matches `https://DX.example.com.:443/` but not `dx.example.com:8443`.
pub fn same_host(a: &str, b: &str) -> bool {
    let (Some(a), Some(b)) = (HostKey::parse(a), HostKey::parse(b)) else {
        return false;
    };
    if a.host != b.host {
        return false;
    }
    let default = |p: u16| p == 443 || p == 80;
    match (a.port, b.port) {
        (Some(x), Some(y)) => x == y,
        (None, None) => true,
        (Some(p), None) | (None, Some(p)) => default(p),
    }
}

/// Whether `target_host` (a subscriber's registration) names the environment at `url` (a
/// profile's DAM or DX base URL). A bare name stands for the URL's own scheme default.
pub fn target_is(target_host: &str, url: &str) -> bool {
    let (Some(t), Some(u)) = (HostKey::parse(target_host), HostKey::parse(url)) else {
        return false;
    };
    if t.host != u.host {
        return false;
    }
    match (t.port, u.port) {
        (None, _) | (_, None) => true,
        (Some(x), Some(y)) => x == y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_names_as_dx_registers_them_match_urls() {
        let publisher = "https://pub.example.com:443/dx/api/dam/v1";
        for t in [
            "pub.example.com",
            "PUB.Example.COM",
            "pub.example.com.",
            "https://pub.example.com/",
            "pub.example.com:443",
            " pub.example.com ",
        ] {
            assert!(target_is(t, publisher), "{t}");
        }
        assert!(!target_is("pub.example.com:8443", publisher));
        assert!(!target_is("other.example.com", publisher));
        assert!(!target_is("", publisher));
        assert!(target_is(
            "127.0.0.1:4100",
            "http://127.0.0.1:4100/dx/api/dam/v1"
        ));
        assert!(!target_is(
            "127.0.0.1:4200",
            "http://127.0.0.1:4100/dx/api/dam/v1"
        ));
        assert!(target_is("[::1]:4100", "http://[::1]:4100/dx"));
    }

    #[test]
    fn same_host_treats_default_ports_as_none() {
        assert!(same_host("dx.example.com", "https://DX.example.com.:443/"));
        assert!(same_host("dx.example.com", "http://dx.example.com"));
        assert!(same_host(
            "dx.example.com:8443",
            "https://dx.example.com:8443/x"
        ));
        assert!(!same_host("dx.example.com", "dx.example.com:8443"));
        assert!(!same_host("dx.example.com:443", "dx.example.com:8443"));
        assert!(!same_host("a.example.com", "b.example.com"));
        assert_eq!(
            HostKey::parse("https://user@Host.Example.:9443/path?q"),
            Some(HostKey {
                host: "host.example".into(),
                port: Some(9443)
            })
        );
    }
}
