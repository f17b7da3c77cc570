//! What a measurement ran on: the CPU model, the number of CPUs, the memory,
//! the kernel release and how busy the machine was, so that a table of
//! timings can say where it came from.

use crate::host::memory::{self, HostError, MemInfo, gib};
use std::fmt;

/// The machine procsim runs on.
#[derive(Clone, Debug, PartialEq)]
pub struct Platform {
    /// The CPU's model name (`model name` of `/proc/cpuinfo`, as `lscpu` shows it).
    pub cpu: String,
    /// CPUs this process may run on.
    pub cpus: usize,
    /// `MemTotal`, in bytes.
    pub memory: u64,
    /// The kernel release (`uname -r`).
    pub kernel: String,
    /// The load average over the last minute.
    pub load: f64,
}

impl Platform {
    pub fn now() -> Result<Platform, HostError> {
        let cpuinfo = memory::read("/proc/cpuinfo")?;
        let cpu = cpuinfo
            .lines()
            .find_map(|line| line.strip_prefix("model name")?.split_once(':').map(|(_, name)| name.trim().to_owned()))
            .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
        let loadavg = memory::read("/proc/loadavg")?;
        let load = loadavg
            .split_whitespace()
            .next()
            .and_then(|l| l.parse().ok())
            .ok_or(HostError::Missing { file: "/proc/loadavg", key: "the one-minute load" })?;
        Ok(Platform {
            cpu,
            cpus: std::thread::available_parallelism().map_or(1, usize::from),
            memory: MemInfo::now()?.total,
            kernel: memory::read("/proc/sys/kernel/osrelease")?.trim().to_owned(),
            load,
        })
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, {} CPUs, {:.1} GiB, Linux {}, load {:.2}",
            self.cpu,
            self.cpus,
            gib(self.memory),
            self.kernel,
            self.load
        )
    }
}
