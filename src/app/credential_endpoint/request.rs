//! Which requests the credential endpoint answers with a token, and why it refuses the others:
//! browsers and foreign `Host`s first (DNS rebinding), then the route, its secret, and the
//! `resource` the child may ask for. Pure: a request head in, an [`Ask`] or a [`Refusal`] out.

use crate::domain::constant_time;
use crate::domain::scopes::normalized_resource as resource_of;

/// The App Service managed-identity path (`IDENTITY_ENDPOINT`).
pub const APP_SERVICE_PATH: &str = "/msi/token";
/// The IMDS path, after the random capability segment (`ARM_MSI_ENDPOINT`).
pub const IMDS_PATH: &str = "/metadata/identity/oauth2/token";
/// The health probe of `serve` (no secret needed, no token given).
pub const HEALTH_PATH: &str = "/healthz";
/// The longest `resource` accepted.
const RESOURCE_LIMIT: usize = 2048;

/// Which protocol a request speaks; it decides the shape of the reply, errors included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// App Service 2019-08-01: `X-IDENTITY-HEADER`, errors as `statusCode`/`message`.
    AppService,
    /// IMDS: `Metadata: true` on a path with a random segment, errors as OAuth `error`.
    Imds,
}

/// A request head, as the HTTP layer read it (header names in lower case).
#[derive(Debug, Default)]
pub struct Head {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Head {
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the endpoint checks requests against.
pub struct Policy {
    /// The port the endpoint listens on (the only `Host` port accepted).
    pub port: u16,
    /// The `X-IDENTITY-HEADER` value.
    pub header_secret: String,
    /// The IMDS capability segment.
    pub imds_segment: String,
    /// `--allow-resource`, normalised by `resource_of`; empty means any resource.
    pub allowed: Vec<String>,
    /// The names the `Host` header may carry (before `:PORT`), in lower case: `127.0.0.1` and
    /// `localhost` for exec; `serve`'s listening address and its `--host-name`s.
    pub host_names: Vec<String>,
    /// `GET /healthz` is answered (`serve`).
    pub health: bool,
}

impl Policy {
    /// `exec`'s: loopback names only, no health probe.
    #[must_use]
    pub fn loopback(
        port: u16,
        header_secret: String,
        imds_segment: String,
        allowed: Vec<String>,
    ) -> Self {
        Self {
            port,
            header_secret,
            imds_segment,
            allowed,
            host_names: vec!["127.0.0.1".to_owned(), "localhost".to_owned()],
            health: false,
        }
    }
}

/// A health probe: `GET /healthz` where the policy answers it, not from a browser. Any `Host`
/// (a probe names the pod's address); it gives nothing away but that the endpoint is up.
#[must_use]
pub fn is_health_check(head: &Head, policy: &Policy) -> bool {
    policy.health
        && head.method == "GET"
        && head.target.split('?').next() == Some(HEALTH_PATH)
        && !from_browser(head)
}

fn from_browser(head: &Head) -> bool {
    head.headers
        .iter()
        .any(|(name, _)| name == "origin" || name.starts_with("sec-fetch-"))
}

/// A request the endpoint answers with a token.
#[derive(Debug, PartialEq, Eq)]
pub struct Ask {
    pub route: Route,
    /// As the child sent it (echoed back in `resource`).
    pub resource: String,
    /// `token_sha256_to_refresh`: the lower-case hex SHA-256 of a token to replace.
    pub revoked: Option<String>,
}

/// A refused request: the HTTP status, and what to tell the child.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub route: Route,
    pub status: u16,
    pub message: String,
}

fn refuse(route: Route, status: u16, message: impl Into<String>) -> Refusal {
    Refusal {
        route,
        status,
        message: message.into(),
    }
}

/// Decides what to do with a request.
///
/// # Errors
/// The [`Refusal`] to send.
pub fn judge(head: &Head, policy: &Policy) -> Result<Ask, Refusal> {
    let (path, query) = head
        .target
        .split_once('?')
        .unwrap_or((head.target.as_str(), ""));
    let route = if path == APP_SERVICE_PATH {
        Some(Route::AppService)
    } else {
        path.strip_prefix('/')
            .and_then(|rest| rest.strip_suffix(IMDS_PATH))
            .filter(|segment| constant_time::eq(segment.as_bytes(), policy.imds_segment.as_bytes()))
            .map(|_| Route::Imds)
    };
    // Browser and rebinding checks come first, whatever the path: a web page learns nothing.
    let shape = route.unwrap_or(Route::AppService);
    if from_browser(head) {
        return Err(refuse(
            shape,
            403,
            "requests from web browsers are refused (Origin or Sec-Fetch-* header)",
        ));
    }
    let mut hosts = head.values("host");
    match (hosts.next(), hosts.next()) {
        (Some(host), None) if host_is_ours(host, policy) => {}
        _ => {
            return Err(refuse(
                shape,
                403,
                "the Host header must name this endpoint",
            ));
        }
    }
    let Some(route) = route else {
        return Err(refuse(shape, 404, "no such endpoint"));
    };
    if head.method != "GET" {
        return Err(refuse(route, 405, "only GET is supported"));
    }
    match route {
        Route::AppService => check_identity_header(head, policy)?,
        Route::Imds => {
            if !head
                .values("metadata")
                .any(|v| v.eq_ignore_ascii_case("true"))
            {
                return Err(refuse(route, 400, "Required metadata header not specified"));
            }
        }
    }
    let (resource, revoked) = parameters(route, query)?;
    if !policy.allowed.is_empty() && !policy.allowed.contains(&resource_of(&resource)) {
        return Err(refuse(
            route,
            403,
            format!("resource {resource} is not allowed here (exec --allow-resource)"),
        ));
    }
    Ok(Ask {
        route,
        resource,
        revoked,
    })
}

fn check_identity_header(head: &Head, policy: &Policy) -> Result<(), Refusal> {
    let mut values = head.values("x-identity-header");
    match (values.next(), values.next()) {
        (None, _) => Err(refuse(
            Route::AppService,
            401,
            "The request is missing the X-IDENTITY-HEADER header.",
        )),
        (Some(value), None)
            if constant_time::eq(value.as_bytes(), policy.header_secret.as_bytes()) =>
        {
            Ok(())
        }
        _ => Err(refuse(
            Route::AppService,
            403,
            "Unauthorized: the X-IDENTITY-HEADER value is not valid.",
        )),
    }
}

/// `resource` (required, once) and `token_sha256_to_refresh`; every other parameter (the
/// api-version, the user-assigned selectors `client_id`, `object_id`, `principal_id`,
/// `mi_res_id`, `msi_res_id`, and `xms_cc`) is accepted and ignored: the profile decides.
fn parameters(route: Route, query: &str) -> Result<(String, Option<String>), Refusal> {
    let mut resource = None;
    let mut revoked = None;
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "resource" => {
                let earlier = resource.replace(value.into_owned());
                if earlier.is_some() {
                    return Err(refuse(route, 400, "resource is given more than once"));
                }
            }
            "token_sha256_to_refresh" => {
                let hash = value.to_ascii_lowercase();
                if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(refuse(
                        route,
                        400,
                        "token_sha256_to_refresh must be 64 hex digits",
                    ));
                }
                revoked = Some(hash);
            }
            _ => {}
        }
    }
    let resource = resource
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .ok_or_else(|| refuse(route, 400, "the resource parameter is required"))?;
    if resource.len() > RESOURCE_LIMIT
        || resource
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(refuse(
            route,
            400,
            "the resource parameter is not a resource URI",
        ));
    }
    Ok((resource, revoked))
}

