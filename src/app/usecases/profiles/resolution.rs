//! Resolves the profile to run with: the `[profiles.NAME]` table from the profile repository,
//! then the environment (`AZURE_*`, then `ENTRA_AUTH_*`), then command-line flags, each layer
//! overriding the fields it sets (the repository merges them: `ProfileRepository::layered`).
//! With no matching table, the environment alone makes the `default` profile (containers, CI).

use crate::app::usecases::error::{Error, ProfileFailure};
use crate::domain::env_vars::EnvVars;
use crate::domain::profile::{FIELDS, Profile, ProfileSettings, entra_env_name};
use crate::ports::env::Env;
use crate::ports::profile_repository::{
    FieldSource, IgnoredVariable, LayerError, ProfileRepository,
};

/// The name used when neither `-p` nor `ENTRA_AUTH_PROFILE` is given.
pub const DEFAULT_PROFILE: &str = "default";

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
    resolve_profile_noting(profiles, env, name, flags).map(|resolved| resolved.profile)
}

/// A resolved profile with where its fields came from.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub profile: Profile,
    /// The layer that set each set field, in declaration order.
    pub sources: Vec<(&'static str, FieldSource)>,
    /// `AZURE_*` variables left out (the named profile's file sets those fields).
    pub ignored: Vec<IgnoredVariable>,
}

/// [`resolve_profile`], with the `AZURE_*` variables it left out: a named profile whose file
/// sets a field keeps it, whatever the Azure SDK variables say (they shape `default` and the
/// fields a profile leaves open). Token paths say so on stderr with [`ignored_notice`].
///
/// # Errors
/// As [`resolve_profile`].
pub fn resolve_profile_noting(
    profiles: &dyn ProfileRepository,
    env: &dyn Env,
    name: &str,
    flags: &ProfileSettings,
) -> Result<Resolved, Error> {
    let layered = profiles.layered(name, env, flags).map_err(layer_error)?;
    let resolved_name = match layered.table {
        Some(written) => written,
        None if name.eq_ignore_ascii_case(DEFAULT_PROFILE) && environment_defines_default(env) => {
            DEFAULT_PROFILE.to_owned()
        }
        None => return Err(not_found(profiles, env, name)),
    };
    tracing::debug!("{}", provenance(&resolved_name, &layered.sources));
    let profile = validated(layered.settings, &resolved_name, profiles.location())?;
    Ok(Resolved {
        profile,
        sources: layered.sources,
        ignored: layered.ignored,
    })
}

/// Profile `name` as `file` (its `[profiles.NAME]` table, e.g. one being written) and the
/// environment make it, validated like [`resolve_profile`]'s.
///
/// # Errors
/// Invalid variables or fields; the repository's location names the file in the message.
pub fn resolve_settings(
    profiles: &dyn ProfileRepository,
    env: &dyn Env,
    name: &str,
    file: &ProfileSettings,
) -> Result<Profile, Error> {
    let layered = profiles
        .layered_table(name, env, file)
        .map_err(layer_error)?;
    validated(layered.settings, name, profiles.location())
}

fn layer_error(error: LayerError) -> Error {
    match error {
        LayerError::Repo(error) => Error::from(error),
        LayerError::EnvVar { var, error } => ProfileFailure::EnvVar { var, error }.into(),
    }
}

fn validated(
    settings: ProfileSettings,
    name: &str,
    location: Option<String>,
) -> Result<Profile, Error> {
    let invalid = |error| ProfileFailure::Invalid {
        error,
        location: location.clone(),
    };
    let profile = settings.validate(name).map_err(invalid)?;
    profile.check_tenant().map_err(invalid)?;
    Ok(profile)
}

