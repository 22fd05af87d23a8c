//! cty JSON codec: the encoding of `DynamicValue.json` and of raw state,
//! compatible with go-cty's `cty/json` package; plus the JSON form of types.
//!
//! The wire form, per type: null is `null`; `bool`, `number` and `string` are
//! JSON booleans, numbers and strings; lists, sets and tuples are arrays;
//! maps and objects are JSON objects; a value where the type says `dynamic`
//! is `{"value": V, "type": T}` with `T` the type's JSON. Unknown values
//! cannot be written as JSON (an error).
//!
//! Numbers are read as their literal text (never through `f64`), so every
//! number round-trips exactly; they are written in plain decimal notation as
//! Terraform does. Like go-cty, decoding converts primitives where cty
//! would: a string is accepted for a number (`"12"`) or a bool
//! (`"true"`/`"1"`, `"false"`/`"0"`), and a number or bool for a string
//! (its JSON text).
//!
//! Object decoding follows go-cty: attributes may come in any order, a
//! missing attribute decodes as null, and an attribute the type does not
//! have is an error naming it (raw state must have such attributes removed
//! before decoding). A repeated key keeps its last value, as in Go.
//!
//! Types: `"bool"`, `"number"`, `"string"`, `"dynamic"`, `["list",T]`,
//! `["set",T]`, `["map",T]`, `["tuple",[T,...]]`, `["object",{"name":T,...}]`
//! (decode also accepts the optional-attributes form
//! `["object",{...},["name",...]]`, ignoring the list).
//!
//! Decoding is defensive: nesting is capped at [`MAX_DEPTH`], input must be
//! UTF-8, and trailing non-whitespace after the value is an error.

use std::collections::BTreeMap;

use super::msgpack::{dedup_set, located, type_kind, value_kind};
use super::{AttributePath, Number, PathStep, Type, Value};

/// Deepest nesting of JSON arrays/objects accepted when decoding (values and
/// types alike) and produced when encoding.
pub const MAX_DEPTH: usize = 256;

/// Why JSON bytes could not be decoded as a value of a type (or as a type).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSON value{}: {message}", located(path))]
pub struct DecodeError {
    /// Where in the value decoding failed (root for syntax errors and for
    /// the whole value).
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

/// Decodes JSON `bytes` as a value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let tree = parse(bytes)?;
    let mut decoder = Decoder { path: Vec::new() };
    decoder.value(&tree, ty)
}

/// Encodes `value` as type `ty` (unknown values cannot be encoded in JSON).
///
/// As with the msgpack encoder, container variants are matched leniently
/// (list/set/tuple interchangeable, object/map interchangeable), absent
/// object attributes are written as null, attributes the type does not have
/// are an error, and values under `dynamic` carry [`Type::implied_by`].
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut encoder = Encoder {
        out: Vec::new(),
        path: Vec::new(),
        depth: 0,
    };
    encoder.value(value, ty)?;
    Ok(encoder.out)
}

/// Parses a cty type from its JSON form (`"string"`, `["list","string"]`, ...).
pub fn decode_type(bytes: &[u8]) -> Result<Type, DecodeError> {
    let tree = parse(bytes)?;
    type_from_json(&tree).map_err(|message| DecodeError {
        path: AttributePath::root(),
        message,
    })
}

/// Encodes a cty type in its JSON form (compact, object attributes sorted).
pub fn encode_type(ty: &Type) -> Vec<u8> {
    let mut out = Vec::new();
    write_type(&mut out, ty);
    out
}

// ---------------------------------------------------------------------------
// JSON syntax: a small parser that keeps numbers as their text
// ---------------------------------------------------------------------------

/// A parsed JSON document. Numbers keep their literal text.
#[derive(Debug)]
enum Json {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Json>),
    /// Members in document order (duplicates kept; consumers decide).
    Object(Vec<(String, Json)>),
}

impl Json {
    fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }
}

