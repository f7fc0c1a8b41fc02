//! Refresh tokens: opaque values in chains (one chain per sign-in), bound to user and client but
//! not to a resource (protocol.md §7.6).
//!
//! Every use returns a new token of the same chain. By default (Entra) the used token stays valid.
//! With `reuse_revokes` (like oidc-provider's rotation) presenting an already used token fails and
//! revokes its whole chain (70000, as does any later use of that chain). `revoke_all` (a password
//! reset, an admin revocation) makes every token issued so far fail with 50173 `bad_token`; later
//! sign-ins start valid chains. Checks in this order: unknown → 9002313, revoked → 50173, chain
//! revoked → 70000, other client → 70000, replay with `reuse_revokes` → 70000.

use super::super::errors::EntraError;
use super::super::ids;
use std::collections::{HashMap, HashSet};

/// What a refresh token stands for.
#[derive(Clone, Debug)]
pub struct RefreshGrant {
    /// The tenant of the sign-in (tokens may be asked for in any tenant).
    pub tenant_id: String,
    pub client_id: String,
    /// The scopes of the sign-in, used when a refresh sends no `scope`.
    pub scopes: Vec<String>,
}

struct Entry {
    grant: RefreshGrant,
    chain: u64,
    used: bool,
    revoked: bool,
    issued_at: jiff::Timestamp,
}

#[derive(Default)]
pub struct RefreshStore {
    tokens: HashMap<String, Entry>,
    revoked_chains: HashSet<u64>,
    next_chain: u64,
    /// Replaying a used token fails and revokes its chain.
    pub reuse_revokes: bool,
    /// When `revoke_all` last ran (the user's TokensValidFrom).
    valid_from: Option<jiff::Timestamp>,
    /// The last refresh token handed out, by any grant.
    pub last_issued: Option<String>,
}

impl RefreshStore {
    /// Starts a new chain (a sign-in) and returns its first token.
    pub fn issue_new_chain(&mut self, grant: RefreshGrant) -> String {
        let chain = self.next_chain;
        self.next_chain += 1;
        self.insert(grant, chain)
    }

    /// Uses `value` for `client_id`: its grant and the chain's next token, or why not.
    pub fn rotate(
        &mut self,
        value: &str,
        client_id: &str,
    ) -> Result<(RefreshGrant, String), EntraError> {
        let reuse_revokes = self.reuse_revokes;
        let entry = self
            .tokens
            .get_mut(value)
            .ok_or_else(EntraError::malformed_grant)?;
        if entry.revoked {
            let issued = ids::entra_timestamp(entry.issued_at);
            let valid_from = self
                .valid_from
                .map_or_else(|| issued.clone(), ids::entra_timestamp);
            return Err(EntraError::refresh_revoked(&issued, &valid_from));
        }
        if self.revoked_chains.contains(&entry.chain) {
            return Err(EntraError::grant_invalid());
        }
        if !entry.grant.client_id.eq_ignore_ascii_case(client_id) {
            return Err(EntraError::grant_invalid());
        }
        if entry.used && reuse_revokes {
            let chain = entry.chain;
            self.revoked_chains.insert(chain);
            return Err(EntraError::grant_invalid());
        }
        entry.used = true;
        let (grant, chain) = (entry.grant.clone(), entry.chain);
        let next = self.insert(grant.clone(), chain);
        Ok((grant, next))
    }

    /// Revokes every token issued so far.
    pub fn revoke_all(&mut self) {
        for entry in self.tokens.values_mut() {
            entry.revoked = true;
        }
        self.valid_from = Some(jiff::Timestamp::now());
    }

    fn insert(&mut self, grant: RefreshGrant, chain: u64) -> String {
        let value = format!("1.AQ{}", ids::random_b64url(160));
        self.tokens.insert(
            value.clone(),
            Entry {
                grant,
                chain,
                used: false,
                revoked: false,
                issued_at: jiff::Timestamp::now(),
            },
        );
        self.last_issued = Some(value.clone());
        value
    }
}
