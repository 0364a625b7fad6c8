//! The abstract interpreter: one flow-sensitive pass per function over the
//! IR, tracking taint, constants, intervals and C heap/initialization state
//! together. Every rule is checked during that pass, at the events it cares
//! about (calls, assignments, returns, dereferences, arithmetic), so a file
//! is analyzed once whatever the number of rules.

mod cfamily;
pub mod value;

use crate::budget::{Budget, MAX_CONST_LEN, Meter, prefix_of};
use crate::index::LangIndex;
use crate::ir::*;
use crate::rules::{
    ArgRef, CheckerKind, Condition, Is, Matcher, Rule, SanitizerTable, SourceSet, category,
};
use secguard_core::Language;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use value::*;

/// Loops nested up to this deep run their body twice (with widening in
/// between); deeper ones once.
const TWICE_LOOP_DEPTH: usize = 6;
/// How deep calls of local functions are followed with the caller's values.
const INLINE_DEPTH: usize = 3;
/// Stack kept free before recursing, and the size of each extra segment.
pub(crate) const RED_ZONE: usize = 128 * 1024;
pub(crate) const STACK_CHUNK: usize = 4 * 1024 * 1024;

/// A raw rule match, turned into a `Finding` by the caller.
#[derive(Debug, Clone)]
pub struct Hit {
    pub rule: usize,
    pub span: Span,
    /// Taint trace: (span, description), source first.
    pub trace: Vec<(Span, String)>,
    /// Replaces `{sink}` in the message.
    pub sink: String,
    /// Replaces `{source}` in the message.
    pub source: String,
    /// Lower the rule's confidence by one step (weaker evidence).
    pub weaker: bool,
}

pub struct Analysis<'a> {
    pub module: &'a Module,
    pub src: &'a str,
    pub lang: Language,
    pub rules: &'a [Rule],
    pub index: &'a LangIndex,
    pub sanitizers: &'a SanitizerTable,
    pub sources: &'a SourceSet,
    pub imports: &'a HashMap<String, String>,
    funcs_by_name: HashMap<&'a str, Vec<usize>>,
    called_locally: HashSet<usize>,
    /// C file-scope variables: their values travel into and out of calls.
    globals: HashSet<String>,
    /// Functions that read or write a file-scope variable.
    uses_globals: HashSet<usize>,
    constants: HashMap<Rc<str>, Val>,
    summaries: HashMap<usize, Val>,
    in_progress: HashSet<usize>,
    hits: Vec<Hit>,
    seen: HashSet<(usize, usize, usize)>,
    /// Allocations already reported as used without a NULL check: one
    /// finding per allocation, not per use.
    unchecked_reported: HashSet<Span>,
    /// The file's budgets (steps, time, value size): adversarial input
    /// (deeply nested loops, huge generated functions, wide states) stays
    /// bounded and ends in a partial result.
    meter: Meter,
    /// Variables held by the states that enclosing branches keep alive.
    live_vars: usize,
    /// Loops being executed around the current statement.
    loop_depth: usize,
}

/// Per-function execution context.
struct Frame<'a> {
    func: &'a Function,
    /// The join of every return's state and value so far, folded as they
    /// come: a return inside nested loops runs once per path (millions of
    /// times before the step budget), and keeping each was unbounded.
    returns: Option<(State, Val)>,
    breaks: Vec<Vec<State>>,
    continues: Vec<Vec<State>>,
    depth: usize,
    /// The name a value is being assigned to, for `context` conditions.
    assign_target: Option<String>,
    /// Locals allocated in this frame, for the leak checker.
    local_allocs: HashSet<Span>,
}

impl Frame<'_> {
    fn add_return(&mut self, st: State, v: Val) {
        self.returns = Some(match self.returns.take() {
            None => (State::dead().join(&st), v),
            Some((exit, ret)) => (exit.join(&st), ret.join(&v)),
        });
    }
}

fn is_self(name: &str) -> bool {
    matches!(name, "self" | "cls" | "this")
}

