//! The one integration-test binary: the real `entra-auth-cli` end to end against the Entra
//! emulator (and, in `#[ignore]`d tests, independent peers), plus the emulator's own tests.
//! Helpers live in `support/` (one concern per file, re-exported as `crate::support::NAME`);
//! every other module is a test suite, one line each below says what goes there.

/// Layering rules of `src/` (ARCHITECTURE.md): the tree, who may import whom, file sizes.
mod architecture;
/// The `az` shim: the binary started as `az`, every command line SDKs use, forwarding.
mod az_shim;
/// `AZURE_*` and named profiles: what they may change, what is said, empty variables.
mod azure_variables;
/// Secretless CI: GitHub Actions, Azure Pipelines and GitLab tokens as federated credentials.
mod ci;
/// Secretless CI refusals: what the job presented next to what Entra said (snapshots).
mod ci_errors;
/// `exec` in a CI job: the child's SDKs get tokens with no secret, past the first CI token.
mod ci_exec;
/// Claims challenges (CAE): `--claims`, client capabilities, never the cached token.
mod claims;
/// `docs/cli-reference.md` and the README's tables are generated from the code.
mod cli_reference;
/// Completion scripts loaded into bash, fish and zsh, asked what a Tab offers.
mod completions;
/// `config create/edit/rename/delete/list/show/set-secret` end to end.
mod config_commands;
/// App credentials: certificates, federated tokens, managed identity (IMDS, App Service).
mod credentials;
/// `discover` and `completions` against the emulator's Microsoft Graph.
mod discover;
/// The docker credential helper against the emulated ACR; skopeo pulls through it (ignored part).
mod docker_credential;
/// The static release binary alone in an empty root filesystem (ignored: needs that build).
mod empty_root;
/// The Entra emulator (shared with `bench/`): the server every suite talks to.
#[path = "../emulator/mod.rs"]
mod emulator;
/// Tests of the emulator itself over real HTTP.
mod emulator_selftest;
/// The credential endpoint under attack: slow, idle and crowding clients, other users, a freed port.
mod endpoint_hardening;
/// `exec`: the child's environment, its credential endpoint, exit codes and signals.
mod exec;
/// Microsoft's own SDKs (Python, JS) as `exec`'s child (ignored: needs the SDKs).
mod exec_sdk;
/// `config export` / `config import` (and the seed tool's formats in `export_import/`).
mod export_import;
/// A new user's first hour: mistakes that must end in a helpful message.
mod first_hour;
/// A new user's first hour, round two: answers, flags, long names, `inspect --check`.
mod first_hour_round_two;
/// Every bad input of `get-token`, with its exit code and message (snapshots).
mod get_token_errors;
/// `get-token` with client credentials: outputs, the cache, layering, logging.
mod get_token_flow;
/// `git-credential` with real git against a loopback smart-HTTP server.
mod git_credential;
/// `--help` of every command (snapshots).
mod help;
/// Hostile or broken servers: redirects, endless bodies, garbage replies.
mod hostile_servers;
/// `inspect`: JWTs decoded offline.
mod inspect;
/// The keyring store's kernel-keyring fast tier (Linux).
#[cfg(target_os = "linux")]
mod keyring_fast_tier;
/// The kernel keyring tier without possession of the user keyring, and its byte budget.
#[cfg(target_os = "linux")]
mod keyring_possession;
/// kubectl's exec credential plugin with real kubectl (ignored: needs kubectl).
mod kubectl;
/// A removed profile's stored secret is never sent for a new profile of the same name.
mod leftover_secrets;
/// Every output format of every command that prints more than a token (snapshots).
mod output_formats;
/// The CLI against an independent authorization server, oidc-provider (ignored: needs npm).
mod peer_smoke;
/// Which profile a command acts on: `-p`, `ENTRA_AUTH_PROFILE`, `default`.
mod profile_selection;
/// The README's GitHub Actions, Azure Pipelines and GitLab examples, run against the emulators.
mod readme_ci;
/// The README's shell recipes: each is run here as written, or says why not.
mod readme_recipes;
/// `serve`: the credential endpoint as a sidecar, with real SDK clients on 127.0.0.2.
mod serve;
/// Secure storage: Secret Service, the encrypted file store, fallbacks, parallel runs.
mod storage;
/// Helpers: the hermetic `TestEnv`, output readers, snapshot filters, fixtures and peers.
mod support;
/// Cache, config and lock directories another user could tamper with (attacker: uid 65534).
#[cfg(unix)]
mod untrusted_dirs;
/// User sign-in against the emulator: browser (PKCE), device code, refresh.
mod user_flows;
/// The same user flows against oidc-provider and headless Chromium (ignored: needs peers).
mod user_flows_peer;
/// What `-v` says: layers, store, cache, HTTP calls (snapshots, no secrets).
mod verbose;

// The helper modules' older paths (`crate::certs::...`), still used by some suites.
use support::{certs, https_server, oidc_peer, secret_service};
