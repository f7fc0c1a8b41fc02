//! Every environment variable the CLI reads, in one registry with what each one does: the
//! constants name them in code, [`ENV_VARS`] lists them for the docs (the README's table is
//! generated from it). Which profile field each `AZURE_*` variable sets is declared with the
//! field, in `profile::FIELDS` (`FieldSpec::azure_env`); `ENTRA_AUTH_<FIELD>` sets every field.

/// One environment variable and what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvVarSpec {
    pub name: &'static str,
    /// One line, as the README shows it.
    pub about: &'static str,
}

/// Declares each variable once: a constant on [`EnvVars`] and an entry of [`ENV_VARS`].
macro_rules! env_vars {
    ($( $name:ident => $about:literal; )*) => {
        /// Names of environment variables. `--help` and the README refer to these.
        pub struct EnvVars;

        impl EnvVars {
            $(
                #[doc = $about]
                pub const $name: &'static str = stringify!($name);
            )*
        }

        /// Every variable of [`EnvVars`], in declaration order.
        pub const ENV_VARS: &[EnvVarSpec] = &[
            $( EnvVarSpec { name: stringify!($name), about: $about }, )*
        ];
    };
}

env_vars! {
    ENTRA_AUTH_PROFILE => "Profile to use when `-p` is not given (default: `default`).";
    ENTRA_AUTH_CONFIG_DIR => "Directory holding `config.toml` (default: `$XDG_CONFIG_HOME/entra-auth-cli`, else `~/.config/entra-auth-cli`).";
    ENTRA_AUTH_CACHE_DIR => "Directory of the encrypted token cache (default: `$XDG_CACHE_HOME/entra-auth-cli`, else `~/.cache/entra-auth-cli`).";
    ENTRA_AUTH_CACHE_KEY => "32 random bytes (standard base64 or 64 hex digits, e.g. `openssl rand -base64 32`) that encrypt the file store; set but empty is an error.";
    ENTRA_AUTH_STORE => "Storage backend: `auto` (default), `keyring`, `file` or `memory`.";
    ENTRA_AUTH_LOG => "Log filter for diagnostics on stderr (`debug`, `entra_auth_cli=trace`, ...).";
    ENTRA_AUTH_NONINTERACTIVE => "`1` (or any value): never prompt or wait for a person (exit 3 instead).";
    ENTRA_AUTH_IMDS_ENDPOINT => "Overrides the Azure VM instance metadata endpoint (`http://169.254.169.254`), for tests.";
    ENTRA_AUTH_GRAPH_ENDPOINT => "Overrides the Microsoft Graph endpoint `discover` uses (default: the profile's cloud's); plain http only for loopback hosts.";
    AZURE_TENANT_ID => "Azure SDK convention: tenant of the `default` profile, and of a named profile that sets none (never over a named profile's `tenant_id`).";
    AZURE_CLIENT_ID => "Azure SDK convention: application (client) ID.";
    AZURE_CLIENT_SECRET => "Azure SDK convention: client secret of `AZURE_CLIENT_ID`'s app (any app when that is unset); wins over its stored secret; set but empty is an error.";
    AZURE_CLIENT_CERTIFICATE_PATH => "Azure SDK convention: certificate file (.pfx/.p12 or PEM) for certificate credentials.";
    AZURE_CLIENT_CERTIFICATE_PASSWORD => "Azure SDK convention: the certificate's password, for `AZURE_CLIENT_ID`'s app (any app when that is unset); wins over its stored password.";
    AZURE_CLIENT_SEND_CERTIFICATE_CHAIN => "Azure SDK convention: send the certificate chain (`x5c`) in assertions.";
    AZURE_FEDERATED_TOKEN_FILE => "Azure SDK convention: workload identity token file, re-read on every request.";
    AZURE_AUTHORITY_HOST => "Azure SDK convention: authority host such as `https://login.microsoftonline.us` (`http://` only for loopback emulators).";
    IDENTITY_ENDPOINT => "App Service / Functions managed identity endpoint (set by the platform).";
    IDENTITY_HEADER => "App Service / Functions managed identity secret header (set by the platform).";
    ENTRA_AUTH_IDENTITY_HEADER => "`serve`'s identity header (the `X-IDENTITY-HEADER` clients must send) when `--header-file` is not given; at least 32 characters. A secret: never on a command line.";
    ENTRA_AUTH_AZ_ACCOUNT => "Set by `exec --az-shim` for the `az` shim: the account `az account show` prints (JSON).";
    ENTRA_AUTH_AZ_SHIM_FORWARDS => "Set by the `az` shim on the real `az` it forwards a command to: how many times the command was forwarded (a loop back into the shim stops at 3).";
    XDG_CONFIG_HOME => "Base of the config directory when `ENTRA_AUTH_CONFIG_DIR` is not set.";
    XDG_CACHE_HOME => "Base of the cache directory when `ENTRA_AUTH_CACHE_DIR` is not set.";
    KUBERNETES_EXEC_INFO => "Set by kubectl for `get-token -o exec-credential`: the `apiVersion` to answer in (default `client.authentication.k8s.io/v1`); `spec.interactive: false` means never prompt (exit 3).";
    BROWSER => "The browser for the interactive sign-in (else the system's default).";
    DOCKER_CONFIG => "docker's configuration directory: `docker-credential configure` edits `config.json` there (default `~/.docker`).";
    AZURE_SUBSCRIPTION_ID => "Azure SDK convention: the subscription `get-token -o az` reports (omitted when unset) and `exec --az-shim`'s `az account show` shows (else `ARM_SUBSCRIPTION_ID`, else the tenant, as `az` does for a tenant-level account).";
    ARM_SUBSCRIPTION_ID => "Terraform's name for the subscription; `exec --az-shim` reads it when `AZURE_SUBSCRIPTION_ID` is not set.";
    GITHUB_ACTIONS => "Set to `true` by GitHub Actions: with the two `ACTIONS_ID_TOKEN_REQUEST_*` variables, a profile with no other credential uses the job's OIDC token.";
    ACTIONS_ID_TOKEN_REQUEST_URL => "Set by GitHub Actions when the job has `permissions: id-token: write`: where the job's OIDC token is requested (fresh for every token request).";
    ACTIONS_ID_TOKEN_REQUEST_TOKEN => "Set by GitHub Actions with `ACTIONS_ID_TOKEN_REQUEST_URL`: the bearer token of that request; never printed or logged, and removed from `exec`'s child.";
    TF_BUILD => "Set by Azure Pipelines: with `SYSTEM_OIDCREQUESTURI`, a profile with no other credential uses the service connection's OIDC token.";
    SYSTEM_OIDCREQUESTURI => "Set by Azure Pipelines: where the job's OIDC token for a service connection is requested (fresh for every token request).";
    SYSTEM_ACCESSTOKEN => "Azure Pipelines' job token, which the `oidctoken` call needs: map it with `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)`; never printed or logged, and removed from `exec`'s child.";
    AZURESUBSCRIPTION_SERVICE_CONNECTION_ID => "Set by the AzureCLI@2/AzurePowerShell@5 tasks: the service connection whose OIDC token is requested when the profile has no `service_connection_id`.";
    AZURESUBSCRIPTION_CLIENT_ID => "Set by the AzureCLI@2/AzurePowerShell@5 tasks: the application (client) ID when the profile has none.";
    AZURESUBSCRIPTION_TENANT_ID => "Set by the AzureCLI@2/AzurePowerShell@5 tasks: the tenant when the profile has none.";
    ARM_OIDC_AZURE_SERVICE_CONNECTION_ID => "Terraform's name for the Azure Pipelines service connection, read after `AZURESUBSCRIPTION_SERVICE_CONNECTION_ID`.";
}

