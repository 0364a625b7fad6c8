//! The two agents that talk to a model server: the Prompt Agent writes code
//! for a task, the Security Agent reviews code with the built-in analyzer
//! and (optionally) an LLM critique.
//!
//! The analyzer always runs in process on the text: generated code is never
//! written to disk nor executed.

use crate::critique::{self, Assessment, Critique, critique_schema, parse_critique};
use crate::prompt::{self, Prompt};
use crate::retrieval::{RetrievalProvider, RetrievalQuery};
use secguard_core::{Cwe, Finding, Language};
use secguard_engine::{Engine, EngineError};
use secguard_llm::{CallUsage, ChatRequest, LlmClient, LlmError, Message, extract_code};
use std::path::Path;
use std::sync::Arc;

/// How many retrieved items a prompt carries at most: enough to ground it,
/// few enough to leave room for the code.
const CONTEXT_LIMIT: usize = 5;

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
fn virtual_path(language: Language) -> &'static Path {
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
    let tag = code_tag(language);
    let request = ChatRequest::new(messages);
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
}

impl PromptAgent {
    pub fn new(client: LlmClient, retrieval: Arc<dyn RetrievalProvider>) -> PromptAgent {
        PromptAgent { client, retrieval }
    }

    pub fn generate(&self, task: &str, language: Language) -> Result<Generated, AgentError> {
        let context = self.retrieval.retrieve(&RetrievalQuery {
            text: task.to_string(),
            language: Some(language),
            cwes: Vec::new(),
            limit: CONTEXT_LIMIT,
        });
        let prompt = prompt::generation_prompt(task, language, &context);
        let reply = ask_for_code(&self.client, to_llm_messages(&prompt.messages), language)?;
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
    pub critique: Option<Critique>,
    pub assessment: Assessment,
}

/// Reviews code: the built-in analyzer always, the LLM critique when
/// `use_llm` is set.
#[derive(Clone)]
pub struct SecurityAgent {
    pub client: LlmClient,
    pub engine: Arc<Engine>,
    pub retrieval: Arc<dyn RetrievalProvider>,
    pub use_llm: bool,
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
        }
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
        let findings = self.analyze(code, language);
        let critique = self.critique(code, language, &findings, rejection)?;
        let assessment = critique::assess(&findings, critique.as_ref());
        Ok(Check {
            findings,
            critique,
            assessment,
        })
    }

    /// The built-in analyzer's findings on `code`, in memory.
    pub fn analyze(&self, code: &str, language: Language) -> Vec<Finding> {
        self.engine
            .scan_source(virtual_path(language), language, code)
            .findings
    }

    /// The LLM critique, or `None` when the LLM is not used.
    pub fn critique(
        &self,
        code: &str,
        language: Language,
        findings: &[Finding],
        rejection: Option<&str>,
    ) -> Result<Option<Critique>, AgentError> {
        if !self.use_llm {
            return Ok(None);
        }
        let mut cwes: Vec<Cwe> = findings
            .iter()
            .filter(|f| !f.is_suppressed())
            .flat_map(|f| f.cwe.iter().copied())
            .collect();
        cwes.sort_by_key(|c| c.0);
        cwes.dedup();
        let context = self.retrieval.retrieve(&RetrievalQuery {
            text: format!("security review of {} code", code_tag(language)),
            language: Some(language),
            cwes,
            limit: CONTEXT_LIMIT,
        });
        let prompt = prompt::critique_prompt(code, language, findings, &context, rejection);
        let request = ChatRequest::new(to_llm_messages(&prompt.messages))
            .with_schema("critique", critique_schema());
        let (value, _) = self
            .client
            .chat_json(&request, &|v| parse_critique(v).map(|_| ()))?;
        // Validated just above; a failure here would be a bug in the reader.
        let critique = parse_critique(&value).map_err(|e| {
            AgentError::Llm(LlmError::BadReply {
                first: e.clone(),
                second: e,
            })
        })?;
        Ok(Some(critique))
    }
}

/// Open (not suppressed) findings: the ones that still count.
pub fn open_findings(findings: &[Finding]) -> usize {
    findings.iter().filter(|f| !f.is_suppressed()).count()
}
