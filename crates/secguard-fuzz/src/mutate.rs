//! The input generator: picks a seed and stacks a few mutations on it.
//! Byte mutations (flip, insert, delete, duplicate, splice, non-UTF-8, NUL)
//! find decoding and bounds bugs; structure mutations (repeated lines,
//! nested blocks, deep prefix operators, long identifiers, unbalanced and
//! deeply nested brackets, huge literals, dictionary tokens) reach the
//! recursion, budget and size limits that random bytes almost never do.

use crate::corpus::Corpus;
use crate::rng::Rng;
use crate::targets::Target;

/// The largest input generated: the scanner's default file size limit.
pub const MAX_INPUT: usize = 1024 * 1024;

/// The input `index` of a campaign with `seed` for `target`. Deterministic.
pub fn generate(corpus: &Corpus, target: Target, seed: u64, index: u64) -> Vec<u8> {
    let mut rng = Rng::for_input(seed, target.tag(), index);
    let seeds = corpus.seeds(target);
    let mut data = match rng.pick(seeds) {
        Some(s) => s.clone(),
        None => Vec::new(),
    };
    // Mostly one or two mutations, sometimes a pile of them.
    let rounds = 1 + rng.below(2) + if rng.one_in(4) { rng.below(8) } else { 0 };
    for _ in 0..rounds {
        mutate_once(&mut rng, target, seeds, &mut data);
        if data.len() > MAX_INPUT {
            data.truncate(MAX_INPUT);
        }
    }
    data
}

fn mutate_once(rng: &mut Rng, target: Target, seeds: &[Vec<u8>], data: &mut Vec<u8>) {
    // JSON readers: half the time, mutate the document's tree rather than
    // its bytes, so the input still parses and reaches the reader's logic.
    if matches!(target, Target::Sarif | Target::Bandit | Target::Semgrep)
        && rng.one_in(2)
        && let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(data)
    {
        mutate_json(rng, &mut value, 0);
        if let Ok(bytes) = serde_json::to_vec(&value) {
            *data = bytes;
            return;
        }
    }
    match rng.below(22) {
        0 => flip_bit(rng, data),
        1 => set_byte(rng, data),
        2 => insert_random(rng, data),
        3 | 4 => delete_range(rng, data),
        5 => duplicate_range(rng, data),
        6 => splice(rng, seeds, data),
        7 => {
            let odd = pick_bytes(rng, ODD_BYTES);
            insert_bytes(rng, data, odd);
        }
        8 => {
            let n = rng.log_size(data.len().max(1));
            data.truncate(n);
        }
        9 => repeat_line(rng, data),
        10 | 11 => nest_block(rng, target, data),
        12 => prefix_ops(rng, target, data),
        13 => long_identifier(rng, data),
        14 => unbalanced(rng, data),
        15 => deep_brackets(rng, target, data),
        16 => huge_literal(rng, data),
        17 | 18 => dictionary_token(rng, target, data),
        19 => token_soup(rng, target, data),
        20 => long_chain(rng, target, data),
        _ => {
            let tpl = pick_str(rng, templates(target)).to_string();
            let fill = filler(rng, target);
            let text = tpl.replace("@", &fill);
            insert_bytes(rng, data, text.as_bytes());
        }
    }
}

