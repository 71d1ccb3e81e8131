//! A property-based fuzz of every staging and operations operation of HCL's DAM OpenAPI file,
//! requests generated from the spec's parameters and request schemas (valid and invalid:
//! unicode strings, impossible date-times, wrong JSON types, unknown properties, huge and
//! negative numbers, malformed JSON, undecodable path segments, no cookie), sent to a running
//! simulator. Every answer must be a status the spec lists (or a documented 400/401/404/409),
//! never a 5xx, and validate against the spec's response schema for its status (formats
//! included); input the spec refuses must get a 400 naming a refused field, and afterwards
//! everything stored must still validate.
//!
//! Deterministic and bounded: a fixed ChaCha seed ([`SEED`]) and [`CASES`] cases.

mod common;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::spec::{message, validator, Spec};
use common::*;
use dam_sim::{Role, RunningEnv};
use proptest::prelude::*;
use proptest::strategy::Union;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use reqwest::{Method, StatusCode, Url};
use serde_json::{json, Map, Value};

/// The fuzz's seed (32 bytes for ChaCha): the same requests on every run.
const SEED: &[u8; 32] = b"dam-sim fuzz vs HCL DX DAM spec!";
/// Generated requests per run (each one or two HTTP calls).
const CASES: u32 = 512;
/// Record types outside the records endpoints' enum (only `/staging/mismatches` lists them):
/// generated everywhere, and with today's `strict_record_types` refused where the spec's enum
/// leaves them out.
const EXTRA_TYPES: [&str; 2] = ["PERMISSION", "RESOURCE"];
/// A generated `subscriberId` query value `KNOWN<n>` stands for the n-th existing subscriber.
const KNOWN: &str = "\u{1}known:";

/// A path parameter's generated value.
#[derive(Debug, Clone)]
enum PathVal {
    /// Any text (percent-encoded as one segment).
    Text(String),
    /// The n-th existing subscriber, operation or record id (modulo how many exist).
    Known(usize),
    /// A percent-encoded segment that is not UTF-8 (`%FF%FE`).
    BadUtf8,
}

/// A request body.
#[derive(Debug, Clone)]
enum Body {
    Json(Value),
    /// Not JSON at all, or a number JSON cannot hold.
    Malformed(String),
}

/// One generated request.
#[derive(Debug, Clone)]
struct Case {
    /// Index into [`Op`]s.
    op: usize,
    anonymous: bool,
    path: Vec<PathVal>,
    /// `None`: the parameter is left out.
    query: Vec<Option<String>>,
    body: Option<Body>,
}

/// A staging or operations operation of the spec.
struct Op {
    method: Method,
    template: String,
    /// Path parameters in template order: (name, schema).
    path: Vec<(String, Value)>,
    /// Query parameters: (name, schema, required).
    query: Vec<(String, Value, bool)>,
    /// The JSON request body's schema, `$ref`s of the top level and of array items resolved.
    body: Option<Value>,
}

/// What the answer to a case must be.
#[derive(Debug)]
enum Expect {
    Unauthorized,
    /// The spec allows the input: no 400, except one naming a field the simulator documents
    /// as stricter than the spec.
    Valid,
    /// The spec refuses it: a 400 naming one of these fields (any 400 when empty).
    Refused(Vec<String>),
}

fn resolve(doc: &Value, v: &Value) -> Value {
    match v["$ref"].as_str().and_then(|r| r.strip_prefix("#/")) {
        Some(p) => p.split('/').fold(doc, |d, k| &d[k]).clone(),
        None => v.clone(),
    }
}

/// The staging, operations and eventlogs operations of the DAM spec.
fn operations(doc: &Value) -> Vec<Op> {
    let mut ops = Vec::new();
    let paths = doc["paths"].as_object().expect("paths");
    for (template, item) in paths {
        if !["/staging/", "/operations", "/eventlogs"]
            .iter()
            .any(|p| template.starts_with(p))
        {
            continue;
        }
        for (m, op) in item.as_object().expect("path item") {
            let Ok(method) = m.to_uppercase().parse::<Method>() else {
                continue;
            };
            let mut path = Vec::new();
            let mut query = Vec::new();
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap_or_default().to_string();
                let schema = resolve(doc, &p["schema"]);
                match p["in"].as_str() {
                    Some("path") => path.push((name, schema)),
                    Some("query") => query.push((name, schema, p["required"] == json!(true))),
                    _ => {}
                }
            }
            // Path parameters in the order of the template.
            path.sort_by_key(|(n, _)| template.find(&format!("{{{n}}}")));
            let body = op["requestBody"]["content"]["application/json"]["schema"]
                .as_object()
                .map(|s| {
                    let mut s = resolve(doc, &Value::Object(s.clone()));
                    if s["type"] == "array" {
                        s["items"] = resolve(doc, &s["items"]);
                    }
                    s
                });
            ops.push(Op {
                method,
                template: template.clone(),
                path,
                query,
                body,
            });
        }
    }
    ops
}

