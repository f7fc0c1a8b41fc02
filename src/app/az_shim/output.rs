//! Printing a result the way az (knack) does: `json` (2-space indent, keys sorted, non-ASCII
//! as is), `tsv` (one line per item, a dict's values in key order), `none`; and the part of
//! JMESPath scripts use with az: `--query id`, `--query user.name`, `--query [0].id`,
//! `--query [].id`.

use serde_json::Value;

use super::args::OutputKind;

/// `value` through `query` (when given), printed as `output`.
///
/// # Errors
/// A query outside the supported subset, as a usage message.
pub fn render(value: Value, query: Option<&str>, output: OutputKind) -> Result<String, String> {
    let value = match query {
        Some(query) => select(value, query)?,
        None => value,
    };
    Ok(match output {
        OutputKind::Json => json(&value),
        OutputKind::Tsv => tsv(&value),
        OutputKind::None => String::new(),
    })
}

/// knack's `format_json`: `serde_json::Value` keeps keys sorted (no `preserve_order`).
fn json(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// knack's `_TsvOutput`: a list is one row per item, anything else one row.
fn tsv(value: &Value) -> String {
    let mut out = String::new();
    let rows: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for row in rows {
        match row {
            Value::Object(map) => {
                let cells: Vec<String> = map.values().map(cell).collect();
                out.push_str(&cells.join("\t"));
            }
            Value::Array(items) => {
                let cells: Vec<String> = items.iter().map(cell).collect();
                out.push_str(&cells.join("\t"));
            }
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            other => out.push_str(&cell(other)),
        }
        out.push('\n');
    }
    out
}

/// One tsv cell, as Python's `str()` writes it: a list's length, nothing for a dict.
fn cell(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => items.len().to_string(),
        Value::Object(_) => String::new(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        Value::Number(n) => n.to_string(),
    }
}

/// The JMESPath subset: dotted field names, optionally after `[N]` or `[]` on a list.
fn select(value: Value, query: &str) -> Result<Value, String> {
    let unsupported = || {
        format!(
            "argument --query: '{query}' is beyond what the entra-auth-cli az shim understands (field.names, [N].field, [].field)"
        )
    };
    let query = query.trim();
    let (index, path) = match query.strip_prefix('[') {
        Some(rest) => {
            let (inside, after) = rest.split_once(']').ok_or_else(unsupported)?;
            let path = match after {
                "" => "",
                _ => after.strip_prefix('.').ok_or_else(unsupported)?,
            };
            let index = match inside {
                "" => Index::All,
                n => Index::One(n.parse().map_err(|_| unsupported())?),
            };
            (Some(index), path)
        }
        None => (None, query),
    };
    let fields: Vec<&str> = match path {
        "" => Vec::new(),
        p => p.split('.').collect(),
    };
    if fields
        .iter()
        .any(|f| f.is_empty() || !f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        || (index.is_none() && fields.is_empty())
    {
        return Err(unsupported());
    }
    let walk = |mut v: Value| {
        for field in &fields {
            v = v.get(field).cloned().unwrap_or(Value::Null);
        }
        v
    };
    Ok(match (index, value) {
        (None, value) => walk(value),
        (Some(Index::All), Value::Array(items)) => Value::Array(
            items
                .into_iter()
                .map(walk)
                .filter(|v| !v.is_null())
                .collect(),
        ),
        (Some(Index::One(n)), Value::Array(items)) => {
            items.into_iter().nth(n).map_or(Value::Null, walk)
        }
        (Some(_), _) => Value::Null,
    })
}

enum Index {
    All,
    One(usize),
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::render;
    use crate::app::az_shim::args::OutputKind;

    fn account() -> serde_json::Value {
        json!({"id":"sub","isDefault":true,"name":"N/A(tenant level account)","tenantId":"t",
               "user":{"name":"app","type":"servicePrincipal"},"managedByTenants":[]})
    }

    #[test]
    fn json_is_sorted_and_two_space_indented() {
        let text = render(json!({"b":1,"a":{"y":[],"x":"é"}}), None, OutputKind::Json).unwrap();
        assert_eq!(
            text,
            "{\n  \"a\": {\n    \"x\": \"é\",\n    \"y\": []\n  },\n  \"b\": 1\n}\n"
        );
    }

    #[test]
    fn queries_and_tsv_as_scripts_use_them() {
        let q = |query: &str, output| render(account(), Some(query), output).unwrap();
        assert_eq!(q("id", OutputKind::Tsv), "sub\n");
        assert_eq!(q("user.name", OutputKind::Json), "\"app\"\n");
        assert_eq!(q("nope", OutputKind::Json), "null\n");
        let list = json!([account()]);
        assert_eq!(
            render(list.clone(), Some("[0].tenantId"), OutputKind::Tsv).unwrap(),
            "t\n"
        );
        assert_eq!(
            render(list.clone(), Some("[].id"), OutputKind::Tsv).unwrap(),
            "sub\n"
        );
        assert_eq!(
            render(account(), None, OutputKind::Tsv).unwrap(),
            "sub\tTrue\t0\tN/A(tenant level account)\tt\t\n"
        );
        assert_eq!(render(list, None, OutputKind::None).unwrap(), "");
        for bad in ["[?x=='y']", "a[0]", "", "a..b", "[x]", "length(@)"] {
            assert!(
                render(account(), Some(bad), OutputKind::Json).is_err(),
                "{bad}"
            );
        }
    }
}
