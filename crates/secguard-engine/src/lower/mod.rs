//! Per-language lowering from tree-sitter trees to the IR.

pub(crate) mod c;
pub mod python;

use crate::budget::Meter;
use crate::ir::Module;
use secguard_core::Language;
use std::cell::RefCell;
use tree_sitter::{Node, Parser, Tree};

pub(crate) fn text<'s>(src: &'s str, node: Node) -> &'s str {
    src.get(node.byte_range()).unwrap_or("")
}

/// A binary node with `left`, `right` and `operator` fields, in any grammar.
/// `op` is given when the caller already knows it (Python's `and`/`or`).
pub(crate) fn lower_binary(
    node: Node,
    src: &str,
    op: Option<crate::ir::BinOp>,
    mut sub: impl FnMut(Node) -> crate::ir::Expr,
) -> crate::ir::Expr {
    use crate::ir::{BinOp, Expr, Span};
    let span = Span::of(&node);
    let l = node.child_by_field_name("left").map(&mut sub);
    let r = node.child_by_field_name("right").map(&mut sub);
    let op = op.unwrap_or_else(|| {
        node.child_by_field_name("operator")
            .map(|o| python::binop(text(src, o)))
            .unwrap_or(BinOp::Other)
    });
    match (l, r) {
        (Some(l), Some(r)) => Expr::Binary(op, Box::new(l), Box::new(r), span),
        (l, r) => Expr::Other(l.into_iter().chain(r).collect(), span),
    }
}

fn grammar(language: Language) -> tree_sitter::Language {
    match language {
        Language::Python => tree_sitter_python::LANGUAGE.into(),
        Language::C => tree_sitter_c::LANGUAGE.into(),
        Language::Cpp => tree_sitter_cpp::LANGUAGE.into(),
    }
}

thread_local! {
    // Parsers are reused per thread: creating one per file is measurable.
    static PARSERS: RefCell<Vec<(Language, Parser)>> = const { RefCell::new(Vec::new()) };
}

/// Parse `source`. tree-sitter recovers from any syntax error, so this only
/// returns `None` if the grammar cannot be loaded, which is a build defect.
pub fn parse(language: Language, source: &str) -> Option<Tree> {
    parse_metered(language, source, &mut Meter::default())
}

/// Parse `source`, giving up (`None`, with the time budget marked
/// exceeded on `meter`) when the file's time budget runs out.
pub fn parse_metered(language: Language, source: &str, meter: &mut Meter) -> Option<Tree> {
    if language == Language::Python
        && crate::budget::indent_levels(source) > crate::budget::MAX_INDENT_LEVELS
    {
        meter.exceed(crate::budget::Budget::Indentation);
        return None;
    }
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let idx = match parsers.iter().position(|(l, _)| *l == language) {
            Some(i) => i,
            None => {
                let mut p = Parser::new();
                p.set_language(&grammar(language)).ok()?;
                parsers.push((language, p));
                parsers.len() - 1
            }
        };
        let parser = &mut parsers.get_mut(idx)?.1;
        let bytes = source.as_bytes();
        let mut read = |offset: usize, _: tree_sitter::Point| bytes.get(offset..).unwrap_or(&[]);
        // tree-sitter calls this now and then while parsing; true cancels.
        let mut progress = |_: &tree_sitter::ParseState| meter.out_of_time();
        let options = tree_sitter::ParseOptions::new().progress_callback(&mut progress);
        let tree = parser.parse_with_options(&mut read, None, Some(options));
        if tree.is_none() {
            // A cancelled parse would otherwise resume on the next file.
            parser.reset();
        }
        tree
    })
}

/// Lower a parsed file to the IR under the default budgets.
pub fn lower(language: Language, source: &str, tree: &Tree) -> Module {
    lower_metered(language, source, tree, &mut Meter::default())
}

/// Lower a parsed file to the IR, counting nodes and nesting on `meter`;
/// past a budget the rest is summarized (see [`crate::budget`]).
pub fn lower_metered(language: Language, source: &str, tree: &Tree, meter: &mut Meter) -> Module {
    match language {
        Language::Python => {
            python::PythonLowerer::new(source).lower_module(tree.root_node(), meter)
        }
        Language::C | Language::Cpp => {
            c::CLowerer::new(source, language).lower_unit(tree.root_node(), meter)
        }
    }
}

/// The 0-based rows of syntax errors, first few only, for notes.
pub fn error_rows(tree: &Tree, limit: usize) -> (usize, Vec<usize>) {
    let mut rows = Vec::new();
    let mut count = 0;
    let root = tree.root_node();
    if !root.has_error() {
        return (0, rows);
    }
    let mut cursor = root.walk();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            count += 1;
            if rows.len() < limit {
                rows.push(node.start_position().row);
            }
            continue;
        }
        if node.has_error() {
            for child in node.children(&mut cursor) {
                stack.push(child);
            }
        }
    }
    rows.sort_unstable();
    (count, rows)
}
