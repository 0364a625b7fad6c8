//! Tolerant extraction of code and JSON from model replies. Pure: no I/O,
//! never panics, whatever the model wrote.

use serde_json::Value;

/// How many candidate start positions [`extract_json`] tries, so a reply
/// full of brackets stays linear-ish.
const MAX_JSON_CANDIDATES: usize = 32;

/// A fenced block: its info string's first word (lowercased) and its lines.
struct Fence {
    info: String,
    body: String,
}

/// The code in a reply, for `language` (`python`, `c`, `cpp`, ...): the
/// first fenced block labelled with that language; else the first with no
/// label or a label we do not know (`text`, `code`...); else, for C and C++,
/// a block labelled with the other one; else, when the reply has no fences
/// at all, the whole reply trimmed. `None` when nothing fits or the result
/// would be empty. Handles ``` and ~~~ fences and an unterminated last fence.
pub fn extract_code(text: &str, language: &str) -> Option<String> {
    let fences = fences(text);
    if fences.is_empty() {
        let trimmed = text.trim();
        return (!trimmed.is_empty()).then(|| trimmed.to_string());
    }
    let wanted = language.trim().to_ascii_lowercase();
    let family = family_of(&wanted).unwrap_or(wanted.as_str());
    let usable = |f: &&Fence| !f.body.trim().is_empty();
    let pick = |f: &Fence| Some(f.body.clone());
    if let Some(f) = fences
        .iter()
        .filter(usable)
        .find(|f| family_of(&f.info).unwrap_or(f.info.as_str()) == family)
    {
        return pick(f);
    }
    if let Some(f) = fences.iter().filter(usable).find(|f| {
        f.info.is_empty() || (family_of(&f.info).is_none() && !is_other_language(&f.info))
    }) {
        return pick(f);
    }
    let sibling = match family {
        "c" => Some("cpp"),
        "cpp" => Some("c"),
        _ => None,
    };
    sibling.and_then(|s| {
        fences
            .iter()
            .filter(usable)
            .find(|f| family_of(&f.info) == Some(s))
            .and_then(pick)
    })
}

/// The language family an info string or language name stands for.
fn family_of(name: &str) -> Option<&'static str> {
    match name {
        "python" | "py" | "python3" | "py3" => Some("python"),
        "c" => Some("c"),
        "cpp" | "c++" | "cc" | "cxx" | "h" | "hpp" | "hh" | "hxx" => Some("cpp"),
        _ => None,
    }
}

/// Labels that name some other language: a block so labelled is not the
/// code we were asked for.
fn is_other_language(info: &str) -> bool {
    matches!(
        info,
        "java"
            | "javascript"
            | "js"
            | "jsx"
            | "typescript"
            | "ts"
            | "tsx"
            | "rust"
            | "rs"
            | "go"
            | "golang"
            | "ruby"
            | "rb"
            | "php"
            | "perl"
            | "bash"
            | "sh"
            | "shell"
            | "zsh"
            | "console"
            | "shell-session"
            | "powershell"
            | "ps1"
            | "bat"
            | "cmd"
            | "json"
            | "jsonc"
            | "json5"
            | "yaml"
            | "yml"
            | "toml"
            | "ini"
            | "xml"
            | "html"
            | "css"
            | "sql"
            | "diff"
            | "patch"
            | "markdown"
            | "md"
            | "kotlin"
            | "swift"
            | "csharp"
            | "cs"
            | "c#"
            | "dockerfile"
            | "makefile"
            | "cmake"
    )
}

/// Every fenced block in order. A fence is a line of three or more
/// backticks or tildes (indentation allowed); it closes at a line of the
/// same character at least as long, or at the end of the text.
fn fences(text: &str) -> Vec<Fence> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some((marker, count, indent, info)) = fence_open(line) else {
            continue;
        };
        let mut body: Vec<&str> = Vec::new();
        for inner in lines.by_ref() {
            if is_fence_close(inner, marker, count) {
                break;
            }
            body.push(strip_indent(inner, indent));
        }
        out.push(Fence {
            info,
            body: body.join("\n"),
        });
    }
    out
}

