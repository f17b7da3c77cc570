//! Where the processes run: what makes a kernel run deterministic.
//!
//! Every puppet is pinned to one CPU (the *puppet CPU*) at one `SCHED_FIFO`
//! priority. On one CPU, a FIFO task runs until it blocks, and a task it wakes
//! goes to the back of the queue: so the puppets run one at a time, in the
//! order the kernel wakes them (the replay format, "Timing"). Which CPU time the
//! harness gets must not matter, so the harness's thread moves off the puppet
//! CPU for the run (when there is another one); it only acts when every puppet
//! is blocked. It also runs at a low `SCHED_FIFO` priority, below the puppets,
//! when it may: not for the results, but so that other work on the machine
//! does not keep it waiting (a compiler next door made single operations take
//! 15 ms instead of 0.3).
//!
//! The puppets never spin (each command is one system call, then a blocking
//! `read`), so real-time throttling (`sched_rt_runtime_us`) never stops them.
//!
//! The puppet CPU is the machine's highest, whoever runs the harness, so two
//! runs at once (tests in parallel, two `procsim conform`) would share it: a
//! run's gate would wait on the other's puppets, and settling could take long
//! enough to time out. A run holds an exclusive lock (`flock`) on a file in
//! the temporary folder for as long as it uses the CPU; the others wait.

use super::KernelError;
use std::mem::zeroed;

/// The puppets' `SCHED_FIFO` priority.
pub(crate) const PUPPET_PRIORITY: i32 = 10;

/// The sentinel's priority: just below the puppets', so that it runs on the
/// puppet CPU only when no puppet can run (see [`Gate`](super::gate::Gate)).
pub(crate) const SENTINEL_PRIORITY: i32 = PUPPET_PRIORITY - 1;

/// The harness thread's priority, below the sentinel's: on a machine with one
/// CPU it runs only when the puppets and the sentinel cannot.
const HARNESS_PRIORITY: i32 = 1;

/// The puppet CPU, and the calling thread's CPUs and scheduling to give back at the end.
pub(crate) struct Placement {
    pub puppet_cpu: usize,
    /// The lock on the puppet CPU, held until the end of the run.
    _exclusive: std::fs::File,
    /// The calling thread's affinity before the run, if it was changed.
    saved: Option<libc::cpu_set_t>,
    /// The calling thread's policy and priority before the run, if they were changed.
    saved_policy: Option<(i32, libc::sched_param)>,
}

impl Placement {
    /// Picks the highest CPU the calling thread may use for the puppets, and
    /// moves the calling thread onto the others (if there are others).
    pub fn take() -> Result<Placement, KernelError> {
        let allowed = affinity()?;
        let cpus: Vec<usize> = (0..libc::CPU_SETSIZE as usize)
            // SAFETY: CPU_ISSET only reads the set.
            .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &allowed) })
            .collect();
        let Some(&puppet_cpu) = cpus.last() else {
            return Err(KernelError::Unexpected("the harness may run on no CPU".into()));
        };
        let lock = std::env::temp_dir().join("procsim-harness.lock");
        let exclusive = std::fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .and_then(|file| file.lock().map(|()| file))
            .map_err(|e| KernelError::syscall("locking the puppet CPU", e))?;
        let mut placement = Placement { puppet_cpu, _exclusive: exclusive, saved: None, saved_policy: None };
        if cpus.len() > 1 {
            let mut rest = allowed;
            // SAFETY: CPU_CLR only writes the set.
            unsafe { libc::CPU_CLR(puppet_cpu, &mut rest) };
            set_affinity(&rest)?;
            placement.saved = Some(allowed);
        }
        // SAFETY: the kernel writes one sched_param; both calls concern the calling thread.
        unsafe {
            let mut param: libc::sched_param = zeroed();
            let policy = libc::sched_getscheduler(0);
            if policy >= 0 && libc::sched_getparam(0, &mut param) == 0 && set_fifo(HARNESS_PRIORITY).is_ok() {
                placement.saved_policy = Some((policy, param));
            }
        }
        Ok(placement)
    }

    /// Runs `act` on the calling thread moved onto the puppet CPU (at its
    /// own low priority), then moves it back: what the thread does there
    /// happens before any puppet it wakes runs (typing a key, version 3).
    pub fn on_puppet_cpu<T>(&self, act: impl FnOnce() -> T) -> Result<T, KernelError> {
        let own = affinity()?;
        set_affinity(&only(self.puppet_cpu))?;
        let done = act();
        set_affinity(&own)?;
        Ok(done)
    }

    /// Puts the process `pid` (the harness's child) on the puppet CPU at the
    /// puppets' priority; its children inherit both.
    pub fn place_puppet(&self, pid: i32) -> Result<(), KernelError> {
        let cpus = only(self.puppet_cpu);
        let param = libc::sched_param { sched_priority: PUPPET_PRIORITY };
        // SAFETY: the kernel reads the set and the parameter.
        let placed = unsafe {
            libc::sched_setaffinity(pid, size_of::<libc::cpu_set_t>(), &cpus) == 0
                && libc::sched_setscheduler(pid, libc::SCHED_FIFO, &param) == 0
        };
        if !placed {
            return Err(KernelError::CannotRun(format!(
                "cannot run the script's processes on CPU {} at SCHED_FIFO priority {PUPPET_PRIORITY}: {}",
                self.puppet_cpu,
                std::io::Error::last_os_error()
            )));
        }
        Ok(())
    }
}

