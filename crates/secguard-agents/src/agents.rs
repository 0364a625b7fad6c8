//! The two agents that talk to a model server: the Prompt Agent writes code
//! for a task, the Security Agent reviews code with the built-in analyzer
//! and (optionally) an LLM critique.
//!
//! The built-in analyzer runs in process on the text. External analyzers
//! (Semgrep, Bandit, ...) need a file: the code is written to a private
//! temporary folder for them, and removed after. Code is never executed.

use crate::critique::{self, Assessment, Critique, critique_schema, parse_critique};
use crate::prompt::{self, Prompt, PromptStyle};
use crate::retrieval::{RetrievalProvider, RetrievalQuery};
use secguard_analyzers::cwe::CweFamilies;
use secguard_analyzers::orchestrate::{AnalyzerRun, MergedFinding, merge, run_all};
use secguard_analyzers::{Analyzer, AnalyzerInput, AnalyzerOutput, VersionOnce};
use secguard_core::{Cwe, Finding, Language};
use secguard_engine::{Engine, EngineError};
use secguard_llm::{CallUsage, ChatRequest, LlmClient, LlmError, Message, extract_code};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How many retrieved items a prompt carries at most (guidelines, memories
/// and CWE entries together; the retriever's token budget also applies):
/// enough to ground it, few enough to leave room for the code.
const CONTEXT_LIMIT: usize = 10;

/// What to search the knowledge base for when reviewing code: the
/// findings' titles, then the code's words (API names such as `pickle` or
/// `strcpy` are what guidelines' preconditions mention).
fn review_query(code: &str, language: Language, findings: &[Finding]) -> String {
    let mut words: Vec<&str> = Vec::new();
    for w in code
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| w.len() >= 3 && !w.chars().all(|c| c.is_ascii_digit()))
    {
        if !words.contains(&w) {
            words.push(w);
        }
        if words.len() >= 60 {
            break;
        }
    }
    let titles: Vec<&str> = findings
        .iter()
        .filter(|f| !f.is_suppressed())
        .map(|f| f.title.as_str())
        .collect();
    format!(
        "security review of {} code. {} {}",
        code_tag(language),
        titles.join(". "),
        words.join(" ")
    )
}

/// Why an agent could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error(transparent)]
    Llm(#[from] LlmError),
    /// Even after being told, the model answered without any code.
    #[error("the model returned no code block (asked twice)")]
    NoCode,
    #[error("the built-in analyzer could not be loaded: {0}")]
    Engine(#[from] EngineError),
    /// The private folder for external analyzers could not be written.
    #[error("cannot stage the code for the external analyzers: {0}")]
    Stage(std::io::Error),
}

/// The one place our prompt messages become wire messages, so a new role
/// cannot be silently sent as something else.
pub fn to_llm_messages(messages: &[prompt::Message]) -> Vec<Message> {
    messages
        .iter()
        .map(|m| match m.role {
            "system" => Message::system(m.content.clone()),
            "assistant" => Message::assistant(m.content.clone()),
            _ => Message::user(m.content.clone()),
        })
        .collect()
}

/// The fence tag and extraction name of a language.
pub(crate) fn code_tag(language: Language) -> &'static str {
    match language {
        Language::Python => "python",
        Language::C => "c",
        Language::Cpp => "cpp",
    }
}

/// The in-memory file name the analyzer reports findings under.
pub fn virtual_path(language: Language) -> &'static Path {
    Path::new(match language {
        Language::Python => "generated.py",
        Language::C => "generated.c",
        Language::Cpp => "generated.cpp",
    })
}

/// A reply that must hold code: the code, the raw reply and what it cost.
pub(crate) struct CodeReply {
    pub code: String,
    pub raw: String,
    pub usage: CallUsage,
}

/// Ask for code; when the reply holds none, say so once and ask again,
/// because models sometimes answer with prose only.
pub(crate) fn ask_for_code(
    client: &LlmClient,
    messages: Vec<Message>,
    language: Language,
) -> Result<CodeReply, AgentError> {
    ask_for_code_with(client, ChatRequest::new(messages), language)
}

