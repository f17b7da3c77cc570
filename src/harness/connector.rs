//! The process events connector: a netlink socket on which the kernel reports
//! every fork and exit of the machine, exit status included.
//!
//! It exists for kernels before 6.15, whose pidfds keep no exit status (see
//! [`exit_status`](super::exit_status)): RHEL 9 runs 5.14, Debian 12 6.1,
//! Ubuntu 24.04 6.8. It needs root: the subscription needs `CAP_NET_ADMIN` in
//! the initial user namespace, and the kernel ignores subscribers outside the
//! initial PID namespace (it reports pids as that namespace numbers them,
//! which is how the harness's `/proc` numbers them too).
//!
//! The harness subscribes before it clones `init`, so the stream holds every
//! fork and exit of the script's tasks, in the order they happened. It
//! holds every other process's too, and a puppet's pid may have been another
//! process's earlier in the stream: a fork of a process (a task that leads its
//! own thread group) starts a new life for its pid. Each task of the process
//! (a `thread` is a fork too) counts in that life until its exit; the process
//! has ended when none is left, and the exit of its last task gives its
//! status (every thread of a group exit or a fatal signal exits with the
//! process's status, and a process whose threads all called `exit_thread`
//! has its last thread's code, semantics rule 33). A thread's `exec` kills
//! the leader and gives the thread the leader's pid: its exits after that are
//! reported under that pid, in the same life.
//!
//! Events can be lost. When the socket's receive buffer is full the kernel
//! drops them and says so (`ENOBUFS`): the harness drains the socket whenever
//! it settles, and fails if that happens. When the kernel cannot allocate an
//! event it drops it silently: the harness checks that it saw the fork of
//! every puppet at its birth and the exit of every puppet the kernel reaped,
//! and fails otherwise. Either way it never reports a status it did not see.

use super::KernelError;
use std::collections::HashMap;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// `CN_IDX_PROC` and `CN_VAL_PROC` of `<linux/connector.h>`: the id of the
/// process events, `CN_IDX_PROC` also their multicast group.
const CN_IDX_PROC: u32 = 1;
const CN_VAL_PROC: u32 = 1;

/// `enum proc_cn_mcast_op` of `<linux/cn_proc.h>`.
const PROC_CN_MCAST_LISTEN: u32 = 1;
const PROC_CN_MCAST_IGNORE: u32 = 2;

/// `enum what` of `struct proc_event` (`<linux/cn_proc.h>`): `NONE` is the
/// answer to a subscription.
const PROC_EVENT_NONE: u32 = 0;
const PROC_EVENT_FORK: u32 = 1;
const PROC_EVENT_EXIT: u32 = 0x8000_0000;

/// The receive buffer asked for (the kernel doubles it): every process of the
/// machine is reported, and the harness reads only when the script's
/// processes have settled.
const RECEIVE_BUFFER: libc::c_int = 4 << 20;

/// How long the kernel may take to answer the subscription (it answers at once).
const ANSWER_LIMIT: Duration = Duration::from_secs(1);

/// `struct cn_msg` of `<linux/connector.h>` (its `struct cb_id` inlined),
/// without its data.
#[repr(C)]
struct CnMsg {
    idx: u32,
    val: u32,
    seq: u32,
    ack: u32,
    len: u16,
    flags: u16,
}

/// `struct proc_event` of `<linux/cn_proc.h>` up to its `event_data` union.
#[repr(C)]
struct ProcEvent {
    what: u32,
    cpu: u32,
    timestamp_ns: u64,
}

/// `struct fork_proc_event` of `<linux/cn_proc.h>`.
#[repr(C)]
struct ForkProcEvent {
    parent_pid: i32,
    parent_tgid: i32,
    child_pid: i32,
    child_tgid: i32,
}

/// `struct exit_proc_event` of `<linux/cn_proc.h>`.
#[repr(C)]
struct ExitProcEvent {
    process_pid: i32,
    process_tgid: i32,
    /// As `waitpid` reports it: the code shifted left by 8, or the signal.
    exit_code: u32,
    exit_signal: u32,
    parent_pid: i32,
    parent_tgid: i32,
}

