//! Profile management against the in-memory profile file and stores: what gets written, what
//! is refused before anything is written, and what happens to secrets and cached tokens.

use secrecy::{ExposeSecret, SecretString};

use super::{
    CreateRequest, EditRequest, ProfilePorts, create, delete, edit, logout, rename, set_secret,
};
use crate::app::usecases::error::{EditError, Error, ErrorKind, NameUse};
use crate::app::usecases::profiles::summary::{list, show};
use crate::app::usecases::test_support::{
    AnsweringTerminal, FakeProfiles, FakeStores, UnattendedTerminal,
};
use crate::domain::account::Account;
use crate::domain::cache_key::CacheKey;
use crate::domain::profile::{ProfileSettings, ScopeList};
use crate::domain::token::Token;
use crate::ports::env::MapEnv;
use crate::ports::profile_repository::ProfileRepoError;
use crate::ports::secret_store::{SecretKind, SecretStore};
use crate::ports::terminal::Terminal;
use crate::ports::token_cache::TokenCache;

const TENANT: &str = "contoso.onmicrosoft.com";
const CLIENT: &str = "3d2c1b0a-5f4e-4d3c-9b2a-1f0e9d8c7b6a";
const OTHER_CLIENT: &str = "6e1f4a2b-3c5d-4e7f-8a9b-0c1d2e3f4a5b";

fn settings(client: &str) -> ProfileSettings {
    ProfileSettings {
        tenant_id: Some(TENANT.into()),
        client_id: Some(client.into()),
        ..ProfileSettings::default()
    }
}

/// The file, the stores and a terminal, lent to the use cases as ports.
struct World {
    profiles: FakeProfiles,
    env: MapEnv,
    stores: FakeStores,
    terminal: Box<dyn Terminal>,
}

impl World {
    fn new(profiles: FakeProfiles) -> Self {
        Self {
            profiles,
            env: MapEnv::default(),
            stores: FakeStores::lasting(),
            terminal: Box::new(UnattendedTerminal::default()),
        }
    }

    fn answering(mut self, answers: &[Option<&str>]) -> Self {
        self.terminal = Box::new(AnsweringTerminal::answering(answers));
        self
    }

    fn ports(&self) -> ProfilePorts<'_> {
        ProfilePorts {
            profiles: &self.profiles,
            env: &self.env,
            stores: &self.stores,
            terminal: &*self.terminal,
        }
    }

    fn secret(&self, profile: &str, kind: SecretKind) -> Option<String> {
        self.stores
            .secrets
            .get(profile, kind)
            .unwrap()
            .map(|s| s.expose_secret().to_owned())
    }

    /// Caches a token (and a saved sign-in) for profile `name` as the file holds it now.
    fn cache_token_of(&self, name: &str, scope: &str) -> CacheKey {
        let profile = self.profiles.table(name).unwrap().validate(name).unwrap();
        let scopes = crate::domain::scopes::Scopes::parse(scope).unwrap();
        let key = CacheKey::new(&profile, "app", &scopes);
        let token = Token {
            access_token: SecretString::from("at"),
            token_type: "Bearer".into(),
            expires_on: 4_000_000_000,
            ext_expires_on: None,
            refresh_on: None,
            scope: scope.into(),
            tenant_id: TENANT.into(),
            cached_at: 1_000,
        };
        self.stores.cache.store(&key, &token).unwrap();
        let account = Account {
            home_account_id: "uid.utid".into(),
            username: Some("alice@contoso.com".into()),
            refresh_token: SecretString::from("rt"),
            updated_at: 1_000,
        };
        self.stores
            .cache
            .store_account(&CacheKey::identity_of(&profile), &account)
            .unwrap();
        key
    }

    fn cached_keys(&self) -> Vec<CacheKey> {
        self.stores
            .cache
            .list()
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }
}

fn edit_error(result: Result<impl std::fmt::Debug, Error>) -> EditError {
    match result {
        Err(Error::Edit(error)) => error,
        other => panic!("expected an edit error, got {other:?}"),
    }
}

fn piped(secret: &'static str) -> impl Fn(&str) -> Result<SecretString, Error> {
    move |_| Ok(SecretString::from(secret))
}

