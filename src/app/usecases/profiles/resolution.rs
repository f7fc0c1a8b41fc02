//! Resolves the profile to run with: the `[profiles.NAME]` table from the profile repository,
//! then the environment (`AZURE_*`, then `ENTRA_AUTH_*`), then command-line flags, each layer
//! overriding the fields it sets. With no matching table, the environment alone makes the
//! `default` profile (containers, CI).

use crate::app::usecases::error::{Error, ProfileFailure};
use crate::domain::env_vars::EnvVars;
use crate::domain::profile::{FIELDS, Profile, ProfileSettings, entra_env_name};
use crate::ports::env::Env;
use crate::ports::profile_repository::ProfileRepository;

/// The name used when neither `-p` nor `ENTRA_AUTH_PROFILE` is given.
pub const DEFAULT_PROFILE: &str = "default";

fn azure_layer(env: &dyn Env) -> Result<ProfileSettings, ProfileFailure> {
    let mut settings = ProfileSettings::default();
    for spec in FIELDS {
        let Some(var) = spec.azure_env else { continue };
        if let Some(value) = env.non_empty(var) {
            settings
                .set_text(spec.name, &value)
                .map_err(|error| ProfileFailure::EnvVar {
                    var: var.to_owned(),
                    error,
                })?;
        }
    }
    Ok(settings)
}

/// What the Azure Pipelines AzureCLI@2/AzurePowerShell@5 tasks (and terraform) set: the app,
/// tenant and service connection, used only where the profile has none (the lowest layer).
fn pipelines_layer(env: &dyn Env) -> ProfileSettings {
    ProfileSettings {
        tenant_id: env.non_empty(EnvVars::AZURESUBSCRIPTION_TENANT_ID),
        client_id: env.non_empty(EnvVars::AZURESUBSCRIPTION_CLIENT_ID),
        service_connection_id: env
            .non_empty(EnvVars::AZURESUBSCRIPTION_SERVICE_CONNECTION_ID)
            .or_else(|| env.non_empty(EnvVars::ARM_OIDC_AZURE_SERVICE_CONNECTION_ID)),
        ..ProfileSettings::default()
    }
}

fn entra_layer(env: &dyn Env) -> Result<ProfileSettings, ProfileFailure> {
    let mut settings = ProfileSettings::default();
    for spec in FIELDS {
        let var = entra_env_name(spec.name);
        if let Some(value) = env.non_empty(&var) {
            settings
                .set_text(spec.name, &value)
                .map_err(|error| ProfileFailure::EnvVar { var, error })?;
        }
    }
    Ok(settings)
}

/// Resolves and validates profile `name`.
///
/// # Errors
/// `NotFound` (exit 2) when no table matches and the environment does not define the `default`
/// profile; `Invalid`/`EnvVar`/`Repo` (exit 1) for invalid or missing fields.
pub fn resolve_profile(
    profiles: &dyn ProfileRepository,
    env: &dyn Env,
    name: &str,
    flags: &ProfileSettings,
) -> Result<Profile, Error> {
    let azure = azure_layer(env)?;
    let entra = entra_layer(env)?;
    let (resolved_name, file) = match profiles.get(name)? {
        Some(stored) => (stored.name, stored.settings),
        None => {
            if !(name.eq_ignore_ascii_case(DEFAULT_PROFILE) && environment_defines_default(env)) {
                return Err(not_found(profiles, env, name));
            }
            (DEFAULT_PROFILE.to_owned(), ProfileSettings::default())
        }
    };
    let settings = pipelines_layer(env)
        .overlay(file)
        .overlay(azure)
        .overlay(entra)
        .overlay(flags.clone());
    let invalid = |error| ProfileFailure::Invalid {
        error,
        location: profiles.location(),
    };
    let profile = settings.validate(&resolved_name).map_err(invalid)?;
    profile.check_tenant().map_err(invalid)?;
    Ok(profile)
}