impl<'a> Analysis<'a> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        module: &'a Module,
        src: &'a str,
        lang: Language,
        rules: &'a [Rule],
        index: &'a LangIndex,
        sanitizers: &'a SanitizerTable,
        sources: &'a SourceSet,
        imports: &'a HashMap<String, String>,
        meter: Meter,
    ) -> Self {
        let mut funcs_by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, f) in module.functions.iter().enumerate().skip(1) {
            funcs_by_name.entry(f.name.as_str()).or_default().push(i);
        }
        let mut a = Analysis {
            module,
            src,
            lang,
            rules,
            index,
            sanitizers,
            sources,
            imports,
            funcs_by_name,
            called_locally: HashSet::new(),
            globals: HashSet::new(),
            uses_globals: HashSet::new(),
            constants: HashMap::new(),
            summaries: HashMap::new(),
            in_progress: HashSet::new(),
            hits: Vec::new(),
            seen: HashSet::new(),
            unchecked_reported: HashSet::new(),
            meter,
            live_vars: 0,
            loop_depth: 0,
        };
        a.prepare();
        a
    }

    /// Find file-level constants (assigned once, to a literal) and which
    /// functions have local callers.
    fn prepare(&mut self) {
        let mut assign_counts: HashMap<String, usize> = HashMap::new();
        let mut called: HashSet<String> = HashSet::new();
        for f in &self.module.functions {
            walk_stmts(&f.body, &mut |s| match s {
                Stmt::Assign { target, .. } => count_target(target, &mut assign_counts),
                Stmt::Decl { name, .. } if f.is_module => {
                    *assign_counts.entry(name.clone()).or_default() += 1;
                }
                Stmt::Loop { bind: Some(b), .. } => count_target(&b.0, &mut assign_counts),
                _ => {}
            });
            walk_exprs_in(&f.body, &mut |e| {
                if let Expr::Call(c) = e
                    && let Some(n) = &c.name
                {
                    called.insert(n.rsplit('.').next().unwrap_or(n).to_string());
                }
                if let Expr::Unary(UnOp::AddrOf, inner, _) = e
                    && let Some(v) = inner.as_var()
                {
                    // Address taken: may be written through the pointer.
                    *assign_counts.entry(v.to_string()).or_default() += 2;
                }
            });
        }
        for (i, f) in self.module.functions.iter().enumerate().skip(1) {
            if called.contains(&f.name) {
                self.called_locally.insert(i);
            }
        }
        if self.lang.is_c_family()
            && let Some(m) = self.module.functions.first()
        {
            for s in &m.body {
                if let Stmt::Decl { name, .. } = s {
                    self.globals.insert(name.clone());
                }
            }
            if !self.globals.is_empty() {
                for (i, f) in self.module.functions.iter().enumerate().skip(1) {
                    let mut uses = false;
                    walk_exprs_in(&f.body, &mut |e| {
                        if let Expr::Name(n, _) = e
                            && self.globals.contains(n)
                        {
                            uses = true;
                        }
                    });
                    walk_stmts(&f.body, &mut |s| {
                        if let Stmt::Assign {
                            target: Target::Name(n, _),
                            ..
                        } = s
                            && self.globals.contains(n)
                        {
                            uses = true;
                        }
                    });
                    if uses {
                        self.uses_globals.insert(i);
                    }
                }
            }
        }
        let mut consts = Vec::new();
        for (name, e) in &self.module.constants {
            consts.push((name.clone(), e.clone()));
        }
        // Module-level assignments of literals, assigned exactly once.
        if let Some(m) = self.module.functions.first() {
            for s in &m.body {
                match s {
                    Stmt::Assign {
                        target: Target::Name(n, _),
                        value: v @ Expr::Lit(..),
                        op: None,
                        ..
                    } => consts.push((n.clone(), v.clone())),
                    Stmt::Decl {
                        name,
                        init: Some(v @ Expr::Lit(..)),
                        ..
                    } => consts.push((name.clone(), v.clone())),
                    Stmt::Assign {
                        target: Target::Name(n, _),
                        value: v @ Expr::Collection(..),
                        op: None,
                        ..
                    } if is_const_collection(v) => consts.push((n.clone(), v.clone())),
                    _ => {}
                }
            }
        }
        for (name, e) in consts {
            let count = assign_counts.get(&name).copied().unwrap_or(0);
            if count > 1 {
                continue;
            }
            match e {
                Expr::Lit(l, _) => {
                    self.constants
                        .insert(Rc::from(name.as_str()), Val::konst(l));
                }
                Expr::Collection(..) => {
                    self.constants.insert(
                        Rc::from(name.as_str()),
                        Val {
                            const_items: true,
                            mem: Mem::NonNull,
                            ..Val::default()
                        },
                    );
                }
                _ => {}
            }
        }
    }

    /// Analyze every function of the module; return the rule hits and the
    /// meter, which says which budgets were exceeded.
    pub fn run(mut self) -> (Vec<Hit>, Meter) {
        for (name, e) in &self.module.defines {
            if let Expr::Lit(Lit::Str(v), span) = e {
                self.assign_hit(name, v, *span);
            }
        }
        for i in 0..self.module.functions.len() {
            if self.meter.stopped() {
                break;
            }
            self.standalone(i);
        }
        (self.hits, self.meter)
    }

    /// Analyze a function as an entry point, memoizing its return value.
    fn standalone(&mut self, idx: usize) -> Val {
        if let Some(v) = self.summaries.get(&idx) {
            return v.clone();
        }
        if !self.in_progress.insert(idx) {
            return Val::default();
        }
        let Some(func) = self.module.functions.get(idx) else {
            return Val::default();
        };
        let mut st = State::default();
        let is_route = func
            .decorators
            .iter()
            .any(|d| self.decorator_matches(d, &self.sources.route_decorators));
        let params_tainted = !self.called_locally.contains(&idx);
        for (pi, p) in func.params.iter().enumerate() {
            let mut v = self.declared_val(&p.ty);
            v.init = Init::Yes;
            if p.ty.pointer_depth > 0 || p.ty.is_array {
                v.mem = Mem::Unknown;
                v.is_array = false;
            }
            let first_self = pi == 0
                && (is_self(&p.name) || func.class.is_some() && self.lang == Language::Python);
            if is_route && !first_self {
                v.taint = Some(Rc::new(Taint {
                    labels: category::WEB,
                    sanitized: 0,
                    source: Rc::from(format!("route parameter '{}'", p.name).as_str()),
                    span: func.span,
                }));
            } else if self.lang.is_c_family() && func.name == "main" && pi == 1 {
                v.taint = Some(Rc::new(Taint {
                    labels: category::CLI,
                    sanitized: 0,
                    source: Rc::from("command-line argument"),
                    span: func.span,
                }));
            } else if params_tainted && !first_self && !func.is_module {
                v.taint = Some(Rc::new(Taint {
                    labels: category::PARAM,
                    sanitized: 0,
                    source: Rc::from(format!("parameter '{}'", p.name).as_str()),
                    span: func.span,
                }));
            }
            st.vars.insert(Rc::from(p.name.as_str()), v);
        }
        self.seed_members(func, &mut st);
        let (ret, _) = self.exec_function(func, st, 0);
        self.in_progress.remove(&idx);
        // Summaries describe the function without caller data: drop the
        // parameter-derived taint so callers don't inherit it.
        let mut summary = ret;
        if let Some(t) = &summary.taint
            && t.labels & !category::PARAM == 0
        {
            summary.taint = None;
        }
        self.summaries.insert(idx, summary.clone());
        summary
    }

    /// Whether a branch condition depends only on this function's own data,
    /// so both outcomes are feasible. Conditions on file-scope or external
    /// names may be constants the analysis cannot see.
    fn depends_on_locals_only(&self, cond: &Expr, st: &State) -> bool {
        let mut local = true;
        let mut any = false;
        walk_expr(cond, &mut |e| match e {
            Expr::Name(n, _) => {
                any = true;
                if self.globals.contains(n.as_str()) || !st.vars.contains_key(n.as_str()) {
                    local = false;
                }
            }
            Expr::Call(_) => local = false,
            _ => {}
        });
        local && any
    }

    /// A C++ method sees its class's data members with their declared types.
    fn seed_members(&self, func: &Function, st: &mut State) {
        let Some(class) = &func.class else { return };
        for (c, name, ty) in &self.module.members {
            if c == class && !st.vars.contains_key(name.as_str()) {
                let mut v = self.declared_val(ty);
                if let Some(len) = &ty.array_len
                    && let (Expr::Lit(Lit::Int(n), _), Some(e)) = (len.as_ref(), v.elem)
                {
                    v.cap = Some(n.saturating_mul(e));
                }
                st.vars.insert(Rc::from(name.as_str()), v);
            }
        }
    }

    fn decorator_matches(&self, d: &Expr, pats: &[crate::rules::NamePattern]) -> bool {
        let e = match d {
            Expr::Call(c) => &c.callee,
            other => other,
        };
        match lenient_dotted(e) {
            Some(n) => {
                let n = self.resolve(&n);
                crate::rules::any_matches(pats, &n)
            }
            None => false,
        }
    }

    fn exec_function(&mut self, func: &'a Function, st: State, depth: usize) -> (Val, State) {
        let mut frame = Frame {
            func,
            returns: None,
            breaks: Vec::new(),
            continues: Vec::new(),
            depth,
            assign_target: None,
            local_allocs: HashSet::new(),
        };
        let end = self.exec_block(&mut frame, &func.body, st);
        if !end.dead {
            let end_span = Span {
                start_byte: func.span.end_byte.saturating_sub(1),
                end_byte: func.span.end_byte,
                start_row: func.span.end_row,
                start_col: func.span.end_col.saturating_sub(1),
                end_row: func.span.end_row,
                end_col: func.span.end_col,
            };
            self.exit_checks(&frame, &end, None, end_span);
            frame.add_return(end, Val::default());
        }
        match frame.returns {
            Some((exit, ret)) => (ret, exit),
            None => (Val::default(), State::dead()),
        }
    }

    // -----------------------------------------------------------------
    // Statements
    // -----------------------------------------------------------------

    fn exec_block(&mut self, fr: &mut Frame<'a>, stmts: &'a [Stmt], mut st: State) -> State {
        for s in stmts {
            if st.dead {
                break;
            }
            st = self.exec_stmt(fr, s, st);
        }
        st
    }

    fn exec_stmt(&mut self, fr: &mut Frame<'a>, s: &'a Stmt, st: State) -> State {
        let width = st.vars.len();
        // Copying, joining and widening states costs in proportion to
        // their width: wide states spend the step budget faster.
        if !self.meter.step(1 + width / 16) {
            return State::dead();
        }
        let forks = matches!(
            s,
            Stmt::If { .. } | Stmt::Loop { .. } | Stmt::Switch { .. } | Stmt::Try { .. }
        );
        // Out of budget: the rest of this path is not analyzed.
        if forks && !self.fork(width) {
            return State::dead();
        }
        let out = stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.exec_stmt_inner(fr, s, st));
        if forks {
            self.unfork(width);
        }
        out
    }

    /// Account for the copies of a state of `width` variables that a branch
    /// keeps alive while what it encloses runs (a loop keeps about four);
    /// false when they would exceed the value-size budget.
    fn fork(&mut self, width: usize) -> bool {
        let need = width.saturating_mul(4);
        if self.live_vars.saturating_add(need) > self.meter.limits.max_live_vars {
            self.meter.exceed(Budget::ValueSize);
            return false;
        }
        self.live_vars += need;
        true
    }

    fn unfork(&mut self, width: usize) {
        self.live_vars = self.live_vars.saturating_sub(width.saturating_mul(4));
    }

    fn exec_stmt_inner(&mut self, fr: &mut Frame<'a>, s: &'a Stmt, mut st: State) -> State {
        match s {
            Stmt::Expr(e) => {
                self.eval(fr, e, &mut st);
                st
            }
            Stmt::Assign {
                target,
                value,
                op,
                span,
            } => {
                fr.assign_target = target_name(target);
                let mut v = self.eval(fr, value, &mut st);
                fr.assign_target = None;
                if let Some(op) = op {
                    let cur = self.eval_target_read(fr, target, &mut st);
                    v = self.binary(*op, &cur, &v, *span);
                }
                self.check_assign_rules(target, &v, *span);
                self.check_assign_sinks(target, &v, *span);
                self.assign(fr, target, v, &mut st, *span);
                st
            }
            Stmt::Decl {
                name,
                ty,
                init,
                span,
            } => {
                let mut v = self.declared_val(ty);
                if let Some(len) = &ty.array_len {
                    let n = self.eval(fr, len, &mut st);
                    if let (Some(n), Some(e)) = (n.int(), v.elem) {
                        v.cap = Some(n.saturating_mul(e));
                    }
                }
                match init {
                    Some(e) => {
                        fr.assign_target = Some(name.clone());
                        let iv = self.eval(fr, e, &mut st);
                        fr.assign_target = None;
                        self.check_assign_rules(&Target::Name(name.clone(), *span), &iv, *span);
                        if ty.is_array {
                            // `char buf[N] = "..."`: contents, not the pointer.
                            v.taint = iv.taint.clone();
                            v.strlen = iv.strlen;
                            v.konst = iv.konst.clone();
                            if v.cap.is_none()
                                && let Some(Lit::Str(s)) = &iv.konst
                            {
                                v.cap = Some((s.len() as i64 + 1) * v.elem.unwrap_or(1));
                            }
                        } else {
                            let keep_int = v.int_type;
                            let elem = v.elem;
                            v = iv;
                            v.int_type = keep_int.or(v.int_type);
                            if ty.pointer_depth > 0 {
                                v.elem = elem;
                                v.is_pointer = true;
                                v.int_type = None;
                            }
                        }
                        v.init = Init::Yes;
                    }
                    None => {
                        if ty.is_array && !fr.func.is_module && !ty.base.contains("static") {
                            v.content = Init::No(*span);
                        }
                        // Only scalars and pointers: class types have constructors and
                        // opaque typedefs (va_list) are initialized by macros.
                        let scalar = ty.pointer_depth > 0
                            || cfamily::int_type(&ty.base).is_some()
                            || matches!(
                                ty.base.trim_start_matches("const ").trim(),
                                "float" | "double" | "long double"
                            );
                        if scalar
                            && !ty.is_array
                            && !fr.func.is_module
                            && !ty.base.contains("static")
                        {
                            v.init = Init::No(*span);
                        }
                    }
                }
                st.vars.insert(Rc::from(name.as_str()), v);
                st
            }
            Stmt::If {
                cond,
                then,
                els,
                span: _,
            } => {
                let c = self.eval(fr, cond, &mut st);
                match c.truth() {
                    Some(true) => self.exec_block(fr, then, st),
                    Some(false) => self.exec_block(fr, els, st),
                    None => {
                        let local =
                            self.lang.is_c_family() && self.depends_on_locals_only(cond, &st);
                        let mut t = st.clone();
                        self.refine(cond, true, &mut t);
                        let mut e = st;
                        self.refine(cond, false, &mut e);
                        let t = self.exec_block(fr, then, t);
                        let e = self.exec_block(fr, els, e);
                        let mut joined = t.join(&e);
                        if local && !t.dead && !e.dead {
                            mark_branch_uninit(&t, &e, &mut joined);
                        }
                        joined
                    }
                }
            }
            Stmt::Loop {
                init,
                cond,
                bind,
                update,
                body,
                els,
                runs_once,
                ..
            } => self.exec_loop(
                fr,
                init,
                cond.as_ref(),
                bind.as_deref(),
                update,
                body,
                els,
                *runs_once,
                st,
            ),
            Stmt::Switch {
                scrutinee, cases, ..
            } => {
                let sv = self.eval(fr, scrutinee, &mut st);
                let known = sv.int();
                fr.breaks.push(Vec::new());
                let mut fall = State::dead();
                let mut has_default = false;
                let mut matched_const = false;
                for (value, body) in cases {
                    // Each case copies and joins the state: thousands of
                    // cases over a wide state must spend the budget too.
                    if !self.meter.step(1 + st.vars.len() / 16) {
                        break;
                    }
                    let entry = match value {
                        None => {
                            has_default = true;
                            match known {
                                Some(_) if matched_const => State::dead(),
                                _ => st.clone(),
                            }
                        }
                        Some(v) => {
                            let cv = self.eval(fr, v, &mut st.clone());
                            match (known, cv.int()) {
                                (Some(k), Some(c)) if k == c => {
                                    matched_const = true;
                                    st.clone()
                                }
                                (Some(_), Some(_)) => State::dead(),
                                _ => st.clone(),
                            }
                        }
                    };
                    let entry = entry.join(&fall);
                    fall = self.exec_block(fr, body, entry);
                }
                let breaks = fr.breaks.pop().unwrap_or_default();
                let mut out = State::join_all(breaks).join(&fall);
                // Without a default, control may skip every case.
                if !(has_default || known.is_some() && matched_const) {
                    out = out.join(&st);
                }
                out
            }
            Stmt::Try {
                body,
                handlers,
                els,
                finally,
                ..
            } => {
                let before = st.clone();
                let after_body = self.exec_block(fr, body, st);
                let handler_entry = before.join(&after_body);
                let mut outs = vec![self.exec_block(fr, els, after_body)];
                for h in handlers {
                    outs.push(self.exec_block(fr, h, handler_entry.clone()));
                }
                let joined = State::join_all(outs);
                if finally.is_empty() {
                    joined
                } else {
                    self.exec_block(fr, finally, joined)
                }
            }
            Stmt::Return(value, span) => {
                let v = match value {
                    Some(e) => self.eval(fr, e, &mut st),
                    None => Val::default(),
                };
                if !value.as_ref().is_some_and(is_structured_return) {
                    self.check_return_sinks(fr, &v, *span);
                }
                self.exit_checks(fr, &st, value.as_ref(), *span);
                fr.add_return(st, v);
                State::dead()
            }
            Stmt::Raise(value, _) => {
                if let Some(e) = value {
                    self.eval(fr, e, &mut st);
                }
                State::dead()
            }
            Stmt::Break(_) => {
                if let Some(b) = fr.breaks.last_mut() {
                    b.push(st);
                }
                State::dead()
            }
            Stmt::Continue(_) => {
                if let Some(c) = fr.continues.last_mut() {
                    c.push(st);
                }
                State::dead()
            }
            Stmt::FuncDef(..) => st,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn exec_loop(
        &mut self,
        fr: &mut Frame<'a>,
        init: &'a [Stmt],
        cond: Option<&'a Expr>,
        bind: Option<&'a (Target, Expr)>,
        update: &'a [Stmt],
        body: &'a [Stmt],
        els: &'a [Stmt],
        runs_once: bool,
        st: State,
    ) -> State {
        let mut head = self.exec_block(fr, init, st);
        let iter_val = bind.map(|(_, iter)| self.eval(fr, iter, &mut head));
        let mut exits = Vec::new();
        let mut breaks_all = Vec::new();
        let mut always_true = false;
        // Each loop runs its body twice, so loops nested d deep ran the
        // innermost body 2^d times; past a few levels, once is enough.
        let iterations = if self.loop_depth >= TWICE_LOOP_DEPTH {
            1
        } else {
            2
        };
        self.loop_depth += 1;
        for iteration in 0..iterations {
            if head.dead {
                break;
            }
            let mut entry = head.clone();
            if let Some(c) = cond
                && !(runs_once && iteration == 0)
            {
                let cv = self.eval(fr, c, &mut entry);
                match cv.truth() {
                    Some(false) => {
                        exits.push(entry);
                        break;
                    }
                    Some(true) => always_true = true,
                    None => {
                        let mut out = entry.clone();
                        self.refine(c, false, &mut out);
                        exits.push(out);
                        self.refine(c, true, &mut entry);
                    }
                }
            } else if cond.is_none() && bind.is_some() {
                exits.push(entry.clone());
            } else if cond.is_none() {
                always_true = true;
            }
            if let (Some((target, _)), Some(iv)) = (bind, &iter_val) {
                let mut elem = Val {
                    taint: iv.taint.clone(),
                    ..Val::default()
                };
                if let Some(Lit::Str(_)) = iv.konst {
                    elem.konst = None;
                }
                elem.init = Init::Yes;
                self.assign(fr, target, elem, &mut entry, target.span());
            }
            fr.breaks.push(Vec::new());
            fr.continues.push(Vec::new());
            let end = self.exec_block(fr, body, entry);
            let conts = fr.continues.pop().unwrap_or_default();
            breaks_all.extend(fr.breaks.pop().unwrap_or_default());
            let end = State::join_all(conts).join(&end);
            let end = self.exec_block(fr, update, end);
            let joined = head.join(&end);
            head = if iteration == 0 {
                widen(&head, &joined)
            } else {
                joined
            };
        }
        self.loop_depth -= 1;
        if !always_true && !head.dead && cond.is_some() && exits.is_empty() {
            exits.push(head.clone());
        }
        let normal_exit = State::join_all(exits);
        let normal_exit = self.exec_block(fr, els, normal_exit);
        State::join_all(breaks_all).join(&normal_exit)
    }

    // -----------------------------------------------------------------
    // Assignment
    // -----------------------------------------------------------------

    fn assign(
        &mut self,
        fr: &mut Frame<'a>,
        target: &'a Target,
        v: Val,
        st: &mut State,
        _span: Span,
    ) {
        match target {
            Target::Name(n, _) => {
                let prev = st.vars.get(n.as_str()).cloned();
                let mut v = v;
                if let Some(p) = &prev {
                    // Keep declaration facts (element size, integer type).
                    if v.elem.is_none() {
                        v.elem = p.elem;
                    }
                    if p.int_type.is_some() {
                        v.int_type = p.int_type;
                    }
                }
                v.init = Init::Yes;
                if self.lang.is_c_family() {
                    let prefix = format!("{n}.");
                    st.vars.retain(|k, _| !k.starts_with(prefix.as_str()));
                }
                let escapes = match v.mem {
                    Mem::Alloc { site, .. } if self.globals.contains(n.as_str()) => Some(site),
                    _ => None,
                };
                st.vars.insert(Rc::from(n.as_str()), v);
                // Stored in a file-scope variable: owned beyond this frame.
                if let Some(site) = escapes {
                    escape(st, site);
                }
            }
            Target::Tuple(parts, _) => {
                for p in parts {
                    let mut pv = v.clone();
                    pv.konst = None;
                    self.assign(fr, p, pv, st, _span);
                }
            }
            Target::Attr(base, _, _) | Target::Index(base, _, _) => {
                // A store into part of a buffer is not a read of it.
                if let Some(r) = pointer_root(base)
                    && let Some(var) = st.vars.get_mut(r)
                {
                    var.content = Init::Yes;
                }
                if let Target::Index(b, idx, s) = target {
                    let iv = self.eval(fr, idx, st);
                    let bv = self.eval(fr, b, st);
                    if self.lang.is_c_family() {
                        self.check_index(fr, &bv, &iv, *s, true);
                        self.c_index_store(b, &iv, &v, st);
                    }
                } else {
                    let bv = self.eval(fr, base, st);
                    let _ = bv;
                }
                self.store_into(base, &v, st);
                if self.lang.is_c_family()
                    && let Target::Attr(b, f, _) = target
                    && let Some(bp) = access_root_path(b)
                {
                    // The struct owns what is stored in it; the field keeps the
                    // state needed for double-free and use-after-free checks.
                    let mut fv = v.clone();
                    if let Mem::Alloc { .. } = fv.mem {
                        fv.mem = Mem::Unknown;
                    }
                    st.vars.insert(Rc::from(format!("{bp}.{f}").as_str()), fv);
                }
            }
            Target::Deref(p, s) => {
                let pv = self.eval(fr, p, st);
                if self.lang.is_c_family() {
                    self.check_deref(&pv, *s);
                }
                // `*p = v` where p = &x writes x.
                if let Some(x) = pv.points_to.clone() {
                    let mut nv = v;
                    let prev = self.lookup(&x, st);
                    nv.int_type = prev.int_type.or(nv.int_type);
                    nv.init = Init::Yes;
                    st.vars.insert(x, nv);
                    return;
                }
                self.store_into(p, &v, st);
            }
            Target::Other(e, _) => {
                self.eval(fr, e, st);
            }
        }
    }

    /// A value stored into part of a variable (field, element, pointee):
    /// the variable's taint grows; its other facts stay.
    fn store_into(&mut self, base: &Expr, v: &Val, st: &mut State) {
        let Some(root) = base.root_var() else {
            return;
        };
        if let Some(cur) = st.vars.get_mut(root) {
            cur.taint = taint_union(&cur.taint, &v.taint);
            if cur.init != Init::Yes && !cur.is_array {
                cur.init = Init::Yes;
            }
            cur.content = Init::Yes;
            if !cur.is_array {
                cur.konst = None;
            }
            // A pointer stored somewhere else escapes this frame.
            if let Mem::Alloc { site, .. } = v.mem {
                escape(st, site);
            }
        } else if v.taint.is_some() {
            let mut nv = self.lookup(root, st);
            nv.taint = taint_union(&nv.taint, &v.taint);
            st.vars.insert(Rc::from(root), nv);
        } else if let Mem::Alloc { site, .. } = v.mem {
            escape(st, site);
        }
    }

    fn eval_target_read(&mut self, fr: &mut Frame<'a>, t: &'a Target, st: &mut State) -> Val {
        match t {
            Target::Name(n, span) => {
                let v = self.lookup(n, st);
                // `x += 1` reads x.
                if self.lang.is_c_family()
                    && let Init::No(_) = v.init
                {
                    self.checker_hit(CheckerKind::Uninitialized, *span, n, None);
                }
                v
            }
            Target::Attr(b, _, _) => self.eval(fr, b, st),
            Target::Index(b, _, _) => self.eval(fr, b, st),
            Target::Deref(p, _) => self.eval(fr, p, st),
            _ => Val::default(),
        }
    }

    // -----------------------------------------------------------------
    // Expressions
    // -----------------------------------------------------------------

    fn lookup(&self, name: &str, st: &State) -> Val {
        if let Some(v) = st.vars.get(name) {
            return v.clone();
        }
        if let Some(v) = self.constants.get(name) {
            return v.clone();
        }
        if self.lang.is_c_family()
            && let Some(v) = cfamily::well_known_constant(name)
        {
            return Val::konst(Lit::Int(v));
        }
        Val::default()
    }

    pub(crate) fn resolve(&self, dotted: &str) -> String {
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

    fn attr_source(&self, e: &Expr) -> Option<Val> {
        if self.sources.attrs.is_empty() {
            return None;
        }
        let dotted = lenient_dotted(e)?;
        let full = self.resolve(&dotted);
        for (p, bits) in &self.sources.attrs {
            if p.matches(&full) {
                return Some(Val::tainted(Taint {
                    labels: *bits,
                    sanitized: 0,
                    source: Rc::from(full.as_str()),
                    span: e.span(),
                }));
            }
        }
        None
    }

    fn eval(&mut self, fr: &mut Frame<'a>, e: &'a Expr, st: &mut State) -> Val {
        let forks = matches!(
            e,
            Expr::Binary(BinOp::And | BinOp::Or, ..) | Expr::Cond(..) | Expr::Comp(..)
        );
        let width = if forks { st.vars.len() } else { 0 };
        if !self.meter.step(1 + width / 16) || forks && !self.fork(width) {
            return Val::default();
        }
        // Deeply nested code recurses deeply: grow the stack instead of
        // overflowing it, whatever thread the caller runs on.
        let mut v = stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.eval_inner(fr, e, st));
        if forks {
            self.unfork(width);
        }
        if let Some(Lit::Str(s)) = &v.konst
            && !matches!(e, Expr::Lit(..) | Expr::Name(..))
        {
            // A computed string: building it cost in proportion to its
            // length, and one above the limit keeps only its prefix.
            let len = s.len();
            if len > MAX_CONST_LEN {
                self.meter.exceed(Budget::ValueSize);
                v.prefix = Some(Rc::from(prefix_of(s)));
                v.konst = None;
                v.strlen = None;
            }
            self.meter.step(len / 16);
        }
        v
    }

    fn eval_inner(&mut self, fr: &mut Frame<'a>, e: &'a Expr, st: &mut State) -> Val {
        match e {
            Expr::Lit(l, _) => Val::konst(l.clone()),
            Expr::Name(n, span) => {
                if let Some(v) = self.attr_source(e) {
                    return v;
                }
                let v = self.lookup(n, st);
                if self.lang.is_c_family() && matches!(v.init, Init::OnSomePaths(_)) {
                    self.checker_hit_weaker(CheckerKind::Uninitialized, *span, n);
                    if let Some(var) = st.vars.get_mut(n.as_str()) {
                        var.init = Init::Yes;
                    }
                }
                if self.lang.is_c_family()
                    && let Init::No(_) = v.init
                {
                    self.checker_hit(CheckerKind::Uninitialized, *span, n, None);
                    // Report once per variable.
                    if let Some(var) = st.vars.get_mut(n.as_str()) {
                        var.init = Init::Yes;
                    }
                }
                v
            }
            Expr::Attr(base, _, _) => {
                if let Some(v) = self.attr_source(e) {
                    return v;
                }
                let bv = self.eval(fr, base, st);
                // C struct fields are tracked by access path (`t->data`), so
                // heap state of fields survives: `free(t->data)` twice.
                if self.lang.is_c_family()
                    && let Some(path) = field_path(e)
                    && let Some(fv) = st.vars.get(path.as_str())
                {
                    let mut v = fv.clone();
                    v.taint = taint_union(&v.taint, &bv.taint);
                    return v;
                }
                Val {
                    taint: bv.taint,
                    ..Val::default()
                }
            }
            Expr::Index(base, idx, span) => {
                if let Some(v) = self.attr_source(base) {
                    self.eval(fr, idx, st);
                    return v;
                }
                let bv = self.eval(fr, base, st);
                let iv = self.eval(fr, idx, st);
                if self.lang.is_c_family() {
                    self.check_index(fr, &bv, &iv, *span, false);
                    if let Init::No(_) = bv.content {
                        let name = base.root_var().unwrap_or("buffer");
                        self.checker_hit(
                            CheckerKind::Uninitialized,
                            *span,
                            &format!("'{name}' elements"),
                            None,
                        );
                        if let Some(r) = base.root_var()
                            && let Some(var) = st.vars.get_mut(r)
                        {
                            var.content = Init::Yes;
                        }
                    }
                    let mut out = Val {
                        taint: bv.taint.clone(),
                        ..Val::default()
                    };
                    if let Some(Lit::Str(s)) = &bv.konst
                        && let Some(i) = iv.int()
                        && i >= 0
                    {
                        let c = s.as_bytes().get(i as usize).copied().unwrap_or(0);
                        out = Val::konst(Lit::Int(c as i64));
                    }
                    return out;
                }
                let mut out = Val {
                    taint: bv.taint.clone(),
                    ..Val::default()
                };
                // Constant containers indexed by constants stay constant.
                if let (Some(Lit::Str(s)), Some(i)) = (&bv.konst, iv.int())
                    && i >= 0
                    && let Some(ch) = s.chars().nth(i as usize)
                {
                    out.konst = Some(Lit::Str(ch.to_string().into()));
                }
                out
            }
            Expr::Binary(op, l, r, span) => {
                if matches!(op, BinOp::And | BinOp::Or) {
                    let lv = self.eval(fr, l, st);
                    // The right side runs only when the left allows it.
                    let mut rs = st.clone();
                    self.refine(l, *op == BinOp::And, &mut rs);
                    let rv = self.eval(fr, r, &mut rs);
                    *st = st.join(&rs);
                    return logic(*op, &lv, &rv);
                }
                let lv = self.eval(fr, l, st);
                if *op == BinOp::Shr && self.lang == Language::Cpp {
                    // `std::cin >> x` and `stream >> x` fill x from the stream.
                    let stream = leftmost(l);
                    let from_stdin = matches!(
                        stream.as_deref(),
                        Some("cin" | "std.cin" | "wcin" | "std.wcin")
                    );
                    let taint = if from_stdin {
                        Some(Rc::new(Taint {
                            labels: category::USER,
                            sanitized: 0,
                            source: Rc::from("std::cin"),
                            span: *span,
                        }))
                    } else {
                        stream
                            .as_deref()
                            .and_then(|s| self.lookup(s, st).taint.clone())
                    };
                    if let Some(root) = pointer_root(r)
                        && (from_stdin || taint.is_some())
                    {
                        let mut v = self.lookup(root, st);
                        v.taint = taint_union(&v.taint, &taint);
                        v.konst = None;
                        v.init = Init::Yes;
                        v.range = None;
                        v.checks = 0;
                        st.vars.insert(Rc::from(root), v);
                        return lv;
                    }
                }
                let rv = self.eval(fr, r, st);
                self.binary(*op, &lv, &rv, *span)
            }
            Expr::Unary(op, inner, span) => {
                if *op == UnOp::AddrOf {
                    // `&x` may be written through: x counts as initialized and
                    // its known value is forgotten.
                    if let Some(v) = inner.root_var()
                        && let Some(var) = st.vars.get_mut(v)
                    {
                        var.init = Init::Yes;
                        if !var.is_array && matches!(inner.as_ref(), Expr::Name(..)) {
                            var.konst = None;
                            var.range = None;
                            if var.mem == Mem::Null {
                                var.mem = Mem::Unknown;
                            }
                        }
                    } else if !matches!(inner.as_ref(), Expr::Name(..)) {
                        self.eval(fr, inner, st);
                    }
                    let base = inner.as_var().map(|v| self.lookup(v, st));
                    return Val {
                        mem: Mem::NonNull,
                        cap: base
                            .as_ref()
                            .and_then(|b| if b.is_array { b.cap } else { b.elem }),
                        taint: base.and_then(|b| b.taint),
                        is_pointer: true,
                        points_to: match inner.as_ref() {
                            Expr::Name(n, _) => Some(Rc::from(n.as_str())),
                            _ => None,
                        },
                        ..Val::default()
                    };
                }
                let v = self.eval(fr, inner, st);
                match op {
                    UnOp::Deref => {
                        if self.lang.is_c_family() {
                            self.check_deref(&v, *span);
                        }
                        // `*p` where p = &x reads x.
                        if let Some(x) = &v.points_to {
                            return self.lookup(x, st);
                        }
                        Val {
                            taint: v.taint,
                            ..Val::default()
                        }
                    }
                    UnOp::Not => match v.truth() {
                        Some(b) => Val::konst(Lit::Bool(!b)),
                        None => Val {
                            taint: v.taint,
                            ..Val::default()
                        },
                    },
                    UnOp::Neg => match v.konst {
                        Some(Lit::Int(i)) => Val::konst(Lit::Int(i.wrapping_neg())),
                        Some(Lit::Float(f)) => Val::konst(Lit::Float(-f)),
                        _ => Val {
                            taint: v.taint,
                            int_type: v.int_type,
                            ..Val::default()
                        },
                    },
                    _ => Val {
                        taint: v.taint,
                        ..Val::default()
                    },
                }
            }
            Expr::Format(parts, _) | Expr::Collection(parts, _) | Expr::Other(parts, _) => {
                let mut taint = None;
                let mut all_const = true;
                let mut text = String::new();
                let mut prefix: Option<String> = None;
                for p in parts {
                    let v = self.eval(fr, p, st);
                    taint = taint_union(&taint, &v.taint);
                    if let (Expr::Collection(..), Mem::Alloc { site, .. }) = (e, v.mem) {
                        escape(st, site);
                    }
                    if text.len() > MAX_CONST_LEN {
                        // Demoted to its prefix by `eval` anyway.
                        continue;
                    }
                    match &v.konst {
                        Some(Lit::Str(s)) => text.push_str(s),
                        Some(Lit::Int(i)) => text.push_str(&i.to_string()),
                        _ => {
                            if all_const {
                                let mut t = text.clone();
                                t.push_str(v.prefix.as_deref().unwrap_or(""));
                                prefix = Some(t);
                            }
                            all_const = false;
                        }
                    }
                }
                let mut out = Val {
                    taint,
                    prefix: prefix
                        .filter(|p| !p.is_empty())
                        .map(|p| Rc::from(prefix_of(&p))),
                    ..Val::default()
                };
                if let Expr::Collection(..) = e
                    && all_const
                {
                    out.const_items = true;
                }
                if let Expr::Format(..) = e
                    && all_const
                {
                    out.konst = Some(Lit::Str(text.into()));
                }
                if let Expr::Collection(..) = e {
                    out.mem = Mem::NonNull;
                }
                out
            }
            Expr::Cond(c, a, b, _) => {
                let cv = self.eval(fr, c, st);
                match cv.truth() {
                    Some(true) => self.eval(fr, a, st),
                    Some(false) => self.eval(fr, b, st),
                    None => {
                        let mut sa = st.clone();
                        self.refine(c, true, &mut sa);
                        let va = self.eval(fr, a, &mut sa);
                        let mut sb = st.clone();
                        self.refine(c, false, &mut sb);
                        let vb = self.eval(fr, b, &mut sb);
                        *st = sa.join(&sb);
                        va.join(&vb)
                    }
                }
            }
            Expr::SizeOf(t, _) => match self.sizeof(t, st) {
                Some(n) => Val::konst(Lit::Int(n)),
                None => Val {
                    compile_time: true,
                    ..Val::default()
                },
            },
            Expr::Cast(ty, inner, _) => {
                let mut v = self.eval(fr, inner, st);
                if ty.pointer_depth > 0 {
                    if let Some(sz) = cfamily::type_size(&ty.base) {
                        v.elem = Some(sz);
                    }
                    v.int_type = None;
                } else {
                    // A cast to a floating type leaves integer overflow behind.
                    v.int_type = cfamily::int_type(&ty.base);
                }
                v
            }
            Expr::New(ty, count, args, span) => {
                for a in args {
                    let v = self.eval(fr, a, st);
                    // Handed to the new object, which now owns it.
                    if let Mem::Alloc { site, .. } = v.mem {
                        escape(st, site);
                    }
                }
                let n = match count {
                    Some(c) => self.eval(fr, c, st),
                    None => Val::konst(Lit::Int(1)),
                };
                let elem = cfamily::type_size(&ty.base);
                fr.local_allocs.insert(*span);
                Val {
                    mem: Mem::Alloc {
                        site: *span,
                        checked: true,
                        heap: true,
                    },
                    cap: match (n.int(), elem) {
                        (Some(n), Some(e)) => Some(n.saturating_mul(e)),
                        _ => None,
                    },
                    elem,
                    ..Val::default()
                }
            }
            Expr::Call(c) => self.call(fr, c, st),
            Expr::Comp(binds, elem, _) => {
                // Items are bound in a scope of their own.
                let mut inner = st.clone();
                for (target, iter) in binds {
                    let iv = self.eval(fr, iter, &mut inner);
                    let item = Val {
                        taint: iv.taint,
                        ..Val::default()
                    };
                    self.assign(fr, target, item, &mut inner, target.span());
                }
                let v = self.eval(fr, elem, &mut inner);
                Val {
                    taint: v.taint,
                    mem: Mem::NonNull,
                    ..Val::default()
                }
            }
        }
    }

    fn sizeof(&self, t: &str, st: &State) -> Option<i64> {
        if let Some(var) = t.strip_prefix("var:") {
            let v = self.lookup(var, st);
            if v.is_array {
                return v.cap;
            }
            if v.is_pointer {
                return Some(8);
            }
            return v.int_type.map(|it| i64::from(it.bits / 8).max(1));
        }
        if t.starts_with("expr:") {
            return None;
        }
        if t.ends_with('*') {
            return Some(8);
        }
        cfamily::type_size(t)
    }

    #[allow(clippy::too_many_arguments)]
    fn binary(&mut self, op: BinOp, l: &Val, r: &Val, span: Span) -> Val {
        let taint = taint_union(&l.taint, &r.taint);
        let pointerish = |v: &Val| v.is_pointer || v.is_array || v.cap.is_some();
        let mut out = Val {
            taint,
            int_type: if pointerish(l) || pointerish(r) {
                None
            } else if matches!(op, BinOp::Shl | BinOp::Shr) {
                // Also keeps `std::cout << n` from looking like an integer.
                l.int_type
            } else {
                l.int_type.or(r.int_type)
            },
            compile_time: (l.compile_time || l.konst.is_some())
                && (r.compile_time || r.konst.is_some()),
            ..Val::default()
        };
        if self.lang.is_c_family() {
            self.arith_checks(op, l, r, span);
        }
        if op == BinOp::Add
            && let Some(p) = l.leading_text()
        {
            out.prefix = Some(Rc::from(prefix_of(p)));
        } else if op == BinOp::Mod
            && let Some(Lit::Str(fmt)) = &l.konst
        {
            let head = fmt.split('%').next().unwrap_or("");
            if !head.is_empty() {
                out.prefix = Some(Rc::from(head));
            }
        }
        // Arithmetic keeps the range checks of its untrusted operands.
        if out.taint.is_some()
            && matches!(
                op,
                BinOp::Add
                    | BinOp::Sub
                    | BinOp::Mul
                    | BinOp::Div
                    | BinOp::Shl
                    | BinOp::Shr
                    | BinOp::BitAnd
            )
        {
            let lc = if l.taint.is_some() { l.checks } else { u8::MAX };
            let rc = if r.taint.is_some() { r.checks } else { u8::MAX };
            out.checks = lc & rc;
        }
        // Constant folding.
        let folded = match (&l.konst, &r.konst) {
            (Some(a), Some(b)) => fold(op, a, b),
            _ => None,
        };
        if let Some(f) = folded {
            let keep = out.int_type;
            out = Val {
                taint: out.taint,
                ..Val::konst(f)
            };
            out.int_type = keep;
            return out;
        }
        // Pointer arithmetic keeps the buffer.
        if matches!(op, BinOp::Add | BinOp::Sub) && l.cap.is_some() && self.lang.is_c_family() {
            out.cap = match r.int() {
                Some(k) if op == BinOp::Add => l
                    .cap
                    .map(|c| c.saturating_sub(k.saturating_mul(l.elem.unwrap_or(1)))),
                _ => None,
            };
            out.elem = l.elem;
            out.mem = l.mem;
        }
        // Interval arithmetic for + - * with constants.
        if let (Some((a, b)), Some((c, d))) = (l.range, r.range) {
            out.range = match op {
                BinOp::Add => Some((a.saturating_add(c), b.saturating_add(d))),
                BinOp::Sub => Some((a.saturating_sub(d), b.saturating_sub(c))),
                BinOp::Mul if a >= 0 && c >= 0 => Some((a.saturating_mul(c), b.saturating_mul(d))),
                _ => None,
            };
        }
        if op.is_comparison() {
            out.int_type = None;
            if let (Some((a, b)), Some((c, d))) = (l.range, r.range) {
                let decided = match op {
                    BinOp::Lt if b < c => Some(true),
                    BinOp::Lt if a >= d => Some(false),
                    BinOp::Le if b <= c => Some(true),
                    BinOp::Le if a > d => Some(false),
                    BinOp::Gt if a > d => Some(true),
                    BinOp::Gt if b <= c => Some(false),
                    BinOp::Ge if a >= d => Some(true),
                    BinOp::Ge if b < c => Some(false),
                    _ => None,
                };
                if let Some(d) = decided {
                    out.konst = Some(Lit::Bool(d));
                    out.range = Some((d as i64, d as i64));
                }
            }
            // Comparing untrusted data yields a boolean, not data.
            if matches!(
                op,
                BinOp::Eq
                    | BinOp::Ne
                    | BinOp::Lt
                    | BinOp::Le
                    | BinOp::Gt
                    | BinOp::Ge
                    | BinOp::In
                    | BinOp::NotIn
                    | BinOp::Is
                    | BinOp::IsNot
            ) {
                out.taint = None;
            }
        }
        out
    }

    // -----------------------------------------------------------------
    // Calls
    // -----------------------------------------------------------------

    fn call(&mut self, fr: &mut Frame<'a>, c: &'a Call, st: &mut State) -> Val {
        // Receiver of a method call.
        let recv = match &c.callee {
            Expr::Attr(base, _, _) => Some(self.eval(fr, base, st)),
            _ => None,
        };
        let mut args = Vec::with_capacity(c.args.len());
        for a in &c.args {
            args.push(self.eval(fr, a, st));
        }
        let mut kwargs = Vec::with_capacity(c.kwargs.len());
        for (k, v) in &c.kwargs {
            let val = self.eval(fr, v, st);
            self.check_kwarg_assign_rules(k, &val, v.span());
            kwargs.push((k.as_str(), val));
        }
        let name: String = match &c.name {
            Some(n) => n.clone(),
            None => lenient_dotted(&c.callee)
                .map(|d| self.resolve(&d))
                .unwrap_or_default(),
        };
        // A method on an object whose constructor we saw is also named by
        // type: `s = requests.Session(); s.get(u)` is `requests.Session().get`.
        let typed: Option<String> = match (&c.callee, recv.as_ref().and_then(|r| r.origin.clone()))
        {
            (Expr::Attr(_, method, _), Some(origin)) => Some(format!("{origin}().{method}")),
            _ => None,
        };
        if let Some(t) = &typed {
            let tctx = CallCtx {
                call: c,
                name: t,
                recv: recv.as_ref(),
                args: &args,
                kwargs: &kwargs,
            };
            self.match_call_rules(fr, &tctx);
        }
        let ctx = CallCtx {
            call: c,
            name: &name,
            recv: recv.as_ref(),
            args: &args,
            kwargs: &kwargs,
        };
        self.match_call_rules(fr, &ctx);

        let mut result: Option<Val> = None;
        if self.lang.is_c_family() {
            result = self.c_call(fr, &ctx, st);
        }

        // Local functions: follow them with the caller's values.
        if result.is_none()
            && let Some(fidx) = self
                .resolve_local(&name)
                .or_else(|| typed.as_deref().and_then(|t| self.resolve_local(t)))
        {
            result = Some(self.call_local(fr, fidx, c, &args, &kwargs, recv.as_ref(), st));
        }

        let mut v = match result {
            Some(v) => v,
            None => {
                // Unknown function: its result depends on its inputs.
                let mut taint = recv.as_ref().and_then(|r| r.taint.clone());
                for a in &args {
                    taint = taint_union(&taint, &a.taint);
                }
                for (_, a) in &kwargs {
                    taint = taint_union(&taint, &a.taint);
                }
                let method = name.rsplit('.').next().unwrap_or("");
                if recv.as_ref().is_some_and(|r| r.const_items)
                    && matches!(
                        method,
                        "get" | "__getitem__" | "index" | "count" | "setdefault"
                    )
                {
                    // A lookup in a constant table yields one of its constants.
                    taint = None;
                }
                let produced_by = typed.as_deref().unwrap_or(&name);
                let mut v = Val {
                    taint,
                    // Only objects worth naming by type: constructors and
                    // factories. Keeping this narrow keeps calls cheap.
                    origin: if makes_object(produced_by) {
                        Some(Rc::from(produced_by))
                    } else {
                        None
                    },
                    derived_from: match &c.callee {
                        Expr::Attr(b, m, _) if is_relative_path_method(m) => {
                            b.as_var().map(|r| Rc::from(format!("{r}.{m}").as_str()))
                        }
                        _ => None,
                    },
                    ..Val::default()
                };
                if self.lang == Language::Python {
                    v.konst = python_pure_call(&name, recv.as_ref(), &args);
                    if method == "format"
                        && let Some(Lit::Str(f)) = recv.as_ref().and_then(|r| r.konst.as_ref())
                    {
                        let head = f.split('{').next().unwrap_or("");
                        if !head.is_empty() {
                            v.prefix = Some(Rc::from(head));
                        }
                    }
                }
                v
            }
        };

        // Sources.
        for (p, bits) in &self.sources.calls {
            if p.matches(&name) || typed.as_deref().is_some_and(|t| p.matches(t)) {
                v.taint = taint_union(
                    &v.taint,
                    &Some(Rc::new(Taint {
                        labels: *bits,
                        sanitized: 0,
                        source: Rc::from(format!("{name}()").as_str()),
                        span: c.span,
                    })),
                );
                v.konst = None;
                break;
            }
        }
        for (p, from, to, bits) in &self.sources.out_args {
            if p.matches(&name) {
                let last = to.unwrap_or(usize::MAX).min(c.args.len().saturating_sub(1));
                for i in *from..=last {
                    if let Some(a) = c.args.get(i) {
                        self.taint_out_arg(a, *bits, &name, c.span, st);
                    }
                }
            }
        }
        // Sanitizers.
        if v.taint.is_some() {
            if crate::rules::any_matches(&self.sources.universal_sanitizers, &name) {
                v.taint = None;
            } else {
                let mut bits = self.sanitizers.bits_for_call(&name);
                if let Some(t) = &typed {
                    bits |= self.sanitizers.bits_for_call(t);
                }
                if bits != 0
                    && let Some(t) = &v.taint
                {
                    let mut t2 = (**t).clone();
                    t2.sanitized |= bits;
                    v.taint = Some(Rc::new(t2));
                }
            }
        }
        v
    }

    fn taint_out_arg(&mut self, a: &Expr, bits: u16, name: &str, span: Span, st: &mut State) {
        let root = pointer_root(a);
        if let Some(r) = root {
            let mut v = self.lookup(r, st);
            v.taint = taint_union(
                &v.taint,
                &Some(Rc::new(Taint {
                    labels: bits,
                    sanitized: 0,
                    source: Rc::from(format!("{name}()").as_str()),
                    span,
                })),
            );
            v.konst = None;
            v.range = None;
            v.checks = 0;
            v.init = Init::Yes;
            if v.is_array {
                v.strlen = v.cap.map(|c| c - 1);
            }
            st.vars.insert(Rc::from(r), v);
        }
    }

    fn resolve_local(&self, name: &str) -> Option<usize> {
        if name.is_empty() {
            return None;
        }
        let (prefix, last) = match name.rsplit_once('.') {
            Some((p, l)) => (Some(p), l),
            None => (None, name),
        };
        let cands = self.funcs_by_name.get(last)?;
        for &i in cands {
            let f = &self.module.functions[i];
            let ok = match (prefix, &f.class) {
                (None, None) => true,
                (None, Some(_)) => self.lang.is_c_family(),
                (Some(p), Some(cls)) => {
                    let ty = p.trim_end_matches("()");
                    is_self(p) || ty == cls || ty.rsplit('.').next() == Some(cls.as_str())
                }
                (Some(p), None) => is_self(p) && self.lang.is_c_family(),
            };
            if ok {
                return Some(i);
            }
        }
        None
    }

    #[allow(clippy::too_many_arguments)]
    fn call_local(
        &mut self,
        fr: &mut Frame<'a>,
        fidx: usize,
        c: &'a Call,
        args: &[Val],
        kwargs: &[(&str, Val)],
        recv: Option<&Val>,
        st: &mut State,
    ) -> Val {
        let interesting = |v: &Val| {
            v.taint.is_some()
                || !matches!(v.mem, Mem::Unknown | Mem::NonNull)
                || v.init != Init::Yes
                || v.konst.is_some()
                || v.cap.is_some()
        };
        let any = args.iter().any(interesting)
            || kwargs.iter().any(|(_, v)| interesting(v))
            || (self.uses_globals.contains(&fidx)
                && self
                    .globals
                    .iter()
                    .any(|g| st.vars.contains_key(g.as_str())));
        if !any || fr.depth >= INLINE_DEPTH || self.in_progress.contains(&fidx) {
            let mut v = self.standalone(fidx);
            // Even summarized, untrusted arguments flow into the result.
            for a in args {
                if a.taint.is_some() && v.taint.is_none() && fr.depth >= INLINE_DEPTH {
                    v.taint = a.taint.clone();
                }
            }
            return v;
        }
        let Some(func) = self.module.functions.get(fidx) else {
            return Val::default();
        };
        let mut callee_st = State::default();
        let skip_self = func.class.is_some()
            && func.params.first().is_some_and(|p| is_self(&p.name))
            && recv.is_some();
        let params: Vec<&Param> = func.params.iter().skip(usize::from(skip_self)).collect();
        for (i, p) in params.iter().enumerate() {
            let mut v = args
                .get(i)
                .cloned()
                .or_else(|| {
                    kwargs
                        .iter()
                        .find(|(k, _)| *k == p.name)
                        .map(|(_, v)| v.clone())
                })
                .unwrap_or_default();
            let decl = self.declared_val(&p.ty);
            if v.elem.is_none() {
                v.elem = decl.elem;
            }
            if v.int_type.is_none() {
                v.int_type = decl.int_type;
            }
            if decl.is_pointer {
                v.is_pointer = true;
                v.int_type = None;
            }
            v.is_array = false;
            callee_st.vars.insert(Rc::from(p.name.as_str()), v);
        }
        self.seed_members(func, &mut callee_st);
        // File-scope variables keep their current values inside the callee.
        for g in &self.globals {
            if let Some(v) = st.vars.get(g.as_str()) {
                callee_st
                    .vars
                    .entry(Rc::from(g.as_str()))
                    .or_insert_with(|| v.clone());
            }
        }
        self.in_progress.insert(fidx);
        let (ret, exit) = self.exec_function(func, callee_st, fr.depth + 1);
        self.in_progress.remove(&fidx);
        if self.lang.is_c_family() && !exit.dead {
            transfer_callee_effects(&exit, st, &self.globals, c.span);
            // Data a callee wrote through a pointer parameter reaches the
            // caller's buffer: `copy(dst, getenv("Q"))`.
            for (p, a) in params.iter().zip(c.args.iter()) {
                if p.ty.pointer_depth == 0 && !p.ty.is_array {
                    continue;
                }
                if let (Some(pv), Some(root)) = (exit.vars.get(p.name.as_str()), pointer_root(a))
                    && pv.taint.is_some()
                {
                    let mut cur = self.lookup(root, st);
                    cur.taint = taint_union(&cur.taint, &pv.taint);
                    cur.konst = None;
                    st.vars.insert(Rc::from(root), cur);
                }
            }
        }
        let _ = c;
        ret
    }

    // -----------------------------------------------------------------
    // Rule checks
    // -----------------------------------------------------------------

    fn emit(&mut self, hit: Hit) {
        let key = (hit.rule, hit.span.start_byte, hit.span.end_byte);
        if self.seen.insert(key) {
            self.hits.push(hit);
        }
    }

    pub(crate) fn checker_hit(
        &mut self,
        kind: CheckerKind,
        span: Span,
        subject: &str,
        taint: Option<&Taint>,
    ) {
        let Some(rules) = self.index.checkers.get(&kind) else {
            return;
        };
        for &(ri, sources) in rules {
            let mut weaker = false;
            let mut trace = Vec::new();
            let mut source = String::new();
            if let Some(t) = taint {
                if t.labels & sources == 0 {
                    continue;
                }
                weaker = t.labels & sources == category::PARAM;
                trace.push((t.span, format!("untrusted data from {}", t.source)));
                source = t.source.to_string();
            }
            trace.push((span, subject.to_string()));
            self.emit(Hit {
                rule: ri,
                span,
                trace: if taint.is_some() { trace } else { Vec::new() },
                sink: subject.to_string(),
                source,
                weaker,
            });
        }
    }

    fn match_call_rules(&mut self, fr: &mut Frame<'a>, ctx: &CallCtx<'_, 'a>) {
        let last = ctx.name.rsplit('.').next().unwrap_or(ctx.name);
        let index = self.index;
        let keyed = index.calls.get(last).map(|v| v.as_slice()).unwrap_or(&[]);
        for &(ri, which) in keyed.iter().chain(index.wild_calls.iter()) {
            let rule = &self.rules[ri];
            match (&rule.matcher, which) {
                (Matcher::Taint(t), Some(si)) => {
                    let Some(sink) = t.sinks.get(si) else {
                        continue;
                    };
                    if !crate::rules::any_matches(&sink.calls, ctx.name) {
                        continue;
                    }
                    if !sink.conditions.iter().all(|c| self.condition(c, ctx)) {
                        continue;
                    }
                    if sink.unless.iter().any(|c| self.condition(c, ctx)) {
                        continue;
                    }
                    let mut found: Option<Rc<Taint>> = None;
                    let mut check = |v: &Val| {
                        if found.is_some() {
                            return;
                        }
                        if let Some(tt) = &v.taint
                            && tt.labels & t.sources != 0
                            && tt.sanitized & t.sanitizers == 0
                        {
                            found = Some(tt.clone());
                        }
                    };
                    match &sink.args {
                        Some(list) => {
                            for &i in list {
                                if let Some(v) = ctx.args.get(i) {
                                    check(v);
                                }
                            }
                        }
                        None => {
                            if sink.kwargs.is_empty() || !ctx.args.is_empty() {
                                for v in ctx.args {
                                    check(v);
                                }
                            }
                        }
                    }
                    for (k, v) in ctx.kwargs {
                        if sink.kwargs.iter().any(|s| s == k) {
                            check(v);
                        }
                    }
                    if sink.receiver
                        && let Some(r) = ctx.recv
                    {
                        check(r);
                    }
                    if let Some(tt) = found {
                        let weaker = tt.labels & t.sources == category::PARAM;
                        self.emit(Hit {
                            rule: ri,
                            span: ctx.call.span,
                            trace: vec![
                                (tt.span, format!("untrusted data from {}", tt.source)),
                                (ctx.call.span, format!("reaches {}()", ctx.name)),
                            ],
                            sink: ctx.name.to_string(),
                            source: tt.source.to_string(),
                            weaker,
                        });
                    }
                }
                (Matcher::Call(cm), None) => {
                    if !crate::rules::any_matches(&cm.names, ctx.name) {
                        continue;
                    }
                    if !cm.conditions.iter().all(|c| self.condition(c, ctx)) {
                        continue;
                    }
                    if cm.unless.iter().any(|c| self.condition(c, ctx)) {
                        continue;
                    }
                    if let Some(re) = &cm.context {
                        let in_target = fr.assign_target.as_deref().is_some_and(|t| re.is_match(t));
                        let in_func = re.is_match(&fr.func.name);
                        if !in_target && !in_func {
                            continue;
                        }
                    }
                    self.emit(Hit {
                        rule: ri,
                        span: ctx.call.span,
                        trace: Vec::new(),
                        sink: ctx.name.to_string(),
                        source: String::new(),
                        weaker: false,
                    });
                }
                _ => {}
            }
        }
    }

    fn condition(&self, c: &Condition, ctx: &CallCtx<'_, '_>) -> bool {
        let (val, expr): (Option<&Val>, Option<&Expr>) = match &c.arg {
            ArgRef::Pos(i) => (ctx.args.get(*i), ctx.call.args.get(*i)),
            ArgRef::Kw(k) => (
                ctx.kwargs.iter().find(|(n, _)| n == k).map(|(_, v)| v),
                ctx.call.kwarg(k),
            ),
        };
        let Some(val) = val else {
            return c.or_missing || c.is == Some(Is::Missing);
        };
        if let Some(is) = c.is {
            let ok = match is {
                Is::Present => true,
                Is::Missing => false,
                Is::Truthy => val.truth() == Some(true),
                Is::Falsy => val.truth() == Some(false),
                Is::Constant => val.konst.is_some() || val.compile_time,
                Is::NotConstant => val.konst.is_none() && !val.compile_time,
                Is::Tainted => val.taint.is_some(),
                Is::Untainted => val.taint.is_none(),
                Is::FixedHost => val.leading_text().is_some_and(fixes_host),
            };
            if !ok {
                return false;
            }
        }
        if let Some(re) = &c.matches {
            let text = match &val.konst {
                Some(Lit::Str(s)) => Some(s.to_string()),
                Some(Lit::Int(i)) => Some(format!("{i}")),
                Some(Lit::Bool(b)) => Some(if *b { "True".into() } else { "False".into() }),
                _ => expr.and_then(|e| {
                    lenient_dotted(e)
                        .filter(|d| !d.contains('?'))
                        .map(|d| self.resolve(&d))
                        .or_else(|| {
                            let sp = e.span();
                            self.src.get(sp.start_byte..sp.end_byte).map(str::to_string)
                        })
                }),
            };
            match text {
                Some(t) => return re.is_match(&t),
                None => return false,
            }
        }
        true
    }

    fn check_return_sinks(&mut self, fr: &Frame<'a>, v: &Val, span: Span) {
        let Some(t) = &v.taint else { return };
        if self.index.return_sinks.is_empty() || fr.func.decorators.is_empty() {
            return;
        }
        let index = self.index;
        for &(ri, si) in &index.return_sinks {
            let Matcher::Taint(tm) = &self.rules[ri].matcher else {
                continue;
            };
            let Some(sink) = tm.sinks.get(si) else {
                continue;
            };
            if t.labels & tm.sources == 0 || t.sanitized & tm.sanitizers != 0 {
                continue;
            }
            if !fr
                .func
                .decorators
                .iter()
                .any(|d| self.decorator_matches(d, &sink.return_from_decorated))
            {
                continue;
            }
            self.emit(Hit {
                rule: ri,
                span,
                trace: vec![
                    (t.span, format!("untrusted data from {}", t.source)),
                    (span, "returned as the HTTP response".into()),
                ],
                sink: "return".into(),
                source: t.source.to_string(),
                weaker: t.labels & tm.sources == category::PARAM,
            });
        }
    }

    /// Untrusted data stored into a sensitive place: `session["k"] = v`.
    fn check_assign_sinks(&mut self, target: &Target, v: &Val, span: Span) {
        let Some(t) = &v.taint else { return };
        if self.index.assign_sinks.is_empty() {
            return;
        }
        let place = match target {
            Target::Index(base, _, _) => {
                lenient_dotted(base).map(|b| format!("{}[]", self.resolve(&b)))
            }
            Target::Attr(base, f, _) => {
                lenient_dotted(base).map(|b| format!("{}.{f}", self.resolve(&b)))
            }
            _ => None,
        };
        let Some(place) = place else { return };
        let index = self.index;
        for &(ri, si) in &index.assign_sinks {
            let Matcher::Taint(tm) = &self.rules[ri].matcher else {
                continue;
            };
            let Some(sink) = tm.sinks.get(si) else {
                continue;
            };
            if t.labels & tm.sources == 0 || t.sanitized & tm.sanitizers != 0 {
                continue;
            }
            if !crate::rules::any_matches(&sink.assign_to, &place) {
                continue;
            }
            self.emit(Hit {
                rule: ri,
                span,
                trace: vec![
                    (t.span, format!("untrusted data from {}", t.source)),
                    (span, format!("stored in {place}")),
                ],
                sink: place.clone(),
                source: t.source.to_string(),
                weaker: t.labels & tm.sources == category::PARAM,
            });
        }
    }

    fn check_assign_rules(&mut self, target: &Target, v: &Val, span: Span) {
        if self.index.assigns.is_empty() {
            return;
        }
        let Some(Lit::Str(s)) = &v.konst else { return };
        let name = match target {
            Target::Name(n, _) => n.clone(),
            Target::Attr(_, f, _) => f.clone(),
            Target::Index(_, Expr::Lit(Lit::Str(k), _), _) => k.to_string(),
            _ => return,
        };
        self.assign_hit(&name, s, span);
    }

    fn check_kwarg_assign_rules(&mut self, key: &str, v: &Val, span: Span) {
        if self.index.assigns.is_empty() {
            return;
        }
        if let Some(Lit::Str(s)) = &v.konst {
            self.assign_hit(key, s, span);
        }
    }

    fn assign_hit(&mut self, name: &str, value: &str, span: Span) {
        let index = self.index;
        for &ri in &index.assigns {
            let Matcher::Assign(am) = &self.rules[ri].matcher else {
                continue;
            };
            if value.chars().count() < am.min_length || !am.target.is_match(name) {
                continue;
            }
            if am
                .ignore_values
                .as_ref()
                .is_some_and(|re| re.is_match(value))
            {
                continue;
            }
            self.emit(Hit {
                rule: ri,
                span,
                trace: Vec::new(),
                sink: name.to_string(),
                source: String::new(),
                weaker: false,
            });
        }
    }

    // -----------------------------------------------------------------
    // Refinement on branch conditions
    // -----------------------------------------------------------------

    fn refine(&mut self, cond: &Expr, truth: bool, st: &mut State) {
        match cond {
            Expr::Unary(UnOp::Not, inner, _) => self.refine(inner, !truth, st),
            Expr::Binary(BinOp::And, l, r, _) if truth => {
                self.refine(l, true, st);
                self.refine(r, true, st);
            }
            Expr::Binary(BinOp::Or, l, r, _) if !truth => {
                self.refine(l, false, st);
                self.refine(r, false, st);
            }
            Expr::Binary(op, l, r, _) if op.is_comparison() => {
                let op = if truth { *op } else { op.negated() };
                let lv = self.peek(l, st);
                let rv = self.peek(r, st);
                if let Some(var) = refinable(l) {
                    self.refine_cmp(var, l, op, &rv, st);
                }
                if let Some(var) = refinable(r) {
                    self.refine_cmp(var, r, op.flipped(), &lv, st);
                }
                let mut validated: Vec<&Expr> = Vec::new();
                // Membership of a derived value in a fixed set validates its
                // inputs: `urlparse(u).hostname in ALLOWED_HOSTS`.
                if op == BinOp::In
                    && (rv.const_items || rv.konst.is_some())
                    && refinable(l).is_none()
                {
                    validated.push(l);
                }
                if op == BinOp::Eq {
                    if is_path_or_url_check(l) && rv.taint.is_none() {
                        validated.push(l);
                    }
                    if is_path_or_url_check(r) && lv.taint.is_none() {
                        validated.push(r);
                    }
                    // C: strcmp(x, "ok") == 0.
                    for (side, other) in [(l.as_ref(), &rv), (r.as_ref(), &lv)] {
                        if let Expr::Call(c) = side
                            && self.c_compare_validates(c, st)
                            && other.int() == Some(0)
                        {
                            validated.push(side);
                        }
                    }
                }
                // `rel = p.lexically_relative(base); ... *rel.begin() != ".."`:
                // the canonical path p stays inside base.
                let dotdot = |v: &Val| matches!(&v.konst, Some(Lit::Str(s)) if &**s == "..");
                if op == BinOp::Ne {
                    for (side, other) in [(l.as_ref(), &rv), (r.as_ref(), &lv)] {
                        if !dotdot(other) {
                            continue;
                        }
                        let mut roots = Vec::new();
                        collect_roots(side, &mut roots);
                        for root in roots {
                            let derived = self.lookup(&root, st).derived_from;
                            if let Some(o) = derived.as_deref()
                                && let Some((recv, method)) = o.rsplit_once('.')
                                && is_relative_path_method(method)
                                && let Some(v) = st.vars.get_mut(recv)
                            {
                                v.taint = None;
                            }
                        }
                    }
                }
                for e in validated {
                    let mut roots = Vec::new();
                    collect_roots(e, &mut roots);
                    for r in roots {
                        if let Some(v) = st.vars.get_mut(r.as_str()) {
                            v.taint = None;
                        }
                    }
                }
            }
            Expr::Call(c) => {
                let name = c.name.clone().unwrap_or_default();
                let last = name.rsplit('.').next().unwrap_or(&name);
                if !truth && self.c_compare_validates(c, st) {
                    // `if (!strcmp(x, "ok"))`: x equals a trusted string.
                    let mut roots = Vec::new();
                    for a in &c.args {
                        collect_roots(a, &mut roots);
                    }
                    for r in roots {
                        if let Some(v) = st.vars.get_mut(r.as_str()) {
                            v.taint = None;
                        }
                    }
                }
                if truth && is_validator(last) {
                    // A passed validation cleans what it looked at.
                    let mut roots = Vec::new();
                    if let Expr::Attr(base, _, _) = &c.callee {
                        collect_roots(base, &mut roots);
                    }
                    for a in &c.args {
                        collect_roots(a, &mut roots);
                    }
                    if last == "startswith" || last == "is_relative_to" {
                        // Path containment: only the receiver is checked.
                        roots.clear();
                        if let Expr::Attr(base, _, _) = &c.callee {
                            collect_roots(base, &mut roots);
                        }
                    }
                    for r in roots {
                        if let Some(v) = st.vars.get_mut(r.as_str()) {
                            v.taint = None;
                        }
                    }
                }
            }
            Expr::Name(..) | Expr::Cast(..) | Expr::Attr(..) => {
                if let Some(var) = refinable(cond) {
                    let zero = Val::konst(Lit::Int(0));
                    let op = if truth { BinOp::Ne } else { BinOp::Eq };
                    self.refine_cmp(var, cond, op, &zero, st);
                }
            }
            _ => {}
        }
    }

    /// `strcmp(x, "ok") == 0` proves x is a trusted string. A prefix compare
    /// (`strncmp`) proves it only for a canonical path (`realpath`) checked
    /// against a base directory.
    fn c_compare_validates(&self, c: &Call, st: &State) -> bool {
        let Some(name) = c.name.as_deref() else {
            return false;
        };
        if !is_c_compare(name) {
            return false;
        }
        if matches!(name, "strcmp" | "strcasecmp" | "wcscmp") {
            return true;
        }
        c.args.iter().take(2).any(|a| {
            self.peek(a, st)
                .origin
                .as_deref()
                .is_some_and(|o| matches!(o, "realpath" | "_fullpath" | "canonicalize_file_name"))
        })
    }

    /// Evaluate without side effects or findings (for refinement).
    fn peek(&self, e: &Expr, st: &State) -> Val {
        match e {
            Expr::Lit(l, _) => Val::konst(l.clone()),
            Expr::Name(n, _) => self.lookup(n, st),
            Expr::Cast(_, inner, _) => self.peek(inner, st),
            Expr::Unary(UnOp::Neg, inner, _) => match self.peek(inner, st).int() {
                Some(i) => Val::konst(Lit::Int(i.wrapping_neg())),
                None => Val::default(),
            },
            Expr::Binary(op, l, r, _) => {
                let (a, b) = (self.peek(l, st), self.peek(r, st));
                match (&a.konst, &b.konst) {
                    (Some(x), Some(y)) => fold(*op, x, y).map(Val::konst).unwrap_or_default(),
                    _ => Val::default(),
                }
            }
            Expr::Call(c) => {
                // `(long)sqrt((double)INT_MAX)` and similar bounds.
                let last = c.name.as_deref().unwrap_or("");
                if last == "sqrt"
                    && let Some(a) = c.args.first()
                    && let Some(v) = self.peek(a, st).int()
                {
                    return Val::konst(Lit::Int((v as f64).sqrt() as i64));
                }
                Val::default()
            }
            Expr::SizeOf(t, _) => self
                .sizeof(t, st)
                .map(|n| Val::konst(Lit::Int(n)))
                .unwrap_or_default(),
            Expr::Collection(..) => Val {
                const_items: is_const_collection(e),
                ..Val::default()
            },
            _ => Val::default(),
        }
    }

    fn refine_cmp(&mut self, var: &str, var_expr: &Expr, op: BinOp, other: &Val, st: &mut State) {
        let mut v = self.lookup(var, st);
        let through_abs = matches!(var_expr, Expr::Call(_))
            || matches!(var_expr, Expr::Cast(_, inner, _) if matches!(inner.as_ref(), Expr::Call(_)));
        let k = other.int().or(match other.konst {
            Some(Lit::Float(f)) => Some(if f > 0.0 {
                1
            } else if f < 0.0 {
                -1
            } else {
                0
            }),
            _ => None,
        });
        let is_null = matches!(other.konst, Some(Lit::Null)) || k == Some(0);
        if through_abs {
            match op {
                BinOp::Gt | BinOp::Ne if k.is_some_and(|k| k >= 0) => v.checks |= CHECK_NONZERO,
                BinOp::Ge if k.is_some_and(|k| k > 0) => v.checks |= CHECK_NONZERO,
                BinOp::Lt | BinOp::Le => v.checks |= CHECK_UPPER | CHECK_LOWER,
                _ => {}
            }
            st.vars.insert(Rc::from(var), v);
            return;
        }
        match op {
            BinOp::Lt | BinOp::Le => {
                v.checks |= CHECK_UPPER;
                if let Some(k) = k {
                    let hi = if op == BinOp::Lt {
                        k.saturating_sub(1)
                    } else {
                        k
                    };
                    let (lo, h) = v.range.unwrap_or((i64::MIN, i64::MAX));
                    v.range = Some((lo, h.min(hi)));
                    if k <= 0 && op == BinOp::Lt {
                        v.checks |= CHECK_NONZERO;
                    }
                }
            }
            BinOp::Gt | BinOp::Ge => {
                v.checks |= CHECK_LOWER;
                if let Some(k) = k {
                    let lo = if op == BinOp::Gt {
                        k.saturating_add(1)
                    } else {
                        k
                    };
                    let (l, h) = v.range.unwrap_or((i64::MIN, i64::MAX));
                    v.range = Some((l.max(lo), h));
                    if lo > 0 {
                        v.checks |= CHECK_NONZERO;
                    }
                }
            }
            BinOp::Ne | BinOp::IsNot if is_null => {
                v.checks |= CHECK_NONZERO;
                v.mem = match v.mem {
                    Mem::Alloc { site, heap, .. } => Mem::Alloc {
                        site,
                        heap,
                        checked: true,
                    },
                    Mem::Null => Mem::Unknown,
                    m => m,
                };
            }
            BinOp::Eq | BinOp::Is => {
                if is_null && self.lang.is_c_family() {
                    v.mem = match v.mem {
                        Mem::Freed { .. } | Mem::MaybeFreed { .. } => v.mem,
                        _ => Mem::Null,
                    };
                    v.konst = Some(Lit::Int(0));
                    v.range = Some((0, 0));
                    v.taint = None;
                } else if other.konst.is_some() && other.taint.is_none() {
                    // Equal to a constant: the value is that constant.
                    v.konst = other.konst.clone();
                    v.taint = None;
                    v.range = other.range;
                    v.checks |= CHECK_UPPER | CHECK_LOWER;
                }
            }
            BinOp::In if other.const_items || other.konst.is_some() => {
                v.taint = None;
            }
            _ => {}
        }
        st.vars.insert(Rc::from(var), v);
    }

    fn declared_val(&self, ty: &CType) -> Val {
        let mut v = Val::default();
        if !self.lang.is_c_family() {
            return v;
        }
        let base_size = cfamily::type_size(&ty.base);
        if ty.is_array {
            v.is_array = true;
            v.mem = Mem::NonNull;
            v.elem = if ty.pointer_depth > 0 {
                Some(8)
            } else {
                base_size
            };
        } else if ty.pointer_depth > 0 {
            v.is_pointer = true;
            v.elem = if ty.pointer_depth > 1 {
                Some(8)
            } else {
                base_size
            };
        } else {
            v.int_type = cfamily::int_type(&ty.base);
            v.is_float = matches!(
                ty.base.trim_start_matches("const ").trim(),
                "float" | "double" | "long double"
            );
            // A named class type: method calls on it can be resolved.
            if v.int_type.is_none() && !v.is_float && !ty.base.is_empty() {
                v.origin = Some(Rc::from(ty.base.replace("::", ".").as_str()));
            }
            // Indexable C++ sequences (not maps, whose keys may be anything).
            let b = ty.base.as_str();
            v.is_sequence = ["vector", "array", "deque", "span"]
                .iter()
                .any(|k| b.contains(k));
        }
        v
    }
}

/// Inputs of one call, evaluated.
pub(crate) struct CallCtx<'c, 'a> {
    pub call: &'a Call,
    pub name: &'c str,
    pub recv: Option<&'c Val>,
    pub args: &'c [Val],
    pub kwargs: &'c [(&'c str, Val)],
}

