//! Lowering of tree-sitter-python trees to the IR.

use super::text;
use crate::budget::{Budget, Meter};
use crate::ir::*;
use std::collections::HashMap;
use tree_sitter::Node;

pub(crate) struct PythonLowerer<'s> {
    pub src: &'s str,
    pub module: Module,
    /// Local name -> dotted import path (`sp` -> `subprocess`,
    /// `request` -> `flask.request`).
    pub imports: HashMap<String, String>,
    class_stack: Vec<String>,
    depth: usize,
    /// Nodes lowered and nesting, against the file's budgets.
    meter: Meter,
}

impl<'s> PythonLowerer<'s> {
    pub fn new(src: &'s str) -> Self {
        PythonLowerer {
            src,
            module: Module::default(),
            imports: HashMap::new(),
            class_stack: Vec::new(),
            depth: 0,
            meter: Meter::default(),
        }
    }

    /// Fill `imports` only, without lowering.
    pub fn collect_imports_pub(&mut self, root: Node) {
        self.collect_imports(root, 0);
    }

    /// Lower under `meter`'s budgets, which keeps counting afterwards.
    pub(crate) fn lower_module(mut self, root: Node, meter: &mut Meter) -> Module {
        self.meter = std::mem::take(meter);
        let module = self.lower_root(root);
        *meter = self.meter;
        module
    }

    fn lower_root(&mut self, root: Node) -> Module {
        self.collect_imports(root, 0);
        self.module
            .functions
            .push(Function::module_body(Span::of(&root)));
        let body = self.block(root);
        self.module.functions[0].body = body;
        std::mem::take(&mut self.module)
    }

    /// Whether one more node may be lowered at the current depth.
    fn admit(&mut self) -> bool {
        if self.depth >= self.meter.limits.max_depth {
            self.meter.exceed(Budget::Depth);
            return false;
        }
        self.meter.node()
    }

    /// Imports anywhere in the file resolve names everywhere: a simplification
    /// that is right for the overwhelmingly common top-of-file imports.
    fn collect_imports(&mut self, node: Node, depth: usize) {
        if depth > 200 {
            return;
        }
        match node.kind() {
            "import_statement" => {
                let mut c = node.walk();
                for child in node.named_children(&mut c) {
                    match child.kind() {
                        "dotted_name" => {
                            let full = text(self.src, child).to_string();
                            let first = full.split('.').next().unwrap_or("").to_string();
                            self.imports.insert(first.clone(), first);
                        }
                        "aliased_import" => {
                            if let (Some(n), Some(a)) = (
                                child.child_by_field_name("name"),
                                child.child_by_field_name("alias"),
                            ) {
                                self.imports
                                    .insert(text(self.src, a).into(), text(self.src, n).into());
                            }
                        }
                        _ => {}
                    }
                }
            }
            "import_from_statement" => {
                let module = node
                    .child_by_field_name("module_name")
                    .map(|m| text(self.src, m).trim_start_matches('.').to_string())
                    .unwrap_or_default();
                let mut c = node.walk();
                for child in node.children_by_field_name("name", &mut c) {
                    let (name, alias) = match child.kind() {
                        "aliased_import" => (
                            child.child_by_field_name("name"),
                            child.child_by_field_name("alias"),
                        ),
                        _ => (Some(child), Some(child)),
                    };
                    if let (Some(n), Some(a)) = (name, alias) {
                        let n = text(self.src, n);
                        let full = if module.is_empty() {
                            n.to_string()
                        } else {
                            format!("{module}.{n}")
                        };
                        self.imports.insert(text(self.src, a).into(), full);
                    }
                }
            }
            _ => {
                let mut c = node.walk();
                for child in node.named_children(&mut c) {
                    if matches!(
                        child.kind(),
                        "module"
                            | "import_statement"
                            | "import_from_statement"
                            | "function_definition"
                            | "class_definition"
                            | "decorated_definition"
                            | "block"
                            | "if_statement"
                            | "try_statement"
                            | "else_clause"
                            | "except_clause"
                            | "finally_clause"
                            | "elif_clause"
                            | "with_statement"
                    ) {
                        self.collect_imports(child, depth + 1);
                    }
                }
            }
        }
    }