/// Parses a whole JSON document (RFC 8259, surrounding whitespace allowed).
fn parse(bytes: &[u8]) -> Result<Json, DecodeError> {
    let text = std::str::from_utf8(bytes).map_err(|e| DecodeError {
        path: AttributePath::root(),
        message: format!("input is not valid UTF-8 (at byte {})", e.valid_up_to()),
    })?;
    let mut parser = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
        depth: 0,
    };
    parser.ws();
    let tree = parser.value()?;
    parser.ws();
    if parser.pos != parser.s.len() {
        return Err(parser.err("unexpected data after the JSON value"));
    }
    Ok(tree)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn err(&self, message: &str) -> DecodeError {
        DecodeError {
            path: AttributePath::root(),
            message: format!("{message} (at byte {})", self.pos),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect_word(&mut self, word: &str, value: Json) -> Result<Json, DecodeError> {
        if self.s[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.err("invalid JSON literal"))
        }
    }

    fn value(&mut self) -> Result<Json, DecodeError> {
        match self.peek() {
            None => Err(self.err("unexpected end of input")),
            Some(b'n') => self.expect_word("null", Json::Null),
            Some(b't') => self.expect_word("true", Json::Bool(true)),
            Some(b'f') => self.expect_word("false", Json::Bool(false)),
            Some(b'"') => self.string().map(Json::String),
            Some(b'-' | b'0'..=b'9') => self.number().map(Json::Number),
            Some(b'[') => self.nested(Self::array),
            Some(b'{') => self.nested(Self::object),
            Some(_) => Err(self.err("unexpected character")),
        }
    }

    fn nested(
        &mut self,
        f: fn(&mut Self) -> Result<Json, DecodeError>,
    ) -> Result<Json, DecodeError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err(&format!("JSON is nested deeper than {MAX_DEPTH} levels")));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    fn array(&mut self) -> Result<Json, DecodeError> {
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value()?);
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.err("expected ',' or ']' in array")),
            }
        }
    }

    fn object(&mut self) -> Result<Json, DecodeError> {
        self.pos += 1; // '{'
        let mut members = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a string key in object"));
            }
            let key = self.string()?;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.err("expected ':' in object"));
            }
            self.pos += 1;
            self.ws();
            let value = self.value()?;
            members.push((key, value));
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(self.err("expected ',' or '}' in object")),
            }
        }
    }

    /// Reads a number token, validating the JSON number grammar.
    fn number(&mut self) -> Result<String, DecodeError> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let from = p.pos;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.pos += 1;
            }
            p.pos - from
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.err("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return Err(self.err("invalid number: no digits after '.'"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.err("invalid number: no digits in exponent"));
            }
        }
        Ok(self.text[start..self.pos].to_string())
    }

    fn hex4(&mut self) -> Result<u32, DecodeError> {
        let chunk = self
            .s
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.err("truncated \\u escape"))?;
        let text = std::str::from_utf8(chunk).map_err(|_| self.err("invalid \\u escape"))?;
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.err("invalid \\u escape"));
        }
        let v = u32::from_str_radix(text, 16).map_err(|_| self.err("invalid \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }

    /// Reads a string token. Lone surrogates become U+FFFD, as in Go.
    fn string(&mut self) -> Result<String, DecodeError> {
        self.pos += 1; // '"'
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // Runs end on ASCII bytes, so they are on char boundaries.
            out.push_str(&self.text[run_start..self.pos]);
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let esc = self.peek().ok_or_else(|| self.err("unterminated string"))?;
                    self.pos += 1;
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let first = self.hex4()?;
                            out.push(self.surrogate_pair(first)?);
                        }
                        _ => return Err(self.err("invalid escape in string")),
                    }
                }
                Some(_) => return Err(self.err("control character in string")),
            }
        }
    }

    /// Completes a `\u` escape whose first unit is `first`.
    fn surrogate_pair(&mut self, first: u32) -> Result<char, DecodeError> {
        if (0xd800..0xdc00).contains(&first) && self.s[self.pos..].starts_with(b"\\u") {
            let save = self.pos;
            self.pos += 2;
            let second = self.hex4()?;
            if (0xdc00..0xe000).contains(&second) {
                let c = 0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00);
                return Ok(char::from_u32(c).unwrap_or('\u{fffd}'));
            }
            self.pos = save;
        }
        Ok(char::from_u32(first).unwrap_or('\u{fffd}'))
    }
}

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

