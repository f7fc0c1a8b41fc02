//! `status` against the in-memory profile file and stores: what it reports per profile, the
//! tokens nobody claims, and a store that cannot be chosen.

use secrecy::SecretString;

use super::{StatusPorts, gather};
use crate::app::usecases::error::Error;
use crate::app::usecases::test_support::{FakeProfiles, FakeStores, NoStores};
use crate::domain::account::Account;
use crate::domain::cache_key::CacheKey;
use crate::domain::profile::ProfileSettings;
use crate::domain::scopes::Scopes;
use crate::domain::token::Token;
use crate::ports::env::MapEnv;
use crate::ports::secret_store::{SecretKind, SecretStore};
use crate::ports::store::StoreProvider;
use crate::ports::token_cache::TokenCache;

const NOW: i64 = 1_700_000_000;

fn settings(client: &str) -> ProfileSettings {
    ProfileSettings {
        tenant_id: Some("contoso.onmicrosoft.com".into()),
        client_id: Some(client.into()),
        ..ProfileSettings::default()
    }
}

fn token(expires_on: i64) -> Token {
    Token {
        access_token: SecretString::from("at"),
        token_type: "Bearer".into(),
        expires_on,
        ext_expires_on: None,
        refresh_on: None,
        scope: "api://a/.default".into(),
        tenant_id: "contoso.onmicrosoft.com".into(),
        cached_at: NOW,
    }
}

fn cache(stores: &FakeStores, settings: ProfileSettings, name: &str, account: &str) -> CacheKey {
    let profile = settings.validate(name).unwrap();
    let key = CacheKey::new(
        &profile,
        account,
        &Scopes::parse("api://a/.default").unwrap(),
    );
    stores.cache.store(&key, &token(NOW + 3600)).unwrap();
    key
}

fn run(
    profiles: &FakeProfiles,
    env: &MapEnv,
    stores: &dyn StoreProvider,
) -> (super::StatusReport, Option<Error>) {
    gather(
        &StatusPorts {
            profiles,
            env,
            stores,
        },
        Some("/cache".into()),
        NOW,
    )
    .unwrap()
}

#[test]
fn each_profile_with_its_secret_names_sign_in_and_tokens_and_the_unclaimed_rest() {
    let profiles = FakeProfiles::new().with("work", settings("client-w")).with(
        "broken",
        ProfileSettings {
            flow: Some("password".into()),
            ..settings("client-b")
        },
    );
    let stores = FakeStores::lasting();
    cache(&stores, settings("client-w"), "work", "app");
    // A token of a profile that was renamed away: nobody claims it.
    cache(&stores, settings("client-gone"), "gone", "app");
    stores
        .secrets
        .set("work", SecretKind::ClientSecret, &SecretString::from("s"))
        .unwrap();
    let identity = CacheKey::identity_of(&settings("client-w").validate("work").unwrap());
    stores
        .cache
        .store_account(
            &identity,
            &Account {
                home_account_id: "uid.utid".into(),
                username: Some("alice@contoso.com".into()),
                refresh_token: SecretString::from("rt"),
                updated_at: NOW,
            },
        )
        .unwrap();
    let env = MapEnv::from_pairs([("AZURE_CLIENT_SECRET", "from-env")]);

    let (report, error) = run(&profiles, &env, &stores);
    assert!(error.is_none());
    assert_eq!(report.config_file.as_deref(), Some("/cfg/config.toml"));
    assert!(report.config_file_exists);
    assert_eq!(report.cache_dir.as_deref(), Some("/cache"));
    assert_eq!(report.store.backend, "keyring");
    assert!(report.client_secret_from_environment);
    assert_eq!(report.other_cached_tokens, 1);

    let work = &report.profiles[0];
    assert_eq!(work.name, "work");
    assert_eq!(work.secrets, ["secret"]);
    assert_eq!(work.signed_in_as.as_deref(), Some("alice@contoso.com"));
    assert_eq!(work.client_id.as_deref(), Some("client-w"));
    assert_eq!(work.cached_tokens.len(), 1);
    assert_eq!(work.cached_tokens[0].expires_in, 3600);
    assert_eq!(work.cached_tokens[0].scope, "api://a/.default");
    assert_eq!(work.error, None);

    let broken = &report.profiles[1];
    assert_eq!(broken.name, "broken");
    assert!(
        broken.error.as_deref().is_some_and(|e| e.contains("flow")),
        "{broken:?}"
    );
    assert!(broken.cached_tokens.is_empty());
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("from-env"), "never a secret: {json}");
    assert!(
        !json.contains("\"rt\"") && !json.contains("\"at\""),
        "{json}"
    );
}

#[test]
fn a_store_that_cannot_be_chosen_is_reported_and_returned() {
    let profiles = FakeProfiles::new().with("work", settings("client-w"));
    let (report, error) = run(&profiles, &MapEnv::default(), &NoStores);
    assert_eq!(report.store.backend, "none");
    assert!(
        report
            .store
            .error
            .as_deref()
            .is_some_and(|e| e.contains("ENTRA_AUTH_STORE=keyring")),
        "{:?}",
        report.store
    );
    assert_eq!(report.profiles.len(), 1, "profiles are still listed");
    assert!(matches!(error, Some(Error::Store(_))), "{error:?}");
}

#[test]
fn no_file_and_only_the_environment_lists_the_default_profile() {
    let env = MapEnv::from_pairs([
        ("AZURE_TENANT_ID", "contoso.onmicrosoft.com"),
        ("AZURE_CLIENT_ID", "c"),
    ]);
    let (report, _) = run(&FakeProfiles::new(), &env, &FakeStores::memory());
    assert!(!report.config_file_exists);
    assert!(!report.client_secret_from_environment);
    let names: Vec<&str> = report.profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["default"]);
    assert_eq!(report.store.backend, "memory");
}
