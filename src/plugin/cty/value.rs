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
    ///
    /// Cheap even for numbers with huge exponents: out-of-range magnitudes
    /// are rejected before any big-integer arithmetic.
    pub fn to_i64(&self) -> Option<i64> {
        use bigdecimal::ToPrimitive;
        let (digits, scale) = self.0.as_bigint_and_exponent();
        if digits.sign() == bigdecimal::num_bigint::Sign::NoSign {
            return Some(0);
        }
        if scale <= 0 {
            // digits * 10^-scale with digits != 0: beyond i64 once -scale > 18.
            let power = 10i64.checked_pow(u32::try_from(-scale).ok()?)?;
            return digits.to_i64()?.checked_mul(power);
        }
        // digits / 10^scale is an integer only if |digits| >= 10^scale.
        let max_decimal_digits = digits.bits() / 3 + 1;
        if scale.unsigned_abs() > max_decimal_digits {
            return None;
        }
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

/// Largest number of digits (after leading zeros) accepted when parsing a
/// number's text. cty keeps 512 bits, about 155 significant digits, but its
/// plain-notation text can be longer (the exact smallest float64 needs 751);
/// the bound keeps hostile input from costing quadratic big-integer time.
pub const MAX_NUMBER_DIGITS: usize = 1200;

/// Largest magnitude of a decimal exponent accepted when parsing a number's
/// text, both as written and of the number itself in scientific notation. Bounded so that hostile input like `1e999999999` cannot make later
/// arithmetic (integer checks, formatting) allocate without limit.
pub const MAX_NUMBER_EXPONENT: i64 = 4096;

/// Numbers whose scale lies within this many places of zero are written in
/// plain decimal notation (as Terraform does); others in scientific notation.
const PLAIN_NOTATION_MAX_SCALE: i64 = 1100;

/// Why a text is not a cty number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberTextError {
    /// Not decimal number syntax at all.
    #[error("{0:?} is not a valid number")]
    Syntax(String),
    /// An infinity, which this project's numbers cannot hold.
    #[error("infinite numbers are not supported")]
    Infinite,
    /// A NaN, which cty does not allow.
    #[error("NaN is not a number")]
    NotANumber,
    /// Too many digits or too large an exponent.
    #[error("number {0:?} is out of the supported range")]
    OutOfRange(String),
}

