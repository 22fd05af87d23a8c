//! cty JSON codec.
