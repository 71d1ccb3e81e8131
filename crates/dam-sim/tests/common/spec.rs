//! Answers checked against HCL's vendored OpenAPI files (`spec/`): the response schema of the
//! path, method and status, with `format`s (such as `date-time`) validated.

use std::collections::HashMap;
use std::path::PathBuf;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::{Api, RING};

/// An OpenAPI document of `spec/`.
pub fn reference(file: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("spec")
        .join(file);
    let text =
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
    serde_json::from_str(&text).expect("OpenAPI JSON")
}

/// Compiles a schema with format validation on (JSON Schema 2020-12 only annotates formats by
/// default, which would let a `date-time` like `2024-01-01T12:99:00Z` through).
pub fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("schema does not compile: {e}"))
}

/// Validates answers against the response schemas of an OpenAPI document.
pub struct Spec {
    pub doc: Value,
    pub prefix: &'static str,
    cache: HashMap<String, jsonschema::Validator>,
    pub checked: usize,
}

impl Spec {
    pub fn new(file: &str, prefix: &'static str) -> Spec {
        Spec {
            doc: reference(file),
            prefix,
            cache: HashMap::new(),
            checked: 0,
        }
    }

    /// The DAM API document, its paths under `/dx/api/dam/v1`.
    pub fn dam() -> Spec {
        Spec::new("hcl-dx-dam-api.openapi.json", super::DAM)
    }

    /// The Ring API document, its paths under `/dx/api/core/v1`.
    pub fn ring() -> Spec {
        Spec::new("hcl-dx-ring-api.openapi.json", RING)
    }

    /// The statuses HCL documents for `method template`.
    pub fn statuses(&self, method: &str, template: &str) -> Vec<u16> {
        self.doc["paths"][template][method]["responses"]
            .as_object()
            .map(|r| r.keys().filter_map(|k| k.parse().ok()).collect())
            .unwrap_or_default()
    }

    /// The schema of `status` for `method template`; for a status HCL does not document on that
    /// operation (the 403/409 cases), the operation's 400 error schema.
    pub fn schema(&self, method: &str, template: &str, status: u16) -> Option<Value> {
        let op = &self.doc["paths"][template][method];
        assert!(op.is_object(), "{method} {template} is not in HCL's spec");
        let responses = &op["responses"];
        let r = &responses[status.to_string()];
        let r = if r.is_object() {
            r
        } else {
            assert!(
                status >= 400,
                "{method} {template}: status {status} is not documented"
            );
            ["400", "401", "404", "500"]
                .iter()
                .map(|s| &responses[*s])
                .find(|v| v.is_object())
                .expect("an error schema")
        };
        r["content"]["application/json"]["schema"]
            .as_object()
            .map(|s| {
                let mut s = s.clone();
                s.insert("components".into(), self.doc["components"].clone());
                Value::Object(s)
            })
    }

    /// Asserts that `body` validates against the schema of `status` for `method template`.
    pub fn check(&mut self, method: &str, template: &str, status: StatusCode, body: &Value) {
        let key = format!("{method} {template} {}", status.as_u16());
        if !self.cache.contains_key(&key) {
            let Some(schema) = self.schema(method, template, status.as_u16()) else {
                assert!(
                    body.is_null() || status == StatusCode::OK,
                    "{key}: no schema but a body {body}"
                );
                return;
            };
            self.cache.insert(key.clone(), validator(&schema));
        }
        let v = &self.cache[&key];
        let errors: Vec<String> = v
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(
            errors.is_empty(),
            "{key} answer {body} violates HCL's schema: {errors:?}"
        );
        self.checked += 1;
    }
}

/// A client that checks every answer against the spec.
pub struct Checked<'a> {
    pub api: &'a Api,
    pub dam: Spec,
    pub ring: Spec,
}

impl Checked<'_> {
    pub async fn call(
        &mut self,
        method: Method,
        template: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.raw(
            method,
            template,
            path,
            body.map(|b| b.to_string()).as_deref(),
        )
        .await
    }

    pub async fn raw(
        &mut self,
        method: Method,
        template: &str,
        path: &str,
        body: Option<&str>,
    ) -> (StatusCode, Value) {
        let (s, v) = self.api.raw(method.clone(), path, body).await;
        let m = method.as_str().to_lowercase();
        if let Some(t) = template.strip_prefix(RING) {
            self.ring.check(&m, t, s, &v);
        } else {
            let t = template.strip_prefix(self.dam.prefix).expect("DAM path");
            self.dam.check(&m, t, s, &v);
        }
        (s, v)
    }
}

/// The `error.message` of a DAM error answer.
pub fn message(v: &Value) -> String {
    v["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}
