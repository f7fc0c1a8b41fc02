//! The one `Figment` a profile is resolved through: its `[profiles.NAME]` table, the `AZURE_*`
//! variables, the `ENTRA_AUTH_*` variables (both read through the `Env` port) and the flags,
//! merged in that order (README "Layering"); figment's metadata says which layer set each field.

use figment::value::{Dict, Map, Value};
use figment::{Error, Figment, Metadata, Profile, Provider};

use crate::domain::profile::{FIELDS, FieldSpec, ProfileSettings, entra_env_name, field};
use crate::ports::env::Env;
use crate::ports::profile_repository::{FieldSource, LayerError, LayeredSettings};

/// The metadata names of the layers, lowest first.
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

/// The variable that sets `spec`'s field in the environment family `layer` (`AZURE` or
/// `ENTRA`).
fn variable(layer: &str, spec: &FieldSpec) -> Option<String> {
    if layer == AZURE {
        spec.azure_env.map(str::to_owned)
    } else {
        Some(entra_env_name(spec.name))
    }
}

/// One family of variables from `env`, each typed by the field it sets.
fn environment(env: &dyn Env, layer: &'static str) -> Result<SettingsLayer, LayerError> {
    let mut settings = ProfileSettings::default();
    for spec in FIELDS {
        let Some(var) = variable(layer, spec) else {
            continue;
        };
        if let Some(value) = env.non_empty(&var) {
            settings
                .set_text(spec.name, &value)
                .map_err(|error| LayerError::EnvVar { var, error })?;
        }
    }
    Ok(SettingsLayer {
        name: layer,
        settings,
    })
}

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
    let azure = environment(env, AZURE)?;
    let entra = environment(env, ENTRA)?;
    let table = table()?;
    let written = table.as_ref().map(|t| t.name.to_owned());
    let path = table.as_ref().map(|t| t.path.to_owned());
    let mut figment = Figment::new();
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
                env_layer => FieldSource::Env(variable(env_layer, field(name)?)?),
            };
            Some((name, source))
        })
        .collect();
    Ok(LayeredSettings {
        table: written,
        settings,
        sources,
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
        assert_eq!(merged.settings.client_id.as_deref(), Some("azure-client"));
        assert_eq!(merged.settings.port, Some(8400));
        assert_eq!(merged.settings.scopes, Some(ScopeList::Text("x y".into())));
        assert_eq!(
            merged.sources,
            [
                ("tenant_id", FieldSource::Env("ENTRA_AUTH_TENANT_ID".into())),
                ("client_id", FieldSource::Env("AZURE_CLIENT_ID".into())),
                ("scopes", FieldSource::Flag),
                ("port", FieldSource::File("/cfg/config.toml".into())),
            ]
        );
    }

    #[test]
    fn without_a_table_the_environment_and_flags_remain() {
        let env = MapEnv::from_pairs([("ENTRA_AUTH_PORT", "9000"), ("AZURE_CLIENT_ID", " ")]);
        let merged = merge(&env, &ProfileSettings::default(), || Ok(None)).unwrap();
        assert_eq!(merged.table, None);
        assert_eq!(merged.settings.port, Some(9000));
        assert_eq!(
            merged.settings.client_id, None,
            "a blank variable sets nothing"
        );
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
