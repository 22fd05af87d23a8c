//! Registry-style Markdown documentation rendered from a [`Schema`], in the
//! layout HashiCorp's `tfplugindocs` produces (`## Schema`, `### Required`,
//! `### Optional`, `### Read-Only`, nested schemas with anchors).

use std::fmt::Write as _;

use super::cty::Type;
use super::schema::{Attribute, Block, NestedBlock, NestingMode};

/// A human name for a cty type, as the registry docs write it.
pub fn type_label(ty: &Type) -> String {
    match ty {
        Type::Bool => "Boolean".into(),
        Type::Number => "Number".into(),
        Type::String => "String".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(t) => format!("List of {}", type_label(t)),
        Type::Set(t) => format!("Set of {}", type_label(t)),
        Type::Map(t) => format!("Map of {}", type_label(t)),
        Type::Tuple(_) => "Tuple".into(),
        Type::Object(_) => "Object".into(),
    }
}

fn block_label(b: &NestedBlock) -> String {
    let kind = match b.nesting {
        NestingMode::Single | NestingMode::Group => "Block",
        NestingMode::List => "Block List",
        NestingMode::Set => "Block Set",
        NestingMode::Map => "Block Map",
    };
    let mut bounds = Vec::new();
    if b.min_items > 0 {
        bounds.push(format!("Min: {}", b.min_items));
    }
    if b.max_items > 0 {
        bounds.push(format!("Max: {}", b.max_items));
    }
    if bounds.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}, {}", bounds.join(", "))
    }
}

fn attribute_line(a: &Attribute) -> String {
    let mut flags = vec![type_label(&a.implied_type())];
    if a.sensitive {
        flags.push("Sensitive".into());
    }
    if a.deprecated {
        flags.push("Deprecated".into());
    }
    let desc = a.description.trim();
    if desc.is_empty() {
        format!("- `{}` ({})", a.name, flags.join(", "))
    } else {
        format!("- `{}` ({}) {}", a.name, flags.join(", "), desc)
    }
}

fn anchor(prefix: &str, name: &str) -> String {
    format!("nestedblock--{}{}", prefix, name)
}

/// Renders the `## Schema` section of `block` (without a heading when `heading` is false).
pub fn render_schema(block: &Block) -> String {
    let mut out = String::from("## Schema\n");
    render_block(&mut out, block, "");
    out
}

fn render_block(out: &mut String, block: &Block, prefix: &str) {
    type AttrFilter = fn(&Attribute) -> bool;
    type BlockFilter = fn(&NestedBlock) -> bool;
    let groups: [(&str, AttrFilter, BlockFilter); 3] = [
        ("Required", |a| a.required, |b| b.min_items > 0),
        ("Optional", |a| a.optional, |b| b.min_items == 0),
        (
            "Read-Only",
            |a| a.computed && !a.optional && !a.required,
            |_| false,
        ),
    ];
    for (title, attr_in, block_in) in &groups {
        let mut attrs: Vec<&Attribute> = block.attributes.iter().filter(|a| attr_in(a)).collect();
        attrs.sort_by(|a, b| a.name.cmp(&b.name));
        let mut blocks: Vec<&NestedBlock> = block.blocks.iter().filter(|b| block_in(b)).collect();
        blocks.sort_by(|a, b| a.type_name.cmp(&b.type_name));
        if attrs.is_empty() && blocks.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n### {title}\n");
        for a in attrs {
            let _ = writeln!(out, "{}", attribute_line(a));
        }
        for b in blocks {
            let desc = b.block.description.trim();
            let _ = writeln!(
                out,
                "- `{}` ({}) {}{}(see [below for nested schema](#{}))",
                b.type_name,
                block_label(b),
                desc,
                if desc.is_empty() { "" } else { " " },
                anchor(prefix, &b.type_name)
            );
        }
    }
    let mut nested: Vec<&NestedBlock> = block.blocks.iter().collect();
    nested.sort_by(|a, b| a.type_name.cmp(&b.type_name));
    for b in nested {
        let path = format!("{prefix}{}", b.type_name);
        let _ = writeln!(
            out,
            "\n<a id=\"{}\"></a>\n### Nested Schema for `{}`",
            anchor(prefix, &b.type_name),
            path.replace("--", ".")
        );
        render_block(out, &b.block, &format!("{path}--"));
    }
}

/// One page of registry documentation.
#[derive(Debug, Clone)]
pub struct Page<'a> {
    /// Front-matter `page_title`.
    pub page_title: &'a str,
    /// Front-matter `subcategory` (resources only).
    pub subcategory: Option<&'a str>,
    /// The `# heading`.
    pub heading: &'a str,
    /// The schema documented.
    pub block: &'a Block,
    /// Sections after the description, before the schema (e.g. `## Example Usage`).
    pub before_schema: Vec<String>,
    /// Sections after the schema (e.g. `## Import`).
    pub after_schema: Vec<String>,
}

fn front_matter_description(d: &str) -> String {
    d.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Renders a whole page.
pub fn render_page(page: &Page<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "---");
    let _ = writeln!(out, "page_title: \"{}\"", page.page_title);
    if let Some(s) = page.subcategory {
        let _ = writeln!(out, "subcategory: \"{s}\"");
    }
    let _ = writeln!(
        out,
        "description: |-\n{}",
        front_matter_description(page.block.description.trim())
    );
    let _ = writeln!(out, "---\n");
    let _ = writeln!(
        out,
        "<!-- Generated from the provider's schema by `make docs`; do not edit by hand. -->\n"
    );
    let _ = writeln!(out, "# {}\n", page.heading);
    let _ = writeln!(out, "{}\n", page.block.description.trim());
    for s in &page.before_schema {
        let _ = writeln!(out, "{}\n", s.trim_end());
    }
    out.push_str(&render_schema(page.block));
    for s in &page.after_schema {
        let _ = writeln!(out, "\n{}", s.trim_end());
    }
    out
}

/// A fenced code section with a heading.
pub fn code_section(heading: &str, lang: &str, intro: &str, code: &str) -> String {
    let intro = if intro.is_empty() {
        String::new()
    } else {
        format!("{intro}\n\n")
    };
    format!(
        "## {heading}\n\n{intro}```{lang}\n{}\n```\n",
        code.trim_end()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::schema::Attribute;

    #[test]
    fn groups_attributes_and_links_nested_blocks() {
        let block = Block {
            description: "Thing.".into(),
            attributes: vec![
                Attribute::new("b", Type::String)
                    .optional()
                    .sensitive()
                    .description("B."),
                Attribute::new("a", Type::String)
                    .required()
                    .description("A."),
                Attribute::new("id", Type::String).computed(),
            ],
            blocks: vec![NestedBlock {
                type_name: "inner".into(),
                nesting: NestingMode::List,
                max_items: 1,
                block: Block {
                    attributes: vec![Attribute::new("x", Type::Number).required()],
                    ..Block::default()
                },
                ..NestedBlock::default()
            }],
            ..Block::default()
        };
        let md = render_schema(&block);
        let req = md.find("### Required").unwrap();
        let opt = md.find("### Optional").unwrap();
        let ro = md.find("### Read-Only").unwrap();
        assert!(req < opt && opt < ro);
        assert!(md.contains("- `a` (String) A."));
        assert!(md.contains("- `b` (String, Sensitive) B."));
        assert!(md.contains(
            "- `inner` (Block List, Max: 1) (see [below for nested schema](#nestedblock--inner))"
        ));
        assert!(md.contains("<a id=\"nestedblock--inner\"></a>\n### Nested Schema for `inner`"));
        assert!(md.contains("- `x` (Number)"));
    }
}
