//! cty types and their JSON representation (the form used in schemas and in
//! msgpack/JSON encodings of dynamically-typed values).

use std::collections::BTreeMap;

use super::Value;

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

/// Why no single type can describe a value (see [`Type::implied_by`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot determine the type of a value: {0}")]
pub struct ImpliedTypeError(pub String);

impl Type {
    /// Whether this is `list`, `set` or `map` (cty's "collection types").
    pub fn is_collection(&self) -> bool {
        matches!(self, Type::List(_) | Type::Set(_) | Type::Map(_))
    }

    /// The concrete type a value implies, used to encode values where the
    /// schema says `dynamic` (values do not carry their type).
    ///
    /// Wherever the value gives no evidence (nulls, unknowns, empty
    /// collections) the result says `dynamic`. Collection elements must agree
    /// on one type, `dynamic` parts being filled in from other elements.
    /// The top-level value should itself be known and not null.
    pub fn implied_by(value: &Value) -> Result<Type, ImpliedTypeError> {
        implied(value, 0)
    }
}

/// Deepest nesting [`Type::implied_by`] walks into.
const MAX_IMPLIED_DEPTH: usize = 512;

fn implied(value: &Value, depth: usize) -> Result<Type, ImpliedTypeError> {
    if depth > MAX_IMPLIED_DEPTH {
        return Err(ImpliedTypeError("value is nested too deeply".into()));
    }
    let element_type = |elems: &mut dyn Iterator<Item = &Value>| -> Result<Type, ImpliedTypeError> {
        let mut ty = Type::Dynamic;
        for e in elems {
            ty = unify(ty, implied(e, depth + 1)?)?;
        }
        Ok(ty)
    };
    Ok(match value {
        Value::Null | Value::Unknown(_) => Type::Dynamic,
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(v) => Type::List(Box::new(element_type(&mut v.iter())?)),
        Value::Set(v) => Type::Set(Box::new(element_type(&mut v.iter())?)),
        Value::Map(m) => Type::Map(Box::new(element_type(&mut m.values())?)),
        Value::Tuple(v) => Type::Tuple(
            v.iter()
                .map(|e| implied(e, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(m) => Type::Object(
            m.iter()
                .map(|(k, e)| Ok((k.clone(), implied(e, depth + 1)?)))
                .collect::<Result<_, ImpliedTypeError>>()?,
        ),
    })
}

/// The most specific type both `a` and `b` fit, treating `dynamic` as "no
/// evidence yet".
fn unify(a: Type, b: Type) -> Result<Type, ImpliedTypeError> {
    let mismatch = |a: &Type, b: &Type| {
        ImpliedTypeError(format!("elements have inconsistent types {a:?} and {b:?}"))
    };
    Ok(match (a, b) {
        (Type::Dynamic, t) | (t, Type::Dynamic) => t,
        (Type::List(x), Type::List(y)) => Type::List(Box::new(unify(*x, *y)?)),
        (Type::Set(x), Type::Set(y)) => Type::Set(Box::new(unify(*x, *y)?)),
        (Type::Map(x), Type::Map(y)) => Type::Map(Box::new(unify(*x, *y)?)),
        (Type::Tuple(x), Type::Tuple(y)) if x.len() == y.len() => Type::Tuple(
            x.into_iter()
                .zip(y)
                .map(|(x, y)| unify(x, y))
                .collect::<Result<_, _>>()?,
        ),
        (Type::Object(x), Type::Object(y)) if x.keys().eq(y.keys()) => Type::Object(
            x.into_iter()
                .zip(y)
                .map(|((k, x), (_, y))| Ok((k, unify(x, y)?)))
                .collect::<Result<_, ImpliedTypeError>>()?,
        ),
        (a, b) if a == b => a,
        (a, b) => return Err(mismatch(&a, &b)),
    })
}
