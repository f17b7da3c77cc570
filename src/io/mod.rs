//! Input and output: replay scripts and their reports.

pub mod generate;
pub mod report;
pub mod script;