/// [`ask_for_code`] with a request whose sampling settings are chosen.
pub(crate) fn ask_for_code_with(
    client: &LlmClient,
    request: ChatRequest,
    language: Language,
) -> Result<CodeReply, AgentError> {
    let tag = code_tag(language);
    let first = client.chat(&request)?;
    if let Some(code) = extract_code(&first.content, tag) {
        return Ok(CodeReply {
            code,
            raw: first.content,
            usage: first.usage,
        });
    }
    let mut again = request;
    again
        .messages
        .push(Message::assistant(first.content.clone()));
    again.messages.push(Message::user(format!(
        "Your reply contained no code block. Answer with the complete program in one fenced \
         code block (```{tag}), and nothing else after it."
    )));
    let second = client.chat(&again)?;
    let code = extract_code(&second.content, tag).ok_or(AgentError::NoCode)?;
    Ok(CodeReply {
        code,
        raw: second.content,
        usage: first.usage.plus(&second.usage),
    })
}

/// What the Prompt Agent produced, with the prompt that produced it so the
/// run can be audited.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    pub code: String,
    pub prompt: Prompt,
    pub raw_reply: String,
    pub usage: CallUsage,
}

/// Writes code for a task, grounded in what retrieval offers.
#[derive(Clone)]
pub struct PromptAgent {
    pub client: LlmClient,
    pub retrieval: Arc<dyn RetrievalProvider>,
    pub style: PromptStyle,
    /// Sampling settings for generation (the evaluation draws several
    /// samples per task with different seeds).
    pub temperature: Option<f32>,
    pub seed: Option<u64>,
}

impl PromptAgent {
    pub fn new(client: LlmClient, retrieval: Arc<dyn RetrievalProvider>) -> PromptAgent {
        PromptAgent {
            client,
            retrieval,
            style: PromptStyle::Secure,
            temperature: None,
            seed: None,
        }
    }

    /// Ask in this style (plain: the baseline without security instructions
    /// or retrieval).
    pub fn with_style(mut self, style: PromptStyle) -> PromptAgent {
        self.style = style;
        self
    }

    /// Sample with this temperature and seed.
    pub fn with_sampling(mut self, temperature: Option<f32>, seed: Option<u64>) -> PromptAgent {
        self.temperature = temperature;
        self.seed = seed;
        self
    }

    pub fn generate(&self, task: &str, language: Language) -> Result<Generated, AgentError> {
        let prompt = match self.style {
            PromptStyle::Plain => prompt::plain_generation_prompt(task, language),
            PromptStyle::Secure => {
                let context = self.retrieval.retrieve(&RetrievalQuery {
                    text: task.to_string(),
                    language: Some(language),
                    cwes: Vec::new(),
                    limit: CONTEXT_LIMIT,
                });
                prompt::generation_prompt(task, language, &context)
            }
        };
        let mut request = ChatRequest::new(to_llm_messages(&prompt.messages));
        request.temperature = self.temperature.or(request.temperature);
        request.seed = self.seed.or(request.seed);
        let reply = ask_for_code_with(&self.client, request, language)?;
        Ok(Generated {
            code: reply.code,
            prompt,
            raw_reply: reply.raw,
            usage: reply.usage,
        })
    }
}

/// The Security Agent's review of one piece of code.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub findings: Vec<Finding>,
    /// External analyzers that failed on this code, with the reason.
    pub failures: Vec<String>,
    pub critique: Option<Critique>,
    pub assessment: Assessment,
    /// The knowledge-base entries and memories the critique prompt cited.
    pub sources: Vec<String>,
}

/// What the analyzers said about one version of the code.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analysis {
    /// Merged across analyzers: one finding per weakness, with every
    /// analyzer that reported it in `reported_by`.
    pub findings: Vec<Finding>,
    /// `tool: reason` for each external analyzer that failed; its silence
    /// is not taken as "clean" by readers of the trajectory.
    pub failures: Vec<String>,
    /// Wall time spent in the analyzers.
    pub elapsed: Duration,
}

/// Reviews code: the built-in analyzer always, external analyzers when
/// configured, and an LLM critique when `use_llm` is set.
#[derive(Clone)]
pub struct SecurityAgent {
    pub client: LlmClient,
    pub engine: Arc<Engine>,
    pub retrieval: Arc<dyn RetrievalProvider>,
    pub use_llm: bool,
    /// External analyzers run on every version of the code.
    pub external: Arc<Vec<Box<dyn Analyzer>>>,
    /// Time limit for each external analyzer run.
    pub tool_timeout: Duration,
    /// Which CWEs count as the same weakness when findings merge.
    pub families: Arc<CweFamilies>,
    /// Whether the built-in analyzer honours inline `secguard: ignore`
    /// comments. Off by default: in code a model wrote, a suppression is
    /// the model's, and only a human may suppress. `secguard fix` turns it
    /// on for a human's file; the loop then rejects any candidate that adds
    /// or moves one (see [`crate::change_guard`]).
    pub inline_suppressions: bool,
}

