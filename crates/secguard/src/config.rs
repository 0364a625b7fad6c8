//! `secguard.toml`: discovery, parsing and validation, and the resolution of
//! flags over environment variables over the config file over defaults.
//! The keys are documented in `docs/configuration.md`.

use crate::cli::{FailOn, Format, ScanArgs, parse_size};
use secguard_core::Language;
use secguard_engine::scan::{DEFAULT_MAX_FILE_SIZE, ExcludePattern, max_jobs, validate_exclude};
use std::fmt;
use std::path::{Path, PathBuf};

/// The configuration file name searched for upward from the current directory.
pub const CONFIG_FILE_NAME: &str = "secguard.toml";

/// An error in a config file or an environment variable: where, which field, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file (or environment variable) the error comes from.
    pub source: String,
    /// The dotted field, such as `scan.fail_on`, when the error is in one.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}: {}: {}", self.source, field, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The parsed `[scan]` section. Absent keys are `None` (or empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanConfig {
    pub format: Option<Format>,
    pub fail_on: Option<FailOn>,
    pub max_file_size: Option<u64>,
    pub exclude: Vec<String>,
    pub jobs: Option<usize>,
    pub languages: Vec<Language>,
    pub respect_gitignore: Option<bool>,
}

/// The `[analyzers]` section: where the external tools are and how to run
/// them. Paths are relative to the directory of `secguard.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnalyzersConfig {
    /// Tool name (`bandit`, `semgrep`, `cppcheck`, `flawfinder`, `codeql`) ->
    /// program to run instead of looking it up on PATH.
    pub programs: std::collections::BTreeMap<String, PathBuf>,
    pub semgrep_configs: Vec<PathBuf>,
    pub codeql_python_suite: Option<String>,
    pub codeql_cpp_suite: Option<String>,
    pub codeql_build_command: Option<String>,
    pub flawfinder_min_level: Option<u8>,
}

/// The `[store]` section: where reviews and memories live, and the project
/// name they are filed under.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreConfig {
    /// The SQLite file, relative to the directory of `secguard.toml`.
    pub path: Option<PathBuf>,
    /// The project name memories are scoped to (default: the project
    /// directory's name).
    pub project: Option<String>,
    /// Whether `secguard scan` records its results for review (default true).
    pub record: Option<bool>,
}

/// A loaded configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The file it was read from; `None` when no file was found.
    pub path: Option<PathBuf>,
    pub scan: ScanConfig,
    pub analyzers: AnalyzersConfig,
    pub store: StoreConfig,
}

const ANALYZER_TOOLS: &[&str] = &["bandit", "semgrep", "cppcheck", "flawfinder", "codeql"];

const SCAN_KEYS: &[&str] = &[
    "format",
    "fail_on",
    "max_file_size",
    "exclude",
    "jobs",
    "languages",
    "respect_gitignore",
];

/// Find `secguard.toml` in `start` or the nearest ancestor directory.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(CONFIG_FILE_NAME))
        .find(|candidate| candidate.is_file())
}

/// How a path is shown in messages: relative to `cwd` when under it.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// Read and validate a config file.
pub fn load(path: &Path, cwd: &Path) -> Result<Config, ConfigError> {
    let shown = display_path(path, cwd);
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        source: shown.clone(),
        field: None,
        message: format!("cannot read: {e}"),
    })?;
    let mut config = parse(&text, &shown)?;
    config.path = Some(path.to_path_buf());
    Ok(config)
}

