//! Shards: a sweep split among the tasks of a cluster's array job, each
//! making the runs whose index in the plan is its own modulo their number.
//!
//! The shard comes from `--shard I/N`, or else from the environment the
//! cluster gives each task, so that one command line serves every task:
//!
//! * Slurm's array jobs: I = (`SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN`)
//!   / `SLURM_ARRAY_TASK_STEP` (1 when unset), N = `SLURM_ARRAY_TASK_COUNT`;
//! * Kubernetes' Indexed Jobs: I = `JOB_COMPLETION_INDEX`, N given by
//!   `--shards N` (Kubernetes does not say how many completions there are).
//!
//! Taking every N-th run (rather than a block of runs) spreads each point's
//! runs, and the long ones, evenly over the shards.

use std::fmt;
use std::str::FromStr;

/// Shard `index` of `count`: the runs whose index is `index` modulo `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// The whole sweep.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Shard `index` of `count`, if it is one.
    pub fn new(index: u64, count: u64) -> Result<Shard, String> {
        if count == 0 {
            return Err("a sweep has at least one shard (N is 0)".to_owned());
        }
        if index >= count {
            return Err(format!(
                "shard {index} of {count} does not exist: shards are numbered from 0 to {}",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }

    /// Whether the run at `index` in the plan is this shard's.
    pub fn holds(&self, index: u64) -> bool {
        index % self.count == self.index
    }

    /// This shard's runs among the plan's `runs`, in order.
    pub fn runs(&self, runs: u64) -> impl Iterator<Item = u64> {
        (self.index..runs).step_by(self.count as usize)
    }

    /// The shard the environment gives (Slurm's array variables, or
    /// `JOB_COMPLETION_INDEX` with `shards`), with the words that say where
    /// it came from; `None` when it gives none. `var` reads a variable.
    pub fn from_env(
        var: impl Fn(&str) -> Option<String>,
        shards: Option<u64>,
    ) -> Result<Option<(Shard, String)>, String> {
        let number = |name: &str| -> Result<Option<u64>, String> {
            var(name)
                .map(|text| text.trim().parse::<u64>().map_err(|_| format!("{name}={text} is not a whole number")))
                .transpose()
        };
        if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
            if shards.is_some() {
                return Err("--shards is for a Kubernetes Indexed Job: a Slurm array says how many tasks it has".into());
            }
            let required =
                |name: &str| number(name)?.ok_or_else(|| format!("SLURM_ARRAY_TASK_ID is set but {name} is not"));
            let (min, count) = (required("SLURM_ARRAY_TASK_MIN")?, required("SLURM_ARRAY_TASK_COUNT")?);
            let step = number("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
            if id < min || (id - min) % step != 0 {
                return Err(format!("SLURM_ARRAY_TASK_ID={id} is not in the array from {min} by steps of {step}"));
            }
            let shard = Shard::new((id - min) / step, count).map_err(|e| format!("the Slurm array: {e}"))?;
            let said = format!("SLURM_ARRAY_TASK_ID={id} of an array of {count} from {min} by {step}");
            return Ok(Some((shard, said)));
        }
        match (number("JOB_COMPLETION_INDEX")?, shards) {
            (Some(index), Some(count)) => {
                let shard = Shard::new(index, count).map_err(|e| format!("JOB_COMPLETION_INDEX and --shards: {e}"))?;
                Ok(Some((shard, format!("JOB_COMPLETION_INDEX={index} and --shards {count}"))))
            }
            (Some(index), None) => Err(format!(
                "JOB_COMPLETION_INDEX={index} is set (a Kubernetes Indexed Job): give --shards N, the job's \
                 completions, or --shard I/N"
            )),
            (None, Some(_)) => Err("--shards N takes the shard from JOB_COMPLETION_INDEX, which is not set: give \
                                    --shard I/N instead"
                .to_owned()),
            (None, None) => Ok(None),
        }
    }
}

impl FromStr for Shard {
    type Err = String;

    /// `I/N`.
    fn from_str(text: &str) -> Result<Shard, String> {
        let (index, count) = text.split_once('/').ok_or_else(|| format!("`{text}`: expected I/N, such as 0/3"))?;
        let number =
            |part: &str| part.trim().parse::<u64>().map_err(|_| format!("`{text}`: expected I/N, such as 0/3"));
        Shard::new(number(index)?, number(count)?)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: BTreeMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name| vars.get(name).cloned()
    }

    #[test]
    fn a_shard_takes_every_nth_run() {
        let shard: Shard = "1/3".parse().unwrap();
        assert_eq!(shard.runs(8).collect::<Vec<_>>(), [1, 4, 7]);
        assert!(shard.holds(4) && !shard.holds(5));
        assert_eq!("3/3".parse::<Shard>().unwrap_err(), "shard 3 of 3 does not exist: shards are numbered from 0 to 2");
        assert!("0/0".parse::<Shard>().unwrap_err().contains("at least one shard"));
        assert!("1-3".parse::<Shard>().unwrap_err().contains("expected I/N"));
    }

    #[test]
    fn slurm_and_kubernetes_give_the_shard() {
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "14"),
            ("SLURM_ARRAY_TASK_MIN", "10"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ]);
        assert_eq!(Shard::from_env(slurm, None).unwrap().unwrap().0, Shard { index: 2, count: 3 });
        let plain =
            env(&[("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_COUNT", "4")]);
        assert_eq!(Shard::from_env(plain, None).unwrap().unwrap().0, Shard { index: 0, count: 4 });
        let k8s = env(&[("JOB_COMPLETION_INDEX", "3")]);
        assert_eq!(Shard::from_env(&k8s, Some(5)).unwrap().unwrap().0, Shard { index: 3, count: 5 });
        assert!(Shard::from_env(&k8s, None).unwrap_err().contains("give --shards N"));
        assert!(Shard::from_env(&k8s, Some(3)).unwrap_err().contains("shard 3 of 3 does not exist"));
        assert!(Shard::from_env(env(&[]), Some(3)).unwrap_err().contains("JOB_COMPLETION_INDEX, which is not set"));
        assert_eq!(Shard::from_env(env(&[]), None).unwrap(), None);
        let broken = env(&[("SLURM_ARRAY_TASK_ID", "x")]);
        assert!(Shard::from_env(broken, None).unwrap_err().contains("SLURM_ARRAY_TASK_ID=x is not a whole number"));
    }
}
