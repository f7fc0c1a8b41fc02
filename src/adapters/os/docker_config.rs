//! docker's `config.json` on disk (port `docker_config`): `$DOCKER_CONFIG/config.json`, else
//! `~/.docker/config.json`; read bounded, replaced atomically with mode 0600 (as docker writes
//! it), its directory created 0700 when missing.

use std::io::Read as _;
use std::path::PathBuf;

use crate::adapters::os::atomic_file::{create_private_dir, write_private};
use crate::ports::docker_config::{DockerConfigFile, DockerConfigFileError};

/// The file at a resolved path (`None`: no `DOCKER_CONFIG` and no `HOME`).
pub struct DockerConfigOnDisk {
    path: Option<PathBuf>,
}

impl DockerConfigOnDisk {
    /// `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json` (docker's own rule).
    #[must_use]
    pub fn new(docker_config: Option<String>, home: Option<String>) -> Self {
        let dir = docker_config
            .filter(|d| !d.trim().is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                home.filter(|h| !h.trim().is_empty())
                    .map(|h| PathBuf::from(h).join(".docker"))
            });
        Self {
            path: dir.map(|d| d.join("config.json")),
        }
    }

    fn path(&self) -> Result<&PathBuf, DockerConfigFileError> {
        self.path.as_ref().ok_or(DockerConfigFileError::NoLocation)
    }
}

impl DockerConfigFile for DockerConfigOnDisk {
    fn location(&self) -> Result<String, DockerConfigFileError> {
        Ok(self.path()?.display().to_string())
    }

    fn read(&self, limit: usize) -> Result<Option<Vec<u8>>, DockerConfigFileError> {
        let path = self.path()?;
        let error = |e: std::io::Error| DockerConfigFileError::Read {
            location: path.display().to_string(),
            cause: e.to_string(),
        };
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(error(e)),
        };
        let mut bytes = Vec::new();
        file.take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(error)?;
        Ok(Some(bytes))
    }

    fn replace(&self, bytes: &[u8]) -> Result<(), DockerConfigFileError> {
        let path = self.path()?;
        let error = |e: std::io::Error| DockerConfigFileError::Write {
            location: path.display().to_string(),
            cause: e.to_string(),
        };
        if let Some(dir) = path.parent() {
            create_private_dir(dir).map_err(error)?;
        }
        write_private(path, bytes).map_err(error)
    }
}

#[cfg(test)]
mod tests {
    use super::DockerConfigOnDisk;
    use crate::ports::docker_config::{DockerConfigFile, DockerConfigFileError};

    #[test]
    fn reads_bounded_and_replaces_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().display().to_string();
        let file = DockerConfigOnDisk::new(None, Some(home.clone()));
        assert_eq!(file.read(10).unwrap(), None);
        file.replace(b"{\"a\":1}").unwrap();
        assert_eq!(file.read(100).unwrap().unwrap(), b"{\"a\":1}");
        assert_eq!(file.read(3).unwrap().unwrap().len(), 4);
        assert!(file.location().unwrap().ends_with(".docker/config.json"));
        let other = DockerConfigOnDisk::new(Some(format!("{home}/d")), Some(home));
        assert!(other.location().unwrap().ends_with("/d/config.json"));
        assert_eq!(
            DockerConfigOnDisk::new(None, None).read(1),
            Err(DockerConfigFileError::NoLocation)
        );
    }
}