    fn block(&mut self, node: Node) -> Vec<Stmt> {
        let mut out = Vec::new();
        let mut c = node.walk();
        for child in node.named_children(&mut c) {
            self.stmt(child, &mut out);
        }
        out
    }

    fn field_block(&mut self, node: Node, field: &str) -> Vec<Stmt> {
        node.child_by_field_name(field)
            .map(|b| self.block(b))
            .unwrap_or_default()
    }

    fn stmt(&mut self, node: Node, out: &mut Vec<Stmt>) {
        // A statement is a few nodes' worth of memory.
        if !self.admit() || !self.meter.lowered(crate::budget::STMT_NODES - 1) {
            return;
        }
        self.depth += 1;
        stacker::maybe_grow(
            crate::analysis::RED_ZONE,
            crate::analysis::STACK_CHUNK,
            || self.stmt_inner(node, out),
        );
        self.depth -= 1;
    }

    fn stmt_inner(&mut self, node: Node, out: &mut Vec<Stmt>) {
        let span = Span::of(&node);
        match node.kind() {
            "expression_statement" => {
                let mut c = node.walk();
                for child in node.named_children(&mut c) {
                    match child.kind() {
                        "assignment" | "augmented_assignment" => self.assignment(child, out),
                        _ => {
                            let e = self.expr(child);
                            let stops = matches!(&e, Expr::Call(c)
                                if c.name.as_deref().is_some_and(is_noreturn));
                            out.push(Stmt::Expr(e));
                            if stops {
                                out.push(Stmt::Raise(None, span));
                            }
                        }
                    }
                }
            }
            "return_statement" => {
                let value = node.named_child(0).map(|e| self.expr(e));
                out.push(Stmt::Return(value, span));
            }
            "raise_statement" => {
                let value = node.named_child(0).map(|e| self.expr(e));
                out.push(Stmt::Raise(value, span));
            }
            "pass_statement" | "comment" | "global_statement" | "nonlocal_statement" => {}
            "break_statement" => out.push(Stmt::Break(span)),
            "continue_statement" => out.push(Stmt::Continue(span)),
            "if_statement" => out.push(self.if_stmt(node)),
            "for_statement" => {
                let target = node
                    .child_by_field_name("left")
                    .map(|t| self.target(t))
                    .unwrap_or(Target::Other(Expr::Other(vec![], span), span));
                let iter = node
                    .child_by_field_name("right")
                    .map(|e| self.expr(e))
                    .unwrap_or(Expr::Other(vec![], span));
                let body = self.field_block(node, "body");
                let els = node
                    .child_by_field_name("alternative")
                    .map(|e| self.field_block(e, "body"))
                    .unwrap_or_default();
                out.push(Stmt::Loop {
                    init: vec![],
                    cond: None,
                    bind: Some(Box::new((target, iter))),
                    update: vec![],
                    body,
                    els,
                    runs_once: false,
                    span,
                });
            }
            "while_statement" => {
                let cond = node.child_by_field_name("condition").map(|e| self.expr(e));
                let body = self.field_block(node, "body");
                let els = node
                    .child_by_field_name("alternative")
                    .map(|e| self.field_block(e, "body"))
                    .unwrap_or_default();
                out.push(Stmt::Loop {
                    init: vec![],
                    cond,
                    bind: None,
                    update: vec![],
                    body,
                    els,
                    runs_once: false,
                    span,
                });
            }
            "try_statement" => {
                let body = self.field_block(node, "body");
                let mut handlers = Vec::new();
                let mut els = Vec::new();
                let mut finally = Vec::new();
                let mut c = node.walk();
                for child in node.named_children(&mut c) {
                    match child.kind() {
                        "except_clause" | "except_group_clause" => {
                            let mut h = Vec::new();
                            let mut cc = child.walk();
                            for part in child.named_children(&mut cc) {
                                if part.kind() == "block" {
                                    h.extend(self.block(part));
                                }
                            }
                            handlers.push(h);
                        }
                        "else_clause" => els = self.field_block(child, "body"),
                        "finally_clause" => {
                            let mut cc = child.walk();
                            for part in child.named_children(&mut cc) {
                                if part.kind() == "block" {
                                    finally.extend(self.block(part));
                                }
                            }
                        }
                        _ => {}
                    }
                }
                out.push(Stmt::Try {
                    body,
                    handlers,
                    els,
                    finally,
                    span,
                });
            }
            "with_statement" => {
                let mut c = node.walk();
                for child in node.named_children(&mut c) {
                    if child.kind() == "with_clause" {
                        let mut cc = child.walk();
                        for item in child.named_children(&mut cc) {
                            self.with_item(item, out);
                        }
                    }
                }
                out.extend(self.field_block(node, "body"));
            }
            "function_definition" => {
                let idx = self.function(node, Vec::new());
                out.push(Stmt::FuncDef(idx, span));
            }
            "decorated_definition" => {
                let mut decorators = Vec::new();
                let mut c = node.walk();
                for child in node.named_children(&mut c) {
                    if child.kind() == "decorator"
                        && let Some(e) = child.named_child(0)
                    {
                        decorators.push(self.expr(e));
                    }
                }
                if let Some(def) = node.child_by_field_name("definition") {
                    match def.kind() {
                        "function_definition" => {
                            let idx = self.function(def, decorators);
                            out.push(Stmt::FuncDef(idx, span));
                        }
                        _ => self.stmt(def, out),
                    }
                }
            }
            "class_definition" => {
                let name = node
                    .child_by_field_name("name")
                    .map(|n| text(self.src, n).to_string())
                    .unwrap_or_default();
                self.class_stack.push(name);
                let body = self.field_block(node, "body");
                self.class_stack.pop();
                // Class bodies run at definition time, like module code.
                out.extend(body);
            }
            "match_statement" => {
                let scrutinee = node
                    .child_by_field_name("subject")
                    .map(|e| self.expr(e))
                    .unwrap_or(Expr::Other(vec![], span));
                let mut cases = Vec::new();
                if let Some(body) = node.child_by_field_name("body") {
                    let mut c = body.walk();
                    for case in body.named_children(&mut c) {
                        if case.kind() == "case_clause" {
                            let mut stmts = self.field_block(case, "consequence");
                            // Python cases do not fall through.
                            stmts.push(Stmt::Break(Span::of(&case)));
                            cases.push((None, stmts));
                        }
                    }
                }
                out.push(Stmt::Switch {
                    scrutinee,
                    cases,
                    span,
                });
            }
            "block" | "module" => out.extend(self.block(node)),
            "import_statement" | "import_from_statement" | "future_import_statement" => {}
            "ERROR" => {
                // Recover what we can from the broken region.
                let mut c = node.walk();
                for child in node.named_children(&mut c) {
                    self.stmt(child, out);
                }
            }
            _ => {
                if node.kind().ends_with("statement") {
                    let mut c = node.walk();
                    let parts: Vec<Expr> = node
                        .named_children(&mut c)
                        .map(|child| self.expr(child))
                        .collect();
                    out.push(Stmt::Expr(Expr::Other(parts, span)));
                } else {
                    out.push(Stmt::Expr(self.expr(node)));
                }
            }
        }
    }

