//! The `az` command lines the shim answers, parsed the way SDKs and tools write them:
//! `--name value`, `--name=value`, `-o=json`, `-t T`, quoted subscriptions. Anything else is
//! either forwarded to a real `az` (another command) or a usage error (an option az would
//! not take either).

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AzCommand {
    GetAccessToken(TokenArgs),
    AccountShow,
    AccountList,
    Version,
}

/// `account get-access-token`'s own options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenArgs {
    pub resource: Option<String>,
    pub scopes: Vec<String>,
    pub resource_type: Option<String>,
    pub tenant: Option<String>,
    pub subscription: Option<String>,
}

/// `-o/--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputKind {
    #[default]
    Json,
    Tsv,
    None,
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub command: AzCommand,
    pub output: OutputKind,
    pub query: Option<String>,
}

/// The outcome of parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Run(Invocation),
    /// Not a command the shim answers: hand the whole line to a real `az`.
    Forward,
    /// An option or value az would reject too (exit 2, as az's argument parser).
    Usage(String),
}

/// Options that take a value, and which command accepts each (`None`: every command).
const VALUED: &[(&[&str], &str)] = &[
    (&["--output", "-o"], "output"),
    (&["--query"], "query"),
    (&["--resource"], "resource"),
    (&["--scope", "--scopes"], "scope"),
    (&["--resource-type"], "resource-type"),
    (&["--tenant", "-t"], "tenant"),
    (&["--subscription", "-s", "--name", "-n"], "subscription"),
];

/// Options without a value: az's global ones, and `account list`'s.
const SWITCHES: &[&str] = &[
    "--only-show-errors",
    "--debug",
    "--verbose",
    "--all",
    "--refresh",
];

