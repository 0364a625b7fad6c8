//! Command-line definitions (clap derive) and the small value types that
//! flags, environment variables and `secguard.toml` share.

use clap::{Args, Parser, Subcommand, ValueEnum};
use secguard_core::{Language, Severity};
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "secguard",
    version,
    about = "Security static analyzer for Python, C and C++ code written by LLMs",
    propagate_version = true
)]
pub struct Cli {
    /// Read this configuration file instead of searching for secguard.toml.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Do not read any secguard.toml.
    #[arg(long, global = true, conflicts_with = "config")]
    pub no_config: bool,

    /// Extra rule files, or directories of them (`*.yaml`, one rule per file,
    /// the format of docs/writing-rules.md), added to the built-in rules.
    #[arg(long = "rules", global = true, value_name = "PATH")]
    pub rule_paths: Vec<std::path::PathBuf>,

    /// The review database [default: SECGUARD_DB, or store.path, or
    /// .secguard/secguard.db in the project directory].
    #[arg(long, global = true, value_name = "FILE")]
    pub db: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories for security weaknesses.
    Scan(Box<ScanArgs>),
    /// List and explain the built-in rules.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Review findings and samples: the web UI (`--serve`), or from the
    /// terminal with `next` and `label`.
    Review(ReviewArgs),
    /// Write code for a task with an LLM, then critique and repair it until
    /// the analyzers and the critique find nothing (or N rounds pass).
    Generate(Box<GenerateArgs>),
    /// Critique and repair an existing file with an LLM; prints the diff,
    /// or writes the repaired file with --write.
    Fix(Box<FixArgs>),
    /// Ask the LLM for a verdict and a rationale on each open finding,
    /// informed by reviewers' memories. Advice only: it suppresses nothing;
    /// the rationale is stored for the review UI.
    Triage(Box<TriageArgs>),
    /// Manage memories, the lessons learnt from reviews, and read the
    /// audit log.
    Feedback {
        #[command(subcommand)]
        command: FeedbackCommand,
    },
    /// List the models secguard can use: the configured server's, and
    /// local GGUF files (offline, with the `local` build feature).
    Models {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Measure: analyzers against human labels (`agreement`), against
    /// ground truth (`score`), and generation modes (`generate`).
    Eval {
        #[command(subcommand)]
        command: EvalCommand,
    },
    /// Search and read the knowledge base (CWE entries and secure-coding
    /// guidelines), and import MITRE's CWE catalogue.
    Kb {
        #[command(subcommand)]
        command: KbCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Generate code for a dataset's prompts in several modes, scan every
    /// sample, and report insecure rates per mode and analyzer. Resumable:
    /// rerun the same command after an interruption.
    Generate(Box<EvalGenerateArgs>),
    /// Run analyzers on labelled samples and compare them with the human
    /// labels: agreement, Cohen's and Fleiss' kappa, precision, recall, F1.
    Agreement(Box<EvalAgreementArgs>),
    /// Score analyzers against ground truth (expected results, OWASP
    /// Benchmark, or Juliet's bad/good functions): TPR, FPR, Youden.
    Score(Box<EvalScoreArgs>),
    /// Two `eval generate` results side by side.
    Compare {
        /// results.json of the first run (or its report folder).
        a: PathBuf,
        /// results.json of the second run (or its report folder).
        b: PathBuf,
    },
}

#[derive(Debug, Clone, Args)]
pub struct EvalGenerateArgs {
    /// The dataset: a file or folder (format detected, or --dataset-format).
    #[arg(long)]
    pub dataset: PathBuf,
    /// llmseceval-json, llmseceval-csv, securityeval, cyberseceval-instruct,
    /// cyberseceval-autocomplete, jsonl, csv or folder.
    #[arg(long = "dataset-format", value_name = "FORMAT")]
    pub dataset_format: Option<String>,
    /// Only the first N samples with a prompt, in dataset order.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Only samples in this language (python, c or cpp).
    #[arg(long = "lang", value_parser = parse_language)]
    pub language: Option<Language>,
    /// Generation modes, separated by commas: baseline, security-prefix,
    /// rci:K (K repair rounds), rci-rag:K (with retrieval).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "baseline,security-prefix,rci:3,rci-rag:3"
    )]
    pub modes: Vec<String>,
    /// Models to compare (repeatable) [default: SECGUARD_MODEL].
    #[arg(long = "model", value_name = "MODEL")]
    pub models: Vec<String>,
    /// Samples per prompt and mode.
    #[arg(short = 'k', long = "samples", default_value_t = 1)]
    pub samples: usize,
    /// Sampling temperature.
    #[arg(long, default_value_t = 0.2)]
    pub temperature: f32,
    /// Analyzers that judge every sample, separated by commas.
    #[arg(long, value_delimiter = ',', default_value = "builtin")]
    pub analyzers: Vec<String>,
    /// Jobs in flight at once (each job is one sample of one prompt).
    #[arg(short = 'j', long = "jobs", default_value_t = 4)]
    pub jobs: usize,
    /// Write report.md, report.html and results.json here.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Time limit for each external analyzer, in seconds.
    #[arg(long = "tool-timeout", value_name = "SECONDS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub tool_timeout: u64,
}