fn logic(op: BinOp, l: &Val, r: &Val) -> Val {
    let taint = taint_union(&l.taint, &r.taint);
    let konst = match (op, l.truth(), r.truth()) {
        (BinOp::And, Some(false), _) => Some(Lit::Bool(false)),
        (BinOp::And, Some(true), Some(b)) => Some(Lit::Bool(b)),
        (BinOp::Or, Some(true), _) => Some(Lit::Bool(true)),
        (BinOp::Or, Some(false), Some(b)) => Some(Lit::Bool(b)),
        _ => None,
    };
    Val {
        taint,
        konst,
        ..Val::default()
    }
}

fn fold(op: BinOp, a: &Lit, b: &Lit) -> Option<Lit> {
    use Lit::*;
    let as_int = |l: &Lit| match l {
        Int(i) => Some(*i),
        Bool(b) => Some(*b as i64),
        _ => None,
    };
    match (a, b) {
        (Str(x), Str(y)) => match op {
            BinOp::Add => Some(Str(format!("{x}{y}").into())),
            BinOp::Eq => Some(Bool(x == y)),
            BinOp::Ne => Some(Bool(x != y)),
            BinOp::In => Some(Bool(y.contains(&**x))),
            BinOp::NotIn => Some(Bool(!y.contains(&**x))),
            _ => None,
        },
        (Str(x), Int(n)) | (Int(n), Str(x)) if op == BinOp::Mul => {
            // Longer results would only be demoted to a prefix (see `eval`):
            // build just past the limit.
            if *n >= 0 && *n < 4096 && x.len() < 4096 {
                let times = (*n as usize).min(MAX_CONST_LEN / x.len().max(1) + 1);
                Some(Str(x.repeat(times).into()))
            } else {
                None
            }
        }
        (Null, Null) => match op {
            BinOp::Eq | BinOp::Is => Some(Bool(true)),
            BinOp::Ne | BinOp::IsNot => Some(Bool(false)),
            _ => None,
        },
        (Float(x), Float(y)) => fold_float(op, *x, *y),
        (Float(x), other) => as_int(other).and_then(|y| fold_float(op, *x, y as f64)),
        (other, Float(y)) => as_int(other).and_then(|x| fold_float(op, x as f64, *y)),
        _ => {
            let (x, y) = (as_int(a)?, as_int(b)?);
            Some(match op {
                BinOp::Add => Int(x.checked_add(y)?),
                BinOp::Sub => Int(x.checked_sub(y)?),
                BinOp::Mul => Int(x.checked_mul(y)?),
                BinOp::Div => Int(x.checked_div(y)?),
                BinOp::Mod => Int(x.checked_rem(y)?),
                BinOp::Shl => Int(x.checked_shl(u32::try_from(y).ok()?)?),
                BinOp::Shr => Int(x.checked_shr(u32::try_from(y).ok()?)?),
                BinOp::BitAnd => Int(x & y),
                BinOp::BitOr => Int(x | y),
                BinOp::BitXor => Int(x ^ y),
                BinOp::Eq | BinOp::Is => Bool(x == y),
                BinOp::Ne | BinOp::IsNot => Bool(x != y),
                BinOp::Lt => Bool(x < y),
                BinOp::Le => Bool(x <= y),
                BinOp::Gt => Bool(x > y),
                BinOp::Ge => Bool(x >= y),
                _ => return None,
            })
        }
    }
}

