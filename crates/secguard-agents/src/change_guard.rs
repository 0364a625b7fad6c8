//! What a repair may not do, judged by what it changes rather than by the
//! count of findings.
//!
//! A model asked to remove findings can make them disappear without making
//! the code safer: it can add a suppression comment, reach the dangerous
//! call by a name the analyzer does not see, drop the check that guarded
//! it, or delete what the function did. Each of those is found here by
//! comparing the candidate with the code it repairs (the tree and the
//! lowered IR, never a regular expression over the text), and only
//! constructs that are *new* in the candidate count, so code that already
//! had them can still be repaired.
//!
//! [`judge_change`] returns one specific reason per problem, worded for the
//! model: the loop rejects the candidate and sends the reasons back.

use secguard_core::{Finding, Language};
use secguard_engine::Engine;
use secguard_engine::analysis::{walk_expr, walk_exprs_in};
use secguard_engine::ir::{BinOp, Call, Expr, Function, Lit, Module, Span, Stmt, UnOp};
use secguard_engine::lower;
use secguard_engine::rules::{Matcher, NamePattern};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Comment markers that make some analyzer skip a finding, lower-cased:
/// ours, Bandit's, Semgrep's, cppcheck's, Flawfinder's (and RATS/ITS4,
/// which it honours), clang-tidy's, flake8's, Pylint's and CodeQL's.
const SUPPRESSION_MARKERS: &[&str] = &[
    "secguard:",
    "nosec",
    "nosemgrep",
    "cppcheck-suppress",
    "flawfinder:",
    "rats:",
    "its4:",
    "nolint",
    "noqa",
    "pylint: disable",
    "pylint:disable",
    "lgtm[",
    "codeql[",
];

/// How many reasons of one kind are listed before "and N more".
const MAX_PER_KIND: usize = 3;

/// Why `after`, a repair of `before`, must be rejected; empty when nothing
/// it changed is forbidden. `before_findings` are the analyzers' findings
/// on `before` (their lines mark sinks even where no rule names the call).
pub fn judge_change(
    engine: &Engine,
    language: Language,
    before: &str,
    after: &str,
    before_findings: &[Finding],
) -> Vec<String> {
    let Some(old) = Facts::of(engine, language, before, before_findings, &BTreeSet::new()) else {
        return Vec::new();
    };
    // The calls that were sinks before stay sinks wherever they moved.
    let known: BTreeSet<String> = old.sinks.iter().map(|s| s.callee.clone()).collect();
    let Some(new) = Facts::of(engine, language, after, &[], &known) else {
        return Vec::new();
    };
    let mut reasons = Vec::new();
    reasons.extend(added_suppressions(&old, &new));
    reasons.extend(new_indirect_reach(&old, &new));
    reasons.extend(removed_guards(&old, &new));
    reasons.extend(deleted_functionality(&old, &new));
    reasons
}

/// A suppression comment and the code it is attached to, whitespace
/// normalized: moving a human's comment onto other code is adding one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Marker {
    comment: String,
    attached_to: String,
}

/// A construct that reaches a function by a name the analyzer cannot
/// resolve, with the wording of the reason.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Indirect {
    what: String,
    text: String,
}

/// One call to a sink, with the checks it sits under.
#[derive(Debug, Clone)]
struct SinkSite {
    function: String,
    callee: String,
    line: usize,
    guards: Vec<Guard>,
}

#[derive(Debug, Clone)]
struct Guard {
    text: String,
    always_true: bool,
}

#[derive(Debug, Clone)]
struct FnFacts {
    trivial: bool,
    body: String,
    calls: usize,
    sink_calls: BTreeSet<String>,
}

/// What one version of the code is made of, as far as the checks care.
struct Facts {
    markers: Vec<(Marker, usize)>,
    indirect: Vec<(Indirect, usize)>,
    sinks: Vec<SinkSite>,
    functions: BTreeMap<String, FnFacts>,
}

/// The call names the engine's rules treat as sinks for one language.
struct Sinks {
    patterns: Vec<NamePattern>,
    /// Last segments of the patterns without wildcards (`system`, `popen`).
    keys: BTreeSet<String>,
}

