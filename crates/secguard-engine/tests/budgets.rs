//! Every per-file budget holds on input built to break it, and exceeding
//! one leaves a partial result with a `budget-exceeded` note that names the
//! file and the budget, never an abort.

#[path = "support/pathological.rs"]
mod pathological;

use secguard_core::{Language, NoteKind};
use secguard_engine::budget::Limits;
use secguard_engine::{Engine, FileResult, lower};
use std::path::Path;
use std::time::Duration;

fn engine(limits: Limits) -> Engine {
    match Engine::builtin() {
        Ok(e) => e.with_limits(limits),
        Err(e) => panic!("embedded rules do not load: {e}"),
    }
}

fn budget_notes(r: &FileResult) -> Vec<String> {
    r.notes
        .iter()
        .filter(|n| n.kind == NoteKind::BudgetExceeded)
        .map(|n| format!("{}: {}", n.path.display(), n.message))
        .collect()
}

/// `return ----...--x;`: each prefix decrement lowered its operand twice,
/// so 16 levels made 65,536 statements (and 24 levels took gigabytes).
#[test]
fn nested_prefix_decrements_lower_to_one_statement_each() {
    let src = pathological::prefix_decrements(16);
    let tree = lower::parse(Language::C, &src).expect("C grammar loads");
    let module = lower::lower(Language::C, &src, &tree);
    let assigns = format!("{module:?}").matches("Assign {").count();
    assert!(
        assigns <= 20,
        "{assigns} assignments for 16 nested decrements"
    );
}

#[test]
fn the_99_byte_file_scans_without_a_budget_note() {
    let src = pathological::prefix_decrements(24);
    let r = engine(Limits::default()).scan_source(Path::new("dec.c"), Language::C, &src);
    assert!(budget_notes(&r).is_empty(), "{:?}", r.notes);
}

/// Findings made before a budget runs out are kept, and the note names the
/// file and the budget.
#[test]
fn step_budget_keeps_earlier_findings_and_names_the_budget() {
    let mut src = String::from(
        "#include <stdlib.h>\nint main(int argc, char **argv) { system(argv[1]); return 0; }\n",
    );
    src.push_str("int g(int a) { int x = 0;\n");
    src.push_str(&"while (a > x) { x = x + 1;\n".repeat(100));
    src.push_str(&"}\n".repeat(100));
    src.push_str("return x; }\n");
    let limits = Limits {
        max_steps: 5_000,
        ..Limits::default()
    };
    let r = engine(limits).scan_source(Path::new("steps.c"), Language::C, &src);
    let notes = budget_notes(&r);
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("steps.c: ") && n.contains("step budget (5000")),
        "{notes:?}"
    );
    assert!(
        r.findings.iter().any(|f| f.rule_id.contains("command")),
        "finding before the budget ran out was lost: {:?}",
        r.findings.iter().map(|f| &f.rule_id).collect::<Vec<_>>()
    );
}

#[test]
fn time_budget_ends_in_a_note_not_an_abort() {
    let limits = Limits {
        max_time: Duration::ZERO,
        ..Limits::default()
    };
    let src = "import os\ndef f(a):\n    os.system(a)\n";
    let r = engine(limits).scan_source(Path::new("slow.py"), Language::Python, src);
    let notes = budget_notes(&r);
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("slow.py: ") && n.contains("time budget (0 ms")),
        "{notes:?}"
    );
}

#[test]
fn node_budget_ends_lowering_with_a_note() {
    let limits = Limits {
        max_nodes: 100,
        ..Limits::default()
    };
    let src = "x = 1\n".repeat(1000);
    let r = engine(limits).scan_source(Path::new("big.py"), Language::Python, &src);
    let notes = budget_notes(&r);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("node budget (100 IR nodes)")),
        "{notes:?}"
    );
}

#[test]
fn depth_budget_is_reported() {
    let src = format!("x = {}1{}\n", "(".repeat(500), ")".repeat(500));
    let r = engine(Limits::default()).scan_source(Path::new("deep.py"), Language::Python, &src);
    let notes = budget_notes(&r);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("depth budget (120 levels)")),
        "{notes:?}"
    );
}