/// Parse and validate config text; `source` names the file in errors.
pub fn parse(text: &str, source: &str) -> Result<Config, ConfigError> {
    let err = |field: Option<&str>, message: String| ConfigError {
        source: source.to_string(),
        field: field.map(str::to_string),
        message,
    };
    let table: toml::Table = toml::from_str(text)
        .map_err(|e| err(None, format!("invalid TOML: {}", e.to_string().trim_end())))?;
    let mut config = Config::default();
    for (key, value) in &table {
        match key.as_str() {
            "scan" => {
                let Some(scan) = value.as_table() else {
                    return Err(err(Some("scan"), "expected a table ([scan])".to_string()));
                };
                config.scan = parse_scan(scan, &err)?;
            }
            "analyzers" => {
                let Some(t) = value.as_table() else {
                    return Err(err(
                        Some("analyzers"),
                        "expected a table ([analyzers])".to_string(),
                    ));
                };
                config.analyzers = parse_analyzers(t, &err)?;
            }
            "store" => {
                let Some(t) = value.as_table() else {
                    return Err(err(Some("store"), "expected a table ([store])".to_string()));
                };
                config.store = parse_store(t, &err)?;
            }
            _ => {
                return Err(err(
                    Some(key),
                    "unknown section (known sections: scan, analyzers, store)".to_string(),
                ));
            }
        }
    }
    Ok(config)
}

fn parse_store(
    table: &toml::Table,
    err: &dyn Fn(Option<&str>, String) -> ConfigError,
) -> Result<StoreConfig, ConfigError> {
    let mut out = StoreConfig::default();
    for (key, value) in table {
        let field = format!("store.{key}");
        let fail = |m: String| err(Some(&field), m);
        match key.as_str() {
            "path" => out.path = Some(PathBuf::from(expect_str(value).map_err(fail)?)),
            "project" => {
                let name = expect_str(value).map_err(fail)?.trim();
                if name.is_empty() {
                    return Err(fail("expected a non-empty project name".to_string()));
                }
                out.project = Some(name.to_string());
            }
            "record" => {
                out.record = Some(
                    value
                        .as_bool()
                        .ok_or_else(|| fail("expected true or false".to_string()))?,
                );
            }
            _ => {
                return Err(fail(
                    "unknown key (known keys: path, project, record)".to_string(),
                ));
            }
        }
    }
    Ok(out)
}

fn parse_analyzers(
    table: &toml::Table,
    err: &dyn Fn(Option<&str>, String) -> ConfigError,
) -> Result<AnalyzersConfig, ConfigError> {
    let mut out = AnalyzersConfig::default();
    for (key, value) in table {
        let field = format!("analyzers.{key}");
        let fail = |m: String| err(Some(&field), m);
        match key.as_str() {
            tool if ANALYZER_TOOLS.contains(&tool) => {
                out.programs.insert(
                    tool.to_string(),
                    PathBuf::from(expect_str(value).map_err(fail)?),
                );
            }
            "semgrep_configs" => {
                for v in expect_array(value).map_err(fail)? {
                    out.semgrep_configs
                        .push(PathBuf::from(expect_str(v).map_err(fail)?));
                }
            }
            "codeql_python_suite" => {
                out.codeql_python_suite = Some(expect_str(value).map_err(fail)?.to_string())
            }
            "codeql_cpp_suite" => {
                out.codeql_cpp_suite = Some(expect_str(value).map_err(fail)?.to_string())
            }
            "codeql_build_command" => {
                out.codeql_build_command = Some(expect_str(value).map_err(fail)?.to_string())
            }
            "flawfinder_min_level" => {
                let level = value
                    .as_integer()
                    .filter(|l| (0..=5).contains(l))
                    .ok_or_else(|| fail("expected an integer from 0 to 5".to_string()))?;
                out.flawfinder_min_level = u8::try_from(level).ok();
            }
            _ => {
                return Err(fail(format!(
                    "unknown key (known keys: {}, semgrep_configs, codeql_python_suite, \
                     codeql_cpp_suite, codeql_build_command, flawfinder_min_level)",
                    ANALYZER_TOOLS.join(", ")
                )));
            }
        }
    }
    Ok(out)
}

