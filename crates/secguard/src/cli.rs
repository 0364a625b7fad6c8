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
    #[arg(long = "tool-timeout", value_name = "SECONDS", default_value_t = 600)]
    pub tool_timeout: u64,

    /// Do not read or write the analyzer result cache (.secguard/cache).
    #[arg(long)]
    pub no_cache: bool,
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
    parse_size(text)
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
