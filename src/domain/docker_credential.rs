//! docker's credential-helper protocol (docker-credential-helpers `credentials.go`): the
//! actions, the bounded stdin each one reads, the `get` answer, the `list` object, the
//! not-found sentence, and the `credHelpers` entries of a docker `config.json` (edited without
//! losing any other key).

use serde_json::{Map, Value};

/// docker's "no credentials for this server" answer: the client then goes on without any.
pub const NOT_FOUND: &str = "credentials not found in native keychain";

/// The most bytes read from stdin (a server URL, or `store`'s small JSON object).
pub const MAX_INPUT_BYTES: usize = 64 * 1024;

/// The name docker appends to `docker-credential-` to find this helper.
pub const HELPER_NAME: &str = "entra-auth-cli";

/// The largest docker `config.json` read (real ones are a few KiB).
pub const MAX_CONFIG_BYTES: usize = 4 * 1024 * 1024;

/// What docker (or a person) asks the helper to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Reads a server URL, prints its credentials.
    Get,
    /// `docker login`: reads the credentials as JSON; nothing is kept.
    Store,
    /// `docker logout`: reads a server URL; forgets its cached token.
    Erase,
    /// Prints `{"server":"user",…}` for the registries with a cached token.
    List,
    /// Prints the version.
    Version,
    /// Adds `credHelpers` entries for these registries to docker's `config.json`.
    Configure(Vec<String>),
}

impl Action {
    /// The action called `name` (docker's words), with the hosts `configure` takes.
    #[must_use]
    pub fn parse(name: &str, hosts: Vec<String>) -> Option<Self> {
        Some(match name {
            "get" => Self::Get,
            "store" => Self::Store,
            "erase" => Self::Erase,
            "list" => Self::List,
            "version" => Self::Version,
            "configure" => Self::Configure(hosts),
            _ => return None,
        })
    }
}

/// The input was over [`MAX_INPUT_BYTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the input is longer than {MAX_INPUT_BYTES} bytes")]
pub struct InputTooLarge;

/// The text of a bounded stdin read (`read` holds at most `MAX_INPUT_BYTES + 1` bytes), lossily
/// decoded and trimmed, as docker-credential-helpers trims the server URL.
///
/// # Errors
/// More than [`MAX_INPUT_BYTES`] bytes.
pub fn input_text(read: &[u8]) -> Result<String, InputTooLarge> {
    if read.len() > MAX_INPUT_BYTES {
        return Err(InputTooLarge);
    }
    Ok(String::from_utf8_lossy(read).trim().to_owned())
}

/// The answer to `get`: `{"ServerURL":…,"Username":…,"Secret":…}` and a newline.
#[must_use]
pub fn get_answer(server_url: &str, username: &str, secret: &str) -> String {
    #[derive(serde::Serialize)]
    struct Answer<'a> {
        #[serde(rename = "ServerURL")]
        server_url: &'a str,
        #[serde(rename = "Username")]
        username: &'a str,
        #[serde(rename = "Secret")]
        secret: &'a str,
    }
    let mut text = serde_json::to_string(&Answer {
        server_url,
        username,
        secret,
    })
    .unwrap_or_default();
    text.push('\n');
    text
}

/// The answer to `list`: a JSON object of server to user name, and a newline.
#[must_use]
pub fn list_answer(entries: &[(String, String)]) -> String {
    let object: Map<String, Value> = entries
        .iter()
        .map(|(server, user)| (server.clone(), Value::from(user.as_str())))
        .collect();
    let mut text = Value::Object(object).to_string();
    text.push('\n');
    text
}

/// A docker `config.json` that cannot be edited safely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DockerConfigError {
    #[error("it is not JSON: {0}")]
    NotJson(String),
    #[error("it is not a JSON object")]
    NotAnObject,
    #[error("its `credHelpers` is not a JSON object")]
    HelpersNotAnObject,
    #[error("it is larger than {MAX_CONFIG_BYTES} bytes")]
    TooLarge,
}

/// What `configure` did to one registry's entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryChange {
    Added,
    AlreadySet,
    /// It named another helper before.
    Replaced {
        previous: String,
    },
}

/// The new text of a docker `config.json` (`None`: nothing changed) and each host's change.
pub type HelpersEdit = (Option<String>, Vec<(String, EntryChange)>);

