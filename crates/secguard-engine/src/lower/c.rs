//! Lowering of tree-sitter-c and tree-sitter-cpp trees to the IR. One
//! lowerer serves both: C++ adds node kinds but C's are a subset.

use super::python::{binop, concat_literals};
use super::text;
use crate::budget::{Budget, Meter, STMT_NODES};
use crate::ir::*;
use secguard_core::Language;
use tree_sitter::Node;

/// Calls after which control never continues.
const NORETURN: &[&str] = &[
    "exit",
    "_exit",
    "_Exit",
    "abort",
    "quick_exit",
    "longjmp",
    "siglongjmp",
    "__assert_fail",
    "err",
    "errx",
    "std.exit",
    "std.abort",
    "std.terminate",
    "ExitProcess",
];

pub(crate) struct CLowerer<'s> {
    src: &'s str,
    module: Module,
    /// Side effects found inside expressions (`if ((p = malloc(n)) == NULL)`),
    /// emitted before the statement that holds them.
    pending: Vec<Stmt>,
    class_stack: Vec<String>,
    depth: usize,
    /// Inside a function body (declarations there are locals).
    in_function: bool,
    /// Postfix increments, emitted after the statement that holds them.
    post_pending: Vec<Stmt>,
    /// Object-like macros that name another identifier
    /// (`#define EXECL execl`, `#define ARG data`); the last definition wins.
    aliases: std::collections::HashMap<String, String>,
    /// Nodes lowered and nesting, against the file's budgets: nesting beyond
    /// the depth budget is summarized, bounding recursion here and in the
    /// analysis on adversarial input.
    meter: Meter,
}

impl<'s> CLowerer<'s> {
    pub fn new(src: &'s str, _language: Language) -> Self {
        CLowerer {
            src,
            module: Module::default(),
            pending: Vec::new(),
            class_stack: Vec::new(),
            depth: 0,
            in_function: false,
            post_pending: Vec::new(),
            aliases: std::collections::HashMap::new(),
            meter: Meter::default(),
        }
    }

    /// Count a copy of `e` against the node budget (copies nested inside
    /// each other grow with the square of the depth); false once spent.
    fn charge_copy(&mut self, e: &Expr) -> bool {
        let mut n = 0;
        crate::analysis::walk_expr(e, &mut |_| n += 1);
        self.meter.lowered(n)
    }

    /// Whether one more node may be lowered at the current depth.
    fn admit(&mut self) -> bool {
        if self.depth > self.meter.limits.max_depth {
            self.meter.exceed(Budget::Depth);
            return false;
        }
        self.meter.node()
    }

    /// A statement: it counts as [`STMT_NODES`].
    fn admit_stmt(&mut self) -> bool {
        self.admit() && self.meter.lowered(STMT_NODES - 1)
    }

    fn collect_aliases(&mut self, node: Node, depth: usize) {
        if depth > 64 {
            return;
        }
        let mut c = node.walk();
        for child in node.named_children(&mut c) {
            match child.kind() {
                "preproc_def" => {
                    if let (Some(n), Some(v)) = (
                        child.child_by_field_name("name"),
                        child.child_by_field_name("value"),
                    ) {
                        let value = text(self.src, v).trim();
                        let is_ident = !value.is_empty()
                            && value
                                .chars()
                                .next()
                                .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_')
                            && value
                                .chars()
                                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
                        if is_ident {
                            self.aliases
                                .insert(text(self.src, n).to_string(), value.to_string());
                        }
                    }
                }
                "preproc_if" | "preproc_ifdef" | "preproc_else" | "preproc_elif"
                | "preproc_elifdef" => self.collect_aliases(child, depth + 1),
                _ => {}
            }
        }
    }

    /// Follow macro aliases (bounded, so `#define A B` / `#define B A` ends).
    fn unalias(&self, name: &str) -> String {
        let mut cur = name;
        for _ in 0..8 {
            match self.aliases.get(cur) {
                Some(next) => cur = next,
                None => break,
            }
        }
        cur.to_string()
    }

    /// Lower under `meter`'s budgets, which keeps counting afterwards.
    pub fn lower_unit(mut self, root: Node, meter: &mut Meter) -> Module {
        self.meter = std::mem::take(meter);
        self.collect_aliases(root, 0);
        self.module
            .functions
            .push(Function::module_body(Span::of(&root)));
        let mut body = Vec::new();
        self.top_level(root, &mut body);
        self.module.functions[0].body = body;
        *meter = self.meter;
        self.module
    }