#[test]
fn create_writes_the_profile_and_stores_a_piped_secret() {
    let world = World::new(FakeProfiles::new());
    let read = piped("s3cret");
    let written = create(
        &world.ports(),
        CreateRequest {
            name: Some("work".into()),
            settings: ProfileSettings {
                scopes: Some(ScopeList::Text("api://a/.default".into())),
                ..settings(CLIENT)
            },
            client_secret: Some(&read),
            overwrite: false,
        },
    )
    .unwrap();
    assert_eq!(written.name, "work");
    assert_eq!(written.location, "/cfg/config.toml");
    assert_eq!(written.secret_stored_in, Some("keyring"));
    let table = world.profiles.table("work").unwrap();
    assert_eq!(table.tenant_id.as_deref(), Some(TENANT));
    assert_eq!(
        table.auth_method.as_deref(),
        Some("client-secret"),
        "recorded, so get-token never looks in the store to choose a flow"
    );
    // Stored bound to where the profile sends it (issue 19, point 9).
    let stored = world.secret("work", SecretKind::ClientSecret).unwrap();
    match crate::domain::secret_binding::unbind(&secrecy::SecretString::from(stored)) {
        crate::domain::secret_binding::StoredSecret::Bound {
            destination,
            secret,
        } => {
            assert_eq!(secrecy::ExposeSecret::expose_secret(&secret), "s3cret");
            assert_eq!(destination.tenant, TENANT);
            assert_eq!(destination.client, CLIENT);
        }
        _ => panic!("the secret is stored bound to its destination"),
    }
}

#[test]
fn create_refuses_what_it_cannot_write_before_writing_anything() {
    let world = World::new(FakeProfiles::new().with("Work", settings(CLIENT)));
    let request = |name: &str, settings: ProfileSettings| CreateRequest {
        name: Some(name.into()),
        settings,
        client_secret: None,
        overwrite: false,
    };
    match edit_error(create(
        &world.ports(),
        request("work", settings(OTHER_CLIENT)),
    )) {
        EditError::Exists { name, used_for, .. } => {
            assert_eq!(name, "Work", "named as written");
            assert_eq!(used_for, NameUse::Create);
        }
        other => panic!("{other:?}"),
    }
    let no_tenant = ProfileSettings {
        tenant_id: None,
        ..settings(CLIENT)
    };
    assert!(matches!(
        edit_error(create(&world.ports(), request("dev", no_tenant))),
        EditError::MissingField { field: "tenant_id" }
    ));
    let bad_tenant = ProfileSettings {
        tenant_id: Some("contoso".into()),
        ..settings(CLIENT)
    };
    assert!(matches!(
        edit_error(create(&world.ports(), request("dev", bad_tenant))),
        EditError::InvalidField {
            field: "tenant_id",
            ..
        }
    ));
    assert!(matches!(
        edit_error(create(&world.ports(), request("a/b", settings(CLIENT)))),
        EditError::BadName { .. }
    ));
    assert_eq!(world.profiles.saves(), 0, "nothing was written");
    assert_eq!(world.profiles.written_names(), ["Work"]);
}

#[test]
fn create_with_overwrite_replaces_the_whole_profile() {
    let old = ProfileSettings {
        login_hint: Some("bob@contoso.com".into()),
        ..settings(CLIENT)
    };
    let world = World::new(FakeProfiles::new().with("work", old));
    create(
        &world.ports(),
        CreateRequest {
            name: Some("WORK".into()),
            settings: settings(OTHER_CLIENT),
            client_secret: None,
            overwrite: true,
        },
    )
    .unwrap();
    assert_eq!(world.profiles.written_names(), ["WORK"]);
    let table = world.profiles.table("WORK").unwrap();
    assert_eq!(table.client_id.as_deref(), Some(OTHER_CLIENT));
    assert_eq!(
        table.login_hint, None,
        "no field of the old profile is kept"
    );
}

#[test]
fn create_asks_for_what_is_missing_on_a_terminal() {
    let world = World::new(FakeProfiles::new()).answering(&[
        Some("lab"),
        Some(TENANT),
        Some(CLIENT),
        None, // the default scope
    ]);
    let written = create(
        &world.ports(),
        CreateRequest {
            name: None,
            settings: ProfileSettings::default(),
            client_secret: None,
            overwrite: false,
        },
    )
    .unwrap();
    assert_eq!(written.name, "lab");
    let table = world.profiles.table("lab").unwrap();
    assert_eq!(table.client_id.as_deref(), Some(CLIENT));
    assert_eq!(
        table.scopes,
        Some(ScopeList::Text(
            "https://graph.microsoft.com/.default".into()
        ))
    );
}

