//! `procsim merge`: the shards of a sweep, made by the tasks of a cluster's
//! array job, put back together into the files one machine's sweep writes.

use super::exit::{Exit, Outcome};
use super::sweep::{hold, report};
use procsim::sweep::merge::{self, MergeError};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct MergeArgs {
    /// Where to write the merged tables.
    #[arg(long)]
    out: PathBuf,
    /// The folders the shards of one sweep wrote, every shard once.
    #[arg(required = true, value_name = "SHARD_DIR")]
    shards: Vec<PathBuf>,
}

/// Merges the shards of a sweep into the files one machine's sweep writes.
pub fn merge(args: MergeArgs) -> Outcome {
    let out = std::fs::canonicalize(&args.out).ok();
    if let Some(shard) = args.shards.iter().find(|s| out.is_some() && std::fs::canonicalize(s).ok() == out) {
        return Err(Exit::BadInput.error(format_args!("--out {}: is one of the shards", shard.display())));
    }
    let shards = merge::check(&args.shards).map_err(merge_exit)?;
    let folder = hold(&args.out)?;
    let merged = shards.write(folder.dir()).map_err(merge_exit)?;
    report(&merged.manifest, &merged.runs, &args.out)?;
    Ok(Exit::Success)
}

/// The exit of a merge that could not be made.
fn merge_exit(error: MergeError) -> Exit {
    match error {
        MergeError::Refused(message) => Exit::BadInput.error(message),
        MergeError::Results(e) => Exit::CannotWrite.error(e),
    }
}