// ---------------------------------------------------------------------------------------------
// Strategies

/// Any text: unicode, control characters, blanks, the found `Ⱦ`.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "\\PC{0,16}",
        2 => "[a-zA-Z0-9_.-]{1,12}",
        1 => ".{0,8}",
        1 => "[ \t\u{3000}]{1,3}",
        1 => Just("Ⱦ".to_string()),
        1 => Just(String::new()),
    ]
    .boxed()
}

/// RFC 3339 date-times the spec accepts.
fn good_date_time() -> BoxedStrategy<String> {
    let offset = prop_oneof![
        Just("Z".to_string()),
        Just("z".to_string()),
        (any::<bool>(), 0u32..=23, 0u32..=59)
            .prop_map(|(neg, h, m)| format!("{}{h:02}:{m:02}", if neg { '-' } else { '+' })),
    ];
    (
        1u32..=9998,
        1u32..=12,
        1u32..=28,
        0u32..=23,
        0u32..=59,
        0u32..=59,
        prop::option::of("[0-9]{1,9}"),
        offset,
        any::<bool>(),
    )
        .prop_map(|(y, mo, d, h, mi, s, frac, off, lower)| {
            let t = if lower { 't' } else { 'T' };
            let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
            format!("{y:04}-{mo:02}-{d:02}{t}{h:02}:{mi:02}:{s:02}{frac}{off}")
        })
        .boxed()
}

/// Strings that are no date-time: the two values the first fuzz found, out-of-range fields,
/// other separators, missing offsets, random text.
fn bad_date_time() -> BoxedStrategy<String> {
    let field = |lo: u32, hi: u32, at: usize| {
        (lo..=hi).prop_map(move |v| {
            let mut parts = [2024u32, 1, 15, 12, 30, 45];
            parts[at] = v;
            let [y, mo, d, h, mi, s] = parts;
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
        })
    };
    prop_oneof![
        Just("Ⱦ".to_string()),
        Just("2024-01-01T12:99:00Z".to_string()),
        Just("2024-01-01T24:00:00Z".to_string()),
        Just("2023-02-29T00:00:00Z".to_string()),
        Just("2024-04-31T00:00:00Z".to_string()),
        Just("2024-01-01 12:00:00Z".to_string()),
        Just("2024-01-01T12:00:00".to_string()),
        Just("2024-01-01T12:00:00+0100".to_string()),
        Just("2024-01-01T12:00:00+24:00".to_string()),
        Just("2024-01-01".to_string()),
        field(13, 99, 1),
        field(32, 99, 2),
        field(24, 99, 3),
        field(60, 99, 4),
        field(61, 99, 5),
        text(),
    ]
    .boxed()
}

/// Numbers: small, negative, fractional, huge.
fn number() -> BoxedStrategy<Value> {
    prop_oneof![
        (0i64..1000).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        Just(Value::from(u64::MAX)),
        Just(json!(1e300)),
        Just(json!(-1e300)),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
    ]
    .boxed()
}