#[derive(Debug, Clone, Args)]
pub struct EvalAgreementArgs {
    /// The labelled samples: a folder of code files (with labels.csv
    /// beside them) or any dataset file.
    #[arg(long)]
    pub dataset: PathBuf,
    #[arg(long = "dataset-format", value_name = "FORMAT")]
    pub dataset_format: Option<String>,
    /// Labels (CSV or JSONL: sample, reviewer, vulnerable, cwes; or a
    /// `secguard review export`); default: the dataset's own labels.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Analyzers to compare, separated by commas.
    #[arg(long, value_delimiter = ',', default_value = "builtin")]
    pub analyzers: Vec<String>,
    /// A sample counts as flagged when any finding is reported (any), or
    /// only a finding of a labelled CWE (cwe).
    #[arg(long = "by", value_parser = ["any", "cwe"], default_value = "any")]
    pub by: String,
    /// With --by cwe, also count findings of a related CWE (the family).
    #[arg(long)]
    pub family: bool,
    /// Also ask the LLM to triage each sample's findings: the sample
    /// counts as vulnerable for the `llm-triage` column when it confirms
    /// at least one.
    #[arg(long)]
    pub triage: bool,
    /// The model for --triage [default: SECGUARD_MODEL].
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// Bootstrap resamples for the 95% intervals.
    #[arg(long, default_value_t = 1000)]
    pub resamples: usize,
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    #[arg(long = "tool-timeout", value_name = "SECONDS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub tool_timeout: u64,
}

#[derive(Debug, Clone, Args)]
pub struct EvalScoreArgs {
    /// Expected results: generic CSV/JSON or OWASP Benchmark expectedresults-*.csv.
    #[arg(long, conflicts_with = "juliet", required_unless_present = "juliet")]
    pub expected: Option<PathBuf>,
    /// A Juliet test-suite folder: each OMITBAD function is a real case,
    /// each OMITGOOD function a fake one.
    #[arg(long)]
    pub juliet: Option<PathBuf>,
    /// The folder the expected results' file names are relative to
    /// [default: the --juliet folder, or the expected file's folder].
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Findings to score (secguard JSON or SARIF), repeatable; each file
    /// is one column, named after it. Without it, --analyzers run.
    #[arg(long = "findings", value_name = "FILE")]
    pub findings: Vec<PathBuf>,
    /// Analyzers to run and score, each its own column.
    #[arg(long, value_delimiter = ',', default_value = "builtin")]
    pub analyzers: Vec<String>,
    /// Count findings of a related CWE (its family) as matching.
    #[arg(long)]
    pub family: bool,
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    #[arg(long = "tool-timeout", value_name = "SECONDS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub tool_timeout: u64,
}