fn fold_float(op: BinOp, x: f64, y: f64) -> Option<Lit> {
    Some(match op {
        BinOp::Add => Lit::Float(x + y),
        BinOp::Sub => Lit::Float(x - y),
        BinOp::Mul => Lit::Float(x * y),
        BinOp::Div if y != 0.0 => Lit::Float(x / y),
        BinOp::Eq => Lit::Bool(x == y),
        BinOp::Ne => Lit::Bool(x != y),
        BinOp::Lt => Lit::Bool(x < y),
        BinOp::Le => Lit::Bool(x <= y),
        BinOp::Gt => Lit::Bool(x > y),
        BinOp::Ge => Lit::Bool(x >= y),
        _ => return None,
    })
}

/// Python builtins whose result is constant when their inputs are.
fn python_pure_call(name: &str, recv: Option<&Val>, args: &[Val]) -> Option<Lit> {
    let all_const = args.iter().all(|a| a.konst.is_some());
    if !all_const {
        return None;
    }
    let last = name.rsplit('.').next().unwrap_or(name);
    let str_arg = |i: usize| match args.get(i).and_then(|a| a.konst.as_ref()) {
        Some(Lit::Str(s)) => Some(&**s),
        _ => None,
    };
    match (last, recv.and_then(|r| r.konst.as_ref())) {
        ("strip", Some(Lit::Str(s))) if args.is_empty() => Some(Lit::Str(s.trim().into())),
        ("lower", Some(Lit::Str(s))) => Some(Lit::Str(s.to_lowercase().into())),
        ("upper", Some(Lit::Str(s))) => Some(Lit::Str(s.to_uppercase().into())),
        ("replace", Some(Lit::Str(s))) => match (str_arg(0), str_arg(1)) {
            (Some(a), Some(b)) if !a.is_empty() => Some(Lit::Str(capped_replace(s, a, b).into())),
            _ => None,
        },
        ("format", Some(Lit::Str(s))) => {
            // Positional `{}` fields only; anything fancier stays unknown.
            let mut out = String::new();
            let mut parts = s.split("{}");
            out.push_str(parts.next().unwrap_or(""));
            for (i, rest) in parts.enumerate() {
                match args.get(i).and_then(|a| a.konst.as_ref()) {
                    Some(Lit::Str(v)) => out.push_str(v),
                    Some(Lit::Int(v)) => out.push_str(&v.to_string()),
                    _ => return None,
                }
                out.push_str(rest);
                if out.len() > MAX_CONST_LEN {
                    break;
                }
            }
            if out.contains('{') {
                return None;
            }
            Some(Lit::Str(out.into()))
        }
        ("str", None) => args.first().and_then(|a| match &a.konst {
            Some(Lit::Str(s)) => Some(Lit::Str(s.clone())),
            Some(Lit::Int(i)) => Some(Lit::Str(i.to_string().into())),
            _ => None,
        }),
        ("int", None) => args.first().and_then(|a| match &a.konst {
            Some(Lit::Int(i)) => Some(Lit::Int(*i)),
            Some(Lit::Str(s)) => s.trim().parse().ok().map(Lit::Int),
            _ => None,
        }),
        _ => None,
    }
}

