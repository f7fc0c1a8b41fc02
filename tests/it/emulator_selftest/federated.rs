//! Emulator self-tests: federated credentials (workload identity) with external tokens minted by
//! the emulator's external-IdP key: accepted, no matching record (700211 issuer, 700213 subject,
//! 7002138 subject in another case, 700212 audience), expired (700024), and an Entra-issued token
//! refused as an external one. The CI issuers (keys by discovery) are in `ci_services`.

use super::certs::with_assertion;
use super::{assert_entra_error, client_credentials};
use crate::emulator::{CLIENT_SECRET, Emulator, TENANT_ID, TOKEN_EXCHANGE_AUDIENCE};

const FED_CLIENT_ID: &str = "fed0fed0-1111-4222-8333-444455556666";
const ISSUER: &str = "https://oidc.prod-aks.azure.com/11111111-2222-4333-8444-555555555555/";
const SUBJECT: &str = "system:serviceaccount:default:workload";

fn emulator_with_federated_client() -> Emulator {
    let emu = Emulator::start();
    emu.register_federated_client(TENANT_ID, FED_CLIENT_ID, ISSUER, SUBJECT);
    emu
}

#[tokio::test]
async fn matching_external_token_is_accepted_and_reusable() {
    let emu = emulator_with_federated_client();
    let external = emu.mint_external_token(ISSUER, SUBJECT, TOKEN_EXCHANGE_AUDIENCE, 3600);
    assert!(
        emu.verify(&external).is_err(),
        "signed by the external IdP key, not the emulator's"
    );
    // A projected token is presented many times during its life.
    for _ in 0..2 {
        let reply = with_assertion(&emu, FED_CLIENT_ID, &external).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let token = reply.json()["access_token"].as_str().unwrap().to_owned();
        let claims = emu.verify(&token).unwrap();
        assert_eq!(claims["appid"], FED_CLIENT_ID);
        assert_eq!(claims["azpacr"], "2");
    }
    let header = emu.last_assertion_header().unwrap();
    assert_eq!(header["alg"], "RS256");
    assert!(header["kid"].is_string());
}

#[tokio::test]
async fn mismatched_issuer_subject_or_audience_get_entras_specific_codes() {
    let emu = emulator_with_federated_client();
    let cases = [
        (
            ISSUER,
            "system:serviceaccount:default:other",
            TOKEN_EXCHANGE_AUDIENCE,
            700213,
            "subject 'system:serviceaccount:default:other'",
        ),
        (
            ISSUER,
            "system:serviceaccount:Default:workload",
            TOKEN_EXCHANGE_AUDIENCE,
            7002138,
            "case-insensitive comparison, but not with case-sensitive",
        ),
        (
            "https://token.actions.githubusercontent.com",
            SUBJECT,
            TOKEN_EXCHANGE_AUDIENCE,
            700211,
            "issuer 'https://token.actions.githubusercontent.com'",
        ),
        (
            ISSUER,
            SUBJECT,
            "api://SomethingElse",
            700212,
            "audience 'api://SomethingElse'",
        ),
    ];
    for (issuer, subject, audience, code, detail) in cases {
        let external = emu.mint_external_token(issuer, subject, audience, 3600);
        let reply = with_assertion(&emu, FED_CLIENT_ID, &external).await;
        let body = assert_entra_error(&reply, 400, "invalid_request", code);
        let description = body["error_description"].as_str().unwrap();
        assert!(
            description.starts_with(&format!(
                "AADSTS{code}: No matching federated identity record found for presented assertion"
            )),
            "{description}"
        );
        assert!(description.contains(detail), "{description}");
    }
}

#[tokio::test]
async fn expired_external_token_is_700024() {
    let emu = emulator_with_federated_client();
    let external = emu.mint_external_token(ISSUER, SUBJECT, TOKEN_EXCHANGE_AUDIENCE, -60);
    let reply = with_assertion(&emu, FED_CLIENT_ID, &external).await;
    assert_entra_error(&reply, 401, "invalid_client", 700024);
}

#[tokio::test]
async fn entra_issued_token_is_not_an_external_token() {
    let emu = emulator_with_federated_client();
    let entra_token = client_credentials(&emu, CLIENT_SECRET).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = with_assertion(&emu, FED_CLIENT_ID, &entra_token).await;
    assert_entra_error(&reply, 400, "invalid_request", 700211);
}