#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Find the guidelines (and reviewers' memories) that apply to a task
    /// or a piece of code, best first.
    Search {
        /// The task or situation, in words.
        query: String,
        /// Only guidelines for this language (python, c or cpp).
        #[arg(long = "lang", value_parser = parse_language)]
        language: Option<Language>,
        /// Only guidelines naming this CWE (repeatable; `89` or `CWE-89`).
        #[arg(long = "cwe", value_name = "N", value_parser = parse_cwe)]
        cwes: Vec<u32>,
        /// At most this many guidelines (and, separately, memories).
        #[arg(long, default_value_t = 5)]
        limit: usize,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Show a CWE entry (`CWE-89`, `89`) or a guideline (its id).
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// List the CWE entries, or with --guidelines the guidelines.
    List {
        #[arg(long)]
        guidelines: bool,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Import MITRE's CWE catalogue (cwec_vX.Y.xml) into the review
    /// database: names, descriptions, mitigations and the hierarchy, used
    /// for CWE-family matching and in critiques.
    ImportCwe {
        /// The catalogue's XML file.
        file: PathBuf,
    },
}

/// `89`, `CWE-89` or `cwe-89`.
pub fn parse_cwe(text: &str) -> Result<u32, String> {
    let t = text.trim();
    let digits = t
        .strip_prefix("CWE-")
        .or_else(|| t.strip_prefix("cwe-"))
        .unwrap_or(t);
    digits
        .parse::<u32>()
        .map_err(|_| format!("{text:?} is not a CWE id (89 or CWE-89)"))
}

/// Settings shared by `generate` and `fix`. The server comes from
/// OPENAI_BASE_URL (default OpenAI), the key from OPENAI_API_KEY, the model
/// from SECGUARD_MODEL or --model.
#[derive(Debug, Clone, Args)]
pub struct LoopArgs {
    /// Repair rounds at most.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub iterations: usize,
    /// The model to ask [default: SECGUARD_MODEL, or gpt-4o-mini].
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// Use the analyzers only, without the LLM's critique.
    #[arg(long)]
    pub no_critique: bool,
    /// Analyzers that check every version of the code, separated by
    /// commas: builtin, semgrep, bandit, cppcheck, flawfinder, codeql.
    /// External tools read the code from a private temporary folder.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "builtin"
    )]
    pub analyzers: Vec<String>,
    /// Time limit for each external analyzer run, in seconds.
    #[arg(long = "tool-timeout", value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub tool_timeout: u64,
    /// Do not ground the prompts in the knowledge base and the reviewers'
    /// memories.
    #[arg(long)]
    pub no_retrieval: bool,
    /// Do not read or write the response cache in the review database.
    #[arg(long)]
    pub no_cache: bool,
    /// Write the whole run (every iteration's code, findings, critique and
    /// diff) as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub trajectory: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct GenerateArgs {
    /// What the code should do.
    pub task: String,
    /// python, c or cpp.
    #[arg(long = "lang", default_value = "python", value_parser = parse_language)]
    pub language: Language,
    /// Write the code to FILE (atomically) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub run: LoopArgs,
}

#[derive(Debug, Clone, Args)]
pub struct FixArgs {
    /// The file to repair (its language comes from the extension).
    pub file: PathBuf,
    /// Replace the file with the repaired code instead of printing a diff.
    #[arg(long)]
    pub write: bool,
    #[command(flatten)]
    pub run: LoopArgs,
}

#[derive(Debug, Clone, Args)]
pub struct TriageArgs {
    /// Files and directories to scan and triage [default: .].
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Triage at most this many findings, highest severity first.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: usize,
    /// The model to ask [default: SECGUARD_MODEL, or gpt-4o-mini].
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// Do not read or write the response cache in the review database.
    #[arg(long)]
    pub no_cache: bool,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Args)]
pub struct ReviewArgs {
    /// Serve the review UI on this loopback address [default when given
    /// without a value: 127.0.0.1 on a free port].
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:0")]
    pub serve: Option<String>,

