use procsim::model::{Disposition, Signal};
use procsim::{Machine, MachineConfig};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

fn main() {
    let n: usize = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(1_000_000);
    let mut m = Machine::new(MachineConfig { pid_max: 1 << 30, ..MachineConfig::default() });
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let init = m.global_init();
    m.sigaction(init, Signal::Chld, Disposition::Ignore).unwrap().unwrap();
    let mut live = vec![init];
    let t = Instant::now();
    while live.len() < n {
        let parent = live[rng.random_range(0..live.len())];
        let c = m.fork(parent, false).unwrap().unwrap();
        if rng.random_range(0..64) == 0 {
            let _ = m.setsid(c);
        } else if rng.random_range(0..8) == 0 {
            let _ = m.setpgid(c, 0, 0);
        }
        live.push(c);
    }
    let build = t.elapsed();
    eprintln!("build {n}: {:?} ({:.2} M/s)", build, n as f64 / build.as_secs_f64() / 1e6);
    let mut pos: std::collections::HashMap<bevy_ecs::entity::Entity, usize> =
        live.iter().enumerate().map(|(i, &e)| (e, i)).collect();
    let t = Instant::now();
    let events = 1_000_000;
    for i in 0..events {
        let idx = rng.random_range(0..live.len());
        let p = live[idx];
        let r = rng.random_range(0..10);
        if r < 4 {
            let c = m.fork(p, false).unwrap().unwrap();
            pos.insert(c, live.len());
            live.push(c);
        } else if r < 8 {
            if p == init {
                continue;
            }
            m.exit(p, 0).unwrap();
            m.settle();
            let last = *live.last().unwrap();
            live.swap_remove(idx);
            if last != p {
                pos.insert(last, idx);
            }
            pos.remove(&p);
        } else if r < 9 {
            if rng.random_range(0..2) == 0 {
                let _ = m.setpgid(p, 0, 0);
            } else {
                let q = live[rng.random_range(0..live.len())];
                let ns = m.root_namespace();
                let g = m.group_of(q);
                if m.session_of(q) == m.session_of(p) {
                    let id = m.id_of_process_group(ns, g);
                    let _ = m.setpgid(p, 0, id as i64);
                }
            }
        } else {
            let _ = m.setsid(p);
        }
        if i % 1000 == 0 {
            m.settle();
        }
    }
    let el = t.elapsed();
    eprintln!(
        "events: {:?} ({:.3} M/s) live={} census={:?}",
        el,
        events as f64 / el.as_secs_f64() / 1e6,
        live.len(),
        (m.census().groups, m.census().orphaned_groups)
    );
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    for l in status.lines() {
        if l.starts_with("VmHWM") {
            eprintln!(
                "{l} => {:.0} B/proc",
                l.split_whitespace().nth(1).unwrap().parse::<f64>().unwrap() * 1024.0 / n as f64
            );
        }
    }
}
