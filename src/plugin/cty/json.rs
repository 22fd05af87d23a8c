//! cty JSON codec: the encoding of `DynamicValue.json` and of raw state.
//! (Skeleton: the cty codec work replaces the bodies.)

use super::{Type, Value};

/// Why JSON bytes could not be decoded as a value of a type.
#[derive(Debug, thiserror::Error)]
#[error("invalid JSON value: {0}")]
pub struct DecodeError(pub String);

/// Why a value could not be encoded as a type.
#[derive(Debug, thiserror::Error)]
#[error("cannot encode value: {0}")]
pub struct EncodeError(pub String);

/// Decodes JSON `bytes` as a value of type `ty`.
pub fn decode(_bytes: &[u8], _ty: &Type) -> Result<Value, DecodeError> {
    Err(DecodeError("not implemented yet".into()))
}

/// Encodes `value` as type `ty` (unknown values cannot be encoded in JSON).
pub fn encode(_value: &Value, _ty: &Type) -> Result<Vec<u8>, EncodeError> {
    Err(EncodeError("not implemented yet".into()))
}

/// Parses a cty type from its JSON form (`"string"`, `["list","string"]`, ...).
pub fn decode_type(_bytes: &[u8]) -> Result<Type, DecodeError> {
    Err(DecodeError("not implemented yet".into()))
}

/// Encodes a cty type in its JSON form.
pub fn encode_type(_ty: &Type) -> Vec<u8> {
    Vec::new()
}
