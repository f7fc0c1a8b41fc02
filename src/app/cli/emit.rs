//! Delivers the requested output: stdout (a closed pipe is not an error) or `--file` (atomic,
//! 0600). Nothing else is ever written to stdout.

use std::io::Write;
use std::path::Path;

use super::report::Report;
use crate::app::composition::Services;
use crate::app::usecases::error::ErrorKind;

/// Writes `text` to `file`, or to stdout when `file` is `None`.
///
/// # Errors
/// An `Io` error naming the file; a reader that closed stdout early (`| head`) is fine.
pub fn emit(text: &str, file: Option<&Path>, services: &Services) -> Result<(), Report> {
    match file {
        Some(path) => services
            .write_private_file(path, text.as_bytes())
            .map_err(|e| {
                Report::new(ErrorKind::Io, format!("cannot write {}", path.display()))
                    .cause(e.to_string())
                    .hint("check that the directory exists and is writable")
            }),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Report::new(
                    ErrorKind::Io,
                    "cannot write to standard output",
                )
                .cause(e.to_string())),
                _ => Ok(()),
            }
        }
    }
}