/// `s.replace(a, b)` built only just past [`MAX_CONST_LEN`]: a longer
/// result is demoted to its prefix anyway, and `'a' * 4000` replaced by
/// itself would otherwise take gigabytes.
fn capped_replace(s: &str, a: &str, b: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(a) {
        out.push_str(&rest[..i]);
        out.push_str(b);
        rest = &rest[i + a.len()..];
        if out.len() > MAX_CONST_LEN {
            return out;
        }
    }
    out.push_str(rest);
    out
}

fn collect_roots(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Name(n, _) => out.push(n.clone()),
        Expr::Call(c) => {
            if let Expr::Attr(b, _, _) = &c.callee {
                collect_roots(b, out);
            }
            for a in &c.args {
                collect_roots(a, out);
            }
        }
        Expr::Attr(b, _, _) | Expr::Cast(_, b, _) | Expr::Index(b, _, _) | Expr::Unary(_, b, _) => {
            collect_roots(b, out)
        }
        Expr::Collection(parts, _) | Expr::Format(parts, _) => {
            parts.iter().for_each(|p| collect_roots(p, out))
        }
        Expr::Binary(_, l, r, _) => {
            collect_roots(l, out);
            collect_roots(r, out);
        }
        _ => {}
    }
}

/// The variable a comparison operand constrains: `x`, `(long)x`, `abs(x)`.
fn refinable(e: &Expr) -> Option<&str> {
    match e {
        Expr::Name(n, _) => Some(n),
        Expr::Cast(_, inner, _) => refinable(inner),
        Expr::Call(c)
            if matches!(
                c.name.as_deref(),
                Some("abs" | "labs" | "llabs" | "fabs" | "fabsf" | "fabsl" | "imaxabs")
            ) =>
        {
            c.args.first().and_then(refinable)
        }
        _ => None,
    }
}