/// Change one node of a JSON tree: walk down a random path, then replace,
/// duplicate, delete or retype what is there.
fn mutate_json(rng: &mut Rng, v: &mut serde_json::Value, depth: usize) {
    use serde_json::Value;
    let descend = depth < 64 && rng.below(4) != 0;
    match v {
        Value::Object(map) if descend && !map.is_empty() => {
            let key = map.keys().nth(rng.below(map.len())).cloned();
            if let Some(child) = key.and_then(|k| map.get_mut(&k)) {
                return mutate_json(rng, child, depth + 1);
            }
        }
        Value::Array(items) if descend && !items.is_empty() => {
            let i = rng.below(items.len());
            return mutate_json(rng, &mut items[i], depth + 1);
        }
        _ => {}
    }
    match rng.below(8) {
        0 => *v = json_scalar(rng),
        1 => {
            // Copies bounded so the document stays near the input cap.
            let n = rng.log_size(2000).min(MAX_INPUT / json_len(v)).max(1);
            *v = Value::Array(vec![v.take(); n]);
        }
        2 => {
            // Wrap in layers of arrays or objects.
            for _ in 0..rng.log_size(200) {
                *v = if rng.one_in(2) {
                    Value::Array(vec![v.take()])
                } else {
                    let mut m = serde_json::Map::new();
                    m.insert("a".into(), v.take());
                    Value::Object(m)
                };
            }
        }
        3 => match v {
            Value::Object(map) if !map.is_empty() => {
                let key = map.keys().nth(rng.below(map.len())).cloned();
                if let Some(k) = key {
                    map.remove(&k);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                items.remove(rng.below(items.len()));
            }
            _ => *v = Value::Null,
        },
        4 => match v {
            Value::Array(items) if !items.is_empty() => {
                let dup = items[rng.below(items.len())].clone();
                let n = rng.log_size(500).min(MAX_INPUT / json_len(&dup)).max(1);
                items.extend(std::iter::repeat_n(dup, n));
            }
            Value::Object(map) => {
                let key = pick_str(rng, JSON_KEYS).to_string();
                map.insert(key, json_scalar(rng));
            }
            _ => *v = json_scalar(rng),
        },
        5 => *v = Value::Object(serde_json::Map::new()),
        6 => *v = Value::Array(Vec::new()),
        _ => {
            if let Value::String(s) = v {
                let odd = pick_str(
                    rng,
                    &[
                        "\0", "\\", "%", "%00", "../", "\n", "\r\n", "\u{202e}", "{0}", "file://",
                        "C:\\", "\u{fffd}",
                    ],
                );
                let p = rng.below(s.len() + 1);
                if s.is_char_boundary(p) {
                    s.insert_str(p, &odd.repeat(rng.log_size(64)));
                }
            } else {
                *v = json_scalar(rng);
            }
        }
    }
}

fn json_len(v: &serde_json::Value) -> usize {
    serde_json::to_vec(v).map_or(1, |b| b.len().max(1))
}

/// Keys of the report formats the JSON readers look for.
const JSON_KEYS: &[&str] = &[
    "runs",
    "results",
    "tool",
    "driver",
    "name",
    "rules",
    "ruleId",
    "ruleIndex",
    "level",
    "message",
    "text",
    "arguments",
    "locations",
    "physicalLocation",
    "artifactLocation",
    "uri",
    "uriBaseId",
    "region",
    "startLine",
    "startColumn",
    "endLine",
    "endColumn",
    "snippet",
    "suppressions",
    "codeFlows",
    "threadFlows",
    "properties",
    "tags",
    "test_id",
    "filename",
    "line_number",
    "line_range",
    "col_offset",
    "end_col_offset",
    "issue_cwe",
    "id",
    "issue_severity",
    "issue_confidence",
    "code",
    "check_id",
    "path",
    "start",
    "end",
    "line",
    "col",
    "offset",
    "extra",
    "metadata",
    "cwe",
    "severity",
    "errors",
    "spans",
    "reason",
    "originalUriBaseIds",
    "artifacts",
    "invocations",
    "partialFingerprints",
];

fn json_scalar(rng: &mut Rng) -> serde_json::Value {
    use serde_json::Value;
    match rng.below(12) {
        0 => Value::Null,
        1 => Value::Bool(rng.one_in(2)),
        2 => Value::from(u64::MAX),
        3 => Value::from(i64::MIN),
        4 => Value::from(0),
        5 => Value::from(-1),
        6 => Value::from(u64::from(u32::MAX) + 1),
        7 => serde_json::Number::from_f64(1e308).map_or(Value::Null, Value::Number),
        8 => Value::String("a".repeat(rng.log_size(100_000))),
        9 => Value::String(String::new()),
        10 => Value::String(
            pick_str(
                rng,
                &[
                    "CWE-78",
                    "CWE-",
                    "CWE-99999999999",
                    "error",
                    "HIGH",
                    "file:///a%20b/%2e%2e/c.py",
                    "/",
                    "\0",
                ],
            )
            .into(),
        ),
        _ => Value::from(rng.next_u64() as i64 >> rng.below(64)),
    }
}

fn pick_str<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    rng.pick(items).copied().unwrap_or("")
}