fn parse_scan(
    scan: &toml::Table,
    err: &dyn Fn(Option<&str>, String) -> ConfigError,
) -> Result<ScanConfig, ConfigError> {
    let mut out = ScanConfig::default();
    for (key, value) in scan {
        let field = format!("scan.{key}");
        let fail = |message: String| err(Some(&field), message);
        match key.as_str() {
            "format" => {
                let s = expect_str(value).map_err(&fail)?;
                out.format = Some(Format::parse(s).map_err(&fail)?);
            }
            "fail_on" => {
                let s = expect_str(value).map_err(&fail)?;
                out.fail_on = Some(FailOn::parse(s).map_err(&fail)?);
            }
            "max_file_size" => {
                let size = match value {
                    toml::Value::Integer(n) => u64::try_from(*n)
                        .map_err(|_| fail(format!("size must not be negative, got {n}")))?,
                    toml::Value::String(s) => parse_size(s).map_err(&fail)?,
                    other => {
                        return Err(fail(format!(
                            "expected a number of bytes or a string such as \"2MiB\", got {}",
                            other.type_str()
                        )));
                    }
                };
                out.max_file_size = Some(positive_size(size).map_err(&fail)?);
            }
            "exclude" => {
                for item in expect_array(value).map_err(&fail)? {
                    let pattern = expect_str(item).map_err(&fail)?;
                    validate_exclude(pattern)
                        .map_err(|e| fail(format!("invalid exclude pattern '{pattern}': {e}")))?;
                    out.exclude.push(pattern.to_string());
                }
            }
            "jobs" => {
                let toml::Value::Integer(n) = value else {
                    return Err(fail(format!(
                        "expected an integer, got {}",
                        value.type_str()
                    )));
                };
                out.jobs = Some(
                    usize::try_from(*n)
                        .map_err(|_| fail(format!("must not be negative, got {n}")))?,
                );
            }
            "languages" => {
                for item in expect_array(value).map_err(&fail)? {
                    let name = expect_str(item).map_err(&fail)?;
                    let language = Language::from_name(name).ok_or_else(|| {
                        fail(format!(
                            "unknown language '{name}' (expected python, c or cpp)"
                        ))
                    })?;
                    out.languages.push(language);
                }
            }
            "respect_gitignore" => {
                let toml::Value::Boolean(b) = value else {
                    return Err(fail(format!(
                        "expected true or false, got {}",
                        value.type_str()
                    )));
                };
                out.respect_gitignore = Some(*b);
            }
            _ => {
                return Err(fail(format!(
                    "unknown key (known keys: {})",
                    SCAN_KEYS.join(", ")
                )));
            }
        }
    }
    Ok(out)
}

fn expect_str(value: &toml::Value) -> Result<&str, String> {
    value
        .as_str()
        .ok_or_else(|| format!("expected a string, got {}", value.type_str()))
}

fn expect_array(value: &toml::Value) -> Result<&Vec<toml::Value>, String> {
    value
        .as_array()
        .ok_or_else(|| format!("expected an array, got {}", value.type_str()))
}

/// A file size limit of 0 would skip every file and report a clean scan.
pub fn positive_size(size: u64) -> Result<u64, String> {
    if size == 0 {
        return Err("must be above 0 (a limit of 0 would skip every file)".to_string());
    }
    Ok(size)
}

/// The effective settings of one `secguard scan` run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanSettings {
    pub format: Format,
    pub fail_on: FailOn,
    pub max_file_size: u64,
    /// Worker threads (0: one per CPU), at most [`max_jobs`].
    pub jobs: usize,
    /// The number of jobs asked for, when it was above [`max_jobs`].
    pub jobs_requested: Option<usize>,
    pub respect_gitignore: bool,
    pub languages: Vec<Language>,
    pub exclude: Vec<ExcludePattern>,
}

