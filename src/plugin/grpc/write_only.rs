//! Write-only attributes (protocol 6.9): their values come from
//! configuration only and must never be planned or stored, so every state
//! this layer hands back to Terraform has them null, whatever the provider
//! code returned.

use std::collections::BTreeMap;

use crate::plugin::cty::{AttributePath, Value};
use crate::plugin::schema::{Attribute, Block, NestingMode};

/// Whether `block` has a write-only attribute anywhere inside it.
pub fn has_write_only(block: &Block) -> bool {
    block.attributes.iter().any(attribute_has_write_only)
        || block.blocks.iter().any(|b| has_write_only(&b.block))
}

fn attribute_has_write_only(a: &Attribute) -> bool {
    a.write_only
        || a.nested
            .as_ref()
            .is_some_and(|n| n.attributes.iter().any(attribute_has_write_only))
}

/// Sets every write-only attribute in `value` (an object of `block`) to null.
pub fn null_write_only(value: &mut Value, block: &Block) {
    let Value::Object(attrs) = value else {
        return;
    };
    null_in_attributes(attrs, &block.attributes);
    for b in &block.blocks {
        if let Some(v) = attrs.get_mut(&b.type_name) {
            for_each_nested(v, b.nesting, &mut |inner| null_write_only(inner, &b.block));
        }
    }
}

fn null_in_attributes(obj: &mut BTreeMap<String, Value>, attributes: &[Attribute]) {
    for a in attributes {
        let Some(v) = obj.get_mut(&a.name) else {
            continue;
        };
        if a.write_only {
            *v = Value::Null;
        } else if let Some(n) = &a.nested {
            for_each_nested(v, n.nesting, &mut |inner| {
                if let Value::Object(o) = inner {
                    null_in_attributes(o, &n.attributes);
                }
            });
        }
    }
}

/// The paths of write-only attributes that are set (not null) in `value`,
/// an object of `block`: what an old Terraform must be told it cannot send.
pub fn set_paths(value: &Value, block: &Block) -> Vec<AttributePath> {
    let mut out = Vec::new();
    collect_block(value, block, &AttributePath::root(), &mut out);
    out
}

fn collect_block(value: &Value, block: &Block, at: &AttributePath, out: &mut Vec<AttributePath>) {
    let Value::Object(attrs) = value else {
        return;
    };
    collect_attributes(attrs, &block.attributes, at, out);
    for b in &block.blocks {
        if let Some(v) = attrs.get(&b.type_name) {
            let here = at.clone().then_attr(&b.type_name);
            for_each_nested_at(v, b.nesting, &here, &mut |inner, p| {
                collect_block(inner, &b.block, p, out)
            });
        }
    }
}

fn collect_attributes(
    obj: &BTreeMap<String, Value>,
    attributes: &[Attribute],
    at: &AttributePath,
    out: &mut Vec<AttributePath>,
) {
    for a in attributes {
        let Some(v) = obj.get(&a.name) else {
            continue;
        };
        let here = at.clone().then_attr(&a.name);
        if a.write_only {
            if !v.is_null() {
                out.push(here);
            }
        } else if let Some(n) = &a.nested {
            for_each_nested_at(v, n.nesting, &here, &mut |inner, p| {
                if let Value::Object(o) = inner {
                    collect_attributes(o, &n.attributes, p, out);
                }
            });
        }
    }
}

/// Like [`for_each_nested`], read-only, with each object's path.
fn for_each_nested_at(
    v: &Value,
    nesting: NestingMode,
    at: &AttributePath,
    f: &mut dyn FnMut(&Value, &AttributePath),
) {
    match (nesting, v) {
        (NestingMode::Single | NestingMode::Group, v) => f(v, at),
        (NestingMode::List | NestingMode::Set, Value::List(items) | Value::Set(items)) => {
            for (i, item) in items.iter().enumerate() {
                // Set elements have no index in Terraform's paths; the
                // position still tells the user which one.
                let p = at.clone().then_index(i64::try_from(i).unwrap_or(i64::MAX));
                f(item, &p);
            }
        }
        (NestingMode::Map, Value::Map(items) | Value::Object(items)) => {
            for (k, item) in items {
                f(item, &at.clone().then_key(k));
            }
        }
        _ => {}
    }
}

