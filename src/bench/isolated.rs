//! Measurements that need a process of their own.
//!
//! A process's peak resident set (`VmHWM`) only ever grows, so a measurement
//! of peak memory runs in a fresh process: the running program is started
//! again with the hidden subcommand `procsim measure`, which reads one [`Job`]
//! as TOML on its standard input, performs it and prints what it measured as
//! TOML on its standard output.
//!
//! A program that runs jobs in fresh processes must hand that subcommand to
//! [`serve`]: procsim's `main` does.

use crate::bench::population::Mix;
use crate::bench::{BenchError, floor, population};
use crate::host::{MemoryGuard, Outgrown};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::Write;
use std::process::{Command, Stdio};

/// The hidden subcommand that performs a job.
pub const SUBCOMMAND: &str = "measure";

/// A measurement run in a fresh process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Job {
    /// The calibration workload at one population ([`population::measure`]).
    Calibration {
        mix: Mix,
        population: u32,
        events: u64,
        /// The memory guard's limit on processes.
        max_processes: Option<u64>,
        /// The memory guard's estimate of a process's cost.
        bytes_per_process: u64,
    },
    /// bevy_ecs's own memory per entity ([`floor::measure`]).
    Floor { entities: u64, components: u8 },
}

/// What a job prints.
#[derive(Serialize, Deserialize)]
enum Reply<T> {
    Measured(T),
    /// The memory guard stopped it.
    Stopped(Outgrown),
}

impl Job {
    /// The calibration of `mix` at `population` with `events` events, within
    /// `guard`.
    pub fn calibration(mix: Mix, population: u32, events: u64, guard: &MemoryGuard) -> Job {
        Job::Calibration {
            mix,
            population,
            events,
            max_processes: guard.max_processes(),
            bytes_per_process: guard.bytes_per_process(),
        }
    }

    /// Performs the job in a fresh process of this program and reads its reply.
    pub fn in_fresh_process<T: DeserializeOwned>(&self) -> Result<T, BenchError> {
        let job = self.to_string();
        let spawn = |source| BenchError::Spawn { job: job.clone(), source };
        let exe = std::env::current_exe().map_err(spawn)?;
        let mut child = Command::new(exe)
            .arg(SUBCOMMAND)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(spawn)?;
        let request = toml::to_string(self).expect("a job is TOML");
        let mut stdin = child.stdin.take().expect("stdin is piped");
        stdin.write_all(request.as_bytes()).map_err(spawn)?;
        drop(stdin);
        let output = child.wait_with_output().map_err(spawn)?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
            return Err(BenchError::Child { job, status: output.status, stderr });
        }
        let text = String::from_utf8_lossy(&output.stdout);
        match toml::from_str(&text).map_err(|source| BenchError::Reply { job, source })? {
            Reply::Measured(measured) => Ok(measured),
            Reply::Stopped(outgrown) => Err(BenchError::Outgrown(outgrown)),
        }
    }
}

impl fmt::Display for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Job::Calibration { mix: Mix::Processes, population, .. } => {
                write!(f, "the calibration at {population} processes")
            }
            Job::Calibration { mix: Mix::Threads, population, .. } => {
                write!(f, "the calibration with threads at {population} tasks")
            }
            Job::Floor { entities, components } => {
                write!(f, "the floor of {entities} entities with {components} components")
            }
        }
    }
}

/// Reads a job from `request` (the TOML [`Job::in_fresh_process`] writes),
/// performs it in this process, and gives the reply to print on standard
/// output.
pub fn serve(request: &str) -> Result<String, BenchError> {
    let job: Job = toml::from_str(request).map_err(BenchError::Request)?;
    let reply = match job {
        Job::Calibration { mix, population, events, max_processes, bytes_per_process } => {
            let guard = MemoryGuard::new(max_processes)?.assuming(bytes_per_process);
            reply(population::measure(mix, population, events, &guard))?
        }
        Job::Floor { entities, components } => reply(floor::measure(entities, components))?,
    };
    Ok(reply)
}

/// The reply to a job that measured or was stopped by the memory guard;
/// any other failure is the job's error.
fn reply<T: Serialize>(measured: Result<T, BenchError>) -> Result<String, BenchError> {
    let reply = match measured {
        Ok(measured) => Reply::Measured(measured),
        Err(BenchError::Outgrown(outgrown)) => Reply::Stopped(outgrown),
        Err(e) => return Err(e),
    };
    Ok(toml::to_string(&reply).expect("a measurement is TOML"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::population::PopulationRun;

    #[test]
    fn a_job_reads_back_from_its_request() {
        let jobs = [
            Job::Calibration {
                mix: Mix::Processes,
                population: 10,
                events: 20,
                max_processes: None,
                bytes_per_process: 300,
            },
            Job::Calibration {
                mix: Mix::Threads,
                population: 10,
                events: 20,
                max_processes: Some(5),
                bytes_per_process: 300,
            },
            Job::Floor { entities: 1000, components: 3 },
        ];
        for job in jobs {
            assert_eq!(toml::from_str::<Job>(&toml::to_string(&job).unwrap()).unwrap(), job);
        }
    }

    #[test]
    fn a_reply_reads_back_as_the_measurement_or_the_stop() {
        let run = population::measure(Mix::Processes, 100, 10, &MemoryGuard::new(None).unwrap()).unwrap();
        let text = reply(Ok(run)).unwrap();
        assert!(matches!(toml::from_str::<Reply<PopulationRun>>(&text).unwrap(), Reply::Measured(back) if back == run));
        let outgrown = Outgrown::Processes { processes: 11, max: 10 };
        let text = reply::<PopulationRun>(Err(BenchError::Outgrown(outgrown))).unwrap();
        assert!(
            matches!(toml::from_str(&text).unwrap(), Reply::<population::PopulationRun>::Stopped(o) if o == outgrown)
        );
    }
}
