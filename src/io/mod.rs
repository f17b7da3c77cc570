//! Input and output: replay scripts and their reports, random scripts, and
//! the results of a run (CSV tables and the summary).

pub mod execution;
pub mod generate;
pub mod partial;
pub mod report;
pub mod results;
pub mod script;
pub mod summary;
pub mod tables;
pub mod text;
