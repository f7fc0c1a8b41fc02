//! Atomic, private file writes: a temporary file in the target's directory, synced, then renamed
//! over the target. Readers see the old or the new content, never a mix; mode is 0600 on Unix.

use std::io::{self, Write};
use std::path::Path;

/// Writes `bytes` to `path` atomically with owner-only permissions. The parent directory must
/// exist.
///
/// # Errors
/// Any I/O error; the previous file at `path`, if any, is left untouched.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    // tempfile creates the file with mode 0600 on Unix.
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| {
            // tempfile's message names the random temporary path; name the directory instead.
            let reason = match e.kind() {
                io::ErrorKind::NotFound => "the directory does not exist".to_owned(),
                io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
                other => other.to_string(),
            };
            io::Error::new(
                e.kind(),
                format!("cannot create a file in {}: {reason}", dir.display()),
            )
        })?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    crash_point_for_tests();
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Debug builds only: `ENTRA_AUTH_TEST_CRASH_BEFORE_RENAME=1` kills the process between writing
/// the temporary file and renaming it, so tests can prove a crash mid-write loses nothing.
fn crash_point_for_tests() {
    #[cfg(debug_assertions)]
    if std::env::var_os("ENTRA_AUTH_TEST_CRASH_BEFORE_RENAME").is_some() {
        std::process::abort();
    }
}

/// Creates `dir` and its missing parents; on Unix, directories this call creates get mode 0700.
///
/// # Errors
/// Any I/O error.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Creates the empty marker file `name` in `dir` (creating `dir` privately): `Ok(true)` when
/// this call created it, `Ok(false)` when it was already there.
///
/// # Errors
/// Any other I/O error.
pub fn create_marker(dir: &Path, name: &str) -> io::Result<bool> {
    create_private_dir(dir)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(dir.join(name)) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::write_private;

    #[test]
    fn a_marker_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("cache");
        assert!(super::create_marker(&sub, "m").unwrap());
        assert!(!super::create_marker(&sub, "m").unwrap());
    }

    #[test]
    fn replaces_content_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token.txt");
        std::fs::write(&path, "old").unwrap();
        write_private(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file left behind");
    }

    #[test]
    fn missing_directory_is_an_error_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope").join("token.txt");
        assert!(write_private(&path, b"x").is_err());
        assert!(!path.exists());
    }
}
