//! Resolves the profile to run with: the `[profiles.NAME]` table of `config.toml`, then the
//! environment (`AZURE_*`, then `ENTRA_AUTH_*`), then command-line flags, merged with figment.
//! With no matching table, the environment alone makes the `default` profile (containers, CI).

use figment::value::{Dict, Value};
use figment::{Figment, Metadata, Profile as FigmentProfile, Provider};

use super::error::{AppError, ErrorKind};
use crate::adapters::config_file::ConfigFile;
use crate::domain::env_vars::EnvVars;
use crate::domain::profile::{Profile, ProfileError, ProfileSettings};
use crate::ports::env::Env;

/// The name used when neither `-p` nor `ENTRA_AUTH_PROFILE` is given.
pub const DEFAULT_PROFILE: &str = "default";

/// Every profile field (`config.toml` keys); `ENTRA_AUTH_<FIELD>` can set each.
pub const FIELDS: [&str; 17] = [
    "tenant_id",
    "client_id",
    "scopes",
    "flow",
    "auth_method",
    "certificate_path",
    "certificate_key_path",
    "assertion_algorithm",
    "send_certificate_chain",
    "federated_token_file",
    "object_id",
    "mi_res_id",
    "authority_host",
    "cloud",
    "redirect_uri",
    "port",
    "login_hint",
];

/// One named layer of settings; the name shows in figment's error messages.
struct Layer {
    name: String,
    dict: Dict,
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name.clone())
    }

    fn data(&self) -> figment::Result<figment::value::Map<FigmentProfile, Dict>> {
        Ok(FigmentProfile::Default.collect(self.dict.clone()))
    }
}

/// Puts `value` under `field`, typing the one numeric field so environment strings fit it.
fn insert(dict: &mut Dict, field: &str, var: &str, value: String) -> Result<(), AppError> {
    let value = match field {
        "port" => {
            let port: u16 = value.trim().parse().map_err(|_| {
                AppError::new(ErrorKind::Config, format!("{var} is not a port number"))
                    .hint("use a number from 1 to 65535")
            })?;
            Value::from(port)
        }
        "send_certificate_chain" => match value.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" => Value::from(true),
            "0" | "false" | "no" => Value::from(false),
            _ => {
                return Err(AppError::new(
                    ErrorKind::Config,
                    format!("{var} is not true or false"),
                ));
            }
        },
        _ => Value::from(value),
    };
    dict.insert(field.to_owned(), value);
    Ok(())
}

fn azure_layer(env: &dyn Env) -> Result<Dict, AppError> {
    let mut dict = Dict::new();
    for (var, field) in EnvVars::AZURE_PROFILE_FIELDS {
        if let Some(value) = env.non_empty(var) {
            insert(&mut dict, field, var, value)?;
        }
    }
    Ok(dict)
}

fn entra_layer(env: &dyn Env) -> Result<Dict, AppError> {
    let mut dict = Dict::new();
    for field in FIELDS {
        let var = format!(
            "{}{}",
            EnvVars::ENTRA_AUTH_FIELD_PREFIX,
            field.to_ascii_uppercase()
        );
        if let Some(value) = env.non_empty(&var) {
            insert(&mut dict, field, &var, value)?;
        }
    }
    Ok(dict)
}

fn flags_layer(flags: &ProfileSettings) -> Dict {
    match Value::serialize(flags) {
        Ok(Value::Dict(_, dict)) => dict,
        _ => Dict::new(),
    }
}

/// Resolves and validates profile `name`.
///
/// # Errors
/// `ProfileNotFound` (exit 2) when no table matches and the environment does not define the
/// `default` profile; `Config` (exit 1) for invalid or missing fields, naming where they can be set.
pub fn resolve_profile(
    config: Option<&ConfigFile>,
    config_path: Option<&std::path::Path>,
    env: &dyn Env,
    name: &str,
    flags: &ProfileSettings,
) -> Result<Profile, AppError> {
    let azure = azure_layer(env)?;
    let entra = entra_layer(env)?;
    let (resolved_name, file_dict, source) = match config.and_then(|c| c.profile(name)) {
        Some((written, dict)) => {
            let path = config.map_or_else(String::new, |c| c.path.display().to_string());
            (
                written.to_owned(),
                dict.clone(),
                format!("[profiles.{written}] in {path}"),
            )
        }
        None => {
            if !(name.eq_ignore_ascii_case(DEFAULT_PROFILE) && environment_defines_default(env)) {
                return Err(not_found(config, config_path, name));
            }
            (
                DEFAULT_PROFILE.to_owned(),
                Dict::new(),
                String::from("config file"),
            )
        }
    };
    let settings: ProfileSettings = Figment::from(Layer {
        name: source,
        dict: file_dict,
    })
    .merge(Layer {
        name: "AZURE_* environment variables".to_owned(),
        dict: azure,
    })
    .merge(Layer {
        name: "ENTRA_AUTH_* environment variables".to_owned(),
        dict: entra,
    })
    .merge(Layer {
        name: "command-line flags".to_owned(),
        dict: flags_layer(flags),
    })
    .extract()
    .map_err(|errors| invalid_settings(errors, &resolved_name, config_path))?;
    settings
        .validate(&resolved_name)
        .map_err(|e| profile_error(e, &resolved_name, config_path))
}

