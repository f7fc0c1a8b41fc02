//! The az shim's world: the binary under an `az` symlink, PATH with it first, and the
//! environment `exec --az-shim` gives its child (the emulator's App Service endpoint, the
//! account, UTC).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::emulator::{self, Emulator};
use crate::support::TestEnv;

/// The subscription of the account `exec --az-shim` passes on.
pub const SUBSCRIPTION: &str = "0b1f6471-1bf0-4dda-aec3-111122223333";

/// A directory holding `az`, a symlink to the binary under test (what `exec --az-shim` makes).
pub struct Shim {
    pub dir: tempfile::TempDir,
}

impl Shim {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        link_binary(&dir.path().join("az"));
        Self { dir }
    }

    pub fn az(&self) -> PathBuf {
        self.dir.path().join("az")
    }
}

pub fn link_binary(at: &Path) {
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_entra-auth-cli"), at).unwrap();
}

/// PATH with `dirs` first, then the system's.
pub fn path_with(dirs: &[&Path]) -> String {
    let mut parts: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    parts.push("/usr/bin:/bin".to_owned());
    parts.join(":")
}

pub fn account() -> Value {
    json!({
        "environmentName": "AzureCloud",
        "homeTenantId": emulator::TENANT_ID,
        "id": SUBSCRIPTION,
        "isDefault": true,
        "managedByTenants": [],
        "name": "Dev subscription",
        "state": "Enabled",
        "tenantId": emulator::TENANT_ID,
        "user": {"name": "11111111-2222-3333-4444-555555555555", "type": "servicePrincipal"}
    })
}

/// The child's environment under `exec --az-shim`: the endpoint, the account, the shim first
/// on PATH, UTC.
pub fn shim_env(emu: &Emulator, shim: &Shim) -> TestEnv {
    TestEnv::new()
        .var("IDENTITY_ENDPOINT", &emu.app_service_endpoint())
        .var("IDENTITY_HEADER", &emu.identity_header())
        .var("ENTRA_AUTH_AZ_ACCOUNT", &account().to_string())
        .var("PATH", &path_with(&[shim.dir.path()]))
        .var("TZ", "UTC")
}