impl Number {
    /// Parses a number from its wire text, as cty accepts it: an optional
    /// sign, decimal digits with an optional fraction, an optional exponent
    /// (`-12.5e3`, `+.5`, `7.`). Infinities and NaN are refused with their own
    /// error; size is bounded by [`MAX_NUMBER_DIGITS`]/[`MAX_NUMBER_EXPONENT`].
    pub fn parse_text(text: &str) -> Result<Number, NumberTextError> {
        let syntax = || NumberTextError::Syntax(truncate_for_message(text));
        let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
        let lower = unsigned.to_ascii_lowercase();
        if lower == "inf" || lower == "infinity" {
            return Err(NumberTextError::Infinite);
        }
        if lower == "nan" {
            return Err(NumberTextError::NotANumber);
        }
        let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
            Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
            None => (unsigned, None),
        };
        let (int_part, frac_part) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int_part.is_empty() && frac_part.is_empty())
            || !all_digits(int_part)
            || !all_digits(frac_part)
        {
            return Err(syntax());
        }
        let significant = if int_part.trim_start_matches('0').is_empty() {
            frac_part.trim_start_matches('0').len()
        } else {
            int_part.trim_start_matches('0').len() + frac_part.len()
        };
        if significant > MAX_NUMBER_DIGITS {
            return Err(NumberTextError::OutOfRange(truncate_for_message(text)));
        }
        if let Some(exp) = exponent {
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || !all_digits(digits) {
                return Err(syntax());
            }
            let magnitude = digits.trim_start_matches('0');
            let too_large = magnitude.len() > 6
                || (!magnitude.is_empty()
                    && magnitude.parse::<i64>().unwrap_or(i64::MAX) > MAX_NUMBER_EXPONENT);
            if too_large {
                return Err(NumberTextError::OutOfRange(truncate_for_message(text)));
            }
        }
        // The text is now plain decimal syntax that BigDecimal accepts; it
        // rejects forms like "5." though, so rebuild a canonical spelling.
        let sign = if text.starts_with('-') { "-" } else { "" };
        let int_part = if int_part.is_empty() { "0" } else { int_part };
        let mut canonical = format!("{sign}{int_part}");
        if !frac_part.is_empty() {
            canonical.push('.');
            canonical.push_str(frac_part);
        }
        if let Some(exp) = exponent {
            canonical.push('e');
            canonical.push_str(exp);
        }
        let number = BigDecimal::from_str(&canonical).map_err(|_| syntax())?;
        // Bound the number's own exponent too, not only the one written:
        // "12e4096" is 1.2e4097, and `to_text` writes that form, which must
        // parse back.
        let normalized = number.normalized();
        let (_, scale) = normalized.as_bigint_and_exponent();
        let adjusted = normalized.digits() as i64 - 1 - scale;
        if adjusted.abs() > MAX_NUMBER_EXPONENT {
            return Err(NumberTextError::OutOfRange(truncate_for_message(text)));
        }
        Ok(Number(number))
    }

    /// Whether the number's scale is small enough for exact integer and
    /// float conversions to be cheap (always true for parsed wire numbers).
    pub fn has_moderate_scale(&self) -> bool {
        let (_, scale) = self.0.as_bigint_and_exponent();
        scale.unsigned_abs() <= (2 * MAX_NUMBER_EXPONENT) as u64 + MAX_NUMBER_DIGITS as u64
    }

    /// The number as an `f64`, only when the `f64` is exactly this number.
    pub fn to_exact_f64(&self) -> Option<f64> {
        use bigdecimal::ToPrimitive;
        if !self.has_moderate_scale() {
            return None;
        }
        // d * 10^k (k > 22, d without trailing zeros) has an odd factor 5^k
        // wider than a float64 mantissa, and d / 10^k (k > 1074) is below
        // the smallest subnormal: neither is ever exact, so skip the work.
        // Stripping trailing zeros only lowers the scale, so the first test
        // holds on the raw scale; the second needs the normalized one.
        let (_, mut scale) = self.0.as_bigint_and_exponent();
        if scale > 1074 {
            scale = self.0.normalized().as_bigint_and_exponent().1;
        }
        if !(-22..=1074).contains(&scale) {
            return None;
        }
        let f = self.0.to_f64()?;
        if !f.is_finite() {
            return None;
        }
        let back = BigDecimal::try_from(f).ok()?;
        (back == self.0).then_some(f)
    }

    /// The number exactly equal to a finite `f64` (`None` for NaN/infinity).
    /// Negative zero becomes zero.
    pub fn from_f64_exact(f: f64) -> Option<Number> {
        if !f.is_finite() {
            return None;
        }
        BigDecimal::try_from(f).ok().map(Number)
    }

    /// The number's wire text: plain decimal notation (`0.1`,
    /// `1180591620717411303424`) like Terraform writes, switching to
    /// scientific notation only for extreme exponents.
    pub fn to_text(&self) -> String {
        let (_, scale) = self.0.as_bigint_and_exponent();
        if scale.abs() <= PLAIN_NOTATION_MAX_SCALE {
            let mut text = self.0.to_plain_string();
            if text.contains('.') {
                let kept = text.trim_end_matches('0').trim_end_matches('.').len();
                text.truncate(kept);
            }
            if text == "-0" {
                text = "0".into();
            }
            return text;
        }
        let normalized = self.0.normalized();
        let (_, scale) = normalized.as_bigint_and_exponent();
        if scale.abs() <= PLAIN_NOTATION_MAX_SCALE {
            normalized.to_plain_string()
        } else {
            normalized.to_scientific_notation()
        }
    }
}

/// A short prefix of `text` for error messages.
fn truncate_for_message(text: &str) -> String {
    const LIMIT: usize = 40;
    match text.char_indices().nth(LIMIT) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}
