//! Inputs built to make the engine do as much work as possible: each one
//! attacks one bound (lowering size, expression depth, value size, state
//! size, steps, time). Shared by the `peak_memory` and `budgets` tests and
//! the `pathological` example that records time and memory in
//! docs/benchmarks.md.

#![allow(dead_code)]

use secguard_core::Language;

/// One pathological input.
pub struct Input {
    pub name: &'static str,
    pub language: Language,
    pub source: String,
}

/// The scan's default size limit: inputs are grown up to it.
pub const SIZE_LIMIT: usize = 1024 * 1024;

/// `int main(void){ int x=1; return ----...--x; }` with `levels` nested
/// prefix decrements (24 levels made the lowering produce 2^24 statements).
pub fn prefix_decrements(levels: usize) -> String {
    format!(
        "int main(void){{ int x=1; return {}x; }}\n",
        "--".repeat(levels)
    )
}

/// `depth` nested `while (n--) {` loops around a `return`.
pub fn nested_loops_with_return(depth: usize) -> String {
    format!(
        "int f(int n, int a) {{\n{}    if (a) return 1;\n{}    return 0;\n}}\n",
        "while (n--) {\n".repeat(depth),
        "}\n".repeat(depth)
    )
}

/// Repeat `unit` until the text reaches `size` bytes.
fn fill(head: &str, unit: &str, tail: &str, size: usize) -> String {
    let n = size.saturating_sub(head.len() + tail.len()) / unit.len().max(1);
    let mut s = String::with_capacity(size);
    s.push_str(head);
    for _ in 0..n {
        s.push_str(unit);
    }
    s.push_str(tail);
    s
}

