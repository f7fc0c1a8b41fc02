//! The one `Figment` a profile is resolved through: its `[profiles.NAME]` table, the `AZURE_*`
//! variables, the `ENTRA_AUTH_*` variables (both read through the `Env` port) and the flags,
//! merged in that order (README "Layering"); figment's metadata says which layer set each field.

use figment::value::{Dict, Map, Value};
use figment::{Error, Figment, Metadata, Profile, Provider};

use crate::domain::env_vars::EnvVars;
use crate::domain::profile::{FIELDS, FieldTextError, ProfileSettings, entra_env_name, field};
use crate::ports::env::Env;
use crate::ports::profile_repository::{FieldSource, IgnoredVariable, LayerError, LayeredSettings};

/// The metadata names of the layers, lowest first.
const PIPELINES: &str = "Azure Pipelines task variables";
const FILE: &str = "config file";
const AZURE: &str = "AZURE_* variables";
const ENTRA: &str = "ENTRA_AUTH_* variables";
const FLAGS: &str = "flags";

/// A profile's table as the file holds it, still untyped: figment types it with the rest.
pub struct TableLayer<'a> {
    /// The file, for messages and `-v`.
    pub path: &'a str,
    /// The table's name as written.
    pub name: &'a str,
    pub table: &'a Dict,
}

impl Provider for TableLayer<'_> {
    fn metadata(&self) -> Metadata {
        Metadata::named(FILE).source(figment::Source::File(self.path.into()))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        Ok(Profile::Default.collect(self.table.clone()))
    }
}

/// Settings already typed (an environment family, the flags) as one figment layer.
struct SettingsLayer {
    name: &'static str,
    settings: ProfileSettings,
}

impl Provider for SettingsLayer {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name)
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        match Value::serialize(&self.settings)? {
            Value::Dict(_, dict) => Ok(Profile::Default.collect(dict)),
            _ => Err(Error::from(
                "profile settings did not serialize to a table".to_owned(),
            )),
        }
    }
}

/// What the Azure Pipelines AzureCLI@2/AzurePowerShell@5 tasks (and terraform) set: the app,
/// tenant and service connection, under everything else (used only where nothing else sets
/// the field). Blank counts as unset here: the tasks export them empty outside a connection.
const PIPELINE_VARIABLES: [(&str, &[&str]); 3] = [
    ("tenant_id", &[EnvVars::AZURESUBSCRIPTION_TENANT_ID]),
    ("client_id", &[EnvVars::AZURESUBSCRIPTION_CLIENT_ID]),
    (
        "service_connection_id",
        &[
            EnvVars::AZURESUBSCRIPTION_SERVICE_CONNECTION_ID,
            EnvVars::ARM_OIDC_AZURE_SERVICE_CONNECTION_ID,
        ],
    ),
];

/// The pipeline task variable that sets `field_name`, if one is set.
fn pipeline_variable(env: &dyn Env, field_name: &str) -> Option<&'static str> {
    PIPELINE_VARIABLES
        .iter()
        .find(|(field, _)| *field == field_name)?
        .1
        .iter()
        .copied()
        .find(|var| env.non_empty(var).is_some())
}

fn pipelines(env: &dyn Env) -> Result<SettingsLayer, LayerError> {
    let mut settings = ProfileSettings::default();
    for (field, _) in PIPELINE_VARIABLES {
        if let Some(var) = pipeline_variable(env, field) {
            let value = env.non_empty(var).unwrap_or_default();
            settings
                .set_text(field, &value)
                .map_err(|error| LayerError::EnvVar {
                    var: var.to_owned(),
                    error,
                })?;
        }
    }
    Ok(SettingsLayer {
        name: PIPELINES,
        settings,
    })
}

/// The variable that sets `field` in the environment family `layer` (`AZURE` or `ENTRA`).
fn variable(layer: &str, field_name: &str) -> Option<String> {
    if layer == AZURE {
        field(field_name)?.azure_env.map(str::to_owned)
    } else {
        Some(entra_env_name(field_name))
    }
}

/// One family of variables from `env`, each typed by the field it sets, leaving out the fields
/// `skip` names. A variable set to nothing is an error, never "unset".
fn environment(
    env: &dyn Env,
    layer: &'static str,
    skip: &dyn Fn(&str) -> bool,
) -> Result<SettingsLayer, LayerError> {
    let mut settings = ProfileSettings::default();
    for spec in FIELDS {
        let Some(var) = variable(layer, spec.name) else {
            continue;
        };
        let Some(value) = env.var(&var) else {
            continue;
        };
        if value.trim().is_empty() {
            return Err(LayerError::EnvVar {
                var,
                error: FieldTextError::Empty,
            });
        }
        if skip(spec.name) {
            continue;
        }
        settings
            .set_text(spec.name, &value)
            .map_err(|error| LayerError::EnvVar { var, error })?;
    }
    Ok(SettingsLayer {
        name: layer,
        settings,
    })
}