#[test]
fn create_without_a_config_directory_or_a_working_disk_fails_and_keeps_the_secret_out() {
    let world = World::new(FakeProfiles::nowhere());
    let error = create(
        &world.ports(),
        CreateRequest {
            name: Some("work".into()),
            settings: settings(CLIENT),
            client_secret: None,
            overwrite: false,
        },
    )
    .unwrap_err();
    assert_eq!(
        error,
        Error::Profile(crate::app::usecases::error::ProfileFailure::Repo(
            ProfileRepoError::NoLocation
        ))
    );

    let world = World::new(FakeProfiles::new().failing_saves());
    let read = piped("s3cret");
    let error = create(
        &world.ports(),
        CreateRequest {
            name: Some("work".into()),
            settings: settings(CLIENT),
            client_secret: Some(&read),
            overwrite: false,
        },
    )
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Io, "{error:?}");
    assert_eq!(
        world.secret("work", SecretKind::ClientSecret),
        None,
        "no secret for a profile that was not written"
    );
}

#[test]
fn edit_sets_and_unsets_fields_and_keeps_the_rest() {
    let world = World::new(FakeProfiles::new().with(
        "Work",
        ProfileSettings {
            login_hint: Some("bob@contoso.com".into()),
            port: Some(8400),
            ..settings(CLIENT)
        },
    ));
    let written = edit(
        &world.ports(),
        EditRequest {
            profile: "work".into(),
            settings: ProfileSettings {
                flow: Some("device-code".into()),
                ..ProfileSettings::default()
            },
            unset: vec!["port".into()],
            client_secret: None,
        },
    )
    .unwrap();
    assert_eq!(written.name, "Work");
    let table = world.profiles.table("Work").unwrap();
    assert_eq!(table.flow.as_deref(), Some("device-code"));
    assert_eq!(table.port, None);
    assert_eq!(table.login_hint.as_deref(), Some("bob@contoso.com"));
    assert_eq!(table.client_id.as_deref(), Some(CLIENT));
}

#[test]
fn edit_refuses_unknown_profiles_fields_and_empty_edits() {
    let world = World::new(FakeProfiles::new().with("work", settings(CLIENT)));
    let request = |profile: &str, unset: Vec<String>| EditRequest {
        profile: profile.into(),
        settings: ProfileSettings::default(),
        unset,
        client_secret: None,
    };
    let missing = edit(&world.ports(), request("dev", vec![])).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::ProfileNotFound, "exit 2");
    assert!(matches!(
        edit_error(edit(&world.ports(), request("work", vec!["tenantid".into()]))),
        EditError::UnknownField { field } if field == "tenantid"
    ));
    assert!(matches!(
        edit_error(edit(&world.ports(), request("work", vec![]))),
        EditError::NothingToChange
    ));
    let bad = EditRequest {
        settings: ProfileSettings {
            flow: Some("password".into()),
            ..ProfileSettings::default()
        },
        ..request("work", vec![])
    };
    assert!(matches!(
        edit_error(edit(&world.ports(), bad)),
        EditError::InvalidField { field: "flow", .. }
    ));
    assert_eq!(world.profiles.saves(), 0);
}

#[test]
fn rename_moves_the_secrets_with_the_profile() {
    let world = World::new(
        FakeProfiles::new()
            .with("work", settings(CLIENT))
            .with("home", settings(OTHER_CLIENT)),
    );
    world
        .stores
        .secrets
        .set("work", SecretKind::ClientSecret, &SecretString::from("s"))
        .unwrap();
    let (from, to) = rename(&world.ports(), "WORK", "office").unwrap();
    assert_eq!((from.as_str(), to.as_str()), ("work", "office"));
    assert_eq!(world.profiles.written_names(), ["office", "home"]);
    assert_eq!(
        world.secret("office", SecretKind::ClientSecret).as_deref(),
        Some("s")
    );
    assert_eq!(world.secret("work", SecretKind::ClientSecret), None);

    match edit_error(rename(&world.ports(), "office", "Home")) {
        EditError::Exists { name, used_for, .. } => {
            assert_eq!(name, "home");
            assert_eq!(used_for, NameUse::RenameTo);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        edit_error(rename(&world.ports(), "office", ".hidden")),
        EditError::BadName {
            used_for: NameUse::RenameTo,
            ..
        }
    ));
    // Renaming to another spelling of its own name is allowed.
    rename(&world.ports(), "office", "Office").unwrap();
    assert_eq!(world.profiles.written_names(), ["Office", "home"]);
    assert_eq!(
        world.secret("Office", SecretKind::ClientSecret).as_deref(),
        Some("s"),
        "a new spelling keeps the secret"
    );
}

