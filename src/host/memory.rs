//! Memory, as Linux accounts for it: this process's resident set and its
//! peak (`VmRSS`, `VmHWM` of `/proc/self/status`), the machine's total and
//! available memory (`MemTotal`, `MemAvailable` of `/proc/meminfo`), and the
//! limits this process runs under: its address space (`RLIMIT_AS`, against
//! `VmSize`) and its memory cgroups (v2's `memory.max` and `memory.current`,
//! v1's `memory.limit_in_bytes` and `memory.usage_in_bytes`, of its own cgroup
//! and every ancestor).
//!
//! `VmHWM` is the peak of the resident set since the process started, so a
//! measurement that wants the peak of one piece of work runs it in a fresh
//! process and subtracts the peak it had before the work began.

use std::path::{Path, PathBuf};

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

/// The address space this process may map (`RLIMIT_AS`, its soft limit),
/// if it is limited.
pub fn address_space_limit() -> Option<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes the limit into the struct it is given.
    let read = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut limit) };
    (read == 0 && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
}

/// The address space this process has mapped now (`VmSize`), in bytes.
pub fn address_space_used() -> Result<u64, HostError> {
    let [size] = figures("/proc/self/status", ["VmSize"])?;
    Ok(size)
}

/// A memory cgroup's limit and what counts against it, in bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CgroupMemory {
    /// The cgroup's folder.
    pub path: PathBuf,
    /// `memory.max` (v2) or `memory.limit_in_bytes` (v1).
    pub limit: u64,
    /// `memory.current` (v2) or `memory.usage_in_bytes` (v1).
    pub usage: u64,
    /// The inactive page cache in `usage` (`inactive_file` of `memory.stat`,
    /// `total_inactive_file` in v1), which the kernel reclaims before it
    /// gives up.
    pub inactive_file: u64,
}

impl CgroupMemory {
    /// What the cgroup can still give: its limit less what it holds
    /// (`usage - inactive_file`, the working set as container runtimes
    /// count it).
    pub fn headroom(&self) -> u64 {
        self.limit.saturating_sub(self.usage.saturating_sub(self.inactive_file))
    }

    /// The memory cgroups of this process that have a limit — its own and
    /// every ancestor up to the root of the mounted hierarchy, in v2 and in
    /// v1's memory controller — read from `/proc/self/cgroup`,
    /// `/proc/self/mountinfo` and the cgroup folders.
    pub fn of_this_process() -> Vec<CgroupMemory> {
        let (Ok(cgroups), Ok(mounts)) =
            (std::fs::read_to_string("/proc/self/cgroup"), std::fs::read_to_string("/proc/self/mountinfo"))
        else {
            return Vec::new();
        };
        limited_cgroups(&cgroups, &mounts)
    }

    /// The one with the least headroom.
    pub fn tightest(cgroups: &[CgroupMemory]) -> Option<&CgroupMemory> {
        cgroups.iter().min_by_key(|c| c.headroom())
    }
}

/// A limit this large is no limit (cgroup v1 writes "none" as the largest
/// page-aligned `i64`).
const NO_LIMIT: u64 = 1 << 62;

/// Which cgroup hierarchy a folder belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Version {
    V1,
    V2,
}

/// The memory cgroups with a limit, given the texts of `/proc/self/cgroup`
/// and `/proc/self/mountinfo`.
fn limited_cgroups(cgroups: &str, mountinfo: &str) -> Vec<CgroupMemory> {
    let mut found = Vec::new();
    for line in cgroups.lines() {
        let mut fields = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        let version = match controllers {
            "" => Version::V2,
            c if c.split(',').any(|c| c == "memory") => Version::V1,
            _ => continue,
        };
        let Some((mount_root, mount_point)) = mount_of(mountinfo, version) else {
            continue;
        };
        // The cgroup's path below the mounted part of the hierarchy.
        let Ok(relative) = Path::new(path).strip_prefix(&mount_root) else {
            continue;
        };
        let mut dir = mount_point.join(relative);
        loop {
            if let Some(memory) = read_cgroup(&dir, version).filter(|m| m.limit < NO_LIMIT) {
                found.push(memory);
            }
            if dir == mount_point || !dir.pop() {
                break;
            }
        }
    }
    found
}

