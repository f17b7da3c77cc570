//! Where the harness learns how a process the kernel reaped by itself ended
//! (its parent ignores SIGCHLD, or its namespace was torn down): no `waitpid`
//! of the script's collects that status, and `/proc` forgets the process.
//!
//! Two kernel interfaces keep it for an observer. A pidfd opened at birth
//! answers `PIDFD_GET_INFO` with `PIDFD_INFO_EXIT`, but only since Linux 6.15;
//! the process events connector reports every exit on older kernels too, but
//! needs root. A caller asks for one of them, or for `auto`; the harness
//! resolves the request once, before the script starts.

use std::fmt;
use std::str::FromStr;

/// The way to learn those exit statuses that a caller asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ExitStatusRequest {
    /// The pidfd where this kernel keeps exit statuses for it, else the connector.
    #[default]
    Auto,
    /// The pidfd only (Linux 6.15 or later).
    Pidfd,
    /// The process events connector only (root).
    Connector,
}

impl ExitStatusRequest {
    pub const ALL: [ExitStatusRequest; 3] =
        [ExitStatusRequest::Auto, ExitStatusRequest::Pidfd, ExitStatusRequest::Connector];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ExitStatusRequest::Auto => "auto",
            ExitStatusRequest::Pidfd => "pidfd",
            ExitStatusRequest::Connector => "connector",
        }
    }
}

impl fmt::Display for ExitStatusRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no [`ExitStatusRequest`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown exit-status source `{0}` (expected `auto`, `pidfd` or `connector`)")]
pub struct UnknownExitStatusRequest(pub String);

impl FromStr for ExitStatusRequest {
    type Err = UnknownExitStatusRequest;

    fn from_str(text: &str) -> Result<ExitStatusRequest, UnknownExitStatusRequest> {
        ExitStatusRequest::ALL
            .into_iter()
            .find(|request| request.name() == text)
            .ok_or_else(|| UnknownExitStatusRequest(text.to_owned()))
    }
}

/// The way the harness learns those exit statuses on this machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExitStatusSource {
    /// `PIDFD_GET_INFO` with `PIDFD_INFO_EXIT` on the pidfd opened at birth.
    Pidfd,
    /// `PROC_EVENT_EXIT` from the process events connector.
    Connector,
}

impl ExitStatusSource {
    pub fn name(self) -> &'static str {
        match self {
            ExitStatusSource::Pidfd => "pidfd",
            ExitStatusSource::Connector => "connector",
        }
    }
}

impl fmt::Display for ExitStatusSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_from_their_names_only() {
        for request in ExitStatusRequest::ALL {
            assert_eq!(request.to_string().parse(), Ok(request));
        }
        assert_eq!("auto".parse(), Ok(ExitStatusRequest::default()));
        for bad in ["", "Auto", "pidfd ", "netlink", "auto,pidfd"] {
            assert_eq!(bad.parse::<ExitStatusRequest>(), Err(UnknownExitStatusRequest(bad.to_owned())));
        }
        assert_eq!(
            "cn_proc".parse::<ExitStatusRequest>().unwrap_err().to_string(),
            "unknown exit-status source `cn_proc` (expected `auto`, `pidfd` or `connector`)"
        );
    }
}
