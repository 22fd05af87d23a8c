//! The bodies of the fuzz targets: each takes arbitrary bytes, feeds them to
//! a decoder that sees untrusted input, and panics when a property fails.
//!
//! Used twice: by the libFuzzer targets in `fuzz/fuzz_targets/` (built by
//! `scripts/fuzz`), and by `tests/fuzz_regressions.rs`, which includes this
//! file as a module and replays every file of `fuzz/corpus/<target>/`
//! through [`TARGETS`] under a plain `cargo test`. So this file must only use
//! the provider crate and its ordinary dependencies.
//!
//! The properties:
//! * `cty_msgpack`: decoding never panics, against each of [`msgpack_types`];
//!   what decodes re-encodes, and the re-encoding decodes to the same value
//!   (refinements of unknowns may only weaken, see [`same_value`]); a value
//!   that is wholly known also survives a JSON round trip.
//! * `cty_json`: the same for the JSON value codec (JSON has no unknowns),
//!   with a msgpack round trip as the cross-check; and `decode_type` of the
//!   bytes, when it succeeds, re-encodes to a type that decodes equal.
//! * `problem_detail`: a problem document parses (both ways the client
//!   does), and rendering it as an error and as diagnostics, with each
//!   violation split into field and message, never panics.
//! * `import_id`: parsing never panics, and an accepted `(project, name)`
//!   formats back to an ID that parses to the same pair.

use std::collections::BTreeMap;

use terraform_provider_maia::api::error::ApiError;
use terraform_provider_maia::api::models::ProblemDetail;
use terraform_provider_maia::plugin::cty::{json, msgpack, Type, Value};
use terraform_provider_maia::resources::api_diagnostics::{from_api_error, Operation};
use terraform_provider_maia::resources::connection::{import_id, schema, violations};

/// A fuzz target: a name (also its corpus folder) and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, by name.
pub const TARGETS: &[Target] = &[
    ("cty_msgpack", cty_msgpack),
    ("cty_json", cty_json),
    ("problem_detail", problem_detail),
    ("import_id", import_id),
];

fn list(t: Type) -> Type {
    Type::List(Box::new(t))
}

fn set(t: Type) -> Type {
    Type::Set(Box::new(t))
}

fn map(t: Type) -> Type {
    Type::Map(Box::new(t))
}

fn object(attrs: &[(&str, Type)]) -> Type {
    Type::Object(
        attrs
            .iter()
            .map(|(k, t)| ((*k).to_string(), t.clone()))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// The types every value input is decoded as: the connection resource's
/// state type, `dynamic` (whose values carry any type on the wire), and a
/// few nested collection, tuple and object types.
pub fn msgpack_types() -> Vec<(&'static str, Type)> {
    vec![
        ("connection", schema::schema().block.implied_type()),
        ("dynamic", Type::Dynamic),
        ("list(string)", list(Type::String)),
        ("set(number)", set(Type::Number)),
        ("map(list(bool))", map(list(Type::Bool))),
        (
            "object(nested)",
            object(&[
                ("a", list(Type::Dynamic)),
                (
                    "b",
                    set(object(&[("x", Type::String), ("y", Type::Number)])),
                ),
                ("c", map(set(Type::String))),
                (
                    "d",
                    Type::Tuple(vec![Type::String, Type::Number, Type::Dynamic]),
                ),
            ]),
        ),
        ("set(dynamic)", set(Type::Dynamic)),
    ]
}

/// Whether `again` (a value after a round trip) is `original`: equal, except
/// that the refinements of an unknown may have weakened (a `not_null` lost,
/// a string prefix shortened or dropped), as the encoders are allowed to do.
pub fn same_value(original: &Value, again: &Value) -> bool {
    match (original, again) {
        (Value::Unknown(a), Value::Unknown(b)) => {
            (a.not_null || !b.not_null)
                && match (&a.string_prefix, &b.string_prefix) {
                    (_, None) => true,
                    (Some(a), Some(b)) => a.starts_with(b.as_str()),
                    (None, Some(_)) => false,
                }
        }
        (Value::List(a), Value::List(b))
        | (Value::Set(a), Value::Set(b))
        | (Value::Tuple(a), Value::Tuple(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_value(a, b))
        }
        (Value::Map(a), Value::Map(b)) | (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ka, a), (kb, b))| ka == kb && same_value(a, b))
        }
        (a, b) => a == b,
    }
}

