//! What the Azure CLI prints, for tools that read it (SPEC.md "One profile, every tool"): the
//! `az account get-access-token` object (`get-token -o az` and the `az` shim), the resource
//! each `--resource-type` names in each cloud, and the `az version` object. Pure: the local
//! time zone is passed in.
//!
//! az prints JSON through knack (`json.dumps(indent=2, sort_keys=True, ensure_ascii=False)`),
//! so keys come sorted by code point: the structs below declare their fields in that order, and
//! `serde_json::to_string_pretty` gives the same 2-space layout.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use super::authority::Cloud;

/// The Azure CLI version the shim reports: inside what every consumer accepts (Rust
/// azure_identity needs ≥ 2.54 for `expires_on`; terraform's go-azure-sdk needs < 3.0.0).
pub const AZ_CLI_VERSION: &str = "2.79.0";

/// `az account get-access-token`'s output object, keys in az's (sorted) order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AzAccessToken<'a> {
    #[serde(rename = "accessToken")]
    pub access_token: &'a str,
    /// Local wall-clock time, `%Y-%m-%d %H:%M:%S.%f` (6 digits), as Python's
    /// `datetime.fromtimestamp` gives it.
    #[serde(rename = "expiresOn")]
    pub expires_on_local: String,
    /// Seconds since the epoch, a JSON number (.NET, Go, Java and Rust read it as one).
    pub expires_on: i64,
    /// Present only when az was not asked for a `--tenant`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription: Option<&'a str>,
    pub tenant: &'a str,
    #[serde(rename = "tokenType")]
    pub token_type: &'static str,
}

impl<'a> AzAccessToken<'a> {
    /// The object for a bearer token expiring at `expires_on`, in `time_zone`; `None` when the
    /// time is outside what a calendar can show.
    #[must_use]
    pub fn new(
        access_token: &'a str,
        expires_on: i64,
        tenant: &'a str,
        subscription: Option<&'a str>,
        time_zone: &TimeZone,
    ) -> Option<Self> {
        Some(Self {
            access_token,
            expires_on_local: local_time(expires_on, time_zone)?,
            expires_on,
            subscription,
            tenant,
            token_type: "Bearer",
        })
    }
}

/// `expires_on` as az's `expiresOn`: `datetime.fromtimestamp(t).strftime("%Y-%m-%d
/// %H:%M:%S.%f")`, naive local time with exactly six fractional digits (whole seconds, so the
/// fraction is always `000000`).
#[must_use]
pub fn local_time(expires_on: i64, time_zone: &TimeZone) -> Option<String> {
    let instant = Timestamp::from_second(expires_on).ok()?;
    let local = time_zone.to_datetime(instant);
    Some(format!("{}.000000", local.strftime("%Y-%m-%d %H:%M:%S")))
}

/// The clouds az knows by name (its `environmentName`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AzCloud {
    #[default]
    AzureCloud,
    AzureUsGovernment,
    AzureChinaCloud,
}

impl AzCloud {
    const ALL: [Self; 3] = [
        Self::AzureCloud,
        Self::AzureUsGovernment,
        Self::AzureChinaCloud,
    ];

