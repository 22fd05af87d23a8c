//! cty msgpack codec: the encoding of `DynamicValue.msgpack`, byte-compatible
//! with go-cty's `cty/msgpack` package.
//!
//! The wire form, per type:
//!
//! * null is msgpack `nil`, for every type;
//! * an unknown value is an extension: type 0 (payload ignored) when nothing
//!   is known about it, type 12 when it carries *refinements* (a msgpack map
//!   keyed by small integers: 1 = is-null flag, 2 = string prefix, 3/4 =
//!   number bounds, 5/6 = collection length bounds);
//! * `bool` is a msgpack bool; `string` a msgpack str;
//! * `number` is an integer when it is integral and fits `i64`, else a float64
//!   when the float64 is exactly the number, else its decimal text as a str;
//! * lists, sets and tuples are arrays; maps are maps;
//! * objects are maps keyed by attribute name (written in sorted order,
//!   accepted in any order; every attribute must be present);
//! * a value where the type says `dynamic` is a two-element array of its
//!   type's JSON (written as bin, str also accepted) and the value itself;
//!   null and unknown dynamic values are plain `nil` / extension 0.
//!
//! Encoding unknowns: an unknown with `not_null` and/or (for strings) a
//! non-empty `string_prefix` is written as extension 12 with those
//! refinements (prefix cut to at most 256 bytes); any other unknown as the
//! compact `d4 00 00`. Decoding keeps `not_null` and the string prefix,
//! validates number and length bounds and drops them, and skips refinement
//! keys it does not know. An is-null refinement of `true` decodes as null.
//!
//! Decoding is defensive: nesting is capped at [`MAX_DEPTH`], declared
//! lengths are checked against the bytes actually left before anything is
//! allocated, numbers given as text are bounded (see
//! [`Number::parse_text`]), and trailing bytes after the value are an error.
//! Set elements are kept in wire order; exact duplicates of wholly known
//! elements are dropped, as cty's sets would.

use std::collections::{BTreeMap, HashSet};

use super::{json, AttributePath, Number, PathStep, Refinements, Type, Value};

/// Deepest nesting of containers (and dynamic wrappers) accepted when
/// decoding or produced when encoding.
pub const MAX_DEPTH: usize = 256;

/// Extension type of an unknown value without refinements.
const EXT_UNKNOWN: i8 = 0;
/// Extension type of an unknown value with a refinement map payload.
const EXT_REFINED_UNKNOWN: i8 = 12;
/// Largest refinement payload accepted (go-cty refuses more than 1 KiB).
const MAX_REFINEMENT_LEN: usize = 1024;
/// Longest string prefix refinement written.
const MAX_STRING_PREFIX_LEN: usize = 256;

/// Refinement map keys.
const REFINE_NULLNESS: i64 = 1;
const REFINE_STRING_PREFIX: i64 = 2;
const REFINE_NUMBER_MIN: i64 = 3;
const REFINE_NUMBER_MAX: i64 = 4;
const REFINE_LENGTH_MIN: i64 = 5;
const REFINE_LENGTH_MAX: i64 = 6;

/// Why msgpack bytes could not be decoded as a value of a type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid msgpack value{}: {message}", located(path))]
pub struct DecodeError {
    /// Where in the value decoding failed (root for the whole value).
    pub path: AttributePath,
    /// What was wrong there.
    pub message: String,
}

/// Why a value could not be encoded as a type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot encode value{}: {message}", located(path))]
pub struct EncodeError {
    /// Where in the value encoding failed (root for the whole value).
    pub path: AttributePath,
    /// What was wrong there.
    pub message: String,
}

/// `" at PATH"`, or nothing for the root path.
pub(crate) fn located(path: &AttributePath) -> String {
    if path.is_root() {
        String::new()
    } else {
        format!(" at {path}")
    }
}