/// The `AZURE_*` variables a named profile's table keeps out that are worth a notice: those
/// setting a field the table sets to something else. The Azure SDK variables describe the
/// environment's one credential; they shape the `default` profile and the fields a named
/// profile leaves open, never the app or tenant a named profile chose (issue: a shell with
/// `AZURE_CLIENT_ID` exported silently ran every profile as that app).
fn kept_out_by(table: &TableLayer<'_>, env: &dyn Env) -> Vec<IgnoredVariable> {
    if table.name.eq_ignore_ascii_case(DEFAULT_TABLE) {
        return Vec::new();
    }
    FIELDS
        .iter()
        .filter(|spec| table.table.contains_key(spec.name))
        .filter_map(|spec| {
            let var = spec.azure_env?;
            let value = env.var(var)?;
            // A variable that says what the file says changes nothing: not worth a notice.
            let same = match table.table.get(spec.name) {
                Some(Value::String(_, written)) => {
                    written.trim().eq_ignore_ascii_case(value.trim())
                }
                _ => false,
            };
            (!same).then(|| IgnoredVariable {
                var: var.to_owned(),
                field: spec.name,
            })
        })
        .collect()
}

/// The profile the Azure SDK variables describe in full.
const DEFAULT_TABLE: &str = "default";

/// Merges the layers of one profile. The environment is read first (a variable that does not
/// type is reported before anything in the file), then `table` gives the file's layer: the
/// path and the table's untyped fields, or `None` when the file has no such profile.
///
/// # Errors
/// `EnvVar` for a variable that does not type; whatever `table` reports; `Invalid` when the
/// merged fields do not type (each layer types on its own, so only a broken layer does that).
pub fn merge<'a>(
    env: &dyn Env,
    flags: &ProfileSettings,
    table: impl FnOnce() -> Result<Option<TableLayer<'a>>, LayerError>,
) -> Result<LayeredSettings, LayerError> {
    let nothing: &dyn Fn(&str) -> bool = &|_| false;
    let mut azure = environment(env, AZURE, nothing)?;
    let entra = environment(env, ENTRA, nothing)?;
    let table = table()?;
    let ignored = table
        .as_ref()
        .map(|table| kept_out_by(table, env))
        .unwrap_or_default();
    // Every field the table sets keeps the table's value, even where the variable says the
    // same thing up to case or blanks (not worth a notice, but a path differing only in case is
    // another file): the variable would otherwise win the merge and be named as the source.
    let table_sets: Vec<&str> = table
        .as_ref()
        .filter(|table| !table.name.eq_ignore_ascii_case(DEFAULT_TABLE))
        .map(|table| {
            FIELDS
                .iter()
                .filter(|spec| spec.azure_env.is_some() && table.table.contains_key(spec.name))
                .map(|spec| spec.name)
                .collect()
        })
        .unwrap_or_default();
    if !table_sets.is_empty() {
        let kept_out = |name: &str| table_sets.contains(&name);
        azure = environment(env, AZURE, &kept_out)?;
    }
    let written = table.as_ref().map(|t| t.name.to_owned());
    let path = table.as_ref().map(|t| t.path.to_owned());
    let mut figment = Figment::new().merge(pipelines(env)?);
    if let Some(table) = table {
        figment = figment.merge(table);
    }
    // A layer that sets nothing changes nothing: skipped, which keeps the cached path short
    // (usually one family of variables and no flags).
    let flags = SettingsLayer {
        name: FLAGS,
        settings: flags.clone(),
    };
    for layer in [azure, entra, flags] {
        if layer.settings != ProfileSettings::default() {
            figment = figment.merge(layer);
        }
    }
    let settings: ProfileSettings = figment.extract().map_err(|errors| {
        LayerError::Repo(
            crate::ports::profile_repository::ProfileRepoError::Invalid {
                path: path.clone().unwrap_or_default(),
                details: errors.into_iter().map(|e| e.to_string()).collect(),
            },
        )
    })?;
    let sources = settings
        .entries()
        .into_iter()
        .filter_map(|(name, _)| {
            let layer = figment.find_metadata(name)?.name.as_ref();
            let source = match layer {
                FILE => FieldSource::File(path.clone().unwrap_or_default()),
                FLAGS => FieldSource::Flag,
                PIPELINES => FieldSource::Env(pipeline_variable(env, name)?.to_owned()),
                env_layer => FieldSource::Env(variable(env_layer, name)?),
            };
            Some((name, source))
        })
        .collect();
    Ok(LayeredSettings {
        table: written,
        settings,
        sources,
        ignored,
    })
}

