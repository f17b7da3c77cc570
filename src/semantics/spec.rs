//! Semantics specs: how a user names a profile, on the command line
//! (`--semantics`) and in scenario files (`semantics = "..."`).
//!
//! The grammar is `host | BASE(+VARIANT)*`. BASE is `linux` (mainline) or
//! `gvisor-2018` (the seed); kernel variants apply to `linux` only, and a
//! spec is printed with its variants in the canonical order of
//! [`Variant::ALL`], whatever order it was written in. `host` means the
//! variant the running kernel shows; it is resolved by running the kernel
//! harness (`procsim probe`), never cached, and is never written to a
//! result: what is recorded is the [`Spec`] it resolved to.

use super::{Semantics, Variant};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Whose rules a spec starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Base {
    /// Mainline Linux.
    Linux,
    /// gVisor's 2018 seed: every seed rule.
    Gvisor2018,
}

impl Base {
    pub fn name(self) -> &'static str {
        match self {
            Base::Linux => "linux",
            Base::Gvisor2018 => "gvisor-2018",
        }
    }
}

/// A named profile: a base and, on `linux`, kernel variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Spec {
    base: Base,
    /// The variants, as a set of [`Variant`] bits.
    variants: u32,
}

/// Why a spec does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("the semantics spec is empty: expected `host`, `linux` or `gvisor-2018`")]
    Empty,
    #[error(
        "unknown semantics `{0}`: expected `host`, `linux` or `gvisor-2018`, then `+VARIANT` for each kernel variant on linux"
    )]
    UnknownBase(String),
    #[error("unknown kernel variant `{0}` (known: {known})", known = known_variants())]
    UnknownVariant(String),
    #[error("kernel variants apply to `linux` only, not to `{0}`")]
    VariantOnNonLinux(&'static str),
    #[error("`host` takes no variants: it is whatever the running kernel shows")]
    VariantOnHost,
    #[error("the kernel variant `{0}` is given twice")]
    Repeated(&'static str),
}

fn known_variants() -> String {
    Variant::ALL.iter().map(|v| v.name()).collect::<Vec<_>>().join(", ")
}

impl Spec {
    /// Mainline Linux.
    pub const LINUX: Spec = Spec { base: Base::Linux, variants: 0 };
    /// gVisor's 2018 seed.
    pub const GVISOR_2018: Spec = Spec { base: Base::Gvisor2018, variants: 0 };

    pub fn base(self) -> Base {
        self.base
    }

    /// Linux with these variants.
    pub fn linux(variants: impl IntoIterator<Item = Variant>) -> Spec {
        Spec { base: Base::Linux, variants: variants.into_iter().fold(0, |bits, v| bits | v.bit()) }
    }

    /// Its variants, in canonical order.
    pub fn variants(self) -> impl Iterator<Item = Variant> {
        Variant::ALL.into_iter().filter(move |v| self.variants & v.bit() != 0)
    }

    /// Every spec of Linux: mainline and each combination of variants, with
    /// fewer variants first.
    pub fn all_linux() -> Vec<Spec> {
        let mut all: Vec<Spec> = (0..1u32 << Variant::ALL.len())
            .map(|mask| {
                Spec::linux(Variant::ALL.into_iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, v)| v))
            })
            .collect();
        all.sort_by_key(|s| s.variants.count_ones());
        all
    }

    /// The decisions it stands for.
    pub fn semantics(self) -> Semantics {
        let base = match self.base {
            Base::Linux => Semantics::LINUX,
            Base::Gvisor2018 => Semantics::gvisor_2018(),
        };
        self.variants().fold(base, Semantics::with)
    }
}

impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.base.name())?;
        for variant in self.variants() {
            write!(f, "+{}", variant.name())?;
        }
        Ok(())
    }
}

impl FromStr for Spec {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<Spec, SpecError> {
        match text.parse::<Requested>()? {
            Requested::Spec(spec) => Ok(spec),
            Requested::Host => Err(SpecError::UnknownBase("host".to_owned())),
        }
    }
}

/// What a user asked for: a spec, or `host`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Requested {
    /// The variant the running kernel shows.
    Host,
    Spec(Spec),
}

impl Default for Requested {
    fn default() -> Requested {
        Requested::Spec(Spec::LINUX)
    }
}

impl fmt::Display for Requested {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Requested::Host => f.write_str("host"),
            Requested::Spec(spec) => spec.fmt(f),
        }
    }
}

impl FromStr for Requested {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<Requested, SpecError> {
        let mut parts = text.split('+');
        let base = match parts.next().unwrap_or_default() {
            "" if text.is_empty() => return Err(SpecError::Empty),
            "host" => {
                return match parts.next() {
                    Some(_) => Err(SpecError::VariantOnHost),
                    None => Ok(Requested::Host),
                };
            }
            "linux" => Base::Linux,
            "gvisor-2018" => Base::Gvisor2018,
            other => return Err(SpecError::UnknownBase(other.to_owned())),
        };
        let mut spec = Spec { base, variants: 0 };
        for name in parts {
            let variant = Variant::named(name).ok_or_else(|| SpecError::UnknownVariant(name.to_owned()))?;
            if base != Base::Linux {
                return Err(SpecError::VariantOnNonLinux(base.name()));
            }
            if spec.variants & variant.bit() != 0 {
                return Err(SpecError::Repeated(variant.name()));
            }
            spec.variants |= variant.bit();
        }
        Ok(Requested::Spec(spec))
    }
}

impl Serialize for Requested {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Requested {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Requested, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Requested, SpecError> {
        text.parse()
    }

    #[test]
    fn specs_print_in_canonical_form() {
        for text in ["host", "linux", "gvisor-2018", "linux+orphan-hup-stopped-only"] {
            assert_eq!(parse(text).expect("parses").to_string(), text);
        }
    }

    #[test]
    fn a_variant_changes_a_decision_but_keeps_no_seed_state() {
        let spec: Spec = "linux+orphan-hup-stopped-only".parse().expect("parses");
        let semantics = spec.semantics();
        assert!(semantics.variant(Variant::OrphanHupStoppedOnly));
        assert!(!semantics.has_seed_rules());
        assert_ne!(semantics, Semantics::LINUX);
        assert!(Spec::GVISOR_2018.semantics().has_seed_rules());
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        assert_eq!(parse(""), Err(SpecError::Empty));
        assert_eq!(parse("linus"), Err(SpecError::UnknownBase("linus".into())));
        assert_eq!(parse("linux+fast"), Err(SpecError::UnknownVariant("fast".into())));
        assert_eq!(parse("linux+"), Err(SpecError::UnknownVariant(String::new())));
        assert_eq!(parse("gvisor-2018+orphan-hup-stopped-only"), Err(SpecError::VariantOnNonLinux("gvisor-2018")));
        assert_eq!(parse("host+orphan-hup-stopped-only"), Err(SpecError::VariantOnHost));
        assert_eq!(
            parse("linux+orphan-hup-stopped-only+orphan-hup-stopped-only"),
            Err(SpecError::Repeated("orphan-hup-stopped-only"))
        );
        assert!(parse("linux+fast").unwrap_err().to_string().contains("orphan-hup-stopped-only"));
    }

    #[test]
    fn every_linux_spec_is_listed_mainline_first() {
        let all = Spec::all_linux();
        assert_eq!(all.len(), 1 << Variant::ALL.len());
        assert_eq!(all[0], Spec::LINUX);
        let distinct: std::collections::HashSet<_> = all.iter().map(|s| s.semantics()).collect();
        assert_eq!(distinct.len(), all.len());
    }
}