    /// Who you are, as a check: identity comes from your key
    /// (SECGUARD_REVIEWER_KEY, or the key file `review keygen` writes) or
    /// else your operating-system login, never from this flag; a NAME that
    /// differs is refused. For `review next`, whose queue to show.
    #[arg(long, global = true, value_name = "NAME")]
    pub reviewer: Option<String>,

    /// Largest request body the UI accepts, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20, hide = true)]
    pub max_body: usize,

    #[command(subcommand)]
    pub command: Option<ReviewCommand>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ReviewCommand {
    /// Show the next item waiting for your decision.
    Next {
        /// Also offer whole samples (secure/insecure verdicts).
        #[arg(long)]
        samples: bool,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Record a decision on a finding or a sample.
    Label(Box<LabelArgs>),
    /// Export every label, one row per item and reviewer.
    Export {
        #[arg(long, value_parser = ["csv", "jsonl"], default_value = "csv")]
        format: String,
        /// Write to FILE (atomically) instead of standard output.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Import labels exported by `review export` (CSV or JSONL).
    Import {
        file: PathBuf,
        /// [default: from the file extension]
        #[arg(long, value_parser = ["csv", "jsonl"])]
        format: Option<String>,
    },
    /// Agreement between reviewers: Cohen's kappa per pair, Fleiss' kappa.
    Agreement {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Add a reviewer; with --public-key or --role, register their key or
    /// change their role, signed with your (admin) key.
    Reviewer {
        name: String,
        #[arg(long, value_parser = ["reviewer", "admin"])]
        role: Option<String>,
        /// The reviewer's public key (64 hex digits, from their
        /// `secguard review keygen`).
        #[arg(long, value_name = "HEX")]
        public_key: Option<String>,
    },
    /// Make a new ed25519 key pair: writes the private key (mode 0600) and
    /// prints the public key for an admin to register.
    Keygen {
        /// Where to write the private key [default: secguard/reviewer.key
        /// in your configuration directory].
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Replace an existing key file.
        #[arg(long)]
        force: bool,
    },
    /// Register your key as the first admin (only while there is none).
    InitAdmin {
        /// The admin's name [default: your operating-system login].
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },
    /// The registered reviewer keys whose signatures verify, and their roles.
    Keys {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
}

#[derive(Debug, Clone, Args)]
pub struct LabelArgs {
    /// The finding's fingerprint (as in JSON or SARIF output, or `review next`).
    #[arg(
        long,
        value_name = "FINGERPRINT",
        conflicts_with = "sample",
        required_unless_present = "sample"
    )]
    pub finding: Option<String>,
    /// A sample's path, as scanned.
    #[arg(long, value_name = "PATH")]
    pub sample: Option<String>,
    /// tp/true_positive or fp/false_positive for findings, secure or
    /// insecure for samples.
    #[arg(long)]
    pub decision: String,
    /// Why; becomes the memory's condition.
    #[arg(long, default_value = "")]
    pub note: String,
    /// Corrected CWE for a finding, or the sample's CWEs; repeatable.
    #[arg(long = "cwe", value_name = "CWE")]
    pub cwe: Vec<String>,
    /// Corrected severity for a true positive.
    #[arg(long)]
    pub severity: Option<String>,
    /// How far the memory reaches: finding, rule_in_file, rule or cwe.
    #[arg(long, default_value = "finding", value_parser = ["finding", "rule_in_file", "rule", "cwe"])]
    pub scope: String,
    /// Narrow the memory to paths matching this glob (`tests/**`: `**`
    /// crosses directories, `*` does not); the finding's path must match.
    #[arg(long, value_name = "GLOB")]
    pub glob: Option<String>,
    /// A file with corrected code, kept with the review.
    #[arg(long, value_name = "FILE")]
    pub corrected_code: Option<PathBuf>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum FeedbackCommand {
    /// List memories.
    List {
        /// Include revoked memories.
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Show one memory with its source reviews.
    Show { id: i64 },
    /// Revoke a memory: it stays on record but no longer applies.
    Revoke {
        id: i64,
        #[arg(long)]
        reason: String,
        /// Who you are, as a check (see `review --reviewer`).
        #[arg(long, value_name = "NAME")]
        reviewer: Option<String>,
    },
    /// Export memories as JSON.
    Export {
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Include revoked memories.
        #[arg(long)]
        all: bool,
    },
    /// Import memories exported by `feedback export`. Only signed decisions
    /// that verify with keys registered here vouch for a memory; the rest
    /// enter as pending (shown, never applied) until a verified reviewer
    /// confirms them.
    Import {
        file: PathBuf,
        /// Who you are, as a check (see `review --reviewer`).
        #[arg(long, value_name = "NAME")]
        reviewer: Option<String>,
    },
    /// The append-only audit log, newest first.
    Audit {
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List every built-in rule.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Show a rule's documentation: what it finds, why it matters, an
    /// example and the fix.
    Explain {
        /// The rule id, as shown by `secguard rules list`.
        rule_id: String,
    },
    /// Run every rule's positive and negative fixtures; exit 1 if any fails.
    Test,
}

#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Files and directories to scan [default: .].
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format [default: text, or SECGUARD_FORMAT, or scan.format].
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Report only findings whose fingerprint is not in this previous JSON
    /// or SARIF report.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Exit with 1 when an unsuppressed finding is at or above this severity
    /// (info, low, medium, high, critical, or never) [default: info].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_fail_on)]
    pub fail_on: Option<FailOn>,

    /// Number of worker threads [default: one per CPU].
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,

    /// Skip files larger than this (bytes, or with a unit: 512K, 2MiB)
    /// [default: 1MiB].
    #[arg(long, value_name = "BYTES", value_parser = parse_size_arg)]
    pub max_file_size: Option<u64>,

    /// Do not honour .gitignore files (.secguardignore is always honoured).
    #[arg(long)]
    pub no_ignore: bool,

    /// Only scan these languages (python, c, cpp); repeat or separate with commas.
    #[arg(long = "lang", value_name = "LANG", value_delimiter = ',', value_parser = parse_language)]
    pub languages: Vec<Language>,

    /// Skip paths matching this gitignore-style pattern, relative to the
    /// current directory; may be repeated.
    #[arg(long = "exclude", value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Print one secure/insecure verdict per file (text output).
    #[arg(long)]
    pub verdicts: bool,

    /// Parse only, without rules (the benchmark floor).
    #[arg(long, hide = true)]
    pub parse_only: bool,

    /// Print findings only: no notes, summary or progress.
    #[arg(short, long)]
    pub quiet: bool,

    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Analyzers to run, separated by commas: builtin, semgrep, bandit,
    /// cppcheck, flawfinder, codeql. External tools must be installed.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "builtin"
    )]
    pub analyzers: Vec<String>,

    /// Add the results in a SARIF file (any tool, GitHub code scanning) as
    /// one more analyzer; may be repeated.
    #[arg(long = "import-sarif", value_name = "FILE")]
    pub import_sarif: Vec<PathBuf>,

    /// Semgrep rule file or folder (repeatable). Default: the small rule
    /// set that ships with secguard's sources.
    #[arg(long = "semgrep-config", value_name = "PATH")]
    pub semgrep_configs: Vec<PathBuf>,

    /// How analyzers' verdicts combine per sample.
    #[arg(long, value_name = "POLICY", default_value = "any", value_parser = ["any", "majority", "all", "weighted"])]
    pub policy: String,

    /// Per-analyzer and per-rule precision for `--policy weighted`: a JSON
    /// file `{"analyzers": {"bandit": 0.4}, "rules": {"bandit/B602": 0.9},
    /// "default": 0.5, "threshold": 0.5}`.
    #[arg(long, value_name = "FILE")]
    pub precision: Option<PathBuf>,

    /// Time limit for each external analyzer, in seconds.
    #[arg(long = "tool-timeout", value_name = "SECONDS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub tool_timeout: u64,

    /// Do not read or write the analyzer result cache (.secguard/cache).
    #[arg(long)]
    pub no_cache: bool,

    /// Do not record this scan in the review database.
    #[arg(long)]
    pub no_store: bool,

    /// Do not apply memories (suppressions and re-rankings learnt from
    /// reviews).
    #[arg(long)]
    pub no_memories: bool,
}

/// Report formats of `secguard scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
    /// Per-sample verdicts, one column per analyzer.
    Table,
}

impl Format {
    pub const NAMES: &'static str = "text, json, sarif, github, table";

    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Table => "table",
        }
    }