/// Dotted name of an expression, naming calls and subscripts in the chain:
/// `sqlite3.connect().execute`, `request.args[].get`.
pub(crate) fn lenient_dotted(e: &Expr) -> Option<String> {
    match e {
        Expr::Name(n, _) => Some(n.clone()),
        Expr::Attr(base, attr, _) => match base.as_ref() {
            Expr::Unary(UnOp::Deref, inner, _) => {
                lenient_dotted(inner).map(|b| format!("{b}.{attr}"))
            }
            // A method on a computed object, `(Path(a) / b).read_text`.
            other => Some(format!(
                "{}.{attr}",
                lenient_dotted(other).unwrap_or_else(|| "?".to_string())
            )),
        },
        Expr::Call(c) => c
            .name
            .clone()
            .or_else(|| lenient_dotted(&c.callee))
            .map(|n| format!("{n}()")),
        Expr::Index(base, _, _) => lenient_dotted(base).map(|b| format!("{b}[]")),
        Expr::Cast(_, inner, _) => lenient_dotted(inner),
        _ => None,
    }
}

/// `return {"k": v}` / `return [..]` / `return {..}, 404`: a framework turns
/// these into JSON, not HTML.
fn is_structured_return(e: &Expr) -> bool {
    match e {
        Expr::Collection(parts, _) => {
            let is_tuple_with_status = parts.iter().any(|p| matches!(p, Expr::Lit(Lit::Int(_), _)));
            if is_tuple_with_status {
                parts
                    .first()
                    .is_some_and(|p| matches!(p, Expr::Collection(..)))
            } else {
                true
            }
        }
        _ => false,
    }
}

