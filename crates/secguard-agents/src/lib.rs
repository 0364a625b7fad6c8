//! secguard-agents: the generate-critique-improve loop.
//!
//! - [`agents`]: the Prompt Agent (generation) and the Security Agent
//!   (built-in analyzer plus LLM critique), over `secguard-llm`.
//! - [`rci`]: the Recursive Criticism and Improvement loop, which keeps a
//!   repair only when it is a strict improvement.
//! - [`prompt`]: the Prompt Agent's generation prompt and the Security
//!   Agent's critique and improve prompts. Code, findings and model output
//!   always travel as delimited data, with a boundary the data cannot forge.
//! - [`retrieval`]: the interface the knowledge base will implement, and
//!   the empty provider used until it exists.
//! - [`critique`]: the critique's JSON schema, a tolerant reader for it, and
//!   the rule that joins the LLM's verdict with the analyzers' (an LLM
//!   "secure" never clears a high-confidence analyzer finding).
//! - [`change_guard`]: what a repair may not change (suppressions, indirect
//!   calls, dropped checks, deleted functionality), judged on the tree and
//!   the IR against the code it repairs.
//! - [`interface`]: whether a repaired program still parses and still
//!   offers the same functions, so the loop can reject a regression.
//! - [`top25`]: the CWE Top 25 checklist the critique is grounded in.

pub mod agents;
pub mod change_guard;
pub mod critique;
pub mod interface;
pub mod prompt;
pub mod rci;
pub mod retrieval;
pub mod top25;
pub mod triage;
