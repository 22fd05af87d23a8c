//! cty msgpack codec.
