//! C and C++ semantics: allocation, copies, formatting, and the checks
//! that need them (overflow, use-after-free, leaks, NULL, division).

use super::value::*;
use super::{Analysis, CallCtx, Frame, escape, mark_freed};
use crate::ir::*;
use crate::rules::CheckerKind;
use secguard_core::Language;
use std::rc::Rc;

/// Limits from `<limits.h>` and friends: standard values on LP64 systems.
pub(crate) fn well_known_constant(name: &str) -> Option<i64> {
    Some(match name {
        "INT_MAX" => i32::MAX as i64,
        "INT_MIN" => i32::MIN as i64,
        "UINT_MAX" => u32::MAX as i64,
        "SHRT_MAX" => i16::MAX as i64,
        "SHRT_MIN" => i16::MIN as i64,
        "USHRT_MAX" => u16::MAX as i64,
        "CHAR_MAX" | "SCHAR_MAX" => i8::MAX as i64,
        "CHAR_MIN" | "SCHAR_MIN" => i8::MIN as i64,
        "UCHAR_MAX" => u8::MAX as i64,
        "LONG_MAX" | "LLONG_MAX" | "INT64_MAX" | "SSIZE_MAX" => i64::MAX,
        "LONG_MIN" | "LLONG_MIN" | "INT64_MIN" => i64::MIN,
        "INT32_MAX" => i32::MAX as i64,
        "INT16_MAX" => i16::MAX as i64,
        "INT8_MAX" => i8::MAX as i64,
        "UINT8_MAX" => u8::MAX as i64,
        "UINT16_MAX" => u16::MAX as i64,
        "UINT32_MAX" => u32::MAX as i64,
        "EXIT_SUCCESS" => 0,
        "EXIT_FAILURE" => 1,
        _ => return None,
    })
}

fn strip_qualifiers(base: &str) -> String {
    let mut words: Vec<&str> = base
        .split_whitespace()
        .filter(|w| {
            !matches!(
                *w,
                "const"
                    | "volatile"
                    | "static"
                    | "extern"
                    | "register"
                    | "struct"
                    | "restrict"
                    | "inline"
                    | "signed"
                    | "auto"
            )
        })
        .collect();
    if words.is_empty() {
        words.push("int");
    }
    words.join(" ")
}

/// Size in bytes of a C type on LP64 Linux, for the common scalar types.
pub(crate) fn type_size(base: &str) -> Option<i64> {
    let t = strip_qualifiers(base);
    Some(match t.as_str() {
        "char" | "unsigned char" | "bool" | "_Bool" | "int8_t" | "uint8_t" | "BYTE" | "byte"
        | "std::byte" => 1,
        "short" | "unsigned short" | "short int" | "unsigned short int" | "int16_t"
        | "uint16_t" | "char16_t" => 2,
        "int" | "unsigned" | "unsigned int" | "int32_t" | "uint32_t" | "float" | "wchar_t"
        | "char32_t" | "DWORD" => 4,
        "long" | "unsigned long" | "long int" | "unsigned long int" | "long long"
        | "unsigned long long" | "long long int" | "int64_t" | "uint64_t" | "double" | "size_t"
        | "ssize_t" | "ptrdiff_t" | "intptr_t" | "uintptr_t" | "off_t" => 8,
        "long double" => 16,
        _ => return None,
    })
}

pub(crate) fn int_type(base: &str) -> Option<IntType> {
    let t = strip_qualifiers(base);
    let unsigned = t.starts_with("unsigned") || t.starts_with("uint") || t == "size_t";
    let bits = match t.as_str() {
        "char" | "unsigned char" | "int8_t" | "uint8_t" => 8,
        "short" | "unsigned short" | "short int" | "int16_t" | "uint16_t" => 16,
        "int" | "unsigned" | "unsigned int" | "int32_t" | "uint32_t" => 32,
        "long" | "unsigned long" | "long int" | "long long" | "unsigned long long"
        | "long long int" | "int64_t" | "uint64_t" | "size_t" | "ssize_t" => 64,
        _ => return None,
    };
    Some(IntType {
        bits,
        signed: !unsigned,
    })
}

pub(crate) fn is_free_fn(name: &str) -> bool {
    matches!(
        name,
        "free" | "delete" | "delete[]" | "cfree" | "g_free" | "kfree" | "OPENSSL_free"
    )
}