    /// The cloud az calls `name`, if it is one of the three.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|cloud| cloud.name() == name)
    }

    /// az's name for the cloud (`environmentName`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::AzureCloud => "AzureCloud",
            Self::AzureUsGovernment => "AzureUSGovernment",
            Self::AzureChinaCloud => "AzureChinaCloud",
        }
    }

    /// The az cloud of a profile's cloud.
    #[must_use]
    pub fn of(cloud: Cloud) -> Self {
        match cloud {
            Cloud::Public => Self::AzureCloud,
            Cloud::UsGov => Self::AzureUsGovernment,
            Cloud::China => Self::AzureChinaCloud,
        }
    }

    /// The resource `az account get-access-token --resource-type <kind>` asks for (azure-cli
    /// `cloud_resource_type_mappings` and its hard-coded clouds); `None` for a kind az does not
    /// know or this cloud lacks.
    #[must_use]
    pub fn resource_of_type(self, kind: &str) -> Option<&'static str> {
        let row: [Option<&'static str>; 7] = match self {
            Self::AzureCloud => [
                Some("https://management.core.windows.net/"),
                Some("https://graph.windows.net/"),
                Some("https://graph.microsoft.com/"),
                Some("https://batch.core.windows.net/"),
                Some("https://rest.media.azure.net"),
                Some("https://datalake.azure.net/"),
                Some("https://ossrdbms-aad.database.windows.net"),
            ],
            Self::AzureUsGovernment => [
                Some("https://management.core.usgovcloudapi.net/"),
                Some("https://graph.windows.net/"),
                Some("https://graph.microsoft.us/"),
                Some("https://batch.core.usgovcloudapi.net/"),
                Some("https://rest.media.usgovcloudapi.net"),
                None,
                Some("https://ossrdbms-aad.database.usgovcloudapi.net"),
            ],
            Self::AzureChinaCloud => [
                Some("https://management.core.chinacloudapi.cn/"),
                Some("https://graph.chinacloudapi.cn/"),
                Some("https://microsoftgraph.chinacloudapi.cn"),
                Some("https://batch.chinacloudapi.cn/"),
                Some("https://rest.media.chinacloudapi.cn"),
                None,
                Some("https://ossrdbms-aad.database.chinacloudapi.cn"),
            ],
        };
        let column = RESOURCE_TYPES.iter().position(|k| *k == kind)?;
        row.get(column).copied().flatten()
    }
}

/// The `--resource-type` values az accepts, in the column order of `resource_of_type`.
pub const RESOURCE_TYPES: [&str; 7] = [
    "arm",
    "aad-graph",
    "ms-graph",
    "batch",
    "media",
    "data-lake",
    "oss-rdbms",
];

/// `az version -o json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AzVersion {
    #[serde(rename = "azure-cli")]
    pub azure_cli: &'static str,
    #[serde(rename = "azure-cli-core")]
    pub azure_cli_core: &'static str,
    #[serde(rename = "azure-cli-telemetry")]
    pub azure_cli_telemetry: &'static str,
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl Default for AzVersion {
    fn default() -> Self {
        Self {
            azure_cli: AZ_CLI_VERSION,
            azure_cli_core: AZ_CLI_VERSION,
            azure_cli_telemetry: "1.1.0",
            extensions: serde_json::Map::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::tz::TimeZone;

    use super::{AzAccessToken, AzCloud, local_time};

    #[test]
    fn expires_on_is_local_time_with_six_fraction_digits() {
        let utc = TimeZone::UTC;
        assert_eq!(
            local_time(1_767_022_200, &utc).as_deref(),
            Some("2025-12-29 15:30:00.000000")
        );
        let new_york = TimeZone::posix("EST5EDT,M3.2.0,M11.1.0").unwrap();
        assert_eq!(
            local_time(1_767_022_200, &new_york).as_deref(),
            Some("2025-12-29 10:30:00.000000")
        );
        assert_eq!(local_time(i64::MAX, &utc), None);
    }

    #[test]
    fn keys_come_in_az_order_and_subscription_is_optional() {
        let with =
            AzAccessToken::new("t", 1_767_022_200, "tid", Some("sub"), &TimeZone::UTC).unwrap();
        let text = serde_json::to_string(&with).unwrap();
        assert_eq!(
            text,
            r#"{"accessToken":"t","expiresOn":"2025-12-29 15:30:00.000000","expires_on":1767022200,"subscription":"sub","tenant":"tid","tokenType":"Bearer"}"#
        );
        let without = AzAccessToken::new("t", 1, "tid", None, &TimeZone::UTC).unwrap();
        assert!(
            !serde_json::to_string(&without)
                .unwrap()
                .contains("subscription")
        );
    }

    #[test]
    fn resource_types_per_cloud() {
        assert_eq!(
            AzCloud::AzureCloud.resource_of_type("arm"),
            Some("https://management.core.windows.net/")
        );
        assert_eq!(
            AzCloud::AzureUsGovernment.resource_of_type("ms-graph"),
            Some("https://graph.microsoft.us/")
        );
        assert_eq!(AzCloud::AzureChinaCloud.resource_of_type("data-lake"), None);
        assert_eq!(AzCloud::AzureCloud.resource_of_type("nope"), None);
        assert_eq!(
            AzCloud::from_name("AzureChinaCloud"),
            Some(AzCloud::AzureChinaCloud)
        );
    }
}