/// `s = s + s` sixty-four times: constant folding doubled the string each
/// time until the allocation failed. Long constants keep their prefix, so
/// a check on the leading text still sees it.
#[test]
fn constant_strings_are_capped_and_keep_their_prefix() {
    let mut src = String::from("import os\ns = 'rm -rf /tmp/' * 4000\n");
    src.push_str(&"s = s + s\n".repeat(64));
    src.push_str("os.system(s + input())\n");
    let r = engine(Limits::default()).scan_source(Path::new("dbl.py"), Language::Python, &src);
    let notes = budget_notes(&r);
    assert!(
        notes.iter().any(|n| n.contains("value-size budget")),
        "{notes:?}"
    );
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule_id == "py-command-injection"),
        "{:?}",
        r.findings.iter().map(|f| &f.rule_id).collect::<Vec<_>>()
    );
}

/// Thousands of variables copied into 150 nested branches: the copies alive
/// at once are bounded.
#[test]
fn wide_states_in_nested_branches_stop_at_the_value_size_budget() {
    let mut src = String::from("int f(int a) {\n");
    for i in 0..20_000 {
        src.push_str(&format!("int v{i} = {i};\n"));
    }
    src.push_str(&"if (a) { a = a - 1;\n".repeat(100));
    src.push_str(&"}\n".repeat(100));
    src.push_str("return a; }\n");
    let r = engine(Limits::default()).scan_source(Path::new("wide.c"), Language::C, &src);
    let notes = budget_notes(&r);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("value-size budget") || n.contains("step budget")),
        "{notes:?}"
    );
}

/// From the fuzz campaign: every loop ran its body twice, so 40 nested
/// loops meant 2^40 runs of the innermost body (each keeping its return
/// state). Deep loop nests now cost steps linear in their depth.
#[test]
fn nested_loops_stay_within_the_step_budget() {
    let src = pathological::nested_loops_with_return(40);
    let r = engine(Limits::default()).scan_source(Path::new("loops.c"), Language::C, &src);
    let notes = budget_notes(&r);
    assert!(notes.is_empty(), "{notes:?}");
}

/// From the fuzz campaign: a statement `x, x, x, ...` of thousands of
/// operands nests one level per operand and overflowed the stack.
#[test]
fn long_comma_chains_do_not_overflow_the_stack() {
    let src = format!("void f(int x) {{ {}x; }}\n", "x, ".repeat(20_000));
    let r = engine(Limits::default()).scan_source(Path::new("comma.c"), Language::C, &src);
    assert!(r.notes.iter().all(|n| n.kind != NoteKind::InternalError));
}

/// From the fuzz campaign: tree-sitter-python fails a C assertion (which
/// aborts the process, past any `catch_unwind`) on indentation nested about
/// 500 levels deep. Such a file is refused before parsing, with a note.
#[test]
fn python_indentation_past_the_parser_limit_is_refused_with_a_note() {
    let mut src = String::from("def f(a):\n");
    for d in 1..600 {
        src.push_str(&" ".repeat(d));
        src.push_str("if a:\n");
    }
    src.push_str(&" ".repeat(600));
    src.push_str("pass\n");
    let r = engine(Limits::default()).scan_source(Path::new("indent.py"), Language::Python, &src);
    let notes = budget_notes(&r);
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("indent.py: ") && n.contains("indentation nested more than 400")),
        "{notes:?}"
    );
}

/// From the fuzz campaign: 23,000 nested list displays on the left of an
/// assignment recursed through assignment targets without a depth bound.
#[test]
fn deeply_nested_assignment_targets_do_not_overflow_the_stack() {
    let src = format!("{}x{} = y\n", "[".repeat(20_000), ",]".repeat(20_000));
    let r = engine(Limits::default()).scan_source(Path::new("targets.py"), Language::Python, &src);
    assert!(r.notes.iter().all(|n| n.kind != NoteKind::InternalError));
}