/// Where the hierarchy of `version` (v1: the one with the memory controller)
/// is mounted: the root of the mounted part, and the mount point.
fn mount_of(mountinfo: &str, version: Version) -> Option<(PathBuf, PathBuf)> {
    mountinfo.lines().find_map(|line| {
        // `ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL…] - FSTYPE SOURCE SUPER_OPTIONS`
        let (before, after) = line.split_once(" - ")?;
        let fields: Vec<&str> = before.split(' ').collect();
        let after: Vec<&str> = after.split(' ').collect();
        let matches = match version {
            Version::V2 => after.first() == Some(&"cgroup2"),
            Version::V1 => {
                after.first() == Some(&"cgroup") && after.get(2).is_some_and(|o| o.split(',').any(|o| o == "memory"))
            }
        };
        if !matches {
            return None;
        }
        Some((PathBuf::from(unescape(fields.get(3)?)), PathBuf::from(unescape(fields.get(4)?))))
    })
}

/// A mountinfo path, with its octal escapes (`\040` for a space) undone.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).and_then(|d| u8::from_str_radix(std::str::from_utf8(d).ok()?, 8).ok());
        match (bytes[i], octal) {
            (b'\\', Some(b)) => {
                out.push(b);
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The limit and usage of the cgroup at `dir`, if it has the files.
fn read_cgroup(dir: &Path, version: Version) -> Option<CgroupMemory> {
    let number = |name: &str| -> Option<u64> {
        let text = std::fs::read_to_string(dir.join(name)).ok()?;
        match text.trim() {
            "max" => Some(u64::MAX),
            n => n.parse().ok(),
        }
    };
    let (limit, usage, inactive) = match version {
        Version::V2 => (number("memory.max")?, number("memory.current")?, "inactive_file"),
        Version::V1 => (number("memory.limit_in_bytes")?, number("memory.usage_in_bytes")?, "total_inactive_file"),
    };
    let stat = std::fs::read_to_string(dir.join("memory.stat")).unwrap_or_default();
    let inactive_file =
        stat.lines().find_map(|line| line.strip_prefix(inactive)?.strip_prefix(' ')?.trim().parse().ok()).unwrap_or(0);
    Some(CgroupMemory { path: dir.to_owned(), limit, usage, inactive_file })
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
    #[test]
    fn this_process_may_have_an_address_space_limit() {
        assert!(address_space_used().unwrap() > 0);
        if let Some(limit) = address_space_limit() {
            assert!(limit >= address_space_used().unwrap());
        }
    }

    /// A cgroup folder at `dir` with `files`.
    fn cgroup(dir: &Path, files: &[(&str, &str)]) {
        std::fs::create_dir_all(dir).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }

    #[test]
    fn the_cgroups_with_a_limit_are_this_one_and_its_ancestors_in_v1_and_v2() {
        let root = std::env::temp_dir().join(format!("procsim-cgroups-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (v2, v1) = (root.join("unified"), root.join("mem ory"));
        // v2: the job's cgroup is limited, its parent more tightly, the root not.
        cgroup(&v2, &[("cgroup.controllers", "memory")]);
        cgroup(&v2.join("user"), &[("memory.max", "1000\n"), ("memory.current", "900\n")]);
        cgroup(
            &v2.join("user/job"),
            &[("memory.max", "5000\n"), ("memory.current", "800\n"), ("memory.stat", "anon 100\ninactive_file 300\n")],
        );
        // v1: mounted from the middle of the hierarchy (as in a container),
        // unlimited where the limit is the largest page-aligned i64.
        cgroup(
            &v1.join("job"),
            &[("memory.limit_in_bytes", "9223372036854771712\n"), ("memory.usage_in_bytes", "1\n")],
        );
        cgroup(
            &v1,
            &[
                ("memory.limit_in_bytes", "4000\n"),
                ("memory.usage_in_bytes", "100\n"),
                ("memory.stat", "inactive_file 7\ntotal_inactive_file 50\n"),
            ],
        );
        let proc_cgroup = "9:name=systemd:/\n4:memory:/docker/abc/job\n3:cpu:/\n0::/user/job\n";
        let mountinfo = format!(
            "30 1 0:26 / /sys rw - sysfs sysfs rw\n\
             31 30 0:27 / {} rw,nosuid - cgroup2 cgroup2 rw\n\
             32 30 0:28 /docker/abc {} rw - cgroup cgroup rw,memory\n",
            v2.display(),
            v1.display().to_string().replace(' ', "\\040"),
        );
        let found = limited_cgroups(proc_cgroup, &mountinfo);
        let summary: Vec<(PathBuf, u64)> = found.iter().map(|c| (c.path.clone(), c.headroom())).collect();
        assert_eq!(
            summary,
            [(v1.clone(), 4000 - (100 - 50)), (v2.join("user/job"), 5000 - (800 - 300)), (v2.join("user"), 100)]
        );
        assert_eq!(CgroupMemory::tightest(&found).unwrap().path, v2.join("user"));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
