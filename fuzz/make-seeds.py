#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the fuzz targets into fuzz/corpus/<target>/seed-*.

Deterministic: running it again rewrites the same files. Inputs the fuzzer finds
live beside the seeds under their SHA-1 names (scripts/fuzz FUZZ_KEEP=1 adds them).
The msgpack is spelled out with a few helpers below, byte by byte as go-cty writes it.
"""

import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
PROJECT = "550e8400-e29b-41d4-a716-446655440002"


# --- a minimal msgpack writer ------------------------------------------------

def mp_nil():
    return b"\xc0"


def mp_bool(b):
    return b"\xc3" if b else b"\xc2"


def mp_int(i):
    if 0 <= i <= 0x7F:
        return bytes([i])
    if -32 <= i < 0:
        return struct.pack("b", i)
    if -(2**63) <= i < 2**63:
        return b"\xd3" + struct.pack(">q", i)
    raise ValueError(i)


def mp_float(f):
    return b"\xcb" + struct.pack(">d", f)


def mp_str(s):
    b = s.encode("utf-8")
    n = len(b)
    if n < 32:
        return bytes([0xA0 | n]) + b
    if n < 256:
        return b"\xd9" + bytes([n]) + b
    if n < 65536:
        return b"\xda" + struct.pack(">H", n) + b
    return b"\xdb" + struct.pack(">I", n) + b


def mp_bin(b):
    if len(b) < 256:
        return b"\xc4" + bytes([len(b)]) + b
    return b"\xc5" + struct.pack(">H", len(b)) + b


def mp_array(items):
    n = len(items)
    head = bytes([0x90 | n]) if n < 16 else b"\xdc" + struct.pack(">H", n)
    return head + b"".join(items)


def mp_map(pairs):
    """pairs: list of (encoded key, encoded value), written in the given order."""
    n = len(pairs)
    head = bytes([0x80 | n]) if n < 16 else b"\xde" + struct.pack(">H", n)
    return head + b"".join(k + v for k, v in pairs)


def mp_obj(attrs):
    """An object: attribute name -> encoded value, in sorted order."""
    return mp_map([(mp_str(k), attrs[k]) for k in sorted(attrs)])


UNKNOWN = b"\xd4\x00\x00"


def refined_unknown(not_null=None, prefix=None, extra=()):
    pairs = []
    if not_null is not None:
        pairs.append((mp_int(1), mp_bool(not not_null)))
    if prefix is not None:
        pairs.append((mp_int(2), mp_str(prefix)))
    pairs.extend(extra)
    payload = mp_map(pairs)
    assert len(payload) < 256
    return b"\xc7" + bytes([len(payload)]) + b"\x0c" + payload


def dynamic(type_json, value, as_str=False):
    t = json.dumps(type_json, separators=(",", ":")).encode()
    return mp_array([mp_str(t.decode()) if as_str else mp_bin(t), value])


# --- values ---------------------------------------------------------------------

def connection(**over):
    attrs = {
        "auth_provider": mp_str("NONE"),
        "auth_type": mp_str("GENERIC_SECRET"),
        "connection_properties": mp_array([mp_obj({
            "credential_secret_name": mp_nil(),
            "secret_key": mp_str("password"),
            "secret_name": mp_str("warehouse-creds"),
        })]),
        "created_by": mp_str("alice@example.com"),
        "created_date": mp_str("2026-01-02T03:04:05Z"),
        "description": mp_str("Snowflake warehouse ❄ connection"),
        "id": mp_str(PROJECT + "/warehouse"),
        "name": mp_str("warehouse"),
        "platform_connection_type": mp_str("COMPONENT_BASIC"),
        "project_id": mp_str(PROJECT),
        "secrets_location": mp_array([mp_obj({
            "gcp_project_id": mp_nil(),
            "region": mp_str("eu-west-1"),
            "type": mp_str("AWS_SECRET_MANAGER"),
            "vault_name": mp_nil(),
        })]),
    }
    attrs.update(over)
    return mp_obj(attrs)


def msgpack_seeds():
    planned = connection(
        id=UNKNOWN,
        created_by=UNKNOWN,
        created_date=refined_unknown(not_null=True),
        auth_provider=refined_unknown(not_null=True, prefix="NO"),
        secrets_location=mp_array([]),
        connection_properties=mp_nil(),
    )
    reversed_keys = mp_map(
        [(mp_str(k), mp_nil()) for k in reversed(sorted([
            "auth_provider", "auth_type", "connection_properties", "created_by",
            "created_date", "description", "id", "name", "platform_connection_type",
            "project_id", "secrets_location"]))])
    nested = mp_obj({
        "a": mp_array([dynamic("string", mp_str("x")), dynamic(["list", "number"],
                                                                mp_array([mp_int(1), mp_int(-5)]))]),
        "b": mp_array([mp_obj({"x": mp_str("k"), "y": mp_float(1.5)}),
                       mp_obj({"x": mp_str("k"), "y": mp_float(1.5)})]),
        "c": mp_map([(mp_str("tags"), mp_array([mp_str("a"), mp_str("b")])),
                     (mp_str("empty"), mp_array([]))]),
        "d": mp_array([mp_str("s"), mp_str("123456789012345678901234567890.5"),
                       dynamic(["object", {"n": "number"}], mp_obj({"n": mp_int(7)}))]),
    })
    return {
        "connection": connection(),
        "connection-planned": planned,
        "connection-null-attrs-unsorted": reversed_keys,
        "connection-unknown": UNKNOWN,
        "null": mp_nil(),
        "refined-unknown-string-list": mp_array([
            refined_unknown(not_null=True, prefix="arn:aws:"),
            refined_unknown(prefix="x" * 40),
            refined_unknown(not_null=False),
        ]),
        "refined-unknown-set-length": refined_unknown(
            not_null=True, extra=[(mp_int(5), mp_int(1)), (mp_int(6), mp_int(3))]),
        "refined-unknown-number-bounds": mp_array([
            refined_unknown(extra=[(mp_int(3), mp_array([mp_int(0), mp_bool(True)])),
                                   (mp_int(4), mp_array([mp_float(9.5), mp_bool(False)]))]),
        ]),
        "refined-unknown-future-key": mp_array([
            refined_unknown(not_null=True, extra=[(mp_int(99), mp_str("ignored"))])]),
        "numbers-set": mp_array([mp_int(0), mp_int(-1), mp_int(2**63 - 1), mp_float(0.1),
                                 mp_str("1e400"), mp_str("-0.000000000001"), mp_int(0)]),
        "map-list-bool": mp_map([(mp_str("k"), mp_array([mp_bool(True), mp_bool(False), mp_nil()])),
                                 (mp_str("ünï"), mp_array([]))]),
        "nested-object": nested,
        "dynamic-string": dynamic("string", mp_str("hello")),
        "dynamic-str-typed": dynamic(["map", "bool"], mp_map([(mp_str("a"), mp_bool(True))]),
                                     as_str=True),
        "dynamic-connection-like": dynamic(
            ["object", {"name": "string", "tags": ["set", "string"], "n": "dynamic"}],
            mp_obj({"name": mp_str("x"), "tags": mp_array([mp_str("a")]),
                    "n": dynamic(["tuple", ["bool", "number"]], mp_array([mp_bool(False), mp_int(3)]))})),
        "dynamic-nested-dynamic": dynamic("dynamic", dynamic("number", mp_int(1))),
        "dynamic-set-dynamic": mp_array([dynamic("string", mp_str("a")),
                                         dynamic("string", mp_str("b"))]),
        "deep-arrays": b"\x91" * 300 + mp_nil(),
        "long-declared-array": b"\xdd\xff\xff\xff\xff",
        "trailing-byte": mp_nil() + b"\x00",
    }


# --- JSON -----------------------------------------------------------------------

def json_seeds():
    state = {
        "auth_provider": "NONE", "auth_type": "GENERIC_SECRET",
        "connection_properties": [{"credential_secret_name": None, "secret_key": "password",
                                   "secret_name": "warehouse-creds"}],
        "created_by": "alice@example.com", "created_date": "2026-01-02T03:04:05Z",
        "description": "Snowflake warehouse \u2744 connection", "id": PROJECT + "/warehouse",
        "name": "warehouse", "platform_connection_type": "COMPONENT_BASIC",
        "project_id": PROJECT,
        "secrets_location": [{"gcp_project_id": None, "region": "eu-west-1",
                              "type": "AWS_SECRET_MANAGER", "vault_name": None}],
    }
    text = {
        "connection-state.json": json.dumps(state, indent=1, ensure_ascii=False),
        "connection-state-sparse.json": json.dumps({"name": "x", "project_id": PROJECT}),
        "connection-state-extra-attr.json": json.dumps({"name": "x", "removed_attr": 1}),
        "dynamic-list.json": '{"value": ["a", "b"], "type": ["list", "string"]}',
        "dynamic-object.json": '{"type": ["object", {"n": "number", "d": "dynamic"}],'
                               ' "value": {"n": 1e3, "d": {"value": true, "type": "bool"}}}',
        "dynamic-optional-attrs.json": '{"value": {"a": null}, "type": ["object", {"a": "string"}, ["a"]]}',
        "numbers.json": '[0, -0, 1.50, 1e-7, "12", 123456789012345678901234567890.123, 5E+2]',
        "strings-conversions.json": '["x", 12, true, "\\u00e9\\ud83d\\ude00", ""]',
        "map-list-bool.json": '{"k": [true, "false", "1", "0", null], "empty": []}',
        "nested-object.json": '{"a": [{"value": "x", "type": "string"}], '
                              '"b": [{"x": "k", "y": 1}, {"x": "k", "y": 1.0}], '
                              '"c": {"t": ["a", "a"]}, "d": ["s", 2, {"value": [1], "type": ["tuple", ["number"]]}]}',
        "set-dynamic.json": '[{"value": 1, "type": "number"}, {"value": "1", "type": "string"}]',
        "duplicate-keys.json": '{"name": "a", "name": "b"}',
        "null.json": "null",
        "type-object.json": '["object", {"a": "string", "b": ["list", ["map", "number"]], '
                            '"c": ["set", "bool"], "d": ["tuple", ["dynamic", "string"]]}]',
        "type-optional.json": '["object", {"a": "string"}, ["a"]]',
        "type-primitive.json": '"number"',
        "deep-arrays.json": "[" * 300 + "]" * 300,
        "trailing.json": '"x" x',
        "bad-utf8.json": None,
    }
    out = {k: v.encode("utf-8") for k, v in text.items() if v is not None}
    out["bad-utf8.json"] = b'"\xff\xfe"'
    return out


def problem_seeds():
    fields = ["name", "authType", "connectionDetails.connectionProperties.secretName",
              "connectionDetails.secretsLocation.vaultName", "$.connectionDetails.description",
              "platformConnectionType", "somethingElse", "connectionDetails.connectionProperties",
              "", "ünïcødé.field"]
    seps = [": ", " ", " - ", ":", " :: "]
    many = [f"{fields[i % len(fields)]}{seps[i % len(seps)]}violation number {i}" for i in range(1000)]
    docs = {
        "basic.json": {"type": "https://example.com/problems/validation", "title": "Bad Request",
                       "status": 400, "detail": "Validation failed", "instance": "/v1/projects/x",
                       "violations": ["name: must not be blank"]},
        "violations-1000.json": {"title": "Bad Request", "status": 400, "violations": many},
        "about-blank.json": {"type": "about:blank", "title": "Not Found", "status": 404},
        "empty.json": {},
        "odd-status.json": {"status": -70000, "detail": "  \n  ", "violations": ["", " ", ":"]},
        "unicode.json": {"title": "Fehler ⚠", "detail": "名前は必須です",
                         "violations": ["name: 名前は必須です", "authType\u00a0must be ✓"]},
        "nulls.json": {"type": None, "title": None, "status": None, "detail": None, "instance": None},
        "extra-fields.json": {"title": "x", "errors": [{"field": "name"}], "timestamp": 1},
    }
    out = {k: json.dumps(v, ensure_ascii=False).encode() for k, v in docs.items()}
    out["status-string.json"] = b'{"status": "400", "title": "x"}'
    out["not-object.json"] = b'["name: x"]'
    out["truncated.json"] = b'{"title": "Bad Req'
    return out


def import_id_seeds():
    ids = {
        "valid": f"{PROJECT}/warehouse",
        "slashes": f"{PROJECT}/team/a/b//c/",
        "unicode-name": f"{PROJECT}/données-☃-接続",
        "whitespace": f"  {PROJECT}/ spaced name \t\n",
        "uppercase-uuid": "550E8400-E29B-41D4-A716-446655440002/x",
        "empty-name": f"{PROJECT}/",
        "no-slash": "warehouse",
        "only-slash": "/",
        "long-unicode-project": "é" * 200 + "/x",
        "uuid-like-unicode": "550e8400-e29b-41d4-a716-44665544000é/x",
    }
    out = {k: v.encode("utf-8") for k, v in ids.items()}
    out["invalid-utf8"] = PROJECT.encode() + b"/\xff\xfe"
    return out


def main():
    seeds = {
        "cty_msgpack": msgpack_seeds(),
        "cty_json": json_seeds(),
        "problem_detail": problem_seeds(),
        "import_id": import_id_seeds(),
    }
    for target, files in seeds.items():
        d = os.path.join(CORPUS, target)
        os.makedirs(d, exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(d, "seed-" + name), "wb") as f:
                f.write(data)
        print(f"{target}: {len(files)} seeds", file=sys.stderr)


if __name__ == "__main__":
    main()