/// True when the environment alone defines the `default` profile (the container case).
#[must_use]
pub fn environment_defines_default(env: &dyn Env) -> bool {
    FIELDS.iter().any(|spec| {
        spec.azure_env
            .is_some_and(|var| env.non_empty(var).is_some())
            || env.non_empty(&entra_env_name(spec.name)).is_some()
    }) || env.non_empty(EnvVars::AZURE_CLIENT_SECRET).is_some()
        || env
            .non_empty(EnvVars::AZURESUBSCRIPTION_CLIENT_ID)
            .is_some()
}

/// Every profile name a command can use: the file's, plus `default` when only the environment
/// defines it.
///
/// # Errors
/// The file cannot be read.
pub fn known_profiles(
    profiles: &dyn ProfileRepository,
    env: &dyn Env,
) -> Result<Vec<String>, Error> {
    let mut names = profiles.names()?;
    if !names
        .iter()
        .any(|n| n.eq_ignore_ascii_case(DEFAULT_PROFILE))
        && environment_defines_default(env)
    {
        names.push(DEFAULT_PROFILE.to_owned());
    }
    Ok(names)
}

/// The name of profile `name` as written, or the "profile not found" error (exit 2).
///
/// # Errors
/// `NotFound` naming the profiles that exist; the file cannot be read.
pub fn require_profile(
    profiles: &dyn ProfileRepository,
    env: &dyn Env,
    name: &str,
) -> Result<String, Error> {
    known_profiles(profiles, env)?
        .into_iter()
        .find(|n| n.eq_ignore_ascii_case(name))
        .ok_or_else(|| not_found(profiles, env, name))
}