/// Resolve flags over environment (`SECGUARD_FAIL_ON`, `SECGUARD_FORMAT`)
/// over the config file over defaults.
pub fn resolve(
    args: &ScanArgs,
    config: &Config,
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
) -> Result<ScanSettings, ConfigError> {
    let from_env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let env_err = |name: &str, message: String| ConfigError {
        source: name.to_string(),
        field: None,
        message,
    };
    let format = match (args.format, from_env("SECGUARD_FORMAT")) {
        (Some(f), _) => f,
        (None, Some(v)) => Format::parse(&v).map_err(|m| env_err("SECGUARD_FORMAT", m))?,
        (None, None) => config.scan.format.unwrap_or(Format::Text),
    };
    let fail_on = match (args.fail_on, from_env("SECGUARD_FAIL_ON")) {
        (Some(f), _) => f,
        (None, Some(v)) => FailOn::parse(&v).map_err(|m| env_err("SECGUARD_FAIL_ON", m))?,
        (None, None) => config.scan.fail_on.unwrap_or(FailOn::DEFAULT),
    };
    let config_root = config
        .path
        .as_deref()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| cwd.to_path_buf());
    let mut exclude: Vec<ExcludePattern> = config
        .scan
        .exclude
        .iter()
        .map(|pattern| ExcludePattern {
            root: config_root.clone(),
            pattern: pattern.clone(),
        })
        .collect();
    for pattern in &args.exclude {
        validate_exclude(pattern).map_err(|e| ConfigError {
            source: "--exclude".to_string(),
            field: None,
            message: format!("invalid pattern '{pattern}': {e}"),
        })?;
        exclude.push(ExcludePattern {
            root: cwd.to_path_buf(),
            pattern: pattern.clone(),
        });
    }
    let jobs = args.jobs.or(config.scan.jobs).unwrap_or(0);
    Ok(ScanSettings {
        format,
        fail_on,
        max_file_size: args
            .max_file_size
            .or(config.scan.max_file_size)
            .unwrap_or(DEFAULT_MAX_FILE_SIZE),
        jobs: jobs.min(max_jobs()),
        jobs_requested: (jobs > max_jobs()).then_some(jobs),
        respect_gitignore: !args.no_ignore && config.scan.respect_gitignore.unwrap_or(true),
        languages: if args.languages.is_empty() {
            config.scan.languages.clone()
        } else {
            args.languages.clone()
        },
        exclude,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;
    use secguard_core::Severity;

    fn scan_args(argv: &[&str]) -> ScanArgs {
        let mut full = vec!["secguard", "scan"];
        full.extend_from_slice(argv);
        match Cli::try_parse_from(full).expect("parse").command {
            Command::Scan(args) => *args,
            _ => panic!("not a scan"),
        }
    }

    #[test]
    fn full_config_parses() {
        let config = parse(
            r#"
[scan]
format = "sarif"
fail_on = "high"
max_file_size = "2MiB"
exclude = ["vendor/", "**/*_test.py"]
jobs = 3
languages = ["python", "c++"]
respect_gitignore = false
"#,
            "secguard.toml",
        )
        .expect("valid");
        assert_eq!(
            config.scan,
            ScanConfig {
                format: Some(Format::Sarif),
                fail_on: Some(FailOn::AtLeast(Severity::High)),
                max_file_size: Some(2 * 1024 * 1024),
                exclude: vec!["vendor/".to_string(), "**/*_test.py".to_string()],
                jobs: Some(3),
                languages: vec![Language::Python, Language::Cpp],
                respect_gitignore: Some(false),
            }
        );
        assert_eq!(parse("", "x").expect("empty is fine"), Config::default());
    }

    #[test]
    fn errors_name_file_and_field() {
        let cases = [
            (
                "[scan]\nfail_on = \"hgh\"\n",
                "secguard.toml: scan.fail_on: unknown severity 'hgh'",
            ),
            (
                "[scan]\nformat = 3\n",
                "secguard.toml: scan.format: expected a string, got integer",
            ),
            (
                "[scan]\nmax_file_size = -1\n",
                "secguard.toml: scan.max_file_size: size must not be negative",
            ),
            (
                "[scan]\nmax_file_size = \"lots\"\n",
                "secguard.toml: scan.max_file_size: invalid size 'lots'",
            ),
            (
                "[scan]\nexclude = [\"a[z-a]\"]\n",
                "secguard.toml: scan.exclude: invalid exclude pattern 'a[z-a]'",
            ),
            (
                "[scan]\nlanguages = [\"rust\"]\n",
                "secguard.toml: scan.languages: unknown language 'rust'",
            ),
            (
                "[scan]\nfial_on = \"high\"\n",
                "secguard.toml: scan.fial_on: unknown key",
            ),
            (
                "[llm]\nmodel = \"x\"\n",
                "secguard.toml: llm: unknown section",
            ),
            ("scan = 1\n", "secguard.toml: scan: expected a table"),
            ("[scan\n", "secguard.toml: invalid TOML"),
            (
                "[scan]\njobs = true\n",
                "secguard.toml: scan.jobs: expected an integer",
            ),
            (
                "[scan]\nrespect_gitignore = \"no\"\n",
                "secguard.toml: scan.respect_gitignore: expected true or false",
            ),
        ];
        for (text, expected) in cases {
            let err = parse(text, "secguard.toml").expect_err(text).to_string();
            assert!(err.starts_with(expected), "{text:?}: got {err}");
        }
    }

    #[test]
    fn precedence_flags_env_config_default() {
        let cwd = Path::new("/work/project");
        let config = Config {
            path: Some(PathBuf::from("/work/secguard.toml")),
            scan: ScanConfig {
                format: Some(Format::Json),
                fail_on: Some(FailOn::AtLeast(Severity::Low)),
                max_file_size: Some(10),
                exclude: vec!["gen/".to_string()],
                ..ScanConfig::default()
            },
            ..Config::default()
        };
        let no_env = |_: &str| None;
        let s = resolve(&scan_args(&[]), &config, &no_env, cwd).expect("ok");
        assert_eq!(s.format, Format::Json);
        assert_eq!(s.fail_on, FailOn::AtLeast(Severity::Low));
        assert_eq!(s.max_file_size, 10);
        assert_eq!(
            s.exclude,
            vec![ExcludePattern {
                root: PathBuf::from("/work"),
                pattern: "gen/".to_string()
            }]
        );

        let env = |name: &str| match name {
            "SECGUARD_FORMAT" => Some("sarif".to_string()),
            "SECGUARD_FAIL_ON" => Some("critical".to_string()),
            _ => None,
        };
        let s = resolve(&scan_args(&[]), &config, &env, cwd).expect("ok");
        assert_eq!(s.format, Format::Sarif);
        assert_eq!(s.fail_on, FailOn::AtLeast(Severity::Critical));

        let args = scan_args(&[
            "--format",
            "github",
            "--fail-on",
            "never",
            "--max-file-size",
            "1K",
            "--no-ignore",
            "--exclude",
            "x/",
        ]);
        let s = resolve(&args, &config, &env, cwd).expect("ok");
        assert_eq!(s.format, Format::Github);
        assert_eq!(s.fail_on, FailOn::Never);
        assert_eq!(s.max_file_size, 1024);
        assert!(!s.respect_gitignore);
        assert_eq!(s.exclude.len(), 2);
        assert_eq!(s.exclude[1].root, cwd);

        let defaults = resolve(&scan_args(&[]), &Config::default(), &no_env, cwd).expect("ok");
        assert_eq!(defaults.format, Format::Text);
        assert_eq!(defaults.fail_on, FailOn::DEFAULT);
        assert_eq!(defaults.max_file_size, DEFAULT_MAX_FILE_SIZE);
        assert!(defaults.respect_gitignore);
    }

    #[test]
    fn bad_environment_names_the_variable() {
        let env = |name: &str| (name == "SECGUARD_FAIL_ON").then(|| "hgh".to_string());
        let err = resolve(&scan_args(&[]), &Config::default(), &env, Path::new("/"))
            .expect_err("bad env");
        assert!(
            err.to_string()
                .starts_with("SECGUARD_FAIL_ON: unknown severity 'hgh'"),
            "{err}"
        );
    }

    #[test]
    fn discovery_walks_upward() {
        let tmp = tempfile::tempdir().expect("tmp");
        let nested = tmp.path().join("a/b");
        std::fs::create_dir_all(&nested).expect("mkdir");
        std::fs::write(tmp.path().join(CONFIG_FILE_NAME), "").expect("write");
        assert_eq!(discover(&nested), Some(tmp.path().join(CONFIG_FILE_NAME)));
    }
}