fn alloc_kind(lower: &str) -> Option<bool> {
    // Some(true) = heap, Some(false) = stack.
    match lower {
        "malloc" | "calloc" | "realloc" | "valloc" | "aligned_alloc" | "strdup" | "strndup"
        | "wcsdup" | "_strdup" | "g_malloc" | "xmalloc" | "reallocarray" => Some(true),
        "alloca" | "_alloca" | "__builtin_alloca" => Some(false),
        _ => None,
    }
}

/// Library calls that use a pointer argument without keeping it, so
/// passing an allocation to them is not an escape.
fn non_capturing(base: &str) -> bool {
    let prefixes = [
        "str", "mem", "wcs", "wmem", "print", "wprint", "fprint", "sprint", "snprint", "vprint",
        "vfprint", "vsprint", "vsnprint", "puts", "fputs", "fgets", "fwrite", "fread", "scanf",
        "sscanf", "fscanf", "ato", "recv", "send", "read", "write", "is", "to",
    ];
    prefixes.iter().any(|p| base.starts_with(p))
}

/// Calls that only read the memory they are given.
fn reads_only(base: &str) -> bool {
    matches!(
        base,
        "puts" | "fputs" | "strlen" | "wcslen" | "strcmp" | "strncmp" | "strchr" | "strstr"
    ) || base.starts_with("print")
}

/// Functions whose argument at the index is a format string.
fn format_arg(base: &str) -> Option<usize> {
    Some(match base {
        "printf" | "vprintf" | "wprintf" | "vwprintf" | "warn" | "warnx" | "vwarn" | "printw"
        | "g_print" => 0,
        "fprintf" | "vfprintf" | "fwprintf" | "vfwprintf" | "dprintf" | "vdprintf" | "sprintf"
        | "vsprintf" | "syslog" | "vsyslog" | "err" | "errx" | "asprintf" | "vasprintf" => 1,
        "snprintf" | "vsnprintf" | "swprintf" | "vswprintf" => 2,
        _ => return None,
    })
}

fn wide(base: &str) -> i64 {
    if base.starts_with("wcs") || base.starts_with("wmem") || base.contains("ws") {
        4
    } else {
        1
    }
}

/// Upper bound on what a conversion writes, for `sprintf` sizing.
fn printf_max_len(fmt: &str, args: &[Val]) -> Option<(i64, bool)> {
    let mut total = 0i64;
    let mut arg_i = 0usize;
    let mut tainted_unbounded = false;
    let bytes = fmt.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            total = total.saturating_add(1);
            i += 1;
            continue;
        }
        i += 1;
        if i < bytes.len() && bytes[i] == b'%' {
            total = total.saturating_add(1);
            i += 1;
            continue;
        }
        let mut precision: Option<i64> = None;
        while i < bytes.len() && b"-+ #0".contains(&bytes[i]) {
            i += 1;
        }
        let mut width = 0i64;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            width = width
                .saturating_mul(10)
                .saturating_add((bytes[i] - b'0') as i64);
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            let mut p = 0i64;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                p = p
                    .saturating_mul(10)
                    .saturating_add((bytes[i] - b'0') as i64);
                i += 1;
            }
            precision = Some(p);
        }
        let mut long = 0;
        while i < bytes.len() && b"hlLqjzt".contains(&bytes[i]) {
            if bytes[i] == b'l' {
                long += 1;
            }
            i += 1;
        }
        let conv = bytes.get(i).copied().unwrap_or(b's');
        i += 1;
        let arg = args.get(arg_i);
        arg_i += 1;
        let len = match conv {
            b's' => match (precision, arg) {
                (Some(p), _) => Some(p),
                (None, Some(a)) => a.strlen.or(a.cap.map(|c| c.saturating_sub(1))),
                (None, None) => None,
            },
            b'd' | b'i' => Some(if long > 0 { 20 } else { 11 }),
            b'u' => Some(if long > 0 { 20 } else { 10 }),
            b'x' | b'X' | b'o' => Some(if long > 0 { 22 } else { 11 }),
            b'c' => Some(1),
            b'p' => Some(18),
            _ => Some(24),
        };
        match len {
            Some(l) => total = total.saturating_add(l.max(width)),
            None => {
                if arg.is_some_and(|a| a.taint.is_some()) {
                    tainted_unbounded = true;
                }
                return Some((i64::MAX, tainted_unbounded));
            }
        }
    }
    Some((total, tainted_unbounded))
}