/// True when the Azure SDK variables' own credential (`AZURE_CLIENT_SECRET`,
/// `AZURE_CLIENT_CERTIFICATE_PASSWORD`) may be used for `profile`: `AZURE_CLIENT_ID` is unset
/// or names the profile's app. A secret is never sent for another app than the one it was
/// exported with.
#[must_use]
pub fn environment_credential_applies(env: &dyn Env, profile: &Profile) -> bool {
    env.non_empty(EnvVars::AZURE_CLIENT_ID)
        .is_none_or(|id| id.trim().eq_ignore_ascii_case(&profile.client_id))
}

/// The variables set but not used for `profile`: the `AZURE_*` its file's fields kept out, and
/// `AZURE_CLIENT_SECRET`/`AZURE_CLIENT_CERTIFICATE_PASSWORD` when they are another app's.
#[must_use]
pub fn unused_variables(
    env: &dyn Env,
    profile: &Profile,
    ignored: &[IgnoredVariable],
) -> Vec<String> {
    let mut vars: Vec<String> = ignored.iter().map(|i| i.var.clone()).collect();
    if !environment_credential_applies(env, profile) {
        vars.extend(
            [
                EnvVars::AZURE_CLIENT_SECRET,
                EnvVars::AZURE_CLIENT_CERTIFICATE_PASSWORD,
            ]
            .into_iter()
            .filter(|var| env.var(var).is_some())
            .map(str::to_owned),
        );
    }
    vars
}

/// The one line a token path prints when it left variables out of `profile`
/// ([`unused_variables`]); `None` when nothing was left out.
#[must_use]
pub fn ignored_notice(
    env: &dyn Env,
    profile: &Profile,
    ignored: &[IgnoredVariable],
) -> Option<String> {
    let vars = unused_variables(env, profile, ignored);
    if vars.is_empty() {
        return None;
    }
    let fields: Vec<&str> = ignored.iter().map(|i| i.field).collect();
    let set = if fields.is_empty() {
        String::new()
    } else {
        format!(" (it sets {} in its file)", fields.join(", "))
    };
    Some(format!(
        "{} not used for profile `{}`{set}: the Azure SDK variables describe the `default` profile's app; to override a named profile, use ENTRA_AUTH_<FIELD> or flags",
        vars.join(", "),
        profile.name,
    ))
}

/// One line for `-v`: which layer set each field (names and layers only, never a value).
fn provenance(name: &str, sources: &[(&'static str, FieldSource)]) -> String {
    if sources.is_empty() {
        return format!("profile `{name}`: no field is set");
    }
    // Grouped by layer, in the order the fields are declared: `tenant_id, scopes from the file
    // ...; client_id from AZURE_CLIENT_ID`.
    let mut groups: Vec<(&FieldSource, Vec<&str>)> = Vec::new();
    for (field, source) in sources {
        match groups.iter_mut().find(|(s, _)| *s == source) {
            Some((_, fields)) => fields.push(field),
            None => groups.push((source, vec![field])),
        }
    }
    let groups: Vec<String> = groups
        .iter()
        .map(|(source, fields)| format!("{} from {source}", fields.join(", ")))
        .collect();
    format!("profile `{name}`: {}", groups.join("; "))
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
    use super::{ignored_notice, resolve_profile, resolve_profile_noting};
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
        let resolved = resolve_profile_noting(&c, &env, "prod", &flags).unwrap();
        let p = &resolved.profile;
        assert_eq!(p.name, "Prod");
        assert_eq!(
            p.tenant_id, "entra.example",
            "ENTRA_AUTH_* overrides a named profile"
        );
        assert_eq!(
            p.client_id, "file-client",
            "AZURE_* never replaces what a named profile's file sets"
        );
        assert_eq!(p.scopes.to_request_param(), "x y");
        assert_eq!(resolved.ignored.len(), 1);
        assert_eq!(resolved.ignored[0].var, "AZURE_CLIENT_ID");
        let notice = ignored_notice(&env, p, &resolved.ignored).unwrap();
        assert!(
            notice.starts_with(
                "AZURE_CLIENT_ID not used for profile `Prod` (it sets client_id in its file)"
            ),
            "{notice}"
        );
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