impl Sinks {
    fn of(engine: &Engine, language: Language) -> Sinks {
        let mut patterns = Vec::new();
        for rule in engine.compiled_rules() {
            if !rule.meta.languages.contains(&language) {
                continue;
            }
            match &rule.matcher {
                Matcher::Taint(t) => {
                    for s in &t.sinks {
                        patterns.extend(s.calls.iter().cloned());
                    }
                }
                Matcher::Call(c) => patterns.extend(c.names.iter().cloned()),
                Matcher::Assign(_) | Matcher::Checker { .. } => {}
            }
        }
        let keys = patterns.iter().filter_map(|p| p.key.clone()).collect();
        Sinks { patterns, keys }
    }

    fn matches(&self, name: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(name))
    }
}

fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn slice(src: &str, span: Span) -> &str {
    src.get(span.start_byte..span.end_byte).unwrap_or("")
}

fn qualified(f: &Function) -> String {
    match &f.class {
        Some(c) => format!("{c}.{}", f.name),
        None => f.name.clone(),
    }
}

impl Facts {
    fn of(
        engine: &Engine,
        language: Language,
        src: &str,
        findings: &[Finding],
        known_sinks: &BTreeSet<String>,
    ) -> Option<Facts> {
        let tree = lower::parse(language, src)?;
        let module = lower::lower(language, src, &tree);
        let sinks = Sinks::of(engine, language);
        let imports = secguard_engine::collect_imports(language, src, &tree);
        // A finding's line and the steps of its trace mark the calls that
        // carry the weakness (`run_ping(argv[1])` as much as `system(cmd)`).
        let finding_lines: BTreeSet<usize> = findings
            .iter()
            .filter(|f| !f.is_suppressed())
            .flat_map(|f| {
                std::iter::once(f.location.start_line as usize)
                    .chain(f.trace.iter().map(|t| t.location.start_line as usize))
            })
            .collect();
        let mut indirect = Vec::new();
        indirect_in_module(&module, src, language, &sinks, &imports, &mut indirect);
        indirect_in_tree(tree.root_node(), src, language, &sinks, &mut indirect);
        indirect.sort_by_key(|(_, line)| *line);
        let direct = |c: &Call| {
            c.name
                .as_deref()
                .is_some_and(|n| sinks.matches(n) || known_sinks.contains(n))
                || finding_lines.contains(&(c.span.start_row + 1))
        };
        // Local functions that reach a sink, directly or through each
        // other: a call to one is a sink call too.
        let mut reaching: BTreeSet<String> = BTreeSet::new();
        for _ in 0..4 {
            let before = reaching.len();
            for f in module.functions.iter().filter(|f| !f.is_module) {
                let mut reaches = false;
                walk_exprs_in(&f.body, &mut |e| {
                    if let Expr::Call(c) = e {
                        reaches |=
                            direct(c) || c.name.as_deref().is_some_and(|n| reaching.contains(n));
                    }
                });
                if reaches {
                    reaching.insert(f.name.clone());
                }
            }
            if reaching.len() == before {
                break;
            }
        }
        let is_sink =
            |c: &Call| direct(c) || c.name.as_deref().is_some_and(|n| reaching.contains(n));
        let mut sink_sites = Vec::new();
        let mut functions = BTreeMap::new();
        for f in &module.functions {
            let name = qualified(f);
            let mut guards = Vec::new();
            sites_in(&f.body, src, &name, &is_sink, &mut guards, &mut sink_sites);
            if f.is_module {
                continue;
            }
            let mut calls = 0;
            let mut sink_calls = BTreeSet::new();
            walk_exprs_in(&f.body, &mut |e| {
                if let Expr::Call(c) = e {
                    calls += 1;
                    if let Some(n) = &c.name
                        && is_sink(c)
                    {
                        sink_calls.insert(n.clone());
                    }
                }
            });
            functions.insert(
                name,
                FnFacts {
                    trivial: is_trivial(&f.body),
                    body: trivial_text(&f.body, src),
                    calls,
                    sink_calls,
                },
            );
        }
        Some(Facts {
            markers: markers_in(tree.root_node(), src),
            indirect,
            sinks: sink_sites,
            functions,
        })
    }
}

// --- suppression comments -------------------------------------------------

fn is_suppression(comment: &str) -> bool {
    let lower = comment.to_lowercase();
    SUPPRESSION_MARKERS.iter().any(|m| lower.contains(m))
}