/// A subscription request: `struct nlmsghdr`, `struct cn_msg`, then its data,
/// an `enum proc_cn_mcast_op`.
#[repr(C)]
struct McastRequest {
    header: libc::nlmsghdr,
    msg: CnMsg,
    op: u32,
}

/// A kernel struct made of integers only.
///
/// # Safety
/// Every bit pattern of its size must be a value of it.
unsafe trait Plain: Sized {}
// SAFETY: each of these is a `repr(C)` struct of integers.
unsafe impl Plain for libc::nlmsghdr {}
// SAFETY: as above.
unsafe impl Plain for CnMsg {}
// SAFETY: as above.
unsafe impl Plain for ProcEvent {}
// SAFETY: as above.
unsafe impl Plain for ForkProcEvent {}
// SAFETY: as above.
unsafe impl Plain for ExitProcEvent {}
// SAFETY: an integer.
unsafe impl Plain for u32 {}

/// The `T` at the start of `bytes`, if they are long enough to hold one.
fn read<T: Plain>(bytes: &[u8]) -> Option<T> {
    // SAFETY: the bytes hold a whole `T`, any bytes are a `T` (`Plain`), and
    // `read_unaligned` needs no alignment.
    (bytes.len() >= size_of::<T>()).then(|| unsafe { bytes.as_ptr().cast::<T>().read_unaligned() })
}

/// What the harness reads in the stream.
enum Event {
    /// The answer to a subscription request: the request's `ack` plus one
    /// (all the kernel keeps of it: `seq` is its own count of events), and an
    /// errno, or 0.
    Answer { ack: u32, err: u32 },
    /// A task (process or thread) was created with id `child_pid` in thread
    /// group `child_tgid`.
    Fork { child_pid: i32, child_tgid: i32 },
    /// A task of thread group `tgid` exited with `status`.
    Exit { tgid: i32, status: i32 },
}

impl Event {
    /// Decodes the payload of one netlink message; `None` for a message the
    /// harness has no use for.
    fn parse(payload: &[u8]) -> Result<Option<Event>, KernelError> {
        let malformed = || KernelError::Unexpected("a malformed message from the process events connector".into());
        let msg: CnMsg = read(payload).ok_or_else(malformed)?;
        if (msg.idx, msg.val) != (CN_IDX_PROC, CN_VAL_PROC) {
            return Ok(None);
        }
        let data = payload.get(size_of::<CnMsg>()..size_of::<CnMsg>() + usize::from(msg.len)).ok_or_else(malformed)?;
        let event: ProcEvent = read(data).ok_or_else(malformed)?;
        let body = &data[size_of::<ProcEvent>()..];
        Ok(match event.what {
            PROC_EVENT_NONE => {
                let err: u32 = read(body).ok_or_else(malformed)?;
                Some(Event::Answer { ack: msg.ack, err })
            }
            PROC_EVENT_FORK => {
                let fork: ForkProcEvent = read(body).ok_or_else(malformed)?;
                Some(Event::Fork { child_pid: fork.child_pid, child_tgid: fork.child_tgid })
            }
            PROC_EVENT_EXIT => {
                let exit: ExitProcEvent = read(body).ok_or_else(malformed)?;
                Some(Event::Exit { tgid: exit.process_tgid, status: exit.exit_code as i32 })
            }
            _ => None,
        })
    }
}

/// One life of a pid: a process, from its fork to the exit of its last task.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Life {
    /// Its tasks that have not exited.
    tasks: u32,
    /// Its exit status, once its last task has exited.
    status: Option<i32>,
}

impl Life {
    fn running(&self) -> bool {
        self.status.is_none()
    }
}

/// What the stream told of the processes created since the subscription, by
/// pid.
#[derive(Default)]
struct Lives {
    /// The latest life of each such pid.
    latest: HashMap<i32, Life>,
    /// The puppets' lives, moved out of `latest` at their birth so that no
    /// later life of their pid replaces them.
    puppets: HashMap<i32, Life>,
}

