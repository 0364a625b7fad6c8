//! Inline suppressions: `# secguard: ignore[rule-id] reason` (Python) and
//! `// secguard: ignore[rule-id, other-id] reason` or
//! `/* secguard: ignore[rule-id] reason */` (C, C++).
//!
//! Rules of the game:
//! - The rule id is mandatory. `secguard: ignore` without `[...]`, an empty
//!   list, or an unknown rule id produce an [`NoteKind::InvalidSuppression`]
//!   note; an unknown id suppresses nothing.
//! - A suppression written after code applies to findings on that line. A
//!   comment alone on its line applies to the next non-blank line; several
//!   suppression comments stacked above one line all apply to it.
//! - A finding matches when the target line is its first or its last line,
//!   so a trailing comment on the closing line of a multi-line call works.
//! - A suppression that matches no finding yields an
//!   [`NoteKind::UnusedSuppression`] note.
//! - Suppressed findings are kept, marked with a [`Suppression`] of kind
//!   `in_source` (invariant 4: a suppression is always visible).
//!
//! Only files that contain the text `secguard:` are lexed at all. For those,
//! a small lexer finds real comments, so the marker inside a string literal
//! or a Python docstring is not mistaken for a suppression. The lexer knows
//! Python string prefixes and triple quotes, and C/C++ string, character and
//! raw string literals and digit separators; it does not know the C
//! preprocessor (a marker inside `#if 0` still counts).

use secguard_core::{Finding, Language, Note, NoteKind, Suppression, SuppressionKind};
use std::path::Path;

const MARKER: &str = "secguard:";
const NO_REASON: &str = "no reason given";

/// A comment found by the lexer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Comment<'a> {
    /// 1-based line where the comment starts.
    line: u32,
    /// 1-based line where the comment ends (differs for block comments).
    end_line: u32,
    /// Only whitespace precedes the comment on its first line.
    own_line: bool,
    /// The comment body, without `#`, `//`, `/*` or `*/`.
    text: &'a str,
}

/// One parsed `secguard: ignore[...]` directive.
#[derive(Debug)]
struct Directive {
    /// Line of the comment, for notes.
    line: u32,
    /// Line whose findings it suppresses; `None` when nothing follows.
    target: Option<u32>,
    rule_ids: Vec<String>,
    reason: String,
}

/// Apply the inline suppressions in `source` to `findings` (all from the file
/// at `path`) and return notes for malformed, unknown and unused ones.
pub fn apply_inline_suppressions(
    path: &Path,
    language: Language,
    source: &str,
    findings: &mut [Finding],
    is_known_rule: &dyn Fn(&str) -> bool,
) -> Vec<Note> {
    if !source.contains(MARKER) {
        return Vec::new();
    }
    let comments = match language {
        Language::Python => lex_python_comments(source),
        Language::C | Language::Cpp => lex_c_comments(source),
    };
    let mut notes = Vec::new();
    let mut directives = Vec::new();
    let own_line_marker_lines: Vec<u32> = comments
        .iter()
        .filter(|c| c.own_line && c.text.contains(MARKER))
        .flat_map(|c| c.line..=c.end_line)
        .collect();
    let lines: Vec<&str> = source.lines().collect();
    for comment in &comments {
        let Some(pos) = comment.text.find(MARKER) else {
            continue;
        };
        let after = &comment.text[pos + MARKER.len()..];
        match parse_directive(after) {
            Ok(None) => {}
            Ok(Some((ids, reason))) => {
                let mut known = Vec::new();
                for id in ids {
                    if is_known_rule(&id) {
                        known.push(id);
                    } else {
                        notes.push(note(
                            path,
                            NoteKind::InvalidSuppression,
                            comment.line,
                            format!("suppression names unknown rule id '{id}'"),
                        ));
                    }
                }
                if known.is_empty() {
                    continue;
                }
                let target = if comment.own_line {
                    next_code_line(&lines, comment.end_line, &own_line_marker_lines)
                } else {
                    Some(comment.line)
                };
                directives.push(Directive {
                    line: comment.line,
                    target,
                    rule_ids: known,
                    reason,
                });
            }
            Err(message) => notes.push(note(
                path,
                NoteKind::InvalidSuppression,
                comment.line,
                message,
            )),
        }
    }

    for directive in &directives {
        for rule_id in &directive.rule_ids {
            let mut used = false;
            if let Some(target) = directive.target {
                for finding in findings.iter_mut() {
                    let loc = &finding.location;
                    if finding.rule_id != *rule_id
                        || (loc.start_line != target && loc.end_line != target)
                    {
                        continue;
                    }
                    used = true;
                    if finding.suppression.is_none() {
                        finding.suppression = Some(Suppression {
                            kind: SuppressionKind::InSource,
                            justification: directive.reason.clone(),
                            by: None,
                        });
                    }
                }
            }
            if !used {
                let message = match directive.target {
                    Some(target) => {
                        format!("unused suppression: no '{rule_id}' finding on line {target}")
                    }
                    None => {
                        format!("unused suppression: no code follows this '{rule_id}' suppression")
                    }
                };
                notes.push(note(
                    path,
                    NoteKind::UnusedSuppression,
                    directive.line,
                    message,
                ));
            }
        }
    }
    notes
}