/// Any JSON value (small).
fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// Values the spec's property schema wants, with hints by name, or of another type.
fn property_value(name: &str, schema: &Value) -> BoxedStrategy<Value> {
    let typed: BoxedStrategy<Value> = match (schema["type"].as_str(), schema["format"].as_str()) {
        (Some("string"), Some("date-time")) => prop_oneof![
            4 => good_date_time(),
            1 => bad_date_time(),
        ]
        .prop_map(Value::String)
        .boxed(),
        (Some("string"), _) => {
            let hint: Vec<String> = match name {
                "targetHost" | "host" => vec![
                    "127.0.0.1:9".into(),
                    "localhost:1".into(),
                    "http://127.0.0.1:9".into(),
                    "h:1".into(),
                    "two words".into(),
                ],
                "resyncStatus" => vec![
                    "FIND_MISMATCH_START".into(),
                    "RESYNC_TRIGGER_START".into(),
                    "FIND_MISMATCH_COMPLETED".into(),
                ],
                "type" => TYPES.iter().map(|t| t.to_string()).collect(),
                "action" => vec![
                    "CREATE".into(),
                    "UPDATE".into(),
                    "DELETE".into(),
                    "MOVE".into(),
                ],
                _ => vec!["x".into()],
            };
            prop_oneof![2 => prop::sample::select(hint), 2 => text()]
                .prop_map(Value::String)
                .boxed()
        }
        (Some("number"), _) => number(),
        (Some("boolean"), _) => any::<bool>().prop_map(Value::Bool).boxed(),
        (Some("object"), _) if name == "eventData" => (
            prop::option::weighted(
                0.9,
                prop_oneof![3 => text().prop_map(Value::String), 1 => any_json()],
            ),
            prop::option::weighted(
                0.3,
                prop_oneof![3 => text().prop_map(Value::String), 1 => any_json()],
            ),
            prop::option::weighted(0.2, ("[a-z]{1,6}", any_json())),
        )
            .prop_map(|(id, cid, extra)| {
                let mut m = Map::new();
                if let Some((k, v)) = extra {
                    m.insert(k, v);
                }
                if let Some(id) = id {
                    m.insert("id".into(), id);
                }
                if let Some(c) = cid {
                    m.insert("collectionId".into(), c);
                }
                Value::Object(m)
            })
            .boxed(),
        (Some("object"), _) => prop::collection::btree_map("[a-z]{1,6}", any_json(), 0..3)
            .prop_map(|m| Value::Object(m.into_iter().collect()))
            .boxed(),
        _ => any_json(),
    };
    prop_oneof![9 => typed, 1 => any_json()].boxed()
}

/// Objects of a schema's properties (required ones mostly present), sometimes with an
/// unknown property.
fn object_value(schema: &Value) -> BoxedStrategy<Value> {
    let required: BTreeSet<String> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, s)| {
            let p = if required.contains(name) { 0.95 } else { 0.4 };
            let n = name.clone();
            prop::option::weighted(p, property_value(name, s).prop_map(move |v| (n.clone(), v)))
                .boxed()
        })
        .collect();
    let extra = prop::option::weighted(0.1, ("\\PC{1,10}", any_json()));
    (fields, extra)
        .prop_map(|(fields, extra)| {
            let mut m: Map<String, Value> = fields.into_iter().flatten().collect();
            if let Some((k, v)) = extra {
                m.entry(k).or_insert(v);
            }
            Value::Object(m)
        })
        .boxed()
}

fn body(schema: &Value) -> BoxedStrategy<Body> {
    let good = if schema["type"] == "array" {
        prop::collection::vec(
            prop_oneof![12 => object_value(&schema["items"]), 1 => any_json()],
            0..4,
        )
        .prop_map(Value::Array)
        .boxed()
    } else {
        object_value(schema)
    };
    prop_oneof![
        16 => good.prop_map(Body::Json),
        1 => any_json().prop_map(Body::Json),
        1 => prop_oneof![
            Just("{\"targetHost\": ".to_string()),
            Just("{\"targetHost\": \"h:7\", \"cycleLength\": 1e400}".to_string()),
            Just("[1,".to_string()),
            Just("\"\\ud800\"".to_string()),
            text(),
        ]
        .prop_map(Body::Malformed),
    ]
    .boxed()
}

