//! cty types and their JSON representation (the form used in schemas and in
//! msgpack/JSON encodings of dynamically-typed values).

use std::collections::BTreeMap;

/// A cty type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    /// `bool`
    Bool,
    /// `number`: arbitrary-precision decimal.
    Number,
    /// `string`
    String,
    /// `list(T)`
    List(Box<Type>),
    /// `set(T)`
    Set(Box<Type>),
    /// `map(T)`
    Map(Box<Type>),
    /// `tuple([T...])`
    Tuple(Vec<Type>),
    /// `object({name = T, ...})`; `optional` lists attributes declared optional
    /// (only meaningful for type constraints; usually empty).
    Object(BTreeMap<String, Type>),
    /// `dynamic`: the pseudo-type whose values carry their own type on the wire.
    Dynamic,
}