/// The first operand of a chain like `cin >> a >> b`.
fn leftmost(e: &Expr) -> Option<String> {
    match e {
        Expr::Binary(BinOp::Shr, l, _, _) => leftmost(l),
        other => other.dotted(),
    }
}

fn is_const_collection(e: &Expr) -> bool {
    match e {
        Expr::Collection(parts, _) => parts
            .iter()
            .all(|p| matches!(p, Expr::Lit(..)) || is_const_collection(p)),
        _ => false,
    }
}

/// A URL whose scheme and host are fixed (`https://api.example.com/...`),
/// or a site-relative path (`/profile/...`, not `//host`).
fn fixes_host(prefix: &str) -> bool {
    if let Some(rest) = prefix.strip_prefix('/') {
        return !rest.is_empty() && !rest.starts_with('/') && !rest.starts_with('\\');
    }
    let Some((scheme, rest)) = prefix.split_once("://") else {
        return false;
    };
    !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        && rest.find(['/', '?', '#']).is_some_and(|i| i > 0)
}

/// Conditions that, when they hold, show the values they looked at were
/// validated: predicate methods and functions named like checks.
fn is_validator(last: &str) -> bool {
    let l = last.to_ascii_lowercase();
    matches!(
        l.as_str(),
        "isdigit"
            | "isdecimal"
            | "isnumeric"
            | "isalnum"
            | "isalpha"
            | "isidentifier"
            | "fullmatch"
            | "match"
            | "isinstance"
            | "startswith"
            | "is_relative_to"
    ) || l.starts_with("is_")
        || l.contains("valid")
        || l.starts_with("check")
        || l.starts_with("verify")
        || l.contains("sanitiz")
        || l.contains("allowed")
        || l.contains("allowlist")
        || l.contains("whitelist")
        || l.contains("safe")
}

