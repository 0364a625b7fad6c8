//! secguard-fuzz: the fuzzing harness (issue 14).
//!
//! Stable Rust has no libFuzzer, so this is a seeded, structure-aware
//! generator of our own ([`mutate`]) driven by a supervisor that runs the
//! targets ([`targets`]) in worker processes under a per-input time cap and
//! a memory cap enforced by a counting allocator ([`alloc`]). Every input is
//! a pure function of (seed, target, index), so a campaign is reproducible
//! and any failure can be rebuilt. `scripts/fuzz` is the entry point;
//! `docs/benchmarks.md` records campaigns.

pub mod alloc;
pub mod campaign;
pub mod corpus;
pub mod mutate;
pub mod rng;
pub mod targets;

pub use campaign::{FailKind, Limits, Source, Supervisor, TargetStats};
pub use corpus::Corpus;
pub use targets::{Context, Target};
