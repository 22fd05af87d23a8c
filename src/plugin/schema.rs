//! Schemas: the shape of provider configuration, resources and identities, as
//! Terraform's `tfplugin6.Schema` describes them.

use std::collections::BTreeMap;

use super::cty::Type;

/// A versioned schema with a root block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schema {
    /// Bumped when stored state needs upgrading.
    pub version: i64,
    /// The top-level block.
    pub block: Block,
}

/// How a description is formatted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StringKind {
    /// Plain text.
    Plain,
    /// Markdown (the registry renders it).
    #[default]
    Markdown,
}

/// A block: attributes plus nested blocks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Block {
    /// Attributes by name.
    pub attributes: Vec<Attribute>,
    /// Nested blocks by type name.
    pub blocks: Vec<NestedBlock>,
    /// The block's description.
    pub description: String,
    /// Format of `description`.
    pub description_kind: StringKind,
    /// Whether the block is deprecated.
    pub deprecated: bool,
}

/// One attribute.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attribute {
    /// The attribute name.
    pub name: String,
    /// The type (ignored when `nested` is set).
    pub ty: Option<Type>,
    /// Nested attributes (protocol 6 `NestedType`), instead of `ty`.
    pub nested: Option<NestedAttributes>,
    /// Description.
    pub description: String,
    /// Format of `description`.
    pub description_kind: StringKind,
    /// Must be set in configuration.
    pub required: bool,
    /// May be set in configuration.
    pub optional: bool,
    /// May be set by the provider.
    pub computed: bool,
    /// Hidden in plan output and logs.
    pub sensitive: bool,
    /// Deprecated.
    pub deprecated: bool,
    /// Write-only (protocol 6.9+): never persisted in state.
    pub write_only: bool,
}

impl Attribute {
    /// A new attribute of type `ty`; chain the flag setters.
    pub fn new(name: impl Into<String>, ty: Type) -> Self {
        Self {
            name: name.into(),
            ty: Some(ty),
            ..Self::default()
        }
    }
    /// Marks the attribute required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    /// Marks the attribute optional.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
    /// Marks the attribute computed.
    pub fn computed(mut self) -> Self {
        self.computed = true;
        self
    }
    /// Marks the attribute sensitive.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    /// Marks the attribute deprecated.
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }
    /// Sets the markdown description.
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = d.into();
        self
    }
}

/// How nested things repeat.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NestingMode {
    /// Exactly one (value is an object, or null when absent for nested attributes).
    #[default]
    Single,
    /// A list.
    List,
    /// A set.
    Set,
    /// A map (nested attributes and `NestingMap` blocks).
    Map,
    /// Like `Single` but never null (blocks only).
    Group,
}

/// Nested attributes (an attribute whose value is an object or collection of objects).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NestedAttributes {
    /// The inner attributes.
    pub attributes: Vec<Attribute>,
    /// How they repeat.
    pub nesting: NestingMode,
}

/// A nested block type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NestedBlock {
    /// The block type name, as written in configuration.
    pub type_name: String,
    /// The block's own schema.
    pub block: Block,
    /// How the block repeats.
    pub nesting: NestingMode,
    /// Minimum number of blocks.
    pub min_items: i64,
    /// Maximum number of blocks (0 = unlimited).
    pub max_items: i64,
}

/// A resource identity schema (protocol 6.9+).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IdentitySchema {
    /// Bumped when stored identity needs upgrading.
    pub version: i64,
    /// The identity attributes.
    pub attributes: Vec<IdentityAttribute>,
}

/// One identity attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityAttribute {
    /// Name.
    pub name: String,
    /// Type.
    pub ty: Type,
    /// Needed for import by identity.
    pub required_for_import: bool,
    /// Optional for import.
    pub optional_for_import: bool,
    /// Description.
    pub description: String,
}

impl Block {
    /// The cty object type values of this block have.
    pub fn implied_type(&self) -> Type {
        let mut attrs = BTreeMap::new();
        for a in &self.attributes {
            attrs.insert(a.name.clone(), a.implied_type());
        }
        for b in &self.blocks {
            let inner = b.block.implied_type();
            let ty = match b.nesting {
                NestingMode::Single | NestingMode::Group => inner,
                NestingMode::List => Type::List(Box::new(inner)),
                NestingMode::Set => Type::Set(Box::new(inner)),
                NestingMode::Map => Type::Map(Box::new(inner)),
            };
            attrs.insert(b.type_name.clone(), ty);
        }
        Type::Object(attrs)
    }
}

impl Attribute {
    /// The cty type of this attribute's value.
    pub fn implied_type(&self) -> Type {
        if let Some(n) = &self.nested {
            let obj = Type::Object(
                n.attributes
                    .iter()
                    .map(|a| (a.name.clone(), a.implied_type()))
                    .collect(),
            );
            return match n.nesting {
                NestingMode::Single | NestingMode::Group => obj,
                NestingMode::List => Type::List(Box::new(obj)),
                NestingMode::Set => Type::Set(Box::new(obj)),
                NestingMode::Map => Type::Map(Box::new(obj)),
            };
        }
        self.ty.clone().unwrap_or(Type::Dynamic)
    }
}

impl IdentitySchema {
    /// The cty object type identity values have.
    pub fn implied_type(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone()))
                .collect(),
        )
    }
}
