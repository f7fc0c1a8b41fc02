//! Token replies rendered once per resource and second: every client asking for the same
//! resource within a second gets the same bytes (the reply's `expires_in` counts whole seconds),
//! so the hot path of a busy endpoint is a lookup and one write. A new token (refreshed,
//! replaced) or a new second renders again; the cache holds at most [`LIMIT`] resources.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use super::http::response_bytes;
use super::reply;
use crate::domain::token::Token;

/// The most resources kept; beyond it the cache starts again.
const LIMIT: usize = 256;

struct Rendered {
    second: i64,
    token: Arc<Token>,
    keep_alive: Rc<[u8]>,
}

/// The rendered keep-alive replies, by resource as the client wrote it.
#[derive(Default)]
pub struct TokenReplies {
    entries: RefCell<HashMap<String, Rendered>>,
}

impl TokenReplies {
    /// The whole HTTP response (head and body, `Connection: keep-alive`) serving `token` for
    /// `resource` at `now`.
    pub fn keep_alive(
        &self,
        resource: &str,
        token: &Arc<Token>,
        client_id: &str,
        now: i64,
    ) -> Rc<[u8]> {
        if let Some(hit) = self.entries.borrow().get(resource)
            && hit.second == now
            && Arc::ptr_eq(&hit.token, token)
        {
            return Rc::clone(&hit.keep_alive);
        }
        let rendered: Rc<[u8]> =
            response_bytes(&reply::token(token, resource, client_id, now), true).into();
        let mut entries = self.entries.borrow_mut();
        if entries.len() >= LIMIT && !entries.contains_key(resource) {
            entries.clear();
        }
        entries.insert(
            resource.to_owned(),
            Rendered {
                second: now,
                token: Arc::clone(token),
                keep_alive: Rc::clone(&rendered),
            },
        );
        rendered
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    fn token(value: &str) -> Arc<Token> {
        Arc::new(Token {
            access_token: SecretString::from(value.to_owned()),
            token_type: "Bearer".to_owned(),
            expires_on: 10_000,
            ext_expires_on: None,
            refresh_on: None,
            scope: String::new(),
            tenant_id: String::new(),
            cached_at: 0,
        })
    }

    #[test]
    fn the_same_second_and_token_reuse_the_bytes_and_anything_new_renders_again() {
        let replies = TokenReplies::default();
        let first = token("a.b.c");
        let one = replies.keep_alive("r", &first, "cid", 100);
        assert!(Rc::ptr_eq(
            &one,
            &replies.keep_alive("r", &first, "cid", 100)
        ));
        let later = replies.keep_alive("r", &first, "cid", 101);
        assert!(!Rc::ptr_eq(&one, &later));
        assert!(String::from_utf8_lossy(&later).contains("\"expires_in\":\"9899\""));
        let renewed = replies.keep_alive("r", &token("d.e.f"), "cid", 101);
        assert!(String::from_utf8_lossy(&renewed).contains("d.e.f"));
        let text = String::from_utf8_lossy(&one).into_owned();
        assert!(
            text.starts_with("HTTP/1.1 200 OK\r\n") && text.contains("Connection: keep-alive\r\n")
        );
    }
}
