//! The files of `serve`: the identity header file (read when it exists, else created with mode
//! 0600 and a random value; a read is capped and must find a regular file) and the audit log
//! (appended to, created with mode 0600).

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

/// The most bytes read from a header file.
const HEADER_FILE_LIMIT: u64 = 4096;

/// The header in `path` (trimmed), or `fresh()` written there first when the file does not
/// exist (created exclusively, mode 0600, so a racing writer is not overwritten).
///
/// # Errors
/// I/O errors; a path that is not a regular file.
pub fn read_or_create_header(
    path: &Path,
    fresh: impl FnOnce() -> io::Result<String>,
) -> io::Result<String> {
    match open_regular(path) {
        Ok(file) => return read_header(file),
        Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
        Err(_) => {}
    }
    let value = fresh()?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            io::Write::write_all(&mut file, format!("{value}\n").as_bytes())?;
            file.sync_all()?;
            Ok(value)
        }
        // Someone made it first: theirs is the header.
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
            read_header(open_regular(path)?)
        }
        Err(error) => Err(error),
    }
}

/// Reads the header file again (SIGHUP).
///
/// # Errors
/// I/O errors; a path that is not a regular file.
pub fn read_header_file(path: &Path) -> io::Result<String> {
    read_header(open_regular(path)?)
}

fn open_regular(path: &Path) -> io::Result<File> {
    let file = File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok(file)
}

fn read_header(file: File) -> io::Result<String> {
    let mut text = String::new();
    file.take(HEADER_FILE_LIMIT).read_to_string(&mut text)?;
    Ok(text.trim().to_owned())
}

/// Opens the audit log for appending (created with mode 0600).
///
/// # Errors
/// I/O errors.
pub fn open_audit_log(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_header_file_is_created_private_and_then_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("header");
        let made = read_or_create_header(&path, || Ok("a".repeat(43))).unwrap();
        assert_eq!(made, "a".repeat(43));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = read_or_create_header(&path, || panic!("not made twice")).unwrap();
        assert_eq!(again, made);
        assert!(read_or_create_header(dir.path(), || Ok(String::new())).is_err());
    }
}
