//! What a process does with a signal: `SIG_DFL`, `SIG_IGN` or a handler.

use std::fmt;
use std::str::FromStr;

/// A signal's disposition (`struct k_sigaction`). A caught signal's handler
/// blocks every signal while it runs (`sa_mask` full), as the replay format says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Disposition {
    #[default]
    Default,
    Ignore,
    Catch,
}

impl Disposition {
    pub fn name(self) -> &'static str {
        match self {
            Disposition::Default => "default",
            Disposition::Ignore => "ignore",
            Disposition::Catch => "catch",
        }
    }
}

impl fmt::Display for Disposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Disposition {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "default" => Ok(Disposition::Default),
            "ignore" => Ok(Disposition::Ignore),
            "catch" => Ok(Disposition::Catch),
            _ => Err(()),
        }
    }
}