/// `(fence char, run length, indentation, first word of the info string)`.
fn fence_open(line: &str) -> Option<(char, usize, usize, String)> {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let count = trimmed.chars().take_while(|c| *c == marker).count();
    if count < 3 {
        return None;
    }
    let info = &trimmed[count * marker.len_utf8()..];
    if marker == '`' && info.contains('`') {
        return None; // inline code such as ```foo```, not a fence
    }
    let word = info
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_start_matches('{')
        .trim_start_matches('.')
        .trim_end_matches('}')
        .split(',')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    Some((marker, count, indent, word))
}

fn is_fence_close(line: &str, marker: char, count: usize) -> bool {
    let trimmed = line.trim();
    trimmed.chars().count() >= count && trimmed.chars().all(|c| c == marker)
}

/// `line` without up to `indent` leading spaces (the fence's own indentation).
fn strip_indent(line: &str, indent: usize) -> &str {
    let spaces = line
        .bytes()
        .take(indent)
        .take_while(|b| *b == b' ' || *b == b'\t')
        .count();
    &line[spaces..]
}

/// The first JSON object or array in a reply: inside a ```json fence when
/// there is one, else anywhere, found by bracket matching that respects
/// strings and escapes. When it does not parse, common model defects are
/// repaired (see [`repair_json`]) and it is parsed again. The error says
/// what was wrong.
pub fn extract_json(text: &str) -> Result<Value, String> {
    let fenced: Option<String> = fences(text)
        .into_iter()
        .find(|f| {
            matches!(f.info.as_str(), "json" | "jsonc" | "json5") && !f.body.trim().is_empty()
        })
        .map(|f| f.body);
    let region = fenced.as_deref().unwrap_or(text);
    // Non-overlapping candidates: an array inside a broken object is not
    // a candidate of its own.
    let mut candidates: Vec<&str> = Vec::new();
    let mut from = 0;
    while candidates.len() < MAX_JSON_CANDIDATES {
        let Some(offset) = region[from..].find(['{', '[']) else {
            break;
        };
        let candidate = balanced(region, from + offset);
        candidates.push(candidate);
        from += offset + candidate.len();
    }
    let Some(first) = candidates.first() else {
        return Err("no JSON object or array in the reply".to_string());
    };
    for candidate in &candidates {
        if let Ok(value) = serde_json::from_str::<Value>(candidate) {
            return Ok(value);
        }
        if let Ok(value) = parse_repaired(candidate) {
            return Ok(value);
        }
    }
    let strict = serde_json::from_str::<Value>(first)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    let repaired = parse_repaired(first).err().unwrap_or_default();
    Err(format!(
        "the reply's JSON does not parse ({strict}); {repaired}"
    ))
}

fn parse_repaired(candidate: &str) -> Result<Value, String> {
    let (repaired, fixes) = repair_json(candidate);
    serde_json::from_str::<Value>(&repaired).map_err(|e| {
        if fixes.is_empty() {
            format!("no known defect to repair; still invalid: {e}")
        } else {
            format!("still invalid after repairing ({}): {e}", fixes.join(", "))
        }
    })
}

/// From `start` (a `{` or `[`) to its matching bracket, or to the end of
/// `text` when it never closes (a truncated reply). Strings in double or
/// single quotes are skipped, escapes included; mismatched closers are
/// ignored here and left to the parser.
fn balanced(text: &str, start: usize) -> &str {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut comment: Option<char> = None; // '/' for `//`, '*' for `/* */`
    let mut previous = '\0';
    for (i, c) in text[start..].char_indices() {
        let before = std::mem::replace(&mut previous, c);
        if let Some(kind) = comment {
            if (kind == '/' && c == '\n') || (kind == '*' && before == '*' && c == '/') {
                comment = None;
                previous = '\0';
            }
            continue;
        }
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q || (q == '"' && c == '\n') {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '/' if before == '/' => comment = Some('/'),
            '*' if before == '/' => {
                comment = Some('*');
                previous = '\0';
            }
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return &text[start..start + i + c.len_utf8()];
                }
            }
            _ => {}
        }
    }
    &text[start..]
}