/// A query parameter's value (as text), or `None` to leave it out.
fn query_value(name: &str, schema: &Value, required: bool) -> BoxedStrategy<Option<String>> {
    let numeric = || -> BoxedStrategy<String> {
        prop_oneof![
            4 => (0u64..200).prop_map(|n| n.to_string()),
            1 => any::<u64>().prop_map(|n| n.to_string()),
            1 => (-1000i64..0).prop_map(|n| n.to_string()),
            1 => "[0-9]{1,3}\\.[0-9]{1,2}",
            1 => prop::sample::select(vec!["1e3", "100000", "100001", "0", "NaN", "inf", "99999999999999999999999", "", "ten"]).prop_map(str::to_string),
            1 => text(),
        ]
        .boxed()
    };
    let value: BoxedStrategy<String> = if let Some(e) = schema["enum"].as_array() {
        let mut vals: Vec<String> = e
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        vals.extend(EXTRA_TYPES.iter().map(|t| t.to_string()));
        vals.push("keyword".into());
        vals.push("MOVE".into());
        prop_oneof![4 => prop::sample::select(vals), 1 => text()].boxed()
    } else {
        match (name, schema["type"].as_str()) {
            ("offset" | "limit", _) | (_, Some("number")) => numeric(),
            (_, Some("boolean")) => prop_oneof![
                3 => prop::sample::select(vec!["true", "false"]).prop_map(str::to_string),
                1 => prop::sample::select(vec!["TRUE", "1", "", "yes"]).prop_map(str::to_string),
                1 => text(),
            ]
            .boxed(),
            ("status", _) => prop_oneof![
                3 => prop::sample::select(vec!["TODO", "SUCCESS", "FAILED", "RETRY", "PENDING", "DONE", "todo"]).prop_map(str::to_string),
                1 => text(),
            ]
            .boxed(),
            ("subscriberId", _) => prop_oneof![
                2 => (0usize..64).prop_map(|n| format!("{KNOWN}{n}")),
                1 => text(),
            ]
            .boxed(),
            ("triggerFunctions", _) => prop_oneof![
                3 => prop::sample::select(vec!["findStagingMismatch", "syncStagingMediaContent,syncStagingKeywordContent", ",", " , ,", "nope"]).prop_map(str::to_string),
                1 => text(),
            ]
            .boxed(),
            _ => text(),
        }
    };
    prop::option::weighted(if required { 0.9 } else { 0.5 }, value).boxed()
}

fn path_value(schema: &Value) -> BoxedStrategy<PathVal> {
    if let Some(e) = schema["enum"].as_array() {
        let mut vals: Vec<String> = e
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        vals.extend(EXTRA_TYPES.iter().map(|t| t.to_string()));
        return prop_oneof![
            6 => prop::sample::select(vals).prop_map(PathVal::Text),
            1 => text().prop_filter("a path segment", |s| !matches!(s.as_str(), "" | "." | "..")).prop_map(PathVal::Text),
            1 => Just(PathVal::BadUtf8),
        ]
        .boxed();
    }
    prop_oneof![
        4 => (0usize..64).prop_map(PathVal::Known),
        3 => text().prop_filter("a path segment", |s| !matches!(s.as_str(), "" | "." | "..")).prop_map(PathVal::Text),
        1 => Just(PathVal::BadUtf8),
    ]
    .boxed()
}

fn case_strategy(ops: &[Op]) -> Union<BoxedStrategy<Case>> {
    let options = ops
        .iter()
        .enumerate()
        .map(|(i, op)| {
            let path: Vec<BoxedStrategy<PathVal>> =
                op.path.iter().map(|(_, s)| path_value(s)).collect();
            let query: Vec<BoxedStrategy<Option<String>>> = op
                .query
                .iter()
                .map(|(n, s, r)| query_value(n, s, *r))
                .collect();
            let body = match &op.body {
                Some(s) => prop::option::weighted(0.97, body(s)).boxed(),
                None => Just(None).boxed(),
            };
            let weight = 2 + op.query.len() as u32 + if op.body.is_some() { 6 } else { 0 };
            let s = (prop::bool::weighted(0.04), path, query, body)
                .prop_map(move |(anonymous, path, query, body)| Case {
                    op: i,
                    anonymous,
                    path,
                    query,
                    body,
                })
                .boxed();
            (weight, s)
        })
        .collect();
    Union::new_weighted(options)
}

// ---------------------------------------------------------------------------------------------
// The oracle: what the spec says about a generated request.

/// Fields of each operation the simulator documents as checked more strictly than the spec
/// (offset/limit ranges, the trigger-only `resyncStatus`, host names, known record types and
/// actions, the operation statuses).
fn stricter(method: &Method, template: &str) -> &'static [&'static str] {
    match (method.as_str(), template) {
        ("POST", "/staging/subscriber") => &["targetHost"],
        ("PATCH", _) => &["targetHost", "resyncStatus"],
        ("POST", "/eventlogs") => &["type", "action", "eventData"],
        ("GET", "/staging/mismatches" | "/operations" | "/staging/records/{recordType}") => {
            &["offset", "limit", "status", "triggerFunctions"]
        }
        _ => &[],
    }
}

struct Oracle {
    date_time: jsonschema::Validator,
}

impl Oracle {
    /// Whether a property value fits its spec schema (type and format).
    fn fits(&self, schema: &Value, v: &Value) -> bool {
        match schema["type"].as_str() {
            Some("string") if schema["format"] == "date-time" => self.date_time.is_valid(v),
            Some("string") => v.is_string(),
            Some("number") => v.is_number(),
            Some("boolean") => v.is_boolean(),
            Some("object") => v.is_object(),
            Some("array") => v.is_array(),
            _ => true,
        }
    }