impl<'a> Analysis<'a> {
    /// Built-in semantics of C library calls. Returns the call's value when
    /// the call is modelled, `None` to fall back to generic handling.
    pub(super) fn c_call(
        &mut self,
        fr: &mut Frame<'a>,
        ctx: &CallCtx<'_, 'a>,
        st: &mut State,
    ) -> Option<Val> {
        let base = ctx.name.rsplit('.').next().unwrap_or(ctx.name);
        let lower = base.to_ascii_lowercase();
        let span = ctx.call.span;
        let args = ctx.args;

        if is_free_fn(base) {
            if let (Some(p), Some(pe)) = (args.first(), ctx.call.args.first()) {
                match p.mem {
                    Mem::Freed { .. } => self.checker_hit(
                        CheckerKind::DoubleFree,
                        span,
                        &describe(pe, "pointer"),
                        None,
                    ),
                    Mem::MaybeFreed { .. } => self.checker_hit_weaker(
                        CheckerKind::DoubleFree,
                        span,
                        &describe(pe, "pointer"),
                    ),
                    Mem::Alloc { site, .. } => mark_freed(st, site, span),
                    Mem::Null => {}
                    _ => {
                        let key = pe
                            .as_var()
                            .map(str::to_string)
                            .or_else(|| super::field_path(pe));
                        if let Some(k) = key {
                            let mut nv = st
                                .vars
                                .get(k.as_str())
                                .cloned()
                                .unwrap_or_else(|| self.lookup(&k, st));
                            nv.mem = Mem::Freed {
                                site: span,
                                at: span,
                            };
                            st.vars.insert(Rc::from(k.as_str()), nv);
                        }
                    }
                }
            }
            return Some(Val::default());
        }

        // Use of a freed or NULL pointer as an argument.
        for (i, (v, e)) in args.iter().zip(ctx.call.args.iter()).enumerate() {
            match v.mem {
                Mem::Freed { .. } => self.checker_hit(
                    CheckerKind::UseAfterFree,
                    e.span(),
                    &describe(e, "pointer"),
                    None,
                ),
                Mem::MaybeFreed { .. } => self.checker_hit_weaker(
                    CheckerKind::UseAfterFree,
                    e.span(),
                    &describe(e, "pointer"),
                ),
                Mem::Null if derefs_arg(base, i) => self.checker_hit(
                    CheckerKind::NullDereference,
                    e.span(),
                    &describe(e, "pointer"),
                    None,
                ),
                Mem::Alloc {
                    checked: false,
                    heap: true,
                    site,
                } if derefs_arg(base, i) && self.unchecked_reported.insert(site) => self
                    .checker_hit_weaker(
                        CheckerKind::NullDereference,
                        e.span(),
                        &describe(e, "allocation"),
                    ),
                _ => {}
            }
        }

        if let Some(heap) = alloc_kind(&lower) {
            let size = match lower.as_str() {
                "calloc" => match (
                    args.first().and_then(|a| a.int()),
                    args.get(1).and_then(|a| a.int()),
                ) {
                    (Some(a), Some(b)) => Some(a.saturating_mul(b)),
                    _ => None,
                },
                "realloc" | "aligned_alloc" | "reallocarray" => args.get(1).and_then(|a| a.int()),
                "strdup" | "_strdup" | "wcsdup" => args
                    .first()
                    .and_then(|a| a.strlen)
                    .map(|l| l.saturating_add(1)),
                "strndup" => args
                    .get(1)
                    .and_then(|a| a.int())
                    .map(|l| l.saturating_add(1)),
                _ => args.first().and_then(|a| a.int()),
            };
            let size_idx = if matches!(lower.as_str(), "realloc" | "aligned_alloc") {
                1
            } else {
                0
            };
            if let (Some(sv), Some(se)) = (args.get(size_idx), ctx.call.args.get(size_idx))
                && let Some(t) = &sv.taint
                && sv.checks & CHECK_UPPER == 0
                && has_arith(se)
            {
                let t = (**t).clone();
                self.checker_hit(
                    CheckerKind::AllocSizeOverflow,
                    span,
                    &format!("size passed to {base}()"),
                    Some(&t),
                );
            }
            if lower == "calloc" || lower == "reallocarray" {
                for (v, e) in args.iter().zip(ctx.call.args.iter()).take(2) {
                    if let Some(t) = &v.taint
                        && v.checks & CHECK_UPPER == 0
                        && lower == "reallocarray"
                    {
                        let t = (**t).clone();
                        self.checker_hit(
                            CheckerKind::AllocSizeOverflow,
                            e.span(),
                            "element count",
                            Some(&t),
                        );
                    }
                }
            }
            let mut site = span;
            if lower == "realloc"
                && let Some(Mem::Alloc { site: old, .. }) = args.first().map(|a| a.mem)
            {
                // The block moves; it stays one allocation for ownership.
                site = old;
                let target = fr.assign_target.as_deref();
                if target.is_some() && target == ctx.call.args.first().and_then(|a| a.as_var()) {
                    self.checker_hit(
                        CheckerKind::MemoryLeak,
                        span,
                        "if realloc() fails it returns NULL and the original block is lost",
                        None,
                    );
                }
            }
            if heap {
                fr.local_allocs.insert(site);
            }
            let mut v = Val {
                mem: Mem::Alloc {
                    site,
                    checked: false,
                    heap,
                },
                cap: size,
                content: if matches!(lower.as_str(), "calloc" | "realloc") || lower.contains("dup")
                {
                    Init::Yes
                } else {
                    Init::No(span)
                },
                ..Val::default()
            };
            if lower.contains("dup") {
                v.taint = args.first().and_then(|a| a.taint.clone());
                v.strlen = args.first().and_then(|a| a.strlen);
            }
            return Some(v);
        }

        // Memory handed to a call may be filled by it.
        for e in ctx.call.args.iter() {
            if let Some(r) = super::pointer_root(e)
                && let Some(var) = st.vars.get_mut(r)
                && var.content != Init::Yes
                && !reads_only(base)
            {
                var.content = Init::Yes;
            }
        }
        // Escape: pointers handed to code that may keep them.
        if !non_capturing(base) && self.resolve_local(ctx.name).is_none() {
            for v in args {
                if let Mem::Alloc { site, .. } = v.mem {
                    escape(st, site);
                }
            }
        }

        if let Some(fi) = format_arg(base) {
            self.check_format(ctx, fi);
        }

        let w = wide(base);
        match base {
            "strlen" | "wcslen" | "strnlen" | "strcspn" | "strspn" | "wcscspn" | "wcsspn" => {
                let a = args.first().cloned().unwrap_or_default();
                if let Some(Lit::Str(s)) = &a.konst {
                    return Some(Val::konst(Lit::Int(s.chars().count() as i64)));
                }
                let hi = a.strlen.or(a
                    .cap
                    .map(|c| (c / a.elem.unwrap_or(1).max(1)).saturating_sub(1)));
                // A length measured from a buffer is bounded by that buffer,
                // so it is not attacker-chosen the way the contents are.
                return Some(Val {
                    range: hi.map(|h| (0, h)),
                    checks: CHECK_LOWER | CHECK_UPPER,
                    ..Val::default()
                });
            }
            "realpath" | "_fullpath" => {
                // The resolved path carries the input's taint.
                let (src, dst) = if base == "realpath" { (0, 1) } else { (1, 0) };
                if ctx.call.args.len() > src.max(dst) {
                    self.copy_into(ctx, dst, &[src], st, None);
                    if let Some(root) = ctx.call.args.get(dst).and_then(|e| super::pointer_root(e))
                        && let Some(v) = st.vars.get_mut(root)
                    {
                        v.origin = Some(Rc::from(base));
                    }
                }
                return Some(Val {
                    taint: args.get(src).and_then(|a| a.taint.clone()),
                    mem: Mem::Unknown,
                    origin: Some(Rc::from(base)),
                    ..Val::default()
                });
            }
            "gets" | "_getws" | "getws" => {
                self.checker_hit(
                    CheckerKind::UnboundedCopy,
                    span,
                    &format!("{base}() cannot limit its input"),
                    None,
                );
                return None;
            }
            "strcpy" | "wcscpy" | "_mbscpy" | "lstrcpy" | "stpcpy" | "strcat" | "wcscat"
            | "lstrcat" => {
                let (Some(d), Some(s)) = (args.first(), args.get(1)) else {
                    return None;
                };
                let is_cat = base.contains("cat");
                let src_len = s.strlen.or(s.cap.map(|c| (c / w).saturating_sub(1)));
                let need = match (is_cat, src_len, d.strlen) {
                    (false, Some(l), _) => Some(l.saturating_add(1).saturating_mul(w)),
                    (true, Some(l), Some(dl)) => {
                        Some(l.saturating_add(dl).saturating_add(1).saturating_mul(w))
                    }
                    (true, Some(l), None)
                        if d.cap.is_some() && s.cap.is_some() && s.strlen.is_none() =>
                    {
                        Some(l.saturating_add(1).saturating_mul(w))
                    }
                    _ => None,
                };
                match (need, d.cap) {
                    (Some(n), Some(c)) if n > c => self.checker_hit(
                        CheckerKind::BufferOverflow,
                        span,
                        &format!("{base}() writes up to {n} bytes into a {c}-byte buffer"),
                        None,
                    ),
                    (None, _) => {
                        if let Some(t) = &s.taint {
                            let t = (**t).clone();
                            self.checker_hit(
                                CheckerKind::UnboundedCopy,
                                span,
                                &format!("{base}() copies untrusted data of unchecked length"),
                                Some(&t),
                            );
                        } else if d.cap.is_some() && s.konst.is_none() {
                            // A fixed-size destination and a source of unknown
                            // length: nothing bounds the copy. Weaker evidence.
                            self.checker_hit_weaker(
                                CheckerKind::UnboundedCopy,
                                span,
                                &format!("{base}() copies a string of unchecked length into a fixed-size buffer"),
                            );
                        }
                    }
                    _ => {}
                }
                self.copy_into(ctx, 0, &[1], st, if is_cat { None } else { s.strlen });
                return Some(d.clone());
            }
            "strncpy" | "wcsncpy" | "strncat" | "wcsncat" | "memcpy" | "memmove" | "wmemcpy"
            | "wmemmove" | "memset" | "wmemset" | "bcopy" | "CopyMemory" | "RtlCopyMemory"
            | "memccpy" => {
                let n_idx = if base == "memccpy" { 3 } else { 2 };
                let (Some(d), Some(n)) = (args.first(), args.get(n_idx)) else {
                    return None;
                };
                let elem_w = if base.starts_with('w') { 4 } else { 1 };
                let bytes = n.int().map(|k| k.saturating_mul(elem_w));
                let is_set = base.contains("set");
                let is_cat = base.contains("cat");
                let need = if is_cat {
                    match (bytes, d.strlen) {
                        (Some(b), Some(dl)) => {
                            Some(b.saturating_add(dl.saturating_mul(w)).saturating_add(w))
                        }
                        (Some(b), None) => Some(b),
                        _ => None,
                    }
                } else {
                    bytes
                };
                if let (Some(b), Some(c)) = (need, d.cap)
                    && b > c
                {
                    self.checker_hit(
                        CheckerKind::BufferOverflow,
                        span,
                        &format!("{base}() writes {b} bytes into a {c}-byte buffer"),
                        None,
                    );
                } else if !is_set
                    && !is_cat
                    && let (Some(b), Some(s)) = (bytes, args.get(1))
                    && let Some(c) = s.cap
                    && b > c
                    && base.starts_with("mem")
                {
                    self.checker_hit(
                        CheckerKind::BufferOverread,
                        span,
                        &format!("{base}() reads {b} bytes from a {c}-byte buffer"),
                        None,
                    );
                }
                if let Some(t) = &n.taint
                    && n.checks & CHECK_UPPER == 0
                    && bytes.is_none()
                {
                    let t = (**t).clone();
                    self.checker_hit(
                        CheckerKind::BufferOverflow,
                        span,
                        &format!("length passed to {base}()"),
                        Some(&t),
                    );
                }
                if is_set {
                    if let (Some(b), Some(dv)) = (
                        bytes,
                        ctx.call.args.first().and_then(|e| super::pointer_root(e)),
                    ) && args.get(1).and_then(|c| c.int()) != Some(0)
                        && let Some(var) = st.vars.get_mut(dv)
                    {
                        var.strlen = Some(b / w);
                        var.init = Init::Yes;
                    }
                } else {
                    let len = if base.contains("str") || base.contains("wcs") {
                        match (bytes, args.get(1).and_then(|s| s.strlen)) {
                            (Some(b), Some(sl)) => Some((b / w).min(sl)),
                            (Some(b), None) => Some(b / w),
                            (None, sl) => sl,
                        }
                    } else {
                        None
                    };
                    self.copy_into(ctx, 0, &[1], st, if is_cat { None } else { len });
                }
                return Some(d.clone());
            }
            "sprintf" | "vsprintf" | "swprintf" | "snprintf" | "vsnprintf" | "vswprintf" => {
                let bounded = base.starts_with("sn")
                    || base.starts_with("vsn")
                    || base == "swprintf"
                    || base == "vswprintf";
                let d = args.first()?;
                if bounded {
                    if let (Some(n), Some(c)) = (args.get(1).and_then(|a| a.int()), d.cap)
                        && n.saturating_mul(w) > c
                    {
                        self.checker_hit(
                            CheckerKind::BufferOverflow,
                            span,
                            &format!(
                                "{base}() is told the buffer holds {n} elements but it holds {}",
                                c / w
                            ),
                            None,
                        );
                    }
                } else if let Some(Lit::Str(fmt)) = args.get(1).and_then(|a| a.konst.clone())
                    && let Some((need, tainted)) =
                        printf_max_len(&fmt, args.get(2..).unwrap_or(&[]))
                {
                    if need != i64::MAX
                        && let Some(c) = d.cap
                        && need.saturating_add(1).saturating_mul(w) > c
                    {
                        self.checker_hit(
                            CheckerKind::BufferOverflow,
                            span,
                            &format!(
                                "{base}() may write {} bytes into a {c}-byte buffer",
                                need.saturating_add(1)
                            ),
                            None,
                        );
                    } else if need == i64::MAX && tainted {
                        let t = args.iter().skip(2).find_map(|a| a.taint.clone());
                        if let Some(t) = t {
                            let t = (*t).clone();
                            self.checker_hit(
                                CheckerKind::UnboundedCopy,
                                span,
                                &format!("{base}() formats untrusted data of unchecked length"),
                                Some(&t),
                            );
                        }
                    }
                }
                let srcs: Vec<usize> = (1..args.len()).collect();
                self.copy_into(ctx, 0, &srcs, st, None);
                return Some(Val::default());
            }
            "fgets" | "fgetws" | "read" | "recv" | "recvfrom" | "fread" => {
                let (buf_i, n_i) = match base {
                    "fgets" | "fgetws" => (0, 1),
                    "fread" => (0, 2),
                    _ => (1, 2),
                };
                if let (Some(b), Some(n)) = (args.get(buf_i), args.get(n_i).and_then(|a| a.int())) {
                    let mut bytes = n.saturating_mul(if base == "fgetws" { 4 } else { 1 });
                    if base == "fread"
                        && let Some(sz) = args.get(1).and_then(|a| a.int())
                    {
                        bytes = bytes.saturating_mul(sz);
                    }
                    if let Some(c) = b.cap
                        && bytes > c
                    {
                        self.checker_hit(
                            CheckerKind::BufferOverflow,
                            span,
                            &format!("{base}() may store {bytes} bytes into a {c}-byte buffer"),
                            None,
                        );
                    }
                }
                return None;
            }
            "scanf" | "fscanf" | "sscanf" | "wscanf" | "fwscanf" | "swscanf" | "vscanf"
            | "vfscanf" | "vsscanf" => {
                let fi = match base {
                    "scanf" | "wscanf" | "vscanf" => 0,
                    _ => 1,
                };
                if let Some(Lit::Str(fmt)) = args.get(fi).and_then(|a| a.konst.clone())
                    && has_unbounded_scan(&fmt)
                {
                    self.checker_hit(
                        CheckerKind::UnboundedCopy,
                        span,
                        &format!("{base}() reads a string with no field width"),
                        None,
                    );
                }
                return None;
            }
            _ => {}
        }
        None
    }

