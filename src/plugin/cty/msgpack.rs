//! cty msgpack codec: the encoding of `DynamicValue.msgpack`.
//! (Skeleton: the cty codec work replaces the bodies.)

use super::{Type, Value};

/// Why msgpack bytes could not be decoded as a value of a type.
#[derive(Debug, thiserror::Error)]
#[error("invalid msgpack value: {0}")]
pub struct DecodeError(pub String);

/// Why a value could not be encoded as a type.
#[derive(Debug, thiserror::Error)]
#[error("cannot encode value: {0}")]
pub struct EncodeError(pub String);

/// Decodes msgpack `bytes` as a value of type `ty`.
pub fn decode(_bytes: &[u8], _ty: &Type) -> Result<Value, DecodeError> {
    Err(DecodeError("not implemented yet".into()))
}

/// Encodes `value` as type `ty`.
pub fn encode(_value: &Value, _ty: &Type) -> Result<Vec<u8>, EncodeError> {
    Err(EncodeError("not implemented yet".into()))
}