fn note(path: &Path, kind: NoteKind, line: u32, message: String) -> Note {
    Note {
        path: path.to_path_buf(),
        kind,
        line: Some(line),
        message,
    }
}

/// The first line after `after_line` (1-based) that is neither blank nor an
/// own-line suppression comment.
fn next_code_line(lines: &[&str], after_line: u32, marker_lines: &[u32]) -> Option<u32> {
    let mut index = after_line as usize; // 0-based index of the next line
    while index < lines.len() {
        let number = index as u32 + 1;
        if !lines[index].trim().is_empty() && !marker_lines.contains(&number) {
            return Some(number);
        }
        index += 1;
    }
    None
}

/// Parse the text after `secguard:`. `Ok(None)` means the comment only
/// mentions secguard and is not a directive.
fn parse_directive(after: &str) -> Result<Option<(Vec<String>, String)>, String> {
    let rest = after.trim_start();
    let word_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    let word = &rest[..word_len];
    if word.is_empty() {
        return Ok(None);
    }
    if word != "ignore" {
        return Err(format!(
            "unknown secguard directive '{word}'; expected `secguard: ignore[rule-id] reason`"
        ));
    }
    let rest = rest[word_len..].trim_start();
    let Some(list) = rest.strip_prefix('[') else {
        return Err(
            "suppression without a rule id; write `secguard: ignore[rule-id] reason`".to_string(),
        );
    };
    let Some(close) = list.find(']') else {
        return Err("suppression rule list is missing its closing ']'".to_string());
    };
    let ids: Vec<String> = list[..close]
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .collect();
    if ids.is_empty() {
        return Err(
            "suppression with an empty rule list; write `secguard: ignore[rule-id] reason`"
                .to_string(),
        );
    }
    let reason = list[close + 1..]
        .trim()
        .trim_start_matches([':', '-', '\u{2013}', '\u{2014}'])
        .trim();
    let reason = if reason.is_empty() {
        NO_REASON.to_string()
    } else {
        reason.to_string()
    };
    Ok(Some((ids, reason)))
}

/// Line bookkeeping shared by both lexers.
struct Cursor<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    /// Byte offset where the current line starts.
    line_start: usize,
}

impl<'a> Cursor<'a> {
    fn new(src: &'a str) -> Self {
        Cursor {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            line: 1,
            line_start: 0,
        }
    }

    fn peek(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.pos + offset).copied()
    }

    /// Advance one byte, keeping the line count.
    fn bump(&mut self) {
        if self.bytes.get(self.pos) == Some(&b'\n') {
            self.line += 1;
            self.line_start = self.pos + 1;
        }
        self.pos += 1;
    }

    fn only_whitespace_before(&self, pos: usize) -> bool {
        self.bytes[self.line_start..pos]
            .iter()
            .all(|b| b.is_ascii_whitespace())
    }

    /// Consume to the end of the line (not the newline) and return the text.
    fn rest_of_line(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(b) = self.peek(0) {
            if b == b'\n' {
                break;
            }
            self.pos += 1;
        }
        let text = &self.src[start..self.pos];
        text.strip_suffix('\r').unwrap_or(text)
    }
}