impl SecurityAgent {
    pub fn new(
        client: LlmClient,
        engine: Arc<Engine>,
        retrieval: Arc<dyn RetrievalProvider>,
        use_llm: bool,
    ) -> SecurityAgent {
        SecurityAgent {
            client,
            engine,
            retrieval,
            use_llm,
            external: Arc::new(Vec::new()),
            tool_timeout: Duration::from_secs(300),
            families: Arc::new(CweFamilies::builtin()),
            inline_suppressions: false,
        }
    }

    /// Honour the inline suppressions a human wrote in the code under
    /// repair (`secguard fix`); see [`SecurityAgent::inline_suppressions`].
    pub fn honouring_inline_suppressions(mut self) -> SecurityAgent {
        self.inline_suppressions = true;
        self
    }

    /// With the rules embedded in the binary.
    pub fn builtin(
        client: LlmClient,
        retrieval: Arc<dyn RetrievalProvider>,
        use_llm: bool,
    ) -> Result<SecurityAgent, AgentError> {
        Ok(SecurityAgent::new(
            client,
            Arc::new(Engine::builtin()?),
            retrieval,
            use_llm,
        ))
    }

    /// Also run these external analyzers, each within `timeout`.
    pub fn with_external(
        mut self,
        analyzers: Vec<Box<dyn Analyzer>>,
        timeout: Duration,
    ) -> SecurityAgent {
        self.external = Arc::new(
            analyzers
                .into_iter()
                .map(|a| Box::new(VersionOnce::new(a)) as Box<dyn Analyzer>)
                .collect(),
        );
        self.tool_timeout = timeout;
        self
    }

    /// Merge findings by these CWE families (MITRE's hierarchy, when
    /// imported) instead of the built-in table.
    pub fn with_families(mut self, families: CweFamilies) -> SecurityAgent {
        self.families = Arc::new(families);
        self
    }

    /// The names of the analyzers in use, built-in first.
    pub fn analyzer_names(&self) -> Vec<String> {
        std::iter::once("builtin".to_string())
            .chain(self.external.iter().map(|a| a.name().to_string()))
            .collect()
    }

    pub fn check(&self, code: &str, language: Language) -> Result<Check, AgentError> {
        self.check_with(code, language, None)
    }

    /// [`SecurityAgent::check`], telling the critique why the previous
    /// repair was rejected so it does not approve the same mistake.
    pub fn check_with(
        &self,
        code: &str,
        language: Language,
        rejection: Option<&str>,
    ) -> Result<Check, AgentError> {
        let analysis = self.analyze(code, language)?;
        let (critique, sources) = self.critique(code, language, &analysis.findings, rejection)?;
        let assessment = critique::assess(&analysis.findings, critique.as_ref());
        Ok(Check {
            findings: analysis.findings,
            failures: analysis.failures,
            critique,
            assessment,
            sources,
        })
    }

    /// Every configured analyzer's findings on `code`, under the name the
    /// loop uses for generated code.
    pub fn analyze(&self, code: &str, language: Language) -> Result<Analysis, AgentError> {
        self.analyze_as(code, language, virtual_path(language))
    }