impl Lives {
    /// A task `id` was created in thread group `tgid`.
    fn fork(&mut self, id: i32, tgid: i32) -> Result<(), KernelError> {
        if id != tgid {
            if let Some(life) = self.running(tgid) {
                life.tasks += 1;
            }
            return Ok(());
        }
        if self.puppets.get(&id).is_some_and(Life::running) {
            return Err(KernelError::EventsLost(format!("pid {id} was created again before its exit was reported")));
        }
        self.latest.insert(id, Life { tasks: 1, status: None });
        Ok(())
    }

    /// Task `id` of thread group `tgid` exited with `status`: the exit of
    /// the last task of a life ends it.
    fn exit(&mut self, tgid: i32, status: i32) {
        if let Some(life) = self.running(tgid) {
            life.tasks = life.tasks.saturating_sub(1);
            if life.tasks == 0 {
                life.status = Some(status);
            }
        }
    }

    /// The life of the running process with this pid, a puppet's first.
    fn running(&mut self, pid: i32) -> Option<&mut Life> {
        if self.puppets.get(&pid).is_some_and(Life::running) {
            return self.puppets.get_mut(&pid);
        }
        self.latest.get_mut(&pid).filter(|life| life.running())
    }

    /// Claims the latest life of `pid` for a puppet.
    fn born(&mut self, pid: i32) -> Result<(), KernelError> {
        let life = self
            .latest
            .remove(&pid)
            .ok_or_else(|| KernelError::EventsLost(format!("the creation of pid {pid} was not reported")))?;
        match self.puppets.insert(pid, life) {
            Some(_) => Err(KernelError::Unexpected(format!("two of the script's processes had pid {pid}"))),
            None => Ok(()),
        }
    }

    /// How the puppet process with this pid ended, if it did.
    fn exit_status(&self, pid: i32) -> Option<i32> {
        self.puppets.get(&pid).and_then(|life| life.status)
    }
}

/// A subscription to the process events, and what they told so far.
pub(crate) struct Connector {
    socket: OwnedFd,
    lives: Lives,
}

/// Counts the subscription requests of this process, to recognise the answer to each.
static REQUESTS: AtomicU32 = AtomicU32::new(0);

