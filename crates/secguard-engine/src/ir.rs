//! A small, language-neutral IR that Python, C and C++ functions lower to.
//! The analysis runs over this IR only, so every rule works the same way in
//! every language, and the per-language code is limited to lowering.

/// A source span: byte range plus 0-based (row, column-in-bytes) endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    pub start_byte: usize,
    pub end_byte: usize,
    pub start_row: usize,
    pub start_col: usize,
    pub end_row: usize,
    pub end_col: usize,
}

impl Span {
    pub fn of(node: &tree_sitter::Node) -> Span {
        let s = node.start_position();
        let e = node.end_position();
        Span {
            start_byte: node.start_byte(),
            end_byte: node.end_byte(),
            start_row: s.row,
            start_col: s.column,
            end_row: e.row,
            end_col: e.column,
        }
    }
}

/// A literal value known at analysis time.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    /// Shared: abstract values copy it at every branch of the analysis.
    Str(std::rc::Rc<str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Python `None`, C `NULL`/`nullptr`.
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Shl,
    Shr,
    BitAnd,
    BitOr,
    BitXor,
    And,
    Or,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Is,
    IsNot,
    Other,
}

impl BinOp {
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
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
        )
    }

    /// The comparison that holds when this one is false.
    pub fn negated(self) -> BinOp {
        match self {
            BinOp::Eq => BinOp::Ne,
            BinOp::Ne => BinOp::Eq,
            BinOp::Lt => BinOp::Ge,
            BinOp::Le => BinOp::Gt,
            BinOp::Gt => BinOp::Le,
            BinOp::Ge => BinOp::Lt,
            BinOp::In => BinOp::NotIn,
            BinOp::NotIn => BinOp::In,
            BinOp::Is => BinOp::IsNot,
            BinOp::IsNot => BinOp::Is,
            other => other,
        }
    }

    /// The same comparison with operands swapped (`a < b` is `b > a`).
    pub fn flipped(self) -> BinOp {
        match self {
            BinOp::Lt => BinOp::Gt,
            BinOp::Le => BinOp::Ge,
            BinOp::Gt => BinOp::Lt,
            BinOp::Ge => BinOp::Le,
            other => other,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Not,
    Neg,
    BitNot,
    /// C `*p`.
    Deref,
    /// C `&x`.
    AddrOf,
    /// `x++`, `--x`, ...
    Incr,
    Decr,
    Other,
}

/// A C type reduced to what the memory checks need.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CType {
    /// The base type's text, e.g. `char`, `wchar_t`, `struct node`.
    pub base: String,
    pub pointer_depth: u8,
    /// Element count of an array declarator, when constant.
    pub array_len: Option<Box<Expr>>,
    pub is_array: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub callee: Expr,
    /// The dotted name of the callee after import resolution
    /// (`subprocess.run`, `cursor.execute`, `strcpy`), when it has one.
    pub name: Option<String>,
    pub args: Vec<Expr>,
    pub kwargs: Vec<(String, Expr)>,
    pub span: Span,
}

impl Call {
    pub fn kwarg(&self, name: &str) -> Option<&Expr> {
        self.kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Lit, Span),
    Name(String, Span),
    Attr(Box<Expr>, String, Span),
    Call(Box<Call>),
    Index(Box<Expr>, Box<Expr>, Span),
    Binary(BinOp, Box<Expr>, Box<Expr>, Span),
    Unary(UnOp, Box<Expr>, Span),
    /// An interpolated string or other string building whose parts all flow
    /// into the result (f-strings).
    Format(Vec<Expr>, Span),
    /// List, tuple, set, dict or initializer-list literal.
    Collection(Vec<Expr>, Span),
    /// `a if c else b` / `c ? a : b`.
    Cond(Box<Expr>, Box<Expr>, Box<Expr>, Span),
    /// C `sizeof(T)` / `sizeof x`, with the type text when known.
    SizeOf(String, Span),
    /// A C cast; the type is kept for pointer-size reasoning.
    Cast(CType, Box<Expr>, Span),
    /// C++ `new T[n]` / `new T(...)`: an allocation.
    New(CType, Option<Box<Expr>>, Vec<Expr>, Span),
    /// A comprehension: each `(target, iterable)` binds items, then the
    /// element expression is evaluated.
    Comp(Vec<(Target, Expr)>, Box<Expr>, Span),
    /// Anything else: its value depends on all the given sub-expressions.
    Other(Vec<Expr>, Span),
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Lit(_, s)
            | Expr::Name(_, s)
            | Expr::Attr(_, _, s)
            | Expr::Index(_, _, s)
            | Expr::Binary(_, _, _, s)
            | Expr::Unary(_, _, s)
            | Expr::Format(_, s)
            | Expr::Collection(_, s)
            | Expr::Cond(_, _, _, s)
            | Expr::SizeOf(_, s)
            | Expr::Cast(_, _, s)
            | Expr::New(_, _, _, s)
            | Expr::Comp(_, _, s)
            | Expr::Other(_, s) => *s,
            Expr::Call(c) => c.span,
        }
    }

    /// The variable this expression names, looking through parentheses-free
    /// casts, so `(char *)p` still refers to `p`.
    pub fn as_var(&self) -> Option<&str> {
        match self {
            Expr::Name(n, _) => Some(n),
            Expr::Cast(_, inner, _) => inner.as_var(),
            _ => None,
        }
    }

    /// The dotted path of a name or attribute chain, e.g. `request.args`.
    pub fn dotted(&self) -> Option<String> {
        match self {
            Expr::Name(n, _) => Some(n.clone()),
            Expr::Attr(base, attr, _) => base.dotted().map(|b| format!("{b}.{attr}")),
            Expr::Cast(_, inner, _) => inner.dotted(),
            _ => None,
        }
    }

    /// The root variable of an access path: `a` for `a.b[c]->d`.
    pub fn root_var(&self) -> Option<&str> {
        match self {
            Expr::Name(n, _) => Some(n),
            Expr::Attr(b, _, _) | Expr::Index(b, _, _) | Expr::Cast(_, b, _) => b.root_var(),
            Expr::Unary(UnOp::Deref, b, _) => b.root_var(),
            _ => None,
        }
    }
}

