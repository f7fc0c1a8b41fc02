//! `get-token --registry HOST`: the profile's ACR refresh token for a registry, as `az acr login
//! --expose-token` prints it (`-o json`/`-o az`: `accessToken`, `loginServer`, `username`), or
//! bare (`-o token`), for scripts that run `docker login` or `helm registry login` themselves.

use secrecy::ExposeSecret;

use super::emit::emit;
use super::output::OutputFormat;
use super::report::Report;
use crate::app::composition::Services;
use crate::app::usecases::error::ErrorKind;
use crate::app::usecases::registry::{RegistryRequest, registry_token};
use crate::domain::container_registry::ExposedToken;

/// What `get-token` passes on: its profile, limit, output format and file.
pub struct Args<'a> {
    pub profile: &'a str,
    pub timeout: std::time::Duration,
    pub output: OutputFormat,
    pub file: Option<&'a std::path::Path>,
}

/// Prints the registry's refresh token in `args.output`.
///
/// # Errors
/// A registry the profile does not serve (exit 1), every `get-token` failure, the registry's
/// refusal (exit 3) or failures (exit 4), a format that has no registry shape.
pub fn run(registry: &str, args: &Args<'_>, services: &Services) -> Result<(), Report> {
    if args.output == OutputFormat::ExecCredential {
        return Err(Report::new(
            ErrorKind::Usage,
            "--registry prints token, json, yaml or az output, not exec-credential",
        ));
    }
    let request = RegistryRequest {
        profile: args.profile.to_owned(),
        server_url: registry.to_owned(),
        timeout: args.timeout,
    };
    let ports = services.token_ports();
    let token = services.block_on(registry_token(&ports, &request))?;
    let secret = token.refresh_token.expose_secret();
    let exposed = ExposedToken::new(secret, &token.login_server);
    let render = |e: String| Report::new(ErrorKind::Io, "cannot render the output").cause(e);
    let text = match args.output {
        OutputFormat::Token => format!("{secret}\n"),
        OutputFormat::Json | OutputFormat::Az | OutputFormat::ExecCredential => {
            let mut text =
                serde_json::to_string_pretty(&exposed).map_err(|e| render(e.to_string()))?;
            text.push('\n');
            text
        }
        OutputFormat::Yaml => serde_yaml::to_string(&exposed).map_err(|e| render(e.to_string()))?,
    };
    emit(&text, args.file, services)
}