fn pick_bytes<'a>(rng: &mut Rng, items: &[&'a [u8]]) -> &'a [u8] {
    rng.pick(items).copied().unwrap_or(b"")
}

fn pos(rng: &mut Rng, data: &[u8]) -> usize {
    rng.below(data.len() + 1)
}

/// A position at the start of a line (or the end), for insertions that
/// must not land in the middle of a token to do their job.
fn line_start(rng: &mut Rng, data: &[u8]) -> usize {
    let p = pos(rng, data);
    data[..p]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1)
}

fn insert_bytes(rng: &mut Rng, data: &mut Vec<u8>, bytes: &[u8]) {
    let p = pos(rng, data);
    data.splice(p..p, bytes.iter().copied());
}

/// `[start, end)` of a random range, length log-distributed.
fn range(rng: &mut Rng, data: &[u8]) -> (usize, usize) {
    if data.is_empty() {
        return (0, 0);
    }
    let start = rng.below(data.len());
    let len = rng.log_size(data.len() - start);
    (start, start + len)
}

fn flip_bit(rng: &mut Rng, data: &mut [u8]) {
    if !data.is_empty() {
        let i = rng.below(data.len());
        data[i] ^= 1 << rng.below(8);
    }
}

const INTERESTING: &[u8] = b"\0\x7f\x80\xff\n\r\t \"'\\`{}[]()<>:;,#=-*&%$@!?";

fn set_byte(rng: &mut Rng, data: &mut [u8]) {
    if !data.is_empty() {
        let i = rng.below(data.len());
        data[i] = if rng.one_in(2) {
            INTERESTING[rng.below(INTERESTING.len())]
        } else {
            rng.next_u64() as u8
        };
    }
}

fn insert_random(rng: &mut Rng, data: &mut Vec<u8>) {
    let n = rng.log_size(16);
    let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
    insert_bytes(rng, data, &bytes);
}

fn delete_range(rng: &mut Rng, data: &mut Vec<u8>) {
    let (a, b) = range(rng, data);
    data.drain(a..b);
}

fn duplicate_range(rng: &mut Rng, data: &mut Vec<u8>) {
    let (a, b) = range(rng, data);
    let chunk = data[a..b].to_vec();
    if chunk.is_empty() {
        return;
    }
    let times = rng.log_size((MAX_INPUT / chunk.len()).clamp(1, 256));
    let p = pos(rng, data);
    let rep: Vec<u8> = chunk
        .iter()
        .copied()
        .cycle()
        .take(chunk.len() * times)
        .collect();
    data.splice(p..p, rep);
}

fn splice(rng: &mut Rng, seeds: &[Vec<u8>], data: &mut Vec<u8>) {
    let Some(other) = rng.pick(seeds) else { return };
    let (a, b) = range(rng, other);
    let chunk = other[a..b].to_vec();
    if rng.one_in(2) {
        // Crossover: our head, their tail.
        let cut = pos(rng, data);
        data.truncate(cut);
        data.extend_from_slice(&other[a..]);
    } else {
        let (c, d) = range(rng, data);
        data.splice(c..d, chunk);
    }
}

/// Invalid UTF-8, NULs, a BOM, odd line ends and control characters.
const ODD_BYTES: &[&[u8]] = &[
    b"\0",
    b"\0\0\0\0",
    b"\xff",
    b"\xfe\xff",
    b"\xc3",
    b"\xe2\x82",
    b"\xed\xa0\x80",
    b"\xc0\x80",
    b"\xf4\x90\x80\x80",
    b"\xef\xbb\xbf",
    b"\r",
    b"\r\n",
    b"\x0b\x0c",
    b"\x1b[31m",
    b"\xe2\x80\xae",
    b"\xe2\x80\xa8",
    b"\\",
    b"\\u0000",
    b"\\ud800",
];