    fn with_item(&mut self, item: Node, out: &mut Vec<Stmt>) {
        let Some(value) = item.child_by_field_name("value") else {
            return;
        };
        let span = Span::of(&item);
        if value.kind() == "as_pattern" {
            let expr = value.named_child(0).map(|e| self.expr(e));
            let alias = value
                .child_by_field_name("alias")
                .and_then(|a| a.named_child(0).or(Some(a)));
            if let (Some(expr), Some(alias)) = (expr, alias) {
                let target = self.target(alias);
                out.push(Stmt::Assign {
                    target,
                    value: expr,
                    op: None,
                    span,
                });
                return;
            }
        }
        out.push(Stmt::Expr(self.expr(value)));
    }

    fn if_stmt(&mut self, node: Node) -> Stmt {
        let span = Span::of(&node);
        let cond = node
            .child_by_field_name("condition")
            .map(|e| self.expr(e))
            .unwrap_or(Expr::Other(vec![], span));
        let then = self.field_block(node, "consequence");
        // elif chains become nested ifs in the else branch.
        let mut alternatives = Vec::new();
        let mut c = node.walk();
        for alt in node.children_by_field_name("alternative", &mut c) {
            alternatives.push(alt);
        }
        let els = self.else_chain(&alternatives);
        Stmt::If {
            cond,
            then,
            els,
            span,
        }
    }