/// The nesting serde_json accepts (its recursion limit).
const MAX_REPAIR_DEPTH: usize = 128;
/// How many cut points a truncated document is tried at, latest first.
const MAX_REPAIR_CUTS: usize = 64;

/// Repairs the JSON defects models commonly produce: trailing commas,
/// `//` and `/* */` comments, smart quotes, single-quoted strings,
/// unquoted keys, Python's `True`/`False`/`None`, raw newlines in strings,
/// and a truncated end (open strings and brackets are closed, a dangling
/// key or comma dropped). Returns the text and the fixes applied.
pub fn repair_json(input: &str) -> (String, Vec<&'static str>) {
    let mut fixes: Vec<&'static str> = Vec::new();
    let chars: Vec<char> = input.chars().collect();
    let mut out = String::with_capacity(input.len() + 16);
    let mut stack: Vec<char> = Vec::new();
    // Places to cut a truncated document back to: after an opening bracket
    // or before a comma, with the brackets open there.
    let mut cuts: Vec<(usize, Vec<char>)> = Vec::new();
    let mut i = 0;
    let mut truncated_string = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' | '\'' | '\u{201C}' | '\u{201D}' | '\u{2018}' | '\u{2019}' => {
                if c == '\'' {
                    note("converted single-quoted strings", &mut fixes);
                } else if c != '"' {
                    note("replaced smart quotes", &mut fixes);
                }
                let single = matches!(c, '\'' | '\u{2018}' | '\u{2019}');
                let (next, closed) = copy_string(&chars, i + 1, single, &mut out, &mut fixes);
                if !closed {
                    truncated_string = true;
                }
                i = next;
                continue;
            }
            '/' if chars.get(i + 1) == Some(&'/') => {
                note("removed comments", &mut fixes);
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                note("removed comments", &mut fixes);
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    i += 1;
                }
                i += 2;
                continue;
            }
            ',' => {
                match next_significant(&chars, i + 1) {
                    None | Some('}') | Some(']') => {
                        note("removed trailing commas", &mut fixes);
                    }
                    Some(',') => note("removed doubled commas", &mut fixes),
                    _ => {
                        push_cut(&mut cuts, out.len(), &stack);
                        out.push(',');
                    }
                }
                i += 1;
                continue;
            }
            '{' | '[' => {
                if stack.len() >= MAX_REPAIR_DEPTH {
                    // serde_json refuses such nesting whatever is repaired;
                    // going on would only copy the stack at every cut.
                    return (input.to_string(), Vec::new());
                }
                stack.push(if c == '{' { '}' } else { ']' });
                out.push(c);
                push_cut(&mut cuts, out.len(), &stack);
            }
            '}' | ']' => {
                if stack.last() == Some(&c) {
                    stack.pop();
                    out.push(c);
                } else {
                    note("dropped a stray closing bracket", &mut fixes);
                }
            }
            c if c.is_alphabetic() || c == '_' || c == '$' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '$' | '-' | '.'))
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if next_significant(&chars, i) == Some(':') && stack.last() == Some(&'}') {
                    note("quoted bare keys", &mut fixes);
                    out.push_str(&serde_json::Value::String(word).to_string());
                } else {
                    let literal = match word.as_str() {
                        "True" => Some("true"),
                        "False" => Some("false"),
                        "None" => Some("null"),
                        "NaN" | "Infinity" | "undefined" => Some("null"),
                        _ => None,
                    };
                    match literal {
                        Some(l) => {
                            note("converted Python/JavaScript literals", &mut fixes);
                            out.push_str(l);
                        }
                        None => out.push_str(&word),
                    }
                }
                continue;
            }
            _ => out.push(c),
        }
        i += 1;
    }
    if truncated_string || !stack.is_empty() {
        note("closed a truncated end", &mut fixes);
        if serde_json::from_str::<Value>(&close(&out, &stack)).is_err() {
            // The end is a dangling key, colon or half a value: cut it off.
            let mut fixed = None;
            // Each try parses the whole text: the last few cuts are the
            // ones a truncation leaves dangling.
            for (at, open) in cuts.iter().rev().take(MAX_REPAIR_CUTS) {
                let candidate = close(&out[..*at], open);
                if serde_json::from_str::<Value>(&candidate).is_ok() {
                    fixed = Some(candidate);
                    break;
                }
            }
            return (fixed.unwrap_or_else(|| close(&out, &stack)), fixes);
        }
        return (close(&out, &stack), fixes);
    }
    (out, fixes)
}