pub fn all() -> Vec<Input> {
    let mut v = vec![
        Input {
            name: "c-prefix-decrement-24",
            language: Language::C,
            source: prefix_decrements(24),
        },
        Input {
            name: "c-prefix-decrement-1mib",
            language: Language::C,
            source: fill(
                "int main(void){ int x=1;\n",
                &format!("x = {}x;\n", "--".repeat(200)),
                "return x; }\n",
                SIZE_LIMIT,
            ),
        },
        Input {
            name: "c-side-effects-in-index-1mib",
            language: Language::C,
            source: fill(
                "int a[10]; int main(void){ int i=0;\n",
                &format!("a[{}i{}] = 1;\n", "a[++".repeat(40), "]".repeat(40)),
                "return 0; }\n",
                SIZE_LIMIT,
            ),
        },
        Input {
            // Nothing adversarial: a megabyte of plain statements, the most
            // IR a file within the size limit can lower to.
            name: "c-flat-statements-1mib",
            language: Language::C,
            source: fill(
                "int f(int x) {\n",
                "x = x * 3 + f(x, 1);\n",
                "return x; }\n",
                SIZE_LIMIT,
            ),
        },
        Input {
            name: "py-flat-statements-1mib",
            language: Language::Python,
            source: fill(
                "def f(x):\n",
                "    x = x * 3 + g(x, 1)\n",
                "    return x\n",
                SIZE_LIMIT,
            ),
        },
        Input {
            name: "c-deep-parens-1mib",
            language: Language::C,
            source: {
                let n = SIZE_LIMIT / 2 - 40;
                format!(
                    "int f(void) {{ return {}1{}; }}\n",
                    "(".repeat(n),
                    ")".repeat(n)
                )
            },
        },
        Input {
            name: "c-long-sum-1mib",
            language: Language::C,
            source: fill("int f(int a) { return a", " + a", "; }\n", SIZE_LIMIT),
        },
        Input {
            name: "c-wide-state-nested-ifs",
            language: Language::C,
            source: {
                let mut s = String::from("int f(int a) {\n");
                let mut i = 0;
                while s.len() < SIZE_LIMIT - 4000 {
                    s.push_str(&format!("int v{i} = {i};\n"));
                    i += 1;
                }
                s.push_str(&"if (a) { a = a - 1;\n".repeat(150));
                s.push_str(&"}\n".repeat(150));
                s.push_str("return a; }\n");
                s
            },
        },
        Input {
            name: "c-nested-loops",
            language: Language::C,
            source: {
                let mut s = String::from("int f(int a) { int x = 0;\n");
                s.push_str(&"while (a > x) { x = x + 1;\n".repeat(150));
                s.push_str(&"}\n".repeat(150));
                s.push_str("return x; }\n");
                s
            },
        },
        Input {
            // From the fuzz campaign: a return inside 27 nested loops ran
            // 2^27 times and every run kept its state.
            name: "c-return-in-nested-loops",
            language: Language::C,
            source: nested_loops_with_return(40),
        },
        Input {
            name: "c-inline-fanout",
            language: Language::C,
            source: {
                let mut s = String::from("#include <stdlib.h>\n");
                s.push_str("void f0(char *p) { system(p); }\n");
                for i in 1..12 {
                    s.push_str(&format!("void f{i}(char *p) {{\n"));
                    s.push_str(&format!("f{}(p);\n", i - 1).repeat(40));
                    s.push_str("}\n");
                }
                s.push_str("int main(int argc, char **argv) { f11(argv[1]); return 0; }\n");
                s
            },
        },
        Input {
            name: "c-switch-many-cases",
            language: Language::C,
            source: {
                let mut s = String::from("int f(int a) { int r = 0;\n");
                for i in 0..2000 {
                    s.push_str(&format!("int w{i} = {i};\n"));
                }
                s.push_str("switch (a) {\n");
                let mut i = 0;
                while s.len() < SIZE_LIMIT - 100 {
                    s.push_str(&format!("case {i}: r = {i};\n"));
                    i += 1;
                }
                s.push_str("} return r; }\n");
                s
            },
        },
        Input {
            name: "py-string-doubling",
            language: Language::Python,
            source: {
                let mut s = String::from("s = 'a' * 4000\n");
                s.push_str(&"s = s + s\n".repeat(64));
                s.push_str("print(s)\n");
                s
            },
        },
        Input {
            name: "py-format-blowup",
            language: Language::Python,
            source: {
                let mut s = String::from("s = 'a' * 4000\n");
                s.push_str(&"s = '{}{}{}{}{}{}{}{}'.format(s, s, s, s, s, s, s, s)\n".repeat(12));
                s.push_str(&"s = s.replace('a', s)\n".repeat(6));
                s.push_str(&"s = f'{s}{s}{s}{s}'\n".repeat(12));
                s.push_str("print(s)\n");
                s
            },
        },
        Input {
            name: "py-deep-parens-1mib",
            language: Language::Python,
            source: {
                let n = SIZE_LIMIT / 2 - 10;
                format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n))
            },
        },
        Input {
            name: "py-nested-blocks",
            language: Language::Python,
            source: {
                let mut s = String::from("import os\ndef f(a):\n");
                for d in 1..200 {
                    s.push_str(&" ".repeat(d));
                    s.push_str("if a:\n");
                }
                s.push_str(&" ".repeat(200));
                s.push_str("os.system(a)\n");
                s
            },
        },
        Input {
            name: "py-wide-state-branches",
            language: Language::Python,
            source: {
                let mut s = String::from("import os\ndef f(a):\n");
                let mut i = 0;
                while s.len() < SIZE_LIMIT / 2 {
                    s.push_str(&format!("    v{i} = a\n"));
                    i += 1;
                }
                while s.len() < SIZE_LIMIT - 100 {
                    s.push_str(&format!("    if a == {i}:\n        v{i} = 'x'\n"));
                    i += 1;
                }
                s.push_str("    os.system(a)\n");
                s
            },
        },
        Input {
            name: "py-token-soup-1mib",
            language: Language::Python,
            source: fill("", "def f(x):\n    (x[", "\n", SIZE_LIMIT),
        },
    ];
    v.sort_by_key(|i| i.name);
    v
}