fn not_found(profiles: &dyn ProfileRepository, _env: &dyn Env, name: &str) -> Error {
    ProfileFailure::NotFound {
        name: name.to_owned(),
        known: profiles.names().unwrap_or_default(),
        location: profiles.location(),
        file_exists: profiles.exists(),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::resolve_profile;
    use crate::adapters::config::profile_repository::TomlProfileRepository;
    use crate::app::usecases::error::{Error, ErrorKind, ProfileFailure};
    use crate::domain::profile::{ProfileSettings, ScopeList};
    use crate::ports::env::MapEnv;

    fn config(text: &str) -> TomlProfileRepository {
        TomlProfileRepository::from_text("/cfg/config.toml", text)
    }

    fn none() -> TomlProfileRepository {
        TomlProfileRepository::from_text("/cfg/config.toml", "")
    }

    const FILE: &str = "[profiles.Prod]\ntenant_id = \"file.example\"\nclient_id = \"file-client\"\nscopes = [\"api://a/.default\"]\n";

    #[test]
    fn file_then_env_then_flags() {
        let c = config(FILE);
        let env = MapEnv::from_pairs([
            ("AZURE_CLIENT_ID", "azure-client"),
            ("ENTRA_AUTH_TENANT_ID", "entra.example"),
        ]);
        let flags = ProfileSettings {
            scopes: Some(ScopeList::Text("x y".into())),
            ..ProfileSettings::default()
        };
        let p = resolve_profile(&c, &env, "prod", &flags).unwrap();
        assert_eq!(p.name, "Prod");
        assert_eq!(p.tenant_id, "entra.example");
        assert_eq!(p.client_id, "azure-client");
        assert_eq!(p.scopes.to_request_param(), "x y");
    }

    #[test]
    fn entra_auth_wins_over_azure() {
        let env = MapEnv::from_pairs([
            ("AZURE_TENANT_ID", "a.example"),
            ("ENTRA_AUTH_TENANT_ID", "b.example"),
            ("AZURE_CLIENT_ID", "c"),
            ("ENTRA_AUTH_PORT", "8400"),
        ]);
        let p = resolve_profile(&none(), &env, "default", &ProfileSettings::default()).unwrap();
        assert_eq!(p.tenant_id, "b.example");
        assert_eq!(p.port, Some(8400));
    }

    #[test]
    fn azure_pipelines_task_variables_fill_only_what_the_profile_lacks() {
        let env = MapEnv::from_pairs([
            ("AZURESUBSCRIPTION_TENANT_ID", "task.example"),
            ("AZURESUBSCRIPTION_CLIENT_ID", "task-client"),
            ("ARM_OIDC_AZURE_SERVICE_CONNECTION_ID", "terraform-sc"),
        ]);
        let p = resolve_profile(&none(), &env, "default", &ProfileSettings::default()).unwrap();
        assert_eq!(p.tenant_id, "task.example");
        assert_eq!(p.client_id, "task-client");
        assert_eq!(p.service_connection_id.as_deref(), Some("terraform-sc"));
        let p = resolve_profile(&config(FILE), &env, "prod", &ProfileSettings::default()).unwrap();
        assert_eq!(p.tenant_id, "file.example", "the profile's own wins");
        let mut pairs = env.0.clone();
        pairs.insert(
            "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID".into(),
            "task-sc".into(),
        );
        pairs.insert("AZURE_CLIENT_ID".into(), "azure-client".into());
        let p = resolve_profile(
            &none(),
            &MapEnv(pairs),
            "default",
            &ProfileSettings::default(),
        )
        .unwrap();
        assert_eq!(p.service_connection_id.as_deref(), Some("task-sc"));
        assert_eq!(p.client_id, "azure-client");
    }

    #[test]
    fn environment_alone_makes_default_only() {
        let env = MapEnv::from_pairs([("AZURE_TENANT_ID", "t.example"), ("AZURE_CLIENT_ID", "c")]);
        assert!(resolve_profile(&none(), &env, "DEFAULT", &ProfileSettings::default()).is_ok());
        let err = resolve_profile(&none(), &env, "prod", &ProfileSettings::default()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ProfileNotFound);
    }

    #[test]
    fn unknown_profile_lists_the_existing_ones() {
        let err = resolve_profile(
            &config(FILE),
            &MapEnv::default(),
            "dev",
            &ProfileSettings::default(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::Profile(ProfileFailure::NotFound { known, .. }) if known == &["Prod"]),
            "{err:?}"
        );
    }

    #[test]
    fn a_tenant_that_is_no_tenant_is_refused_before_any_request() {
        let env = MapEnv::from_pairs([("AZURE_TENANT_ID", "contoso"), ("AZURE_CLIENT_ID", "c")]);
        let err =
            resolve_profile(&none(), &env, "default", &ProfileSettings::default()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(
            matches!(
                &err,
                Error::Profile(ProfileFailure::Invalid {
                    error: crate::domain::profile::ProfileError::InvalidField {
                        field: "tenant_id",
                        ..
                    },
                    ..
                })
            ),
            "{err:?}"
        );
    }

    #[test]
    fn missing_field_is_named() {
        let env = MapEnv::from_pairs([("AZURE_CLIENT_ID", "c")]);
        let err =
            resolve_profile(&none(), &env, "default", &ProfileSettings::default()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().contains("tenant_id"), "{err}");
    }

    #[test]
    fn typos_in_the_file_are_reported_with_the_key() {
        let c = config("[profiles.p]\ntenant_id = \"t\"\nclient_id = \"c\"\ntenantid = \"x\"\n");
        let err =
            resolve_profile(&c, &MapEnv::default(), "p", &ProfileSettings::default()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(format!("{err:?}").contains("tenantid"), "{err:?}");
    }

    #[test]
    fn bad_port_in_env_is_a_config_error() {
        let env = MapEnv::from_pairs([
            ("AZURE_TENANT_ID", "t.example"),
            ("AZURE_CLIENT_ID", "c"),
            ("ENTRA_AUTH_PORT", "http"),
        ]);
        let err =
            resolve_profile(&none(), &env, "default", &ProfileSettings::default()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().contains("ENTRA_AUTH_PORT"), "{err}");
    }
}
