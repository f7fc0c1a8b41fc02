//! The kinds of value a profile field holds: each field's spec (`FieldSpec`), its kind and plain
//! value, how environment text parses into it (`FieldType`), and `ScopeList`, the two ways
//! `scopes` may be written. The fields themselves are declared in `profile.rs`.

use serde::{Deserialize, Serialize};

/// One profile field as declared in `profile_fields!`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The `config.toml` key (and, upper-cased after `ENTRA_AUTH_`, its variable).
    pub name: &'static str,
    pub kind: FieldKind,
    /// The Azure SDK variable that also sets this field, if any.
    pub azure_env: Option<&'static str>,
    /// One line saying what the field does.
    pub about: &'static str,
}

/// What kind of value a field holds, which decides how environment text parses into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Any text, taken as is.
    Text,
    /// `1`/`true`/`yes` or `0`/`false`/`no`, any case.
    Bool,
    /// A TCP port, 1–65535.
    Port,
    /// A list (scopes, client capabilities), or one space/comma separated string.
    Scopes,
}

/// A set field's value, without serde or TOML types: what writers of a profile need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Text(String),
    Bool(bool),
    Port(u16),
    /// Scopes, one per item (a space/comma separated string is split, empty items dropped).
    List(Vec<String>),
}

/// Why text could not set a field. The value errors read as the predicate of a sentence whose
/// subject (the variable the text came from) the caller supplies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldTextError {
    #[error("`{0}` is not a profile field")]
    UnknownField(String),
    #[error("is not a port number: use a number from 1 to 65535")]
    NotAPort,
    #[error("is not true or false")]
    NotABool,
    /// Set to nothing (or only spaces): never read as "unset", so an emptied
    /// `AZURE_AUTHORITY_HOST` cannot send a request (and a secret) to the public cloud.
    #[error("is set but empty")]
    Empty,
}

/// The Rust types a profile field may have: its kind, how text parses into it, its plain value.
/// Implemented for `String`, `bool`, `u16` (a port) and [`ScopeList`]; `profile_fields!` uses it.
pub trait FieldType: Sized {
    const KIND: FieldKind;
    fn from_text(text: &str) -> Result<Self, FieldTextError>;
    fn to_value(&self) -> FieldValue;
}

impl FieldType for String {
    const KIND: FieldKind = FieldKind::Text;
    fn from_text(text: &str) -> Result<Self, FieldTextError> {
        Ok(text.to_owned())
    }
    fn to_value(&self) -> FieldValue {
        FieldValue::Text(self.clone())
    }
}

impl FieldType for bool {
    const KIND: FieldKind = FieldKind::Bool;
    fn from_text(text: &str) -> Result<Self, FieldTextError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" => Ok(true),
            "0" | "false" | "no" => Ok(false),
            _ => Err(FieldTextError::NotABool),
        }
    }
    fn to_value(&self) -> FieldValue {
        FieldValue::Bool(*self)
    }
}

/// A `u16` field is a TCP port.
impl FieldType for u16 {
    const KIND: FieldKind = FieldKind::Port;
    fn from_text(text: &str) -> Result<Self, FieldTextError> {
        match text.trim().parse::<u16>() {
            Ok(port) if port != 0 => Ok(port),
            _ => Err(FieldTextError::NotAPort),
        }
    }
    fn to_value(&self) -> FieldValue {
        FieldValue::Port(*self)
    }
}

impl FieldType for ScopeList {
    const KIND: FieldKind = FieldKind::Scopes;
    fn from_text(text: &str) -> Result<Self, FieldTextError> {
        Ok(Self::Text(text.to_owned()))
    }
    fn to_value(&self) -> FieldValue {
        FieldValue::List(match self {
            Self::List(items) => items.clone(),
            Self::Text(text) => text
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
}

/// `scopes` may be written as a list (`["A", "B"]`) or as one space/comma separated string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ScopeList {
    List(Vec<String>),
    Text(String),
}

impl ScopeList {
    /// The items as written: a list's items, or the one string (split later, by `Scopes`).
    #[must_use]
    pub fn into_items(self) -> Vec<String> {
        match self {
            Self::List(items) => items,
            Self::Text(text) => vec![text],
        }
    }
}
