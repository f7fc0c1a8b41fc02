//! Where `config import` reads from: a file or stdin, or the .NET entra-auth-cli's `profiles.json`.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use crate::app::usecases::error::{Error, InputError, TransferError};
use crate::ports::env::Env;

/// Exports are small; anything bigger is not one.
const MAX_INPUT: u64 = 1024 * 1024;

/// Reads the export from `input` or standard input (at most 1 MiB).
pub(super) fn read_input(input: Option<&Path>) -> Result<(String, Vec<u8>), Error> {
    let (source, reader): (String, Box<dyn Read>) = match input {
        Some(path) => {
            let file = std::fs::File::open(path).map_err(|e| InputError::File {
                source_name: path.display().to_string(),
                cause: e.to_string(),
            })?;
            (path.display().to_string(), Box::new(file))
        }
        None => {
            if std::io::stdin().is_terminal() {
                eprintln!("Paste the export, then press Ctrl-D:");
            }
            ("standard input".to_owned(), Box::new(std::io::stdin()))
        }
    };
    let mut bytes = Vec::new();
    reader
        .take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::File {
            source_name: source.clone(),
            cause: e.to_string(),
        })?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(TransferError::NotAnExport {
            source_name: source,
            reason: "it is larger than 1 MiB".to_owned(),
        }
        .into());
    }
    Ok((source, bytes))
}

/// Reads the .NET entra-auth-cli's `profiles.json` (default: `~/.config/entra-auth-cli/profiles.json`).
pub(super) fn read_seed_profiles(
    path: Option<&Path>,
    env: &dyn Env,
) -> Result<(String, String), Error> {
    let path = match path {
        Some(path) => path.to_path_buf(),
        None => env
            .non_empty("HOME")
            .map(|home| PathBuf::from(home).join(".config/entra-auth-cli/profiles.json"))
            .ok_or(InputError::NoHome)?,
    };
    let source = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| InputError::File {
        source_name: source.clone(),
        cause: e.to_string(),
    })?;
    Ok((source, text))
}