    pub(super) fn checker_hit_weaker(&mut self, kind: CheckerKind, span: Span, subject: &str) {
        let before = self.hits.len();
        self.checker_hit(kind, span, subject, None);
        for h in self.hits.iter_mut().skip(before) {
            h.weaker = true;
        }
    }

    fn check_format(&mut self, ctx: &CallCtx<'_, 'a>, fi: usize) {
        let Some(f) = ctx.args.get(fi) else { return };
        if matches!(f.konst, Some(Lit::Str(_))) {
            return;
        }
        if let Some(t) = &f.taint {
            let t = (**t).clone();
            self.checker_hit(
                CheckerKind::FormatString,
                ctx.call.span,
                &format!("format string of {}()", ctx.name),
                Some(&t),
            );
        }
    }

    /// `dst` receives data from `srcs`: taint flows, string length is set.
    fn copy_into(
        &mut self,
        ctx: &CallCtx<'_, 'a>,
        dst: usize,
        srcs: &[usize],
        st: &mut State,
        strlen: Option<i64>,
    ) {
        let Some(root) = ctx.call.args.get(dst).and_then(|e| super::pointer_root(e)) else {
            return;
        };
        let mut taint = None;
        for &s in srcs {
            if let Some(v) = ctx.args.get(s) {
                taint = taint_union(&taint, &v.taint);
            }
        }
        let mut v = self.lookup(root, st);
        v.taint = taint_union(&v.taint, &taint);
        v.konst = None;
        v.init = Init::Yes;
        v.content = Init::Yes;
        v.strlen = strlen;
        st.vars.insert(Rc::from(root), v);
    }