    fn top_level(&mut self, node: Node, out: &mut Vec<Stmt>) {
        let mut c = node.walk();
        for child in node.named_children(&mut c) {
            match child.kind() {
                "function_definition" => {
                    self.function(child);
                }
                "declaration" => {
                    let mut decls = Vec::new();
                    self.declaration(child, &mut decls);
                    for d in &decls {
                        if let Stmt::Decl {
                            name,
                            init: Some(init @ Expr::Lit(..)),
                            ..
                        } = d
                        {
                            self.module.constants.push((name.clone(), init.clone()));
                        }
                    }
                    out.extend(decls);
                }
                "preproc_def" => {
                    if let (Some(name), Some(value)) = (
                        child.child_by_field_name("name"),
                        child.child_by_field_name("value"),
                    ) {
                        let lit =
                            parse_define_value(text(self.src, value).trim(), Span::of(&value));
                        if let Some(lit) = lit {
                            let name = text(self.src, name).to_string();
                            self.module.defines.push((name.clone(), lit.clone()));
                            self.module.constants.push((name, lit));
                        }
                    }
                }
                "preproc_if"
                | "preproc_ifdef"
                | "preproc_else"
                | "preproc_elif"
                | "preproc_elifdef"
                | "linkage_specification"
                | "declaration_list"
                | "namespace_definition"
                | "template_declaration"
                | "ERROR" => {
                    self.top_level(child, out);
                }
                "class_specifier" | "struct_specifier" => {
                    let name = child
                        .child_by_field_name("name")
                        .map(|n| text(self.src, n).to_string())
                        .unwrap_or_default();
                    if let Some(body) = child.child_by_field_name("body") {
                        self.class_stack.push(name);
                        self.top_level(body, out);
                        self.class_stack.pop();
                    }
                }
                "field_declaration_list" => self.top_level(child, out),
                "field_declaration" => {
                    if let Some(class) = self.class_stack.last().cloned() {
                        let base = child
                            .child_by_field_name("type")
                            .map(|t| text(self.src, t).to_string())
                            .unwrap_or_default();
                        let mut c2 = child.walk();
                        let decls: Vec<Node> = child
                            .children_by_field_name("declarator", &mut c2)
                            .collect();
                        for d in decls {
                            if d.kind() == "function_declarator" {
                                continue;
                            }
                            let (name, ty) = self.declarator(d, base.clone());
                            if let Some(name) = name {
                                self.module.members.push((class.clone(), name, ty));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn function(&mut self, node: Node) -> usize {
        let mut name = String::new();
        let mut params = Vec::new();
        let mut class = self.class_stack.last().cloned();
        let mut decl = node.child_by_field_name("declarator");
        while let Some(d) = decl {
            match d.kind() {
                "function_declarator" => {
                    if let Some(n) = d.child_by_field_name("declarator") {
                        let full = text(self.src, n).replace("::", ".");
                        match full.rsplit_once('.') {
                            Some((cls, method)) => {
                                class = Some(cls.to_string());
                                name = method.to_string();
                            }
                            None => name = full,
                        }
                    }
                    if let Some(plist) = d.child_by_field_name("parameters") {
                        let mut c = plist.walk();
                        for p in plist.named_children(&mut c) {
                            if p.kind() == "parameter_declaration"
                                || p.kind() == "optional_parameter_declaration"
                            {
                                let base = p
                                    .child_by_field_name("type")
                                    .map(|t| text(self.src, t).to_string())
                                    .unwrap_or_default();
                                if let Some(pd) = p.child_by_field_name("declarator") {
                                    let (pname, ty) = self.declarator(pd, base);
                                    if let Some(pname) = pname {
                                        params.push(Param {
                                            name: pname,
                                            ty,
                                            default: None,
                                        });
                                    }
                                }
                            }
                        }
                    }
                    break;
                }
                _ => decl = d.child_by_field_name("declarator"),
            }
        }
        let idx = self.module.functions.len();
        self.module.functions.push(Function {
            name,
            class,
            params,
            decorators: Vec::new(),
            body: Vec::new(),
            span: Span::of(&node),
            is_module: false,
        });
        let outer = std::mem::replace(&mut self.in_function, true);
        let body = node
            .child_by_field_name("body")
            .map(|b| self.block(b))
            .unwrap_or_default();
        self.in_function = outer;
        if let Some(f) = self.module.functions.get_mut(idx) {
            f.body = body;
        }
        idx
    }

    /// Unwrap a declarator to its name and type shape.
    fn declarator(&mut self, node: Node, base: String) -> (Option<String>, CType) {
        let mut ty = CType {
            base,
            ..CType::default()
        };
        let mut cur = Some(node);
        while let Some(d) = cur {
            match d.kind() {
                "identifier" | "field_identifier" => {
                    return (Some(text(self.src, d).to_string()), ty);
                }
                "pointer_declarator" | "abstract_pointer_declarator" => {
                    ty.pointer_depth = ty.pointer_depth.saturating_add(1);
                    cur = d.child_by_field_name("declarator");
                }
                "array_declarator" | "abstract_array_declarator" => {
                    if ty.is_array {
                        // Multi-dimensional: keep the outer length only.
                    } else {
                        ty.is_array = true;
                        ty.array_len = d
                            .child_by_field_name("size")
                            .map(|s| Box::new(self.expr(s)));
                    }
                    cur = d.child_by_field_name("declarator");
                }
                "reference_declarator" | "parenthesized_declarator" | "init_declarator" => {
                    cur = d
                        .child_by_field_name("declarator")
                        .or_else(|| d.named_child(0));
                }
                "qualified_identifier" => {
                    return (Some(text(self.src, d).replace("::", ".")), ty);
                }
                _ => return (None, ty),
            }
        }
        (None, ty)
    }

    fn declaration(&mut self, node: Node, out: &mut Vec<Stmt>) {
        let base = node
            .child_by_field_name("type")
            .map(|t| text(self.src, t).to_string())
            .unwrap_or_default();
        let mut c = node.walk();
        let decls: Vec<Node> = node.children_by_field_name("declarator", &mut c).collect();
        for d in decls {
            let span = Span::of(&d);
            if d.kind() == "init_declarator" {
                let Some(inner) = d.child_by_field_name("declarator") else {
                    continue;
                };
                let (name, ty) = self.declarator(inner, base.clone());
                let init = d.child_by_field_name("value").map(|v| match v.kind() {
                    // `std::string s(x)` / `T t{a, b}`
                    "argument_list" | "initializer_list" => {
                        let mut cc = v.walk();
                        let parts: Vec<Expr> =
                            v.named_children(&mut cc).map(|e| self.expr(e)).collect();
                        if v.kind() == "argument_list" && parts.len() == 1 {
                            parts
                                .into_iter()
                                .next()
                                .unwrap_or(Expr::Other(vec![], span))
                        } else {
                            Expr::Collection(parts, Span::of(&v))
                        }
                    }
                    _ => self.expr(v),
                });
                out.append(&mut self.pending);
                if let Some(name) = name {
                    out.push(Stmt::Decl {
                        name,
                        ty,
                        init,
                        span,
                    });
                }
            } else if d.kind() == "function_declarator" && self.in_function {
                // `std::string s(buf);` parses as a function declaration; inside
                // a function body it constructs an object from the arguments.
                let (name, _) = match d.child_by_field_name("declarator") {
                    Some(n) => self.declarator(n, base.clone()),
                    None => (None, CType::default()),
                };
                let mut args = Vec::new();
                if let Some(plist) = d.child_by_field_name("parameters") {
                    let mut pc = plist.walk();
                    for p in plist.named_children(&mut pc) {
                        let t = text(self.src, p).trim();
                        if !t.is_empty() && t.chars().all(|ch| ch.is_alphanumeric() || ch == '_') {
                            args.push(Expr::Name(t.to_string(), Span::of(&p)));
                        } else if let Some(lit) = parse_define_value(t, Span::of(&p)) {
                            args.push(lit);
                        }
                    }
                }
                let ctor = normalize_qualified(base.trim_start_matches("const ").trim());
                if let Some(name) = name {
                    out.push(Stmt::Decl {
                        name,
                        ty: CType {
                            base: base.clone(),
                            ..CType::default()
                        },
                        init: Some(Expr::Call(Box::new(Call {
                            callee: Expr::Name(ctor.clone(), span),
                            name: Some(ctor),
                            args,
                            kwargs: Vec::new(),
                            span,
                        }))),
                        span,
                    });
                }
            } else if d.kind() != "function_declarator" {
                let (name, ty) = self.declarator(d, base.clone());
                out.append(&mut self.pending);
                if let Some(name) = name {
                    out.push(Stmt::Decl {
                        name,
                        ty,
                        init: None,
                        span,
                    });
                }
            }
        }
    }

    fn block(&mut self, node: Node) -> Vec<Stmt> {
        let mut out = Vec::new();
        if node.kind() == "compound_statement" {
            let mut c = node.walk();
            for child in node.named_children(&mut c) {
                self.stmt(child, &mut out);
            }
        } else {
            self.stmt(node, &mut out);
        }
        out
    }

    fn sub_block(&mut self, node: Option<Node>) -> Vec<Stmt> {
        node.map(|n| self.block(n)).unwrap_or_default()
    }

    fn stmt(&mut self, node: Node, out: &mut Vec<Stmt>) {
        self.depth += 1;
        if !self.admit_stmt() {
            self.depth -= 1;
            return;
        }
        stacker::maybe_grow(
            crate::analysis::RED_ZONE,
            crate::analysis::STACK_CHUNK,
            || self.stmt_inner(node, out),
        );
        out.append(&mut self.post_pending);
        self.depth -= 1;
    }

    fn cond_expr(&mut self, node: Option<Node>, span: Span) -> Expr {
        match node {
            Some(n) if n.kind() == "condition_clause" => {
                let value = n.child_by_field_name("value").or_else(|| n.named_child(0));
                match value {
                    Some(v) if v.kind() == "declaration" => {
                        let mut decls = Vec::new();
                        self.declaration(v, &mut decls);
                        self.pending.extend(decls);
                        Expr::Other(vec![], span)
                    }
                    Some(v) => self.expr(v),
                    None => Expr::Other(vec![], span),
                }
            }
            Some(n) => self.expr(n),
            None => Expr::Other(vec![], span),
        }
    }

    fn stmt_inner(&mut self, node: Node, out: &mut Vec<Stmt>) {
        let span = Span::of(&node);
        match node.kind() {
            "compound_statement" => {
                let mut c = node.walk();
                for child in node.named_children(&mut c) {
                    self.stmt(child, out);
                }
            }
            "expression_statement" => {
                if let Some(e) = node.named_child(0) {
                    self.expr_stmt(e, out);
                }
            }
            "declaration" => self.declaration(node, out),
            "if_statement" => {
                let cond = self.cond_expr(node.child_by_field_name("condition"), span);
                out.append(&mut self.pending);
                let then = self.sub_block(node.child_by_field_name("consequence"));
                let els = match node.child_by_field_name("alternative") {
                    Some(alt) if alt.kind() == "else_clause" => {
                        let mut v = Vec::new();
                        let mut c = alt.walk();
                        for child in alt.named_children(&mut c) {
                            self.stmt(child, &mut v);
                        }
                        v
                    }
                    other => self.sub_block(other),
                };
                out.push(Stmt::If {
                    cond,
                    then,
                    els,
                    span,
                });
            }
            "while_statement" => {
                let cond = self.cond_expr(node.child_by_field_name("condition"), span);
                let pre = std::mem::take(&mut self.pending);
                let body = self.sub_block(node.child_by_field_name("body"));
                out.push(Stmt::Loop {
                    init: pre,
                    cond: Some(cond),
                    bind: None,
                    update: vec![],
                    body,
                    els: vec![],
                    runs_once: false,
                    span,
                });
            }
            "do_statement" => {
                let body = self.sub_block(node.child_by_field_name("body"));
                let cond = self.cond_expr(node.child_by_field_name("condition"), span);
                let update = std::mem::take(&mut self.pending);
                out.push(Stmt::Loop {
                    init: vec![],
                    cond: Some(cond),
                    bind: None,
                    update,
                    body,
                    els: vec![],
                    runs_once: true,
                    span,
                });
            }
            "for_statement" => {
                let mut init = Vec::new();
                if let Some(i) = node.child_by_field_name("initializer") {
                    if i.kind() == "declaration" {
                        self.declaration(i, &mut init);
                    } else {
                        self.expr_stmt(i, &mut init);
                    }
                }
                let cond = node.child_by_field_name("condition").map(|c| self.expr(c));
                init.append(&mut self.pending);
                let mut update = Vec::new();
                if let Some(u) = node.child_by_field_name("update") {
                    self.expr_stmt(u, &mut update);
                }
                let body = self.sub_block(node.child_by_field_name("body"));
                out.push(Stmt::Loop {
                    init,
                    cond,
                    bind: None,
                    update,
                    body,
                    els: vec![],
                    runs_once: false,
                    span,
                });
            }
            "for_range_loop" => {
                let base = node
                    .child_by_field_name("type")
                    .map(|t| text(self.src, t).to_string())
                    .unwrap_or_default();
                let target = match node.child_by_field_name("declarator") {
                    Some(d) => {
                        let (name, _) = self.declarator(d, base);
                        Target::Name(name.unwrap_or_default(), Span::of(&d))
                    }
                    None => Target::Other(Expr::Other(vec![], span), span),
                };
                let iter = node
                    .child_by_field_name("right")
                    .map(|r| self.expr(r))
                    .unwrap_or(Expr::Other(vec![], span));
                let init = std::mem::take(&mut self.pending);
                let body = self.sub_block(node.child_by_field_name("body"));
                out.push(Stmt::Loop {
                    init,
                    cond: None,
                    bind: Some(Box::new((target, iter))),
                    update: vec![],
                    body,
                    els: vec![],
                    runs_once: false,
                    span,
                });
            }
            "switch_statement" => {
                let scrutinee = self.cond_expr(node.child_by_field_name("condition"), span);
                out.append(&mut self.pending);
                let mut cases = Vec::new();
                if let Some(body) = node.child_by_field_name("body") {
                    let mut c = body.walk();
                    for case in body.named_children(&mut c) {
                        if case.kind() != "case_statement" {
                            continue;
                        }
                        let value = case.child_by_field_name("value").map(|v| self.expr(v));
                        let mut stmts = Vec::new();
                        let mut cc = case.walk();
                        for (i, child) in case.named_children(&mut cc).enumerate() {
                            if i == 0 && value.is_some() {
                                continue;
                            }
                            self.stmt(child, &mut stmts);
                        }
                        cases.push((value, stmts));
                    }
                }
                out.push(Stmt::Switch {
                    scrutinee,
                    cases,
                    span,
                });
            }
            "return_statement" => {
                let value = node.named_child(0).map(|e| self.expr(e));
                out.append(&mut self.pending);
                out.push(Stmt::Return(value, span));
            }
            "throw_statement" => {
                let value = node.named_child(0).map(|e| self.expr(e));
                out.append(&mut self.pending);
                out.push(Stmt::Raise(value, span));
            }
            "break_statement" => out.push(Stmt::Break(span)),
            "continue_statement" => out.push(Stmt::Continue(span)),
            "labeled_statement" => {
                let mut c = node.walk();
                for child in node.named_children(&mut c) {
                    if child.kind() != "statement_identifier" {
                        self.stmt(child, out);
                    }
                }
            }
            "try_statement" => {
                let body = self.sub_block(node.child_by_field_name("body"));
                let mut handlers = Vec::new();
                let mut c = node.walk();
                for child in node.named_children(&mut c) {
                    if child.kind() == "catch_clause" {
                        handlers.push(self.sub_block(child.child_by_field_name("body")));
                    }
                }
                out.push(Stmt::Try {
                    body,
                    handlers,
                    els: vec![],
                    finally: vec![],
                    span,
                });
            }
            "preproc_if" | "preproc_ifdef" | "preproc_elif" | "preproc_else"
            | "preproc_elifdef" => {
                // Alternative configurations: analyze them as an unknown branch.
                let mut then = Vec::new();
                let mut els = Vec::new();
                let mut c = node.walk();
                for child in node.named_children(&mut c) {
                    match child.kind() {
                        "preproc_else" | "preproc_elif" | "preproc_elifdef" => {
                            self.stmt(child, &mut els);
                        }
                        "identifier"
                        | "preproc_defined"
                        | "binary_expression"
                        | "unary_expression"
                        | "number_literal"
                        | "parenthesized_expression"
                        | "call_expression" => {}
                        _ => self.stmt(child, &mut then),
                    }
                }
                if node.kind() == "preproc_else" {
                    out.extend(then);
                } else {
                    out.push(Stmt::If {
                        cond: Expr::Other(vec![], span),
                        then,
                        els,
                        span,
                    });
                }
            }
            "function_definition" => {
                let idx = self.function(node);
                out.push(Stmt::FuncDef(idx, span));
            }
            "goto_statement"
            | "comment"
            | "preproc_include"
            | "preproc_def"
            | "preproc_function_def"
            | "preproc_call"
            | "type_definition"
            | "struct_specifier"
            | "enum_specifier"
            | "union_specifier"
            | "using_declaration"
            | "alias_declaration"
            | "static_assert_declaration"
            | "namespace_alias_definition" => {}
            _ => {
                let mut c = node.walk();
                let kids: Vec<Node> = node.named_children(&mut c).collect();
                for child in kids {
                    if child.kind().ends_with("statement") || child.kind() == "declaration" {
                        self.stmt(child, out);
                    } else {
                        let e = self.expr(child);
                        out.append(&mut self.pending);
                        out.push(Stmt::Expr(e));
                    }
                }
            }
        }
    }

    /// An expression used as a statement: assignments become `Assign`.
    fn expr_stmt(&mut self, node: Node, out: &mut Vec<Stmt>) {
        let span = Span::of(&node);
        match node.kind() {
            "assignment_expression" => {
                let stmt = self.assignment(node);
                out.append(&mut self.pending);
                out.push(stmt);
            }
            "comma_expression" => {
                // `x, x, x, ...` nests one level per operand: walk it with a
                // worklist (thousands of operands overflowed the stack).
                let mut work = vec![node];
                while let Some(n) = work.pop() {
                    if n.kind() != "comma_expression" {
                        if !self.meter.node() {
                            return;
                        }
                        self.expr_stmt(n, out);
                        continue;
                    }
                    let mut c = n.walk();
                    let kids: Vec<Node> = n.named_children(&mut c).collect();
                    work.extend(kids.into_iter().rev());
                }
            }
            "update_expression" => {
                let e = self.expr(node);
                out.append(&mut self.pending);
                out.append(&mut self.post_pending);
                let _ = e;
            }
            _ => {
                let e = self.expr(node);
                out.append(&mut self.pending);
                let noreturn = matches!(&e, Expr::Call(c)
                    if c.name.as_deref().is_some_and(|n| NORETURN.contains(&n)));
                if noreturn {
                    out.push(Stmt::Expr(e));
                    out.push(Stmt::Raise(None, span));
                } else {
                    out.push(Stmt::Expr(e));
                }
            }
        }
    }

    fn assignment(&mut self, node: Node) -> Stmt {
        let span = Span::of(&node);
        let op = node
            .child_by_field_name("operator")
            .map(|o| text(self.src, o))
            .and_then(|o| {
                let o = o.trim_end_matches('=');
                if o.is_empty() { None } else { Some(binop(o)) }
            });
        let value = node
            .child_by_field_name("right")
            .map(|r| self.expr(r))
            .unwrap_or(Expr::Other(vec![], span));
        let target = node
            .child_by_field_name("left")
            .map(|l| self.target(l))
            .unwrap_or(Target::Other(Expr::Other(vec![], span), span));
        Stmt::Assign {
            target,
            value,
            op,
            span,
        }
    }

    fn target(&mut self, node: Node) -> Target {
        let span = Span::of(&node);
        target_of(self.expr(node), span)
    }

    fn callee_name(&self, callee: &Expr, node: Node) -> Option<String> {
        match callee {
            Expr::Name(n, _) => Some(n.clone()),
            Expr::Attr(..) => callee.dotted().or_else(|| {
                // `p->method()` lowers through a deref; name it by field.
                if let Expr::Attr(base, f, _) = callee
                    && let Expr::Unary(UnOp::Deref, inner, _) = base.as_ref()
                {
                    return inner.dotted().map(|b| format!("{b}.{f}"));
                }
                None
            }),
            _ => {
                let t = text(self.src, node);
                if t.contains("::") {
                    Some(normalize_qualified(t))
                } else {
                    None
                }
            }
        }
    }

    fn expr(&mut self, node: Node) -> Expr {
        self.depth += 1;
        let e = if !self.admit() {
            Expr::Other(vec![], Span::of(&node))
        } else {
            stacker::maybe_grow(
                crate::analysis::RED_ZONE,
                crate::analysis::STACK_CHUNK,
                || self.expr_inner(node),
            )
        };
        self.depth -= 1;
        e
    }

    fn children_exprs(&mut self, node: Node) -> Vec<Expr> {
        let mut c = node.walk();
        let kids: Vec<Node> = node.named_children(&mut c).collect();
        kids.into_iter()
            .filter(|k| k.kind() != "comment")
            .map(|k| self.expr(k))
            .collect()
    }

    fn expr_inner(&mut self, node: Node) -> Expr {
        let span = Span::of(&node);
        match node.kind() {
            "identifier" | "field_identifier" => {
                let aliased;
                let mut t = text(self.src, node);
                if node.kind() == "identifier" && self.aliases.contains_key(t) {
                    aliased = self.unalias(t);
                    t = aliased.as_str();
                }
                match t {
                    "NULL" | "nullptr" => Expr::Lit(Lit::Null, span),
                    "true" | "TRUE" => Expr::Lit(Lit::Bool(true), span),
                    "false" | "FALSE" => Expr::Lit(Lit::Bool(false), span),
                    _ => Expr::Name(t.to_string(), span),
                }
            }
            "qualified_identifier" => Expr::Name(normalize_qualified(text(self.src, node)), span),
            "this" => Expr::Name("this".into(), span),
            "null" | "nullptr" => Expr::Lit(Lit::Null, span),
            "true" => Expr::Lit(Lit::Bool(true), span),
            "false" => Expr::Lit(Lit::Bool(false), span),
            "number_literal" => match parse_number(text(self.src, node)) {
                Some(l) => Expr::Lit(l, span),
                None => Expr::Other(vec![], span),
            },
            "char_literal" => {
                let t = text(self.src, node);
                let inner = t
                    .trim_start_matches(['L', 'u', 'U', '8'])
                    .trim_matches('\'');
                let v = match inner {
                    "\\0" => 0,
                    "\\n" => 10,
                    "\\t" => 9,
                    "\\r" => 13,
                    "\\\\" => 92,
                    "\\'" => 39,
                    s => s.chars().next().map(|c| c as i64).unwrap_or(0),
                };
                Expr::Lit(Lit::Int(v), span)
            }
            "string_literal" | "raw_string_literal" => {
                let mut s = String::new();
                let mut c = node.walk();
                for child in node.named_children(&mut c) {
                    match child.kind() {
                        "string_content" | "raw_string_content" => {
                            s.push_str(text(self.src, child))
                        }
                        "escape_sequence" => s.push_str(&unescape_c(text(self.src, child))),
                        _ => {}
                    }
                }
                Expr::Lit(Lit::Str(s.into()), span)
            }
            "concatenated_string" => {
                let parts = self.children_exprs(node);
                concat_literals(parts, span)
            }
            "call_expression" => {
                let fnode = node.child_by_field_name("function");
                // C++ named casts are casts, not calls.
                if let Some(f) = fnode
                    && f.kind() == "template_function"
                    && let Some(n) = f.child_by_field_name("name")
                    && matches!(
                        text(self.src, n),
                        "static_cast" | "reinterpret_cast" | "const_cast" | "dynamic_cast"
                    )
                {
                    let ty = f
                        .child_by_field_name("arguments")
                        .and_then(|a| a.named_child(0))
                        .map(|t| self.type_descriptor(t))
                        .unwrap_or_default();
                    let arg = node
                        .child_by_field_name("arguments")
                        .and_then(|a| a.named_child(0))
                        .map(|a| self.expr(a))
                        .unwrap_or(Expr::Other(vec![], span));
                    return Expr::Cast(ty, Box::new(arg), span);
                }
                let callee = fnode
                    .map(|f| self.expr(f))
                    .unwrap_or(Expr::Other(vec![], span));
                let name = fnode.and_then(|f| self.callee_name(&callee, f));
                let args = node
                    .child_by_field_name("arguments")
                    .map(|a| self.children_exprs(a))
                    .unwrap_or_default();
                Expr::Call(Box::new(Call {
                    callee,
                    name,
                    args,
                    kwargs: Vec::new(),
                    span,
                }))
            }
            "template_function" => match node.child_by_field_name("name") {
                Some(n) => self.expr(n),
                None => Expr::Other(vec![], span),
            },
            "field_expression" => {
                let base = node
                    .child_by_field_name("argument")
                    .map(|a| self.expr(a))
                    .unwrap_or(Expr::Other(vec![], span));
                let field = node
                    .child_by_field_name("field")
                    .map(|f| text(self.src, f).to_string())
                    .unwrap_or_default();
                let arrow = node
                    .child_by_field_name("operator")
                    .is_some_and(|o| text(self.src, o) == "->");
                let base = if arrow {
                    Expr::Unary(UnOp::Deref, Box::new(base), span)
                } else {
                    base
                };
                Expr::Attr(Box::new(base), field, span)
            }
            "subscript_expression" => {
                let base = node
                    .child_by_field_name("argument")
                    .map(|a| self.expr(a))
                    .unwrap_or(Expr::Other(vec![], span));
                let idx_node = node
                    .child_by_field_name("index")
                    .or_else(|| node.child_by_field_name("indices"));
                let idx = match idx_node {
                    Some(i) if i.kind() == "subscript_argument_list" => {
                        let mut parts = self.children_exprs(i);
                        if parts.len() == 1 {
                            parts.pop().unwrap_or(Expr::Other(vec![], span))
                        } else {
                            Expr::Other(parts, span)
                        }
                    }
                    Some(i) => self.expr(i),
                    None => Expr::Other(vec![], span),
                };
                Expr::Index(Box::new(base), Box::new(idx), span)
            }
            "pointer_expression" => {
                let arg = node
                    .child_by_field_name("argument")
                    .map(|a| self.expr(a))
                    .unwrap_or(Expr::Other(vec![], span));
                let op = node
                    .child_by_field_name("operator")
                    .map(|o| text(self.src, o))
                    .unwrap_or("*");
                let op = if op == "&" { UnOp::AddrOf } else { UnOp::Deref };
                Expr::Unary(op, Box::new(arg), span)
            }
            "binary_expression" => {
                let src = self.src;
                super::lower_binary(node, src, None, |n| self.expr(n))
            }
            "unary_expression" => {
                let arg = node
                    .child_by_field_name("argument")
                    .map(|a| self.expr(a))
                    .unwrap_or(Expr::Other(vec![], span));
                let op = match node
                    .child_by_field_name("operator")
                    .map(|o| text(self.src, o))
                {
                    Some("!") | Some("not") => UnOp::Not,
                    Some("-") => UnOp::Neg,
                    Some("~") | Some("compl") => UnOp::BitNot,
                    _ => UnOp::Other,
                };
                match (op, &arg) {
                    (UnOp::Neg, Expr::Lit(Lit::Int(v), _)) => {
                        Expr::Lit(Lit::Int(v.wrapping_neg()), span)
                    }
                    (UnOp::Neg, Expr::Lit(Lit::Float(v), _)) => Expr::Lit(Lit::Float(-v), span),
                    (UnOp::Other, _) => arg,
                    _ => Expr::Unary(op, Box::new(arg), span),
                }
            }
            "update_expression" => {
                let arg_node = node.child_by_field_name("argument");
                // Lowered once: the target is derived from the expression.
                // Lowering the operand again for the target doubled the
                // work (and its side effects) at every nesting level, so
                // `----...--x` grew as 2^depth.
                let arg = arg_node
                    .map(|a| self.expr(a))
                    .unwrap_or(Expr::Other(vec![], span));
                let dec = node
                    .child_by_field_name("operator")
                    .is_some_and(|o| text(self.src, o) == "--");
                if let Some(a) = arg_node {
                    // A statement is a few nodes' worth of memory.
                    if !self.charge_copy(&arg) || !self.meter.lowered(STMT_NODES) {
                        return arg;
                    }
                    let target = target_of(arg.clone(), Span::of(&a));
                    let step = Stmt::Assign {
                        target,
                        value: Expr::Lit(Lit::Int(1), span),
                        op: Some(if dec { BinOp::Sub } else { BinOp::Add }),
                        span,
                    };
                    // `n++` yields the old value: the step comes after the
                    // statement; `++n` steps first.
                    let postfix = node
                        .child_by_field_name("operator")
                        .is_some_and(|o| o.start_byte() > a.start_byte());
                    if postfix {
                        self.post_pending.push(step);
                    } else {
                        self.pending.push(step);
                    }
                }
                arg
            }
            "assignment_expression" => {
                let stmt = self.assignment(node);
                let value = match &stmt {
                    Stmt::Assign {
                        target: Target::Name(n, s),
                        ..
                    } => Expr::Name(n.clone(), *s),
                    Stmt::Assign { value, .. } if self.charge_copy(value) => value.clone(),
                    _ => Expr::Other(vec![], span),
                };
                self.meter.lowered(STMT_NODES);
                self.pending.push(stmt);
                value
            }
            "cast_expression" => {
                let ty = node
                    .child_by_field_name("type")
                    .map(|t| self.type_descriptor(t))
                    .unwrap_or_default();
                let value = node
                    .child_by_field_name("value")
                    .map(|v| self.expr(v))
                    .unwrap_or(Expr::Other(vec![], span));
                Expr::Cast(ty, Box::new(value), span)
            }
            "sizeof_expression" | "alignof_expression" => {
                if let Some(t) = node.child_by_field_name("type") {
                    let ty = self.type_descriptor(t);
                    let mut name = ty.base.clone();
                    for _ in 0..ty.pointer_depth {
                        name.push('*');
                    }
                    Expr::SizeOf(name, span)
                } else if let Some(v) = node.child_by_field_name("value") {
                    let inner = match v.kind() {
                        "parenthesized_expression" => v.named_child(0).unwrap_or(v),
                        _ => v,
                    };
                    match inner.kind() {
                        "identifier" => {
                            Expr::SizeOf(format!("var:{}", text(self.src, inner)), span)
                        }
                        _ => Expr::SizeOf(format!("expr:{}", text(self.src, inner)), span),
                    }
                } else {
                    Expr::SizeOf(String::new(), span)
                }
            }
            "parenthesized_expression" => match node.named_child(0) {
                Some(inner) => self.expr(inner),
                None => Expr::Other(vec![], span),
            },
            "comma_expression" => {
                let mut c = node.walk();
                let kids: Vec<Node> = node.named_children(&mut c).collect();
                let mut last = Expr::Other(vec![], span);
                let n = kids.len();
                for (i, k) in kids.into_iter().enumerate() {
                    if i + 1 == n {
                        last = self.expr(k);
                    } else {
                        let mut stmts = Vec::new();
                        self.expr_stmt(k, &mut stmts);
                        self.pending.extend(stmts);
                    }
                }
                last
            }
            "conditional_expression" => {
                let cond = node.child_by_field_name("condition").map(|e| self.expr(e));
                let a = node
                    .child_by_field_name("consequence")
                    .map(|e| self.expr(e));
                let b = node
                    .child_by_field_name("alternative")
                    .map(|e| self.expr(e));
                match (cond, a, b) {
                    (Some(c), Some(a), Some(b)) => {
                        Expr::Cond(Box::new(c), Box::new(a), Box::new(b), span)
                    }
                    (c, a, b) => Expr::Other(c.into_iter().chain(a).chain(b).collect(), span),
                }
            }
            "initializer_list" | "initializer_pair" => {
                Expr::Collection(self.children_exprs(node), span)
            }
            "new_expression" => {
                let ty = node
                    .child_by_field_name("type")
                    .map(|t| CType {
                        base: text(self.src, t).to_string(),
                        ..CType::default()
                    })
                    .unwrap_or_default();
                let count = node
                    .child_by_field_name("declarator")
                    .and_then(|d| d.named_child(0).map(|n| Box::new(self.expr(n))));
                let args = node
                    .child_by_field_name("arguments")
                    .map(|a| self.children_exprs(a))
                    .unwrap_or_default();
                Expr::New(ty, count, args, span)
            }
            "delete_expression" => {
                let is_array = text(self.src, node).contains('[');
                let args = self.children_exprs(node);
                let name = if is_array { "delete[]" } else { "delete" };
                Expr::Call(Box::new(Call {
                    callee: Expr::Name(name.into(), span),
                    name: Some(name.into()),
                    args,
                    kwargs: Vec::new(),
                    span,
                }))
            }
            "lambda_expression" => Expr::Other(vec![], span),
            "compound_literal_expression" => {
                let v = node.child_by_field_name("value").map(|v| self.expr(v));
                Expr::Other(v.into_iter().collect(), span)
            }
            "comment" => Expr::Other(vec![], span),
            _ => Expr::Other(self.children_exprs(node), span),
        }
    }

    fn type_descriptor(&mut self, node: Node) -> CType {
        let base = node
            .child_by_field_name("type")
            .map(|t| text(self.src, t).to_string())
            .unwrap_or_else(|| text(self.src, node).to_string());
        match node.child_by_field_name("declarator") {
            Some(d) => self.declarator(d, base).1,
            None => CType {
                base,
                ..CType::default()
            },
        }
    }
}

/// `std::system` -> `system`, `a::b` -> `a.b`: rules name C++ library
/// functions without the `std::` prefix.
fn normalize_qualified(t: &str) -> String {
    let t = t.trim_start_matches("::");
    let t = t.strip_prefix("std::").unwrap_or(t);
    t.replace("::", ".")
}

fn parse_number(t: &str) -> Option<Lit> {
    let t = t.replace('\'', "");
    let lower = t.to_ascii_lowercase();
    let is_hex = lower.starts_with("0x");
    let trimmed = lower.trim_end_matches(['u', 'l']);
    if is_hex {
        return i64::from_str_radix(&trimmed[2..], 16).ok().map(Lit::Int);
    }
    if trimmed.contains(['.', 'e']) {
        let f = trimmed.trim_end_matches('f');
        return f.parse::<f64>().ok().map(Lit::Float);
    }
    if trimmed.len() > 1 && trimmed.starts_with('0') {
        return i64::from_str_radix(&trimmed[1..], 8).ok().map(Lit::Int);
    }
    trimmed.parse::<i64>().ok().map(Lit::Int)
}

/// The place a lowered expression designates, for assignments.
fn target_of(e: Expr, span: Span) -> Target {
    match e {
        Expr::Name(n, s) => Target::Name(n, s),
        Expr::Attr(base, field, _) => Target::Attr(*base, field, span),
        Expr::Index(base, idx, _) => Target::Index(*base, *idx, span),
        Expr::Unary(UnOp::Deref, inner, _) => Target::Deref(*inner, span),
        other => Target::Other(other, span),
    }
}

fn parse_define_value(t: &str, span: Span) -> Option<Expr> {
    let t = t.trim_start_matches('(').trim_end_matches(')').trim();
    if let Some(s) = t.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        return Some(Expr::Lit(Lit::Str(s.into()), span));
    }
    parse_number(t).map(|l| Expr::Lit(l, span))
}

fn unescape_c(seq: &str) -> String {
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