fn type_from_json(node: &Json) -> Result<Type, String> {
    match node {
        Json::String(name) => match name.as_str() {
            "bool" => Ok(Type::Bool),
            "number" => Ok(Type::Number),
            "string" => Ok(Type::String),
            "dynamic" => Ok(Type::Dynamic),
            other => Err(format!("invalid primitive type name {other:?}")),
        },
        Json::Array(items) => {
            let Some((Json::String(kind), rest)) = items.split_first() else {
                return Err("invalid complex type kind name".into());
            };
            match (kind.as_str(), rest) {
                ("list", [ety]) => Ok(Type::List(Box::new(type_from_json(ety)?))),
                ("set", [ety]) => Ok(Type::Set(Box::new(type_from_json(ety)?))),
                ("map", [ety]) => Ok(Type::Map(Box::new(type_from_json(ety)?))),
                ("tuple", [Json::Array(etys)]) => Ok(Type::Tuple(
                    etys.iter().map(type_from_json).collect::<Result<_, _>>()?,
                )),
                ("object", [Json::Object(attrs)]) => object_type(attrs),
                ("object", [Json::Object(attrs), Json::Array(optional)])
                    if optional.iter().all(|o| matches!(o, Json::String(_))) =>
                {
                    object_type(attrs)
                }
                ("list" | "set" | "map" | "tuple" | "object", _) => {
                    Err(format!("invalid {kind} type description"))
                }
                _ => Err(format!("invalid complex type kind name {kind:?}")),
            }
        }
        other => Err(format!("invalid type description (a {})", other.kind())),
    }
}

fn object_type(attrs: &[(String, Json)]) -> Result<Type, String> {
    let mut out = BTreeMap::new();
    for (name, aty) in attrs {
        out.insert(name.clone(), type_from_json(aty)?);
    }
    Ok(Type::Object(out))
}

fn write_type(out: &mut Vec<u8>, ty: &Type) {
    let wrapped = |out: &mut Vec<u8>, kind: &str, ety: &Type| {
        out.extend_from_slice(b"[\"");
        out.extend_from_slice(kind.as_bytes());
        out.extend_from_slice(b"\",");
        write_type(out, ety);
        out.push(b']');
    };
    match ty {
        Type::Bool => out.extend_from_slice(b"\"bool\""),
        Type::Number => out.extend_from_slice(b"\"number\""),
        Type::String => out.extend_from_slice(b"\"string\""),
        Type::Dynamic => out.extend_from_slice(b"\"dynamic\""),
        Type::List(ety) => wrapped(out, "list", ety),
        Type::Set(ety) => wrapped(out, "set", ety),
        Type::Map(ety) => wrapped(out, "map", ety),
        Type::Tuple(etys) => {
            out.extend_from_slice(b"[\"tuple\",[");
            for (i, ety) in etys.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_type(out, ety);
            }
            out.extend_from_slice(b"]]");
        }
        Type::Object(atys) => {
            out.extend_from_slice(b"[\"object\",{");
            for (i, (name, aty)) in atys.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(out, name);
                out.push(b':');
                write_type(out, aty);
            }
            out.extend_from_slice(b"}]");
        }
    }
}

/// Writes `s` as a JSON string literal.
fn write_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

// ---------------------------------------------------------------------------
// Values: decoding
// ---------------------------------------------------------------------------

struct Decoder {
    path: Vec<PathStep>,
}

impl Decoder {
    fn err(&self, message: impl Into<String>) -> DecodeError {
        DecodeError {
            path: AttributePath {
                steps: self.path.clone(),
            },
            message: message.into(),
        }
    }

    fn child(&mut self, step: PathStep, node: &Json, ty: &Type) -> Result<Value, DecodeError> {
        self.path.push(step);
        let value = self.value(node, ty)?;
        self.path.pop();
        Ok(value)
    }

    fn number(&self, text: &str) -> Result<Value, DecodeError> {
        Number::parse_text(text)
            .map(Value::Number)
            .map_err(|e| self.err(e.to_string()))
    }