    pub(super) fn check_deref(&mut self, v: &Val, span: Span) {
        match v.mem {
            Mem::Freed { .. } => {
                self.checker_hit(CheckerKind::UseAfterFree, span, "freed pointer", None)
            }
            Mem::MaybeFreed { .. } => {
                self.checker_hit_weaker(CheckerKind::UseAfterFree, span, "possibly freed pointer")
            }
            Mem::Null => self.checker_hit(CheckerKind::NullDereference, span, "NULL pointer", None),
            Mem::Alloc {
                checked: false,
                heap: true,
                site,
            } if self.unchecked_reported.insert(site) => self.checker_hit_weaker(
                CheckerKind::NullDereference,
                span,
                "allocation result used without a NULL check",
            ),
            _ => {}
        }
    }

    pub(super) fn check_index(
        &mut self,
        _fr: &mut Frame<'a>,
        base: &Val,
        idx: &Val,
        span: Span,
        write: bool,
    ) {
        self.check_deref(base, span);
        // Only memory is indexed out of bounds; map keys may be anything.
        // In C only pointers and arrays can be indexed; C++ may overload [].
        let indexable = self.lang == Language::C
            || base.is_pointer
            || base.is_array
            || base.is_sequence
            || base.cap.is_some();
        if let Some(t) = &idx.taint
            && indexable
            && idx.checks & CHECK_UPPER == 0
            && idx.konst.is_none()
        {
            let t = (**t).clone();
            let what = if write {
                "array index used for a write"
            } else {
                "array index used for a read"
            };
            self.checker_hit(CheckerKind::TaintedIndex, span, what, Some(&t));
            return;
        }
        if let (Some((_, hi)), Some(cap)) = (idx.range, base.cap) {
            let elem = base.elem.unwrap_or(1).max(1);
            let kind = if write {
                CheckerKind::BufferOverflow
            } else {
                CheckerKind::BufferOverread
            };
            if hi != i64::MAX && hi.saturating_add(1).saturating_mul(elem) > cap {
                self.checker_hit(
                    kind,
                    span,
                    &format!("index up to {hi} on a buffer of {} elements", cap / elem),
                    None,
                );
            } else if hi < 0 {
                self.checker_hit(kind, span, &format!("negative index {hi}"), None);
            }
        }
    }