impl EnvVars {
    /// Prefix of per-field profile overrides: `ENTRA_AUTH_TENANT_ID`, `ENTRA_AUTH_SCOPES`, ...
    pub const ENTRA_AUTH_FIELD_PREFIX: &'static str = "ENTRA_AUTH_";

    /// Variables that hold secrets (ours, the Azure SDKs', the managed identity platforms'):
    /// removed from the environment of every program the CLI starts (the browser).
    pub const SECRETS: &'static [&'static str] = &[
        Self::AZURE_CLIENT_SECRET,
        Self::AZURE_CLIENT_CERTIFICATE_PASSWORD,
        "AZURE_PASSWORD",
        Self::ENTRA_AUTH_CACHE_KEY,
        Self::ENTRA_AUTH_IDENTITY_HEADER,
        Self::IDENTITY_HEADER,
        "MSI_SECRET",
        Self::ACTIONS_ID_TOKEN_REQUEST_TOKEN,
        Self::SYSTEM_ACCESSTOKEN,
    ];

    /// What `exec` removes from its child's environment: every secret, and every variable that
    /// would make an Azure SDK (or terraform) choose another credential than the endpoint
    /// (`IDENTITY_ENDPOINT`/`IDENTITY_HEADER` are replaced by the endpoint's own).
    pub const EXEC_REMOVED: &'static [&'static str] = &[
        Self::AZURE_CLIENT_SECRET,
        Self::AZURE_CLIENT_CERTIFICATE_PATH,
        Self::AZURE_CLIENT_CERTIFICATE_PASSWORD,
        Self::AZURE_CLIENT_SEND_CERTIFICATE_CHAIN,
        Self::AZURE_FEDERATED_TOKEN_FILE,
        "AZURE_USERNAME",
        "AZURE_PASSWORD",
        "AZURE_POD_IDENTITY_AUTHORITY_HOST",
        Self::ENTRA_AUTH_CACHE_KEY,
        Self::ENTRA_AUTH_IDENTITY_HEADER,
        Self::ENTRA_AUTH_IMDS_ENDPOINT,
        "MSI_ENDPOINT",
        "MSI_SECRET",
        "IMDS_ENDPOINT",
        "IDENTITY_SERVER_THUMBPRINT",
        "ARM_CLIENT_SECRET",
        "ARM_CLIENT_CERTIFICATE_PATH",
        "ARM_CLIENT_CERTIFICATE_PASSWORD",
        "ARM_OIDC_TOKEN",
        "ARM_OIDC_TOKEN_FILE_PATH",
        // The CI's request tokens: the child gets tokens from the endpoint, never the means to
        // mint the job's OIDC tokens itself (and terraform or azd would prefer them to it).
        Self::ACTIONS_ID_TOKEN_REQUEST_TOKEN,
        Self::ACTIONS_ID_TOKEN_REQUEST_URL,
        Self::SYSTEM_ACCESSTOKEN,
        "ARM_OIDC_REQUEST_TOKEN",
        "ARM_OIDC_REQUEST_URL",
        "AZURE_OIDC_REQUEST_TOKEN",
        "AZURE_OIDC_REQUEST_URL",
        "ARM_USE_OIDC",
    ];

    /// What `exec` sets in its child's environment (besides `IDENTITY_ENDPOINT` and
    /// `IDENTITY_HEADER`, and `ENTRA_AUTH_AZ_ACCOUNT` with `--az-shim`): the IMDS-shaped URL for
    /// tools that speak only IMDS (terraform's `use_msi`).
    pub const ARM_MSI_ENDPOINT: &'static str = "ARM_MSI_ENDPOINT";
}

#[cfg(test)]
mod tests {
    use super::{ENV_VARS, EnvVars};

    #[test]
    fn every_constant_is_listed_once_under_its_own_name() {
        assert_eq!(EnvVars::AZURE_CLIENT_SECRET, "AZURE_CLIENT_SECRET");
        let mut names: Vec<_> = ENV_VARS.iter().map(|v| v.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ENV_VARS.len());
        assert!(ENV_VARS.iter().all(|v| !v.about.is_empty()));
    }
}
