//! What a repair must keep: code that parses, and the same functions with
//! the same parameters (names, order, types, defaults) and return type. A
//! model that "fixes" a weakness by deleting the function, renaming it or
//! changing its signature has broken the task.

use secguard_core::Language;
use secguard_engine::ir::Span;
use secguard_engine::lower;
use std::collections::BTreeMap;
use std::fmt;

/// One function's name and parameters, as callers see them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Signature {
    /// `name`, or `Class.name` for a method.
    pub name: String,
    /// Parameter names; for C and C++ with their types (`char *dst`).
    pub params: Vec<String>,
    /// Each parameter's default value as written (Python `mode='r'`, C++
    /// `int n = 0`), whitespace normalized.
    pub defaults: Vec<Option<String>>,
    /// The declared return type (Python annotation, C/C++ type with its
    /// pointer stars), whitespace normalized; `None` when not declared.
    pub returns: Option<String>,
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let params: Vec<String> = self
            .params
            .iter()
            .zip(self.defaults.iter().chain(std::iter::repeat(&None)))
            .map(|(p, d)| match d {
                Some(d) => format!("{p}={d}"),
                None => p.clone(),
            })
            .collect();
        write!(f, "{}({})", self.name, params.join(", "))?;
        match &self.returns {
            Some(r) => write!(f, " -> {r}"),
            None => Ok(()),
        }
    }
}

/// The public functions of a file, by qualified name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Interface {
    pub functions: BTreeMap<String, Signature>,
}

/// Why a candidate does not parse: the first few error lines (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFailure {
    pub error_count: usize,
    pub lines: Vec<usize>,
}

impl fmt::Display for ParseFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.lines.iter().map(ToString::to_string).collect();
        write!(
            f,
            "the code does not parse: {} syntax error(s), at line(s) {}",
            self.error_count,
            lines.join(", ")
        )
    }
}

/// Whether `code` parses without any syntax error.
pub fn check_parses(language: Language, code: &str) -> Result<(), ParseFailure> {
    let Some(tree) = lower::parse(language, code) else {
        return Err(ParseFailure {
            error_count: 1,
            lines: vec![1],
        });
    };
    if !tree.root_node().has_error() {
        return Ok(());
    }
    let (count, rows) = lower::error_rows(&tree, 5);
    Err(ParseFailure {
        error_count: count.max(1),
        lines: rows.into_iter().map(|r| r + 1).collect(),
    })
}

/// The public functions of `code`. Python names starting with `_` (other
/// than `__init__` and `__call__`) are private. Code that does not parse
/// yields what parsed.
pub fn interface_of(language: Language, code: &str) -> Interface {
    let Some(tree) = lower::parse(language, code) else {
        return Interface::default();
    };
    let module = lower::lower(language, code, &tree);
    let mut functions = BTreeMap::new();
    for f in module.functions.iter().filter(|f| !f.is_module) {
        if language == Language::Python
            && f.name.starts_with('_')
            && !matches!(f.name.as_str(), "__init__" | "__call__")
        {
            continue;
        }
        let name = match &f.class {
            Some(c) => format!("{c}.{}", f.name),
            None => f.name.clone(),
        };
        let params = f
            .params
            .iter()
            .map(|p| match language {
                Language::Python => p.name.clone(),
                Language::C | Language::Cpp => {
                    let stars = "*".repeat(usize::from(p.ty.pointer_depth));
                    let array = if p.ty.is_array { "[]" } else { "" };
                    let base = p.ty.base.trim();
                    if base.is_empty() {
                        format!("{stars}{}{array}", p.name)
                    } else {
                        format!("{base} {stars}{}{array}", p.name)
                    }
                }
            })
            .collect();
        let defaults = f
            .params
            .iter()
            .map(|p| {
                p.default.as_ref().map(|d| {
                    normalize(
                        code.get(d.span().start_byte..d.span().end_byte)
                            .unwrap_or(""),
                    )
                })
            })
            .collect();
        let returns = return_type(&tree, code, f.span);
        functions.insert(
            name.clone(),
            Signature {
                name,
                params,
                defaults,
                returns,
            },
        );
    }
    Interface { functions }
}

fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The declared return type of the function whose definition spans `span`.
fn return_type(tree: &tree_sitter::Tree, code: &str, span: Span) -> Option<String> {
    let mut node = tree
        .root_node()
        .descendant_for_byte_range(span.start_byte, span.end_byte)?;
    if node.kind() == "decorated_definition" {
        node = node.child_by_field_name("definition")?;
    }
    while node.kind() != "function_definition" {
        node = node.parent()?;
    }
    let text = |n: tree_sitter::Node<'_>| normalize(code.get(n.byte_range()).unwrap_or(""));
    if let Some(r) = node.child_by_field_name("return_type") {
        return Some(text(r));
    }
    // C/C++: the type, then one star per pointer declarator around the name.
    let base = node.child_by_field_name("type").map(text)?;
    let mut stars = String::new();
    let mut d = node.child_by_field_name("declarator");
    while let Some(n) = d {
        if n.kind() == "function_declarator" {
            break;
        }
        if n.kind() == "pointer_declarator" {
            stars.push('*');
        }
        d = n.child_by_field_name("declarator");
    }
    Some(format!(
        "{base}{}{stars}",
        if stars.is_empty() { "" } else { " " }
    ))
}