    pub(super) fn c_index_store(&mut self, base: &Expr, idx: &Val, v: &Val, st: &mut State) {
        let Some(root) = base.as_var() else { return };
        if let (Some(k), Some(0)) = (idx.int(), v.int())
            && let Some(var) = st.vars.get_mut(root)
        {
            var.strlen = Some(var.strlen.map_or(k, |s| s.min(k)));
        }
    }

    pub(super) fn arith_checks(&mut self, op: BinOp, l: &Val, r: &Val, span: Span) {
        match op {
            // C++ overloads `/` (paths) and `%`; only numbers divide by zero.
            BinOp::Div | BinOp::Mod
                if self.lang == Language::C || r.int_type.is_some() || r.is_float =>
            {
                let zero = matches!(r.konst, Some(Lit::Int(0)))
                    || matches!(r.konst, Some(Lit::Float(f)) if f == 0.0);
                if zero {
                    self.checker_hit(CheckerKind::DivideByZero, span, "division by zero", None);
                } else if let Some(t) = &r.taint
                    && r.checks & CHECK_NONZERO == 0
                    && r.konst.is_none()
                {
                    let t = (**t).clone();
                    self.checker_hit(
                        CheckerKind::DivideByZero,
                        span,
                        "divisor not checked for zero",
                        Some(&t),
                    );
                }
            }
            // `<<` on a stream is output, and only the shifted value overflows.
            BinOp::Shl if l.int_type.is_none() => {}
            BinOp::Add | BinOp::Mul | BinOp::Shl => {
                let it = l.int_type.or(r.int_type);
                let Some(it) = it else { return };
                // Constant overflow: the folded value does not fit the type.
                if let (Some(a), Some(b)) = (l.int(), r.int()) {
                    let res = match op {
                        BinOp::Add => a.checked_add(b),
                        BinOp::Mul => a.checked_mul(b),
                        _ => u32::try_from(b).ok().and_then(|s| a.checked_shl(s)),
                    };
                    if res.is_none_or(|v| v > it.max()) {
                        self.checker_hit(
                            CheckerKind::IntegerOverflow,
                            span,
                            "arithmetic result exceeds the type's maximum",
                            None,
                        );
                    }
                    return;
                }
                for (v, other) in [(l, r), (r, l)] {
                    // Only integers overflow; pointer arithmetic is bounds.
                    // Adding untrusted values together (sums, offsets) is
                    // everywhere and rarely a weakness; the weakness is growing
                    // an untrusted value by a constant step or a product.
                    let grows = match op {
                        BinOp::Add => other.int().is_some_and(|k| k > 0),
                        _ => other.int().is_none_or(|k| k > 1),
                    };
                    if let Some(t) = &v.taint
                        && v.int_type.is_some()
                        && v.checks & CHECK_UPPER == 0
                        && v.konst.is_none()
                        && grows
                    {
                        let t = (**t).clone();
                        self.checker_hit(
                            CheckerKind::IntegerOverflow,
                            span,
                            "arithmetic on untrusted integer without a range check",
                            Some(&t),
                        );
                        return;
                    }
                }
            }
            _ => {}
        }
    }