    /// Parse a format as written in the environment or the config file.
    pub fn parse(text: &str) -> Result<Format, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "github" => Ok(Format::Github),
            "table" => Ok(Format::Table),
            _ => Err(format!(
                "unknown format '{text}' (expected one of {})",
                Format::NAMES
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The severity threshold for exit code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Fail when an unsuppressed finding is at or above this severity.
    AtLeast(Severity),
    /// Never fail because of findings.
    Never,
}

impl FailOn {
    pub const NAMES: &'static str = "info, low, medium, high, critical, never";

    /// The default: any unsuppressed finding fails the scan.
    pub const DEFAULT: FailOn = FailOn::AtLeast(Severity::Info);

    pub fn parse(text: &str) -> Result<FailOn, String> {
        let t = text.trim().to_ascii_lowercase();
        let parsed = match t.as_str() {
            "never" | "none" => Some(FailOn::Never),
            "info" => Some(FailOn::AtLeast(Severity::Info)),
            "low" => Some(FailOn::AtLeast(Severity::Low)),
            "medium" => Some(FailOn::AtLeast(Severity::Medium)),
            "high" => Some(FailOn::AtLeast(Severity::High)),
            "critical" => Some(FailOn::AtLeast(Severity::Critical)),
            _ => None,
        };
        parsed.ok_or_else(|| {
            format!(
                "unknown severity '{text}' (expected one of {})",
                FailOn::NAMES
            )
        })
    }

    /// Does a finding of this severity fail the scan?
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::AtLeast(threshold) => severity >= threshold,
            FailOn::Never => false,
        }
    }
}

