//! The profile fields `config create` and `config edit` take as flags, and reading a secret
//! from standard input.

use std::io::Read;

use clap::{Arg, ArgAction, ArgMatches};
use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::app::usecases::error::{Error, InputError};
use crate::domain::profile::{FIELDS, FieldKind, FieldSpec, ProfileSettings};

/// Every profile field as a flag, generated from the one list of fields
/// ([`crate::domain::profile::FIELDS`]): `--tenant-id`, `--client-id`, `--scope` (repeatable),
/// ... Secrets are never flags; `--client-secret-stdin` reads one from a pipe.
#[derive(Debug, Default, Clone)]
pub struct FieldArgs {
    settings: ProfileSettings,
    /// Read the client secret from standard input and store it in the secret store.
    pub client_secret_stdin: bool,
}

const CLIENT_SECRET_STDIN: &str = "client_secret_stdin";

impl FieldArgs {
    /// The fields given, as settings.
    #[must_use]
    pub fn settings(&self) -> ProfileSettings {
        self.settings.clone()
    }
}

/// `--tenant-id` for `tenant_id`; scopes are given one flag at a time as `--scope`, other lists
/// (`--client-capabilities`) likewise.
fn flag(spec: &FieldSpec) -> String {
    match spec.kind {
        FieldKind::Scopes if spec.name == "scopes" => "scope".to_owned(),
        _ => spec.name.replace('_', "-"),
    }
}

fn value_name(spec: &FieldSpec) -> String {
    let name = spec.name;
    match spec.kind {
        FieldKind::Scopes if name == "scopes" => "SCOPES".to_owned(),
        FieldKind::Port => "PORT".to_owned(),
        FieldKind::Bool => "BOOL".to_owned(),
        FieldKind::Text if name.ends_with("_path") || name.ends_with("_file") => "PATH".to_owned(),
        FieldKind::Text if name.ends_with("_uri") => "URI".to_owned(),
        FieldKind::Text if name.ends_with("_host") => "URL".to_owned(),
        FieldKind::Text if name.ends_with("_algorithm") => "ALG".to_owned(),
        // The last word: TENANT_ID -> ID, AUTH_METHOD -> METHOD.
        FieldKind::Text | FieldKind::Scopes => {
            name.rsplit('_').next().unwrap_or(name).to_ascii_uppercase()
        }
    }
}

fn arg(spec: &FieldSpec) -> Arg {
    let arg = Arg::new(spec.name)
        .long(flag(spec))
        .value_name(value_name(spec))
        .help(spec.about);
    match spec.kind {
        FieldKind::Scopes => arg.action(ArgAction::Append),
        FieldKind::Port => arg.value_parser(clap::value_parser!(u16).range(1..)),
        FieldKind::Bool => arg
            .value_parser(clap::builder::BoolishValueParser::new())
            .hide_possible_values(true),
        FieldKind::Text => arg,
    }
}

impl clap::FromArgMatches for FieldArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut args = Self::default();
        args.update_from_arg_matches(matches)?;
        Ok(args)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        for spec in FIELDS {
            let text = match spec.kind {
                FieldKind::Scopes => matches
                    .get_many::<String>(spec.name)
                    .map(|values| values.cloned().collect::<Vec<_>>().join(" ")),
                FieldKind::Port => matches.get_one::<u16>(spec.name).map(u16::to_string),
                FieldKind::Bool => matches.get_one::<bool>(spec.name).map(bool::to_string),
                FieldKind::Text => matches.get_one::<String>(spec.name).cloned(),
            };
            if let Some(text) = text {
                self.settings.set_text(spec.name, &text).map_err(|e| {
                    clap::Error::raw(
                        clap::error::ErrorKind::ValueValidation,
                        format!("--{}: {e}\n", flag(spec)),
                    )
                })?;
            }
        }
        self.client_secret_stdin = matches.get_flag(CLIENT_SECRET_STDIN);
        Ok(())
    }
}

impl clap::Args for FieldArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        FIELDS.iter().fold(cmd, |cmd, spec| cmd.arg(arg(spec))).arg(
            Arg::new(CLIENT_SECRET_STDIN)
                .long("client-secret-stdin")
                .action(ArgAction::SetTrue)
                .help(
                    "Read the client secret from standard input and store it in the secret store",
                ),
        )
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

/// Reads a secret from standard input (one trailing newline removed), for `*-stdin` flags.
///
/// # Errors
/// Read failures, or empty input.
pub fn read_stdin_secret(what: &'static str) -> Result<SecretString, Error> {
    let mut text = Zeroizing::new(String::new());
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| InputError::Stdin {
            what,
            cause: e.to_string(),
        })?;
    let trimmed = text.strip_suffix('\n').unwrap_or(&text);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Err(InputError::Empty { what }.into());
    }
    Ok(SecretString::from(trimmed.to_owned()))
}