impl Placement {
    /// Checks that task `tid` runs where every puppet must: on the puppet
    /// CPU alone, at the puppets' priority. A new task inherits both from the
    /// task that made it, process and thread alike; a run where one did not
    /// would not be deterministic, so it fails instead.
    pub fn check_placed(&self, tid: i32) -> Result<(), KernelError> {
        // SAFETY: the kernel writes one cpu set and one sched_param of the sizes given.
        let (policy, param, cpus) = unsafe {
            let mut param: libc::sched_param = zeroed();
            let mut cpus: libc::cpu_set_t = zeroed();
            let policy = libc::sched_getscheduler(tid);
            if policy < 0
                || libc::sched_getparam(tid, &mut param) != 0
                || libc::sched_getaffinity(tid, size_of::<libc::cpu_set_t>(), &mut cpus) != 0
            {
                return Err(KernelError::last_os("sched_getscheduler of a puppet"));
            }
            (policy, param, cpus)
        };
        // SAFETY: CPU_EQUAL only reads both sets.
        let pinned = unsafe { libc::CPU_EQUAL(&cpus, &only(self.puppet_cpu)) };
        if policy == libc::SCHED_FIFO && param.sched_priority == PUPPET_PRIORITY && pinned {
            return Ok(());
        }
        Err(KernelError::Unexpected(format!(
            "task {tid} of the script does not run on CPU {} alone at SCHED_FIFO priority {PUPPET_PRIORITY}",
            self.puppet_cpu
        )))
    }
}

impl Drop for Placement {
    fn drop(&mut self) {
        // Nothing to do about failures here: the thread keeps fewer CPUs, or its priority.
        if let Some((policy, param)) = &self.saved_policy {
            // SAFETY: the kernel reads the parameter.
            unsafe { libc::sched_setscheduler(0, *policy, param) };
        }
        if let Some(saved) = &self.saved {
            let _ = set_affinity(saved);
        }
    }
}

/// The set holding `cpu` alone.
pub(crate) fn only(cpu: usize) -> libc::cpu_set_t {
    // SAFETY: an all-zero cpu_set_t is the empty set; CPU_SET only writes it.
    unsafe {
        let mut set: libc::cpu_set_t = zeroed();
        libc::CPU_SET(cpu, &mut set);
        set
    }
}

/// The calling thread's CPUs.
fn affinity() -> Result<libc::cpu_set_t, KernelError> {
    // SAFETY: the kernel writes at most `size_of::<cpu_set_t>()` bytes.
    unsafe {
        let mut set: libc::cpu_set_t = zeroed();
        if libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Err(KernelError::last_os("sched_getaffinity"));
        }
        Ok(set)
    }
}

/// Moves the calling thread onto `set`.
pub(crate) fn set_affinity(set: &libc::cpu_set_t) -> Result<(), KernelError> {
    // SAFETY: the kernel reads `size_of::<cpu_set_t>()` bytes.
    if unsafe { libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), set) } != 0 {
        return Err(KernelError::last_os("sched_setaffinity"));
    }
    Ok(())
}

/// Gives the calling thread `SCHED_FIFO` at `priority`.
pub(crate) fn set_fifo(priority: i32) -> std::io::Result<()> {
    let param = libc::sched_param { sched_priority: priority };
    // SAFETY: the kernel reads the parameter.
    if unsafe { libc::sched_setscheduler(0, libc::SCHED_FIFO, &param) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}