/// Calls `f` on each object a nested value holds for `nesting`.
fn for_each_nested(v: &mut Value, nesting: NestingMode, f: &mut dyn FnMut(&mut Value)) {
    match (nesting, v) {
        (NestingMode::Single | NestingMode::Group, v) => f(v),
        (NestingMode::List | NestingMode::Set, Value::List(items) | Value::Set(items)) => {
            items.iter_mut().for_each(f)
        }
        (NestingMode::Map, Value::Map(items) | Value::Object(items)) => {
            items.values_mut().for_each(f)
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::cty::Type;
    use crate::plugin::schema::{NestedAttributes, NestedBlock};

    fn wo(name: &str) -> Attribute {
        Attribute {
            write_only: true,
            ..Attribute::new(name, Type::String).optional()
        }
    }

    fn schema() -> Block {
        Block {
            attributes: vec![
                Attribute::new("name", Type::String).required(),
                wo("password"),
                Attribute {
                    name: "creds".into(),
                    nested: Some(NestedAttributes {
                        attributes: vec![Attribute::new("user", Type::String), wo("key")],
                        nesting: NestingMode::List,
                    }),
                    optional: true,
                    ..Attribute::default()
                },
            ],
            blocks: vec![NestedBlock {
                type_name: "conn".into(),
                nesting: NestingMode::Map,
                block: Block {
                    attributes: vec![wo("token"), Attribute::new("host", Type::String)],
                    ..Block::default()
                },
                ..NestedBlock::default()
            }],
            ..Block::default()
        }
    }

    #[test]
    fn detects_write_only_at_any_depth() {
        assert!(has_write_only(&schema()));
        let plain = Block {
            attributes: vec![Attribute::new("a", Type::String)],
            ..Block::default()
        };
        assert!(!has_write_only(&plain));
    }

    #[test]
    fn nulls_top_level_nested_attribute_and_block_values() {
        let s = Value::string;
        let mut v = Value::object([
            ("name", s("n")),
            ("password", s("p")),
            (
                "creds",
                Value::List(vec![Value::object([("user", s("u")), ("key", s("k"))])]),
            ),
            (
                "conn",
                Value::Map(
                    [(
                        "a".to_string(),
                        Value::object([("token", s("t")), ("host", s("h"))]),
                    )]
                    .into_iter()
                    .collect(),
                ),
            ),
        ]);
        null_write_only(&mut v, &schema());
        assert_eq!(v.get_attr("name").as_str(), Some("n"));
        assert!(v.get_attr("password").is_null());
        let cred = &v.get_attr("creds").as_elements().expect("list")[0];
        assert_eq!(cred.get_attr("user").as_str(), Some("u"));
        assert!(cred.get_attr("key").is_null());
        let conn = v.get_attr("conn").get_attr("a");
        assert!(conn.get_attr("token").is_null());
        assert_eq!(conn.get_attr("host").as_str(), Some("h"));
    }

    #[test]
    fn finds_paths_of_set_write_only_values() {
        let s = Value::string;
        let v = Value::object([
            ("name", s("n")),
            ("password", Value::unknown()),
            (
                "creds",
                Value::List(vec![
                    Value::object([("user", s("u")), ("key", Value::Null)]),
                    Value::object([("user", s("u")), ("key", s("k"))]),
                ]),
            ),
            (
                "conn",
                Value::Map(
                    [(
                        "a".to_string(),
                        Value::object([("token", s("t")), ("host", s("h"))]),
                    )]
                    .into_iter()
                    .collect(),
                ),
            ),
        ]);
        let paths: Vec<String> = set_paths(&v, &schema())
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(paths, ["password", "creds[1].key", "conn[\"a\"].token"]);
    }

    #[test]
    fn leaves_null_and_unknown_roots_alone() {
        let mut v = Value::Null;
        null_write_only(&mut v, &schema());
        assert!(v.is_null());
        let mut u = Value::unknown();
        null_write_only(&mut u, &schema());
        assert!(u.is_unknown());
    }
}
