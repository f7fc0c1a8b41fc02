//! The rules a profile's identifiers follow: profile names, and the tenant and client id checks
//! (strict ones for `config create`, syntax-only ones for every profile that runs).

/// True for a GUID such as `3d2c1b0a-5f4e-4d3c-9b2a-1f0e9d8c7b6a`.
#[must_use]
pub fn is_guid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&parts)
            .all(|(len, part)| part.len() == *len && part.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Checks a tenant as `config create` wants it: a GUID, a domain (`contoso.onmicrosoft.com`),
/// or `common` / `organizations` / `consumers`.
///
/// # Errors
/// What to write instead.
pub fn validate_tenant_for_create(tenant: &str) -> Result<(), String> {
    let lower = tenant.to_ascii_lowercase();
    let domain = tenant.contains('.')
        && !tenant.starts_with('.')
        && !tenant.ends_with('.')
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if is_guid(tenant)
        || domain
        || matches!(lower.as_str(), "common" | "organizations" | "consumers")
    {
        Ok(())
    } else {
        Err(format!(
            "`{tenant}` is not a tenant: use the directory (tenant) ID, a GUID, or a domain such as contoso.onmicrosoft.com"
        ))
    }
}

/// Checks a client id as `config create` wants it: a GUID.
///
/// # Errors
/// What to write instead.
pub fn validate_client_id_for_create(client_id: &str) -> Result<(), String> {
    if is_guid(client_id) {
        Ok(())
    } else {
        Err(format!(
            "`{client_id}` is not an application (client) ID: copy the GUID from the app registration's Overview page"
        ))
    }
}

/// Checks a profile name: 1–64 characters from letters, digits, `.`, `_` and `-`, not starting
/// with `.` (names become keyring entries, file names in exports and shell arguments).
///
/// # Errors
/// What is wrong with the name.
pub fn validate_profile_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a profile name cannot be empty".to_owned());
    }
    if name.len() > 64 {
        return Err(format!(
            "profile name `{}...` is longer than 64 characters",
            name.chars().take(16).collect::<String>().escape_debug()
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._-".contains(*c)))
    {
        let shown = if bad.is_control() {
            format!("{:?}", bad)
        } else {
            format!("`{bad}`")
        };
        return Err(format!(
            "profile name `{}` contains {shown}: use letters, digits, `.`, `_` and `-`",
            name.escape_debug()
        ));
    }
    if name.starts_with('.') {
        return Err(format!("profile name `{name}` cannot start with `.`"));
    }
    Ok(())
}

/// A tenant is a GUID, a domain (`contoso.onmicrosoft.com`) or `common`/`organizations`/
/// `consumers`: letters, digits, `.` and `-` only, since it becomes a URL path segment.
///
/// # Errors
/// What to write instead.
pub fn check_tenant_syntax(tenant: &str) -> Result<(), String> {
    if tenant
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        Ok(())
    } else {
        Err(format!(
            "`{tenant}` is not a tenant ID or domain (expected a GUID or a name such as contoso.onmicrosoft.com)"
        ))
    }
}

/// A client id becomes a form value and a cache key: letters, digits and `-_.:/` only.
///
/// # Errors
/// What to write instead.
pub fn check_client_id_syntax(client_id: &str) -> Result<(), String> {
    if client_id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.:/".contains(c))
    {
        Ok(())
    } else {
        Err(format!(
            "`{client_id}` is not an application (client) ID (expected a GUID)"
        ))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn create_time_validation() {
        assert!(super::validate_tenant_for_create("contoso.onmicrosoft.com").is_ok());
        assert!(super::validate_tenant_for_create("7f3c1a2e-9b4d-4c6e-8f10-2a3b4c5d6e7f").is_ok());
        assert!(super::validate_tenant_for_create("organizations").is_ok());
        assert!(super::validate_tenant_for_create("contoso").is_err());
        assert!(
            super::validate_client_id_for_create("3d2c1b0a-5f4e-4d3c-9b2a-1f0e9d8c7b6a").is_ok()
        );
        assert!(super::validate_client_id_for_create("my-app").is_err());
    }

    #[test]
    fn profile_names_are_safe() {
        for ok in ["default", "prod-eu", "App_1.test"] {
            assert!(super::validate_profile_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a/b",
            "..",
            "a\\b",
            "tab\there",
            "new\nline",
            "sp ace",
            &"x".repeat(65),
        ] {
            assert!(super::validate_profile_name(bad).is_err(), "{bad:?}");
        }
    }

    proptest::proptest! {
        /// Any text, from flags, files or imports: a verdict, never a panic.
        #[test]
        fn profile_name_validation_never_panics(name in "\\PC{0,80}") {
            let _ = super::validate_profile_name(&name);
        }
    }

    #[test]
    fn long_names_with_multibyte_characters_are_refused_cleanly() {
        let name = "€".repeat(22);
        let error = super::validate_profile_name(&name).unwrap_err();
        assert!(error.contains("longer than 64"), "{error}");
    }
}
