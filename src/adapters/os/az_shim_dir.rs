//! The private directory `exec --az-shim` puts first on its child's `PATH`: `az` there is this
//! very binary (a symlink; a copy on Windows), which answers as the Azure CLI when started under
//! that name. The directory is readable by this user only and removed when dropped.

use std::io;
use std::path::Path;

/// The directory and its `az`.
pub struct AzShimDir {
    dir: tempfile::TempDir,
}

impl AzShimDir {
    /// Creates the directory (mode 0700 on Unix) with `az` in it.
    ///
    /// # Errors
    /// The temporary directory or the link cannot be made; this binary's path is unknown.
    pub fn create() -> io::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("entra-auth-cli-az-")
            .tempdir()?;
        let exe = std::env::current_exe()?;
        #[cfg(unix)]
        std::os::unix::fs::symlink(&exe, dir.path().join("az"))?;
        #[cfg(not(unix))]
        std::fs::copy(&exe, dir.path().join("az.exe"))?;
        Ok(Self { dir })
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}