fn markers_in(root: tree_sitter::Node<'_>, src: &str) -> Vec<(Marker, usize)> {
    let lines: Vec<&str> = src.lines().collect();
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "comment" {
            let text = slice(src, Span::of(&node));
            if is_suppression(text) {
                let row = node.start_position().row;
                let before = lines
                    .get(row)
                    .and_then(|l| l.get(..node.start_position().column))
                    .unwrap_or("")
                    .trim();
                // A trailing comment covers its own line; one alone on its
                // line covers the next line that holds code.
                let attached_to = if before.is_empty() {
                    lines
                        .iter()
                        .skip(node.end_position().row + 1)
                        .map(|l| l.trim())
                        .find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("//"))
                        .unwrap_or("")
                        .to_string()
                } else {
                    before.to_string()
                };
                out.push((
                    Marker {
                        comment: normalize(text),
                        attached_to: normalize(&attached_to),
                    },
                    row + 1,
                ));
            }
            continue;
        }
        let mut c = node.walk();
        stack.extend(node.children(&mut c));
    }
    out.sort_by_key(|(_, line)| *line);
    out
}

/// Items of `new` beyond their count in `old` (a multiset difference), in
/// `new`'s order.
fn added<'a, T: Ord>(old: &[(T, usize)], new: &'a [(T, usize)]) -> Vec<&'a (T, usize)> {
    let mut left: BTreeMap<&T, usize> = BTreeMap::new();
    for (t, _) in old {
        *left.entry(t).or_insert(0) += 1;
    }
    let mut out = Vec::new();
    for item in new {
        match left.get_mut(&item.0) {
            Some(n) if *n > 0 => *n -= 1,
            _ => out.push(item),
        }
    }
    out
}

fn capped(mut reasons: Vec<String>) -> Vec<String> {
    if reasons.len() > MAX_PER_KIND {
        let more = reasons.len() - MAX_PER_KIND;
        reasons.truncate(MAX_PER_KIND);
        if let Some(last) = reasons.last_mut() {
            last.push_str(&format!(" (and {more} more like it)"));
        }
    }
    reasons
}

fn added_suppressions(old: &Facts, new: &Facts) -> Vec<String> {
    capped(
        added(&old.markers, &new.markers)
            .into_iter()
            .map(|(m, line)| {
                format!(
                    "adds a suppression comment at line {line} (`{}`; a new, widened or \
                     moved marker counts): only a human may suppress a finding; remove the \
                     comment and fix the code",
                    m.comment
                )
            })
            .collect(),
    )
}

// --- indirect reach of dangerous functions ----------------------------------

const PY_EVAL: &[&str] = &["eval", "exec", "compile", "builtins.eval", "builtins.exec"];
const PY_IMPORT: &[&str] = &[
    "__import__",
    "builtins.__import__",
    "importlib.import_module",
    "importlib.__import__",
];
const PY_REFLECT: &[&str] = &[
    "operator.methodcaller",
    "operator.attrgetter",
    "methodcaller",
    "attrgetter",
];
const PY_NAMESPACES: &[&str] = &["globals", "vars", "locals"];
/// Attributes that expose a module's or function's names as data.
const PY_DUNDERS: &[&str] = &[
    "__dict__",
    "__builtins__",
    "__globals__",
    "__getattribute__",
    "__code__",
];
const C_LOOKUP: &[&str] = &["dlsym", "dlvsym", "GetProcAddress"];

fn resolve(dotted: &str, imports: &HashMap<String, String>) -> String {
    let (head, rest) = dotted.split_once('.').unwrap_or((dotted, ""));
    match imports.get(head) {
        Some(full) if rest.is_empty() => full.clone(),
        Some(full) => format!("{full}.{rest}"),
        None => dotted.to_string(),
    }
}

fn call_name(c: &Call) -> &str {
    c.name.as_deref().unwrap_or("")
}

