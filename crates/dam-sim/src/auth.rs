//! Ring-style session tokens (`LtpaToken2` cookie): login, validation, expiry, logout.
//! Tokens are random; only their SHA-256 is kept (memory and database).

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::HeaderMap;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::config::EnvConfig;
use crate::db::Db;
use crate::timefmt::now_ms;

/// The cookie DX uses for the session.
pub(crate) const COOKIE: &str = "LtpaToken2";

/// Who a valid token belongs to.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub username: String,
    pub admin: bool,
    pub expires_ms: i64,
}

/// Why a request is not authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthFailure {
    Missing,
    Invalid,
    Expired,
}

impl AuthFailure {
    pub fn message(self) -> &'static str {
        match self {
            AuthFailure::Missing => {
                "no LtpaToken2 cookie was sent; log in with POST /dx/api/core/v1/auth/login"
            }
            AuthFailure::Invalid => {
                "the LtpaToken2 token is not valid (unknown, logged out or revoked); log in again"
            }
            AuthFailure::Expired => "the LtpaToken2 token has expired; log in again",
        }
    }
}

/// The session store of one environment.
pub(crate) struct Auth {
    sessions: Mutex<HashMap<String, Session>>,
}

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The `LtpaToken2` value from the request's `Cookie` headers.
pub(crate) fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.trim().to_string())
}

impl Auth {
    /// Loads the unexpired sessions persisted in the database.
    pub fn load(db: &Db) -> rusqlite::Result<Auth> {
        let now = now_ms();
        let sessions = db.with(|c| -> rusqlite::Result<HashMap<String, Session>> {
            c.execute("DELETE FROM tokens WHERE expires_ms <= ?1", [now])?;
            let mut s = c.prepare("SELECT token_hash, username, admin, expires_ms FROM tokens")?;
            let rows = s.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    Session {
                        username: r.get(1)?,
                        admin: r.get(2)?,
                        expires_ms: r.get(3)?,
                    },
                ))
            })?;
            rows.collect()
        })?;
        Ok(Auth {
            sessions: Mutex::new(sessions),
        })
    }

    /// Checks credentials; on success issues a new token.
    pub fn login(
        &self,
        cfg: &EnvConfig,
        db: &Db,
        username: &str,
        password: &str,
    ) -> Option<(String, Session)> {
        let admin = if username == cfg.username && password == cfg.password {
            true
        } else if cfg
            .non_admin
            .as_ref()
            .is_some_and(|(u, p)| u == username && p == password)
        {
            false
        } else {
            return None;
        };
        let mut raw = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut raw);
        let token = hex::encode(raw);
        let ttl = i64::try_from(cfg.token_ttl.as_millis()).unwrap_or(i64::MAX / 2);
        let session = Session {
            username: username.to_string(),
            admin,
            expires_ms: now_ms().saturating_add(ttl),
        };
        let h = digest(&token);
        let s2 = session.clone();
        let h2 = h.clone();
        // Persisting is best effort: a session that is not persisted only ends at a restart.
        let _ = db.with(move |c| {
            c.execute(
                "INSERT OR REPLACE INTO tokens(token_hash, username, admin, expires_ms) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![h2, s2.username, s2.admin, s2.expires_ms],
            )
        });
        self.lock().insert(h, session.clone());
        Some((token, session))
    }

    /// The session of the request's cookie.
    pub fn validate(&self, headers: &HeaderMap) -> Result<Session, AuthFailure> {
        let token = cookie_token(headers).ok_or(AuthFailure::Missing)?;
        let map = self.lock();
        let s = map.get(&digest(&token)).ok_or(AuthFailure::Invalid)?;
        if s.expires_ms <= now_ms() {
            return Err(AuthFailure::Expired);
        }
        Ok(s.clone())
    }

    /// Ends the session of the request's cookie; false if there was none.
    pub fn logout(&self, db: &Db, headers: &HeaderMap) -> bool {
        let Some(token) = cookie_token(headers) else {
            return false;
        };
        let h = digest(&token);
        let _ = db.with(|c| c.execute("DELETE FROM tokens WHERE token_hash = ?1", [&h]));
        self.lock().remove(&h).is_some()
    }

    /// Makes every issued token expire now (they answer 401 "expired" from now on).
    pub fn expire_all(&self, db: &Db) -> usize {
        let now = now_ms();
        let _ = db.with(|c| c.execute("UPDATE tokens SET expires_ms = ?1", [now]));
        let mut map = self.lock();
        for s in map.values_mut() {
            s.expires_ms = now;
        }
        map.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn finds_the_cookie_among_others() {
        let mut h = HeaderMap::new();
        h.append(
            "cookie",
            HeaderValue::from_static("a=1; LtpaToken2=abc ; b=2"),
        );
        assert_eq!(cookie_token(&h).as_deref(), Some("abc"));
        let mut h = HeaderMap::new();
        h.append("cookie", HeaderValue::from_static("LtpaToken=x"));
        assert_eq!(cookie_token(&h), None);
    }

    #[test]
    fn tokens_validate_expire_and_log_out() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("a.db")).unwrap();
        let cfg = EnvConfig::new(crate::Role::Publisher, dir.path().join("a.db"));
        let auth = Auth::load(&db).unwrap();
        assert!(auth.login(&cfg, &db, "wpsadmin", "nope").is_none());
        let (tok, s) = auth.login(&cfg, &db, "wpsadmin", "wpsadmin").unwrap();
        assert!(s.admin);
        let mut h = HeaderMap::new();
        h.insert(
            "cookie",
            HeaderValue::from_str(&format!("LtpaToken2={tok}")).unwrap(),
        );
        assert!(auth.validate(&h).is_ok());
        // persisted: a reload knows it
        assert!(Auth::load(&db).unwrap().validate(&h).is_ok());
        auth.expire_all(&db);
        assert_eq!(auth.validate(&h).unwrap_err(), AuthFailure::Expired);
        let (tok2, s2) = auth.login(&cfg, &db, "dxuser", "dxuser").unwrap();
        assert!(!s2.admin);
        h.insert(
            "cookie",
            HeaderValue::from_str(&format!("LtpaToken2={tok2}")).unwrap(),
        );
        assert!(auth.logout(&db, &h));
        assert_eq!(auth.validate(&h).unwrap_err(), AuthFailure::Invalid);
    }
}