/// Sets `credHelpers[host] = helper` for each host in a docker `config.json` (`None`: no
/// file yet), keeping every other key and entry (keys are written sorted, values as read). Returns the new text (two-space
/// indented, as docker writes it) and what changed per host; the text is `None` when nothing
/// changed.
///
/// # Errors
/// A file that is not a JSON object, or whose `credHelpers` is not an object: it is never
/// rewritten.
pub fn add_cred_helpers(
    existing: Option<&[u8]>,
    hosts: &[String],
    helper: &str,
) -> Result<HelpersEdit, DockerConfigError> {
    let mut root = match existing {
        Some(bytes) if bytes.len() > MAX_CONFIG_BYTES => return Err(DockerConfigError::TooLarge),
        Some(bytes) if !bytes.iter().all(u8::is_ascii_whitespace) => {
            match serde_json::from_slice::<Value>(bytes) {
                Ok(Value::Object(map)) => map,
                Ok(_) => return Err(DockerConfigError::NotAnObject),
                Err(e) => return Err(DockerConfigError::NotJson(e.to_string())),
            }
        }
        _ => Map::new(),
    };
    let helpers = root
        .entry("credHelpers")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(helpers) = helpers else {
        return Err(DockerConfigError::HelpersNotAnObject);
    };
    let mut changes = Vec::new();
    for host in hosts {
        let change = match helpers.get(host) {
            Some(Value::String(current)) if current == helper => EntryChange::AlreadySet,
            Some(previous) => EntryChange::Replaced {
                previous: previous
                    .as_str()
                    .map_or_else(|| previous.to_string(), str::to_owned),
            },
            None => EntryChange::Added,
        };
        if change != EntryChange::AlreadySet {
            helpers.insert(host.clone(), Value::from(helper));
        }
        changes.push((host.clone(), change));
    }
    let changed = changes.iter().any(|(_, c)| *c != EntryChange::AlreadySet);
    let text = changed.then(|| {
        let mut text = serde_json::to_string_pretty(&Value::Object(root)).unwrap_or_default();
        text.push('\n');
        text
    });
    Ok((text, changes))
}

#[cfg(test)]
mod tests {
    use super::{
        Action, DockerConfigError, EntryChange, InputTooLarge, MAX_INPUT_BYTES, add_cred_helpers,
        get_answer, input_text, list_answer,
    };

    #[test]
    fn answers_are_docker_json() {
        assert_eq!(
            get_answer("r.azurecr.io", "<token>", "s\"x"),
            "{\"ServerURL\":\"r.azurecr.io\",\"Username\":\"<token>\",\"Secret\":\"s\\\"x\"}\n"
        );
        assert_eq!(list_answer(&[]), "{}\n");
        assert_eq!(
            list_answer(&[("a".into(), "<token>".into())]),
            "{\"a\":\"<token>\"}\n"
        );
        assert_eq!(Action::parse("get", vec![]), Some(Action::Get));
        assert_eq!(Action::parse("GET", vec![]), None);
    }

    #[test]
    fn input_is_bounded_and_trimmed() {
        assert_eq!(input_text(b"  r.azurecr.io\n").unwrap(), "r.azurecr.io");
        assert_eq!(input_text(&[0xff, b'a']).unwrap(), "\u{fffd}a");
        assert_eq!(
            input_text(&vec![b'a'; MAX_INPUT_BYTES + 1]),
            Err(InputTooLarge)
        );
    }

    #[test]
    fn configure_keeps_every_other_key() {
        let before = br#"{"auths":{"x":{"auth":"YTpi"}},"credsStore":"desktop","credHelpers":{"gcr.io":"gcloud","b.azurecr.io":"acr-env"},"zz":[1]}"#;
        let hosts = [
            "a.azurecr.io".to_owned(),
            "b.azurecr.io".to_owned(),
            "gcr.io".to_owned(),
        ];
        let (text, changes) =
            add_cred_helpers(Some(before), &hosts[..2], "entra-auth-cli").unwrap();
        let text = text.unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["auths"]["x"]["auth"], "YTpi");
        assert_eq!(value["credsStore"], "desktop");
        assert_eq!(value["zz"][0], 1);
        assert_eq!(value["credHelpers"]["gcr.io"], "gcloud");
        assert_eq!(value["credHelpers"]["a.azurecr.io"], "entra-auth-cli");
        assert_eq!(value["credHelpers"]["b.azurecr.io"], "entra-auth-cli");
        assert_eq!(
            changes,
            [
                ("a.azurecr.io".to_owned(), EntryChange::Added),
                (
                    "b.azurecr.io".to_owned(),
                    EntryChange::Replaced {
                        previous: "acr-env".into()
                    }
                )
            ]
        );
        let (again, changes) =
            add_cred_helpers(Some(text.as_bytes()), &hosts[..1], "entra-auth-cli").unwrap();
        assert_eq!(again, None);
        assert_eq!(changes[0].1, EntryChange::AlreadySet);
    }

    #[test]
    fn configure_refuses_what_it_cannot_keep() {
        let hosts = vec!["a.azurecr.io".to_owned()];
        assert!(matches!(
            add_cred_helpers(Some(b"{not json"), &hosts, "h"),
            Err(DockerConfigError::NotJson(_))
        ));
        assert_eq!(
            add_cred_helpers(Some(b"[1]"), &hosts, "h"),
            Err(DockerConfigError::NotAnObject)
        );
        assert_eq!(
            add_cred_helpers(Some(br#"{"credHelpers":"x"}"#), &hosts, "h"),
            Err(DockerConfigError::HelpersNotAnObject)
        );
        let (text, _) = add_cred_helpers(None, &hosts, "h").unwrap();
        assert_eq!(
            text.unwrap(),
            "{\n  \"credHelpers\": {\n    \"a.azurecr.io\": \"h\"\n  }\n}\n"
        );
        let (text, _) = add_cred_helpers(Some(b"  \n"), &hosts, "h").unwrap();
        assert!(text.is_some());
    }
}