    /// The fields of an object the spec refuses (unknown, mistyped, missing); `[""]` when it
    /// is not an object.
    fn refused_object(&self, schema: &Value, v: &Value, out: &mut Vec<String>) {
        let Some(m) = v.as_object() else {
            out.push(String::new());
            return;
        };
        let props = schema["properties"].as_object();
        for (k, v) in m {
            match props.and_then(|p| p.get(k)) {
                None if schema["additionalProperties"] == json!(false) => out.push(k.clone()),
                Some(s) if !self.fits(s, v) => out.push(k.clone()),
                _ => {}
            }
        }
        for r in schema["required"].as_array().into_iter().flatten() {
            if let Some(r) = r.as_str().filter(|r| !m.contains_key(*r)) {
                out.push(r.to_string());
            }
        }
    }

    fn expect(&self, op: &Op, case: &Case) -> Expect {
        if case.anonymous {
            return Expect::Unauthorized;
        }
        let mut refused = Vec::new();
        for ((name, schema), v) in op.path.iter().zip(&case.path) {
            match v {
                PathVal::BadUtf8 => refused.push(String::new()),
                PathVal::Text(t) => {
                    if let Some(e) = schema["enum"].as_array() {
                        if !e.contains(&json!(t)) {
                            refused.push(name.clone());
                        }
                    }
                }
                PathVal::Known(_) => {}
            }
        }
        for ((name, schema, required), v) in op.query.iter().zip(&case.query) {
            // An empty value counts as left out (the simulator's documented leniency).
            let Some(v) = v.as_deref().filter(|v| !v.is_empty()) else {
                if *required {
                    refused.push(name.clone());
                }
                continue;
            };
            let ok = if let Some(e) = schema["enum"].as_array() {
                e.contains(&json!(v))
            } else {
                match schema["type"].as_str() {
                    Some("number") => v.parse::<f64>().is_ok_and(f64::is_finite),
                    Some("boolean") => v == "true" || v == "false",
                    _ => true,
                }
            };
            if !ok {
                refused.push(name.clone());
            }
        }
        if let (Some(schema), Some(b)) = (&op.body, &case.body) {
            let parsed = match b {
                Body::Malformed(t) => serde_json::from_str::<Value>(t).ok().map(Body::Json),
                Body::Json(_) => None,
            };
            match parsed.as_ref().unwrap_or(b) {
                Body::Malformed(_) => refused.push(String::new()),
                Body::Json(v) if schema["type"] == "array" => match v.as_array() {
                    None => refused.push(String::new()),
                    Some(items) => {
                        for it in items {
                            self.refused_object(&schema["items"], it, &mut refused);
                        }
                    }
                },
                Body::Json(v) => self.refused_object(schema, v, &mut refused),
            }
        } else if op.body.is_some() && op.method != Method::GET {
            // No body at all: not JSON.
            refused.push(String::new());
        }
        if refused.is_empty() {
            Expect::Valid
        } else {
            Expect::Refused(refused)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running cases

struct Fuzz {
    api: Api,
    spec: RefCell<Spec>,
    ops: Vec<Op>,
    oracle: Oracle,
    /// Whole request bodies the spec allows or refuses, cross-checked with jsonschema.
    body_validators: BTreeMap<usize, jsonschema::Validator>,
    records: Vec<String>,
    hits: RefCell<BTreeMap<String, usize>>,
    statuses: RefCell<BTreeMap<u16, usize>>,
}

/// Percent-encodes every byte of a path segment but the unreserved ones (`url`'s segment
/// encoding drops tabs and newlines, as the URL standard's parser does).
fn encode_segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn fail(msg: String) -> TestCaseError {
    TestCaseError::fail(msg)
}

impl Fuzz {
    async fn ids(&self, path: &str, key: &str) -> Vec<String> {
        let (_, v) = self.api.get(path).await;
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|o| o[key].as_str().map(str::to_string))
            .collect()
    }

    async fn url(&self, op: &Op, case: &Case) -> Result<Url, TestCaseError> {
        let mut path = format!("{}{DAM}", self.api.base);
        let mut segs: Vec<String> = Vec::new();
        let mut bad = false;
        let mut vals = op.path.iter().zip(&case.path);
        for seg in op.template.split('/').filter(|s| !s.is_empty()) {
            if !seg.starts_with('{') {
                segs.push(seg.to_string());
                continue;
            }
            let Some(((name, _), v)) = vals.next() else {
                return Err(fail(format!("{}: path parameters", op.template)));
            };
            let text = match v {
                PathVal::Text(t) => t.clone(),
                PathVal::BadUtf8 => {
                    bad = true;
                    "\u{0}BAD".to_string()
                }
                PathVal::Known(n) => {
                    let pool = match name.as_str() {
                        "subscriber_id" => {
                            self.ids(&format!("{DAM}/staging/subscriber"), "id").await
                        }
                        "operation_id" => {
                            self.ids(&format!("{DAM}/operations?limit=100000"), "id")
                                .await
                        }
                        _ => self.records.clone(),
                    };
                    if pool.is_empty() {
                        "none".to_string()
                    } else {
                        pool[n % pool.len()].clone()
                    }
                }
            };
            segs.push(text);
        }
        for s in &segs {
            path.push('/');
            path.push_str(&encode_segment(s));
        }
        if bad {
            // `%00BAD` (one encoded segment) → `%FF%FEBAD`: not UTF-8 once decoded.
            path = path.replace("%00BAD", "%FF%FEBAD");
        }
        let mut url = Url::parse(&path).map_err(|e| fail(format!("{path}: {e}")))?;
        {
            let mut q = url.query_pairs_mut();
            for ((name, _, _), v) in op.query.iter().zip(&case.query) {
                match v.as_deref().map(|v| (v, v.strip_prefix(KNOWN))) {
                    Some((_, Some(n))) => {
                        let pool = self.ids(&format!("{DAM}/staging/subscriber"), "id").await;
                        let n: usize = n.parse().unwrap_or(0);
                        let id = pool
                            .get(n % pool.len().max(1))
                            .map_or("none", String::as_str);
                        q.append_pair(name, id);
                    }
                    Some((v, None)) => {
                        q.append_pair(name, v);
                    }
                    None => {}
                }
            }
            // A parameter the spec does not list is ignored.
            q.append_pair("fuzzExtra", "1");
        }
        Ok(url)
    }

    async fn run(&self, case: Case) -> Result<(), TestCaseError> {
        let op = &self.ops[case.op];
        let key = format!("{} {}", op.method, op.template);
        *self.hits.borrow_mut().entry(key.clone()).or_default() += 1;
        let url = self.url(op, &case).await?;
        let mut req = self.api.http.request(op.method.clone(), url.clone());
        if !case.anonymous {
            if let Some(c) = &self.api.cookie {
                req = req.header("cookie", format!("LtpaToken2={c}"));
            }
        }
        match &case.body {
            Some(Body::Json(v)) => {
                req = req
                    .header("content-type", "application/json")
                    .body(v.to_string())
            }
            Some(Body::Malformed(t)) => {
                req = req
                    .header("content-type", "application/json")
                    .body(t.clone())
            }
            None => {}
        }
        let resp = req.send().await.map_err(|e| fail(format!("{key}: {e}")))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| fail(format!("{key}: {e}")))?;
        let body: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).map_err(|e| {
                fail(format!(
                    "{key} {status}: body is not JSON ({e}): {}",
                    String::from_utf8_lossy(&bytes)
                ))
            })?
        };
        *self
            .statuses
            .borrow_mut()
            .entry(status.as_u16())
            .or_default() += 1;
        let what = format!("{key} {url} body {:?} → {status} {body}", case.body);
        if status.is_server_error() {
            return Err(fail(format!("5xx: {what}")));
        }
        let m = op.method.as_str().to_lowercase();
        let unimplemented =
            op.method == Method::POST && op.template == "/operations/{operation_id}";
        let mut allowed = self.spec.borrow().statuses(&m, &op.template);
        allowed.extend([400, 401, 404, 409]);
        if unimplemented {
            // HCL's multipart rendition callback: not a staging call, not simulated (405).
            allowed = vec![401, 405];
        }
        if !allowed.contains(&status.as_u16()) {
            return Err(fail(format!("status not in {allowed:?}: {what}")));
        }
        let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.spec
                .borrow_mut()
                .check(&m, &op.template, status, &body)
        }));
        if let Err(p) = checked {
            let why = p
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "schema check panicked".into());
            return Err(fail(format!("{why}: {what}")));
        }
        if unimplemented {
            return Ok(());
        }
        // The oracle agrees with jsonschema on whole bodies.
        if let (Some(v), Some(Body::Json(b)), false) = (
            self.body_validators.get(&case.op),
            &case.body,
            case.anonymous,
        ) {
            let mut refused = Vec::new();
            if op.body.as_ref().is_some_and(|s| s["type"] == "array") {
                match b.as_array() {
                    Some(items) => items.iter().for_each(|it| {
                        self.oracle.refused_object(
                            &op.body
                                .as_ref()
                                .map(|s| s["items"].clone())
                                .unwrap_or_default(),
                            it,
                            &mut refused,
                        )
                    }),
                    None => refused.push(String::new()),
                }
            } else if let Some(s) = &op.body {
                self.oracle.refused_object(s, b, &mut refused);
            }
            if v.is_valid(b) != refused.is_empty() {
                return Err(fail(format!(
                    "oracle disagrees with jsonschema ({refused:?}): {what}"
                )));
            }
        }
        let msg = message(&body);
        match self.oracle.expect(op, &case) {
            Expect::Unauthorized => {
                if status != StatusCode::UNAUTHORIZED {
                    return Err(fail(format!("expected 401 without a cookie: {what}")));
                }
            }
            Expect::Refused(fields) => {
                // The simulator names the first refused field it meets, which may be one it
                // checks more strictly than the spec.
                let named = fields.iter().any(|f| f.is_empty())
                    || fields
                        .iter()
                        .map(String::as_str)
                        .chain(stricter(&op.method, &op.template).iter().copied())
                        .any(|f| msg.contains(&format!("`{f}")));
                if status != StatusCode::BAD_REQUEST || !named {
                    return Err(fail(format!(
                        "the spec refuses {fields:?}: expected a 400 naming one: {what}"
                    )));
                }
            }
            Expect::Valid => {
                if status == StatusCode::BAD_REQUEST
                    && !stricter(&op.method, &op.template)
                        .iter()
                        .any(|f| msg.contains(&format!("`{f}")))
                {
                    return Err(fail(format!("the spec allows this input: {what}")));
                }
            }
        }
        Ok(())
    }

    /// Everything stored still validates: the subscriber list, each subscriber, operations,
    /// mismatch logs. Answers 200 and checks each against the spec.
    async fn check_stored(&self) {
        let list = "/staging/subscriber";
        let (st, subs) = self.api.get(&format!("{DAM}{list}")).await;
        let mut answers = vec![(list, st, subs.clone())];
        for id in subs
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["id"].as_str())
        {
            let path = format!("{DAM}{list}/{}", encode_segment(id));
            let (st, one) = self.api.raw(Method::GET, &path, None).await;
            answers.push(("/staging/subscriber/{subscriber_id}", st, one));
        }
        let (st, ops) = self
            .api
            .get(&format!("{DAM}/operations?limit=100000"))
            .await;
        answers.push(("/operations", st, ops));
        let (st, logs) = self.api.get(&format!("{DAM}/staging/mismatches")).await;
        answers.push(("/staging/mismatches", st, logs));
        let mut spec = self.spec.borrow_mut();
        for (template, st, body) in answers {
            assert_eq!(st, StatusCode::OK, "{template}: {body}");
            spec.check("get", template, st, &body);
        }
    }
}

