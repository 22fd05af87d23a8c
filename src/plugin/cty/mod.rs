//! cty: Terraform's type system and value model, with the two wire codecs
//! Terraform uses to move values across the plugin protocol.
//!
//! Values are untyped trees; the [`Type`] travels separately, exactly as in the
//! protocol (a `DynamicValue` is decoded against the schema's implied type).

pub mod json;
pub mod msgpack;
pub mod path;
mod types;
mod value;

pub use path::{AttributePath, PathStep};
pub use types::{ImpliedTypeError, Type};
pub use value::{
    Number, NumberTextError, Refinements, Value, MAX_NUMBER_DIGITS, MAX_NUMBER_EXPONENT,
};
