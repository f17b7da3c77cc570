//! Seeded random streams, one per name.
//!
//! Every source of randomness in a run draws from its own ChaCha8 stream: the
//! key is the scenario's seed, the stream number is a fixed hash (64-bit
//! FNV-1a) of the stream's name. Streams never share state, so adding a model
//! to a scenario, or drawing more numbers in one model, leaves every other
//! stream's numbers as they were; and the hash is written here rather than
//! taken from `std`, whose hasher is seeded at random per process.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The random streams of one run.
#[derive(Clone, Copy, Debug)]
pub struct Streams {
    seed: u64,
}

impl Streams {
    pub fn new(seed: u64) -> Streams {
        Streams { seed }
    }

    /// The stream called `name`: the same numbers for the same seed and name,
    /// on every machine.
    pub fn stream(&self, name: &str) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(fnv1a(name.as_bytes()));
        rng
    }
}

/// 64-bit FNV-1a.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn fnv1a_matches_the_reference_values() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn streams_depend_on_seed_and_name_only() {
        let draw = |seed, name| -> Vec<u64> { Streams::new(seed).stream(name).random_iter().take(4).collect() };
        assert_eq!(draw(1, "shells"), draw(1, "shells"));
        assert_ne!(draw(1, "shells"), draw(1, "daemons"));
        assert_ne!(draw(1, "shells"), draw(2, "shells"));
    }
}
