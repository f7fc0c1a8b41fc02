//! `docker-credential configure`: adds `credHelpers` entries to docker's `config.json` for
//! registries the profile serves, keeping every other key; an unreadable or invalid file is
//! reported and never overwritten.

use crate::app::usecases::error::{Error, RegistryError};
use crate::app::usecases::profiles::resolution::resolve_profile;
use crate::domain::container_registry::{RegistryHost, ServedRegistry};
use crate::domain::docker_credential::{EntryChange, MAX_CONFIG_BYTES, add_cred_helpers};
use crate::domain::profile::ProfileSettings;
use crate::ports::docker_config::DockerConfigFile;
use crate::ports::env::Env;
use crate::ports::profile_repository::ProfileRepository;

/// What `configure` needs.
pub struct ConfigurePorts<'a> {
    pub profiles: &'a dyn ProfileRepository,
    pub env: &'a dyn Env,
    pub docker_config: &'a dyn DockerConfigFile,
}

/// What `configure` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configured {
    /// The file's path.
    pub location: String,
    /// Each registry (`host[:port]`) and what happened to its entry.
    pub changes: Vec<(String, EntryChange)>,
    /// False when every entry was already there (the file was not written).
    pub written: bool,
}

/// Points docker at `helper` for each of `hosts`, which the profile must serve (an ACR login
/// server, or one of its `container_registries`).
///
/// # Errors
/// A host the profile does not serve (nothing is written); the profile; a docker config that
/// cannot be read, is not a JSON object, or cannot be replaced.
pub fn configure(
    ports: &ConfigurePorts<'_>,
    profile: &str,
    hosts: &[String],
    helper: &str,
) -> Result<Configured, Error> {
    let profile = resolve_profile(
        ports.profiles,
        ports.env,
        profile,
        &ProfileSettings::default(),
    )?;
    let mut servers: Vec<String> = Vec::new();
    for text in hosts {
        let host = RegistryHost::parse(text).map_err(|reason| RegistryError::BadServerUrl {
            input: crate::domain::text::printable_line(&crate::domain::text::clip(text, 80)),
            reason,
        })?;
        let registry =
            ServedRegistry::of(&host, &profile.container_registries).ok_or_else(|| {
                RegistryError::NotServed {
                    registry: host.login_server(),
                    profile: profile.name.clone(),
                }
            })?;
        let server = registry.login_server();
        if !servers.contains(&server) {
            servers.push(server);
        }
    }
    let file = |e| Error::from(RegistryError::DockerConfig(e));
    let location = ports.docker_config.location().map_err(file)?;
    let existing = ports.docker_config.read(MAX_CONFIG_BYTES).map_err(file)?;
    let (text, changes) =
        add_cred_helpers(existing.as_deref(), &servers, helper).map_err(|reason| {
            RegistryError::DockerConfigInvalid {
                location: location.clone(),
                reason,
            }
        })?;
    let written = text.is_some();
    if let Some(text) = text {
        ports.docker_config.replace(text.as_bytes()).map_err(file)?;
    }
    Ok(Configured {
        location,
        changes,
        written,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::{ConfigurePorts, configure};
    use crate::app::usecases::error::{Error, RegistryError};
    use crate::app::usecases::test_support::FakeProfiles;
    use crate::domain::docker_credential::EntryChange;
    use crate::ports::docker_config::{DockerConfigFile, DockerConfigFileError};
    use crate::ports::env::MapEnv;

    struct File(Mutex<Option<Vec<u8>>>);

    impl DockerConfigFile for File {
        fn location(&self) -> Result<String, DockerConfigFileError> {
            Ok("/h/.docker/config.json".into())
        }
        fn read(&self, _: usize) -> Result<Option<Vec<u8>>, DockerConfigFileError> {
            Ok(self.0.lock().unwrap().clone())
        }
        fn replace(&self, bytes: &[u8]) -> Result<(), DockerConfigFileError> {
            *self.0.lock().unwrap() = Some(bytes.to_vec());
            Ok(())
        }
    }

    fn env() -> MapEnv {
        MapEnv::from_pairs([
            ("AZURE_TENANT_ID", "7f3c1a2e-9b4d-4c6e-8f10-2a3b4c5d6e7f"),
            ("AZURE_CLIENT_ID", "3d2c1b0a-5f4e-4d3c-9b2a-1f0e9d8c7b6a"),
            ("ENTRA_AUTH_CONTAINER_REGISTRIES", "reg.example.com"),
        ])
    }

    /// No config file: the environment makes the `default` profile.
    fn repo() -> FakeProfiles {
        FakeProfiles::nowhere()
    }

    #[test]
    fn adds_served_hosts_and_refuses_others_before_writing() {
        let (env, repo) = (env(), repo());
        let file = File(Mutex::new(Some(br#"{"auths":{}}"#.to_vec())));
        let ports = ConfigurePorts {
            profiles: &repo,
            env: &env,
            docker_config: &file,
        };
        let hosts = [
            "https://A.azurecr.io/".to_owned(),
            "reg.example.com".to_owned(),
        ];
        let done = configure(&ports, "default", &hosts, "entra-auth-cli").unwrap();
        assert!(done.written);
        assert_eq!(
            done.changes,
            [
                ("a.azurecr.io".to_owned(), EntryChange::Added),
                ("reg.example.com".to_owned(), EntryChange::Added)
            ]
        );
        let err = configure(&ports, "default", &["docker.io".to_owned()], "x").unwrap_err();
        assert!(matches!(
            err,
            Error::Registry(RegistryError::NotServed { .. })
        ));
        let text = String::from_utf8(file.0.lock().unwrap().clone().unwrap()).unwrap();
        assert!(text.contains("\"auths\""), "{text}");
        assert!(!text.contains("docker.io"), "{text}");
    }

    #[test]
    fn an_invalid_file_is_reported_never_rewritten() {
        let (env, repo) = (env(), repo());
        let file = File(Mutex::new(Some(b"{broken".to_vec())));
        let ports = ConfigurePorts {
            profiles: &repo,
            env: &env,
            docker_config: &file,
        };
        let err = configure(&ports, "default", &["a.azurecr.io".to_owned()], "h").unwrap_err();
        assert!(
            matches!(
                err,
                Error::Registry(RegistryError::DockerConfigInvalid { .. })
            ),
            "{err:?}"
        );
        assert_eq!(file.0.lock().unwrap().as_deref(), Some(&b"{broken"[..]));
    }
}