/// True when the environment alone defines the `default` profile (the container case).
#[must_use]
pub fn environment_defines_default(env: &dyn Env) -> bool {
    EnvVars::AZURE_PROFILE_FIELDS
        .iter()
        .any(|(var, _)| env.non_empty(var).is_some())
        || FIELDS.iter().any(|field| {
            env.non_empty(&format!(
                "{}{}",
                EnvVars::ENTRA_AUTH_FIELD_PREFIX,
                field.to_ascii_uppercase()
            ))
            .is_some()
        })
        || env.non_empty(EnvVars::AZURE_CLIENT_SECRET).is_some()
}

/// Every profile name a command can use: the config's tables, plus `default` when only the
/// environment defines it.
#[must_use]
pub fn known_profiles(config: Option<&ConfigFile>, env: &dyn Env) -> Vec<String> {
    let mut names = config.map(ConfigFile::profile_names).unwrap_or_default();
    if !names
        .iter()
        .any(|n| n.eq_ignore_ascii_case(DEFAULT_PROFILE))
        && environment_defines_default(env)
    {
        names.push(DEFAULT_PROFILE.to_owned());
    }
    names
}

/// The name of profile `name` as written, or the "profile not found" error (exit 2).
///
/// # Errors
/// `ProfileNotFound` naming the profiles that exist.
pub fn require_profile(
    config: Option<&ConfigFile>,
    config_path: Option<&std::path::Path>,
    env: &dyn Env,
    name: &str,
) -> Result<String, AppError> {
    known_profiles(config, env)
        .into_iter()
        .find(|n| n.eq_ignore_ascii_case(name))
        .ok_or_else(|| not_found(config, config_path, name))
}

fn invalid_settings(
    errors: figment::Error,
    name: &str,
    config_path: Option<&std::path::Path>,
) -> AppError {
    let causes: Vec<String> = errors.into_iter().map(|e| e.to_string()).collect();
    let mentions_secret = causes
        .iter()
        .any(|c| c.contains("secret") || c.contains("password"));
    let file = config_path.map_or_else(|| "config.toml".to_owned(), |p| p.display().to_string());
    let mut error = causes.into_iter().fold(
        AppError::new(
            ErrorKind::Config,
            format!("profile `{name}` has an invalid setting"),
        ),
        AppError::cause,
    );
    if mentions_secret {
        error = error.hint("secrets never go in config.toml: use AZURE_CLIENT_SECRET");
    }
    error.hint(format!(
        "settings come from [profiles.{name}] in {file}, then ENTRA_AUTH_* and AZURE_* variables, then flags"
    ))
}

fn not_found(
    config: Option<&ConfigFile>,
    config_path: Option<&std::path::Path>,
    name: &str,
) -> AppError {
    let mut error = AppError::new(
        ErrorKind::ProfileNotFound,
        format!("profile `{name}` not found"),
    );
    match (config, config_path) {
        (Some(c), _) if !c.profiles.is_empty() => {
            error = error
                .cause(format!(
                    "{} defines: {}",
                    c.path.display(),
                    c.profile_names().join(", ")
                ))
                .hint("pick one of those with `-p NAME` (or ENTRA_AUTH_PROFILE)");
        }
        (Some(c), _) => {
            error = error.cause(format!("{} defines no profiles", c.path.display()));
        }
        (None, Some(path)) => {
            error = error.cause(format!("there is no config file at {}", path.display()));
        }
        (None, None) => {
            error = error.cause("no config directory: set ENTRA_AUTH_CONFIG_DIR or HOME");
        }
    }
    let file = config_path.map_or_else(|| "config.toml".to_owned(), |p| p.display().to_string());
    error.hint(format!(
        "add a [profiles.{name}] table with tenant_id and client_id to {file}, or use the `default` profile from AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET"
    ))
}

fn profile_error(
    error: ProfileError,
    name: &str,
    config_path: Option<&std::path::Path>,
) -> AppError {
    let file = config_path.map_or_else(|| "config.toml".to_owned(), |p| p.display().to_string());
    match error {
        ProfileError::MissingField { field, .. } => {
            let env_names = env_names_for(field);
            AppError::new(
                ErrorKind::Config,
                format!("profile `{name}` has no `{field}`"),
            )
            .hint(format!(
                "set `{field}` in [profiles.{name}] of {file}, or set {env_names}"
            ))
        }
        ProfileError::InvalidField { field, reason, .. } => {
            let env_names = env_names_for(field);
            AppError::new(
                ErrorKind::Config,
                format!("profile `{name}` has an invalid `{field}`"),
            )
            .cause(reason)
            .hint(format!(
                "fix `{field}` in [profiles.{name}] of {file}, or in {env_names}"
            ))
        }
    }
}