    fn elements(&mut self, items: &[Json], ety: &Type) -> Result<Vec<Value>, DecodeError> {
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            out.push(self.child(PathStep::ElementKeyInt(i as i64), item, ety)?);
        }
        Ok(out)
    }

    fn value(&mut self, node: &Json, ty: &Type) -> Result<Value, DecodeError> {
        if let Json::Null = node {
            return Ok(Value::Null);
        }
        let required = |d: &Self, what: &str| {
            d.err(format!("{what} is required, found a JSON {}", node.kind()))
        };
        match (ty, node) {
            (Type::Dynamic, Json::Object(members)) => self.dynamic(members),
            (Type::Dynamic, _) => Err(required(
                self,
                "a JSON object {\"value\": ..., \"type\": ...} for a dynamically-typed value",
            )),
            (Type::Bool, Json::Bool(b)) => Ok(Value::Bool(*b)),
            (Type::Bool, Json::String(s)) => match s.as_str() {
                "true" | "1" => Ok(Value::Bool(true)),
                "false" | "0" => Ok(Value::Bool(false)),
                _ => Err(self.err(format!("a bool is required, found the string {s:?}"))),
            },
            (Type::Bool, _) => Err(required(self, "a bool")),
            (Type::Number, Json::Number(text) | Json::String(text)) => self.number(text),
            (Type::Number, _) => Err(required(self, "a number")),
            (Type::String, Json::String(s) | Json::Number(s)) => Ok(Value::String(s.clone())),
            (Type::String, Json::Bool(b)) => Ok(Value::String(b.to_string())),
            (Type::String, _) => Err(required(self, "a string")),
            (Type::List(ety), Json::Array(items)) => self.elements(items, ety).map(Value::List),
            (Type::List(_), _) => Err(required(self, "a JSON array for a list")),
            (Type::Set(ety), Json::Array(items)) => {
                let elems = self.elements(items, ety)?;
                Ok(Value::Set(dedup_set(elems, ety)))
            }
            (Type::Set(_), _) => Err(required(self, "a JSON array for a set")),
            (Type::Tuple(etys), Json::Array(items)) => {
                if items.len() != etys.len() {
                    return Err(self.err(format!(
                        "a tuple of {} elements is required ({} given)",
                        etys.len(),
                        items.len()
                    )));
                }
                let mut out = Vec::with_capacity(items.len());
                for (i, (item, ety)) in items.iter().zip(etys).enumerate() {
                    out.push(self.child(PathStep::ElementKeyInt(i as i64), item, ety)?);
                }
                Ok(Value::Tuple(out))
            }
            (Type::Tuple(_), _) => Err(required(self, "a JSON array for a tuple")),
            (Type::Map(ety), Json::Object(members)) => {
                let mut out = BTreeMap::new();
                for (key, item) in members {
                    let value = self.child(PathStep::ElementKeyString(key.clone()), item, ety)?;
                    out.insert(key.clone(), value);
                }
                Ok(Value::Map(out))
            }
            (Type::Map(_), _) => Err(required(self, "a JSON object for a map")),
            (Type::Object(atys), Json::Object(members)) => {
                let mut out = BTreeMap::new();
                for (name, item) in members {
                    let Some(aty) = atys.get(name) else {
                        return Err(self.err(format!("unsupported attribute {name:?}")));
                    };
                    let value = self.child(PathStep::Attribute(name.clone()), item, aty)?;
                    out.insert(name.clone(), value);
                }
                for name in atys.keys() {
                    out.entry(name.clone()).or_insert(Value::Null);
                }
                Ok(Value::Object(out))
            }
            (Type::Object(_), _) => Err(required(self, "a JSON object for an object")),
        }
    }

    fn dynamic(&mut self, members: &[(String, Json)]) -> Result<Value, DecodeError> {
        let mut ty = None;
        let mut body = None;
        for (key, node) in members {
            match key.as_str() {
                "type" => {
                    let parsed = type_from_json(node)
                        .map_err(|e| self.err(format!("invalid type of dynamic value: {e}")))?;
                    ty = Some(parsed);
                }
                "value" => body = Some(node),
                other => {
                    return Err(
                        self.err(format!("invalid key {other:?} in dynamically-typed value"))
                    )
                }
            }
        }
        let ty = ty.ok_or_else(|| self.err("missing type in dynamically-typed value"))?;
        let body = body.ok_or_else(|| self.err("missing value in dynamically-typed value"))?;
        self.value(body, &ty)
    }
}

