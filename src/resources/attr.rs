//! Reading typed values out of cty objects, keeping "unknown" and "null" apart.

use crate::plugin::cty::Value;

/// A configuration value as Terraform sees it at plan time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attr<T> {
    /// Not set.
    Null,
    /// Not yet known (computed from something else); validated at apply.
    Unknown,
    /// Set to a known value.
    Known(T),
}

impl<T> Attr<T> {
    /// The known value, if any.
    pub fn known(&self) -> Option<&T> {
        match self {
            Attr::Known(v) => Some(v),
            _ => None,
        }
    }

    /// Whether the value is set (known or not).
    pub fn is_set(&self) -> bool {
        !matches!(self, Attr::Null)
    }

    /// Whether the value is unknown.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Attr::Unknown)
    }
}

impl<T: Clone> Attr<T> {
    /// The known value, cloned, or `None` when null or unknown.
    pub fn to_option(&self) -> Option<T> {
        self.known().cloned()
    }
}

/// A string attribute of `obj`.
pub fn string(obj: &Value, name: &str) -> Attr<String> {
    match obj.get_attr(name) {
        Value::Null => Attr::Null,
        Value::String(s) => Attr::Known(s.clone()),
        // A refined unknown, or a value of another type (cannot happen with a
        // schema-typed object): treat as not yet known.
        _ => Attr::Unknown,
    }
}

/// An integer attribute of `obj`; numbers that are not integers are `Unknown`
/// here and rejected by validation.
pub fn integer(obj: &Value, name: &str) -> Attr<i64> {
    match obj.get_attr(name) {
        Value::Null => Attr::Null,
        Value::Number(n) => match n.to_i64() {
            Some(i) => Attr::Known(i),
            None => Attr::Unknown,
        },
        _ => Attr::Unknown,
    }
}

/// The single object of a `max_items = 1` list block, if present.
///
/// `Attr::Unknown` when the block list itself is unknown (a `dynamic` block
/// over an unknown collection).
pub fn single_block<'a>(obj: &'a Value, name: &str) -> Attr<&'a Value> {
    match obj.get_attr(name) {
        Value::Null => Attr::Null,
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => match items.first() {
            None => Attr::Null,
            Some(Value::Unknown(_)) => Attr::Unknown,
            Some(first) => Attr::Known(first),
        },
        Value::Unknown(_) => Attr::Unknown,
        other @ Value::Object(_) => Attr::Known(other),
        _ => Attr::Unknown,
    }
}

/// A known string, or null.
pub fn opt_string(v: Option<&str>) -> Value {
    match v {
        Some(s) => Value::String(s.to_string()),
        None => Value::Null,
    }
}
