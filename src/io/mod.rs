//! Input and output: replay scripts and their reports.

pub mod report;
pub mod script;