    /// At a return or the end of a function: allocations made here and
    /// still owned only by locals leak.
    pub(super) fn exit_checks(
        &mut self,
        fr: &Frame<'a>,
        st: &State,
        ret: Option<&Expr>,
        span: Span,
    ) {
        if !self.lang.is_c_family() || !self.index.checkers.contains_key(&CheckerKind::MemoryLeak) {
            return;
        }
        let mut returned_sites = Vec::new();
        if let Some(e) = ret {
            let mut roots = Vec::new();
            super::walk_expr(e, &mut |x| {
                if let Expr::Name(n, _) = x {
                    roots.push(n.clone());
                }
            });
            for r in roots {
                if let Some(Mem::Alloc { site, .. }) = st.vars.get(r.as_str()).map(|v| v.mem) {
                    returned_sites.push(site);
                }
            }
        }
        let mut reported = Vec::new();
        let mut names: Vec<(&Rc<str>, &Val)> = st.vars.iter().collect();
        names.sort_by(|a, b| a.0.cmp(b.0));
        for (name, v) in names {
            if let Mem::Alloc {
                site, heap: true, ..
            } = v.mem
                && fr.local_allocs.contains(&site)
                && !returned_sites.contains(&site)
                && !reported.contains(&site)
            {
                reported.push(site);
                self.checker_hit(
                    CheckerKind::MemoryLeak,
                    span,
                    &format!("memory held by '{name}' is never freed on this path"),
                    None,
                );
            }
        }
    }
}

