//! cty value codecs: round trips for every type and value kind, golden
//! bytes derived by hand from the go-cty wire formats, and hostile input.

use std::collections::BTreeMap;
use std::str::FromStr;

use terraform_provider_maia::plugin::cty::{
    json, msgpack, Number, NumberTextError, Refinements, Type, Value, MAX_NUMBER_DIGITS,
};

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

fn num(text: &str) -> Value {
    Value::Number(Number::from_str(text).expect("test number"))
}

fn obj(attrs: &[(&str, Type)]) -> Type {
    Type::Object(
        attrs
            .iter()
            .map(|(k, t)| (k.to_string(), t.clone()))
            .collect(),
    )
}

fn list(t: Type) -> Type {
    Type::List(Box::new(t))
}

fn set(t: Type) -> Type {
    Type::Set(Box::new(t))
}

fn map(t: Type) -> Type {
    Type::Map(Box::new(t))
}

fn vmap(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn unhex(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .map(|h| u8::from_str_radix(h, 16).expect("test hex"))
        .collect()
}

fn msgpack_round_trip(value: &Value, ty: &Type) -> Value {
    let bytes = msgpack::encode(value, ty).unwrap_or_else(|e| panic!("encode {value:?}: {e}"));
    msgpack::decode(&bytes, ty).unwrap_or_else(|e| panic!("decode {}: {e}", hex(&bytes)))
}

fn json_round_trip(value: &Value, ty: &Type) -> Value {
    let bytes = json::encode(value, ty).unwrap_or_else(|e| panic!("encode {value:?}: {e}"));
    json::decode(&bytes, ty)
        .unwrap_or_else(|e| panic!("decode {}: {e}", String::from_utf8_lossy(&bytes)))
}

/// Known values of many types, as (type, value) — all JSON-encodable.
fn known_cases() -> Vec<(Type, Value)> {
    let person = obj(&[
        ("name", Type::String),
        ("age", Type::Number),
        ("tags", set(Type::String)),
        ("labels", map(Type::String)),
    ]);
    vec![
        (Type::Bool, Value::Bool(true)),
        (Type::Bool, Value::Bool(false)),
        (Type::Bool, Value::Null),
        (Type::String, Value::string("")),
        (
            Type::String,
            Value::string("héllo \"wörld\"\n\t\\ \u{1F600} \u{0}"),
        ),
        (Type::String, Value::string("x".repeat(70_000))),
        (Type::String, Value::Null),
        (Type::Number, num("0")),
        (Type::Number, num("-0")),
        (Type::Number, num("1")),
        (Type::Number, num("-1")),
        (Type::Number, num("127")),
        (Type::Number, num("128")),
        (Type::Number, num("-33")),
        (Type::Number, num("65536")),
        (Type::Number, num("9223372036854775807")),
        (Type::Number, num("-9223372036854775808")),
        (Type::Number, num("18446744073709551615")),
        (Type::Number, num("0.1")),
        (Type::Number, num("1.5")),
        (Type::Number, num("1e20")),
        (Type::Number, num("1180591620717411303424")),
        (Type::Number, num("1.5e-300")),
        (
            Type::Number,
            num("-123456789012345678901234567890.000000000000000000001"),
        ),
        (
            Type::Number,
            num("3.141592653589793238462643383279502884197"),
        ),
        (Type::Number, num("1e-3000")),
        (Type::Number, Value::Null),
        (list(Type::String), Value::List(vec![])),
        (
            list(Type::String),
            Value::List(vec![Value::string("a"), Value::Null, Value::string("c")]),
        ),
        (
            list(Type::Number),
            Value::List((0..40).map(|i| Value::Number(Number::from(i))).collect()),
        ),
        (
            set(Type::String),
            Value::Set(vec![Value::string("z"), Value::string("a")]),
        ),
        (map(Type::Bool), vmap(&[])),
        (
            map(Type::Number),
            vmap(&[("one", num("1")), ("pi", num("3.14159")), ("", num("0"))]),
        ),
        (
            Type::Tuple(vec![Type::String, Type::Number, Type::Bool]),
            Value::Tuple(vec![Value::string("s"), num("2.5"), Value::Null]),
        ),
        (Type::Tuple(vec![]), Value::Tuple(vec![])),
        (obj(&[]), Value::Object(BTreeMap::new())),
        (
            person.clone(),
            Value::object([
                ("name", Value::string("Ada")),
                ("age", num("36")),
                ("tags", Value::Set(vec![Value::string("math")])),
                ("labels", vmap(&[("k", Value::string("v"))])),
            ]),
        ),
        (
            list(person.clone()),
            Value::List(vec![Value::object([
                ("name", Value::Null),
                ("age", Value::Null),
                ("tags", Value::Null),
                ("labels", Value::Null),
            ])]),
        ),
        (Type::Dynamic, Value::Null),
        (Type::Dynamic, Value::string("dyn")),
        (Type::Dynamic, num("0.1")),
        (Type::Dynamic, Value::Bool(true)),
        (
            Type::Dynamic,
            Value::object([
                ("a", Value::List(vec![num("1"), num("2")])),
                ("b", vmap(&[("x", Value::string("y"))])),
                (
                    "c",
                    Value::Tuple(vec![Value::string("t"), Value::Bool(false)]),
                ),
            ]),
        ),
        (
            obj(&[("d", Type::Dynamic), ("s", Type::String)]),
            Value::object([
                ("d", Value::Set(vec![Value::string("q")])),
                ("s", Value::string("plain")),
            ]),
        ),
        (
            map(Type::Dynamic),
            vmap(&[("n", num("7")), ("s", Value::string("x"))]),
        ),
    ]
}

// ---------------------------------------------------------------------------
// msgpack: round trips
// ---------------------------------------------------------------------------

#[test]
fn msgpack_round_trips_every_known_case() {
    for (ty, value) in known_cases() {
        assert_eq!(msgpack_round_trip(&value, &ty), value, "type {ty:?}");
    }
}

#[test]
fn msgpack_round_trips_unknowns_and_refinements() {
    let refined = |not_null: bool, prefix: Option<&str>| {
        Value::Unknown(Refinements {
            not_null,
            string_prefix: prefix.map(str::to_string),
        })
    };
    let cases = vec![
        (Type::String, Value::unknown()),
        (Type::String, refined(true, None)),
        (Type::String, refined(true, Some("prefix-"))),
        (Type::String, refined(false, Some("p"))),
        (Type::Number, refined(true, None)),
        (list(Type::String), refined(true, None)),
        (Type::Dynamic, Value::unknown()),
        (
            obj(&[("id", Type::String), ("n", Type::Number)]),
            Value::object([("id", refined(true, Some("id-"))), ("n", Value::unknown())]),
        ),
        (
            list(Type::Dynamic),
            Value::List(vec![Value::unknown(), Value::string("k")]),
        ),
    ];
    for (ty, value) in cases {
        assert_eq!(msgpack_round_trip(&value, &ty), value, "type {ty:?}");
    }
}

#[test]
fn msgpack_dynamic_unknown_drops_refinements() {
    let value = Value::Unknown(Refinements {
        not_null: true,
        string_prefix: None,
    });
    let bytes = msgpack::encode(&value, &Type::Dynamic).expect("encode");
    assert_eq!(hex(&bytes), "d4 00 00");
}

#[test]
fn msgpack_long_string_prefix_is_cut_on_a_char_boundary() {
    let prefix = "é".repeat(200); // 400 bytes
    let value = Value::Unknown(Refinements {
        not_null: true,
        string_prefix: Some(prefix.clone()),
    });
    let back = msgpack_round_trip(&value, &Type::String);
    let Value::Unknown(r) = back else {
        panic!("expected unknown, got {back:?}");
    };
    let got = r.string_prefix.expect("prefix kept");
    assert!(r.not_null);
    assert!(got.len() <= 256 && prefix.starts_with(&got) && got.len() >= 254);
}

#[test]
fn msgpack_set_keeps_order_and_drops_exact_duplicates() {
    let ty = set(Type::Number);
    let bytes = unhex("94 03 01 03 a3 30 2e 31");
    assert_eq!(
        msgpack::decode(&bytes, &ty).expect("decode"),
        Value::Set(vec![num("3"), num("1"), num("0.1")])
    );
    let unknowns = unhex("92 d4 00 00 d4 00 00");
    assert_eq!(
        msgpack::decode(&unknowns, &ty).expect("decode"),
        Value::Set(vec![Value::unknown(), Value::unknown()])
    );
}

// ---------------------------------------------------------------------------
// msgpack: golden bytes
// ---------------------------------------------------------------------------

#[test]
fn msgpack_golden_encodings() {
    let ab = obj(&[("a", Type::String), ("n", Type::Number)]);
    let cases: Vec<(Value, Type, &str)> = vec![
        (
            Value::object([("n", num("1")), ("a", Value::string("b"))]),
            ab.clone(),
            "82 a1 61 a1 62 a1 6e 01",
        ),
        (Value::Null, ab.clone(), "c0"),
        (Value::unknown(), Type::String, "d4 00 00"),
        (Value::Bool(true), Type::Bool, "c3"),
        (num("-1"), Type::Number, "ff"),
        (num("-32"), Type::Number, "e0"),
        (num("-33"), Type::Number, "d0 df"),
        (num("127"), Type::Number, "7f"),
        (num("128"), Type::Number, "cc 80"),
        (num("256"), Type::Number, "cd 01 00"),
        (num("65536"), Type::Number, "ce 00 01 00 00"),
        (
            num("4294967296"),
            Type::Number,
            "cf 00 00 00 01 00 00 00 00",
        ),
        (num("-129"), Type::Number, "d1 ff 7f"),
        (num("-2147483648"), Type::Number, "d2 80 00 00 00"),
        (
            num("-9223372036854775808"),
            Type::Number,
            "d3 80 00 00 00 00 00 00 00",
        ),
        (num("1.0"), Type::Number, "01"),
        (num("1.5"), Type::Number, "cb 3f f8 00 00 00 00 00 00"),
        // 2^70 is not an i64 but is exactly a float64.
        (
            num("1180591620717411303424"),
            Type::Number,
            "cb 44 50 00 00 00 00 00 00",
        ),
        // u64::MAX is neither an i64 nor exactly a float64: decimal text.
        (
            num("18446744073709551615"),
            Type::Number,
            "b4 31 38 34 34 36 37 34 34 30 37 33 37 30 39 35 35 31 36 31 35",
        ),
        (num("0.1"), Type::Number, "a3 30 2e 31"),
        (
            Value::List(vec![Value::Bool(true), Value::Bool(false)]),
            list(Type::Bool),
            "92 c3 c2",
        ),
        (vmap(&[("k", num("1"))]), map(Type::Number), "81 a1 6b 01"),
        (
            Value::string("x"),
            Type::Dynamic,
            "92 c4 08 22 73 74 72 69 6e 67 22 a1 78",
        ),
        (
            Value::List(vec![Value::Bool(true)]),
            Type::Dynamic,
            // ["list","bool"] is 15 bytes.
            "92 c4 0f 5b 22 6c 69 73 74 22 2c 22 62 6f 6f 6c 22 5d 91 c3",
        ),
        (
            Value::Unknown(Refinements {
                not_null: true,
                string_prefix: None,
            }),
            Type::String,
            "c7 03 0c 81 01 c2",
        ),
        (
            Value::Unknown(Refinements {
                not_null: true,
                string_prefix: Some("ab".into()),
            }),
            Type::String,
            "c7 07 0c 82 01 c2 02 a2 61 62",
        ),
        // A 4-byte payload uses fixext4.
        (
            Value::Unknown(Refinements {
                not_null: false,
                string_prefix: Some("a".into()),
            }),
            Type::String,
            "d6 0c 81 02 a1 61",
        ),
    ];
    for (value, ty, expected) in cases {
        let bytes = msgpack::encode(&value, &ty).expect("encode");
        assert_eq!(hex(&bytes), expected, "encoding {value:?} as {ty:?}");
        assert_eq!(
            msgpack::decode(&bytes, &ty).expect("decode golden"),
            value,
            "decoding {expected}"
        );
    }
}

#[test]
fn msgpack_writes_string_prefix_only_for_strings() {
    let value = Value::Unknown(Refinements {
        not_null: true,
        string_prefix: Some("ab".into()),
    });
    let bytes = msgpack::encode(&value, &Type::Number).expect("encode");
    assert_eq!(hex(&bytes), "c7 03 0c 81 01 c2");
    let list_bytes = msgpack::encode(&value, &list(Type::String)).expect("encode");
    assert_eq!(hex(&list_bytes), "c7 03 0c 81 01 c2");
}

#[test]
fn msgpack_decodes_object_attributes_in_any_order_and_forms() {
    let ty = obj(&[("a", Type::String), ("n", Type::Number)]);
    let want = Value::object([("a", Value::string("b")), ("n", num("1"))]);
    // n before a; str8 key; number as i8, as float32, as u16, as text.
    for bytes in [
        "82 a1 6e 01 a1 61 a1 62",
        "82 d9 01 6e d0 01 a1 61 a1 62",
        "82 a1 6e ca 3f 80 00 00 a1 61 a1 62",
        "82 a1 6e cd 00 01 a1 61 a1 62",
        "82 a1 6e a1 31 a1 61 a1 62",
        "de 00 02 a1 6e a3 31 65 30 a1 61 c4 01 62",
    ] {
        assert_eq!(
            msgpack::decode(&unhex(bytes), &ty).expect(bytes),
            want,
            "{bytes}"
        );
    }
}

#[test]
fn msgpack_decodes_number_forms_exactly() {
    let cases = [
        ("cf ff ff ff ff ff ff ff ff", "18446744073709551615"),
        ("d3 80 00 00 00 00 00 00 00", "-9223372036854775808"),
        (
            "cb 3f b9 99 99 99 99 99 9a",
            "0.1000000000000000055511151231257827021181583404541015625",
        ),
        ("cb 80 00 00 00 00 00 00 00", "0"),
        ("a6 2d 31 2e 35 65 33", "-1500"),
        ("a3 2b 2e 35", "0.5"),
        ("a2 35 2e", "5"),
        ("a8 31 2e 35 65 2d 33 30 30", "1.5e-300"),
    ];
    for (bytes, want) in cases {
        assert_eq!(
            msgpack::decode(&unhex(bytes), &Type::Number).expect(bytes),
            num(want),
            "{bytes}"
        );
    }
}

#[test]
fn msgpack_decodes_refined_unknowns() {
    let s = |not_null: bool, prefix: Option<&str>| {
        Value::Unknown(Refinements {
            not_null,
            string_prefix: prefix.map(str::to_string),
        })
    };
    let cases: Vec<(&str, Type, Value)> = vec![
        // Plain unknowns: any extension of length <= 1, any code.
        ("d4 00 00", Type::String, s(false, None)),
        ("d4 05 ff", Type::Number, s(false, None)),
        ("c7 00 00", Type::Bool, s(false, None)),
        ("c7 03 0c 81 01 c2", Type::String, s(true, None)),
        (
            "c7 07 0c 82 02 a2 61 62 01 c2",
            Type::String,
            s(true, Some("ab")),
        ),
        // is-null true collapses to null.
        ("c7 03 0c 81 01 c3", Type::String, Value::Null),
        // Number bounds ([number, bool]) are validated then dropped.
        (
            "c7 0b 0c 83 01 c2 03 92 00 c3 04 92 0a c2",
            Type::Number,
            s(true, None),
        ),
        // Length bounds on a collection, likewise.
        (
            "c7 05 0c 82 05 01 06 0a",
            list(Type::String),
            s(false, None),
        ),
        // Unknown keys (with any value) are skipped; trailing bytes ignored.
        (
            "c7 0a 0c 82 63 92 a1 78 81 01 02 01 c2",
            Type::String,
            s(true, None),
        ),
        ("c7 04 0c 81 01 c2 ff", Type::String, s(true, None)),
        // Refinements of dynamic unknowns are ignored.
        ("c7 03 0c 81 01 c2", Type::Dynamic, s(false, None)),
    ];
    for (bytes, ty, want) in cases {
        assert_eq!(
            msgpack::decode(&unhex(bytes), &ty).expect(bytes),
            want,
            "{bytes}"
        );
    }
}

#[test]
fn msgpack_decodes_dynamic_with_str_type_and_null_inside() {
    // ["dynamic-wrapper", value] with the type JSON as a str, not bin.
    let bytes = unhex("92 a8 22 73 74 72 69 6e 67 22 a1 78");
    assert_eq!(
        msgpack::decode(&bytes, &Type::Dynamic).expect("decode"),
        Value::string("x")
    );
    let typed_null = unhex("92 a8 22 73 74 72 69 6e 67 22 c0");
    assert_eq!(
        msgpack::decode(&typed_null, &Type::Dynamic).expect("decode"),
        Value::Null
    );
    assert_eq!(
        msgpack::decode(&unhex("c0"), &Type::Dynamic).expect("decode"),
        Value::Null
    );
}

// ---------------------------------------------------------------------------
// msgpack: errors and hostile input
// ---------------------------------------------------------------------------

fn msgpack_err(bytes: &str, ty: &Type) -> msgpack::DecodeError {
    match msgpack::decode(&unhex(bytes), ty) {
        Ok(v) => panic!("{bytes} decoded as {v:?}, expected an error"),
        Err(e) => e,
    }
}

#[test]
fn msgpack_object_attribute_errors_name_the_attribute() {
    let ty = obj(&[("a", Type::String), ("n", Type::Number)]);
    let missing = msgpack_err("81 a1 61 a1 62", &ty);
    assert!(
        missing.message.contains("missing") && missing.message.contains('n'),
        "{missing}"
    );

    let extra = msgpack_err("83 a1 61 a1 62 a1 6e 01 a1 7a c0", &ty);
    assert_eq!(extra.path.to_string(), "z");
    assert!(extra.message.contains("unsupported attribute"), "{extra}");

    let dup = msgpack_err("82 a1 61 a1 62 a1 61 a1 62", &ty);
    assert!(dup.message.contains("duplicate"), "{dup}");

    let nested = obj(&[("inner", obj(&[("x", Type::Bool)]))]);
    let wrong = msgpack_err("81 a5 69 6e 6e 65 72 81 a1 78 a1 79", &nested);
    assert_eq!(wrong.path.to_string(), "inner.x");
    assert!(wrong.to_string().contains("inner.x"), "{wrong}");
    assert!(wrong.message.contains("bool is required"), "{wrong}");
}

#[test]
fn msgpack_type_mismatches_are_errors_with_paths() {
    let ty = list(Type::Number);
    let e = msgpack_err("92 01 a1 78", &ty);
    assert_eq!(e.path.to_string(), "[1]");
    let e = msgpack_err("81 a1 61 01", &map(Type::String));
    assert_eq!(e.path.to_string(), "[\"a\"]");
    msgpack_err(
        "93 01 02 03",
        &Type::Tuple(vec![Type::Number, Type::Number]),
    );
    msgpack_err("81 01 01", &map(Type::Number)); // non-string key
    msgpack_err("c3", &Type::String);
    msgpack_err("a1 78", &Type::Bool);
    msgpack_err("a3 61 62 63", &Type::Number);
    msgpack_err("a2 ff fe", &Type::String); // not UTF-8
    msgpack_err("93 a0 a0 a0", &Type::Dynamic); // wrapper must be 2 elements
    msgpack_err("92 c4 03 22 78 22 01", &Type::Dynamic); // bad type JSON
    msgpack_err("c1", &Type::Bool);
}

#[test]
fn msgpack_non_finite_numbers_are_clear_errors() {
    for (bytes, needle) in [
        ("cb 7f f0 00 00 00 00 00 00", "not finite"),
        ("cb 7f f8 00 00 00 00 00 00", "not finite"),
        ("ca ff 80 00 00", "not finite"),
        ("a8 49 6e 66 69 6e 69 74 79", "infinite"),
        ("a4 2d 49 6e 66", "infinite"),
        ("a3 4e 61 4e", "NaN"),
    ] {
        let e = msgpack_err(bytes, &Type::Number);
        assert!(e.message.contains(needle), "{bytes}: {e}");
    }
}

#[test]
fn msgpack_bounds_huge_number_text() {
    let e = msgpack::decode(
        &msgpack::encode(&Value::string("1e999999999"), &Type::String).expect("enc"),
        &Type::Number,
    )
    .expect_err("exponent too large");
    assert!(e.message.contains("out of the supported range"), "{e}");
    let long = "9".repeat(5000);
    let bytes = msgpack::encode(&Value::string(long), &Type::String).expect("enc");
    msgpack::decode(&bytes, &Type::Number).expect_err("too many digits");
}

#[test]
fn msgpack_rejects_refinement_misuse() {
    msgpack_err("c7 04 0c 81 02 a1 61", &Type::Number); // prefix on number
    msgpack_err("c7 05 0c 81 03 92 00 c3", &Type::String); // number bound on string
    msgpack_err("c7 03 0c 81 05 01", &Type::String); // length bound on string
    msgpack_err("c7 03 0c 81 01 01", &Type::String); // nullness not bool
    msgpack_err("c7 03 0c 91 01 c2", &Type::String); // payload not a map
    msgpack_err("c7 03 0b 81 01 c2", &Type::String); // wrong extension code
    msgpack_err("c7 03 0c 81 a1 61", &Type::String); // non-integer key
                                                     // Oversize refinement payload (> 1 KiB).
    let mut big = unhex("c8 04 01 0c");
    big.extend(std::iter::repeat_n(0u8, 0x0401));
    msgpack::decode(&big, &Type::String).expect_err("oversize refinement");
}

#[test]
fn msgpack_truncated_input_is_an_error_at_every_cut() {
    let ty = obj(&[
        ("a", Type::String),
        ("l", list(Type::Number)),
        ("d", Type::Dynamic),
        ("u", Type::String),
    ]);
    let value = Value::object([
        ("a", Value::string("hello")),
        (
            "l",
            Value::List(vec![num("1"), num("0.1"), num("1e20"), num("-70000")]),
        ),
        ("d", Value::object([("k", Value::string("v"))])),
        (
            "u",
            Value::Unknown(Refinements {
                not_null: true,
                string_prefix: Some("x".into()),
            }),
        ),
    ]);
    let bytes = msgpack::encode(&value, &ty).expect("encode");
    assert_eq!(msgpack::decode(&bytes, &ty).expect("full"), value);
    for cut in 0..bytes.len() {
        assert!(
            msgpack::decode(&bytes[..cut], &ty).is_err(),
            "prefix of {cut} bytes decoded"
        );
    }
    let mut trailing = bytes.clone();
    trailing.push(0xc0);
    let e = msgpack::decode(&trailing, &ty).expect_err("trailing byte");
    assert!(e.message.contains("unexpected bytes"), "{e}");
}

#[test]
fn msgpack_huge_declared_lengths_fail_cleanly() {
    let cases: Vec<(&str, Type)> = vec![
        ("dd ff ff ff ff 01 02 03 04 05", list(Type::Number)),
        ("dd ff ff ff ff 01 02 03 04 05", set(Type::Number)),
        (
            "dd ff ff ff ff 01 02 03 04 05",
            Type::Tuple(vec![Type::Number]),
        ),
        ("df ff ff ff ff a1 61 01 02 03", map(Type::Number)),
        ("df ff ff ff ff a1 61 01 02 03", obj(&[("a", Type::Number)])),
        ("db ff ff ff ff 61 62 63 64 65", Type::String),
        ("c6 ff ff ff ff 61 62 63 64 65", Type::String),
        ("c9 ff ff ff ff 0c 81 01 c2 00", Type::String),
        ("dd ff ff ff ff c4 ff 00 00 00", Type::Dynamic),
    ];
    for (bytes, ty) in cases {
        let e = msgpack_err(bytes, &ty);
        assert!(
            e.message.contains("exceeds") || e.message.contains("two elements"),
            "{bytes}: {e}"
        );
    }
}

#[test]
fn msgpack_nesting_is_capped() {
    let mut ty = Type::Bool;
    for _ in 0..300 {
        ty = list(ty);
    }
    let mut bytes = vec![0x91u8; 300];
    bytes.push(0xc3);
    let e = msgpack::decode(&bytes, &ty).expect_err("too deep");
    assert!(e.message.contains("nested deeper"), "{e}");

    // The same nesting through dynamic wrappers, each carrying "dynamic".
    let mut bytes = Vec::new();
    for _ in 0..300 {
        bytes.extend(unhex("92 a9 22 64 79 6e 61 6d 69 63 22"));
    }
    bytes.push(0xc3);
    let e = msgpack::decode(&bytes, &Type::Dynamic).expect_err("too deep");
    assert!(e.message.contains("nested deeper"), "{e}");

    // Within the cap, deep nesting works.
    let mut ty = Type::Bool;
    let mut value = Value::Bool(true);
    for _ in 0..200 {
        ty = list(ty);
        value = Value::List(vec![value]);
    }
    assert_eq!(msgpack_round_trip(&value, &ty), value);
}

#[test]
fn msgpack_encode_rejects_mismatches() {
    let ty = obj(&[("a", Type::String)]);
    let e = msgpack::encode(&Value::object([("b", Value::string("x"))]), &ty)
        .expect_err("extra attribute");
    assert_eq!(e.path.to_string(), "b");
    let e = msgpack::encode(&Value::object([("a", Value::Bool(true))]), &ty)
        .expect_err("wrong attribute type");
    assert_eq!(e.path.to_string(), "a");
    msgpack::encode(
        &Value::Tuple(vec![Value::Bool(true)]),
        &Type::Tuple(vec![Type::Bool, Type::Bool]),
    )
    .expect_err("tuple length");
    msgpack::encode(
        &Value::List(vec![Value::string("a"), Value::Bool(true)]),
        &Type::Dynamic,
    )
    .expect_err("inconsistent list element types");
    // An attribute absent from the value is written as null.
    assert_eq!(
        hex(&msgpack::encode(&Value::object::<[(&str, Value); 0], &str>([]), &ty).expect("enc")),
        "81 a1 61 c0"
    );
}

// ---------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------

#[test]
fn json_round_trips_every_known_case() {
    for (ty, value) in known_cases() {
        assert_eq!(json_round_trip(&value, &ty), value, "type {ty:?}");
    }
}

#[test]
fn json_golden_encodings() {
    let ty = obj(&[
        ("a", Type::String),
        ("n", Type::Number),
        ("l", list(Type::Bool)),
        ("m", map(Type::Number)),
    ]);
    let value = Value::object([
        ("n", num("1180591620717411303424")),
        ("a", Value::string("q\"<")),
        ("l", Value::List(vec![Value::Bool(true), Value::Null])),
        ("m", vmap(&[("z", num("0.1")), ("b", num("-1e20"))])),
    ]);
    assert_eq!(
        String::from_utf8(json::encode(&value, &ty).expect("encode")).expect("utf8"),
        r#"{"a":"q\"<","l":[true,null],"m":{"b":-100000000000000000000,"z":0.1},"n":1180591620717411303424}"#
    );
    let dynamic =
        json::encode(&Value::List(vec![Value::string("x")]), &Type::Dynamic).expect("enc");
    assert_eq!(
        String::from_utf8(dynamic).expect("utf8"),
        r#"{"value":["x"],"type":["list","string"]}"#
    );
    let tiny = json::encode(&num("1.5e-300"), &Type::Number).expect("enc");
    assert_eq!(tiny.len(), 303);
    assert!(tiny.starts_with(b"0.000") && tiny.ends_with(b"015"));
    assert_eq!(
        json::encode(&Value::Null, &Type::Dynamic).expect("enc"),
        b"null"
    );
}

#[test]
fn json_numbers_are_read_exactly() {
    let cases = [
        ("1180591620717411303424", "1180591620717411303424"),
        ("0.1", "0.1"),
        ("1e20", "100000000000000000000"),
        ("-0", "0"),
        ("1.5E-300", "1.5e-300"),
        (
            "-98765432109876543210987654321",
            "-98765432109876543210987654321",
        ),
        ("  12.50  ", "12.5"),
        ("\"42\"", "42"),
    ];
    for (text, want) in cases {
        assert_eq!(
            json::decode(text.as_bytes(), &Type::Number).expect(text),
            num(want),
            "{text}"
        );
    }
}

#[test]
fn json_converts_primitives_like_cty() {
    assert_eq!(
        json::decode(b"12.50", &Type::String).expect("num as string"),
        Value::string("12.50")
    );
    assert_eq!(
        json::decode(b"true", &Type::String).expect("bool as string"),
        Value::string("true")
    );
    assert_eq!(
        json::decode(b"\"false\"", &Type::Bool).expect("string as bool"),
        Value::Bool(false)
    );
    assert_eq!(
        json::decode(b"\"1\"", &Type::Bool).expect("\"1\" as bool"),
        Value::Bool(true)
    );
    json::decode(b"\"yes\"", &Type::Bool).expect_err("not a bool");
    json::decode(b"\"True\"", &Type::Bool).expect_err("not lowercase");
    json::decode(b"\"abc\"", &Type::Number).expect_err("not a number");
    json::decode(b"[]", &Type::String).expect_err("array as string");
}

#[test]
fn json_objects_missing_attributes_are_null_and_unknown_ones_are_named() {
    let ty = obj(&[("a", Type::String), ("n", Type::Number)]);
    assert_eq!(
        json::decode(br#"{"n": 3}"#, &ty).expect("decode"),
        Value::object([("a", Value::Null), ("n", num("3"))])
    );
    let e = json::decode(br#"{"a": "x", "legacy_field": 1}"#, &ty).expect_err("extra");
    assert!(e.to_string().contains("legacy_field"), "{e}");
    let nested = obj(&[("inner", list(obj(&[("x", Type::Bool)])))]);
    let e = json::decode(br#"{"inner": [{"x": true}, {"x": 7}]}"#, &nested).expect_err("type");
    assert_eq!(e.path.to_string(), "inner[1].x");
}

#[test]
fn json_dynamic_values() {
    let ty = obj(&[("d", Type::Dynamic)]);
    let v = json::decode(
        br#"{"d": {"type": ["map","number"], "value": {"k": 1.25}}}"#,
        &ty,
    )
    .expect("decode");
    assert_eq!(v, Value::object([("d", vmap(&[("k", num("1.25"))]))]));
    assert_eq!(
        json::decode(br#"{"d": null}"#, &ty).expect("null"),
        Value::object([("d", Value::Null)])
    );
    for bad in [
        r#"{"d": {"value": 1}}"#,
        r#"{"d": {"type": "number"}}"#,
        r#"{"d": {"type": "number", "value": 1, "extra": 2}}"#,
        r#"{"d": {"type": "numbr", "value": 1}}"#,
        r#"{"d": 5}"#,
    ] {
        let e = json::decode(bad.as_bytes(), &ty).expect_err(bad);
        assert_eq!(e.path.to_string(), "d", "{bad}: {e}");
    }
}

#[test]
fn json_cannot_encode_unknowns() {
    let ty = obj(&[("a", list(Type::String))]);
    let value = Value::object([("a", Value::List(vec![Value::string("x"), Value::unknown()]))]);
    let e = json::encode(&value, &ty).expect_err("unknown");
    assert_eq!(e.path.to_string(), "a[1]");
    assert!(e.message.contains("not known"), "{e}");
}

#[test]
fn json_syntax_errors_and_hostile_input() {
    for bad in [
        "",
        "{",
        "[1,]",
        "[1 2]",
        "{\"a\" 1}",
        "01",
        "1.",
        ".5",
        "1e",
        "-",
        "+1",
        "nul",
        "tru",
        "\"abc",
        "\"\\x\"",
        "\"\\u12\"",
        "\"a\u{1}\"",
        "[1] x",
        "{\"a\":1,}",
        "NaN",
        "Infinity",
    ] {
        assert!(
            json::decode(bad.as_bytes(), &list(Type::Number)).is_err()
                && json::decode(bad.as_bytes(), &Type::Number).is_err(),
            "{bad:?} decoded"
        );
    }
    json::decode(b"\"\xff\"", &Type::String).expect_err("not UTF-8");
    json::decode(b"1e999999999", &Type::Number).expect_err("exponent out of range");

    let deep = "[".repeat(300) + &"]".repeat(300);
    let e = json::decode(deep.as_bytes(), &Type::Dynamic).expect_err("deep");
    assert!(e.message.contains("nested deeper"), "{e}");
    json::decode_type(deep.as_bytes()).expect_err("deep type");
}

#[test]
fn json_string_escapes() {
    assert_eq!(
        json::decode(
            br#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800x""#,
            &Type::String
        )
        .expect("decode"),
        Value::string("a\"\\/\u{8}\u{c}\n\r\t\u{e9}\u{1F600}\u{fffd}x")
    );
}

#[test]
fn json_set_keeps_order_and_drops_duplicates() {
    assert_eq!(
        json::decode(b"[\"b\", \"a\", \"b\"]", &set(Type::String)).expect("decode"),
        Value::Set(vec![Value::string("b"), Value::string("a")])
    );
}

// ---------------------------------------------------------------------------
// Type JSON
// ---------------------------------------------------------------------------

#[test]
fn type_json_round_trips_and_golden_forms() {
    let cases: Vec<(Type, &str)> = vec![
        (Type::Bool, r#""bool""#),
        (Type::Number, r#""number""#),
        (Type::String, r#""string""#),
        (Type::Dynamic, r#""dynamic""#),
        (list(Type::String), r#"["list","string"]"#),
        (set(Type::Number), r#"["set","number"]"#),
        (map(list(Type::Bool)), r#"["map",["list","bool"]]"#),
        (
            Type::Tuple(vec![Type::String, Type::Dynamic]),
            r#"["tuple",["string","dynamic"]]"#,
        ),
        (Type::Tuple(vec![]), r#"["tuple",[]]"#),
        (
            obj(&[("z", Type::Number), ("a", set(Type::String))]),
            r#"["object",{"a":["set","string"],"z":"number"}]"#,
        ),
        (obj(&[]), r#"["object",{}]"#),
    ];
    for (ty, text) in cases {
        assert_eq!(
            String::from_utf8(json::encode_type(&ty)).expect("utf8"),
            text
        );
        assert_eq!(json::decode_type(text.as_bytes()).expect(text), ty);
    }
}

#[test]
fn type_json_accepts_optional_attribute_form_and_rejects_garbage() {
    assert_eq!(
        json::decode_type(br#" ["object", {"a": "string", "b": "number"}, ["b"]] "#)
            .expect("optional form"),
        obj(&[("a", Type::String), ("b", Type::Number)])
    );
    for bad in [
        r#""int""#,
        r#"["list"]"#,
        r#"["list","string","x"]"#,
        r#"["tuple","string"]"#,
        r#"["object",["a"]]"#,
        r#"["object",{"a":"string"},[1]]"#,
        r#"["what","string"]"#,
        r#"[]"#,
        r#"{"list":"string"}"#,
        r#""string" "string""#,
        "7",
    ] {
        assert!(json::decode_type(bad.as_bytes()).is_err(), "{bad} decoded");
    }
}

#[test]
fn implied_types_fill_in_across_elements() {
    let value = Value::List(vec![
        Value::object([("a", Value::Null), ("b", Value::List(vec![]))]),
        Value::object([
            ("a", Value::string("x")),
            ("b", Value::List(vec![num("1")])),
        ]),
    ]);
    assert_eq!(
        Type::implied_by(&value).expect("implied"),
        list(obj(&[("a", Type::String), ("b", list(Type::Number))]))
    );
    assert_eq!(msgpack_round_trip(&value, &Type::Dynamic), value);
    assert_eq!(json_round_trip(&value, &Type::Dynamic), value);
}

// ---------------------------------------------------------------------------
// Number text helpers
// ---------------------------------------------------------------------------

#[test]
fn number_text_parsing_accepts_cty_forms_and_bounds_size() {
    for (text, want) in [
        ("0", "0"),
        ("-0", "0"),
        ("+7", "7"),
        ("7.", "7"),
        (".5", "0.5"),
        ("-.5e1", "-5"),
        ("1E+3", "1000"),
        ("1e-0", "1"),
        ("000123.4500", "123.45"),
    ] {
        assert_eq!(
            Number::parse_text(text).expect(text),
            Number::from_str(want).expect(want),
            "{text}"
        );
    }
    for bad in [
        "", "-", ".", "e5", "1e", "1e+", "1.2.3", "1,5", " 1", "1 ", "0x10", "1_000", "--1", "abc",
    ] {
        assert!(
            matches!(Number::parse_text(bad), Err(NumberTextError::Syntax(_))),
            "{bad:?}"
        );
    }
    assert_eq!(Number::parse_text("-Inf"), Err(NumberTextError::Infinite));
    assert_eq!(
        Number::parse_text("infinity"),
        Err(NumberTextError::Infinite)
    );
    assert_eq!(Number::parse_text("NaN"), Err(NumberTextError::NotANumber));
    assert!(matches!(
        Number::parse_text("1e4097"),
        Err(NumberTextError::OutOfRange(_))
    ));
    assert!(Number::parse_text("1e4096").is_ok());
    assert!(matches!(
        Number::parse_text(&"1".repeat(MAX_NUMBER_DIGITS + 1)),
        Err(NumberTextError::OutOfRange(_))
    ));
    assert!(Number::parse_text(&"1".repeat(MAX_NUMBER_DIGITS)).is_ok());
}

#[test]
fn number_text_is_plain_decimal_and_exact_floats_are_detected() {
    let n = |s: &str| Number::from_str(s).expect(s);
    assert_eq!(n("1e20").to_text(), "100000000000000000000");
    assert_eq!(n("0.10").to_text(), "0.1");
    assert_eq!(n("-2.500").to_text(), "-2.5");
    assert_eq!(
        n("1180591620717411303424").to_text(),
        "1180591620717411303424"
    );
    // Extreme exponents switch to scientific notation, which parses back.
    let tiny = n("1.5e-2000");
    assert!(tiny.to_text().contains('e'), "{}", tiny.to_text());
    assert_eq!(Number::parse_text(&tiny.to_text()).expect("reparse"), tiny);

    assert_eq!(n("1.5").to_exact_f64(), Some(1.5));
    assert_eq!(n("1e20").to_exact_f64(), Some(1e20));
    assert_eq!(n("0.1").to_exact_f64(), None);
    assert_eq!(n("18446744073709551615").to_exact_f64(), None);
    assert_eq!(
        Number::from_f64_exact(0.1).expect("finite"),
        n("0.1000000000000000055511151231257827021181583404541015625")
    );
    assert_eq!(Number::from_f64_exact(f64::INFINITY), None);
    assert_eq!(Number::from_f64_exact(-0.0).expect("zero"), n("0"));
    // The smallest subnormal is exact, with 1074 decimal places.
    let min = Number::from_f64_exact(f64::from_bits(1)).expect("subnormal");
    assert_eq!(min.to_exact_f64(), Some(f64::from_bits(1)));
    assert_eq!(Number::parse_text(&min.to_text()).expect("reparse"), min);
}
