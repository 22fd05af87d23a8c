//! `DynamicValue` and raw-state codecs: protobuf bytes to cty [`Value`]s of a
//! known type and back, with failures turned into user-facing diagnostics.

use crate::plugin::cty::{json, msgpack, Type, Value};
use crate::plugin::diagnostics::Diagnostic;
use crate::plugin::proto::tfplugin6 as pb;

/// Why a value could not cross the protocol boundary.
#[derive(Debug, thiserror::Error)]
pub enum DynamicValueError {
    /// Terraform sent msgpack bytes that do not fit the schema type.
    #[error("the {field} value is not valid msgpack for its schema: {source}")]
    Msgpack {
        /// Which request field.
        field: &'static str,
        /// The codec's reason.
        #[source]
        source: msgpack::DecodeError,
    },
    /// Terraform sent JSON bytes that do not fit the schema type.
    #[error("the {field} value is not valid JSON for its schema: {source}")]
    Json {
        /// Which request field.
        field: &'static str,
        /// The codec's reason.
        #[source]
        source: json::DecodeError,
    },
    /// Stored state is not JSON at all.
    #[error("the {field} value is not JSON: {source}")]
    NotJson {
        /// Which request field.
        field: &'static str,
        /// The parser's reason.
        #[source]
        source: serde_json::Error,
    },
    /// The provider produced a value that does not fit its own schema type.
    #[error("the {field} value does not match the schema: {source}")]
    Encode {
        /// Which response field.
        field: &'static str,
        /// The codec's reason.
        #[source]
        source: msgpack::EncodeError,
    },
}

impl DynamicValueError {
    /// The diagnostic shown to the user for this error.
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            DynamicValueError::Encode { field, .. } => Diagnostic::error(
                format!("Provider produced an invalid {field} value"),
                format!(
                    "The provider could not encode its answer: {self}. This is a bug in the provider; please report it."
                ),
            ),
            DynamicValueError::Msgpack { field, .. }
            | DynamicValueError::Json { field, .. }
            | DynamicValueError::NotJson { field, .. } => Diagnostic::error(
                format!("Invalid {field} value received"),
                format!(
                    "The provider could not decode the value Terraform sent: {self}. This can happen when the state or plan was written by a different provider version, or by a Terraform version this provider does not support."
                ),
            ),
        }
    }
}

impl From<DynamicValueError> for Diagnostic {
    fn from(e: DynamicValueError) -> Self {
        e.to_diagnostic()
    }
}

/// A codec error as diagnostics (for `map_err`).
pub fn diag(e: DynamicValueError) -> crate::plugin::diagnostics::Diagnostics {
    e.to_diagnostic().into()
}

/// Whether a `DynamicValue` carries no bytes at all (not even a msgpack nil).
pub fn is_empty(dv: Option<&pb::DynamicValue>) -> bool {
    dv.is_none_or(|d| d.msgpack.is_empty() && d.json.is_empty())
}

/// Decodes a `DynamicValue` against `ty`: msgpack when present, else JSON.
/// An absent or empty value decodes as `Null`.
pub fn decode(
    dv: Option<&pb::DynamicValue>,
    ty: &Type,
    field: &'static str,
) -> Result<Value, DynamicValueError> {
    let Some(dv) = dv else {
        return Ok(Value::Null);
    };
    if !dv.msgpack.is_empty() {
        msgpack::decode(&dv.msgpack, ty)
            .map_err(|source| DynamicValueError::Msgpack { field, source })
    } else if !dv.json.is_empty() {
        json::decode(&dv.json, ty).map_err(|source| DynamicValueError::Json { field, source })
    } else {
        Ok(Value::Null)
    }
}

/// Encodes `value` as a msgpack `DynamicValue` of type `ty`.
pub fn encode(
    value: &Value,
    ty: &Type,
    field: &'static str,
) -> Result<pb::DynamicValue, DynamicValueError> {
    let msgpack =
        msgpack::encode(value, ty).map_err(|source| DynamicValueError::Encode { field, source })?;
    Ok(pb::DynamicValue {
        msgpack,
        json: Vec::new(),
    })
}