fn indirect_in_module(
    module: &Module,
    src: &str,
    language: Language,
    sinks: &Sinks,
    imports: &HashMap<String, String>,
    out: &mut Vec<(Indirect, usize)>,
) {
    for f in &module.functions {
        // Callee positions, so `os.system(x)` is a call and `run = os.system`
        // a reference.
        let mut callees: BTreeSet<Span> = BTreeSet::new();
        walk_exprs_in(&f.body, &mut |e| {
            if let Expr::Call(c) = e {
                callees.insert(c.callee.span());
            }
        });
        let mut push = |what: String, span: Span| {
            out.push((
                Indirect {
                    what,
                    text: normalize(slice(src, span)),
                },
                span.start_row + 1,
            ));
        };
        walk_exprs_in(&f.body, &mut |e| match e {
            Expr::Call(c) if language == Language::Python => {
                let name = call_name(c);
                let first = c.args.first();
                if name == "getattr" || name == "builtins.getattr" {
                    match c.args.get(1) {
                        Some(Expr::Lit(Lit::Str(s), _)) => {
                            if sinks.keys.contains(&**s) || s.starts_with("__") {
                                push(
                                    format!("reaches `{s}` through getattr instead of calling it"),
                                    c.span,
                                );
                            }
                        }
                        _ => push(
                            "looks a function up by a computed name with getattr".into(),
                            c.span,
                        ),
                    }
                } else if PY_IMPORT.contains(&name) {
                    push(
                        "imports a module by a name given at run time".into(),
                        c.span,
                    );
                } else if PY_REFLECT.contains(&name) {
                    push(format!("reaches a method by name through {name}"), c.span);
                } else if PY_EVAL.contains(&name) {
                    match first {
                        // Literal code is visible, but the analyzer does
                        // not look inside it: a sink named there is hidden.
                        Some(Expr::Lit(Lit::Str(code), _)) => {
                            if let Some(sink) = code
                                .split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                                .find(|w| sinks.keys.contains(*w))
                            {
                                push(
                                    format!("hides a call to `{sink}` in a string run by {name}"),
                                    c.span,
                                );
                            }
                        }
                        _ => push(format!("runs a built string with {name}"), c.span),
                    }
                }
            }
            Expr::Index(base, _, span) | Expr::Attr(base, _, span)
                if language == Language::Python =>
            {
                if let Expr::Attr(_, attr, _) = e
                    && PY_DUNDERS.contains(&attr.as_str())
                {
                    push(
                        format!("reaches names through `{attr}` instead of calling them"),
                        *span,
                    );
                }
                if let Expr::Call(c) = base.as_ref()
                    && PY_NAMESPACES.contains(&call_name(c))
                {
                    push(
                        format!(
                            "reaches a name through {}() instead of calling it",
                            call_name(c)
                        ),
                        *span,
                    );
                }
                if let Expr::Attr(..) = e
                    && !callees.contains(span)
                    && let Some(d) = e.dotted()
                {
                    let full = resolve(&d, imports);
                    if sinks.matches(&full) {
                        push(
                            format!(
                                "refers to `{full}` without calling it (an alias hides the call)"
                            ),
                            *span,
                        );
                    }
                }
            }
            // C function pointers are found on the tree (the IR drops
            // function-pointer declarators); see `indirect_in_tree`.
            Expr::Name(n, span)
                if language == Language::Python
                    && !callees.contains(span)
                    && imports.contains_key(n.as_str()) =>
            {
                // A bare name is a function here only when imported as one
                // (`from os import system`).
                let full = resolve(n, imports);
                if sinks.matches(&full) {
                    push(
                        format!("refers to `{full}` without calling it (an alias hides the call)"),
                        *span,
                    );
                }
            }
            _ => {}
        });
        // Names built from literal pieces that spell a sink ("sys" + "tem").
        walk_exprs_in(&f.body, &mut |e| {
            if let Expr::Binary(BinOp::Add, ..) | Expr::Format(..) = e
                && let Some(s) = constant_string(e)
                && sinks.keys.contains(s.as_str())
            {
                push(
                    format!("builds the name `{s}` from pieces instead of calling it"),
                    e.span(),
                );
            }
        });
    }
}

/// The value of a string built only from literals, when it is one.
fn constant_string(e: &Expr) -> Option<String> {
    match e {
        Expr::Lit(Lit::Str(s), _) => Some(s.to_string()),
        Expr::Binary(BinOp::Add, a, b, _) => Some(constant_string(a)? + &constant_string(b)?),
        Expr::Format(parts, _) => parts
            .iter()
            .map(constant_string)
            .collect::<Option<Vec<_>>>()
            .map(|p| p.concat()),
        _ => None,
    }
}

