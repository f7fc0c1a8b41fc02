//! The tool's own directories and files, trusted only when nobody else can change them: a cache,
//! config or lock directory must belong to the user (or root) and be writable by no one else
//! (unless it sits on a read-only mount); files in them are opened without following a link or
//! blocking, must be regular files, and are read up to a cap.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::ports::store::{DirectoryProblem, UnsafeDirectory};

/// The most bytes read from a token, secret or account file, or from `config.toml`: each is a
/// few kilobytes; anything bigger is not ours.
pub const MAX_STATE_FILE: u64 = 1024 * 1024;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// Not a file this tool would have written there: a link, a FIFO, a device, a directory, or
    /// bigger than the cap. The caller treats it as an unreadable entry.
    Refused(String),
    /// Any other I/O error.
    Io(io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(reason) => f.write_str(reason),
            Self::Io(e) => e.fmt(f),
        }
    }
}

/// Checks that `dir`, when it exists, is a directory of the user's own (or root's) that no other
/// user can write to; a read-only mount passes whatever its mode. A missing directory passes (it
/// is created private). `variable` is what chooses another directory, for the message.
///
/// # Errors
/// The problem found, naming `dir`.
pub fn check_private_dir(dir: &Path, variable: &'static str) -> Result<(), UnsafeDirectory> {
    let unsafe_dir = |problem| UnsafeDirectory {
        path: dir.display().to_string(),
        problem,
        variable,
    };
    // Following a link: what counts is the directory the files land in.
    let Ok(meta) = std::fs::metadata(dir) else {
        return Ok(());
    };
    if !meta.is_dir() {
        return Err(unsafe_dir(DirectoryProblem::NotADirectory));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let owner = meta.uid();
        let me = rustix::process::geteuid().as_raw();
        if owner != me && owner != 0 {
            return Err(unsafe_dir(DirectoryProblem::OwnedByAnother { uid: owner }));
        }
        let mode = meta.mode() & 0o7777;
        if mode & 0o022 != 0 && !read_only_mount(dir) {
            return Err(unsafe_dir(DirectoryProblem::WritableByOthers {
                mode: mode & 0o777,
            }));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn read_only_mount(dir: &Path) -> bool {
    rustix::fs::statvfs(dir).is_ok_and(|s| s.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY))
}

/// Creates `dir` (and missing parents; new ones 0700 on Unix), then checks it as
/// [`check_private_dir`] does: a directory someone else made first in a shared place is not
/// taken.
///
/// # Errors
/// Any I/O error; an unsafe directory as `PermissionDenied`, with its message.
pub fn ensure_private_dir(dir: &Path, variable: &'static str) -> io::Result<()> {
    crate::adapters::os::atomic_file::create_private_dir(dir)?;
    check_private_dir(dir, variable)
        .map_err(|e| io::Error::new(io::ErrorKind::PermissionDenied, e.to_string()))
}

/// Reads the regular file at `path`, at most `limit` bytes: `Ok(None)` when it does not exist.
/// Never follows a link at `path` and never blocks on a FIFO.
///
/// # Errors
/// `Refused` for a link, a FIFO, a device, a directory or a file over `limit`; `Io` otherwise.
pub fn read_regular(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, ReadError> {
    let file = match open_no_follow(path, false) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) if is_link_error(&e) => {
            return Err(ReadError::Refused(format!(
                "{} is a symbolic link, which is never followed",
                path.display()
            )));
        }
        Err(e) => return Err(ReadError::Io(e)),
    };
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::Refused(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    if meta.len() > limit {
        return Err(too_large(path, limit));
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(too_large(path, limit));
    }
    Ok(Some(bytes))
}

/// Reads a file the user names (a certificate, a federated token): links are followed (the
/// platform's projected volumes are links), but it must be a regular file, the open never blocks
/// and at most `limit` bytes are read.
///
/// # Errors
/// Any I/O error; a FIFO, device or directory, or a file over `limit`, as `InvalidData`.
pub fn read_named_file(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    #[cfg(unix)]
    let file = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(i32::try_from(rustix::fs::OFlags::NONBLOCK.bits()).unwrap_or(0))
            .open(path)?
    };
    #[cfg(not(unix))]
    let file = File::open(path)?;
    let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(invalid("not a regular file".to_owned()));
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if meta.len() > limit || u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(invalid(format!("larger than {} KiB", limit / 1024)));
    }
    Ok(bytes)
}