/// C comparison functions: equal to 0 means the strings matched.
fn is_c_compare(name: &str) -> bool {
    matches!(
        name,
        "strcmp" | "strncmp" | "strcasecmp" | "strncasecmp" | "memcmp" | "wcscmp" | "wcsncmp"
    )
}

/// Calls whose equality with a trusted value validates their inputs.
fn is_path_or_url_check(e: &Expr) -> bool {
    let mut found = false;
    walk_expr(e, &mut |x| {
        if let Expr::Call(c) = x
            && let Some(n) = &c.name
        {
            let last = n.rsplit('.').next().unwrap_or(n);
            if matches!(
                last,
                "commonpath"
                    | "commonprefix"
                    | "urlparse"
                    | "urlsplit"
                    | "realpath"
                    | "abspath"
                    | "resolve"
            ) {
                found = true;
            }
        }
    });
    found
}

/// The variable whose memory a pointer expression designates:
/// `buf`, `&x`, `(char *)(data + len)`, `s->field`.
pub(crate) fn pointer_root(e: &Expr) -> Option<&str> {
    match e {
        Expr::Name(n, _) => Some(n),
        Expr::Unary(UnOp::AddrOf | UnOp::Deref, inner, _) | Expr::Cast(_, inner, _) => {
            pointer_root(inner)
        }
        Expr::Binary(BinOp::Add | BinOp::Sub, l, _, _) => pointer_root(l),
        Expr::Attr(b, _, _) | Expr::Index(b, _, _) => pointer_root(b),
        // C++ views of a buffer: `buf.data()`, `s.c_str()`.
        Expr::Call(c) => match &c.callee {
            Expr::Attr(b, m, _) if matches!(m.as_str(), "data" | "c_str" | "begin" | "get") => {
                pointer_root(b)
            }
            _ => None,
        },
        _ => None,
    }
}

/// `p->a.b` as `p.a.b`, for tracking fields of a local struct or pointer.
pub(crate) fn field_path(e: &Expr) -> Option<String> {
    match e {
        Expr::Attr(base, f, _) => access_root_path(base).map(|b| format!("{b}.{f}")),
        _ => None,
    }
}

fn access_root_path(e: &Expr) -> Option<String> {
    match e {
        Expr::Name(n, _) => Some(n.clone()),
        Expr::Unary(UnOp::Deref, inner, _) => access_root_path(inner),
        Expr::Attr(..) => field_path(e),
        _ => None,
    }
}

fn target_name(t: &Target) -> Option<String> {
    match t {
        Target::Name(n, _) => Some(n.clone()),
        Target::Attr(_, f, _) => Some(f.clone()),
        Target::Index(_, Expr::Lit(Lit::Str(k), _), _) => Some(k.to_string()),
        Target::Index(base, _, _) => base.dotted(),
        _ => None,
    }
}

fn count_target(t: &Target, counts: &mut HashMap<String, usize>) {
    match t {
        Target::Name(n, _) => *counts.entry(n.clone()).or_default() += 1,
        Target::Tuple(parts, _) => parts.iter().for_each(|p| count_target(p, counts)),
        _ => {}
    }
}

/// After a loop's first pass, intervals that changed are widened to unknown
/// so the second pass sees every iteration (bounded by the loop condition).
fn widen(before: &State, after: &State) -> State {
    let mut out = after.clone();
    for (k, v) in out.vars.iter_mut() {
        if let Some(b) = before.vars.get(k)
            && b.range != v.range
        {
            v.range = None;
            if b.konst != v.konst {
                v.konst = None;
            }
        }
    }
    out
}

fn is_relative_path_method(m: &str) -> bool {
    matches!(m, "lexically_relative" | "relative" | "lexically_proximate")
}

/// Calls that construct an object whose methods rules may name by type:
/// `requests.Session()`, `sqlite3.connect()`, `conn.cursor()`.
fn makes_object(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    last.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        || matches!(
            last,
            "connect"
                | "cursor"
                | "create_connection"
                | "create_engine"
                | "urlopen"
                | "getLogger"
                | "socket"
                | "make_parser"
                | "ClientSession"
                | "PoolManager"
        )
}

/// After a branch on local data, a variable initialized on one side only is
/// read uninitialized whenever the other side runs.
fn mark_branch_uninit(t: &State, e: &State, joined: &mut State) {
    for (k, v) in joined.vars.iter_mut() {
        if v.init != Init::Maybe {
            continue;
        }
        let (a, b) = (t.vars.get(k).map(|x| x.init), e.vars.get(k).map(|x| x.init));
        if let (Some(Init::No(s)), Some(Init::Yes)) | (Some(Init::Yes), Some(Init::No(s))) = (a, b)
        {
            v.init = Init::OnSomePaths(s);
        }
    }
}

/// What an inlined callee did to memory the caller holds: blocks it freed
/// are freed, blocks it stored away escaped, and file-scope variables it
/// assigned keep their new values.
fn transfer_callee_effects(exit: &State, st: &mut State, globals: &HashSet<String>, at: Span) {
    let mut site_state: HashMap<Span, Mem> = HashMap::new();
    for v in exit.vars.values() {
        match v.mem {
            Mem::Freed { site, .. } | Mem::MaybeFreed { site, .. } => {
                let e = site_state.entry(site).or_insert(v.mem);
                if let (Mem::MaybeFreed { .. }, Mem::Freed { .. }) = (v.mem, *e) {
                    *e = v.mem;
                }
            }
            _ => {}
        }
    }
    for v in st.vars.values_mut() {
        if let Mem::Alloc { site, .. } = v.mem
            && let Some(m) = site_state.get(&site)
        {
            v.mem = match m {
                Mem::Freed { .. } => Mem::Freed { site, at },
                _ => Mem::MaybeFreed { site, at },
            };
        }
    }
    for g in globals {
        if let Some(v) = exit.vars.get(g.as_str()) {
            st.vars.insert(Rc::from(g.as_str()), v.clone());
        }
    }
}

pub(crate) fn escape(st: &mut State, site: Span) {
    for v in st.vars.values_mut() {
        if let Mem::Alloc { site: s, .. } = v.mem
            && s == site
        {
            v.mem = Mem::Unknown;
        }
    }
}

pub(crate) fn mark_freed(st: &mut State, site: Span, at: Span) {
    for v in st.vars.values_mut() {
        if let Mem::Alloc { site: s, .. } = v.mem
            && s == site
        {
            v.mem = Mem::Freed { site, at };
        }
    }
}

pub fn walk_stmts(stmts: &[Stmt], f: &mut dyn FnMut(&Stmt)) {
    for s in stmts {
        f(s);
        match s {
            Stmt::If { then, els, .. } => {
                walk_stmts(then, f);
                walk_stmts(els, f);
            }
            Stmt::Loop {
                init,
                update,
                body,
                els,
                ..
            } => {
                walk_stmts(init, f);
                walk_stmts(update, f);
                walk_stmts(body, f);
                walk_stmts(els, f);
            }
            Stmt::Switch { cases, .. } => {
                for (_, b) in cases {
                    walk_stmts(b, f);
                }
            }
            Stmt::Try {
                body,
                handlers,
                els,
                finally,
                ..
            } => {
                walk_stmts(body, f);
                for h in handlers {
                    walk_stmts(h, f);
                }
                walk_stmts(els, f);
                walk_stmts(finally, f);
            }
            _ => {}
        }
    }
}

pub fn walk_exprs_in(stmts: &[Stmt], f: &mut dyn FnMut(&Expr)) {
    walk_stmts(stmts, &mut |s| match s {
        Stmt::Expr(e) | Stmt::Return(Some(e), _) | Stmt::Raise(Some(e), _) => walk_expr(e, f),
        Stmt::Assign { target, value, .. } => {
            walk_expr(value, f);
            if let Target::Index(b, i, _) = target {
                walk_expr(b, f);
                walk_expr(i, f);
            }
        }
        Stmt::Decl { init: Some(e), .. } => walk_expr(e, f),
        Stmt::If { cond, .. } => walk_expr(cond, f),
        Stmt::Loop { cond, bind, .. } => {
            if let Some(c) = cond {
                walk_expr(c, f);
            }
            if let Some(b) = bind {
                walk_expr(&b.1, f);
            }
        }
        Stmt::Switch { scrutinee, .. } => walk_expr(scrutinee, f),
        _ => {}
    });
}

pub fn walk_expr(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match e {
        Expr::Attr(b, _, _) | Expr::Unary(_, b, _) | Expr::Cast(_, b, _) => walk_expr(b, f),
        Expr::Index(a, b, _) | Expr::Binary(_, a, b, _) => {
            walk_expr(a, f);
            walk_expr(b, f);
        }
        Expr::Format(p, _) | Expr::Collection(p, _) | Expr::Other(p, _) => {
            p.iter().for_each(|x| walk_expr(x, f))
        }
        Expr::Cond(a, b, c, _) => {
            walk_expr(a, f);
            walk_expr(b, f);
            walk_expr(c, f);
        }
        Expr::Call(c) => {
            walk_expr(&c.callee, f);
            c.args.iter().for_each(|x| walk_expr(x, f));
            c.kwargs.iter().for_each(|(_, x)| walk_expr(x, f));
        }
        Expr::New(_, n, args, _) => {
            if let Some(n) = n {
                walk_expr(n, f);
            }
            args.iter().for_each(|x| walk_expr(x, f));
        }
        Expr::Comp(binds, elem, _) => {
            for (_, it) in binds {
                walk_expr(it, f);
            }
            walk_expr(elem, f);
        }
        Expr::Lit(..) | Expr::Name(..) | Expr::SizeOf(..) => {}
    }
}
