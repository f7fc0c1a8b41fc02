//! The helper's command line: `[-p PROFILE] [--timeout D] ACTION [HOST...]`, as docker runs it
//! (`docker-credential-entra-auth-cli get`) and as people do (`entra-auth-cli docker-credential
//! -p prod configure myreg.azurecr.io`). Parsed by hand: docker starts the helper for every
//! pull, and a usage error must be one line on stdout like the protocol's other errors.

use std::time::Duration;

use crate::domain::docker_credential::Action;
use crate::domain::duration::parse_duration;

/// The limit for a `get` when `--timeout` is not given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Run(Invocation),
    Help,
    /// A usage error, one line.
    Usage(String),
}

/// What to do, for which profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// `-p`, when given.
    pub profile: Option<String>,
    pub timeout: Duration,
    pub action: Action,
}

/// Parses the arguments after the program name (and after `docker-credential`).
#[must_use]
pub fn parse(args: &[String]) -> Parsed {
    let mut profile = None;
    let mut timeout = DEFAULT_TIMEOUT;
    let mut positional: Vec<String> = Vec::new();
    let mut iter = args.iter();
    let mut only_positional = false;
    while let Some(arg) = iter.next() {
        if only_positional || !arg.starts_with('-') || arg == "-" {
            positional.push(arg.clone());
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = |flag: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| iter.next().cloned())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match name {
            "--" => only_positional = true,
            "-h" | "--help" => return Parsed::Help,
            // docker-credential-helpers' convention: `-v` is the version, as `version` is.
            "-v" | "--version" => {
                positional.insert(0, "version".to_owned());
            }
            "-p" | "--profile" => match value(name) {
                Ok(v) if !v.trim().is_empty() => profile = Some(v),
                Ok(_) => return Parsed::Usage(format!("{name} needs a profile name")),
                Err(e) => return Parsed::Usage(e),
            },
            "--timeout" => match value(name).and_then(|v| parse_duration(&v)) {
                Ok(d) => timeout = d,
                Err(e) => return Parsed::Usage(format!("--timeout: {e}")),
            },
            short if short.starts_with("-p") && short.len() > 2 => {
                profile = Some(short[2..].to_owned());
            }
            other => {
                return Parsed::Usage(format!(
                    "unknown option `{}`",
                    crate::domain::text::printable_line(&crate::domain::text::clip(other, 40))
                ));
            }
        }
    }
    let mut positional = positional.into_iter();
    let Some(name) = positional.next() else {
        return Parsed::Usage(
            "no action: give one of get, store, erase, list, version, configure".to_owned(),
        );
    };
    let rest: Vec<String> = positional.collect();
    let Some(action) = Action::parse(&name, rest.clone()) else {
        return Parsed::Usage(format!(
            "unknown credential action `{}`",
            crate::domain::text::printable_line(&crate::domain::text::clip(&name, 40))
        ));
    };
    match &action {
        Action::Configure(hosts) if hosts.is_empty() => {
            return Parsed::Usage(
                "configure needs at least one registry, e.g. myregistry.azurecr.io".to_owned(),
            );
        }
        Action::Configure(_) => {}
        _ if !rest.is_empty() && name != "version" => {
            return Parsed::Usage(format!(
                "`{name}` takes no arguments (docker writes the server URL on standard input)"
            ));
        }
        _ => {}
    }
    Parsed::Run(Invocation {
        profile,
        timeout,
        action,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{DEFAULT_TIMEOUT, Invocation, Parsed, parse};
    use crate::domain::docker_credential::Action;

    fn run(args: &[&str]) -> Parsed {
        parse(&args.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn docker_and_people_command_lines() {
        assert_eq!(
            run(&["get"]),
            Parsed::Run(Invocation {
                profile: None,
                timeout: DEFAULT_TIMEOUT,
                action: Action::Get
            })
        );
        for args in [
            &["-p", "prod", "list"][..],
            &["--profile", "prod", "list"],
            &["--profile=prod", "list"],
            &["-pprod", "list"],
            &["list", "-p", "prod"],
        ] {
            let Parsed::Run(i) = run(args) else {
                panic!("{args:?}")
            };
            assert_eq!(i.profile.as_deref(), Some("prod"), "{args:?}");
            assert_eq!(i.action, Action::List);
        }
        let Parsed::Run(i) = run(&["--timeout", "5s", "configure", "a.azurecr.io", "b"]) else {
            panic!()
        };
        assert_eq!(i.timeout, Duration::from_secs(5));
        assert_eq!(
            i.action,
            Action::Configure(vec!["a.azurecr.io".into(), "b".into()])
        );
        assert!(matches!(
            run(&["-v"]),
            Parsed::Run(Invocation {
                action: Action::Version,
                ..
            })
        ));
        assert_eq!(run(&["--help"]), Parsed::Help);
    }

    #[test]
    fn usage_errors_are_one_line() {
        for args in [
            &[][..],
            &["fetch"],
            &["get", "extra"],
            &["configure"],
            &["-p"],
            &["--timeout", "soon", "get"],
            &["--bogus", "get"],
            &["-p", " ", "get"],
        ] {
            match run(args) {
                Parsed::Usage(line) => assert!(!line.contains('\n'), "{line}"),
                other => panic!("{args:?}: {other:?}"),
            }
        }
    }
}
