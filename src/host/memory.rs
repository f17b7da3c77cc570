//! Memory, as Linux accounts for it: this process's resident set and its
//! peak (`VmRSS`, `VmHWM` of `/proc/self/status`), and the machine's total and
//! available memory (`MemTotal`, `MemAvailable` of `/proc/meminfo`).
//!
//! `VmHWM` is the peak of the resident set since the process started, so a
//! measurement that wants the peak of one piece of work runs it in a fresh
//! process and subtracts the peak it had before the work began.

use std::path::Path;

/// Why a figure could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("{file}: {source}")]
    Read {
        file: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: no `{key}` line in kB")]
    Missing { file: &'static str, key: &'static str },
}

/// This process's memory, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessMemory {
    /// The resident set now (`VmRSS`).
    pub resident: u64,
    /// The largest the resident set has been (`VmHWM`).
    pub peak: u64,
}

impl ProcessMemory {
    pub fn now() -> Result<ProcessMemory, HostError> {
        let [resident, peak] = figures("/proc/self/status", ["VmRSS", "VmHWM"])?;
        Ok(ProcessMemory { resident, peak })
    }
}

/// The machine's memory, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemInfo {
    /// `MemTotal`.
    pub total: u64,
    /// What can be allocated without swapping (`MemAvailable`).
    pub available: u64,
}

impl MemInfo {
    pub fn now() -> Result<MemInfo, HostError> {
        let [total, available] = figures("/proc/meminfo", ["MemTotal", "MemAvailable"])?;
        Ok(MemInfo { total, available })
    }
}

pub(crate) fn read(file: &'static str) -> Result<String, HostError> {
    std::fs::read_to_string(Path::new(file)).map_err(|source| HostError::Read { file, source })
}

/// The values of `keys` in `file`, in bytes.
fn figures<const N: usize>(file: &'static str, keys: [&'static str; N]) -> Result<[u64; N], HostError> {
    let text = read(file)?;
    let mut values = [0; N];
    for (value, key) in values.iter_mut().zip(keys) {
        *value = kilobytes(file, &text, key)?;
    }
    Ok(values)
}

/// The value of a `Key:   1234 kB` line, in bytes.
fn kilobytes(file: &'static str, text: &str, key: &'static str) -> Result<u64, HostError> {
    text.lines()
        .find_map(|line| {
            let value = line.strip_prefix(key)?.strip_prefix(':')?.trim().strip_suffix("kB")?;
            value.trim().parse::<u64>().ok()
        })
        .map(|kb| kb * 1024)
        .ok_or(HostError::Missing { file, key })
}

/// `bytes` in GiB, for messages.
pub fn gib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1u32 << 30)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_key_in_kilobytes_and_not_its_prefix() {
        let text = "VmHWMx:\t 1 kB\nVmHWM:\t   2048 kB\nVmRSS:\t 1024 kB\n";
        assert_eq!(kilobytes("status", text, "VmHWM").unwrap(), 2048 * 1024);
        assert!(matches!(kilobytes("status", text, "VmPeak"), Err(HostError::Missing { key: "VmPeak", .. })));
    }

    #[test]
    fn this_process_has_memory_and_the_machine_too() {
        let own = ProcessMemory::now().unwrap();
        assert!(own.resident > 0 && own.peak >= own.resident);
        let machine = MemInfo::now().unwrap();
        assert!(machine.total >= machine.available && machine.available > 0);
    }
}
