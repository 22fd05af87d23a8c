//! Conversions from the plain plugin types (schemas, diagnostics, attribute
//! paths) to their `tfplugin6` protobuf messages.

use crate::plugin::cty::{json, AttributePath, PathStep, Type};
use crate::plugin::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::plugin::proto::tfplugin6 as pb;
use crate::plugin::schema::{
    Attribute, Block, IdentitySchema, NestedAttributes, NestedBlock, NestingMode, Schema,
    StringKind,
};

/// A schema as its protobuf message.
pub fn schema(s: &Schema) -> pb::Schema {
    pb::Schema {
        version: s.version,
        block: Some(block(&s.block)),
    }
}

/// A block as its protobuf message.
pub fn block(b: &Block) -> pb::schema::Block {
    pb::schema::Block {
        // The block-level version is unused by Terraform; the schema carries it.
        version: 0,
        attributes: b.attributes.iter().map(attribute).collect(),
        block_types: b.blocks.iter().map(nested_block).collect(),
        description: b.description.clone(),
        description_kind: string_kind(b.description_kind) as i32,
        deprecated: b.deprecated,
    }
}

/// An attribute as its protobuf message: either a cty type (JSON form) or a
/// nested object, never both.
pub fn attribute(a: &Attribute) -> pb::schema::Attribute {
    let (ty, nested_type) = match &a.nested {
        Some(n) => (Vec::new(), Some(nested_attributes(n))),
        None => (
            json::encode_type(a.ty.as_ref().unwrap_or(&Type::Dynamic)),
            None,
        ),
    };
    pb::schema::Attribute {
        name: a.name.clone(),
        r#type: ty,
        nested_type,
        description: a.description.clone(),
        description_kind: string_kind(a.description_kind) as i32,
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        deprecated: a.deprecated,
        write_only: a.write_only,
    }
}

fn nested_attributes(n: &NestedAttributes) -> pb::schema::Object {
    use pb::schema::object::NestingMode as P;
    let nesting = match n.nesting {
        // Nested attributes have no "group" mode; a single object is closest.
        NestingMode::Single | NestingMode::Group => P::Single,
        NestingMode::List => P::List,
        NestingMode::Set => P::Set,
        NestingMode::Map => P::Map,
    };
    #[allow(deprecated)]
    pb::schema::Object {
        attributes: n.attributes.iter().map(attribute).collect(),
        nesting: nesting as i32,
        min_items: 0,
        max_items: 0,
    }
}

fn nested_block(b: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode as P;
    let nesting = match b.nesting {
        NestingMode::Single => P::Single,
        NestingMode::List => P::List,
        NestingMode::Set => P::Set,
        NestingMode::Map => P::Map,
        NestingMode::Group => P::Group,
    };
    pb::schema::NestedBlock {
        type_name: b.type_name.clone(),
        block: Some(block(&b.block)),
        nesting: nesting as i32,
        min_items: b.min_items,
        max_items: b.max_items,
    }
}

fn string_kind(k: StringKind) -> pb::StringKind {
    match k {
        StringKind::Plain => pb::StringKind::Plain,
        StringKind::Markdown => pb::StringKind::Markdown,
    }
}

/// A resource identity schema as its protobuf message.
pub fn identity_schema(s: &IdentitySchema) -> pb::ResourceIdentitySchema {
    pb::ResourceIdentitySchema {
        version: s.version,
        identity_attributes: s
            .attributes
            .iter()
            .map(|a| pb::resource_identity_schema::IdentityAttribute {
                name: a.name.clone(),
                r#type: json::encode_type(&a.ty),
                required_for_import: a.required_for_import,
                optional_for_import: a.optional_for_import,
                description: a.description.clone(),
            })
            .collect(),
    }
}

/// An attribute path as its protobuf message.
pub fn attribute_path(p: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::{step::Selector, Step};
    pb::AttributePath {
        steps: p
            .steps
            .iter()
            .map(|s| Step {
                selector: Some(match s {
                    PathStep::Attribute(n) => Selector::AttributeName(n.clone()),
                    PathStep::ElementKeyString(k) => Selector::ElementKeyString(k.clone()),
                    PathStep::ElementKeyInt(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

/// A diagnostic as its protobuf message. A root (empty) path is sent as no
/// path at all, which Terraform shows without an attribute reference.
pub fn diagnostic(d: &Diagnostic) -> pb::Diagnostic {
    let severity = match d.severity {
        Severity::Error => pb::diagnostic::Severity::Error,
        Severity::Warning => pb::diagnostic::Severity::Warning,
    };
    pb::Diagnostic {
        severity: severity as i32,
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        attribute: d
            .attribute
            .as_ref()
            .filter(|p| !p.is_root())
            .map(attribute_path),
    }
}

/// All diagnostics as protobuf messages.
pub fn diagnostics(ds: &Diagnostics) -> Vec<pb::Diagnostic> {
    ds.iter().map(diagnostic).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostic_keeps_severity_text_and_path() {
        let d = Diagnostic::warning("careful", "details")
            .at(AttributePath::attr("tags").then_key("env").then_index(2));
        let p = diagnostic(&d);
        assert_eq!(p.severity, pb::diagnostic::Severity::Warning as i32);
        assert_eq!(p.summary, "careful");
        assert_eq!(p.detail, "details");
        let steps = p.attribute.map(|a| a.steps).unwrap_or_default();
        use pb::attribute_path::step::Selector;
        let sel: Vec<_> = steps.into_iter().filter_map(|s| s.selector).collect();
        assert_eq!(
            sel,
            vec![
                Selector::AttributeName("tags".into()),
                Selector::ElementKeyString("env".into()),
                Selector::ElementKeyInt(2),
            ]
        );
    }

    #[test]
    fn root_path_is_omitted() {
        let d = Diagnostic::error("x", "").at(AttributePath::root());
        assert!(diagnostic(&d).attribute.is_none());
    }

    #[test]
    fn nested_attribute_has_no_type_bytes() {
        let a = Attribute {
            name: "opts".into(),
            nested: Some(NestedAttributes {
                attributes: vec![Attribute::new("k", Type::String).optional()],
                nesting: NestingMode::List,
            }),
            optional: true,
            ..Attribute::default()
        };
        let p = attribute(&a);
        assert!(p.r#type.is_empty());
        let n = p.nested_type.expect("nested type");
        assert_eq!(n.nesting, pb::schema::object::NestingMode::List as i32);
        assert_eq!(n.attributes.len(), 1);
        assert!(n.attributes[0].optional);
    }

    #[test]
    fn block_nesting_and_flags_carry_over() {
        let s = Schema {
            version: 3,
            block: Block {
                attributes: vec![Attribute::new("id", Type::String).computed().sensitive()],
                blocks: vec![NestedBlock {
                    type_name: "rule".into(),
                    nesting: NestingMode::Set,
                    min_items: 1,
                    max_items: 4,
                    ..NestedBlock::default()
                }],
                description: "plain".into(),
                description_kind: StringKind::Plain,
                deprecated: true,
            },
        };
        let p = schema(&s);
        assert_eq!(p.version, 3);
        let b = p.block.expect("block");
        assert!(b.deprecated);
        assert_eq!(b.description_kind, pb::StringKind::Plain as i32);
        assert!(b.attributes[0].computed && b.attributes[0].sensitive);
        let nb = &b.block_types[0];
        assert_eq!(nb.type_name, "rule");
        assert_eq!(
            nb.nesting,
            pb::schema::nested_block::NestingMode::Set as i32
        );
        assert_eq!((nb.min_items, nb.max_items), (1, 4));
    }
}
