//! cty values.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use bigdecimal::BigDecimal;

/// An arbitrary-precision decimal number, as cty's `number`.
///
/// `0.1`, `1e20` and `2^70` are all represented exactly.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number(pub BigDecimal);

impl Number {
    /// The number as an `i64`, when it is an integer in range.
    pub fn to_i64(&self) -> Option<i64> {
        use bigdecimal::ToPrimitive;
        if self.0.is_integer() {
            self.0.to_i64()
        } else {
            None
        }
    }

    /// The number as the nearest `f64`.
    pub fn to_f64(&self) -> f64 {
        use bigdecimal::ToPrimitive;
        self.0.to_f64().unwrap_or(f64::NAN)
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Self {
        Number(BigDecimal::from(v))
    }
}

impl FromStr for Number {
    type Err = bigdecimal::ParseBigDecimalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BigDecimal::from_str(s).map(Number)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.normalized())
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// What is known about an unknown value (cty "refinements"). Only the parts
/// this project uses are kept; the rest is dropped on decode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refinements {
    /// The value is known not to be null.
    pub not_null: bool,
    /// For strings: a known prefix.
    pub string_prefix: Option<String>,
}

/// A cty value. The type travels separately (see [`super::Type`]).
///
/// Sets are kept as a vector of distinct elements in wire order.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Value {
    /// A null value of any type.
    #[default]
    Null,
    /// A value not yet known (during plan), with what is known about it.
    Unknown(Refinements),
    /// A `bool`.
    Bool(bool),
    /// A `number`.
    Number(Number),
    /// A `string`.
    String(String),
    /// A `list(T)`.
    List(Vec<Value>),
    /// A `set(T)`.
    Set(Vec<Value>),
    /// A `map(T)`.
    Map(BTreeMap<String, Value>),
    /// A `tuple`.
    Tuple(Vec<Value>),
    /// An `object`.
    Object(BTreeMap<String, Value>),
}

impl Value {
    /// An unknown value with no refinements.
    pub fn unknown() -> Self {
        Value::Unknown(Refinements::default())
    }

    /// Whether this is `Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether this value itself is unknown (not looking inside).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }

    /// Whether this value is known all the way down.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                v.iter().all(Value::is_wholly_known)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// The string inside a known `String`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The bool inside a known `Bool`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number inside a known `Number`.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The attributes of a known object or map.
    pub fn as_object(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Object(m) | Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The elements of a known list, set or tuple.
    pub fn as_elements(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// An attribute of an object; `Null` when absent or when `self` is not an object.
    pub fn get_attr(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        match self {
            Value::Object(m) | Value::Map(m) => m.get(name).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    /// Convenience: an object from `(name, value)` pairs.
    pub fn object<I, K>(attrs: I) -> Self
    where
        I: IntoIterator<Item = (K, Value)>,
        K: Into<String>,
    {
        Value::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// Convenience: a known string.
    pub fn string(s: impl Into<String>) -> Self {
        Value::String(s.into())
    }
}
