//! Abstract values and states for the interpreter.

use crate::ir::{Lit, Span};
use std::collections::HashMap;
use std::rc::Rc;

/// Evidence that a value came from an untrusted source.
#[derive(Debug, Clone, PartialEq)]
pub struct Taint {
    /// Source categories (see `rules::category`).
    pub labels: u16,
    /// Sanitizers applied on every path (bit set from the sanitizer table).
    pub sanitized: u128,
    /// Where and what the first source was, for the trace.
    pub source: Rc<str>,
    pub span: Span,
}

pub type TaintRef = Option<Rc<Taint>>;

/// Union of two taints: labels add up, sanitizers must hold on both.
pub fn taint_union(a: &TaintRef, b: &TaintRef) -> TaintRef {
    match (a, b) {
        (None, None) => None,
        (Some(x), None) | (None, Some(x)) => Some(x.clone()),
        (Some(x), Some(y)) => {
            if Rc::ptr_eq(x, y)
                || (x.labels | y.labels == x.labels && x.sanitized & y.sanitized == x.sanitized)
            {
                return Some(x.clone());
            }
            Some(Rc::new(Taint {
                labels: x.labels | y.labels,
                sanitized: x.sanitized & y.sanitized,
                source: x.source.clone(),
                span: x.span,
            }))
        }
    }
}

/// Heap state of a pointer, for the C checkers.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Mem {
    #[default]
    Unknown,
    /// Points to memory allocated at `site`; `checked` once compared to NULL.
    Alloc {
        site: Span,
        checked: bool,
        heap: bool,
    },
    Freed {
        site: Span,
        at: Span,
    },
    MaybeFreed {
        site: Span,
        at: Span,
    },
    Null,
    /// Points to something that is certainly not NULL (`&x`, an array).
    NonNull,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Init {
    #[default]
    Yes,
    No(Span),
    Maybe,
    /// Uninitialized on a feasible path through a branch on local data.
    OnSomePaths(Span),
}

pub const CHECK_UPPER: u8 = 1;
pub const CHECK_LOWER: u8 = 2;
pub const CHECK_NONZERO: u8 = 4;

/// Integer type facts for overflow reasoning.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntType {
    pub bits: u8,
    pub signed: bool,
}

