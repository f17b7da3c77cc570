//! The quiescence gate: a sentinel thread that runs only when no puppet can.
//!
//! The sentinel is a thread of the harness, pinned to the puppet CPU at a
//! `SCHED_FIFO` priority just below the puppets'. Asked for an answer, it gets
//! the CPU only once every puppet is blocked, stopped or dead, so the answer
//! comes when everything an operation set off has run. One pipe round trip
//! thus replaces polling `/proc` while the puppets work (polling would also take
//! kernel locks the puppets need, and a puppet that sleeps on such a lock lets
//! the next one run out of turn).
//!
//! The gate is fast and nearly always right; the harness confirms it from
//! `/proc` (a puppet that sleeps on something other than its command pipe,
//! a page being read from disk say, leaves the CPU idle too).

use super::KernelError;
use super::channel::pipe;
use super::placement::{SENTINEL_PRIORITY, only, set_affinity, set_fifo};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Instant;

/// The harness's ends of the sentinel's pipes, and the sentinel.
pub(crate) struct Gate {
    /// Closed first on drop: the sentinel then sees end of file and returns.
    request: Option<File>,
    answer: File,
    sentinel: Option<JoinHandle<()>>,
}

impl Gate {
    /// Starts the sentinel on `cpu`.
    pub fn open(cpu: usize) -> Result<Gate, KernelError> {
        let (request_r, request_w) = pipe()?;
        let (answer_r, answer_w) = pipe()?;
        let (placed_tx, placed_rx) = mpsc::channel();
        let sentinel = std::thread::Builder::new()
            .name("procsim-sentinel".into())
            .spawn(move || {
                let placed = set_affinity(&only(cpu))
                    .map_err(|e| e.to_string())
                    .and_then(|()| set_fifo(SENTINEL_PRIORITY).map_err(|e| e.to_string()));
                let ok = placed.is_ok();
                let _ = placed_tx.send(placed);
                if ok {
                    serve(File::from(request_r), File::from(answer_w));
                }
            })
            .map_err(|e| KernelError::syscall("spawning the sentinel thread", e))?;
        let placed = placed_rx.recv().map_err(|_| KernelError::Unexpected("the sentinel thread died".into()))?;
        let gate =
            Gate { request: Some(File::from(request_w)), answer: File::from(answer_r), sentinel: Some(sentinel) };
        placed.map_err(|e| {
            KernelError::CannotRun(format!(
                "cannot run a thread on CPU {cpu} at SCHED_FIFO priority {SENTINEL_PRIORITY} ({e}); \
                 it needs root (CAP_SYS_NICE) or an RLIMIT_RTPRIO of at least {}",
                SENTINEL_PRIORITY + 1
            ))
        })?;
        Ok(gate)
    }

    /// Returns `true` once the puppet CPU has had nothing else to run, at some
    /// moment after the call; `false` if that did not happen by `deadline`.
    pub fn wait_idle(&mut self, deadline: Instant) -> Result<bool, KernelError> {
        let Some(request) = &mut self.request else { return Err(KernelError::Unexpected("the gate is closed".into())) };
        request.write_all(&[1]).map_err(|e| KernelError::syscall("asking the sentinel", e))?;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let mut poll = libc::pollfd { fd: self.answer.as_raw_fd(), events: libc::POLLIN, revents: 0 };
            let millis = i32::try_from(left.as_millis()).unwrap_or(i32::MAX);
            // SAFETY: one pollfd, owned by this frame.
            let ready = unsafe { libc::poll(&mut poll, 1, millis) };
            if ready < 0 {
                let err = io::Error::last_os_error();
                if err.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(KernelError::syscall("poll", err));
            }
            if ready == 0 {
                return Ok(false);
            }
            let mut byte = [0u8];
            return match self.answer.read(&mut byte) {
                Ok(1) => Ok(true),
                Ok(_) => Err(KernelError::Unexpected("the sentinel thread is gone".into())),
                Err(e) => Err(KernelError::syscall("reading the sentinel's answer", e)),
            };
        }
    }
}

/// The sentinel: answers every request byte, until end of file.
fn serve(mut request: File, mut answer: File) {
    let mut byte = [0u8];
    loop {
        match request.read(&mut byte) {
            Ok(1) => {
                if answer.write_all(&byte).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            _ => return,
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.request = None;
        if let Some(sentinel) = self.sentinel.take() {
            let _ = sentinel.join();
        }
    }
}