    /// Every configured analyzer's findings on `code` as if it were the
    /// file `path`, so that fingerprints match a later `secguard scan` of
    /// that file. External analyzers see it at `path` inside a private
    /// temporary folder (at its file name when `path` leaves the folder).
    pub fn analyze_as(
        &self,
        code: &str,
        language: Language,
        path: &Path,
    ) -> Result<Analysis, AgentError> {
        let started = Instant::now();
        let builtin = self
            .engine
            .scan_source_with(path, language, code, self.inline_suppressions)
            .findings;
        if self.external.is_empty() {
            return Ok(Analysis {
                findings: builtin,
                failures: Vec::new(),
                elapsed: started.elapsed(),
            });
        }
        let folder = tempfile::Builder::new()
            .prefix("secguard-loop-")
            .tempdir()
            .map_err(AgentError::Stage)?;
        let relative = staged_name(path, language);
        let staged = folder.path().join(&relative);
        if let Some(parent) = staged.parent() {
            std::fs::create_dir_all(parent).map_err(AgentError::Stage)?;
        }
        std::fs::write(&staged, code).map_err(AgentError::Stage)?;
        let input = AnalyzerInput {
            root: folder.path().to_path_buf(),
            files: vec![relative.clone()],
            timeout: self.tool_timeout,
        };
        let no_settings = |_: &str| String::new();
        let mut runs = run_all(
            &self.external,
            &input,
            self.external.len(),
            None,
            &no_settings,
            &|_| {},
        );
        let mut failures = Vec::new();
        for run in &mut runs {
            match &mut run.result {
                Ok(out) => {
                    // Report the external findings under the caller's path.
                    if relative != path {
                        for f in &mut out.findings {
                            f.location.path = path.to_path_buf();
                        }
                    }
                }
                Err(e) => failures.push(format!("{}: {e}", run.name)),
            }
        }
        runs.push(AnalyzerRun {
            name: "builtin".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
            result: Ok(AnalyzerOutput {
                findings: builtin,
                notes: Vec::new(),
            }),
            elapsed: started.elapsed(),
            cached: false,
        });
        let families = &self.families;
        let mut findings: Vec<Finding> = merge(&runs, &|a, b| families.related(a, b), 1)
            .into_iter()
            .map(|m| MergedFinding::into_finding(m).0)
            .collect();
        secguard_engine::scan::sort_findings(&mut findings);
        Ok(Analysis {
            findings,
            failures,
            elapsed: started.elapsed(),
        })
    }

    /// The LLM critique (`None` when the LLM is not used), with the ids of
    /// the retrieved sources its prompt cited.
    pub fn critique(
        &self,
        code: &str,
        language: Language,
        findings: &[Finding],
        rejection: Option<&str>,
    ) -> Result<(Option<Critique>, Vec<String>), AgentError> {
        if !self.use_llm {
            return Ok((None, Vec::new()));
        }
        let mut cwes: Vec<Cwe> = findings
            .iter()
            .filter(|f| !f.is_suppressed())
            .flat_map(|f| f.cwe.iter().copied())
            .collect();
        cwes.sort_by_key(|c| c.0);
        cwes.dedup();
        let context = self.retrieval.retrieve(&RetrievalQuery {
            text: review_query(code, language, findings),
            language: Some(language),
            cwes,
            limit: CONTEXT_LIMIT,
        });
        let prompt = prompt::critique_prompt(code, language, findings, &context, rejection);
        let request = ChatRequest::new(to_llm_messages(&prompt.messages))
            .with_schema("critique", critique_schema());
        let value = match self
            .client
            .chat_json(&request, &|v| parse_critique(v).map(|_| ()))
        {
            Ok((value, _)) => value,
            // A model that cannot produce the critique's JSON even when told
            // what was wrong (small local models) gives no critique: the
            // analyzers alone decide that step, as with --no-critique.
            Err(LlmError::BadReply { .. }) => return Ok((None, prompt.sources)),
            Err(e) => return Err(e.into()),
        };
        // Validated just above; a failure here would be a bug in the reader.
        let critique = parse_critique(&value).map_err(|e| {
            AgentError::Llm(LlmError::BadReply {
                first: e.clone(),
                second: e,
            })
        })?;
        Ok((Some(critique), prompt.sources))
    }
}

/// Open (not suppressed) findings: the ones that still count.
pub fn open_findings(findings: &[Finding]) -> usize {
    findings.iter().filter(|f| !f.is_suppressed()).count()
}

/// Where the code sits in the private folder: `path` when it stays inside
/// (plain relative components), else its file name, else a generic name.
fn staged_name(path: &Path, language: Language) -> PathBuf {
    let inside = path
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if inside && path.file_name().is_some() {
        return path
            .components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .collect();
    }
    match path.file_name() {
        Some(name) => PathBuf::from(name),
        None => virtual_path(language).to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staged_names_never_leave_the_folder() {
        let py = Language::Python;
        assert_eq!(
            staged_name(Path::new("src/app.py"), py),
            Path::new("src/app.py")
        );
        assert_eq!(staged_name(Path::new("./app.py"), py), Path::new("app.py"));
        assert_eq!(
            staged_name(Path::new("../x/app.py"), py),
            Path::new("app.py")
        );
        assert_eq!(
            staged_name(Path::new("/etc/app.py"), py),
            Path::new("app.py")
        );
        assert_eq!(staged_name(Path::new(".."), py), Path::new("generated.py"));
    }
}