// ---------------------------------------------------------------------------
// Values: encoding
// ---------------------------------------------------------------------------

struct Encoder {
    out: Vec<u8>,
    path: Vec<PathStep>,
    depth: usize,
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

    fn value(&mut self, value: &Value, ty: &Type) -> Result<(), EncodeError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err(format!("value is nested deeper than {MAX_DEPTH} levels")));
        }
        self.depth += 1;
        let result = self.value_inner(value, ty);
        self.depth -= 1;
        result
    }

    fn child(&mut self, step: PathStep, value: &Value, ty: &Type) -> Result<(), EncodeError> {
        self.path.push(step);
        self.value(value, ty)?;
        self.path.pop();
        Ok(())
    }

    fn sequence<'v>(
        &mut self,
        items: impl Iterator<Item = (&'v Value, &'v Type)>,
    ) -> Result<(), EncodeError> {
        self.out.push(b'[');
        for (i, (item, ety)) in items.enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.child(PathStep::ElementKeyInt(i as i64), item, ety)?;
        }
        self.out.push(b']');
        Ok(())
    }

    fn value_inner(&mut self, value: &Value, ty: &Type) -> Result<(), EncodeError> {
        match value {
            Value::Null => {
                self.out.extend_from_slice(b"null");
                return Ok(());
            }
            Value::Unknown(_) => return Err(self.err("value is not known")),
            _ => {}
        }
        match (ty, value) {
            (Type::Dynamic, _) => {
                let concrete = Type::implied_by(value).map_err(|e| self.err(e.to_string()))?;
                self.out.extend_from_slice(b"{\"value\":");
                self.value(value, &concrete)?;
                self.out.extend_from_slice(b",\"type\":");
                write_type(&mut self.out, &concrete);
                self.out.push(b'}');
            }
            (Type::Bool, Value::Bool(b)) => {
                self.out
                    .extend_from_slice(if *b { b"true" } else { b"false" });
            }
            (Type::Number, Value::Number(n)) => self.out.extend_from_slice(n.to_text().as_bytes()),
            (Type::String, Value::String(s)) => write_string(&mut self.out, s),
            (
                Type::List(ety) | Type::Set(ety),
                Value::List(elems) | Value::Set(elems) | Value::Tuple(elems),
            ) => self.sequence(elems.iter().map(|e| (e, &**ety)))?,
            (Type::Tuple(etys), Value::List(elems) | Value::Set(elems) | Value::Tuple(elems)) => {
                if etys.len() != elems.len() {
                    return Err(self.err(format!(
                        "a tuple of length {} is required ({} given)",
                        etys.len(),
                        elems.len()
                    )));
                }
                self.sequence(elems.iter().zip(etys))?;
            }
            (Type::Map(ety), Value::Map(entries) | Value::Object(entries)) => {
                self.out.push(b'{');
                for (i, (key, elem)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    write_string(&mut self.out, key);
                    self.out.push(b':');
                    self.child(PathStep::ElementKeyString(key.clone()), elem, ety)?;
                }
                self.out.push(b'}');
            }
            (Type::Object(atys), Value::Object(attrs) | Value::Map(attrs)) => {
                if let Some(extra) = attrs.keys().find(|k| !atys.contains_key(*k)) {
                    self.path.push(PathStep::Attribute(extra.clone()));
                    return Err(self.err("attribute is not part of the object type"));
                }
                self.out.push(b'{');
                for (i, (name, aty)) in atys.iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    write_string(&mut self.out, name);
                    self.out.push(b':');
                    let attr = attrs.get(name).unwrap_or(&Value::Null);
                    self.child(PathStep::Attribute(name.clone()), attr, aty)?;
                }
                self.out.push(b'}');
            }
            _ => {
                return Err(self.err(format!(
                    "a {} value cannot be encoded as {}",
                    value_kind(value),
                    type_kind(ty)
                )))
            }
        }
        Ok(())
    }
}