/// Encodes `value` as msgpack of `ty` and decodes it again: panics unless
/// that works and gives the same value; then checks the result is a fixed
/// point (a second round trip is exact).
fn msgpack_round_trip(value: &Value, ty: &Type, what: &str) {
    let bytes = msgpack::encode(value, ty).unwrap_or_else(|e| {
        panic!("{what}: decoded value does not msgpack-encode: {e}; value {value:?}")
    });
    let again = msgpack::decode(&bytes, ty).unwrap_or_else(|e| {
        panic!(
            "{what}: msgpack re-encoding does not decode: {e}; value {value:?}, bytes {bytes:02x?}"
        )
    });
    assert!(
        same_value(value, &again),
        "{what}: msgpack round trip changed the value: {value:?} became {again:?}"
    );
    let bytes2 = msgpack::encode(&again, ty)
        .unwrap_or_else(|e| panic!("{what}: round-tripped value does not msgpack-encode: {e}"));
    let third = msgpack::decode(&bytes2, ty)
        .unwrap_or_else(|e| panic!("{what}: second msgpack re-encoding does not decode: {e}"));
    assert_eq!(
        third, again,
        "{what}: second msgpack round trip is not exact"
    );
}

/// Encodes a wholly known `value` as JSON of `ty` and decodes it again:
/// panics unless that works and gives the same value.
fn json_round_trip(value: &Value, ty: &Type, what: &str) {
    let bytes = json::encode(value, ty)
        .unwrap_or_else(|e| panic!("{what}: value does not JSON-encode: {e}; value {value:?}"));
    let again = json::decode(&bytes, ty).unwrap_or_else(|e| {
        panic!(
            "{what}: JSON re-encoding does not decode: {e}; value {value:?}, JSON {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    assert_eq!(
        &again,
        value,
        "{what}: JSON round trip changed the value (JSON {})",
        String::from_utf8_lossy(&bytes)
    );
}

/// Target `cty_msgpack`: `msgpack::decode` against every type of
/// [`msgpack_types`], with the round-trip properties.
pub fn cty_msgpack(data: &[u8]) {
    for (name, ty) in msgpack_types() {
        if let Ok(value) = msgpack::decode(data, &ty) {
            msgpack_round_trip(&value, &ty, name);
            if value.is_wholly_known() {
                json_round_trip(&value, &ty, name);
            }
        }
    }
}

/// Target `cty_json`: `json::decode` against every type of
/// [`msgpack_types`] with the round-trip properties, and `json::decode_type`
/// with its own.
pub fn cty_json(data: &[u8]) {
    for (name, ty) in msgpack_types() {
        if let Ok(value) = json::decode(data, &ty) {
            assert!(
                value.is_wholly_known(),
                "{name}: JSON decoded to an unknown value: {value:?}"
            );
            json_round_trip(&value, &ty, name);
            msgpack_round_trip(&value, &ty, name);
        }
    }
    if let Ok(ty) = json::decode_type(data) {
        let text = json::encode_type(&ty);
        let again = json::decode_type(&text).unwrap_or_else(|e| {
            panic!(
                "type {ty:?} encodes as {} which does not decode: {e}",
                String::from_utf8_lossy(&text)
            )
        });
        assert_eq!(again, ty, "type JSON round trip changed the type");
    }
}

/// Target `problem_detail`: parse a problem document as the client does,
/// then render it as an error message and as diagnostics for each status the
/// provider treats differently.
pub fn problem_detail(data: &[u8]) {
    let direct = serde_json::from_slice::<ProblemDetail>(data).ok();
    // The client's path: any JSON object, then the problem fields from it.
    let via_value = serde_json::from_slice::<serde_json::Value>(data)
        .ok()
        .filter(serde_json::Value::is_object)
        .and_then(|v| serde_json::from_value::<ProblemDetail>(v).ok());
    for problem in [direct, via_value].into_iter().flatten() {
        let _ = problem.summary();
        for v in &problem.violations {
            let (path, message) = violations::split_violation(v);
            if let Some(path) = path {
                let _ = path.to_string();
            }
            assert!(
                message.len() <= v.len(),
                "split_violation made a message longer than the violation"
            );
        }
        let op = Operation {
            verb: "create",
            object: "connection \"x\" in project 550e8400-e29b-41d4-a716-446655440002",
            credentials_used: "client credentials from the provider block",
        };
        let status_from_body = problem
            .status
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or(400);
        let errors = [
            ApiError::Problem {
                status: 400,
                problem: problem.clone(),
            },
            ApiError::Problem {
                status: status_from_body,
                problem: problem.clone(),
            },
            ApiError::Unauthorized {
                status: 401,
                problem: Some(problem.clone()),
            },
            ApiError::Forbidden {
                status: 403,
                problem: Some(problem.clone()),
            },
            ApiError::NotFound {
                problem: Some(problem.clone()),
            },
            ApiError::Conflict {
                problem: Some(problem.clone()),
            },
        ];
        for err in &errors {
            let _ = err.to_string();
            let diags = from_api_error(err, op, &violations::split_violation);
            let _ = format!("{diags:?}");
        }
    }
}

/// Target `import_id`: `import_id::parse` of the bytes (as UTF-8, lossily),
/// and an accepted pair formats back to an ID that parses to the same pair.
pub fn import_id(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match import_id::parse(&text) {
        Ok((project, name)) => {
            let id = format!("{project}/{name}");
            assert_eq!(
                import_id::parse(&id),
                Ok((project.clone(), name.clone())),
                "the import ID {id:?} does not parse back to its parts"
            );
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}
