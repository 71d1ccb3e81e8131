//! Request bodies checked as HCL's DAM OpenAPI file types them: the JSON type of every property,
//! `format: date-time`, `required`, and `additionalProperties: false` (unknown properties).
//! Every refusal is a DAM 400 whose message names the property, so nothing the spec refuses is
//! stored (and later echoed in an answer that breaks HCL's response schema).

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::api_error::ApiError;

/// The type (and format) HCL's spec gives a request property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    /// `type: string`.
    Str,
    /// `type: string, format: date-time` (RFC 3339 `date-time`).
    DateTime,
    /// `type: number`.
    Num,
    /// `type: boolean`.
    Bool,
    /// `type: object`.
    Obj,
}

impl Ty {
    fn accepts(self, v: &Value) -> bool {
        match self {
            Ty::Str => v.is_string(),
            Ty::DateTime => v.as_str().is_some_and(is_date_time),
            Ty::Num => v.is_number(),
            Ty::Bool => v.is_boolean(),
            Ty::Obj => v.is_object(),
        }
    }

    fn wanted(self) -> &'static str {
        match self {
            Ty::Str => "a string",
            Ty::DateTime => {
                "an RFC 3339 date-time string (e.g. 2024-05-01T12:00:00.000Z: a real date, \
                 hours 00-23, minutes 00-59, seconds 00-59, a Z or ±hh:mm offset)"
            }
            Ty::Num => "a number",
            Ty::Bool => "a boolean",
            Ty::Obj => "an object",
        }
    }
}

/// One property of a request schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Prop {
    /// The property's name.
    pub name: &'static str,
    /// Its type and format.
    pub ty: Ty,
    /// Whether the schema lists it in `required`.
    pub required: bool,
}

/// An optional property.
pub(crate) const fn opt(name: &'static str, ty: Ty) -> Prop {
    Prop {
        name,
        ty,
        required: false,
    }
}

/// A required property.
pub(crate) const fn req(name: &'static str, ty: Ty) -> Prop {
    Prop {
        name,
        ty,
        required: true,
    }
}

/// Whether `s` is a JSON Schema `date-time`, i.e. RFC 3339 §5.6 `date-time`: `T` (or `t`)
/// between a real calendar date and a time with hours 00–23, minutes 00–59, seconds 00–59
/// (60 only for a leap second at the end of a UTC month), optional fraction, and `Z` or
/// `±hh:mm`. The `time` crate parses; it allows any separator byte, so that one is checked here.
pub(crate) fn is_date_time(s: &str) -> bool {
    matches!(s.as_bytes().get(10), Some(b'T' | b't')) && OffsetDateTime::parse(s, &Rfc3339).is_ok()
}

/// A short rendering of a refused value for an error message.
fn shown(v: &Value) -> String {
    const MAX: usize = 80;
    let s = v.to_string();
    if s.chars().count() <= MAX {
        s
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// Checks `v` against an object schema with `additionalProperties: false`: answers the object,
/// or a 400 (prefixed with `ctx`, e.g. `event 3: `) naming the first property that is unknown,
/// mistyped or missing. `schema` names the schema in the messages.
pub(crate) fn object<'a>(
    v: &'a Value,
    schema: &str,
    props: &[Prop],
    ctx: &str,
) -> Result<&'a Map<String, Value>, ApiError> {
    let Value::Object(m) = v else {
        return Err(ApiError::bad_request(format!(
            "{ctx}the request body must be a {schema} JSON object, got {}",
            shown(v)
        )));
    };
    for (k, v) in m {
        let Some(p) = props.iter().find(|p| p.name == k) else {
            let allowed: Vec<&str> = props.iter().map(|p| p.name).collect();
            return Err(ApiError::bad_request(format!(
                "{ctx}unknown property `{k}` in {schema} (allowed: {})",
                allowed.join(", ")
            )));
        };
        if !p.ty.accepts(v) {
            return Err(ApiError::bad_request(format!(
                "{ctx}property `{k}` must be {}, got {}",
                p.ty.wanted(),
                shown(v)
            )));
        }
    }
    if let Some(p) = props.iter().find(|p| p.required && !m.contains_key(p.name)) {
        return Err(ApiError::bad_request(format!(
            "{ctx}property `{}` is required in {schema} ({})",
            p.name,
            p.ty.wanted()
        )));
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn date_times_are_rfc_3339() {
        for ok in [
            "2024-05-01T12:00:00.000Z",
            "2024-05-01T12:00:00Z",
            "2024-05-01t12:00:00z",
            "2024-02-29T23:59:59.123456789+05:30",
            "2024-05-01T00:00:00-23:59",
            "2016-12-31T23:59:60Z",
            "0000-01-01T00:00:00Z",
        ] {
            assert!(is_date_time(ok), "{ok}");
        }
        for bad in [
            "Ⱦ",
            "",
            "2024-01-01T12:99:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T23:60:00Z",
            "2024-01-01T23:59:61Z",
            "2024-01-01T12:00:60Z",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-01-00T00:00:00Z",
            "2024-01-01 12:00:00Z",
            "2024-01-01X12:00:00Z",
            "2024-01-01Ⱦ12:00:00Z",
            "2024-01-01T12:00:00",
            "2024-01-01T12:00:00+0100",
            "2024-01-01T12:00:00+24:00",
            "2024-01-01T12:00:00+01:60",
            "2024-01-01T12:00:00.Z",
            "2024-01-01T12:00:00ZZ",
            "2024-01-01",
            "24-01-01T12:00:00Z",
            "+2024-01-01T12:00:00Z",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn objects_are_checked_property_by_property() {
        let props = [req("a", Ty::Str), opt("t", Ty::DateTime), opt("n", Ty::Num)];
        let msg = |v: Value| object(&v, "S", &props, "").unwrap_err().message;
        assert!(object(&json!({"a": "x", "n": -1e300}), "S", &props, "").is_ok());
        assert!(msg(json!({"a": "x", "zz": 1})).contains("`zz`"));
        assert!(msg(json!({"a": "x", "t": "2024-01-01T12:99:00Z"})).contains("`t`"));
        assert!(msg(json!({"a": "x", "n": "1"})).contains("`n`"));
        assert!(msg(json!({"n": 1})).contains("`a` is required"));
        assert!(msg(json!([1])).contains("JSON object"));
        let long = msg(json!({"a": "x", "t": "9".repeat(10_000)}));
        assert!(long.len() < 500, "{long}");
    }
}
