//! Emulator self-tests of the CI token services over real HTTP: each publishes OIDC discovery
//! and JWKS; GitHub's `idtoken` and Azure Pipelines' `oidctoken` answer in their exact shapes
//! (audience, bearer/Basic, api-version, service connection, 401 / 203 / 404), mint short-lived
//! tokens and record requests; and the Entra emulator checks their tokens as Entra does (keys by
//! discovery, signature, issuer/subject/audience, expiry against its clock).

use super::certs::with_assertion;
use super::{assert_entra_error, client, send};
use crate::emulator::ci::{AzurePipelines, GitHubActions, GitLab, ServiceConnection};
use crate::emulator::{Emulator, TENANT_ID, TOKEN_EXCHANGE_AUDIENCE};
use base64::Engine as _;
use serde_json::Value;

const APP: &str = "c1c1c1c1-2222-4333-8444-555566667777";

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

async fn github_token(
    github: &GitHubActions,
    bearer: Option<&str>,
    audience: Option<&str>,
) -> super::Reply {
    let mut url = github.request_url();
    if let Some(audience) = audience {
        url = format!(
            "{url}&audience={}",
            url::form_urlencoded::byte_serialize(audience.as_bytes()).collect::<String>()
        );
    }
    let mut request = client().get(url);
    if let Some(bearer) = bearer {
        request = request.header("authorization", format!("Bearer {bearer}"));
    }
    send(request).await
}

#[tokio::test]
async fn github_publishes_discovery_and_mints_five_minute_tokens_for_the_audience_asked() {
    let github = GitHubActions::start();
    let discovery = send(client().get(format!(
        "{}/.well-known/openid-configuration",
        github.issuer()
    )))
    .await;
    assert_eq!(discovery.json()["issuer"], github.issuer());
    let jwks_uri = discovery.json()["jwks_uri"].as_str().unwrap().to_owned();
    let jwks = send(client().get(jwks_uri)).await.json();
    assert_eq!(jwks["keys"][0]["kty"], "RSA");

    let reply = github_token(
        &github,
        Some(&github.request_token()),
        Some(TOKEN_EXCHANGE_AUDIENCE),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["count"], 1);
    let token = reply.json()["value"].as_str().unwrap().to_owned();
    let c = claims(&token);
    assert_eq!(c["iss"], github.issuer());
    assert_eq!(c["sub"], "repo:contoso/app:ref:refs/heads/main");
    assert_eq!(c["aud"], TOKEN_EXCHANGE_AUDIENCE);
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 300);
    assert_eq!(c["repository"], "contoso/app");

    let default_audience = github_token(&github, Some(&github.request_token()), None).await;
    assert_eq!(
        claims(default_audience.json()["value"].as_str().unwrap())["aud"],
        "https://github.com/contoso"
    );

    for bearer in [None, Some("ghs_wrong")] {
        let refused = github_token(&github, bearer, Some(TOKEN_EXCHANGE_AUDIENCE)).await;
        assert_eq!(refused.status, 401);
        assert_eq!(refused.json()["message"], "Bad credentials");
    }
    github.expire_request_token();
    let expired = github_token(
        &github,
        Some(&github.request_token()),
        Some(TOKEN_EXCHANGE_AUDIENCE),
    )
    .await;
    assert_eq!(expired.status, 401);

    let requests = github.requests();
    assert_eq!(requests.len(), 5);
    assert_eq!(requests[0].method, "GET");
    assert!(
        requests[0]
            .uri
            .ends_with("/idtoken?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange"),
        "{}",
        requests[0].uri
    );
    assert_eq!(github.minted().len(), 2);
}

async fn oidctoken(
    pipelines: &AzurePipelines,
    query: &str,
    auth: Option<String>,
    suppress: bool,
) -> super::Reply {
    let mut request = client()
        .post(format!("{}?{query}", pipelines.request_uri()))
        .header("content-length", "0");
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    if suppress {
        request = request.header("x-tfs-fedauthredirect", "Suppress");
    }
    send(request).await
}