    fn else_chain(&mut self, alts: &[Node]) -> Vec<Stmt> {
        let Some((first, rest)) = alts.split_first() else {
            return Vec::new();
        };
        match first.kind() {
            "elif_clause" => {
                let span = Span::of(first);
                let cond = first
                    .child_by_field_name("condition")
                    .map(|e| self.expr(e))
                    .unwrap_or(Expr::Other(vec![], span));
                let then = self.field_block(*first, "consequence");
                let els = self.else_chain(rest);
                vec![Stmt::If {
                    cond,
                    then,
                    els,
                    span,
                }]
            }
            _ => self.field_block(*first, "body"),
        }
    }

    fn function(&mut self, node: Node, decorators: Vec<Expr>) -> usize {
        let name = node
            .child_by_field_name("name")
            .map(|n| text(self.src, n).to_string())
            .unwrap_or_default();
        let mut params = Vec::new();
        if let Some(plist) = node.child_by_field_name("parameters") {
            let mut c = plist.walk();
            for p in plist.named_children(&mut c) {
                let (pname, default) = match p.kind() {
                    "identifier" => (Some(text(self.src, p).to_string()), None),
                    "typed_parameter" => (
                        p.named_child(0).map(|n| text(self.src, n).to_string()),
                        None,
                    ),
                    "default_parameter" | "typed_default_parameter" => (
                        p.child_by_field_name("name")
                            .map(|n| text(self.src, n).to_string()),
                        p.child_by_field_name("value").map(|v| self.expr(v)),
                    ),
                    "list_splat_pattern" | "dictionary_splat_pattern" => (
                        p.named_child(0).map(|n| text(self.src, n).to_string()),
                        None,
                    ),
                    _ => (None, None),
                };
                if let Some(pname) = pname {
                    params.push(Param {
                        name: pname.trim_start_matches('*').to_string(),
                        ty: CType::default(),
                        default,
                    });
                }
            }
        }
        let idx = self.module.functions.len();
        self.module.functions.push(Function {
            name,
            class: self.class_stack.last().cloned(),
            params,
            decorators,
            body: Vec::new(),
            span: Span::of(&node),
            is_module: false,
        });
        // Nested classes inside functions are not methods of the outer class.
        let saved = std::mem::take(&mut self.class_stack);
        let body = self.field_block(node, "body");
        self.class_stack = saved;
        if let Some(f) = self.module.functions.get_mut(idx) {
            f.body = body;
        }
        idx
    }

    fn assignment(&mut self, node: Node, out: &mut Vec<Stmt>) {
        let span = Span::of(&node);
        let op = if node.kind() == "augmented_assignment" {
            node.child_by_field_name("operator")
                .map(|o| binop(text(self.src, o).trim_end_matches('=')))
        } else {
            None
        };
        let Some(left) = node.child_by_field_name("left") else {
            return;
        };
        let Some(right) = node.child_by_field_name("right") else {
            // Annotated declaration without value: `x: int`.
            return;
        };
        // Chained assignment `a = b = value`: the right side is itself an assignment.
        let value = if right.kind() == "assignment" {
            self.assignment(right, out);
            match right.child_by_field_name("left") {
                Some(inner) => self.expr(inner),
                None => return,
            }
        } else {
            self.expr(right)
        };
        let target = self.target(left);
        out.push(Stmt::Assign {
            target,
            value,
            op,
            span,
        });
    }

    /// Nested patterns (`[[[...]]] = v`) recurse here: bounded like `expr`.
    fn target(&mut self, node: Node) -> Target {
        let span = Span::of(&node);
        if !self.admit() {
            return Target::Other(Expr::Other(vec![], span), span);
        }
        self.depth += 1;
        let t = stacker::maybe_grow(
            crate::analysis::RED_ZONE,
            crate::analysis::STACK_CHUNK,
            || self.target_inner(node),
        );
        self.depth -= 1;
        t
    }