/// Remembers a place to cut a truncated document back to. Only the last
/// `MAX_REPAIR_CUTS` are ever tried, so older ones are dropped in batches:
/// each holds a copy of the open brackets, and a reply of a million commas
/// must not keep a million copies.
fn push_cut(cuts: &mut Vec<(usize, Vec<char>)>, at: usize, stack: &[char]) {
    if cuts.len() >= 2 * MAX_REPAIR_CUTS {
        cuts.drain(..MAX_REPAIR_CUTS);
    }
    cuts.push((at, stack.to_vec()));
}

/// Records a fix once.
fn note(fix: &'static str, fixes: &mut Vec<&'static str>) {
    if !fixes.contains(&fix) {
        fixes.push(fix);
    }
}

/// `text` with a dangling comma dropped, a dangling colon given `null`, and
/// the open brackets closed.
fn close(text: &str, open: &[char]) -> String {
    let mut s = text.trim_end().to_string();
    if s.ends_with(',') {
        s.pop();
    }
    if s.ends_with(':') {
        s.push_str("null");
    }
    s.extend(open.iter().rev());
    s
}

/// Copies a string body starting after its opening quote as a valid JSON
/// string (quotes included). Returns where to continue and whether the
/// string was closed before the end of the input.
fn copy_string(
    chars: &[char],
    mut i: usize,
    single: bool,
    out: &mut String,
    fixes: &mut Vec<&'static str>,
) -> (usize, bool) {
    let mut record = |fix: &'static str| note(fix, fixes);
    out.push('"');
    while i < chars.len() {
        let c = chars[i];
        let closes = if single {
            matches!(c, '\'' | '\u{2019}' | '\u{2018}')
        } else {
            matches!(c, '"' | '\u{201D}' | '\u{201C}')
        };
        if closes {
            out.push('"');
            return (i + 1, true);
        }
        match c {
            '\\' => match chars.get(i + 1) {
                Some('\'') => {
                    out.push('\'');
                    i += 1;
                }
                Some(&e) if matches!(e, '"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't' | 'u') => {
                    out.push('\\');
                    out.push(e);
                    i += 1;
                }
                Some(&e) => {
                    record("fixed invalid escapes");
                    out.push_str("\\\\");
                    out.push(e);
                    i += 1;
                }
                None => {}
            },
            '"' => out.push_str("\\\""),
            '\n' => {
                record("escaped raw control characters in strings");
                out.push_str("\\n");
            }
            '\r' => {
                record("escaped raw control characters in strings");
                out.push_str("\\r");
            }
            '\t' => {
                record("escaped raw control characters in strings");
                out.push_str("\\t");
            }
            c if (c as u32) < 0x20 => {
                record("escaped raw control characters in strings");
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
        i += 1;
    }
    out.push('"');
    (i, false)
}

/// The next character that is not whitespace or inside a comment.
fn next_significant(chars: &[char], mut i: usize) -> Option<char> {
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else {
            return Some(c);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code(text: &str, language: &str) -> Option<String> {
        extract_code(text, language)
    }

    #[test]
    fn code_fence_kinds() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            (
                "Here:\n```python\nprint(1)\n```\nDone.",
                "python",
                Some("print(1)"),
            ),
            ("```py\nx = 1\n```", "python", Some("x = 1")),
            ("~~~python\nx = 2\n~~~", "python", Some("x = 2")),
            (
                "````python\n```\ninner\n```\n````",
                "python",
                Some("```\ninner\n```"),
            ),
            ("```\nplain\n```", "python", Some("plain")),
            ("```text\nunknown label\n```", "c", Some("unknown label")),
            (
                "```python\nunterminated\nstill",
                "python",
                Some("unterminated\nstill"),
            ),
            ("  ```c\n  int x;\n    y;\n  ```", "c", Some("int x;\n  y;")),
            ("```c++\nint main() {}\n```", "cpp", Some("int main() {}")),
            ("```cxx\nA\n```", "cpp", Some("A")),
            ("```h\nint f(void);\n```", "cpp", Some("int f(void);")),
            ("```cpp\nB\n```", "c", Some("B")),
            ("```c\nC\n```", "cpp", Some("C")),
            ("```{.python}\nD\n```", "python", Some("D")),
            ("```python title=\"x\"\nE\n```", "python", Some("E")),
            ("```PYTHON\r\nF\r\n```", "python", Some("F")),
            (
                "   def f():\n       pass  \n",
                "python",
                Some("def f():\n       pass"),
            ),
            ("", "python", None),
            ("   \n", "python", None),
            ("```bash\npip install x\n```", "python", None),
            ("```python\n```", "python", None),
        ];
        for (text, language, want) in cases {
            assert_eq!(
                code(text, language).as_deref(),
                *want,
                "{language} in {text:?}"
            );
        }
    }

    #[test]
    fn code_prefers_the_named_language() {
        let text = "Install:\n```bash\npip install flask\n```\nCode:\n```\nnot this\n```\n```python\nimport flask\n```";
        assert_eq!(code(text, "python").as_deref(), Some("import flask"));
        assert_eq!(code(text, "c").as_deref(), Some("not this"));
    }

    #[test]
    fn json_found_in_prose_and_fences() {
        let cases: &[(&str, Value)] = &[
            (r#"{"a": 1}"#, json!({"a": 1})),
            (
                "Sure! Here it is: {\"a\": [1, 2]} Hope that helps.",
                json!({"a": [1, 2]}),
            ),
            ("```json\n{\"a\": \"}\"}\n```", json!({"a": "}"})),
            ("~~~json\n[1, 2]\n~~~", json!([1, 2])),
            ("text [1] then {\"b\": 2}", json!([1])),
            ("{\"a\": [1],}", json!({"a": [1]})),
            ("{\"a\": [1], @} {\"b\": 2}", json!({"b": 2})),
            (
                r#"{"s": "a \"quoted\" {brace}"}"#,
                json!({"s": "a \"quoted\" {brace}"}),
            ),
            ("{not json} {\"c\": 3}", json!({"c": 3})),
        ];
        for (text, want) in cases {
            assert_eq!(
                extract_json(text).unwrap_or_else(|e| panic!("{text:?}: {e}")),
                *want
            );
        }
    }

    #[test]
    fn json_repairs_each_defect() {
        let cases: &[(&str, Value, &str)] = &[
            (
                r#"{"a": 1, "b": [1, 2,],}"#,
                json!({"a": 1, "b": [1, 2]}),
                "trailing commas",
            ),
            (
                "{\"a\": 1, // one\n \"b\": 2 /* two */}",
                json!({"a": 1, "b": 2}),
                "comments",
            ),
            (
                "{\u{201C}a\u{201D}: \u{201C}x\u{201D}}",
                json!({"a": "x"}),
                "smart quotes",
            ),
            (
                "{'a': 'it\\'s \"ok\"'}",
                json!({"a": "it's \"ok\""}),
                "single-quoted",
            ),
            (
                "{a: 1, b_c: {d-e: 2}}",
                json!({"a": 1, "b_c": {"d-e": 2}}),
                "bare keys",
            ),
            (
                "{\"a\": True, \"b\": False, \"c\": None}",
                json!({"a": true, "b": false, "c": null}),
                "literals",
            ),
            (
                "{\"a\": \"line\nbreak\"}",
                json!({"a": "line\nbreak"}),
                "control characters",
            ),
            ("{\"a\": [1, 2", json!({"a": [1, 2]}), "truncated"),
            (
                "{\"a\": \"unfinished",
                json!({"a": "unfinished"}),
                "truncated",
            ),
            ("{\"a\": 1, \"b", json!({"a": 1}), "truncated"),
            ("{\"a\": 1, \"b\":", json!({"a": 1, "b": null}), "truncated"),
            ("{\"a\": {\"b\": [", json!({"a": {"b": []}}), "truncated"),
            (
                "```json\n{\"issues\": [{\"cwe\": 89,},]\n",
                json!({"issues": [{"cwe": 89}]}),
                "truncated",
            ),
        ];
        for (text, want, label) in cases {
            let got = extract_json(text).unwrap_or_else(|e| panic!("{label}: {text:?}: {e}"));
            assert_eq!(got, *want, "{label}: {text:?}");
            let (_, fixes) = repair_json(text.trim_start_matches("```json\n"));
            assert!(
                fixes.iter().any(|f| f.contains(label)),
                "{label}: fixes were {fixes:?}"
            );
        }
    }

    /// A reply of 32,000 nested brackets once cost gigabytes: every `[`
    /// copied the whole open-bracket stack (found by scripts/fuzz).
    #[test]
    fn deep_nesting_is_refused_cheaply() {
        let deep = format!("```c\n{}\n{}\n```", "[".repeat(32_000), "]".repeat(32_000));
        assert!(extract_json(&deep).is_err());
        let truncated = format!("{{\"a\": {}", "[1, ".repeat(20_000));
        assert!(extract_json(&truncated).is_err());
        let (_, fixes) = repair_json(&"{".repeat(10_000));
        assert!(fixes.is_empty());
        // Nesting JSON parsers accept is still repaired.
        assert_eq!(
            extract_json("{\"a\": [[1, 2], [3,"),
            Ok(serde_json::json!({"a": [[1, 2], [3]]}))
        );
    }

    #[test]
    fn json_errors_say_what_is_wrong() {
        let e = extract_json("no json here").err().unwrap_or_default();
        assert!(e.contains("no JSON object or array"), "{e}");
        let e = extract_json("{\"a\": @}").err().unwrap_or_default();
        assert!(e.contains("does not parse"), "{e}");
        let e = extract_json("{\"a\": @,}").err().unwrap_or_default();
        assert!(e.contains("trailing commas"), "{e}");
    }

    proptest::proptest! {
        #[test]
        fn extraction_never_panics(text in "\\PC*") {
            let _ = extract_json(&text);
            let _ = extract_code(&text, "python");
            let _ = extract_code(&text, "cpp");
        }

        #[test]
        fn extraction_never_panics_on_json_like_text(
            text in "[{}\\[\\]\"'`~:,/*\\\\ \\na-zA-Z0-9\u{201C}\u{201D}\u{2018}\u{2019}é]{0,80}"
        ) {
            let _ = extract_json(&text);
            let _ = extract_code(&text, "c");
            let _ = repair_json(&text);
        }

        #[test]
        fn valid_json_round_trips(n in proptest::num::i64::ANY, s in "\\PC{0,20}") {
            let value = json!({"n": n, "s": s, "list": [n, s]});
            let text = format!("Result:\n```json\n{value}\n```");
            proptest::prop_assert_eq!(extract_json(&text).ok(), Some(value));
        }
    }
}