#[tokio::test]
async fn azure_pipelines_answers_in_its_shape_for_both_issuer_generations() {
    let pipelines = AzurePipelines::start();
    pipelines.register_service_connection(ServiceConnection {
        id: "sc-0001".into(),
        name: "prod-deploy".into(),
        client_id: APP.into(),
        tenant_id: TENANT_ID.into(),
    });
    let bearer = Some(format!("Bearer {}", pipelines.access_token()));
    let ok = oidctoken(
        &pipelines,
        "api-version=7.1&serviceConnectionId=sc-0001",
        bearer.clone(),
        true,
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let c = claims(ok.json()["oidcToken"].as_str().unwrap());
    assert_eq!(c["iss"], pipelines.devops_issuer());
    assert_eq!(c["sub"], "sc://contoso/payments/prod-deploy");
    assert_eq!(c["aud"], TOKEN_EXCHANGE_AUDIENCE);
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 600);
    let discovery = send(client().get(format!(
        "{}/.well-known/openid-configuration",
        pipelines.devops_issuer()
    )))
    .await;
    assert_eq!(discovery.json()["issuer"], pipelines.devops_issuer());

    // The PowerShell helper's Basic `:token` and preview version work too.
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(":{}", pipelines.access_token()))
    );
    let preview = oidctoken(
        &pipelines,
        "api-version=7.1-preview.1&serviceConnectionId=sc-0001",
        Some(basic),
        false,
    )
    .await;
    assert_eq!(preview.status, 200, "{}", preview.body);

    let sign_in = oidctoken(
        &pipelines,
        "api-version=7.1&serviceConnectionId=sc-0001",
        None,
        false,
    )
    .await;
    assert_eq!(sign_in.status, 203);
    assert!(sign_in.body.contains("Sign In"));
    let suppressed = oidctoken(
        &pipelines,
        "api-version=7.1&serviceConnectionId=sc-0001",
        Some("Bearer nope".into()),
        true,
    )
    .await;
    assert_eq!(suppressed.status, 401);
    assert!(
        suppressed.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("TF400813")
    );
    let unknown = oidctoken(
        &pipelines,
        "api-version=7.1&serviceConnectionId=sc-9",
        bearer.clone(),
        true,
    )
    .await;
    assert_eq!(unknown.status, 404);
    let no_version = oidctoken(
        &pipelines,
        "serviceConnectionId=sc-0001",
        bearer.clone(),
        true,
    )
    .await;
    assert_eq!(no_version.status, 400);

    let entra = Emulator::start();
    pipelines.use_entra_issuer(&entra.authority(), TENANT_ID);
    let ok = oidctoken(
        &pipelines,
        "api-version=7.1&serviceConnectionId=sc-0001",
        bearer,
        true,
    )
    .await;
    let token = ok.json()["oidcToken"].as_str().unwrap().to_owned();
    let c = claims(&token);
    assert_eq!(c["iss"], format!("{}/{TENANT_ID}/v2.0", entra.authority()));
    assert!(
        c["sub"].as_str().unwrap().starts_with("/eid1/c/pub/t/"),
        "{}",
        c["sub"]
    );
    assert_eq!(c["sub"], pipelines.subject_of("sc-0001"));
    assert_eq!(pipelines.requests().len(), 7);
}

#[tokio::test]
async fn entra_checks_ci_tokens_with_keys_found_by_discovery() {
    let entra = Emulator::start();
    let github = GitHubActions::start();
    let gitlab = GitLab::start();
    entra.register_federated_credential(
        TENANT_ID,
        APP,
        &github.issuer(),
        &github.subject(),
        TOKEN_EXCHANGE_AUDIENCE,
    );
    entra.register_federated_credential(
        TENANT_ID,
        APP,
        &gitlab.issuer(),
        &gitlab.subject(),
        TOKEN_EXCHANGE_AUDIENCE,
    );
    let fetch = || async {
        let reply = github_token(
            &github,
            Some(&github.request_token()),
            Some(TOKEN_EXCHANGE_AUDIENCE),
        )
        .await;
        reply.json()["value"].as_str().unwrap().to_owned()
    };
    let token = fetch().await;
    let accepted = with_assertion(&entra, APP, &token).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(
        with_assertion(&entra, APP, &gitlab.id_token(TOKEN_EXCHANGE_AUDIENCE))
            .await
            .status,
        200
    );

    // A token signed by another issuer's key but claiming GitHub's issuer: the discovered keys refuse it.
    let forged = {
        let gl = gitlab.id_token(TOKEN_EXCHANGE_AUDIENCE);
        let mut parts: Vec<String> = gl.split('.').map(str::to_owned).collect();
        let mut c = claims(&gl);
        c["iss"] = Value::String(github.issuer());
        c["sub"] = Value::String(github.subject());
        parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(c.to_string());
        parts.join(".")
    };
    assert_entra_error(
        &with_assertion(&entra, APP, &forged).await,
        401,
        "invalid_client",
        700027,
    );

    // Another branch: the subject differs.
    github.set_subject("repo:contoso/app:ref:refs/heads/feature");
    let other = fetch().await;
    assert_entra_error(
        &with_assertion(&entra, APP, &other).await,
        400,
        "invalid_request",
        700213,
    );

    // The first token, once the job has run past its exp.
    entra.advance_clock(301);
    let expired = with_assertion(&entra, APP, &token).await;
    assert_entra_error(&expired, 401, "invalid_client", 700024);
}