/// What `after` lost or changed of `before`'s interface, one line each;
/// empty when every function is still there with the same parameters.
/// New functions are fine (a fix may add a helper).
pub fn interface_changes(before: &Interface, after: &Interface) -> Vec<String> {
    let mut changes = Vec::new();
    for (name, sig) in &before.functions {
        match after.functions.get(name) {
            None => changes.push(format!("function {sig} was removed or renamed")),
            Some(now)
                if now.params != sig.params
                    || now.defaults != sig.defaults
                    || now.returns != sig.returns =>
            {
                changes.push(format!("function {sig} changed its signature to {now}"));
            }
            Some(_) => {}
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_interfaces() {
        let code = "def load(path, mode='r'):\n    return open(path, mode)\n\ndef _helper(x):\n    return x\n\nclass Store:\n    def __init__(self, db):\n        self.db = db\n    def get(self, key):\n        return self.db[key]\n";
        let i = interface_of(Language::Python, code);
        let names: Vec<&str> = i.functions.keys().map(String::as_str).collect();
        assert_eq!(names, vec!["Store.__init__", "Store.get", "load"]);
        assert_eq!(i.functions["load"].params, vec!["path", "mode"]);
        assert!(check_parses(Language::Python, code).is_ok());

        let renamed = code.replace("def load(path, mode='r')", "def load_file(path)");
        let changes = interface_changes(&i, &interface_of(Language::Python, &renamed));
        assert_eq!(
            changes,
            vec!["function load(path, mode='r') was removed or renamed"]
        );
        let narrowed = code.replace("def load(path, mode='r')", "def load(path)");
        let changes = interface_changes(&i, &interface_of(Language::Python, &narrowed));
        assert_eq!(
            changes,
            vec!["function load(path, mode='r') changed its signature to load(path)"]
        );
        // Defaults and the return type are part of the interface.
        let defaulted = code.replace("mode='r'", "mode='w'");
        let changes = interface_changes(&i, &interface_of(Language::Python, &defaulted));
        assert_eq!(
            changes,
            vec!["function load(path, mode='r') changed its signature to load(path, mode='w')"]
        );
        let reordered = code.replace("def get(self, key)", "def get(key, self)");
        assert_eq!(
            interface_changes(&i, &interface_of(Language::Python, &reordered)).len(),
            1
        );
        let typed = code.replace("def get(self, key):", "def get(self, key) -> str:");
        let changes = interface_changes(&i, &interface_of(Language::Python, &typed));
        assert_eq!(
            changes,
            vec![
                "function Store.get(self, key) changed its signature to Store.get(self, key) -> str"
            ]
        );
        let extended = format!("{code}\ndef extra():\n    pass\n");
        assert!(interface_changes(&i, &interface_of(Language::Python, &extended)).is_empty());
    }

    #[test]
    fn c_interfaces_include_types() {
        let code = "#include <string.h>\nvoid copy(char *dst, const char *src, size_t n) { strncpy(dst, src, n); }\nstatic int twice(int x) { return 2 * x; }\n";
        let i = interface_of(Language::C, code);
        let copy = &i.functions["copy"];
        assert_eq!(copy.params.len(), 3, "{copy}");
        assert!(copy.params[0].contains("*dst"), "{copy}");
        let retyped = code.replace("size_t n", "int n");
        let changes = interface_changes(&i, &interface_of(Language::C, &retyped));
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(i.functions["copy"].returns.as_deref(), Some("void"));
        let returns = code.replace("void copy(", "char *copy(");
        let changes = interface_changes(&i, &interface_of(Language::C, &returns));
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert!(changes[0].ends_with("-> char *"), "{changes:?}");
    }

    #[test]
    fn parse_failures_name_lines() {
        let err = check_parses(Language::Python, "def f(:\n    return 1\n")
            .err()
            .unwrap_or_else(|| panic!("should not parse"));
        assert_eq!(err.lines.first(), Some(&1), "{err}");
        assert!(err.to_string().contains("does not parse"));
        assert!(check_parses(Language::C, "int main(void) { return 0; }\n").is_ok());
        assert!(check_parses(Language::C, "int main(void) { return 0;\n").is_err());
    }
}