async fn fuzz_env(dir: &std::path::Path) -> RunningEnv {
    let mut c = config(Role::Publisher, dir, "fuzz.db");
    // Find jobs and sync operations of fuzzed hosts give up quickly.
    c.peer_timeout = Duration::from_secs(2);
    c.max_retries = 1;
    start(c).await
}

#[test]
fn every_staging_and_operations_call_follows_hcl_spec_under_fuzzing() {
    let t0 = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().unwrap();
    let env = rt.block_on(fuzz_env(dir.path()));
    let spec = Spec::dam();
    let ops = operations(&spec.doc);
    assert!(
        ops.len() >= 15,
        "staging and operations calls: {}",
        ops.len()
    );
    let api = rt.block_on(async {
        let api = Api::admin(env.url()).await;
        api.seed(1, 3).await;
        api
    });
    let records = rt.block_on(async {
        let mut out = Vec::new();
        for t in ["COLLECTION", "MEDIA_ITEM", "RENDITION", "KEYWORD"] {
            let (_, v) = api
                .get(&format!("{DAM}/staging/records?recordType={t}"))
                .await;
            out.extend(
                v["contents"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r["id"].as_str().map(str::to_string)),
            );
        }
        out
    });
    assert!(!records.is_empty());
    let body_validators = ops
        .iter()
        .enumerate()
        .filter_map(|(i, op)| {
            op.body.as_ref().map(|s| {
                let mut s = s.clone();
                s["components"] = spec.doc["components"].clone();
                (i, validator(&s))
            })
        })
        .collect();
    let strategy = case_strategy(&ops);
    let fuzz = Fuzz {
        api,
        spec: RefCell::new(spec),
        ops,
        oracle: Oracle {
            date_time: validator(&json!({"type": "string", "format": "date-time"})),
        },
        body_validators,
        records,
        hits: RefCell::new(BTreeMap::new()),
        statuses: RefCell::new(BTreeMap::new()),
    };
    let config = Config {
        cases: CASES,
        failure_persistence: None,
        max_shrink_iters: 64,
        max_shrink_time: 20_000,
        rng_algorithm: RngAlgorithm::ChaCha,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, SEED));
    let result = runner.run(&strategy, |case| rt.block_on(fuzz.run(case)));
    if let Err(e) = result {
        panic!("fuzz (seed {:?}) failed: {e}", std::str::from_utf8(SEED));
    }
    // Let running find jobs and sync operations write what they write, then read it all back.
    rt.block_on(async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        fuzz.check_stored().await;
    });
    let hits = fuzz.hits.borrow();
    for op in &fuzz.ops {
        let key = format!("{} {}", op.method, op.template);
        let n = hits.get(&key).copied().unwrap_or(0);
        assert!(n >= 3, "{key} was fuzzed {n} times: {hits:?}");
    }
    let statuses = fuzz.statuses.borrow();
    for s in [200, 400, 401, 404] {
        assert!(statuses.contains_key(&s), "no {s} answer: {statuses:?}");
    }
    eprintln!(
        "fuzz: {} cases, {} answers validated, calls {hits:?}, statuses {statuses:?}, {:.1} s",
        CASES,
        fuzz.spec.borrow().checked,
        t0.elapsed().as_secs_f64()
    );
    drop(hits);
    drop(statuses);
    rt.block_on(env.shutdown());
}