#[test]
fn delete_removes_the_profile_its_secrets_and_only_its_tokens() {
    let world = World::new(
        FakeProfiles::new()
            .with("work", settings(CLIENT))
            .with("home", settings(OTHER_CLIENT)),
    );
    world.cache_token_of("work", "api://a/.default");
    world.cache_token_of("work", "api://b/.default");
    let kept = world.cache_token_of("home", "api://a/.default");
    world
        .stores
        .secrets
        .set(
            "work",
            SecretKind::CertificatePassword,
            &SecretString::from("p"),
        )
        .unwrap();

    let deleted = delete(&world.ports(), "Work", true).unwrap();
    assert_eq!(deleted.name, "work");
    assert_eq!(deleted.cached_tokens, 2);
    assert_eq!(world.profiles.written_names(), ["home"]);
    assert_eq!(world.secret("work", SecretKind::CertificatePassword), None);
    assert_eq!(world.cached_keys(), [kept]);
    assert_eq!(world.stores.cache.list_accounts().unwrap().len(), 1);
}

#[test]
fn delete_needs_a_yes() {
    let world = World::new(FakeProfiles::new().with("work", settings(CLIENT)));
    assert!(matches!(
        edit_error(delete(&world.ports(), "work", false)),
        EditError::NeedsConfirmation { name } if name == "work"
    ));
    let world =
        World::new(FakeProfiles::new().with("work", settings(CLIENT))).answering(&[Some("n")]);
    assert!(matches!(
        edit_error(delete(&world.ports(), "work", false)),
        EditError::NotConfirmed
    ));
    assert_eq!(world.profiles.written_names(), ["work"]);
    let world =
        World::new(FakeProfiles::new().with("work", settings(CLIENT))).answering(&[Some("YES")]);
    delete(&world.ports(), "work", false).unwrap();
    assert!(world.profiles.written_names().is_empty());
}

#[test]
fn logout_forgets_tokens_and_sign_ins_but_keeps_secrets() {
    let world = World::new(
        FakeProfiles::new()
            .with("work", settings(CLIENT))
            .with("home", settings(OTHER_CLIENT)),
    );
    world.cache_token_of("work", "api://a/.default");
    let kept = world.cache_token_of("home", "api://a/.default");
    world
        .stores
        .secrets
        .set("work", SecretKind::ClientSecret, &SecretString::from("s"))
        .unwrap();

    let out = logout(&world.ports(), Some("WORK")).unwrap();
    assert_eq!(out.profile.as_deref(), Some("work"));
    assert_eq!((out.tokens, out.sign_ins), (1, 1));
    assert_eq!(out.backend, "keyring");
    assert_eq!(world.cached_keys(), [kept]);
    assert_eq!(
        world.secret("work", SecretKind::ClientSecret).as_deref(),
        Some("s"),
        "logout is not delete"
    );

    let all = logout(&world.ports(), None).unwrap();
    assert_eq!((all.profile, all.tokens, all.sign_ins), (None, 1, 1));
    assert!(world.cached_keys().is_empty());

    let unknown = logout(&world.ports(), Some("dev")).unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::ProfileNotFound);
}

#[test]
fn set_secret_refuses_a_store_that_keeps_nothing_before_reading_the_secret() {
    let mut world = World::new(FakeProfiles::new().with("work", settings(CLIENT)));
    world.stores = FakeStores::memory();
    let read = |_: &str| -> Result<SecretString, Error> { panic!("the secret is not read") };
    assert!(matches!(
        edit_error(set_secret(
            &world.ports(),
            "work",
            SecretKind::ClientSecret,
            &read
        )),
        EditError::EphemeralStore {
            backend: "memory",
            ..
        }
    ));
    world.stores = FakeStores::lasting();
    let read = piped("s");
    let stored = set_secret(&world.ports(), "WORK", SecretKind::ClientSecret, &read).unwrap();
    assert_eq!(stored.profile, "work");
    assert_eq!(stored.backend, "keyring");
}

#[test]
fn list_and_show_describe_profiles_from_the_file_and_the_environment() {
    let mut world = World::new(FakeProfiles::new().with("work", settings(CLIENT)).with(
        "broken",
        ProfileSettings {
            flow: Some("password".into()),
            ..settings(CLIENT)
        },
    ));
    world.env = MapEnv::from_pairs([("AZURE_TENANT_ID", TENANT), ("AZURE_CLIENT_ID", CLIENT)]);
    let summaries = list(&world.ports()).unwrap();
    let rows: Vec<(&str, &str, bool)> = summaries
        .iter()
        .map(|s| (s.name.as_str(), s.source, s.problem.is_some()))
        .collect();
    assert_eq!(
        rows,
        [
            ("work", "config", false),
            ("broken", "config", true),
            ("default", "environment", false)
        ]
    );
    world
        .stores
        .secrets
        .set("work", SecretKind::ClientSecret, &SecretString::from("s"))
        .unwrap();
    let shown = show(&world.ports(), "WORK").unwrap();
    assert_eq!(shown.secrets.as_deref(), Some(&["secret".to_owned()][..]));
    assert_eq!(shown.client_id.as_deref(), Some(CLIENT));
}
