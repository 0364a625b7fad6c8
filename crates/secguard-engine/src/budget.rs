//! Per-file work budgets. Every file, whatever its shape, is parsed, lowered
//! and analyzed under fixed limits: IR nodes lowered, expression and
//! statement nesting, interpreter steps, the size of abstract values and
//! states, and wall-clock time. Exceeding one never aborts the scan: the
//! work done so far is kept and a `budget-exceeded` note names the file and
//! the budget.

use std::time::{Duration, Instant};

/// Longest constant string the interpreter keeps; a longer one becomes text
/// of unknown content that starts with a known prefix.
pub const MAX_CONST_LEN: usize = 64 * 1024;

/// Longest known prefix kept for a string of unknown content (URL and
/// command checks look at the first few dozen bytes).
pub const MAX_PREFIX_LEN: usize = 256;

/// `text` cut to at most [`MAX_PREFIX_LEN`] bytes on a character boundary.
pub fn prefix_of(text: &str) -> &str {
    if text.len() <= MAX_PREFIX_LEN {
        return text;
    }
    let mut end = MAX_PREFIX_LEN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// What one lowered statement counts against the node budget: a statement
/// takes about three times the memory of an expression node.
pub const STMT_NODES: usize = 3;

/// Python indentation levels a file may nest: tree-sitter-python's scanner
/// fails a C assertion (aborting the process) past about 500.
pub const MAX_INDENT_LEVELS: usize = 400;

/// How many indentation levels Python source nests, as the scanner counts
/// them at most: a stack of increasing indentation widths over non-blank,
/// non-comment lines.
pub fn indent_levels(source: &str) -> usize {
    let mut stack: Vec<usize> = vec![0];
    let mut deepest = 0;
    for line in source.lines() {
        let body = line.trim_start_matches([' ', '\t', '\x0c']);
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let width: usize = line[..line.len() - body.len()]
            .chars()
            .map(|c| if c == '\t' { 8 } else { 1 })
            .sum();
        while stack.last().is_some_and(|top| *top > width) {
            stack.pop();
        }
        if stack.last().is_none_or(|top| *top < width) {
            stack.push(width);
        }
        deepest = deepest.max(stack.len() - 1);
    }
    deepest
}

/// One of the per-file limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Budget {
    /// IR nodes (statements and expressions) lowered from the syntax tree.
    Nodes,
    /// Nesting of expressions and statements.
    Depth,
    /// Interpreter steps (statements and expressions executed, inlined
    /// calls included).
    Steps,
    /// The size of abstract values: constant strings and variables tracked
    /// per program point.
    ValueSize,
    /// Wall-clock time for parsing, lowering and analysis.
    Time,
    /// Python indentation nested deeper than the parser can hold.
    Indentation,
}

/// The limits one file is analyzed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_nodes: usize,
    pub max_depth: usize,
    pub max_steps: usize,
    /// Variables held at once by the states alive across nested branches
    /// (each branch keeps a copy of the state it started from).
    pub max_live_vars: usize,
    pub max_time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // About 200 bytes each: with the syntax tree (freed before the
            // analysis) this keeps a file under 256 MiB. A megabyte of plain
            // C statements lowers to about 500,000.
            max_nodes: 750_000,
            max_depth: 120,
            max_steps: 2_000_000,
            max_live_vars: 200_000,
            max_time: Duration::from_secs(3),
        }
    }
}

impl Budget {
    /// What was cut short, for the note.
    pub fn describe(self, limits: &Limits) -> String {
        match self {
            Budget::Nodes => format!(
                "node budget ({} IR nodes) exhausted; the rest of the file was not analyzed",
                limits.max_nodes
            ),
            Budget::Depth => format!(
                "depth budget ({} levels) exceeded; deeper nesting was summarized",
                limits.max_depth
            ),
            Budget::Steps => format!(
                "step budget ({} analysis steps) exhausted; later code was not analyzed",
                limits.max_steps
            ),
            Budget::ValueSize => format!(
                "value-size budget exceeded (a constant string above {MAX_CONST_LEN} bytes, or \
                 more than {} variables held across nested branches); those values were treated \
                 as unknown",
                limits.max_live_vars
            ),
            Budget::Indentation => format!(
                "indentation nested more than {MAX_INDENT_LEVELS} levels; the file was not \
                 parsed (the Python parser aborts the process past about 500)"
            ),
            Budget::Time => format!(
                "time budget ({} ms per file) exhausted; later code was not analyzed",
                limits.max_time.as_millis()
            ),
        }
    }
}

/// How often (in counted units) the clock is read: often enough to stop
/// within a few milliseconds of the deadline, rarely enough to cost nothing.
const CLOCK_EVERY: usize = 1024;

/// Counts one file's work against its [`Limits`].
#[derive(Debug, Clone)]
pub struct Meter {
    pub limits: Limits,
    deadline: Option<Instant>,
    nodes: usize,
    steps: usize,
    ticks: usize,
    /// Budgets exceeded so far, in the order first exceeded.
    exceeded: Vec<Budget>,
}

impl Default for Meter {
    fn default() -> Self {
        Meter::new(Limits::default())
    }
}

impl Meter {
    /// A meter whose clock starts now.
    pub fn new(limits: Limits) -> Meter {
        Meter {
            limits,
            deadline: Instant::now().checked_add(limits.max_time),
            nodes: 0,
            steps: 0,
            // The first count reads the clock, so a spent budget stops at once.
            ticks: CLOCK_EVERY,
            exceeded: Vec::new(),
        }
    }

    /// Record that `budget` was exceeded (once).
    pub fn exceed(&mut self, budget: Budget) {
        if !self.exceeded.contains(&budget) {
            self.exceeded.push(budget);
        }
    }

    pub fn exceeded(&self) -> &[Budget] {
        &self.exceeded
    }

    /// Whether lowering or analysis must stop now (a hard budget is spent).
    pub fn stopped(&self) -> bool {
        self.exceeded
            .iter()
            .any(|b| matches!(b, Budget::Nodes | Budget::Steps | Budget::Time))
    }

    /// Whether the deadline has passed; reads the clock.
    pub fn out_of_time(&mut self) -> bool {
        if self.exceeded.contains(&Budget::Time) {
            return true;
        }
        match self.deadline {
            Some(d) if Instant::now() >= d => {
                self.exceed(Budget::Time);
                true
            }
            _ => false,
        }
    }

    fn tick(&mut self, n: usize) -> bool {
        self.ticks += n;
        if self.ticks >= CLOCK_EVERY {
            self.ticks = 0;
            return !self.out_of_time();
        }
        true
    }

    /// Count one lowered IR node; false once lowering must stop.
    pub fn node(&mut self) -> bool {
        self.lowered(1)
    }

    /// Count `n` IR nodes (a copy of a lowered expression counts as many
    /// nodes as it holds); false once lowering must stop.
    pub fn lowered(&mut self, n: usize) -> bool {
        if self.stopped() {
            return false;
        }
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_nodes {
            self.exceed(Budget::Nodes);
            return false;
        }
        self.tick(n)
    }

    /// Count `n` units of analysis work; false once analysis must stop.
    pub fn step(&mut self, n: usize) -> bool {
        if self.stopped() {
            return false;
        }
        self.steps = self.steps.saturating_add(n);
        if self.steps > self.limits.max_steps {
            self.exceed(Budget::Steps);
            return false;
        }
        self.tick(n)
    }

    /// Nodes lowered and steps taken so far, for measurements.
    pub fn counts(&self) -> (usize, usize) {
        (self.nodes, self.steps)
    }
}