fn lex_python_comments(src: &str) -> Vec<Comment<'_>> {
    let mut c = Cursor::new(src);
    let mut out = Vec::new();
    while let Some(b) = c.peek(0) {
        match b {
            b'#' => {
                let own_line = c.only_whitespace_before(c.pos);
                let line = c.line;
                c.pos += 1;
                let text = c.rest_of_line();
                out.push(Comment {
                    line,
                    end_line: line,
                    own_line,
                    text,
                });
            }
            b'\'' | b'"' => {
                let triple = c.peek(1) == Some(b) && c.peek(2) == Some(b);
                if triple {
                    c.pos += 3;
                    loop {
                        match c.peek(0) {
                            None => break,
                            Some(b'\\') => {
                                c.bump();
                                c.bump();
                            }
                            Some(q) if q == b && c.peek(1) == Some(b) && c.peek(2) == Some(b) => {
                                c.pos += 3;
                                break;
                            }
                            Some(_) => c.bump(),
                        }
                    }
                } else {
                    c.pos += 1;
                    loop {
                        match c.peek(0) {
                            // An unterminated string ends at the line end.
                            None | Some(b'\n') => break,
                            Some(b'\\') => {
                                c.bump();
                                c.bump();
                            }
                            Some(q) if q == b => {
                                c.pos += 1;
                                break;
                            }
                            Some(_) => c.bump(),
                        }
                    }
                }
            }
            _ => c.bump(),
        }
    }
    out
}

fn lex_c_comments(src: &str) -> Vec<Comment<'_>> {
    let mut c = Cursor::new(src);
    let mut out = Vec::new();
    while let Some(b) = c.peek(0) {
        match b {
            b'/' if c.peek(1) == Some(b'/') => {
                let own_line = c.only_whitespace_before(c.pos);
                let line = c.line;
                c.pos += 2;
                let text = c.rest_of_line();
                out.push(Comment {
                    line,
                    end_line: line,
                    own_line,
                    text,
                });
            }
            b'/' if c.peek(1) == Some(b'*') => {
                let own_line = c.only_whitespace_before(c.pos);
                let line = c.line;
                c.pos += 2;
                let start = c.pos;
                let mut end = src.len();
                while let Some(b) = c.peek(0) {
                    if b == b'*' && c.peek(1) == Some(b'/') {
                        end = c.pos;
                        c.pos += 2;
                        break;
                    }
                    c.bump();
                }
                // A block comment's directive ends at the first line break.
                let body = &src[start..end];
                let text = body.split('\n').next().unwrap_or("").trim_end_matches('\r');
                out.push(Comment {
                    line,
                    end_line: c.line,
                    own_line,
                    text,
                });
            }
            b'"' => {
                if let Some(delim) = raw_string_delimiter(&c) {
                    // R"delim( ... )delim"
                    let close = format!("){delim}\"");
                    c.pos += 1 + delim.len() + 1;
                    match src[c.pos..].find(&close) {
                        Some(offset) => {
                            let target = c.pos + offset + close.len();
                            while c.pos < target {
                                c.bump();
                            }
                        }
                        None => {
                            while c.peek(0).is_some() {
                                c.bump();
                            }
                        }
                    }
                } else {
                    skip_quoted(&mut c, b'"');
                }
            }
            b'\'' => {
                if is_digit_separator(&c) {
                    c.pos += 1;
                } else {
                    skip_quoted(&mut c, b'\'');
                }
            }
            _ => c.bump(),
        }
    }
    out
}

/// Skip a C string or character literal starting at the opening quote.
fn skip_quoted(c: &mut Cursor<'_>, quote: u8) {
    c.pos += 1;
    loop {
        match c.peek(0) {
            None | Some(b'\n') => break,
            Some(b'\\') => {
                c.bump();
                c.bump();
            }
            Some(q) if q == quote => {
                c.pos += 1;
                break;
            }
            Some(_) => c.bump(),
        }
    }
}