/// The two values the first fuzz found stored and echoed: `Ⱦ` and `2024-01-01T12:99:00Z` as
/// `lastSyncTime` / `lastResyncTime` in POST and PATCH are now a 400 naming the property, and
/// nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn found_date_times_are_refused_and_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let env = fuzz_env(dir.path()).await;
    let api = Api::admin(env.url()).await;
    let mut spec = Spec::dam();
    let list_t = format!("{DAM}/staging/subscriber");
    let id = api.register("127.0.0.1:9").await;
    let one = format!("{list_t}/{id}");
    let (_, before) = api.get(&one).await;
    for field in ["lastSyncTime", "lastResyncTime"] {
        for bad in ["Ⱦ", "2024-01-01T12:99:00Z"] {
            let (st, v) = api
                .call(
                    Method::POST,
                    &list_t,
                    Some(json!({"targetHost": "127.0.0.1:10", field: bad})),
                )
                .await;
            assert_eq!(st, StatusCode::BAD_REQUEST, "POST {field}={bad}: {v}");
            assert!(message(&v).contains(&format!("`{field}`")), "{v}");
            spec.check("post", "/staging/subscriber", st, &v);
            let (st, v) = api
                .call(Method::PATCH, &one, Some(json!({ field: bad })))
                .await;
            assert_eq!(st, StatusCode::BAD_REQUEST, "PATCH {field}={bad}: {v}");
            assert!(message(&v).contains(&format!("`{field}`")), "{v}");
            spec.check("patch", "/staging/subscriber/{subscriber_id}", st, &v);
        }
    }
    let (st, list) = api.get(&list_t).await;
    spec.check("get", "/staging/subscriber", st, &list);
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let (_, after) = api.get(&one).await;
    assert_eq!(after, before, "a refused PATCH changes nothing");

    // Real date-times are still stored and echoed.
    let t = "2024-01-01T12:59:00.000Z";
    let v = api
        .ok(
            Method::PATCH,
            &one,
            Some(json!({"lastSyncTime": t, "lastResyncTime": "2024-02-29T23:59:59+05:30"})),
        )
        .await;
    spec.check(
        "patch",
        "/staging/subscriber/{subscriber_id}",
        StatusCode::OK,
        &v,
    );
    assert_eq!(v["lastSyncTime"], t);
    let (st, v) = api
        .call(
            Method::POST,
            &list_t,
            Some(json!({"targetHost": "127.0.0.1:11", "lastSyncTime": t, "created": t})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    spec.check("post", "/staging/subscriber", st, &v);
    assert_eq!(v["lastSyncTime"], t);
    env.shutdown().await;
}