/// Decodes msgpack `bytes` as a value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let mut decoder = Decoder {
        r: Reader { bytes, pos: 0 },
        path: Vec::new(),
        depth: 0,
    };
    let value = decoder.value(ty)?;
    if decoder.r.remaining() > 0 {
        return Err(decoder.err(format!(
            "{} unexpected bytes after the value",
            decoder.r.remaining()
        )));
    }
    Ok(value)
}

/// Encodes `value` as type `ty`.
///
/// Values are untyped, so the encoder is lenient about container variants:
/// any of list/set/tuple values fits any of those types, and object/map
/// values fit either; an object attribute absent from the value is written
/// as null, while an attribute the type does not have is an error. Values
/// under `dynamic` are written with the type [`Type::implied_by`] gives.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut encoder = Encoder {
        w: Writer::default(),
        path: Vec::new(),
        depth: 0,
    };
    encoder.value(value, ty)?;
    Ok(encoder.w.out)
}

/// Drops exact duplicates among the wholly known elements of a decoded set,
/// keeping the first occurrence and the order. Unknown elements are never
/// merged (cty treats each unknown as possibly distinct).
pub(crate) fn dedup_set(elems: Vec<Value>, element_type: &Type) -> Vec<Value> {
    if elems.len() < 2 {
        return elems;
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(elems.len());
    for elem in elems {
        if elem.is_wholly_known() {
            if let Ok(key) = encode(&elem, element_type) {
                if !seen.insert(key) {
                    continue;
                }
            }
        }
        out.push(elem);
    }
    out
}

// ---------------------------------------------------------------------------
// Low-level reading
// ---------------------------------------------------------------------------

/// A bounds-checked cursor over the input.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn byte(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.remaining() {
            return None;
        }
        let slice = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Some(slice)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn u16(&mut self) -> Option<u16> {
        self.array().map(u16::from_be_bytes)
    }

    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_be_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_be_bytes)
    }
}

/// Whether `marker` starts a msgpack extension value.
fn is_ext(marker: u8) -> bool {
    matches!(marker, 0xc7..=0xc9 | 0xd4..=0xd8)
}

/// A decoded integer of either signedness.
enum Int {
    Signed(i64),
    Unsigned(u64),
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

struct Decoder<'a> {
    r: Reader<'a>,
    path: Vec<PathStep>,
    depth: usize,
}

type DResult<T> = Result<T, DecodeError>;

impl<'a> Decoder<'a> {
    fn err(&self, message: impl Into<String>) -> DecodeError {
        DecodeError {
            path: AttributePath {
                steps: self.path.clone(),
            },
            message: message.into(),
        }
    }

    fn eof(&self) -> DecodeError {
        self.err("unexpected end of input")
    }

    fn peek(&self) -> DResult<u8> {
        self.r.peek().ok_or_else(|| self.eof())
    }

    fn byte(&mut self) -> DResult<u8> {
        self.r.byte().ok_or_else(|| self.eof())
    }

