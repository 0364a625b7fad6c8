//! secguard's knowledge base (work in progress in this commit series).