fn has_arith(e: &Expr) -> bool {
    match e {
        Expr::Binary(BinOp::Mul | BinOp::Add | BinOp::Shl, _, _, _) => true,
        Expr::Cast(_, inner, _) => has_arith(inner),
        _ => false,
    }
}

fn has_unbounded_scan(fmt: &str) -> bool {
    let b = fmt.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            i += 1;
            if i < b.len() && b[i] == b'%' {
                i += 1;
                continue;
            }
            if i < b.len() && b[i] == b'*' {
                i += 1;
            }
            let mut width = false;
            while i < b.len() && b[i].is_ascii_digit() {
                width = true;
                i += 1;
            }
            while i < b.len() && b"hlLqjzt".contains(&b[i]) {
                i += 1;
            }
            if i < b.len() && (b[i] == b's' || b[i] == b'[') && !width {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// Library calls that dereference the pointer at an argument position.
fn derefs_arg(base: &str, i: usize) -> bool {
    // strtol's end pointer and strtok's string may be NULL.
    if base.starts_with("strto") || base.starts_with("wcsto") {
        return i == 0 && base != "strtok" && base != "wcstok";
    }
    let str_like = base.starts_with("str") || base.starts_with("mem") || base.starts_with("wcs");
    (str_like && i <= 1)
        || (matches!(
            base,
            "printf" | "puts" | "fputs" | "atoi" | "atol" | "strtol"
        ) && i == 0)
}

fn describe(e: &Expr, default: &str) -> String {
    match e.root_var() {
        Some(v) => format!("'{v}'"),
        None => default.to_string(),
    }
}
