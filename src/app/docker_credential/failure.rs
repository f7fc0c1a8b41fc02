//! The helper's own wording: a failure as ONE line (docker shows the helper's stdout in its
//! error), saying what went wrong and what to do next, never the not-found sentence and never
//! a secret; and what `configure` changed.

use crate::app::usecases::error::{Error, ErrorKind, ProfileFailure, RegistryError};
use crate::app::usecases::registry::configure::Configured;
use crate::domain::container_registry::ACR_SCOPE;
use crate::domain::docker_credential::EntryChange;
use crate::domain::text::printable_line;

/// `entra-auth-cli: <what went wrong>; <next step>`, printable, on one line.
#[must_use]
pub fn line(error: &Error, profile: &str) -> String {
    let check = format!(
        "run `entra-auth-cli get-token -p {profile} -s {ACR_SCOPE}` to see the details and fix the profile"
    );
    let (reason, next) = match error {
        Error::Profile(ProfileFailure::NotFound { name, .. }) => (
            format!("profile `{name}` not found"),
            format!(
                "create it with `entra-auth-cli config create --name {name}`, or send the registry to another profile: `entra-auth-cli docker-credential configure -p NAME HOST` (or set ENTRA_AUTH_PROFILE)"
            ),
        ),
        Error::Registry(e) => registry(e, profile),
        Error::SignIn(_) => (
            error.to_string(),
            format!(
                "sign in first: `entra-auth-cli get-token -p {profile} -s {ACR_SCOPE}` (docker cannot show a sign-in)"
            ),
        ),
        _ => match error.kind() {
            ErrorKind::Timeout => (
                error.to_string(),
                "retry; check that the identity provider and the registry answer".to_owned(),
            ),
            ErrorKind::Network => (
                format!("{error}{}", idp_detail(error)),
                format!("retry later, or {check}"),
            ),
            _ => (format!("{error}{}", idp_detail(error)), check),
        },
    };
    printable_line(&format!("entra-auth-cli: {reason}; {next}"))
}

/// `: <the identity provider's description>` for an IdP refusal (AADSTS text, no secret).
fn idp_detail(error: &Error) -> String {
    match error {
        Error::Idp(e) => match e.as_ref() {
            crate::app::usecases::error::IdpError::Refused(refusal) => refusal
                .oauth
                .summary()
                .map(|s| format!(": {}", crate::domain::text::clip(&s, 300)))
                .unwrap_or_default(),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

fn registry(error: &RegistryError, profile: &str) -> (String, String) {
    let reason = error.to_string();
    let next = match error {
        RegistryError::Refused { detail, .. } => {
            return (
                match detail {
                    Some(detail) => format!("{reason}: {detail}"),
                    None => reason,
                },
                format!(
                    "give profile `{profile}`'s app or user a pull role on the registry (AcrPull), and check that the registry accepts Entra tokens"
                ),
            );
        }
        RegistryError::Unreachable { cause, .. } => {
            return (
                format!("{reason}: {cause}"),
                "check the registry's name, the network and HTTPS_PROXY/NO_PROXY".to_owned(),
            );
        }
        RegistryError::Redirected { .. } => {
            "name the registry by its login server (e.g. myregistry.azurecr.io)".to_owned()
        }
        RegistryError::ServerFailed { .. } => "retry later".to_owned(),
        RegistryError::NotServed { .. } => format!(
            "add it to profile `{profile}`'s container_registries, or use an *.azurecr.io login server"
        ),
        RegistryError::DockerConfig(_) => {
            "set DOCKER_CONFIG to the directory of the config.json to edit".to_owned()
        }
        RegistryError::DockerConfigInvalid { .. } => {
            "fix the file (it was left as it is) and run the command again".to_owned()
        }
        RegistryError::BadServerUrl { .. } => {
            "name the registry by its login server (e.g. myregistry.azurecr.io)".to_owned()
        }
        RegistryError::Setup { .. }
        | RegistryError::TooLarge { .. }
        | RegistryError::Unusable { .. } => {
            "check that the host is an Azure Container Registry login server".to_owned()
        }
    };
    (reason, next)
}

/// What `configure` prints: the file, each registry's change, and the helper docker will run.
#[must_use]
pub fn configured(done: &Configured, helper: &str) -> String {
    let mut out = String::new();
    for (host, change) in &done.changes {
        let line = match change {
            EntryChange::Added => format!("added     credHelpers[\"{host}\"] = \"{helper}\""),
            EntryChange::AlreadySet => {
                format!("unchanged credHelpers[\"{host}\"] = \"{helper}\"")
            }
            EntryChange::Replaced { previous } => format!(
                "replaced  credHelpers[\"{host}\"] = \"{helper}\" (was \"{}\")",
                printable_line(previous)
            ),
        };
        out.push_str(&line);
        out.push('\n');
    }
    if done.written {
        out.push_str(&format!("in {}\n", done.location));
    } else {
        out.push_str(&format!(
            "{} already had every entry; not written\n",
            done.location
        ));
    }
    out.push_str(&format!(
        "docker runs docker-credential-{helper}: make it a link to entra-auth-cli on PATH, e.g.\n  ln -s \"$(command -v entra-auth-cli)\" ~/.local/bin/docker-credential-{helper}\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::line;
    use crate::app::usecases::error::{Error, ProfileFailure, RegistryError};

    #[test]
    fn failures_are_one_line_with_a_next_step() {
        let e: Error = ProfileFailure::NotFound {
            name: "prod".into(),
            known: vec![],
            location: None,
            file_exists: false,
        }
        .into();
        let text = line(&e, "prod");
        assert_eq!(
            text,
            "entra-auth-cli: profile `prod` not found; create it with `entra-auth-cli config create --name prod`, or send the registry to another profile: `entra-auth-cli docker-credential configure -p NAME HOST` (or set ENTRA_AUTH_PROFILE)"
        );
        let e: Error = RegistryError::Refused {
            registry: "r.azurecr.io".into(),
            status: 401,
            detail: Some("UNAUTHORIZED: x\ny".into()),
        }
        .into();
        let text = line(&e, "p");
        assert!(!text.contains('\n'), "{text}");
        assert!(
            text.contains("HTTP 401") && text.contains("AcrPull"),
            "{text}"
        );
        assert!(!text.contains("credentials not found"));
    }
}