fn too_large(path: &Path, limit: u64) -> ReadError {
    ReadError::Refused(format!(
        "{} is larger than {} KiB, which no file of this tool is",
        path.display(),
        limit / 1024
    ))
}

/// Opens (creating 0600 when `create`) the regular file at `path` for writing, for a lock:
/// never through a link, never blocking.
///
/// # Errors
/// Any I/O error; a link or a non-regular file as `InvalidInput`.
pub fn open_lock_file(path: &Path) -> io::Result<File> {
    let file = open_no_follow(path, true).map_err(|e| {
        if is_link_error(&e) {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} is a symbolic link, which is never followed",
                    path.display()
                ),
            )
        } else {
            e
        }
    })?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", path.display()),
        ));
    }
    Ok(file)
}

#[cfg(unix)]
fn open_no_follow(path: &Path, lock: bool) -> io::Result<File> {
    use rustix::fs::{Mode, OFlags};
    let mut flags = OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
    flags |= if lock {
        OFlags::WRONLY | OFlags::CREATE
    } else {
        OFlags::RDONLY
    };
    let fd = rustix::fs::open(path, flags, Mode::from_raw_mode(0o600))?;
    Ok(File::from(fd))
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path, lock: bool) -> io::Result<File> {
    if lock {
        std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
    } else {
        File::open(path)
    }
}

/// `open` with `O_NOFOLLOW` on a link fails with `ELOOP` (Linux, BSDs) or `EMLINK` (FreeBSD).
fn is_link_error(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        let code = e.raw_os_error();
        code == Some(rustix::io::Errno::LOOP.raw_os_error())
            || code == Some(rustix::io::Errno::MLINK.raw_os_error())
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::{MAX_STATE_FILE, ReadError, check_private_dir, open_lock_file, read_regular};
    use crate::ports::store::DirectoryProblem;

    #[test]
    fn reads_regular_files_only_and_up_to_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        assert!(read_regular(&file, 10).unwrap().is_none());
        std::fs::write(&file, b"0123456789").unwrap();
        assert_eq!(read_regular(&file, 10).unwrap().unwrap(), b"0123456789");
        assert!(matches!(read_regular(&file, 9), Err(ReadError::Refused(_))));
        let link = dir.path().join("l");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let Err(ReadError::Refused(reason)) = read_regular(&link, MAX_STATE_FILE) else {
            panic!("a link is refused");
        };
        assert!(reason.contains("symbolic link"), "{reason}");
        assert!(matches!(
            read_regular(dir.path(), MAX_STATE_FILE),
            Err(ReadError::Refused(_))
        ));
        assert!(matches!(
            read_regular(std::path::Path::new("/dev/zero"), MAX_STATE_FILE),
            Err(ReadError::Refused(_))
        ));
    }

    #[test]
    fn a_lock_is_never_taken_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        let link = dir.path().join("x.lock");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = open_lock_file(&link).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(!target.exists());
        let fine = dir.path().join("y.lock");
        open_lock_file(&fine).unwrap();
        let mode = std::fs::metadata(&fine).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }

    #[test]
    fn directories_writable_by_others_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        check_private_dir(dir.path(), "V").unwrap();
        check_private_dir(&dir.path().join("missing"), "V").unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o770)).unwrap();
        let err = check_private_dir(dir.path(), "V").unwrap_err();
        assert_eq!(
            err.problem,
            DirectoryProblem::WritableByOthers { mode: 0o770 }
        );
        assert_eq!(err.variable, "V");
        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        assert_eq!(
            check_private_dir(&file, "V").unwrap_err().problem,
            DirectoryProblem::NotADirectory
        );
    }
}