/// Decodes stored JSON state (or identity) against the current type.
///
/// State written by an older provider build at the same schema version may
/// hold attributes the schema no longer has, or lack new ones. When the
/// strict decode fails, the JSON is reshaped to the type (unknown attributes
/// dropped, missing ones null) and decoded again; the strict first try keeps
/// numbers byte-exact in the common case.
pub fn decode_raw_json(
    bytes: &[u8],
    ty: &Type,
    field: &'static str,
) -> Result<Value, DynamicValueError> {
    match json::decode(bytes, ty) {
        Ok(v) => Ok(v),
        Err(strict) => {
            let parsed: serde_json::Value = serde_json::from_slice(bytes)
                .map_err(|source| DynamicValueError::NotJson { field, source })?;
            let reshaped = reshape(parsed, ty);
            let again = serde_json::to_vec(&reshaped)
                .map_err(|source| DynamicValueError::NotJson { field, source })?;
            json::decode(&again, ty).map_err(|_| DynamicValueError::Json {
                field,
                source: strict,
            })
        }
    }
}

/// Makes a JSON value fit the shape of `ty`: object attributes not in the
/// type are dropped and missing ones become `null`, recursively.
pub fn reshape(v: serde_json::Value, ty: &Type) -> serde_json::Value {
    use serde_json::Value as J;
    match (v, ty) {
        (J::Object(mut m), Type::Object(attrs)) => {
            let mut out = serde_json::Map::new();
            for (name, aty) in attrs {
                let inner = m.remove(name).unwrap_or(J::Null);
                out.insert(name.clone(), reshape(inner, aty));
            }
            J::Object(out)
        }
        (J::Object(m), Type::Map(ety)) => {
            J::Object(m.into_iter().map(|(k, v)| (k, reshape(v, ety))).collect())
        }
        (J::Array(a), Type::List(ety) | Type::Set(ety)) => {
            J::Array(a.into_iter().map(|v| reshape(v, ety)).collect())
        }
        (J::Array(a), Type::Tuple(etys)) if a.len() == etys.len() => J::Array(
            a.into_iter()
                .zip(etys)
                .map(|(v, t)| reshape(v, t))
                .collect(),
        ),
        (v, _) => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn obj(attrs: &[(&str, Type)]) -> Type {
        Type::Object(
            attrs
                .iter()
                .map(|(k, t)| ((*k).to_string(), t.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    #[test]
    fn reshape_drops_unknown_and_fills_missing_attributes() {
        let ty = obj(&[
            ("id", Type::String),
            (
                "rules",
                Type::List(Box::new(obj(&[("port", Type::Number)]))),
            ),
        ]);
        let got = reshape(
            json!({"id": "x", "gone": true, "rules": [{"port": 1, "old": "y"}, {}]}),
            &ty,
        );
        assert_eq!(
            got,
            json!({"id": "x", "rules": [{"port": 1}, {"port": null}]})
        );
    }

    #[test]
    fn reshape_leaves_dynamic_and_mismatches_alone() {
        assert_eq!(reshape(json!({"a": 1}), &Type::Dynamic), json!({"a": 1}));
        assert_eq!(reshape(json!("s"), &obj(&[])), json!("s"));
    }

    #[test]
    fn absent_or_empty_dynamic_value_is_null() {
        assert_eq!(
            decode(None, &Type::String, "config").ok(),
            Some(Value::Null)
        );
        let empty = pb::DynamicValue::default();
        assert!(is_empty(Some(&empty)));
        assert_eq!(
            decode(Some(&empty), &Type::String, "config").ok(),
            Some(Value::Null)
        );
    }

    #[test]
    fn decode_error_names_the_field() {
        // 0xc1 is never valid msgpack.
        let dv = pb::DynamicValue {
            msgpack: vec![0xc1],
            json: Vec::new(),
        };
        let err = decode(Some(&dv), &Type::String, "prior_state").err();
        let d = err.map(|e| e.to_diagnostic()).expect("must fail");
        assert!(d.summary.contains("prior_state"), "{}", d.summary);
    }
}