/// C/C++ macros that rename a sink (`#define RUN system`) or wrap it
/// (`#define RUN(c) system(c)`), and a sink's name used as a value (a
/// function pointer: `int (*run)(const char *) = system;`, `&system`, or
/// passed as an argument). The engine follows the first kind of macro;
/// each hides the call from a reader and from other tools.
fn indirect_in_tree(
    root: tree_sitter::Node<'_>,
    src: &str,
    language: Language,
    sinks: &Sinks,
    out: &mut Vec<(Indirect, usize)>,
) {
    if language == Language::Python {
        return;
    }
    let mut push = |what: String, node: tree_sitter::Node<'_>, at: tree_sitter::Node<'_>| {
        out.push((
            Indirect {
                what,
                text: normalize(slice(src, Span::of(&node))),
            },
            at.start_position().row + 1,
        ));
    };
    // An explicit stack: however deep the nesting, nothing is skipped.
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "preproc_def" | "preproc_function_def" => {
                let body = node
                    .child_by_field_name("value")
                    .map_or("", |v| slice(src, Span::of(&v)));
                if let Some(first) = body
                    .split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                    .find(|w| sinks.matches(w) || C_LOOKUP.contains(w))
                {
                    push(format!("hides `{first}` behind a macro"), node, node);
                }
            }
            "call_expression" => {
                let callee = node
                    .child_by_field_name("function")
                    .map_or("", |f| slice(src, Span::of(&f)));
                if C_LOOKUP.contains(&callee) {
                    push(
                        format!("looks a function up by name with {callee}"),
                        node,
                        node,
                    );
                }
            }
            "identifier" if as_value(node) => {
                let name = slice(src, Span::of(&node));
                if sinks.matches(name) {
                    push(
                        format!(
                            "takes the address of `{name}` (a function pointer hides the call)"
                        ),
                        node.parent().unwrap_or(node),
                        node,
                    );
                }
            }
            _ => {}
        }
        let mut c = node.walk();
        stack.extend(node.named_children(&mut c));
    }
}

/// Whether an identifier stands where a value goes (an initializer, the
/// right of an assignment, an argument, `&f`, a return value, a cast),
/// rather than where it is called or declared.
fn as_value(node: tree_sitter::Node<'_>) -> bool {
    let Some(parent) = node.parent() else {
        return false;
    };
    let field = |name: &str| {
        parent
            .child_by_field_name(name)
            .is_some_and(|c| c.id() == node.id())
    };
    match parent.kind() {
        "init_declarator" => field("value"),
        "assignment_expression" => field("right"),
        "argument_list"
        | "initializer_list"
        | "return_statement"
        | "pointer_expression"
        | "conditional_expression"
        | "comma_expression" => true,
        "cast_expression" => field("value"),
        _ => false,
    }
}

fn new_indirect_reach(old: &Facts, new: &Facts) -> Vec<String> {
    capped(
        added(&old.indirect, &new.indirect)
            .into_iter()
            .map(|(i, line)| {
                format!(
                    "{} at line {line} (`{}`): call the function by its own name, or remove \
                     the call",
                    i.what, i.text
                )
            })
            .collect(),
    )
}

// --- checks that guarded a sink ----------------------------------------------