    fn take(&mut self, n: usize) -> DResult<&'a [u8]> {
        match self.r.take(n) {
            Some(s) => Ok(s),
            None => Err(self.err(format!(
                "declared length {n} exceeds the {} bytes left",
                self.r.remaining()
            ))),
        }
    }

    fn u16(&mut self) -> DResult<u16> {
        self.r.u16().ok_or_else(|| self.eof())
    }

    fn u32(&mut self) -> DResult<u32> {
        self.r.u32().ok_or_else(|| self.eof())
    }

    fn u64(&mut self) -> DResult<u64> {
        self.r.u64().ok_or_else(|| self.eof())
    }

    fn enter(&mut self) -> DResult<()> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err(format!("value is nested deeper than {MAX_DEPTH} levels")));
        }
        self.depth += 1;
        Ok(())
    }

    /// Decodes one value of type `ty`.
    fn value(&mut self, ty: &Type) -> DResult<Value> {
        self.enter()?;
        let result = self.value_inner(ty);
        self.depth -= 1;
        result
    }

    /// Decodes one value of type `ty` at `step` below the current path.
    fn child(&mut self, step: PathStep, ty: &Type) -> DResult<Value> {
        self.path.push(step);
        let result = self.value(ty)?;
        self.path.pop();
        Ok(result)
    }

    fn value_inner(&mut self, ty: &Type) -> DResult<Value> {
        let marker = self.peek()?;
        if is_ext(marker) {
            return self.unknown(ty);
        }
        if marker == 0xc0 {
            self.r.pos += 1;
            return Ok(Value::Null);
        }
        match ty {
            Type::Dynamic => self.dynamic(),
            Type::Bool => match self.byte()? {
                0xc2 => Ok(Value::Bool(false)),
                0xc3 => Ok(Value::Bool(true)),
                _ => Err(self.err("bool is required")),
            },
            Type::Number => self.number().map(Value::Number),
            Type::String => self.string("string is required").map(Value::String),
            Type::List(ety) => self.elements(ety, "a list is required").map(Value::List),
            Type::Set(ety) => {
                let elems = self.elements(ety, "a set is required")?;
                Ok(Value::Set(dedup_set(elems, ety)))
            }
            Type::Tuple(etys) => self.tuple(etys),
            Type::Map(ety) => self.map(ety),
            Type::Object(atys) => self.object(atys),
        }
    }

    fn dynamic(&mut self) -> DResult<Value> {
        let len = self.array_len("a dynamic value ([type, value] array) is required")?;
        if len != 2 {
            return Err(self.err("dynamic value array must have exactly two elements"));
        }
        let type_json = self.str_or_bin("the type of a dynamic value must be JSON bytes")?;
        let ty = json::decode_type(type_json)
            .map_err(|e| self.err(format!("invalid type of dynamic value: {e}")))?;
        self.value(&ty)
    }

    fn number(&mut self) -> DResult<Number> {
        let required = "number is required";
        let marker = self.peek()?;
        if matches!(marker, 0xa0..=0xbf | 0xd9..=0xdb | 0xc4..=0xc6) {
            let text = self.string(required)?;
            return Number::parse_text(&text).map_err(|e| self.err(e.to_string()));
        }
        let float = match marker {
            0xca => {
                self.r.pos += 1;
                Some(f64::from(f32::from_bits(self.u32()?)))
            }
            0xcb => {
                self.r.pos += 1;
                Some(f64::from_bits(self.u64()?))
            }
            _ => None,
        };
        if let Some(f) = float {
            return Number::from_f64_exact(f).ok_or_else(|| {
                self.err(format!(
                    "number {f} is not finite and cannot be represented"
                ))
            });
        }
        match self.int(required)? {
            Int::Signed(i) => Ok(Number::from(i)),
            Int::Unsigned(u) => Ok(Number(bigdecimal::BigDecimal::from(u))),
        }
    }

    /// Reads any msgpack integer.
    fn int(&mut self, what: &str) -> DResult<Int> {
        let marker = self.byte()?;
        Ok(match marker {
            0x00..=0x7f => Int::Signed(i64::from(marker)),
            0xe0..=0xff => Int::Signed(i64::from(marker as i8)),
            0xcc => Int::Signed(i64::from(self.byte()?)),
            0xcd => Int::Signed(i64::from(self.u16()?)),
            0xce => Int::Signed(i64::from(self.u32()?)),
            0xcf => Int::Unsigned(self.u64()?),
            0xd0 => Int::Signed(i64::from(self.byte()? as i8)),
            0xd1 => Int::Signed(i64::from(self.u16()? as i16)),
            0xd2 => Int::Signed(i64::from(self.u32()? as i32)),
            0xd3 => Int::Signed(self.u64()? as i64),
            _ => {
                self.r.pos -= 1;
                return Err(self.err(what.to_string()));
            }
        })
    }

    /// Reads a str (or bin) and checks it is UTF-8.
    fn string(&mut self, what: &str) -> DResult<String> {
        let bytes = self.str_or_bin(what)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_string()),
            Err(_) => Err(self.err("string is not valid UTF-8")),
        }
    }

    /// Reads the bytes of a str or bin.
    fn str_or_bin(&mut self, what: &str) -> DResult<&'a [u8]> {
        let marker = self.byte()?;
        let len = match marker {
            0xa0..=0xbf => usize::from(marker & 0x1f),
            0xd9 | 0xc4 => usize::from(self.byte()?),
            0xda | 0xc5 => usize::from(self.u16()?),
            0xdb | 0xc6 => self.u32()? as usize,
            _ => {
                self.r.pos -= 1;
                return Err(self.err(what.to_string()));
            }
        };
        self.take(len)
    }

    /// Reads an array header; the length is checked against the bytes left
    /// (every element takes at least one byte).
    fn array_len(&mut self, what: &str) -> DResult<usize> {
        let marker = self.byte()?;
        let len = match marker {
            0x90..=0x9f => usize::from(marker & 0x0f),
            0xdc => usize::from(self.u16()?),
            0xdd => self.u32()? as usize,
            _ => {
                self.r.pos -= 1;
                return Err(self.err(what.to_string()));
            }
        };
        self.check_len(len, 1)?;
        Ok(len)
    }

    /// Reads a map header; the length is checked against the bytes left.
    fn map_len(&mut self, what: &str) -> DResult<usize> {
        let marker = self.byte()?;
        let len = match marker {
            0x80..=0x8f => usize::from(marker & 0x0f),
            0xde => usize::from(self.u16()?),
            0xdf => self.u32()? as usize,
            _ => {
                self.r.pos -= 1;
                return Err(self.err(what.to_string()));
            }
        };
        self.check_len(len, 2)?;
        Ok(len)
    }

    fn check_len(&self, len: usize, min_bytes_each: usize) -> DResult<()> {
        if len.saturating_mul(min_bytes_each) > self.r.remaining() {
            return Err(self.err(format!(
                "declared length {len} exceeds the {} bytes left",
                self.r.remaining()
            )));
        }
        Ok(())
    }

    fn elements(&mut self, ety: &Type, what: &str) -> DResult<Vec<Value>> {
        let len = self.array_len(what)?;
        let mut out = Vec::with_capacity(len);
        for i in 0..len {
            out.push(self.child(PathStep::ElementKeyInt(i as i64), ety)?);
        }
        Ok(out)
    }

    fn tuple(&mut self, etys: &[Type]) -> DResult<Value> {
        let len = self.array_len("a tuple is required")?;
        if len != etys.len() {
            return Err(self.err(format!(
                "a tuple of length {} is required ({len} given)",
                etys.len()
            )));
        }
        let mut out = Vec::with_capacity(len);
        for (i, ety) in etys.iter().enumerate() {
            out.push(self.child(PathStep::ElementKeyInt(i as i64), ety)?);
        }
        Ok(Value::Tuple(out))
    }

    fn map(&mut self, ety: &Type) -> DResult<Value> {
        let len = self.map_len("a map is required")?;
        let mut out = BTreeMap::new();
        for _ in 0..len {
            let key = self.string("map keys must be strings")?;
            let value = self.child(PathStep::ElementKeyString(key.clone()), ety)?;
            out.insert(key, value);
        }
        Ok(Value::Map(out))
    }

    fn object(&mut self, atys: &BTreeMap<String, Type>) -> DResult<Value> {
        let len = self.map_len("an object is required")?;
        let mut out = BTreeMap::new();
        for _ in 0..len {
            let key = self.string("object attribute names must be strings")?;
            let Some(aty) = atys.get(&key) else {
                self.path.push(PathStep::Attribute(key));
                return Err(self.err("unsupported attribute"));
            };
            if out.contains_key(&key) {
                self.path.push(PathStep::Attribute(key));
                return Err(self.err("duplicate attribute"));
            }
            let value = self.child(PathStep::Attribute(key.clone()), aty)?;
            out.insert(key, value);
        }
        let missing: Vec<&str> = atys
            .keys()
            .filter(|k| !out.contains_key(*k))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(self.err(format!(
                "missing object attribute(s): {}",
                missing.join(", ")
            )));
        }
        Ok(Value::Object(out))
    }

    /// Reads an extension header: (type code, payload length).
    fn ext_header(&mut self) -> DResult<(i8, usize)> {
        let marker = self.byte()?;
        let len = match marker {
            0xd4 => 1,
            0xd5 => 2,
            0xd6 => 4,
            0xd7 => 8,
            0xd8 => 16,
            0xc7 => usize::from(self.byte()?),
            0xc8 => usize::from(self.u16()?),
            0xc9 => self.u32()? as usize,
            _ => return Err(self.err("extension code is required for unknown value")),
        };
        let code = self.byte()? as i8;
        Ok((code, len))
    }

    /// Decodes an unknown value (the next item is an extension).
    fn unknown(&mut self, ty: &Type) -> DResult<Value> {
        let (code, len) = self.ext_header()?;
        let body = self.take(len)?;
        if len <= 1 {
            return Ok(Value::unknown());
        }
        if code != EXT_REFINED_UNKNOWN {
            return Err(self.err(format!(
                "unsupported extension type {code} with length {len}"
            )));
        }
        if len > MAX_REFINEMENT_LEN {
            return Err(self.err("oversize unknown value refinement"));
        }
        let mut sub = Decoder {
            r: Reader {
                bytes: body,
                pos: 0,
            },
            path: self.path.clone(),
            depth: self.depth,
        };
        sub.refinements(ty)
    }

    /// Decodes a refinement map payload (trailing bytes are ignored, as in
    /// go-cty, to leave room for future additions).
    fn refinements(&mut self, ty: &Type) -> DResult<Value> {
        let bad = |d: &Self, what: &str| d.err(format!("invalid unknown value refinement: {what}"));
        let entries = self
            .map_len("")
            .map_err(|_| bad(self, "payload is not a map"))?;
        if *ty == Type::Dynamic {
            // go-cty ignores refinements of dynamic unknowns.
            return Ok(Value::unknown());
        }
        let mut refinements = Refinements::default();
        let mut definitely_null = false;
        for _ in 0..entries {
            let key = match self.int("") {
                Ok(Int::Signed(k)) => k,
                // Too large to be any key we know: skip its value below.
                Ok(Int::Unsigned(_)) => i64::MAX,
                Err(_) => return Err(bad(self, "non-integer key in map")),
            };
            match key {
                REFINE_NULLNESS => match self.byte()? {
                    0xc2 => refinements.not_null = true,
                    0xc3 => definitely_null = true,
                    _ => return Err(bad(self, "null refinement is not boolean")),
                },
                REFINE_STRING_PREFIX => {
                    if *ty != Type::String {
                        return Err(bad(self, "string prefix refinement for non-string type"));
                    }
                    let prefix = self
                        .string("")
                        .map_err(|_| bad(self, "string prefix refinement is not a string"))?;
                    refinements.string_prefix = (!prefix.is_empty()).then_some(prefix);
                }
                REFINE_NUMBER_MIN | REFINE_NUMBER_MAX => {
                    if *ty != Type::Number {
                        return Err(bad(self, "numeric bound refinement for non-number type"));
                    }
                    let bound_type = Type::Tuple(vec![Type::Number, Type::Bool]);
                    let ok = matches!(
                        self.value(&bound_type),
                        Ok(Value::Tuple(ref v))
                            if matches!(v.as_slice(), [Value::Number(_), Value::Bool(_)])
                    );
                    if !ok {
                        return Err(bad(self, "number bound must be a [number, bool] array"));
                    }
                }
                REFINE_LENGTH_MIN | REFINE_LENGTH_MAX => {
                    if !ty.is_collection() {
                        return Err(bad(self, "length bound refinement for non-collection type"));
                    }
                    if self.int("").is_err() {
                        return Err(bad(self, "length bound must be an integer"));
                    }
                }
                _ => self.skip()?,
            }
        }
        if definitely_null {
            return Ok(Value::Null);
        }
        Ok(Value::Unknown(refinements))
    }

    /// Skips one msgpack item of any kind.
    fn skip(&mut self) -> DResult<()> {
        self.enter()?;
        let result = self.skip_inner();
        self.depth -= 1;
        result
    }

    fn skip_inner(&mut self) -> DResult<()> {
        let marker = self.peek()?;
        match marker {
            0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => {
                self.r.pos += 1;
            }
            0xcc..=0xd3 => {
                self.int("")?;
            }
            0xca => {
                self.r.pos += 1;
                self.take(4)?;
            }
            0xcb => {
                self.r.pos += 1;
                self.take(8)?;
            }
            0xa0..=0xbf | 0xd9..=0xdb | 0xc4..=0xc6 => {
                self.str_or_bin("")?;
            }
            0x90..=0x9f | 0xdc | 0xdd => {
                for _ in 0..self.array_len("")? {
                    self.skip()?;
                }
            }
            0x80..=0x8f | 0xde | 0xdf => {
                for _ in 0..self.map_len("")? * 2 {
                    self.skip()?;
                }
            }
            m if is_ext(m) => {
                let (_, len) = self.ext_header()?;
                self.take(len)?;
            }
            _ => return Err(self.err(format!("invalid msgpack marker 0x{marker:02x}"))),
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Low-level writing
// ---------------------------------------------------------------------------

/// Appends msgpack items to a buffer, in the most compact forms (as go-cty's
/// encoder with compact integers does).
#[derive(Default)]
struct Writer {
    out: Vec<u8>,
}

impl Writer {
    fn nil(&mut self) {
        self.out.push(0xc0);
    }

    fn bool(&mut self, b: bool) {
        self.out.push(if b { 0xc3 } else { 0xc2 });
    }

    fn int(&mut self, i: i64) {
        if i >= 0 {
            let u = i as u64;
            if u <= 0x7f {
                self.out.push(u as u8);
            } else if u <= u64::from(u8::MAX) {
                self.out.extend_from_slice(&[0xcc, u as u8]);
            } else if u <= u64::from(u16::MAX) {
                self.out.push(0xcd);
                self.out.extend_from_slice(&(u as u16).to_be_bytes());
            } else if u <= u64::from(u32::MAX) {
                self.out.push(0xce);
                self.out.extend_from_slice(&(u as u32).to_be_bytes());
            } else {
                self.out.push(0xcf);
                self.out.extend_from_slice(&u.to_be_bytes());
            }
        } else if i >= -32 {
            self.out.push(i as i8 as u8);
        } else if i >= i64::from(i8::MIN) {
            self.out.extend_from_slice(&[0xd0, i as i8 as u8]);
        } else if i >= i64::from(i16::MIN) {
            self.out.push(0xd1);
            self.out.extend_from_slice(&(i as i16).to_be_bytes());
        } else if i >= i64::from(i32::MIN) {
            self.out.push(0xd2);
            self.out.extend_from_slice(&(i as i32).to_be_bytes());
        } else {
            self.out.push(0xd3);
            self.out.extend_from_slice(&i.to_be_bytes());
        }
    }

    fn f64(&mut self, f: f64) {
        self.out.push(0xcb);
        self.out.extend_from_slice(&f.to_bits().to_be_bytes());
    }

    /// Writes a length with the fix/8/16/32-bit marker family given.
    fn len_header(&mut self, len: u32, fix: Option<(u8, u32)>, m8: Option<u8>, m16: u8, m32: u8) {
        match (fix, m8) {
            (Some((base, max)), _) if len <= max => self.out.push(base | len as u8),
            (_, Some(m)) if len <= u32::from(u8::MAX) => {
                self.out.extend_from_slice(&[m, len as u8])
            }
            _ if len <= u32::from(u16::MAX) => {
                self.out.push(m16);
                self.out.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                self.out.push(m32);
                self.out.extend_from_slice(&len.to_be_bytes());
            }
        }
    }

    fn str(&mut self, s: &str, len: u32) {
        self.len_header(len, Some((0xa0, 31)), Some(0xd9), 0xda, 0xdb);
        self.out.extend_from_slice(s.as_bytes());
    }

    fn bin(&mut self, b: &[u8], len: u32) {
        self.len_header(len, None, Some(0xc4), 0xc5, 0xc6);
        self.out.extend_from_slice(b);
    }

    fn array_len(&mut self, len: u32) {
        self.len_header(len, Some((0x90, 15)), None, 0xdc, 0xdd);
    }

    fn map_len(&mut self, len: u32) {
        self.len_header(len, Some((0x80, 15)), None, 0xde, 0xdf);
    }

    fn ext_header(&mut self, len: u32, code: i8) {
        let fixed = match len {
            1 => Some(0xd4),
            2 => Some(0xd5),
            4 => Some(0xd6),
            8 => Some(0xd7),
            16 => Some(0xd8),
            _ => None,
        };
        match fixed {
            Some(m) => self.out.push(m),
            None => self.len_header(len, None, Some(0xc7), 0xc8, 0xc9),
        }
        self.out.push(code as u8);
    }
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

struct Encoder {
    w: Writer,
    path: Vec<PathStep>,
    depth: usize,
}

type EResult<T> = Result<T, EncodeError>;

/// A short name for the kind of a value, for error messages.
pub(crate) fn value_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Unknown(_) => "unknown",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "list",
        Value::Set(_) => "set",
        Value::Map(_) => "map",
        Value::Tuple(_) => "tuple",
        Value::Object(_) => "object",
    }
}

/// A short name for the kind of a type, for error messages.
pub(crate) fn type_kind(ty: &Type) -> &'static str {
    match ty {
        Type::Bool => "bool",
        Type::Number => "number",
        Type::String => "string",
        Type::List(_) => "list",
        Type::Set(_) => "set",
        Type::Map(_) => "map",
        Type::Tuple(_) => "tuple",
        Type::Object(_) => "object",
        Type::Dynamic => "dynamic",
    }
}