/// Where an assignment stores its value.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Name(String, Span),
    /// `obj.attr = v` / `p->field = v`.
    Attr(Expr, String, Span),
    /// `a[i] = v`.
    Index(Expr, Expr, Span),
    /// `*p = v`.
    Deref(Expr, Span),
    /// `a, b = v`: each element receives the value (over-approximation).
    Tuple(Vec<Target>, Span),
    Other(Expr, Span),
}

impl Target {
    pub fn span(&self) -> Span {
        match self {
            Target::Name(_, s)
            | Target::Attr(_, _, s)
            | Target::Index(_, _, s)
            | Target::Deref(_, s)
            | Target::Tuple(_, s)
            | Target::Other(_, s) => *s,
        }
    }
}

// Statements are built once per file and walked many times; keeping loops
// inline avoids an indirection on the interpreter's hot path.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    /// `target = value` or, with `op`, `target op= value`.
    Assign {
        target: Target,
        value: Expr,
        op: Option<BinOp>,
        span: Span,
    },
    /// A C/C++ local or global declaration, with or without initializer.
    Decl {
        name: String,
        ty: CType,
        init: Option<Expr>,
        span: Span,
    },
    Expr(Expr),
    If {
        cond: Expr,
        then: Vec<Stmt>,
        els: Vec<Stmt>,
        span: Span,
    },
    /// Any loop. `bind` is the loop variable of a `for x in y` loop, which
    /// receives elements of `iter`. `cond` is tested before each iteration.
    Loop {
        init: Vec<Stmt>,
        cond: Option<Expr>,
        /// Boxed: inline it made every statement 680 bytes.
        bind: Option<Box<(Target, Expr)>>,
        update: Vec<Stmt>,
        body: Vec<Stmt>,
        els: Vec<Stmt>,
        /// True for `do { } while`, whose body runs at least once.
        runs_once: bool,
        span: Span,
    },
    Switch {
        scrutinee: Expr,
        /// `(case value, body)`; `None` is `default`. Bodies fall through.
        cases: Vec<(Option<Expr>, Vec<Stmt>)>,
        span: Span,
    },
    Try {
        body: Vec<Stmt>,
        handlers: Vec<Vec<Stmt>>,
        els: Vec<Stmt>,
        finally: Vec<Stmt>,
        span: Span,
    },
    Return(Option<Expr>, Span),
    /// `raise`, `throw`, or a call known never to return (`exit`, `abort`).
    Raise(Option<Expr>, Span),
    Break(Span),
    Continue(Span),
    /// A nested function or class method, by index into `Module::functions`.
    FuncDef(usize, Span),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub ty: CType,
    pub default: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    pub name: String,
    /// The class the function is defined in, for method resolution.
    pub class: Option<String>,
    pub params: Vec<Param>,
    pub decorators: Vec<Expr>,
    pub body: Vec<Stmt>,
    pub span: Span,
    /// The synthetic function holding module-level statements.
    pub is_module: bool,
}

impl Function {
    /// The synthetic function holding a file's top-level statements.
    pub fn module_body(span: Span) -> Function {
        Function {
            name: "<module>".into(),
            class: None,
            params: Vec::new(),
            decorators: Vec::new(),
            body: Vec::new(),
            span,
            is_module: true,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Module {
    /// `functions[0]` is always the module body.
    pub functions: Vec<Function>,
    /// File-level constants: C `#define NAME literal` and never-reassigned
    /// initialized globals; Python module constants are handled by the module
    /// body's own analysis.
    pub constants: Vec<(String, Expr)>,
    /// C `#define NAME literal`, for rules on hard-coded values.
    pub defines: Vec<(String, Expr)>,
    /// C++ data members: (class, member, type), so methods know their types.
    pub members: Vec<(String, String, CType)>,
}