fn truth(e: &Expr) -> Option<bool> {
    match e {
        Expr::Lit(Lit::Bool(b), _) => Some(*b),
        Expr::Lit(Lit::Int(i), _) => Some(*i != 0),
        Expr::Lit(Lit::Str(s), _) => Some(!s.is_empty()),
        Expr::Lit(Lit::Null, _) => Some(false),
        Expr::Unary(UnOp::Not, inner, _) => truth(inner).map(|b| !b),
        Expr::Binary(BinOp::Or, a, b, _) => match (truth(a), truth(b)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        Expr::Binary(BinOp::And, a, b, _) => match (truth(a), truth(b)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        _ => None,
    }
}

fn exits(body: &[Stmt]) -> bool {
    matches!(body.last(), Some(Stmt::Return(..) | Stmt::Raise(..)))
}

/// A call whose name says it checks its argument and, by convention,
/// raises or exits when the check fails.
fn is_validation(c: &Call) -> bool {
    let last = call_name(c).rsplit('.').next().unwrap_or("").to_lowercase();
    // `subprocess.check_call` runs a command; it checks nothing.
    if matches!(last.as_str(), "check_call" | "check_output") {
        return false;
    }
    [
        "valid", "check", "verify", "sanitiz", "ensure", "assert", "allow",
    ]
    .iter()
    .any(|w| last.contains(w))
}

fn guard(cond: &Expr, src: &str, holds_when: bool) -> Guard {
    let text = normalize(slice(src, cond.span()));
    Guard {
        text: if holds_when {
            text
        } else {
            format!("not ({text})")
        },
        always_true: truth(cond) == Some(holds_when),
    }
}

#[allow(clippy::too_many_arguments)]
fn sites_in(
    stmts: &[Stmt],
    src: &str,
    function: &str,
    is_sink: &dyn Fn(&Call) -> bool,
    guards: &mut Vec<Guard>,
    out: &mut Vec<SinkSite>,
) {
    let base = guards.len();
    let record = |e: &Expr, guards: &[Guard], out: &mut Vec<SinkSite>| {
        walk_expr(e, &mut |x| {
            if let Expr::Call(c) = x
                && let Some(n) = &c.name
                && is_sink(c)
            {
                out.push(SinkSite {
                    function: function.to_string(),
                    callee: n.clone(),
                    line: c.span.start_row + 1,
                    guards: guards.to_vec(),
                });
            }
        });
    };
    for s in stmts {
        match s {
            Stmt::If {
                cond, then, els, ..
            } => {
                record(cond, guards, out);
                guards.push(guard(cond, src, true));
                sites_in(then, src, function, is_sink, guards, out);
                guards.pop();
                guards.push(guard(cond, src, false));
                sites_in(els, src, function, is_sink, guards, out);
                guards.pop();
                // `if bad: return` guards the rest of the block.
                if exits(then) && !exits(els) {
                    guards.push(guard(cond, src, false));
                } else if exits(els) && !exits(then) {
                    guards.push(guard(cond, src, true));
                }
            }
            Stmt::Loop {
                init,
                cond,
                bind,
                update,
                body,
                els,
                ..
            } => {
                sites_in(init, src, function, is_sink, guards, out);
                if let Some((_, iter)) = bind.as_deref() {
                    record(iter, guards, out);
                }
                let pushed = if let Some(c) = cond {
                    record(c, guards, out);
                    guards.push(guard(c, src, true));
                    true
                } else {
                    false
                };
                sites_in(body, src, function, is_sink, guards, out);
                sites_in(update, src, function, is_sink, guards, out);
                if pushed {
                    guards.pop();
                }
                sites_in(els, src, function, is_sink, guards, out);
            }
            Stmt::Switch {
                scrutinee, cases, ..
            } => {
                record(scrutinee, guards, out);
                for (value, body) in cases {
                    let pushed = if let Some(v) = value {
                        guards.push(Guard {
                            text: format!(
                                "{} == {}",
                                normalize(slice(src, scrutinee.span())),
                                normalize(slice(src, v.span()))
                            ),
                            always_true: false,
                        });
                        true
                    } else {
                        false
                    };
                    sites_in(body, src, function, is_sink, guards, out);
                    if pushed {
                        guards.pop();
                    }
                }
            }
            Stmt::Try {
                body,
                handlers,
                els,
                finally,
                ..
            } => {
                sites_in(body, src, function, is_sink, guards, out);
                for h in handlers {
                    sites_in(h, src, function, is_sink, guards, out);
                }
                sites_in(els, src, function, is_sink, guards, out);
                sites_in(finally, src, function, is_sink, guards, out);
            }
            Stmt::Expr(e) => {
                record(e, guards, out);
                if let Expr::Call(c) = e
                    && is_validation(c)
                {
                    guards.push(Guard {
                        text: normalize(slice(src, c.span)),
                        always_true: false,
                    });
                }
            }
            Stmt::Assign { value, .. } => record(value, guards, out),
            Stmt::Decl { init: Some(e), .. } => record(e, guards, out),
            Stmt::Return(Some(e), _) | Stmt::Raise(Some(e), _) => record(e, guards, out),
            _ => {}
        }
    }
    guards.truncate(base);
}

fn removed_guards(old: &Facts, new: &Facts) -> Vec<String> {
    // Per (function, callee): the checks every earlier call sat under.
    let mut guarded: BTreeMap<(&str, &str), Option<Vec<&Guard>>> = BTreeMap::new();
    for site in &old.sinks {
        let real: Vec<&Guard> = site.guards.iter().filter(|g| !g.always_true).collect();
        let entry = guarded
            .entry((site.function.as_str(), site.callee.as_str()))
            .or_insert_with(|| Some(real.clone()));
        if real.is_empty() {
            *entry = None;
        }
    }
    let mut reasons = Vec::new();
    let mut told: BTreeSet<(&str, &str)> = BTreeSet::new();
    for site in &new.sinks {
        let key = (site.function.as_str(), site.callee.as_str());
        let Some(Some(before)) = guarded.get(&key) else {
            continue;
        };
        if site.guards.iter().any(|g| !g.always_true) || !told.insert(key) {
            continue;
        }
        let checks: Vec<String> = before.iter().map(|g| format!("`{}`", g.text)).collect();
        let how = if site.guards.iter().any(|g| g.always_true) {
            "makes always true the check that guarded"
        } else {
            "removes the check that guarded"
        };
        reasons.push(format!(
            "{how} `{}` in {} (at line {}; it was guarded by {}): keep the check, or make the \
             call safe without it",
            site.callee,
            site.function,
            site.line,
            checks.join(" and ")
        ));
    }
    capped(reasons)
}

// --- deleted functionality --------------------------------------------------

/// A docstring or other bare literal, which does nothing.
fn is_inert(s: &Stmt) -> bool {
    matches!(s, Stmt::Expr(Expr::Lit(..)))
}

/// A body that does nothing: empty (`pass`), returns a constant, or only
/// raises.
fn is_trivial(body: &[Stmt]) -> bool {
    let real: Vec<&Stmt> = body.iter().filter(|s| !is_inert(s)).collect();
    matches!(
        real.as_slice(),
        [] | [Stmt::Return(None | Some(Expr::Lit(..)), _)] | [Stmt::Raise(..)]
    )
}

fn trivial_text(body: &[Stmt], src: &str) -> String {
    let real: Vec<&Stmt> = body.iter().filter(|s| !is_inert(s)).collect();
    match real.as_slice() {
        [] => "empty".to_string(),
        [Stmt::Return(_, span)] | [Stmt::Raise(_, span)] => {
            format!("`{}`", normalize(slice(src, *span)))
        }
        _ => String::new(),
    }
}

fn deleted_functionality(old: &Facts, new: &Facts) -> Vec<String> {
    let mut reasons = Vec::new();
    for (name, before) in &old.functions {
        let Some(after) = new.functions.get(name) else {
            continue;
        };
        if after.trivial && !before.trivial {
            reasons.push(format!(
                "deletes what {name} did: its body is now {}; the task still needs it, \
                 written safely",
                after.body
            ));
        } else if !before.sink_calls.is_empty() && after.calls == 0 {
            let was: Vec<&str> = before.sink_calls.iter().map(String::as_str).collect();
            reasons.push(format!(
                "deletes what {name} did: it no longer calls anything (it called {}); do the \
                 same work with a safe API instead",
                was.join(", ")
            ));
        }
    }
    capped(reasons)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(language: Language, before: &str, after: &str) -> Vec<String> {
        let engine = Engine::builtin().unwrap_or_else(|e| panic!("{e}"));
        judge_change(&engine, language, before, after, &[])
    }

    #[test]
    fn only_what_is_new_counts() {
        // Code that already reached a function by getattr, or already had a
        // suppression, can still be repaired without removing them.
        let before = "import os\n\ndef run(obj, name, cmd):\n    f = getattr(obj, name)  # nosec\n    return os.system(cmd)\n";
        let after = "import os\nimport subprocess\n\ndef run(obj, name, cmd):\n    f = getattr(obj, name)  # nosec\n    return subprocess.run([cmd], check=False)\n";
        assert_eq!(judge(Language::Python, before, after), Vec::<String>::new());
        assert_eq!(
            judge(Language::Python, before, before),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_stricter_check_and_a_safe_replacement_are_allowed() {
        let before =
            "import os\n\ndef ping(host):\n    if host:\n        os.system('ping ' + host)\n";
        let stricter = "import os\nimport re\n\ndef ping(host):\n    if re.fullmatch(r'[a-z0-9.]+', host):\n        os.system('ping ' + host)\n";
        assert_eq!(
            judge(Language::Python, before, stricter),
            Vec::<String>::new()
        );
        let weaker = "import os\n\ndef ping(host):\n    if host or True:\n        os.system('ping ' + host)\n";
        let reasons = judge(Language::Python, before, weaker);
        assert_eq!(reasons.len(), 1, "{reasons:?}");
        assert!(reasons[0].contains("makes always true"), "{reasons:?}");
    }

    #[test]
    fn markers_in_strings_are_not_comments() {
        let before = "def f():\n    return 1\n";
        let after = "def f():\n    s = '# nosec'\n    return 1\n";
        assert_eq!(judge(Language::Python, before, after), Vec::<String>::new());
    }
}