impl Encoder {
    fn err(&self, message: impl Into<String>) -> EncodeError {
        EncodeError {
            path: AttributePath {
                steps: self.path.clone(),
            },
            message: message.into(),
        }
    }

    fn len32(&self, len: usize) -> EResult<u32> {
        u32::try_from(len).map_err(|_| self.err(format!("length {len} is too large for msgpack")))
    }

    fn value(&mut self, value: &Value, ty: &Type) -> EResult<()> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err(format!("value is nested deeper than {MAX_DEPTH} levels")));
        }
        self.depth += 1;
        let result = self.value_inner(value, ty);
        self.depth -= 1;
        result
    }

    fn child(&mut self, step: PathStep, value: &Value, ty: &Type) -> EResult<()> {
        self.path.push(step);
        self.value(value, ty)?;
        self.path.pop();
        Ok(())
    }

    fn value_inner(&mut self, value: &Value, ty: &Type) -> EResult<()> {
        match value {
            Value::Null => {
                self.w.nil();
                return Ok(());
            }
            Value::Unknown(refinements) => {
                self.unknown(refinements, ty);
                return Ok(());
            }
            _ => {}
        }
        let mismatch = |e: &Self| {
            e.err(format!(
                "a {} value cannot be encoded as {}",
                value_kind(value),
                type_kind(ty)
            ))
        };
        match (ty, value) {
            (Type::Dynamic, _) => {
                let concrete = Type::implied_by(value).map_err(|e| self.err(e.to_string()))?;
                let type_json = json::encode_type(&concrete);
                self.w.array_len(2);
                let len = self.len32(type_json.len())?;
                self.w.bin(&type_json, len);
                self.value(value, &concrete)?;
            }
            (Type::Bool, Value::Bool(b)) => self.w.bool(*b),
            (Type::Number, Value::Number(n)) => self.number(n)?,
            (Type::String, Value::String(s)) => {
                let len = self.len32(s.len())?;
                self.w.str(s, len);
            }
            (
                Type::List(ety) | Type::Set(ety),
                Value::List(elems) | Value::Set(elems) | Value::Tuple(elems),
            ) => {
                let len = self.len32(elems.len())?;
                self.w.array_len(len);
                for (i, elem) in elems.iter().enumerate() {
                    self.child(PathStep::ElementKeyInt(i as i64), elem, ety)?;
                }
            }
            (Type::Tuple(etys), Value::List(elems) | Value::Set(elems) | Value::Tuple(elems)) => {
                if etys.len() != elems.len() {
                    return Err(self.err(format!(
                        "a tuple of length {} is required ({} given)",
                        etys.len(),
                        elems.len()
                    )));
                }
                let len = self.len32(elems.len())?;
                self.w.array_len(len);
                for (i, (elem, ety)) in elems.iter().zip(etys).enumerate() {
                    self.child(PathStep::ElementKeyInt(i as i64), elem, ety)?;
                }
            }
            (Type::Map(ety), Value::Map(entries) | Value::Object(entries)) => {
                let len = self.len32(entries.len())?;
                self.w.map_len(len);
                for (key, elem) in entries {
                    let key_len = self.len32(key.len())?;
                    self.w.str(key, key_len);
                    self.child(PathStep::ElementKeyString(key.clone()), elem, ety)?;
                }
            }
            (Type::Object(atys), Value::Object(attrs) | Value::Map(attrs)) => {
                if let Some(extra) = attrs.keys().find(|k| !atys.contains_key(*k)) {
                    self.path.push(PathStep::Attribute(extra.clone()));
                    return Err(self.err("attribute is not part of the object type"));
                }
                let len = self.len32(atys.len())?;
                self.w.map_len(len);
                for (name, aty) in atys {
                    let name_len = self.len32(name.len())?;
                    self.w.str(name, name_len);
                    let attr = attrs.get(name).unwrap_or(&Value::Null);
                    self.child(PathStep::Attribute(name.clone()), attr, aty)?;
                }
            }
            _ => return Err(mismatch(self)),
        }
        Ok(())
    }

    fn number(&mut self, n: &Number) -> EResult<()> {
        if n.has_moderate_scale() {
            if let Some(i) = n.to_i64() {
                self.w.int(i);
                return Ok(());
            }
            if let Some(f) = n.to_exact_f64() {
                self.w.f64(f);
                return Ok(());
            }
        }
        let text = n.to_text();
        let len = self.len32(text.len())?;
        self.w.str(&text, len);
        Ok(())
    }

    fn unknown(&mut self, refinements: &Refinements, ty: &Type) {
        let mut payload = Writer::default();
        let mut entries = 0u32;
        if *ty != Type::Dynamic {
            if refinements.not_null {
                entries += 1;
                payload.int(REFINE_NULLNESS);
                payload.bool(false);
            }
            if let (Type::String, Some(prefix)) = (ty, &refinements.string_prefix) {
                let prefix = truncate_at_char_boundary(prefix, MAX_STRING_PREFIX_LEN);
                if !prefix.is_empty() {
                    entries += 1;
                    payload.int(REFINE_STRING_PREFIX);
                    payload.str(prefix, prefix.len() as u32);
                }
            }
        }
        if entries == 0 {
            self.w.ext_header(1, EXT_UNKNOWN);
            self.w.out.push(0);
            return;
        }
        let mut header = Writer::default();
        header.map_len(entries);
        let len = (header.out.len() + payload.out.len()) as u32;
        self.w.ext_header(len, EXT_REFINED_UNKNOWN);
        self.w.out.extend_from_slice(&header.out);
        self.w.out.extend_from_slice(&payload.out);
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a
/// character boundary.
fn truncate_at_char_boundary(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
