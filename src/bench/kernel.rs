//! The real kernel's cost of a process's whole life, for comparison: how
//! many `fork` + `_exit` + `waitpid` cycles per second this machine runs,
//! with a parent that forks a child which exits at once, and reaps it.
//!
//! The loop runs in a few rounds and reports the median, since the machine
//! may be busy with other work; the process that forks is `procsim bench`
//! itself, which holds no simulated world (those run in processes of their
//! own), so each fork copies little.

use crate::bench::BenchError;
use std::io;
use std::time::{Duration, Instant};

/// Rounds of the loop; the median counts.
const ROUNDS: u32 = 3;

/// Cycles between two looks at the clock.
const BATCH: u32 = 64;

/// fork + _exit + waitpid cycles per second, over about `duration`.
pub fn fork_exit_wait_per_s(duration: Duration) -> Result<f64, BenchError> {
    let mut rates = (0..ROUNDS).map(|_| round(duration / ROUNDS)).collect::<Result<Vec<f64>, _>>()?;
    rates.sort_by(f64::total_cmp);
    Ok(rates[rates.len() / 2])
}

/// One round: cycles per second.
fn round(duration: Duration) -> Result<f64, BenchError> {
    let started = Instant::now();
    let mut cycles = 0u64;
    while cycles == 0 || started.elapsed() < duration {
        for _ in 0..BATCH {
            cycle().map_err(BenchError::Kernel)?;
        }
        cycles += u64::from(BATCH);
    }
    Ok(cycles as f64 / started.elapsed().as_secs_f64())
}

/// One child, forked, exited and reaped.
fn cycle() -> io::Result<()> {
    // SAFETY: the child only calls `_exit`, which is async-signal-safe.
    match unsafe { libc::fork() } {
        -1 => Err(io::Error::last_os_error()),
        0 => unsafe { libc::_exit(0) },
        child => {
            let mut status = 0;
            // SAFETY: `status` is a valid place for the exit status.
            if unsafe { libc::waitpid(child, &mut status, 0) } == child {
                Ok(())
            } else {
                Err(io::Error::last_os_error())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_forks_exits_and_reaps() {
        assert!(fork_exit_wait_per_s(Duration::from_millis(30)).unwrap() > 0.0);
    }
}
