//! The retrieval interface, defined in `secguard-core` so the knowledge
//! base can implement it without depending on the agents.

pub use secguard_core::retrieval::*;