/// `ENTRA_AUTH_TENANT_ID or AZURE_TENANT_ID` for a field.
fn env_names_for(field: &str) -> String {
    let mut names = vec![format!(
        "{}{}",
        EnvVars::ENTRA_AUTH_FIELD_PREFIX,
        field.to_ascii_uppercase()
    )];
    names.extend(
        EnvVars::AZURE_PROFILE_FIELDS
            .iter()
            .filter(|(_, f)| *f == field)
            .map(|(var, _)| (*var).to_owned()),
    );
    names.join(" or ")
}

#[cfg(test)]
mod tests {
    use super::resolve_profile;
    use crate::adapters::config_file::ConfigFile;
    use crate::adapters::process_env::MapEnv;
    use crate::domain::profile::{ProfileSettings, ScopeList};
    use crate::usecases::error::ErrorKind;
    use std::path::Path;

    fn config(text: &str) -> ConfigFile {
        ConfigFile::parse(Path::new("/cfg/config.toml"), text).unwrap()
    }

    const FILE: &str = "[profiles.Prod]\ntenant_id = \"file-tenant\"\nclient_id = \"file-client\"\nscopes = [\"api://a/.default\"]\n";

    #[test]
    fn file_then_env_then_flags() {
        let c = config(FILE);
        let env = MapEnv::from_pairs([
            ("AZURE_CLIENT_ID", "azure-client"),
            ("ENTRA_AUTH_TENANT_ID", "entra-tenant"),
        ]);
        let flags = ProfileSettings {
            scopes: Some(ScopeList::Text("x y".into())),
            ..ProfileSettings::default()
        };
        let p = resolve_profile(Some(&c), None, &env, "prod", &flags).unwrap();
        assert_eq!(p.name, "Prod");
        assert_eq!(p.tenant_id, "entra-tenant");
        assert_eq!(p.client_id, "azure-client");
        assert_eq!(p.scopes.to_request_param(), "x y");
    }

    #[test]
    fn entra_auth_wins_over_azure() {
        let env = MapEnv::from_pairs([
            ("AZURE_TENANT_ID", "a"),
            ("ENTRA_AUTH_TENANT_ID", "b"),
            ("AZURE_CLIENT_ID", "c"),
            ("ENTRA_AUTH_PORT", "8400"),
        ]);
        let p = resolve_profile(None, None, &env, "default", &ProfileSettings::default()).unwrap();
        assert_eq!(p.tenant_id, "b");
        assert_eq!(p.port, Some(8400));
    }

    #[test]
    fn environment_alone_makes_default_only() {
        let env = MapEnv::from_pairs([("AZURE_TENANT_ID", "t"), ("AZURE_CLIENT_ID", "c")]);
        assert!(resolve_profile(None, None, &env, "DEFAULT", &ProfileSettings::default()).is_ok());
        let err = resolve_profile(
            None,
            Some(Path::new("/cfg/config.toml")),
            &env,
            "prod",
            &ProfileSettings::default(),
        )
        .unwrap_err();
        assert_eq!(err.kind, ErrorKind::ProfileNotFound);
    }

    #[test]
    fn unknown_profile_lists_the_existing_ones() {
        let c = config(FILE);
        let err = resolve_profile(
            Some(&c),
            None,
            &MapEnv::default(),
            "dev",
            &ProfileSettings::default(),
        )
        .unwrap_err();
        assert_eq!(err.kind, ErrorKind::ProfileNotFound);
        assert!(err.causes[0].contains("Prod"), "{err:?}");
    }

    #[test]
    fn missing_field_says_where_to_set_it() {
        let env = MapEnv::from_pairs([("AZURE_CLIENT_ID", "c")]);
        let err =
            resolve_profile(None, None, &env, "default", &ProfileSettings::default()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Config);
        assert!(err.message.contains("tenant_id"));
        assert!(err.hints[0].contains("AZURE_TENANT_ID"));
        assert!(err.hints[0].contains("ENTRA_AUTH_TENANT_ID"));
    }

    #[test]
    fn typos_in_the_file_are_reported_with_the_key() {
        let c = config("[profiles.p]\ntenant_id = \"t\"\nclient_id = \"c\"\ntenantid = \"x\"\n");
        let err = resolve_profile(
            Some(&c),
            None,
            &MapEnv::default(),
            "p",
            &ProfileSettings::default(),
        )
        .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Config);
        assert!(err.causes.join(" ").contains("tenantid"), "{err:?}");
    }

    #[test]
    fn bad_port_in_env_is_a_config_error() {
        let env = MapEnv::from_pairs([
            ("AZURE_TENANT_ID", "t"),
            ("AZURE_CLIENT_ID", "c"),
            ("ENTRA_AUTH_PORT", "http"),
        ]);
        let err =
            resolve_profile(None, None, &env, "default", &ProfileSettings::default()).unwrap_err();
        assert!(err.message.contains("ENTRA_AUTH_PORT"));
    }
}