/// `NAME:PORT` with one of the policy's names (any case) and its port: what a client that
/// connected to this endpoint sends. Anything else is a rebound name or a proxy.
fn host_is_ours(host: &str, policy: &Policy) -> bool {
    let Some((name, host_port)) = host.trim().rsplit_once(':') else {
        return false;
    };
    host_port.parse::<u16>().ok() == Some(policy.port)
        && policy
            .host_names
            .iter()
            .any(|ours| name.eq_ignore_ascii_case(ours))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::loopback(4321, "s3cret".to_owned(), "cap".to_owned(), Vec::new())
    }

    #[test]
    fn serve_names_its_address_and_host_names_and_answers_probes() {
        let mut serve = policy();
        serve.host_names = vec!["127.0.0.2".to_owned(), "entra-sidecar".to_owned()];
        serve.health = true;
        for host in ["127.0.0.2:4321", "ENTRA-sidecar:4321"] {
            let ask = judge(&head(ARM, &[("host", host), OK_SECRET]), &serve);
            assert_eq!(status(ask), 200, "{host}");
        }
        assert_eq!(
            status(judge(&head(ARM, &[OK_HOST, OK_SECRET]), &serve)),
            403
        );
        let probe = head("/healthz", &[("host", "10.1.2.3:4321")]);
        assert!(is_health_check(&probe, &serve));
        assert!(!is_health_check(&probe, &policy()), "exec has no probe");
        let browser = head("/healthz", &[("origin", "http://evil.example")]);
        assert!(!is_health_check(&browser, &serve));
    }

    fn head(target: &str, headers: &[(&str, &str)]) -> Head {
        Head {
            method: "GET".to_owned(),
            target: target.to_owned(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    const OK_HOST: (&str, &str) = ("host", "127.0.0.1:4321");
    const OK_SECRET: (&str, &str) = ("x-identity-header", "s3cret");
    const ARM: &str =
        "/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fmanagement.azure.com";

    fn status(result: Result<Ask, Refusal>) -> u16 {
        result.map_or_else(|r| r.status, |_| 200)
    }

    #[test]
    fn app_service_request_with_the_secret_asks_for_the_resource() {
        let ask = judge(&head(ARM, &[OK_HOST, OK_SECRET]), &policy()).unwrap();
        assert_eq!(
            ask,
            Ask {
                route: Route::AppService,
                resource: "https://management.azure.com".to_owned(),
                revoked: None
            }
        );
    }

    #[test]
    fn selectors_and_localhost_are_accepted() {
        let target = format!("{ARM}&client_id=abc&object_id=x&principal_id=y&mi_res_id=z");
        let host = ("host", "LOCALHOST:4321");
        assert_eq!(
            status(judge(&head(&target, &[host, OK_SECRET]), &policy())),
            200
        );
    }

    #[test]
    fn a_missing_or_wrong_secret_is_refused() {
        assert_eq!(status(judge(&head(ARM, &[OK_HOST]), &policy())), 401);
        let wrong = ("x-identity-header", "s3creT");
        assert_eq!(status(judge(&head(ARM, &[OK_HOST, wrong]), &policy())), 403);
        let twice = [OK_HOST, OK_SECRET, OK_SECRET];
        assert_eq!(status(judge(&head(ARM, &twice), &policy())), 403);
    }

    #[test]
    fn browsers_and_foreign_hosts_are_refused_before_anything_else() {
        for extra in [
            ("origin", "http://evil.example"),
            ("sec-fetch-mode", "cors"),
            ("sec-fetch-site", "cross-site"),
        ] {
            let refused = judge(&head(ARM, &[OK_HOST, OK_SECRET, extra]), &policy()).unwrap_err();
            assert_eq!(refused.status, 403, "{extra:?}");
        }
        for host in [
            "evil.example:4321",
            "127.0.0.1:80",
            "127.0.0.1",
            "127.0.0.2:4321",
            "[::1]:4321",
        ] {
            let refused = judge(&head(ARM, &[("host", host), OK_SECRET]), &policy()).unwrap_err();
            assert_eq!(refused.status, 403, "{host}");
        }
        assert_eq!(status(judge(&head(ARM, &[OK_SECRET]), &policy())), 403);
        let two_hosts = [OK_HOST, ("host", "evil.example:4321"), OK_SECRET];
        assert_eq!(status(judge(&head(ARM, &two_hosts), &policy())), 403);
    }

    #[test]
    fn only_get_on_known_paths() {
        let mut post = head(ARM, &[OK_HOST, OK_SECRET]);
        post.method = "POST".to_owned();
        assert_eq!(status(judge(&post, &policy())), 405);
        let other = head("/other?resource=x", &[OK_HOST, OK_SECRET]);
        assert_eq!(status(judge(&other, &policy())), 404);
    }

    #[test]
    fn imds_needs_the_capability_segment_and_metadata_header() {
        let target = "/cap/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net";
        let metadata = ("metadata", "true");
        let ask = judge(&head(target, &[OK_HOST, metadata]), &policy()).unwrap();
        assert_eq!(ask.route, Route::Imds);
        assert_eq!(ask.resource, "https://vault.azure.net");
        assert_eq!(status(judge(&head(target, &[OK_HOST]), &policy())), 400);
        let guessed = "/cab/metadata/identity/oauth2/token?resource=https://vault.azure.net";
        assert_eq!(
            status(judge(&head(guessed, &[OK_HOST, metadata]), &policy())),
            404
        );
        let bare = "/metadata/identity/oauth2/token?resource=https://vault.azure.net";
        assert_eq!(
            status(judge(&head(bare, &[OK_HOST, metadata]), &policy())),
            404
        );
    }

    #[test]
    fn the_resource_is_required_once_and_must_look_like_one() {
        for target in [
            "/msi/token?api-version=2019-08-01",
            "/msi/token?resource=",
            "/msi/token?resource=a&resource=b",
            "/msi/token?resource=a%0Ab",
            "/msi/token?resource=a%20b",
        ] {
            assert_eq!(
                status(judge(&head(target, &[OK_HOST, OK_SECRET]), &policy())),
                400,
                "{target}"
            );
        }
        let long = format!("/msi/token?resource={}", "a".repeat(3000));
        assert_eq!(
            status(judge(&head(&long, &[OK_HOST, OK_SECRET]), &policy())),
            400
        );
    }

    #[test]
    fn allowed_resources_limit_what_may_be_asked() {
        let mut limited = policy();
        limited.allowed = vec![resource_of("https://vault.azure.net/.default")];
        assert_eq!(
            status(judge(&head(ARM, &[OK_HOST, OK_SECRET]), &limited)),
            403
        );
        let vault = "/msi/token?resource=https://VAULT.azure.net/";
        assert_eq!(
            status(judge(&head(vault, &[OK_HOST, OK_SECRET]), &limited)),
            200
        );
    }

    #[test]
    fn the_revoked_token_hash_is_read_and_checked() {
        let hash = "AB".repeat(32);
        let target = format!("{ARM}&token_sha256_to_refresh={hash}");
        let ask = judge(&head(&target, &[OK_HOST, OK_SECRET]), &policy()).unwrap();
        assert_eq!(ask.revoked, Some("ab".repeat(32)));
        let bad = format!("{ARM}&token_sha256_to_refresh=xyz");
        assert_eq!(
            status(judge(&head(&bad, &[OK_HOST, OK_SECRET]), &policy())),
            400
        );
    }
}
