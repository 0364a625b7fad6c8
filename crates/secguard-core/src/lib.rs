//! secguard-core: the plain data model shared by every secguard crate, and
//! SARIF 2.1.0 reading and writing. No I/O happens here.

pub mod display;
pub mod model;
pub mod report;
pub mod sarif;

pub use model::*;
pub use report::*;
pub mod agreement;
pub mod identity;
pub mod memory;
pub mod retrieval;
pub mod review;