/// The layers of profile `name` whose table is `settings` (one being written in this run, not
/// yet in the file), with no flags.
///
/// # Errors
/// As [`merge`].
pub fn merge_with_table(
    env: &dyn Env,
    path: &str,
    name: &str,
    settings: &ProfileSettings,
) -> Result<LayeredSettings, LayerError> {
    let table = match Value::serialize(settings) {
        Ok(Value::Dict(_, dict)) => dict,
        _ => Dict::new(),
    };
    merge(env, &ProfileSettings::default(), || {
        Ok(Some(TableLayer {
            path,
            name,
            table: &table,
        }))
    })
}

#[cfg(test)]
mod tests {
    use super::{TableLayer, merge};
    use crate::domain::profile::{FieldTextError, ProfileSettings, ScopeList};
    use crate::ports::env::MapEnv;
    use crate::ports::profile_repository::{FieldSource, LayerError};
    use figment::value::{Dict, Value};

    fn table() -> Dict {
        let mut dict = Dict::new();
        dict.insert("tenant_id".into(), Value::from("file.example"));
        dict.insert("client_id".into(), Value::from("file-client"));
        dict.insert("port".into(), Value::from(8400_i64));
        dict.insert(
            "scopes".into(),
            Value::from(vec![Value::from("api://a/.default")]),
        );
        dict
    }

    #[test]
    fn each_layer_overrides_the_fields_it_sets_and_is_named() {
        let dict = table();
        let env = MapEnv::from_pairs([
            ("AZURE_CLIENT_ID", "azure-client"),
            ("AZURE_TENANT_ID", "azure.example"),
            ("ENTRA_AUTH_TENANT_ID", "entra.example"),
        ]);
        let flags = ProfileSettings {
            scopes: Some(ScopeList::Text("x y".into())),
            ..ProfileSettings::default()
        };
        let merged = merge(&env, &flags, || {
            Ok(Some(TableLayer {
                path: "/cfg/config.toml",
                name: "Prod",
                table: &dict,
            }))
        })
        .unwrap();
        assert_eq!(merged.table.as_deref(), Some("Prod"));
        assert_eq!(merged.settings.tenant_id.as_deref(), Some("entra.example"));
        // A named profile keeps what its file sets against AZURE_* (ENTRA_AUTH_* still wins).
        assert_eq!(merged.settings.client_id.as_deref(), Some("file-client"));
        let ignored: Vec<&str> = merged.ignored.iter().map(|i| i.var.as_str()).collect();
        assert_eq!(ignored, ["AZURE_TENANT_ID", "AZURE_CLIENT_ID"]);
        assert_eq!(merged.settings.port, Some(8400));
        assert_eq!(merged.settings.scopes, Some(ScopeList::Text("x y".into())));
        assert_eq!(
            merged.sources,
            [
                ("tenant_id", FieldSource::Env("ENTRA_AUTH_TENANT_ID".into())),
                ("client_id", FieldSource::File("/cfg/config.toml".into())),
                ("scopes", FieldSource::Flag),
                ("port", FieldSource::File("/cfg/config.toml".into())),
            ]
        );
    }

    #[test]
    fn without_a_table_the_environment_and_flags_remain() {
        let env = MapEnv::from_pairs([("ENTRA_AUTH_PORT", "9000")]);
        let merged = merge(&env, &ProfileSettings::default(), || Ok(None)).unwrap();
        assert_eq!(merged.table, None);
        assert_eq!(merged.settings.port, Some(9000));
        assert_eq!(merged.settings.client_id, None);
        assert_eq!(
            merged.sources,
            [("port", FieldSource::Env("ENTRA_AUTH_PORT".into()))]
        );
    }

    #[test]
    fn a_variable_that_does_not_type_is_named_before_the_file_is_read() {
        let env = MapEnv::from_pairs([("ENTRA_AUTH_PORT", "http")]);
        let error = merge(&env, &ProfileSettings::default(), || {
            panic!("the file is read after the environment")
        })
        .unwrap_err();
        assert_eq!(
            error,
            LayerError::EnvVar {
                var: "ENTRA_AUTH_PORT".into(),
                error: FieldTextError::NotAPort
            }
        );
    }
}