/// Parses `args` (without the program name).
#[must_use]
pub fn parse(args: &[String]) -> Parsed {
    let words: Vec<&str> = args
        .iter()
        .take_while(|a| !a.starts_with('-'))
        .map(String::as_str)
        .collect();
    let command = match words.as_slice() {
        ["account", "get-access-token"] => Kind::Token,
        ["account", "show"] => Kind::Show,
        ["account", "list"] => Kind::List,
        ["version"] => Kind::Version,
        _ => return Parsed::Forward,
    };
    let mut rest = args[words.len()..].iter();
    let mut token = TokenArgs::default();
    let mut output = OutputKind::Json;
    let mut query = None;
    while let Some(arg) = rest.next() {
        if SWITCHES.contains(&arg.as_str()) {
            if matches!(arg.as_str(), "--all" | "--refresh") && command != Kind::List {
                return unrecognized(arg);
            }
            continue;
        }
        if arg == "--help" || arg == "-h" {
            return Parsed::Forward;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with('-') => (name, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let Some(&(_, key)) = VALUED.iter().find(|(names, _)| names.contains(&name)) else {
            return unrecognized(arg);
        };
        let value = match inline {
            Some(value) => value,
            None => match rest.next() {
                Some(value) => value.clone(),
                None => return Parsed::Usage(format!("argument {name}: expected one argument")),
            },
        };
        match (key, command) {
            ("output", _) => match value.to_ascii_lowercase().as_str() {
                "json" | "jsonc" => output = OutputKind::Json,
                "tsv" => output = OutputKind::Tsv,
                "none" => output = OutputKind::None,
                other => {
                    return Parsed::Usage(format!(
                        "argument --output/-o: '{other}' is not an output the entra-auth-cli az shim prints (json, jsonc, tsv, none)"
                    ));
                }
            },
            ("query", _) => query = Some(value),
            ("resource", Kind::Token) => token.resource = Some(value),
            ("scope", Kind::Token) => {
                token.scopes.push(value);
                // `--scope A B`: more scopes follow until the next option.
                while let Some(more) = rest.as_slice().first().filter(|a| !a.starts_with('-')) {
                    token.scopes.push(more.clone());
                    rest.next();
                }
            }
            ("resource-type", Kind::Token) => token.resource_type = Some(value),
            ("tenant", Kind::Token) => {
                token.tenant = Some(unquote(&value));
            }
            ("subscription", Kind::Token) if matches!(name, "--subscription") => {
                token.subscription = Some(unquote(&value));
            }
            // `account show --subscription/-s/--name/-n`: the session has one account.
            ("subscription", Kind::Show) => {}
            _ => return unrecognized(name),
        }
    }
    let command = match command {
        Kind::Token => {
            let given = usize::from(token.resource.is_some())
                + usize::from(!token.scopes.is_empty())
                + usize::from(token.resource_type.is_some());
            if given > 1 {
                return Parsed::Usage(
                    "usage error: --resource, --scope and --resource-type exclude each other"
                        .into(),
                );
            }
            AzCommand::GetAccessToken(token)
        }
        Kind::Show => AzCommand::AccountShow,
        Kind::List => AzCommand::AccountList,
        Kind::Version => AzCommand::Version,
    };
    Parsed::Run(Invocation {
        command,
        output,
        query,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Token,
    Show,
    List,
    Version,
}

fn unrecognized(arg: &str) -> Parsed {
    Parsed::Usage(format!("unrecognized arguments: {arg}"))
}

/// A value without the literal quotes some SDKs put around it (`"S"`, `'S'`).
fn unquote(value: &str) -> String {
    let trimmed = value.trim();
    for quote in ['"', '\''] {
        if let Some(inner) = trimmed
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner.to_owned();
        }
    }
    trimmed.to_owned()
}

#[cfg(test)]
mod tests {
    use super::{AzCommand, Invocation, OutputKind, Parsed, TokenArgs, parse};

    fn run(line: &str) -> Parsed {
        let args: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        parse(&args)
    }

    fn token(line: &str) -> (TokenArgs, OutputKind) {
        match run(line) {
            Parsed::Run(Invocation {
                command: AzCommand::GetAccessToken(args),
                output,
                ..
            }) => (args, output),
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn every_sdk_form_of_get_access_token() {
        let (args, output) =
            token("account get-access-token --output json --resource https://vault.azure.net");
        assert_eq!(args.resource.as_deref(), Some("https://vault.azure.net"));
        assert_eq!(output, OutputKind::Json);
        let (args, _) = token(
            "account get-access-token -o json --scope https://management.azure.com/.default --tenant T",
        );
        assert_eq!(args.scopes, ["https://management.azure.com/.default"]);
        assert_eq!(args.tenant.as_deref(), Some("T"));
        let (args, _) = token("account get-access-token --resource R --subscription \"S\"");
        assert_eq!(args.subscription.as_deref(), Some("S"));
        let (args, _) = token("account get-access-token --scope=S1 -o=json --subscription='X'");
        assert_eq!(
            (args.scopes.as_slice(), args.subscription.as_deref()),
            (&["S1".to_owned()][..], Some("X"))
        );
        let (args, output) =
            token("account get-access-token --output=tsv -t T2 --resource-type ms-graph");
        assert_eq!(args.tenant.as_deref(), Some("T2"));
        assert_eq!(args.resource_type.as_deref(), Some("ms-graph"));
        assert_eq!(output, OutputKind::Tsv);
        let (args, _) = token("account get-access-token --scope A B --only-show-errors");
        assert_eq!(args.scopes, ["A", "B"]);
    }

    #[test]
    fn other_commands() {
        for (line, command) in [
            ("account show -o=json", AzCommand::AccountShow),
            ("account show --subscription S", AzCommand::AccountShow),
            ("account list --all -o json", AzCommand::AccountList),
            ("version -o=json", AzCommand::Version),
        ] {
            match run(line) {
                Parsed::Run(invocation) => assert_eq!(invocation.command, command, "{line}"),
                other => panic!("{line}: {other:?}"),
            }
        }
        match run("account show --query user.name -o tsv") {
            Parsed::Run(invocation) => {
                assert_eq!(invocation.query.as_deref(), Some("user.name"));
                assert_eq!(invocation.output, OutputKind::Tsv);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn forwards_what_it_does_not_answer() {
        for line in [
            "acr login -n reg",
            "",
            "account set --subscription S",
            "login",
            "account show --help",
        ] {
            assert_eq!(run(line), Parsed::Forward, "{line}");
        }
    }

    #[test]
    fn usage_errors_like_az() {
        for line in [
            "account get-access-token --bogus",
            "account get-access-token --resource",
            "account get-access-token --resource R --scope S",
            "account get-access-token -o yaml",
            "account show --all",
        ] {
            assert!(
                matches!(run(line), Parsed::Usage(_)),
                "{line}: {:?}",
                run(line)
            );
        }
    }
}