    fn target_inner(&mut self, node: Node) -> Target {
        let span = Span::of(&node);
        match node.kind() {
            "identifier" => Target::Name(text(self.src, node).to_string(), span),
            "attribute" => {
                let obj = node
                    .child_by_field_name("object")
                    .map(|o| self.expr(o))
                    .unwrap_or(Expr::Other(vec![], span));
                let attr = node
                    .child_by_field_name("attribute")
                    .map(|a| text(self.src, a).to_string())
                    .unwrap_or_default();
                Target::Attr(obj, attr, span)
            }
            "subscript" => {
                let obj = node
                    .child_by_field_name("value")
                    .map(|o| self.expr(o))
                    .unwrap_or(Expr::Other(vec![], span));
                let idx = node
                    .child_by_field_name("subscript")
                    .map(|o| self.expr(o))
                    .unwrap_or(Expr::Other(vec![], span));
                Target::Index(obj, idx, span)
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list"
            | "expression_list" => {
                let mut c = node.walk();
                let parts = node
                    .named_children(&mut c)
                    .map(|n| self.target(n))
                    .collect();
                Target::Tuple(parts, span)
            }
            "list_splat_pattern" | "parenthesized_expression" => match node.named_child(0) {
                Some(inner) => self.target(inner),
                None => Target::Other(Expr::Other(vec![], span), span),
            },
            _ => Target::Other(self.expr(node), span),
        }
    }

    /// Resolve a dotted name through the imports: `sp.run` -> `subprocess.run`.
    fn resolve(&self, dotted: &str) -> String {
        let (head, rest) = match dotted.split_once('.') {
            Some((h, r)) => (h, Some(r)),
            None => (dotted, None),
        };
        match (self.imports.get(head), rest) {
            (Some(full), Some(rest)) => format!("{full}.{rest}"),
            (Some(full), None) => full.clone(),
            (None, _) => dotted.to_string(),
        }
    }

    /// Nesting beyond this is summarized: it bounds recursion here and in
    /// the analysis on adversarial input.
    fn expr(&mut self, node: Node) -> Expr {
        if !self.admit() {
            return Expr::Other(vec![], Span::of(&node));
        }
        self.depth += 1;
        let e = stacker::maybe_grow(
            crate::analysis::RED_ZONE,
            crate::analysis::STACK_CHUNK,
            || self.expr_inner(node),
        );
        self.depth -= 1;
        e
    }

    fn expr_inner(&mut self, node: Node) -> Expr {
        let span = Span::of(&node);
        match node.kind() {
            "identifier" => Expr::Name(text(self.src, node).to_string(), span),
            "integer" => {
                let t = text(self.src, node).replace('_', "");
                let v = if let Some(h) = t.strip_prefix("0x").or(t.strip_prefix("0X")) {
                    i64::from_str_radix(h, 16).ok()
                } else if let Some(o) = t.strip_prefix("0o").or(t.strip_prefix("0O")) {
                    i64::from_str_radix(o, 8).ok()
                } else if let Some(b) = t.strip_prefix("0b").or(t.strip_prefix("0B")) {
                    i64::from_str_radix(b, 2).ok()
                } else {
                    t.parse().ok()
                };
                match v {
                    Some(v) => Expr::Lit(Lit::Int(v), span),
                    None => Expr::Other(vec![], span),
                }
            }
            "float" => match text(self.src, node).replace('_', "").parse() {
                Ok(v) => Expr::Lit(Lit::Float(v), span),
                Err(_) => Expr::Other(vec![], span),
            },
            "true" => Expr::Lit(Lit::Bool(true), span),
            "false" => Expr::Lit(Lit::Bool(false), span),
            "none" => Expr::Lit(Lit::Null, span),
            "string" => self.string(node),
            "concatenated_string" => {
                let mut c = node.walk();
                let parts: Vec<Expr> = node.named_children(&mut c).map(|s| self.expr(s)).collect();
                concat_literals(parts, span)
            }
            "attribute" => {
                let obj = node
                    .child_by_field_name("object")
                    .map(|o| self.expr(o))
                    .unwrap_or(Expr::Other(vec![], span));
                let attr = node
                    .child_by_field_name("attribute")
                    .map(|a| text(self.src, a).to_string())
                    .unwrap_or_default();
                Expr::Attr(Box::new(obj), attr, span)
            }
            "subscript" => {
                let obj = node
                    .child_by_field_name("value")
                    .map(|o| self.expr(o))
                    .unwrap_or(Expr::Other(vec![], span));
                let mut c = node.walk();
                let idx: Vec<Expr> = node
                    .children_by_field_name("subscript", &mut c)
                    .map(|s| self.expr(s))
                    .collect();
                let idx = if idx.len() == 1 {
                    idx.into_iter().next().unwrap_or(Expr::Other(vec![], span))
                } else {
                    Expr::Other(idx, span)
                };
                Expr::Index(Box::new(obj), Box::new(idx), span)
            }
            "call" => self.call(node),
            "binary_operator" => {
                let src = self.src;
                super::lower_binary(node, src, None, |n| self.expr(n))
            }
            "boolean_operator" => {
                let op = match node.child_by_field_name("operator").map(|o| o.kind()) {
                    Some("and") => BinOp::And,
                    _ => BinOp::Or,
                };
                let src = self.src;
                super::lower_binary(node, src, Some(op), |n| self.expr(n))
            }
            "comparison_operator" => self.comparison(node),
            "not_operator" => {
                let arg = node
                    .child_by_field_name("argument")
                    .map(|e| self.expr(e))
                    .unwrap_or(Expr::Other(vec![], span));
                Expr::Unary(UnOp::Not, Box::new(arg), span)
            }
            "unary_operator" => {
                let arg = node
                    .child_by_field_name("argument")
                    .map(|e| self.expr(e))
                    .unwrap_or(Expr::Other(vec![], span));
                let op = match node.child_by_field_name("operator").map(|o| o.kind()) {
                    Some("-") => UnOp::Neg,
                    Some("~") => UnOp::BitNot,
                    _ => UnOp::Other,
                };
                if let (UnOp::Neg, Expr::Lit(Lit::Int(v), _)) = (op, &arg) {
                    return Expr::Lit(Lit::Int(v.wrapping_neg()), span);
                }
                Expr::Unary(op, Box::new(arg), span)
            }
            "parenthesized_expression" | "expression_statement" => match node.named_child(0) {
                Some(inner) => self.expr(inner),
                None => Expr::Other(vec![], span),
            },
            "conditional_expression" => {
                let parts: Vec<Expr> = {
                    let mut c = node.walk();
                    node.named_children(&mut c).map(|e| self.expr(e)).collect()
                };
                let mut it = parts.into_iter();
                match (it.next(), it.next(), it.next()) {
                    (Some(a), Some(cond), Some(b)) => {
                        Expr::Cond(Box::new(cond), Box::new(a), Box::new(b), span)
                    }
                    (a, b, c) => Expr::Other(a.into_iter().chain(b).chain(c).collect(), span),
                }
            }
            "list" | "tuple" | "set" | "dictionary" | "expression_list" | "pattern_list" => {
                let mut parts = Vec::new();
                let mut c = node.walk();
                for child in node.named_children(&mut c) {
                    if child.kind() == "pair" {
                        if let Some(k) = child.child_by_field_name("key") {
                            parts.push(self.expr(k));
                        }
                        if let Some(v) = child.child_by_field_name("value") {
                            parts.push(self.expr(v));
                        }
                    } else if child.kind() != "comment" {
                        parts.push(self.expr(child));
                    }
                }
                Expr::Collection(parts, span)
            }
            "list_comprehension"
            | "set_comprehension"
            | "generator_expression"
            | "dictionary_comprehension" => self.comprehension(node),
            "keyword_argument" => node
                .child_by_field_name("value")
                .map(|v| self.expr(v))
                .unwrap_or(Expr::Other(vec![], span)),
            "lambda" => Expr::Other(vec![], span),
            "await" | "list_splat" | "dictionary_splat" | "named_expression" | "starred" => {
                let mut c = node.walk();
                let parts: Vec<Expr> = node.named_children(&mut c).map(|e| self.expr(e)).collect();
                if parts.len() == 1 {
                    parts
                        .into_iter()
                        .next()
                        .unwrap_or(Expr::Other(vec![], span))
                } else {
                    Expr::Other(parts, span)
                }
            }
            "comment" | "line_continuation" => Expr::Other(vec![], span),
            _ => {
                let mut c = node.walk();
                let parts = node.named_children(&mut c).map(|e| self.expr(e)).collect();
                Expr::Other(parts, span)
            }
        }
    }

    /// `elem for x in it if cond`: the element is computed with `x` bound to
    /// the items of `it`, so only what the element uses of them flows out.
    fn comprehension(&mut self, node: Node) -> Expr {
        let span = Span::of(&node);
        let mut binds = Vec::new();
        let mut elems = Vec::new();
        let mut c = node.walk();
        for child in node.named_children(&mut c) {
            match child.kind() {
                "for_in_clause" => {
                    let target = child.child_by_field_name("left").map(|t| self.target(t));
                    let iter = child.child_by_field_name("right").map(|e| self.expr(e));
                    if let (Some(t), Some(i)) = (target, iter) {
                        binds.push((t, i));
                    }
                }
                "if_clause" => {
                    // Filters are evaluated for their calls, not their value.
                    if let Some(cond) = child.named_child(0) {
                        let cspan = Span::of(&cond);
                        let e = self.expr(cond);
                        binds.push((Target::Other(Expr::Other(vec![], cspan), cspan), e));
                    }
                }
                "comment" => {}
                "pair" => {
                    if let Some(k) = child.child_by_field_name("key") {
                        elems.push(self.expr(k));
                    }
                    if let Some(v) = child.child_by_field_name("value") {
                        elems.push(self.expr(v));
                    }
                }
                _ => elems.push(self.expr(child)),
            }
        }
        Expr::Comp(binds, Box::new(Expr::Collection(elems, span)), span)
    }

    fn comparison(&mut self, node: Node) -> Expr {
        let span = Span::of(&node);
        let mut operands = Vec::new();
        let mut ops = Vec::new();
        let mut c = node.walk();
        let mut pending_not = false;
        for child in node.children(&mut c) {
            if child.is_named() {
                operands.push(self.expr(child));
            } else {
                let t = text(self.src, child);
                let op = match t {
                    "not" => {
                        pending_not = true;
                        continue;
                    }
                    "in" if pending_not => BinOp::NotIn,
                    other => binop(other),
                };
                pending_not = false;
                ops.push(op);
            }
        }
        // tree-sitter gives `is not` and `not in` as single tokens too.
        if operands.len() == 2 && ops.len() == 1 {
            let mut it = operands.into_iter();
            if let (Some(l), Some(r)) = (it.next(), it.next()) {
                return Expr::Binary(ops[0], Box::new(l), Box::new(r), span);
            }
            return Expr::Other(vec![], span);
        }
        Expr::Other(operands, span)
    }

    fn call(&mut self, node: Node) -> Expr {
        let span = Span::of(&node);
        let callee = node
            .child_by_field_name("function")
            .map(|f| self.expr(f))
            .unwrap_or(Expr::Other(vec![], span));
        let name = callee.dotted().map(|d| self.resolve(&d));
        let mut args = Vec::new();
        let mut kwargs = Vec::new();
        if let Some(arglist) = node.child_by_field_name("arguments") {
            if arglist.kind() == "generator_expression" {
                args.push(self.expr(arglist));
            } else {
                let mut c = arglist.walk();
                for a in arglist.named_children(&mut c) {
                    match a.kind() {
                        "keyword_argument" => {
                            let k = a
                                .child_by_field_name("name")
                                .map(|n| text(self.src, n).to_string())
                                .unwrap_or_default();
                            let v = a
                                .child_by_field_name("value")
                                .map(|v| self.expr(v))
                                .unwrap_or(Expr::Other(vec![], span));
                            kwargs.push((k, v));
                        }
                        "dictionary_splat" => {
                            let v = self.expr(a);
                            kwargs.push(("**".into(), v));
                        }
                        "comment" => {}
                        _ => args.push(self.expr(a)),
                    }
                }
            }
        }
        Expr::Call(Box::new(Call {
            callee,
            name,
            args,
            kwargs,
            span,
        }))
    }

    fn string(&mut self, node: Node) -> Expr {
        let span = Span::of(&node);
        // Parts in source order: literal text as `Lit`, interpolations as
        // expressions, so constant prefixes survive.
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut has_interp = false;
        let mut c = node.walk();
        for child in node.children(&mut c) {
            match child.kind() {
                "string_content" => {
                    let mut cc = child.walk();
                    let mut pos = child.start_byte();
                    for inner in child.named_children(&mut cc) {
                        if inner.kind() == "interpolation" {
                            has_interp = true;
                            literal.push_str(self.src.get(pos..inner.start_byte()).unwrap_or(""));
                            if !literal.is_empty() {
                                parts.push(Expr::Lit(
                                    Lit::Str(std::mem::take(&mut literal).into()),
                                    span,
                                ));
                            }
                            if let Some(e) = inner.child_by_field_name("expression") {
                                parts.push(self.expr(e));
                            }
                            pos = inner.end_byte();
                        }
                    }
                    literal.push_str(self.src.get(pos..child.end_byte()).unwrap_or(""));
                }
                "interpolation" => {
                    has_interp = true;
                    if !literal.is_empty() {
                        parts.push(Expr::Lit(
                            Lit::Str(std::mem::take(&mut literal).into()),
                            span,
                        ));
                    }
                    if let Some(e) = child.child_by_field_name("expression") {
                        parts.push(self.expr(e));
                    }
                }
                "escape_sequence" => literal.push_str(&unescape(text(self.src, child))),
                _ => {}
            }
        }
        if has_interp {
            if !literal.is_empty() {
                parts.push(Expr::Lit(Lit::Str(literal.into()), span));
            }
            Expr::Format(parts, span)
        } else {
            Expr::Lit(Lit::Str(literal.into()), span)
        }
    }
}

fn unescape(seq: &str) -> String {
    match seq {
        "\\n" => "\n".into(),
        "\\t" => "\t".into(),
        "\\r" => "\r".into(),
        "\\0" => "\0".into(),
        "\\\\" => "\\".into(),
        "\\'" => "'".into(),
        "\\\"" => "\"".into(),
        other => other.into(),
    }
}

/// Adjacent literals concatenate to one literal; anything else builds a string.
pub(crate) fn concat_literals(parts: Vec<Expr>, span: Span) -> Expr {
    if parts.iter().all(|p| matches!(p, Expr::Lit(Lit::Str(_), _))) {
        let mut s = String::new();
        for p in &parts {
            if let Expr::Lit(Lit::Str(t), _) = p {
                s.push_str(t);
            }
        }
        Expr::Lit(Lit::Str(s.into()), span)
    } else {
        Expr::Format(parts, span)
    }
}

/// Calls after which a Python function does not continue.
fn is_noreturn(name: &str) -> bool {
    matches!(
        name,
        "flask.abort"
            | "abort"
            | "werkzeug.exceptions.abort"
            | "sys.exit"
            | "exit"
            | "quit"
            | "os._exit"
            | "os.abort"
            | "pytest.fail"
            | "pytest.skip"
    )
}

pub(crate) fn binop(op: &str) -> BinOp {
    match op.trim() {
        "+" => BinOp::Add,
        "-" => BinOp::Sub,
        "*" => BinOp::Mul,
        "/" | "//" => BinOp::Div,
        "%" => BinOp::Mod,
        "<<" => BinOp::Shl,
        ">>" => BinOp::Shr,
        "&" => BinOp::BitAnd,
        "|" => BinOp::BitOr,
        "^" => BinOp::BitXor,
        "and" | "&&" => BinOp::And,
        "or" | "||" => BinOp::Or,
        "==" => BinOp::Eq,
        "!=" | "<>" => BinOp::Ne,
        "<" => BinOp::Lt,
        "<=" => BinOp::Le,
        ">" => BinOp::Gt,
        ">=" => BinOp::Ge,
        "in" => BinOp::In,
        "not in" => BinOp::NotIn,
        "is" => BinOp::Is,
        "is not" => BinOp::IsNot,
        _ => BinOp::Other,
    }
}