impl fmt::Display for FailOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailOn::AtLeast(s) => f.write_str(s.name()),
            FailOn::Never => f.write_str("never"),
        }
    }
}

fn parse_fail_on(text: &str) -> Result<FailOn, String> {
    FailOn::parse(text)
}

fn parse_language(text: &str) -> Result<Language, String> {
    Language::from_name(text.trim())
        .ok_or_else(|| format!("unknown language '{text}' (expected python, c or cpp)"))
}

fn parse_size_arg(text: &str) -> Result<u64, String> {
    parse_size(text).and_then(crate::config::positive_size)
}

/// Parse a size: a number of bytes with an optional unit. `K`, `KB` and
/// `KiB` all mean 1024 bytes; likewise `M` and `G`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits_end);
    let invalid = || format!("invalid size '{text}' (expected bytes, or a number with K, M or G)");
    let number: u64 = number.parse().map_err(|_| invalid())?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        "g" | "gb" | "gib" => 1024 * 1024 * 1024,
        _ => return Err(invalid()),
    };
    number.checked_mul(multiplier).ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size("2MiB"), Ok(2 * 1024 * 1024));
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("1 G"), Ok(1024 * 1024 * 1024));
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }

    #[test]
    fn fail_on() {
        assert_eq!(FailOn::parse("HIGH"), Ok(FailOn::AtLeast(Severity::High)));
        assert_eq!(FailOn::parse("never"), Ok(FailOn::Never));
        let err = FailOn::parse("hgh").expect_err("bad");
        assert!(err.contains("unknown severity 'hgh'"), "{err}");
        assert!(FailOn::DEFAULT.fails(Severity::Info));
        assert!(!FailOn::AtLeast(Severity::High).fails(Severity::Medium));
        assert!(FailOn::AtLeast(Severity::High).fails(Severity::Critical));
        assert!(!FailOn::Never.fails(Severity::Critical));
    }
}