/// Walk back over the identifier or number that ends right before `pos`.
fn token_before<'a>(c: &Cursor<'a>, pos: usize) -> &'a [u8] {
    let mut start = pos;
    while start > 0 {
        let b = c.bytes[start - 1];
        if b.is_ascii_alphanumeric() || b == b'_' {
            start -= 1;
        } else {
            break;
        }
    }
    &c.bytes[start..pos]
}

/// `'` inside a number such as `1'000'000` (C++14, C23).
fn is_digit_separator(c: &Cursor<'_>) -> bool {
    let token = token_before(c, c.pos);
    token.first().is_some_and(u8::is_ascii_digit)
        && c.peek(1).is_some_and(|b| b.is_ascii_alphanumeric())
}

/// If the `"` at the cursor opens a C++ raw string (`R"`, `u8R"`, `LR"`...),
/// return its delimiter.
fn raw_string_delimiter<'a>(c: &Cursor<'a>) -> Option<&'a str> {
    let token = token_before(c, c.pos);
    if !matches!(token, b"R" | b"u8R" | b"uR" | b"UR" | b"LR") {
        return None;
    }
    let start = c.pos + 1;
    let rest = &c.bytes[start..];
    let open = rest.iter().take(17).position(|&b| b == b'(')?;
    let delim = &rest[..open];
    if delim
        .iter()
        .any(|b| b.is_ascii_whitespace() || matches!(b, b'\\' | b')' | b'"'))
    {
        return None;
    }
    c.src.get(start..start + open)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secguard_core::{Confidence, Fingerprint, Location, Severity};
    use std::path::PathBuf;

    fn finding(rule: &str, start_line: u32, end_line: u32) -> Finding {
        Finding {
            rule_id: rule.to_string(),
            title: "t".to_string(),
            message: "m".to_string(),
            cwe: vec![],
            severity: Severity::High,
            confidence: Confidence::High,
            location: Location {
                path: PathBuf::from("f"),
                start_line,
                start_column: 1,
                end_line,
                end_column: 2,
            },
            snippet: String::new(),
            fingerprint: Fingerprint(format!("{rule}-{start_line}")),
            analyzer: "builtin".to_string(),
            trace: vec![],
            suppression: None,
            reported_by: Vec::new(),
        }
    }

    fn known(id: &str) -> bool {
        matches!(id, "py-sql" | "py-cmd" | "c-strcpy" | "c-format")
    }

    fn run(lang: Language, src: &str, findings: &mut [Finding]) -> Vec<Note> {
        apply_inline_suppressions(Path::new("f"), lang, src, findings, &known)
    }

    fn kinds(notes: &[Note]) -> Vec<(NoteKind, Option<u32>)> {
        notes.iter().map(|n| (n.kind, n.line)).collect()
    }

    #[test]
    fn python_same_line() {
        let src = "import os\nos.system(x)  # secguard: ignore[py-cmd] input is a constant\n";
        let mut f = vec![finding("py-cmd", 2, 2)];
        let notes = run(Language::Python, src, &mut f);
        assert!(notes.is_empty(), "{notes:?}");
        let s = f[0].suppression.as_ref().expect("suppressed");
        assert_eq!(s.kind, SuppressionKind::InSource);
        assert_eq!(s.justification, "input is a constant");
        assert_eq!(s.by, None);
    }

    #[test]
    fn python_own_line_applies_to_next_non_blank_line() {
        let src = "# secguard: ignore[py-cmd] reviewed\n\n   \nos.system(x)\nos.system(y)\n";
        let mut f = vec![finding("py-cmd", 4, 4), finding("py-cmd", 5, 5)];
        let notes = run(Language::Python, src, &mut f);
        assert!(notes.is_empty(), "{notes:?}");
        assert!(f[0].is_suppressed());
        assert!(!f[1].is_suppressed());
    }

    #[test]
    fn stacked_suppressions_apply_to_the_same_line() {
        let src = "# secguard: ignore[py-cmd] a\n# secguard: ignore[py-sql] b\nrun(x)\n";
        let mut f = vec![finding("py-cmd", 3, 3), finding("py-sql", 3, 3)];
        let notes = run(Language::Python, src, &mut f);
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(
            f[0].suppression.as_ref().map(|s| s.justification.as_str()),
            Some("a")
        );
        assert_eq!(
            f[1].suppression.as_ref().map(|s| s.justification.as_str()),
            Some("b")
        );
    }

    #[test]
    fn several_ids_and_other_rules_untouched() {
        let src = "x = 1\nrun(x) // secguard: ignore[c-strcpy, c-format] -- checked above\n";
        let mut f = vec![
            finding("c-strcpy", 2, 2),
            finding("c-format", 2, 2),
            finding("c-other", 2, 2),
        ];
        let notes = run(Language::C, src, &mut f);
        assert!(notes.is_empty(), "{notes:?}");
        assert!(f[0].is_suppressed() && f[1].is_suppressed());
        assert!(!f[2].is_suppressed());
        assert_eq!(
            f[0].suppression.as_ref().map(|s| s.justification.as_str()),
            Some("checked above")
        );
    }

    #[test]
    fn c_block_comment_same_line_and_own_line() {
        let src = "strcpy(a, b); /* secguard: ignore[c-strcpy] sized buffer */\n\
                   /* secguard: ignore[c-format] literal format */\n\
                   printf(s);\n";
        let mut f = vec![finding("c-strcpy", 1, 1), finding("c-format", 3, 3)];
        let notes = run(Language::Cpp, src, &mut f);
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(
            f[0].suppression.as_ref().map(|s| s.justification.as_str()),
            Some("sized buffer")
        );
        assert_eq!(
            f[1].suppression.as_ref().map(|s| s.justification.as_str()),
            Some("literal format")
        );
    }

    #[test]
    fn missing_rule_id_is_invalid() {
        let src = "os.system(x)  # secguard: ignore because reasons\n";
        let mut f = vec![finding("py-cmd", 1, 1)];
        let notes = run(Language::Python, src, &mut f);
        assert_eq!(kinds(&notes), vec![(NoteKind::InvalidSuppression, Some(1))]);
        assert!(notes[0].message.contains("rule id"), "{}", notes[0].message);
        assert!(!f[0].is_suppressed());

        let src = "os.system(x)  # secguard: ignore[] nothing\nfoo()  # secguard: ignore[py-cmd\n";
        let notes = run(Language::Python, src, &mut f);
        assert_eq!(
            kinds(&notes),
            vec![
                (NoteKind::InvalidSuppression, Some(1)),
                (NoteKind::InvalidSuppression, Some(2))
            ]
        );
        assert!(!f[0].is_suppressed());
    }

    #[test]
    fn unknown_rule_is_invalid_and_suppresses_nothing() {
        let src = "os.system(x)  # secguard: ignore[py-nope, py-cmd] ok\n";
        let mut f = vec![finding("py-cmd", 1, 1)];
        let notes = run(Language::Python, src, &mut f);
        assert_eq!(kinds(&notes), vec![(NoteKind::InvalidSuppression, Some(1))]);
        assert!(notes[0].message.contains("py-nope"));
        assert!(f[0].is_suppressed(), "the known id still applies");
    }

    #[test]
    fn unused_suppression_is_reported() {
        let src = "a = 1\n# secguard: ignore[py-sql] old\nb = 2\nc()  # secguard: ignore[py-cmd]\n";
        let mut f = vec![finding("py-cmd", 3, 3)];
        let notes = run(Language::Python, src, &mut f);
        assert_eq!(
            kinds(&notes),
            vec![
                (NoteKind::UnusedSuppression, Some(2)),
                (NoteKind::UnusedSuppression, Some(4))
            ]
        );
        assert!(notes[0].message.contains("py-sql") && notes[0].message.contains("line 3"));
        assert!(!f[0].is_suppressed());
    }

    #[test]
    fn trailing_suppression_at_end_of_file_with_nothing_after() {
        let src = "x = 1\n# secguard: ignore[py-cmd] nothing below\n";
        let notes = run(Language::Python, src, &mut []);
        assert_eq!(kinds(&notes), vec![(NoteKind::UnusedSuppression, Some(2))]);
    }

    #[test]
    fn missing_reason_gets_default_justification() {
        let src = "os.system(x)  # secguard: ignore[py-cmd]\n";
        let mut f = vec![finding("py-cmd", 1, 1)];
        assert!(run(Language::Python, src, &mut f).is_empty());
        assert_eq!(
            f[0].suppression.as_ref().map(|s| s.justification.as_str()),
            Some(NO_REASON)
        );
    }

    #[test]
    fn multi_line_finding_matches_first_or_last_line() {
        let src =
            "subprocess.call(\n    cmd,\n    shell=True)  # secguard: ignore[py-cmd] fixed cmd\n";
        let mut f = vec![finding("py-cmd", 1, 3)];
        assert!(run(Language::Python, src, &mut f).is_empty());
        assert!(f[0].is_suppressed());
        let src = "subprocess.call(\n    cmd,  # secguard: ignore[py-cmd] middle line\n    x)\n";
        let mut f = vec![finding("py-cmd", 1, 3)];
        let notes = run(Language::Python, src, &mut f);
        assert_eq!(kinds(&notes), vec![(NoteKind::UnusedSuppression, Some(2))]);
    }

    #[test]
    fn marker_inside_strings_is_not_a_comment() {
        let src = "s = '# secguard: ignore[py-cmd] no'\nt = \"\"\"\n# secguard: ignore[py-sql] doc\n\"\"\"\nos.system(s)\n";
        let mut f = vec![finding("py-cmd", 1, 1), finding("py-sql", 5, 5)];
        let notes = run(Language::Python, src, &mut f);
        assert!(notes.is_empty(), "{notes:?}");
        assert!(!f[0].is_suppressed() && !f[1].is_suppressed());

        let src = "puts(\"// secguard: ignore[c-format] no\");\nchar c = '\"'; int n = 1'000; // secguard: ignore[c-format] yes\n\
                   auto r = R\"x(// secguard: ignore[c-strcpy] no)x\";\n";
        let mut f = vec![finding("c-format", 1, 1), finding("c-format", 2, 2)];
        let notes = run(Language::Cpp, src, &mut f);
        assert!(notes.is_empty(), "{notes:?}");
        assert!(!f[0].is_suppressed());
        assert!(f[1].is_suppressed());
    }

    #[test]
    fn unknown_directive_and_plain_mentions() {
        let src = "# secguard: ignroe[py-cmd] typo\n# see secguard:\nx()\n";
        let notes = run(Language::Python, src, &mut []);
        assert_eq!(kinds(&notes), vec![(NoteKind::InvalidSuppression, Some(1))]);
        assert!(notes[0].message.contains("ignroe"));
    }

    #[test]
    fn files_without_the_marker_are_untouched() {
        let mut f = vec![finding("py-cmd", 1, 1)];
        let notes = run(Language::Python, "os.system(x)  # ignore[py-cmd]\n", &mut f);
        assert!(notes.is_empty());
        assert!(!f[0].is_suppressed());
    }

    #[test]
    fn crlf_line_endings() {
        let src = "a = 1\r\n# secguard: ignore[py-cmd] ok\r\nos.system(x)\r\n";
        let mut f = vec![finding("py-cmd", 3, 3)];
        assert!(run(Language::Python, src, &mut f).is_empty());
        assert_eq!(
            f[0].suppression.as_ref().map(|s| s.justification.as_str()),
            Some("ok")
        );
    }

    #[test]
    fn lexers_never_panic_on_odd_input() {
        for src in [
            "secguard:",
            "# secguard:",
            "'''secguard:",
            "\"\\",
            "/* secguard: ignore[c-format]",
            "R\"abc(secguard:",
            "'\\",
            "x'secguard:",
            "\u{feff}# secguard: ignore[py-cmd] é\n\u{1F600}",
        ] {
            for lang in Language::ALL {
                let _ = run(lang, src, &mut []);
            }
        }
    }
}
