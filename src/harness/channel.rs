//! The harness's ends of the wire: a command pipe per label, and the shared
//! message pipe (see [`wire`](super::wire)).

use super::KernelError;
use super::wire::{Command, Message};
use crate::io::script::Label;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// A close-on-exec pipe: `(read end, write end)`.
pub(crate) fn pipe() -> Result<(OwnedFd, OwnedFd), KernelError> {
    let mut fds = [0; 2];
    // SAFETY: the kernel writes two descriptors into `fds`.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(KernelError::last_os("pipe2"));
    }
    // SAFETY: both descriptors are new and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// The harness's ends.
pub(crate) struct Channel {
    /// The write end of every label's command pipe.
    commands: Vec<File>,
    /// The read end of the message pipe, non-blocking.
    messages: File,
    /// Bytes of a message not read whole yet.
    partial: Vec<u8>,
}

/// The puppets' ends, to hand to `init`: the message pipe's write end, then
/// every label's command pipe's read end.
pub(crate) type PuppetEnds = Vec<OwnedFd>;

impl Channel {
    pub fn open(labels: usize) -> Result<(Channel, PuppetEnds), KernelError> {
        let (messages_r, messages_w) = pipe()?;
        // SAFETY: F_SETFL on a descriptor this function owns.
        if unsafe { libc::fcntl(messages_r.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) } != 0 {
            return Err(KernelError::last_os("fcntl(O_NONBLOCK)"));
        }
        let mut ends = vec![messages_w];
        let mut commands = Vec::with_capacity(labels);
        for _ in 0..labels {
            let (read, write) = pipe()?;
            ends.push(read);
            commands.push(File::from(write));
        }
        Ok((Channel { commands, messages: File::from(messages_r), partial: Vec::new() }, ends))
    }

    /// Sends a command to a label's puppet.
    pub fn send(&mut self, label: Label, command: Command) -> Result<(), KernelError> {
        let pipe = self
            .commands
            .get_mut(label.index())
            .ok_or_else(|| KernelError::Unexpected(format!("no command pipe for label {}", label.index())))?;
        pipe.write_all(&command.to_bytes()).map_err(|e| KernelError::syscall("writing a command", e))
    }

    /// Appends every message waiting in the pipe to `into`.
    pub fn drain(&mut self, into: &mut Vec<Message>) -> Result<(), KernelError> {
        const SIZE: usize = size_of::<Message>();
        let mut buf = [0u8; 64 * SIZE];
        loop {
            match self.messages.read(&mut buf) {
                Ok(0) => return Err(KernelError::Unexpected("the message pipe was closed".into())),
                Ok(n) => self.partial.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(KernelError::syscall("reading messages", e)),
            }
        }
        let whole = self.partial.len() / SIZE * SIZE;
        for record in self.partial[..whole].chunks_exact(SIZE) {
            let word = |i: usize| [record[i], record[i + 1], record[i + 2], record[i + 3]];
            into.push(Message {
                label: u32::from_ne_bytes(word(0)),
                kind: u32::from_ne_bytes(word(4)),
                a: i32::from_ne_bytes(word(8)),
                b: i32::from_ne_bytes(word(12)),
            });
        }
        self.partial.drain(..whole);
        Ok(())
    }
}