fn repeat_line(rng: &mut Rng, data: &mut Vec<u8>) {
    let start = line_start(rng, data);
    let end = data[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(data.len(), |i| start + i + 1);
    let mut line = data[start..end].to_vec();
    if line.last() != Some(&b'\n') {
        line.push(b'\n');
    }
    let times = rng.log_size((MAX_INPUT / line.len()).clamp(1, 20_000));
    let rep: Vec<u8> = line
        .iter()
        .copied()
        .cycle()
        .take(line.len() * times)
        .collect();
    data.splice(end..end, rep);
}

/// Wrap a range of lines in `depth` levels of the target's block syntax.
fn nest_block(rng: &mut Rng, target: Target, data: &mut Vec<u8>) {
    let depth = {
        let max = if rng.one_in(8) { 20_000 } else { 300 };
        rng.log_size(max)
    };
    let a = line_start(rng, data);
    let b = {
        let p = a + rng.below(data.len() - a + 1);
        data[p..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(data.len(), |i| p + i + 1)
    };
    let body = String::from_utf8_lossy(&data[a..b]).into_owned();
    let (open, close, indent): (&str, &str, &str) = match target {
        Target::Python => (
            pick_str(
                rng,
                &[
                    "if x:\n",
                    "for i in x:\n",
                    "while y:\n",
                    "try:\n",
                    "with open(p) as f:\n",
                    "def f(a):\n",
                    "class C:\n",
                ],
            ),
            "",
            "    ",
        ),
        Target::C | Target::Cpp => (
            pick_str(
                rng,
                &[
                    "if (x) {\n",
                    "while (n--) {\n",
                    "for (i = 0; i < n; i++) {\n",
                    "{\n",
                    "switch (c) { case 1:\n",
                    "do {\n",
                ],
            ),
            pick_str(rng, &["}\n", "} while (0);\n"]),
            "  ",
        ),
        Target::Rules => (
            pick_str(rng, &["a:\n", "- \n", "? k\n:\n", "- &x\n"]),
            "",
            "  ",
        ),
        Target::Cppcheck => (
            pick_str(rng, &["<error id=\"e\">\n", "<a>", "<![CDATA["]),
            "</a>\n",
            "",
        ),
        _ => (
            pick_str(rng, &["{\"a\": ", "[", "{\"results\": [", "{\"runs\": ["]),
            "]}",
            "",
        ),
    };
    let mut out = String::with_capacity(body.len() + depth * (open.len() + close.len()));
    let python_like = matches!(target, Target::Python | Target::Rules);
    if python_like && depth * depth * indent.len() / 2 > MAX_INPUT {
        // Indentation grows quadratically; keep the result near the cap.
        return nest_flat(rng, data, open, a, depth);
    }
    for level in 0..depth {
        if python_like {
            out.push_str(&indent.repeat(level));
        }
        out.push_str(open);
    }
    if python_like {
        let pad = indent.repeat(depth);
        for line in body.lines() {
            out.push_str(&pad);
            out.push_str(line);
            out.push('\n');
        }
        if body.trim().is_empty() {
            out.push_str(&pad);
            out.push_str("pass\n");
        }
    } else {
        out.push_str(&body);
        for _ in 0..depth {
            out.push_str(close);
        }
    }
    data.splice(a..b, out.into_bytes());
}

/// Deep nesting without indentation (one opener per line), when indented
/// nesting would not fit.
fn nest_flat(rng: &mut Rng, data: &mut Vec<u8>, open: &str, at: usize, depth: usize) {
    let mut out = Vec::new();
    for _ in 0..depth {
        out.extend_from_slice(open.as_bytes());
        if rng.one_in(64) {
            out.push(b' ');
        }
    }
    data.splice(at..at, out);
}

/// `----x`, `!!!!x`, `not not x`, `****p`, `&&&x`: one operand under a deep
/// stack of prefix operators.
fn prefix_ops(rng: &mut Rng, target: Target, data: &mut Vec<u8>) {
    let ops: &[&str] = match target {
        Target::Python => &["-", "+", "~", "not ", "await ", "*", "lambda: ", "yield "],
        Target::C | Target::Cpp => &[
            "--", "++", "-", "!", "~", "*", "&", "(int)", "sizeof ", "- -",
        ],
        _ => &["-", "!", "*", "&", "~"],
    };
    let op = pick_str(rng, ops);
    let depth = {
        let max = if rng.one_in(4) { 4096 } else { 64 };
        rng.log_size(max)
    };
    let expr = format!(
        "{}{}",
        op.repeat(depth),
        pick_str(rng, &["x", "1", "p", "y[0]", "f(x)"])
    );
    if matches!(target, Target::C | Target::Cpp) && rng.one_in(3) {
        // The shape of a known blow-up: the expression alone in main.
        let text =
            format!("int main(void){{ int x=1; int *p=&x; int y[1]={{0}}; return {expr}; }}\n");
        let at = line_start(rng, data);
        data.splice(at..at, text.into_bytes());
    } else if target == Target::Python && rng.one_in(3) {
        let text = format!("def f(x, y, p):\n    return {expr}\n");
        let at = line_start(rng, data);
        data.splice(at..at, text.into_bytes());
    } else {
        insert_bytes(rng, data, expr.as_bytes());
    }
}

fn long_identifier(rng: &mut Rng, data: &mut Vec<u8>) {
    let n = rng.log_size(200_000);
    let c = pick_str(rng, &["a", "_", "x1", "é", "\u{1F600}"]);
    let ident = c.repeat(n.div_ceil(c.len().max(1)));
    insert_bytes(rng, data, ident.as_bytes());
}

fn unbalanced(rng: &mut Rng, data: &mut Vec<u8>) {
    let b = pick_str(
        rng,
        &[
            "(", ")", "[", "]", "{", "}", "<", ">", "\"", "'", "\"\"\"", "/*", "*/", "`", "```",
        ],
    );
    let n = {
        let max = if rng.one_in(4) { 50_000 } else { 64 };
        rng.log_size(max)
    };
    insert_bytes(rng, data, b.repeat(n).as_bytes());
}

fn deep_brackets(rng: &mut Rng, target: Target, data: &mut Vec<u8>) {
    let (open, inner, close) = match target {
        Target::Python => *rng
            .pick(&[
                ("(", "x", ")"),
                ("[", "1", "]"),
                ("{", "1", "}"),
                ("f(", "x", ")"),
                ("[", "", "],"),
                ("(", "", ",)"),
            ])
            .unwrap_or(&("(", "x", ")")),
        Target::C | Target::Cpp => *rng
            .pick(&[
                ("(", "x", ")"),
                ("f(", "x", ")"),
                ("{", "1", "}"),
                ("a[", "0", "]"),
                ("(char*)(", "p", ")"),
            ])
            .unwrap_or(&("(", "x", ")")),
        Target::Rules => *rng
            .pick(&[("[", "a", "]"), ("{a: ", "b", "}"), ("- ", "a", "")])
            .unwrap_or(&("[", "a", "]")),
        Target::Cppcheck => ("<a>", "x", "</a>"),
        _ => *rng
            .pick(&[("[", "1", "]"), ("{\"a\":", "1", "}"), ("[", "", "]")])
            .unwrap_or(&("[", "1", "]")),
    };
    let depth = {
        let max = if rng.one_in(4) { 100_000 } else { 256 };
        rng.log_size(max)
    };
    let mut s = open.repeat(depth);
    s.push_str(inner);
    s.push_str(&close.repeat(depth));
    insert_bytes(rng, data, s.as_bytes());
}

fn huge_literal(rng: &mut Rng, data: &mut Vec<u8>) {
    let n = rng.log_size(200_000);
    let lit = match rng.below(7) {
        0 => "9".repeat(n),
        1 => format!("0x{}", "f".repeat(n)),
        2 => format!("1e{}", "9".repeat(n.min(400))),
        3 => format!("\"{}\"", "a".repeat(n)),
        4 => format!("\"{}\"", "\\x41".repeat(n / 4 + 1)),
        5 => format!("'{}'", "\\\\".repeat(n / 2 + 1)),
        _ => format!("-{}.{}", "1".repeat(n), "0".repeat(n.min(100))),
    };
    insert_bytes(rng, data, lit.as_bytes());
}

fn dictionary_token(rng: &mut Rng, target: Target, data: &mut Vec<u8>) {
    let tok = pick_str(rng, dictionary(target));
    insert_bytes(rng, data, tok.as_bytes());
}

fn token_soup(rng: &mut Rng, target: Target, data: &mut Vec<u8>) {
    let dict = dictionary(target);
    let n = {
        let max = if rng.one_in(8) { 5000 } else { 40 };
        rng.log_size(max)
    };
    let mut s = String::new();
    for _ in 0..n {
        s.push_str(pick_str(rng, dict));
        if rng.one_in(3) {
            s.push(' ');
        }
    }
    let (a, b) = range(rng, data);
    let b = if rng.one_in(2) { a } else { b };
    data.splice(a..b, s.into_bytes());
}

/// A long left-deep chain: `x + x + ... + x`, `a.b.c...`, `f(x)(x)...`.
fn long_chain(rng: &mut Rng, target: Target, data: &mut Vec<u8>) {
    let link = match target {
        Target::Python => pick_str(
            rng,
            &[
                " + x",
                ".a",
                "(x)",
                "[0]",
                " if x else y",
                " and x",
                " % x",
                ", x",
            ],
        ),
        Target::C | Target::Cpp => pick_str(
            rng,
            &[
                " + x", "->a", ".a", "(x)", "[0]", " ? x : y", " && x", ", x", " << 1",
            ],
        ),
        _ => pick_str(rng, &[",1", ",\"a\"", ",{}", ",[]", ",null"]),
    };
    let n = {
        let max = if rng.one_in(4) { 50_000 } else { 500 };
        rng.log_size(max)
    };
    let mut s = String::from("x");
    s.push_str(&link.repeat(n));
    insert_bytes(rng, data, s.as_bytes());
}

/// What goes in a template's `@`.
fn filler(rng: &mut Rng, target: Target) -> String {
    let dict = dictionary(target);
    let n = rng.log_size(8);
    (0..n)
        .map(|_| pick_str(rng, dict))
        .collect::<Vec<_>>()
        .join(" ")
}

fn templates(target: Target) -> &'static [&'static str] {
    match target {
        Target::Python => &[
            "\nimport os, subprocess\nfrom flask import request\ndef h():\n    v = request.args.get('q')\n    @\n    os.system(v)\n",
            "\nclass A:\n    def m(self, x):\n        return @\n",
            "\nx = [@ for i in range(3) if i]\n",
            "\nasync def g(x):\n    async with x as y:\n        await @\n",
            "\nmatch x:\n    case [a, *b] if @:\n        pass\n",
        ],
        Target::C | Target::Cpp => &[
            "\n#include <string.h>\nvoid h(char *s) { char b[4]; @; strcpy(b, s); }\n",
            "\nint g(int n) { int *p = malloc(n * sizeof(int)); if (!p) return -1; @; free(p); return p[0]; }\n",
            "\n#define M(x) @\n#define EXEC system\nint k(char *c) { return EXEC(c); }\n",
            "\ntemplate <typename T> class C { T v; public: T get() { return @; } };\n",
            "\nstruct S { int a; char b[8]; } s = { @ };\n",
        ],
        Target::Rules => &[
            "id: fuzz-rule\ntitle: t\nlanguages: [python]\ncwe: [78]\nseverity: high\nconfidence: high\nmessage: m {sink}\ncall:\n  name: [\"@\"]\n",
            "id: fuzz-taint\ntitle: t\nlanguages: [c]\ncwe: [120]\nseverity: medium\nconfidence: low\nmessage: m\ntaint:\n  sources: [web]\n  sinks:\n    - { call: \"@\", arg: 0 }\n",
            "\nwhere:\n  - { kwarg: host, matches: \"@\" }\n",
            "\nx: &a [*a, *a, *a, *a]\n",
        ],
        Target::Sarif | Target::Bandit | Target::Semgrep => &[
            "{\"runs\": [{\"tool\": {\"driver\": {\"name\": \"@\"}}, \"results\": [{\"ruleId\": \"@\"}]}]}",
            "{\"results\": [{\"test_id\": \"B1\", \"filename\": \"@\", \"line_number\": 99999999999, \"line_range\": [@]}]}",
            "{\"results\": [{\"check_id\": \"c\", \"path\": \"@\", \"start\": {\"line\": 0, \"col\": 4294967296}}]}",
        ],
        Target::Cppcheck => &[
            "<results version=\"2\"><errors><error id=\"@\" severity=\"error\" msg=\"@\" cwe=\"-1\"><location file=\"@\" line=\"0\" column=\"99999999999\"/></error></errors></results>",
            "<!DOCTYPE r [<!ENTITY a \"@\">]><results>&a;</results>",
        ],
        Target::Flawfinder => &[
            "\n@,0,0,9,9,buffer,strcpy,\"@\",,,CWE-@,\"@\",,,,\n",
            "\n\"@\n@\",1,1,1,1,\"\",\"\",\"\"\"\",\n",
        ],
        Target::LlmExtract => &[
            "```python\n@\n```",
            "```json\n{\"a\": @}\n```",
            "~~~c\n@\n",
            "{\"a\": [@",
            "```\n```json\n@\n```\n```",
        ],
        Target::Selftest => &["ok"],
    }
}

fn dictionary(target: Target) -> &'static [&'static str] {
    match target {
        Target::Python => &[
            "def",
            "class",
            "return",
            "if",
            "elif",
            "else:",
            "for",
            "while",
            "in",
            "not",
            "and",
            "or",
            "lambda",
            "yield",
            "await",
            "async",
            "with",
            "as",
            "try:",
            "except",
            "finally:",
            "raise",
            "import",
            "from",
            "global",
            "nonlocal",
            "del",
            "pass",
            "os.system(",
            "subprocess.run(",
            "shell=True",
            "eval(",
            "exec(",
            "pickle.loads(",
            "yaml.load(",
            "open(",
            "request.args.get(",
            "request.form[",
            "input()",
            "getattr(",
            "__import__(",
            "f'{x}'",
            "'%s' % x",
            ".format(",
            "cursor.execute(",
            "hashlib.md5(",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            ":",
            ",",
            ".",
            "=",
            "==",
            "+=",
            ":=",
            "->",
            "*",
            "**",
            "@",
            "\n",
            "\n    ",
            "\\\n",
            "#",
            "\"\"\"",
            "x",
            "y",
            "self",
            "None",
            "True",
            "0",
            "-1",
            "1e308",
            "b'\\x00'",
            "r'\\'",
            "...",
            "match",
            "case",
            "type",
        ],
        Target::C | Target::Cpp => &[
            "int",
            "char",
            "void",
            "unsigned",
            "long",
            "size_t",
            "struct",
            "union",
            "enum",
            "typedef",
            "static",
            "const",
            "volatile",
            "if",
            "else",
            "for",
            "while",
            "do",
            "switch",
            "case",
            "default:",
            "break;",
            "continue;",
            "goto",
            "return",
            "sizeof",
            "malloc(",
            "calloc(",
            "realloc(",
            "free(",
            "strcpy(",
            "strcat(",
            "sprintf(",
            "gets(",
            "memcpy(",
            "system(",
            "execl(",
            "printf(",
            "scanf(",
            "fgets(",
            "strlen(",
            "alloca(",
            "NULL",
            "argv[1]",
            "getenv(",
            "#define",
            "#include",
            "#if 0",
            "#endif",
            "template",
            "class",
            "new",
            "delete",
            "delete[]",
            "std::string",
            "std::vector<int>",
            "::",
            "operator",
            "auto",
            "&&",
            "->",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            ";",
            ",",
            "=",
            "==",
            "*",
            "&",
            "<",
            ">",
            "<<",
            "?",
            ":",
            "\n",
            "\\\n",
            "//",
            "/*",
            "*/",
            "x",
            "p",
            "buf",
            "0",
            "-1",
            "0x7fffffff",
            "4294967295",
            "'\\0'",
            "\"%s\"",
            "L\"w\"",
            "R\"(raw)\"",
        ],
        Target::Rules => &[
            "id:",
            "title:",
            "languages:",
            "cwe:",
            "severity:",
            "confidence:",
            "message:",
            "docs:",
            "call:",
            "taint:",
            "assign:",
            "checker:",
            "name:",
            "where:",
            "sources:",
            "sinks:",
            "sanitizers:",
            "arg:",
            "kwarg:",
            "matches:",
            "fixtures:",
            "positive:",
            "negative:",
            "category:",
            "attrs:",
            "calls:",
            "out_args:",
            "route_decorators:",
            "language:",
            "python",
            "c",
            "cpp",
            "high",
            "critical",
            "\"*\"",
            "\"**\"",
            "\"(a+)+$\"",
            "\"[\"",
            "\"\\\\\"",
            "&a",
            "*a",
            "<<: *a",
            "!!str",
            "!!binary",
            "|",
            ">",
            "-",
            "? ",
            ": ",
            "[",
            "]",
            "{",
            "}",
            ",",
            "\n",
            "\n  ",
            "\n    - ",
            "#",
            "~",
            "null",
            "0",
            "-1",
            "1e999",
            "'",
            "\"",
        ],
        Target::Sarif | Target::Bandit | Target::Semgrep => &[
            "{",
            "}",
            "[",
            "]",
            ":",
            ",",
            "\"",
            "null",
            "true",
            "false",
            "0",
            "-1",
            "1e999",
            "18446744073709551616",
            "-0.0",
            "\"runs\"",
            "\"results\"",
            "\"tool\"",
            "\"driver\"",
            "\"name\"",
            "\"rules\"",
            "\"ruleId\"",
            "\"ruleIndex\"",
            "\"level\"",
            "\"message\"",
            "\"text\"",
            "\"arguments\"",
            "\"locations\"",
            "\"physicalLocation\"",
            "\"artifactLocation\"",
            "\"uri\"",
            "\"region\"",
            "\"startLine\"",
            "\"endColumn\"",
            "\"suppressions\"",
            "\"codeFlows\"",
            "\"threadFlows\"",
            "\"test_id\"",
            "\"filename\"",
            "\"line_number\"",
            "\"line_range\"",
            "\"col_offset\"",
            "\"issue_cwe\"",
            "\"check_id\"",
            "\"path\"",
            "\"start\"",
            "\"end\"",
            "\"extra\"",
            "\"metadata\"",
            "\"cwe\"",
            "\"errors\"",
            "\"spans\"",
            "\"\\u0000\"",
            "\"\\ud800\"",
            "\"file:///%2e%2e/%00\"",
            "\"{0}{1}{999999}\"",
            "\"CWE-99999999999\"",
        ],
        Target::Cppcheck => &[
            "<results>",
            "</results>",
            "<errors>",
            "</errors>",
            "<error ",
            "</error>",
            "<location ",
            "/>",
            ">",
            "<",
            "id=\"a\"",
            "severity=\"error\"",
            "msg=\"m\"",
            "cwe=\"78\"",
            "file=\"a.c\"",
            "line=\"1\"",
            "column=\"-1\"",
            "file0=\"\"",
            "&amp;",
            "&#0;",
            "&#xFFFFFFFF;",
            "&lt;",
            "<![CDATA[",
            "]]>",
            "<!--",
            "-->",
            "<?xml version=\"1.0\"?>",
            "<!DOCTYPE x>",
            "\"",
            "'",
        ],
        Target::Flawfinder => &[
            ",",
            "\"",
            "\"\"",
            "\n",
            "\r\n",
            "File",
            "Line",
            "Column",
            "Level",
            "CWEs",
            "Context",
            "Name",
            "RuleId",
            "CWE-120",
            "CWE-362/CWE-367!",
            "-1",
            "0",
            "99999999999999999999",
            "a.c",
            "../../etc/passwd",
            "\t",
        ],
        Target::LlmExtract => &[
            "```",
            "~~~",
            "```python",
            "```c",
            "```cpp",
            "```json",
            "```text",
            "````",
            "\n",
            "{",
            "}",
            "[",
            "]",
            "\"",
            "'",
            ":",
            ",",
            "//",
            "/*",
            "*/",
            "#",
            "\\",
            "\\\"",
            "true",
            "True",
            "None",
            "NaN",
            "Infinity",
            ".5",
            "0x1F",
            "\u{201c}",
            "\u{201d}",
            "```py title=\"x\"",
            "<code>",
            "</code>",
        ],
        Target::Selftest => &["ok"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_bounded() {
        let corpus = Corpus::load(std::path::Path::new("/nonexistent"));
        for t in Target::ALL {
            for i in 0..300 {
                let a = generate(&corpus, t, 11, i);
                let b = generate(&corpus, t, 11, i);
                assert_eq!(a, b, "{} #{i}", t.name());
                assert!(a.len() <= MAX_INPUT);
            }
        }
    }
}