impl Connector {
    /// Subscribes to the process events, and waits until the kernel confirms:
    /// every fork and exit from then on is reported.
    pub fn subscribe() -> Result<Connector, KernelError> {
        let flags = libc::SOCK_DGRAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
        // SAFETY: socket takes integers and returns a new descriptor or -1.
        let fd = unsafe { libc::socket(libc::AF_NETLINK, flags, libc::NETLINK_CONNECTOR) };
        if fd < 0 {
            let err = io::Error::last_os_error();
            return Err(match err.raw_os_error() {
                Some(libc::EPROTONOSUPPORT) => KernelError::CannotRun(
                    "this kernel has no process events connector (CONFIG_CONNECTOR, CONFIG_PROC_EVENTS)".into(),
                ),
                _ => KernelError::syscall("socket(NETLINK_CONNECTOR)", err),
            });
        }
        // SAFETY: the descriptor is new and owned by nobody else.
        let socket = unsafe { OwnedFd::from_raw_fd(fd) };
        let size = RECEIVE_BUFFER;
        let size_len = size_of_val(&size) as libc::socklen_t;
        // SAFETY: the kernel reads one int.
        let r =
            unsafe { libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, (&raw const size).cast(), size_len) };
        if r != 0 {
            return Err(refused("setsockopt(SO_RCVBUFFORCE)", io::Error::last_os_error()));
        }
        // SAFETY: all zeroes is a valid `sockaddr_nl` (the kernel picks the port id).
        let mut address: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        address.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        address.nl_groups = CN_IDX_PROC;
        let address_len = size_of_val(&address) as libc::socklen_t;
        // SAFETY: the kernel reads one `sockaddr_nl`.
        if unsafe { libc::bind(fd, (&raw const address).cast(), address_len) } != 0 {
            return Err(refused("bind(CN_IDX_PROC)", io::Error::last_os_error()));
        }
        let mut connector = Connector { socket, lives: Lives::default() };
        let ack = connector.request(PROC_CN_MCAST_LISTEN)?;
        let deadline = Instant::now() + ANSWER_LIMIT;
        loop {
            if let Some(err) = connector.read_waiting(Some(ack))? {
                return match err {
                    0 => Ok(connector),
                    err => Err(refused("PROC_CN_MCAST_LISTEN", io::Error::from_raw_os_error(err as i32))),
                };
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(KernelError::CannotRun(
                    "the process events connector did not answer the subscription: it serves only processes \
                     of the initial PID and user namespaces; run the harness as root on the host"
                        .into(),
                ));
            }
            let mut poll = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
            // SAFETY: the kernel reads and writes one pollfd.
            if unsafe { libc::poll(&mut poll, 1, left.as_millis().max(1) as libc::c_int) } < 0
                && io::Error::last_os_error().kind() != io::ErrorKind::Interrupted
            {
                return Err(KernelError::last_os("poll"));
            }
        }
    }

    /// Takes in every event waiting on the socket.
    pub fn drain(&mut self) -> Result<(), KernelError> {
        self.read_waiting(None).map(drop)
    }

    /// A puppet with this pid was born: its life is the one the latest fork of
    /// its pid started. Fails if that fork was not reported.
    pub fn born(&mut self, pid: i32) -> Result<(), KernelError> {
        self.drain()?;
        self.lives.born(pid)
    }

    /// How the puppet with this pid ended, if it did (as far as the events
    /// taken in so far tell).
    pub fn exit_status(&self, pid: i32) -> Option<i32> {
        self.lives.exit_status(pid)
    }

    /// Sends a subscription request; returns the `ack` number that tells its
    /// answer from other processes' (every subscriber receives every answer).
    fn request(&self, op: u32) -> Result<u32, KernelError> {
        let ack = std::process::id() ^ (REQUESTS.fetch_add(1, Relaxed) << 22);
        let request = McastRequest {
            header: libc::nlmsghdr {
                nlmsg_len: size_of::<McastRequest>() as u32,
                nlmsg_type: libc::NLMSG_DONE as u16,
                nlmsg_flags: 0,
                nlmsg_seq: 0,
                nlmsg_pid: 0,
            },
            msg: CnMsg { idx: CN_IDX_PROC, val: CN_VAL_PROC, seq: 0, ack, len: size_of::<u32>() as u16, flags: 0 },
            op,
        };
        let size = size_of::<McastRequest>();
        // SAFETY: the kernel reads `size` bytes of a live value.
        let sent = unsafe { libc::send(self.socket.as_raw_fd(), (&raw const request).cast(), size, 0) };
        if sent != size as isize {
            return Err(KernelError::last_os("send(PROC_CN_MCAST)"));
        }
        Ok(ack)
    }

    /// Reads every datagram waiting on the socket and takes in its events;
    /// returns the errno of the answer to the request numbered `ours` if it
    /// was among them.
    fn read_waiting(&mut self, ours: Option<u32>) -> Result<Option<u32>, KernelError> {
        let mut answer = None;
        let mut buf = [0u8; 8192];
        loop {
            // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`;
            // MSG_TRUNC makes it return the datagram's whole length.
            let n = unsafe { libc::recv(self.socket.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), libc::MSG_TRUNC) };
            if n < 0 {
                let err = io::Error::last_os_error();
                match err.raw_os_error() {
                    Some(libc::EAGAIN) => return Ok(answer),
                    Some(libc::EINTR) => continue,
                    Some(libc::ENOBUFS) => {
                        return Err(KernelError::EventsLost("the socket's receive buffer overflowed".into()));
                    }
                    _ => return Err(KernelError::syscall("recv(NETLINK_CONNECTOR)", err)),
                }
            }
            let datagram = buf.get(..n as usize).ok_or_else(|| {
                KernelError::Unexpected(format!("a process event of {n} bytes, more than {}", buf.len()))
            })?;
            for event in messages(datagram)? {
                match event {
                    Event::Answer { ack, err } if ours.is_some_and(|ours| ack == ours.wrapping_add(1)) => {
                        answer = Some(err);
                    }
                    Event::Answer { .. } => {}
                    Event::Fork { child_pid, child_tgid } => self.lives.fork(child_pid, child_tgid)?,
                    Event::Exit { tgid, status } => self.lives.exit(tgid, status),
                }
            }
        }
    }
}

