//! Where `config import` reads from: a file or stdin (sniffed before any passphrase prompt,
//! then decrypted), or the seed tool's `profiles.json`; and what each failure tells the user.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use super::ImportArgs;
use crate::adapters::profile_export::{ExportFormat, ImportError, PortableProfile, open, sniff};
use crate::adapters::seed_import::parse_profiles_json;
use crate::cli::config::export::{passphrase_from_prompt, passphrase_from_stdin};
use crate::ports::env::Env;
use crate::usecases::error::{AppError, ErrorKind};

/// Exports are small; anything bigger is not one.
const MAX_INPUT: u64 = 1024 * 1024;

fn import_error(error: ImportError, source: &str) -> AppError {
    match error {
        ImportError::NotAnExport(reason) => {
            AppError::new(ErrorKind::Usage, format!("{source} is not a profile export"))
                .cause(reason)
                .hint("give a file written by `entra-auth-cli config export` (or the seed tool's `config export`)")
        }
        ImportError::UnsupportedVersion(version) => AppError::new(
            ErrorKind::Config,
            format!("{source} uses export format {version}, which this version cannot read"),
        )
        .hint("upgrade entra-auth-cli, or export again with this version"),
        ImportError::Decrypt => AppError::new(ErrorKind::Config, "wrong passphrase or corrupted file")
            .hint("check the passphrase and that the file is complete; nothing was imported"),
        ImportError::Invalid(reason) => AppError::new(
            ErrorKind::Config,
            format!("{source} decrypted, but its content is invalid"),
        )
        .cause(reason)
        .hint("nothing was imported"),
    }
}

fn read_input(input: Option<&Path>) -> Result<(String, Vec<u8>), AppError> {
    let (source, reader): (String, Box<dyn Read>) = match input {
        Some(path) => {
            let file = std::fs::File::open(path).map_err(|e| {
                AppError::new(ErrorKind::Io, format!("cannot read {}", path.display()))
                    .cause(e.to_string())
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
        .map_err(|e| {
            AppError::new(ErrorKind::Io, format!("cannot read {source}")).cause(e.to_string())
        })?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(import_error(
            ImportError::NotAnExport("it is larger than 1 MiB".to_owned()),
            &source,
        ));
    }
    Ok((source, bytes))
}

pub(super) fn read_export(
    args: &ImportArgs,
    env: &dyn Env,
) -> Result<(String, ExportFormat, Vec<PortableProfile>), AppError> {
    let (source, bytes) = read_input(args.input.as_deref())?;
    // Not an export at all: say so before asking for a passphrase.
    sniff(&bytes).map_err(|e| import_error(e, &source))?;
    let passphrase = if args.passphrase_stdin {
        passphrase_from_stdin()?
    } else {
        passphrase_from_prompt(env, false)?
    };
    let (format, profiles) = open(&bytes, &passphrase).map_err(|e| import_error(e, &source))?;
    Ok((source, format, profiles))
}

pub(super) fn read_seed_profiles(
    path: Option<&Path>,
    env: &dyn Env,
) -> Result<(String, Vec<PortableProfile>), AppError> {
    let path = match path {
        Some(path) => path.to_path_buf(),
        None => env
            .non_empty("HOME")
            .map(|home| PathBuf::from(home).join(".config/entra-auth-cli/profiles.json"))
            .ok_or_else(|| {
                AppError::new(ErrorKind::Config, "HOME is not set")
                    .hint("give the file: --from-seed PATH/profiles.json")
            })?,
    };
    let source = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| {
        AppError::new(ErrorKind::Io, format!("cannot read {source}"))
            .cause(e.to_string())
            .hint("the seed tool kept its profiles in ~/.config/entra-auth-cli/profiles.json (%APPDATA%\\entra-auth-cli\\profiles.json on Windows)")
    })?;
    let profiles = parse_profiles_json(&text).map_err(|reason| {
        AppError::new(
            ErrorKind::Config,
            format!("{source} is not the seed tool's profiles.json"),
        )
        .cause(reason)
        .hint("nothing was imported")
    })?;
    Ok((source, profiles))
}
