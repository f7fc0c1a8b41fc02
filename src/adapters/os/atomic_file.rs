//! Atomic, private file writes: a temporary file in the target's directory, synced, then renamed
//! over the target, then the directory synced. Readers see the old or the new content, never a
//! mix; mode is 0600 on Unix. Temporary files are named `.<target>.entra-auth-cli.<random>.tmp`,
//! and ones a killed process left behind (older than a minute) are removed by the next write in
//! that directory.

use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// In the name of every temporary file of ours, after `.<target>`.
const TEMP_MARK: &str = ".entra-auth-cli.";
const TEMP_SUFFIX: &str = ".tmp";
/// A temporary file this old belongs to a write that died: a live one is renamed in moments.
const STALE_AFTER: Duration = Duration::from_secs(60);
/// How many directory entries a write looks at for leftovers (the output directory may be big).
const SCAN_LIMIT: usize = 10_000;

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
    remove_stale_temporaries(dir, SystemTime::now());
    // tempfile creates the file with mode 0600 on Unix.
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}{TEMP_MARK}"))
        .suffix(TEMP_SUFFIX)
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
    sync_dir(dir)
}

/// True for the name of one of our temporary files (of any target).
fn is_our_temporary(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(TEMP_SUFFIX) && name.contains(TEMP_MARK)
}

/// Removes our temporary files in `dir` last modified more than [`STALE_AFTER`] before `now`:
/// what a killed write left (a plaintext token, for `--file`). Best effort: failures (another
/// user's file in a shared directory, a race with another cleaner) are left alone.
fn remove_stale_temporaries(dir: &Path, now: SystemTime) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.take(SCAN_LIMIT).flatten() {
        let file_name = entry.file_name();
        if !file_name.to_str().is_some_and(is_our_temporary) {
            continue;
        }
        // Regular files only (never follow a link); the age from the last write.
        let stale = entry.metadata().is_ok_and(|meta| {
            meta.is_file()
                && meta
                    .modified()
                    .ok()
                    .and_then(|modified| now.duration_since(modified).ok())
                    .is_some_and(|age| age > STALE_AFTER)
        });
        if stale && let Err(e) = std::fs::remove_file(entry.path()) {
            tracing::debug!(file = %entry.path().display(), error = %e, "stale temporary file kept");
        }
    }
}

/// Makes the rename durable: syncs the directory entry (Unix; Windows has no directory sync).
/// File systems that cannot sync a directory are not an error.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let synced = std::fs::File::open(dir).and_then(|d| d.sync_all());
        match synced {
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported
                ) =>
            {
                tracing::debug!(dir = %dir.display(), error = %e, "directory sync not supported");
            }
            other => other?,
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
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
    use std::time::{Duration, SystemTime};

    use super::{STALE_AFTER, is_our_temporary, sync_dir, write_private};

    /// Creates `name` in `dir`, last modified `age` ago.
    fn file_aged(dir: &std::path::Path, name: &str, age: Duration) -> std::path::PathBuf {
        let path = dir.join(name);
        let file = std::fs::File::create(&path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
        path
    }

    #[test]
    fn temporary_files_are_recognisable() {
        let dir = tempfile::tempdir().unwrap();
        let temp = tempfile::Builder::new()
            .prefix(&format!(".token.json{}", super::TEMP_MARK))
            .suffix(super::TEMP_SUFFIX)
            .tempfile_in(dir.path())
            .unwrap();
        let name = temp
            .path()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(name.starts_with(".token.json.entra-auth-cli."), "{name}");
        assert!(is_our_temporary(&name));
        for other in [
            "token.json",
            ".token.json.tmp",
            ".x.entra-auth-cli.y",
            "a.entra-auth-cli.b.tmp",
        ] {
            assert!(!is_our_temporary(other), "{other}");
        }
    }

    #[test]
    fn a_write_removes_stale_temporaries_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let old = STALE_AFTER + Duration::from_secs(60);
        let stale = file_aged(dir.path(), ".token.json.entra-auth-cli.AbC123.tmp", old);
        let stale_other = file_aged(dir.path(), ".cache.bin.entra-auth-cli.Xyz789.tmp", old);
        let fresh = file_aged(
            dir.path(),
            ".token.json.entra-auth-cli.New456.tmp",
            Duration::ZERO,
        );
        let foreign = file_aged(dir.path(), ".token.json.swp.tmp", old);
        let user_file = file_aged(dir.path(), "notes.entra-auth-cli.tmp", old);
        write_private(&dir.path().join("token.json"), b"new").unwrap();
        assert!(
            !stale.exists() && !stale_other.exists(),
            "stale temporaries removed"
        );
        assert!(
            fresh.exists(),
            "a write in progress elsewhere is left alone"
        );
        assert!(
            foreign.exists() && user_file.exists(),
            "other files are left alone"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_with_a_temporary_name_is_never_followed_or_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, "keep").unwrap();
        let link = dir.path().join(".t.entra-auth-cli.Lnk000.tmp");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let old = SystemTime::now() - STALE_AFTER - Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(&target)
            .unwrap()
            .set_modified(old)
            .unwrap();
        write_private(&dir.path().join("t"), b"x").unwrap();
        // Only regular files are removed: the link and what it points to stay.
        assert!(std::fs::symlink_metadata(&link).is_ok());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    }

    #[test]
    fn directories_sync() {
        let dir = tempfile::tempdir().unwrap();
        sync_dir(dir.path()).unwrap();
        assert!(sync_dir(&dir.path().join("missing")).is_err());
    }

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