/// The events of the netlink messages of one datagram.
fn messages(mut datagram: &[u8]) -> Result<Vec<Event>, KernelError> {
    let malformed = || KernelError::Unexpected("a malformed netlink message from the process events connector".into());
    let mut events = Vec::new();
    while !datagram.is_empty() {
        let header: libc::nlmsghdr = read(datagram).ok_or_else(malformed)?;
        let len = header.nlmsg_len as usize;
        let payload = datagram.get(size_of::<libc::nlmsghdr>()..len).ok_or_else(malformed)?;
        if header.nlmsg_type == libc::NLMSG_DONE as u16
            && let Some(event) = Event::parse(payload)?
        {
            events.push(event);
        }
        datagram = datagram.get(libc::NLMSG_ALIGN(len) as usize..).unwrap_or_default();
    }
    Ok(events)
}

/// The error of a step of the subscription that the kernel refused.
fn refused(call: &'static str, err: io::Error) -> KernelError {
    match err.raw_os_error() {
        Some(libc::EPERM | libc::EACCES) => KernelError::CannotRun(format!(
            "the process events connector needs CAP_NET_ADMIN in the initial user namespace ({call}: {err}); \
             run the harness as root"
        )),
        _ => KernelError::syscall(call, err),
    }
}

impl Drop for Connector {
    fn drop(&mut self) {
        // Kernels before 6.6 count listeners by these requests only, not by sockets.
        let _ = self.request(PROC_CN_MCAST_IGNORE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fork_starts_a_new_life_and_the_exit_of_its_last_task_ends_it() {
        let mut lives = Lives::default();
        // Pid 7 lived and died before the puppet got it.
        lives.fork(7, 7).unwrap();
        lives.exit(7, 3 << 8);
        lives.fork(7, 7).unwrap();
        lives.born(7).unwrap();
        assert_eq!(lives.exit_status(7), None);
        // The leader exits first (exit_thread 5): its thread 8 lives on.
        lives.fork(8, 7).unwrap();
        lives.exit(7, 5 << 8);
        assert_eq!(lives.exit_status(7), None);
        // The last thread's exit ends the process, with its own status.
        lives.exit(7, 7 << 8);
        assert_eq!(lives.exit_status(7), Some(7 << 8));
        // Another process that gets pid 7 later does not change it.
        lives.fork(7, 7).unwrap();
        lives.exit(7, 0);
        assert_eq!(lives.exit_status(7), Some(7 << 8));
    }

    #[test]
    fn a_thread_that_execs_goes_on_in_its_process_life() {
        let mut lives = Lives::default();
        lives.fork(20, 20).unwrap();
        lives.born(20).unwrap();
        lives.fork(21, 20).unwrap();
        // Thread 21 execs: the leader is killed, 21 takes pid 20 and later ends it.
        lives.exit(20, libc::SIGKILL);
        assert_eq!(lives.exit_status(20), None);
        lives.exit(20, 4 << 8);
        assert_eq!(lives.exit_status(20), Some(4 << 8));
    }

    #[test]
    fn lost_events_are_errors() {
        let mut lives = Lives::default();
        assert!(matches!(lives.born(9), Err(KernelError::EventsLost(_))));
        lives.fork(9, 9).unwrap();
        lives.born(9).unwrap();
        assert!(matches!(lives.fork(9, 9), Err(KernelError::EventsLost(_))));
    }
}
