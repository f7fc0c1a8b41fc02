//! Every environment variable the CLI reads, in one registry with what each one does.
//! Which profile field each `AZURE_*` variable sets is declared with the field, in
//! `profile::FIELDS` (`FieldSpec::azure_env`); `ENTRA_AUTH_<FIELD>` sets every field.

/// Names of environment variables. `--help` and the README refer to these.
pub struct EnvVars;

impl EnvVars {
    /// Profile to use when `-p` is not given.
    pub const ENTRA_AUTH_PROFILE: &'static str = "ENTRA_AUTH_PROFILE";
    /// Directory holding `config.toml`.
    pub const ENTRA_AUTH_CONFIG_DIR: &'static str = "ENTRA_AUTH_CONFIG_DIR";
    /// Directory holding the encrypted token cache files.
    pub const ENTRA_AUTH_CACHE_DIR: &'static str = "ENTRA_AUTH_CACHE_DIR";
    /// 32 random bytes (standard base64 or 64 hex digits) that encrypt the file cache.
    pub const ENTRA_AUTH_CACHE_KEY: &'static str = "ENTRA_AUTH_CACHE_KEY";
    /// Storage backend: `auto`, `file` or `memory`.
    pub const ENTRA_AUTH_STORE: &'static str = "ENTRA_AUTH_STORE";
    /// Log filter for diagnostics on stderr (`debug`, `entra_auth_cli=trace`, ...).
    pub const ENTRA_AUTH_LOG: &'static str = "ENTRA_AUTH_LOG";
    /// `1` (or any value): never prompt or wait for a person.
    pub const ENTRA_AUTH_NONINTERACTIVE: &'static str = "ENTRA_AUTH_NONINTERACTIVE";
    /// Prefix of per-field profile overrides: `ENTRA_AUTH_TENANT_ID`, `ENTRA_AUTH_SCOPES`, ...
    pub const ENTRA_AUTH_FIELD_PREFIX: &'static str = "ENTRA_AUTH_";

    /// Azure SDK convention: tenant of the default profile (or override of any profile).
    pub const AZURE_TENANT_ID: &'static str = "AZURE_TENANT_ID";
    /// Azure SDK convention: application (client) ID.
    pub const AZURE_CLIENT_ID: &'static str = "AZURE_CLIENT_ID";
    /// Azure SDK convention: client secret. Wins over a stored secret.
    pub const AZURE_CLIENT_SECRET: &'static str = "AZURE_CLIENT_SECRET";
    /// Azure SDK convention: certificate file for certificate credentials.
    pub const AZURE_CLIENT_CERTIFICATE_PATH: &'static str = "AZURE_CLIENT_CERTIFICATE_PATH";
    /// Azure SDK convention: the certificate's password (a PFX file's).
    pub const AZURE_CLIENT_CERTIFICATE_PASSWORD: &'static str = "AZURE_CLIENT_CERTIFICATE_PASSWORD";
    /// Azure SDK convention: send the certificate chain (`x5c`) in assertions.
    pub const AZURE_CLIENT_SEND_CERTIFICATE_CHAIN: &'static str =
        "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN";
    /// Overrides the Azure VM instance metadata endpoint (`http://169.254.169.254`), for tests.
    pub const ENTRA_AUTH_IMDS_ENDPOINT: &'static str = "ENTRA_AUTH_IMDS_ENDPOINT";
    /// Overrides the Microsoft Graph endpoint `discover` uses (default: the profile's cloud's,
    /// e.g. `https://graph.microsoft.com`); plain http only for loopback hosts (tests).
    pub const ENTRA_AUTH_GRAPH_ENDPOINT: &'static str = "ENTRA_AUTH_GRAPH_ENDPOINT";
    /// App Service / Functions managed identity endpoint (set by the platform).
    pub const IDENTITY_ENDPOINT: &'static str = "IDENTITY_ENDPOINT";
    /// App Service / Functions managed identity secret header (set by the platform).
    pub const IDENTITY_HEADER: &'static str = "IDENTITY_HEADER";
    /// Azure SDK convention: workload identity token file.
    pub const AZURE_FEDERATED_TOKEN_FILE: &'static str = "AZURE_FEDERATED_TOKEN_FILE";
    /// Azure SDK convention: authority host such as `https://login.microsoftonline.us`.
    pub const AZURE_AUTHORITY_HOST: &'static str = "AZURE_AUTHORITY_HOST";

    /// Variables that hold secrets (ours, the Azure SDKs', the managed identity platforms'):
    /// removed from the environment of every program the CLI starts (the browser).
    pub const SECRETS: &'static [&'static str] = &[
        Self::AZURE_CLIENT_SECRET,
        Self::AZURE_CLIENT_CERTIFICATE_PASSWORD,
        "AZURE_PASSWORD",
        Self::ENTRA_AUTH_CACHE_KEY,
        Self::IDENTITY_HEADER,
        "MSI_SECRET",
    ];
}