impl IntType {
    pub fn max(self) -> i64 {
        match (self.bits, self.signed) {
            (8, true) => i8::MAX as i64,
            (8, false) => u8::MAX as i64,
            (16, true) => i16::MAX as i64,
            (16, false) => u16::MAX as i64,
            (32, true) => i32::MAX as i64,
            (32, false) => u32::MAX as i64,
            _ => i64::MAX,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Val {
    pub taint: TaintRef,
    pub konst: Option<Lit>,
    pub mem: Mem,
    pub init: Init,
    /// Whether the memory the array or pointer designates was written.
    pub content: Init,
    /// Capacity in bytes of the buffer this array or pointer designates.
    pub cap: Option<i64>,
    /// Size in bytes of one element, from the declared type.
    pub elem: Option<i64>,
    /// Upper bound on the string length held in the buffer.
    pub strlen: Option<i64>,
    /// Integer interval when known.
    pub range: Option<(i64, i64)>,
    pub checks: u8,
    pub int_type: Option<IntType>,
    /// Declared as an array (its address is never NULL and never freed).
    pub is_array: bool,
    /// Declared as a pointer.
    pub is_pointer: bool,
    /// `var.method` when the value is the result of a method call on a
    /// variable, so checks on the result can vouch for the variable.
    pub derived_from: Option<Rc<str>>,
    /// The variable this pointer holds the address of (`p = &x`).
    pub points_to: Option<Rc<str>>,
    /// Declared as a floating-point number.
    pub is_float: bool,
    /// A C++ indexable sequence (`std::vector`, `std::array`).
    pub is_sequence: bool,
    /// A container whose items are all constants (an allowlist).
    pub const_items: bool,
    /// Known at compile time though not folded (`sizeof(struct T)`).
    pub compile_time: bool,
    /// The constant text a string starts with (`"https://api/" + x`).
    pub prefix: Option<Rc<str>>,
    /// The call that produced the value (`requests.Session`), so method
    /// calls on it can be named by type.
    pub origin: Option<Rc<str>>,
}

impl Val {
    pub fn konst(lit: Lit) -> Val {
        let range = match &lit {
            Lit::Int(i) => Some((*i, *i)),
            Lit::Bool(b) => Some((*b as i64, *b as i64)),
            _ => None,
        };
        let strlen = match &lit {
            Lit::Str(s) => Some(s.len() as i64),
            _ => None,
        };
        let mem = match &lit {
            Lit::Null => Mem::Null,
            Lit::Str(_) => Mem::NonNull,
            _ => Mem::Unknown,
        };
        let prefix = match &lit {
            Lit::Str(s) => Some(s.clone()),
            _ => None,
        };
        Val {
            konst: Some(lit),
            range,
            strlen,
            mem,
            prefix,
            ..Val::default()
        }
    }

    /// The constant text this string value starts with, if any.
    pub fn leading_text(&self) -> Option<&str> {
        match &self.konst {
            Some(Lit::Str(s)) => Some(s),
            _ => self.prefix.as_deref(),
        }
    }

    pub fn tainted(t: Taint) -> Val {
        Val {
            taint: Some(Rc::new(t)),
            ..Val::default()
        }
    }

    pub fn int(&self) -> Option<i64> {
        match self.konst {
            Some(Lit::Int(i)) => Some(i),
            Some(Lit::Bool(b)) => Some(b as i64),
            _ => match self.range {
                Some((lo, hi)) if lo == hi => Some(lo),
                _ => None,
            },
        }
    }

    /// Truth value when known.
    pub fn truth(&self) -> Option<bool> {
        match &self.konst {
            Some(Lit::Bool(b)) => Some(*b),
            Some(Lit::Int(i)) => Some(*i != 0),
            Some(Lit::Float(f)) => Some(*f != 0.0),
            Some(Lit::Null) => Some(false),
            Some(Lit::Str(s)) => Some(!s.is_empty()),
            None => match self.mem {
                Mem::NonNull if self.is_array => Some(true),
                _ => None,
            },
        }
    }

    /// Join of two values at a control-flow merge.
    pub fn join(&self, other: &Val) -> Val {
        if self == other {
            return self.clone();
        }
        let mem = match (self.mem, other.mem) {
            (a, b) if a == b => a,
            (
                Mem::Alloc {
                    site,
                    heap,
                    checked,
                },
                Mem::Alloc {
                    site: s2,
                    checked: c2,
                    ..
                },
            ) if site == s2 => Mem::Alloc {
                site,
                heap,
                checked: checked && c2,
            },
            (Mem::MaybeFreed { site, at }, _) | (_, Mem::MaybeFreed { site, at }) => {
                Mem::MaybeFreed { site, at }
            }
            (Mem::Freed { site, at }, _) | (_, Mem::Freed { site, at }) => {
                Mem::MaybeFreed { site, at }
            }
            (Mem::Alloc { site, heap, .. }, Mem::Null)
            | (Mem::Null, Mem::Alloc { site, heap, .. }) => Mem::Alloc {
                site,
                heap,
                checked: true,
            },
            _ => Mem::Unknown,
        };
        let init = match (self.init, other.init) {
            (Init::Yes, Init::Yes) => Init::Yes,
            (Init::No(s), Init::No(_)) => Init::No(s),
            (Init::OnSomePaths(s), _) | (_, Init::OnSomePaths(s)) => Init::OnSomePaths(s),
            _ => Init::Maybe,
        };
        let range = match (self.range, other.range) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            _ => None,
        };
        Val {
            taint: taint_union(&self.taint, &other.taint),
            konst: if self.konst == other.konst {
                self.konst.clone()
            } else {
                None
            },
            mem,
            init,
            // The smallest buffer any path may point to bounds what is safe.
            cap: match (self.cap, other.cap) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            content: match (self.content, other.content) {
                (Init::Yes, Init::Yes) => Init::Yes,
                (Init::No(s), Init::No(_)) => Init::No(s),
                _ => Init::Maybe,
            },
            elem: self.elem.or(other.elem),
            strlen: match (self.strlen, other.strlen) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            },
            range,
            // A path where the value is trusted imposes no check.
            checks: (if self.taint.is_some() {
                self.checks
            } else {
                u8::MAX
            }) & (if other.taint.is_some() {
                other.checks
            } else {
                u8::MAX
            }),
            int_type: self.int_type.or(other.int_type),
            is_array: self.is_array && other.is_array,
            const_items: self.const_items && other.const_items,
            is_pointer: self.is_pointer || other.is_pointer,
            derived_from: if self.derived_from == other.derived_from {
                self.derived_from.clone()
            } else {
                None
            },
            points_to: if self.points_to == other.points_to {
                self.points_to.clone()
            } else {
                None
            },
            is_float: self.is_float || other.is_float,
            is_sequence: self.is_sequence || other.is_sequence,
            compile_time: self.compile_time && other.compile_time,
            prefix: match (&self.prefix, &other.prefix) {
                (Some(a), Some(b)) => {
                    let n = a
                        .char_indices()
                        .zip(b.chars())
                        .take_while(|((_, x), y)| x == y)
                        .count();
                    let common: String = crate::budget::prefix_of(a).chars().take(n).collect();
                    if common.is_empty() {
                        None
                    } else {
                        Some(Rc::from(common.as_str()))
                    }
                }
                _ => None,
            },
            origin: if self.origin == other.origin {
                self.origin.clone()
            } else {
                None
            },
        }
    }
}

/// Variables at one program point. A dead state is unreachable.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub vars: HashMap<Rc<str>, Val>,
    pub dead: bool,
}

impl State {
    pub fn dead() -> State {
        State {
            vars: HashMap::new(),
            dead: true,
        }
    }

    pub fn join(&self, other: &State) -> State {
        if self.dead {
            return other.clone();
        }
        if other.dead {
            return self.clone();
        }
        let mut vars = HashMap::with_capacity(self.vars.len().max(other.vars.len()));
        for (k, v) in &self.vars {
            match other.vars.get(k) {
                Some(o) => {
                    vars.insert(k.clone(), v.join(o));
                }
                None => {
                    vars.insert(k.clone(), one_sided(v));
                }
            }
        }
        for (k, v) in &other.vars {
            if !self.vars.contains_key(k) {
                vars.insert(k.clone(), one_sided(v));
            }
        }
        State { vars, dead: false }
    }

    pub fn join_all(states: impl IntoIterator<Item = State>) -> State {
        let mut acc = State::dead();
        for s in states {
            acc = acc.join(&s);
        }
        acc
    }
}

/// A variable bound on one path only is unknown on the other: facts that
/// must hold on every path are dropped, taint is kept.
fn one_sided(v: &Val) -> Val {
    let mut v = v.clone();
    if let Init::No(_) = v.init {
        v.init = Init::Maybe;
    }
    if let Init::No(_) = v.content {
        v.content = Init::Maybe;
    }
    v.konst = None;
    v.range = None;
    v.checks = 0;
    v.mem = match v.mem {
        Mem::Freed { site, at } => Mem::MaybeFreed { site, at },
        Mem::Alloc { site, heap, .. } => Mem::Alloc {
            site,
            heap,
            checked: true,
        },
        Mem::Null => Mem::Unknown,
        m => m,
    };
    v
}
