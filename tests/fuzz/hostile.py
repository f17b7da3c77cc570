#!/usr/bin/env python3
"""Hostile inputs for procsim: mutated scenarios and mutated replay scripts.

Usage (from the repository's root, after `cargo build --release`):

    python3 tests/fuzz/hostile.py scenarios --count 10000 --seed 1 --jobs 2
    python3 tests/fuzz/hostile.py replay    --count 10000 --seed 1 --jobs 2
    python3 tests/fuzz/hostile.py scenarios --seed 1 --only 4711 --keep   # one case again

What it does. Case i of a campaign is drawn from its own random stream
(`--seed` and i), so any case can be made again alone with `--only i`:

* `scenarios`: one of the committed `scenarios/*.toml` (in turn), usually
  made cheaper first (a short `duration`, the calibration's million
  processes and the fork storm's children cut down, so that ten thousand
  runs take minutes, not days; `--no-shrink` keeps them), then 1 to 4
  mutations: keys deleted, duplicated, swapped or moved; values of the wrong
  type; zero, negative, tiny, huge and non-finite numbers and durations; zero
  gaps (`value = "0s"`), `1ns` arrivals, huge `initial`s; broken
  distributions; unknown keys and tables; tables of other scenarios mixed
  in; broken TOML; bytes that are not UTF-8, a BOM, CRLF, NUL; empty files;
  enormous strings and lines. Each is run as
  `procsim run FILE --out DIR` (plus `--events` one time in four).
* `replay`: one of the committed `tests/replay/*.ops` (and `threads/`,
  `terminals/`, `bad/`), then 1
  to 4 mutations: lines swapped, dropped, duplicated, shuffled; labels
  unknown, malformed or enormous; signals unknown; numbers huge, negative,
  with leading zeros; lines of versions 2 and 3 (terminal lines on the
  script's own terminals, often, in a terminal script); random operations
  appended (deep `newpid` chains, long fork chains, scripts of 10^5 lines);
  bytes that are not UTF-8, a BOM, CRLF, NUL, tabs; very long lines;
  truncation. Each is run as `procsim replay FILE`.

Every run has an address-space limit (`--vmem-kb`, 4000000 by default: the
shell's `ulimit -v 4000000`) and a time limit (`--timeout`, 20 s): when it
runs out the run is sent SIGTERM and counted as 124, as timeout(1) would
count it (it is then killed 5 s later if still there; the case's note says
whether it had stopped on SIGTERM with exit 143).

Counted and checked:
* the exit code (a death by signal N is 128+N: 134 abort, 137 SIGKILL);
  allowed: 0, 2, 3, 6 for `run` and 0, 2, 3 for `replay`;
* `panicked` on stderr, whatever the code;
* after a `run`: no `*.partial` file in the output folder; every CSV table
  there has a header and rows of the header's width and ends with a newline;
  `run.csv` exists after exit 0 or 6, with `status` `complete` after 0 and a
  `stopped-by-…` after 6; nothing is written after exit 2;
* messages (exit 2): one line, `error: `, no Rust type name (`u64`,
  `i128`, `struct X`), at most 4 KiB.

Each case that fails a check is kept in `WORK/failures/` (input, stderr, the
output folder) and listed; `--keep` keeps every case. The table of exit
codes is printed at the end, and written to `WORK/summary.txt`.
"""

import argparse
import collections
import concurrent.futures
import csv
import io
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# ---------------------------------------------------------------- scenarios

DURATIONS_HOSTILE = [
    '"0s"', '"0ns"', '"1ns"', '"2ns"', '"-1s"', '"-0s"', '"1e9h"', '"99999999999999999999h"',
    '"18446744073709551615ns"', '"9223372036854775807ns"', '"9223372036854775808ns"',
    '"0.0000001ns"', '"0.5ns"', '"1.5"', '""', '"s"', '"1 h"', '"1h "', '" 1h"', '"NaNs"',
    '"infh"', '"1e3s"', '"1_000s"', '"+1s"', '"1S"', '"1sec"', '"1d"', '"5000000h"',
    '"1000000min"', '"1us"', '"3ms"', '"7min"', '"1h30min"', '"0x10s"', '"１s"', '"1ｓ"',
    '0', '1', '-1', '1.5', 'true', '[]', '{}', '"' + '9' * 400 + 's"',
]
NUMBERS_HOSTILE = [
    '0', '-1', '1', '2', '-9223372036854775808', '9223372036854775807', '18446744073709551615',
    '18446744073709551616', '4294967295', '4294967296', '4194304', '4194305', '4194303', '301',
    '300', '1000000', '10000000', '100000000', '1e308', '-1e308', 'inf', '-inf', 'nan', '0.5',
    '-0.0', '1.0', '0x10', '0o7', '0b1', '1_000', '007', '"1"', 'true', '[]', '{}',
    '{ min = 0, max = 0 }', '{ min = 5, max = 1 }', '{ min = -1, max = 3 }',
    '{ min = 0, max = 4294967295 }', '{ min = 1 }', '{ max = 2 }',
]
PROBS_HOSTILE = ['-0.1', '1.1', '1', '0', 'nan', 'inf', '-inf', '1e-320', '0.9999999999999999',
                 '"0.5"', '2', '-1', 'true']
DISTS_HOSTILE = [
    '{ dist = "constant", value = "0s" }', '{ dist = "constant", value = "1ns" }',
    '{ dist = "constant", value = "2ns" }', '{ dist = "exponential", mean = "0s" }',
    '{ dist = "exponential", mean = "1ns" }', '{ dist = "uniform", min = "0s", max = "0s" }',
    '{ dist = "uniform", min = "0s", max = "1ns" }', '{ dist = "uniform", min = "5s", max = "1s" }',
    '{ dist = "lognormal", median = "0s", sigma = 1.0 }', '{ dist = "lognormal", median = "1ns", sigma = 10.0 }',
    '{ dist = "lognormal", median = "1s", sigma = 11.0 }', '{ dist = "lognormal", median = "1s", sigma = -1.0 }',
    '{ dist = "lognormal", median = "1s", sigma = nan }', '{ dist = "lognormal", median = "1s", sigma = inf }',
    '{ dist = "lognormal", median = "1000000h", sigma = 10.0 }',
    '{ dist = "lognormal", median = "1ns", sigma = 0.0 }',
    '{ dist = "exponential", mean = "1000000h" }', '{ dist = "constant", value = "5000000h" }',
    '{ dist = "constant" }', '{ dist = "exponential" }', '{ dist = "zipf", mean = "1s" }',
    '{ dist = "constant", value = "1s", mean = "1s" }', '{ dist = 1 }', '{}', '"1s"',
    '{ dist = "uniform", min = "1ns", max = "18446744073709551615ns" }',
    '{ dist = "exponential", mean = "-1s" }', '{ value = "1s" }',
]
STRINGS_HOSTILE = ['"host"', '"linux"', '"gvisor-2018"', '"linux+orphan-hup-stopped-only"',
                   '"linux+"', '"linux+nope"', '"linux+orphan-hup-stopped-only+orphan-hup-stopped-only"',
                   '""', '"LINUX"', '"gvisor"', '"linux\\u0000"', '1', '"host+orphan-hup-stopped-only"']
MODELS = ['shells', 'daemons', 'supervisors', 'containers', 'batch', 'calibration']
KEYS = ['seed', 'duration', 'tick', 'pid_max', 'semantics', 'initial', 'arrivals', 'reap', 'session',
        'think', 'pipeline', 'job', 'background', 'suspend', 'suspend_after', 'resume',
        'resume_in_background', 'nohup', 'hangup', 'lifetime', 'killed', 'work', 'worker', 'count',
        'restart', 'daemonize', 'children', 'spacing', 'processes', 'events', 'interval', 'build',
        'mix', 'services']


def kv(line):
    m = re.match(r'^(\s*)([A-Za-z_][A-Za-z0-9_.]*)(\s*=\s*)(.*)$', line)
    return m


def shrink(text, rng):
    """A cheaper scenario of the same shape: short duration, small populations."""
    out = []
    for line in text.split('\n'):
        m = kv(line)
        if m:
            key, val = m.group(2), m.group(4)
            if key == 'duration':
                val = rng.choice(['"1s"', '"2s"'])
            elif key == 'processes':
                val = rng.choice(['1000', '10000'])
            elif key == 'events':
                val = rng.choice(['1000', '10000'])
            elif key == 'children' and val.strip().isdigit() and int(val) > 5000:
                val = rng.choice(['100', '2000', '5000'])
            elif key == 'initial' and val.strip().isdigit() and int(val) > 100:
                val = rng.choice(['10', '50', '100'])
            line = m.group(1) + key + m.group(3) + val
        out.append(line)
    return '\n'.join(out)


def hostile_value(key, rng):
    if key in ('duration', 'tick', 'interval'):
        return rng.choice(DURATIONS_HOSTILE)
    if key in ('background', 'suspend', 'resume', 'resume_in_background', 'nohup', 'hangup',
               'killed', 'daemonize'):
        return rng.choice(PROBS_HOSTILE)
    if key == 'semantics':
        return rng.choice(STRINGS_HOSTILE)
    if key in ('arrivals', 'reap', 'session', 'think', 'job', 'suspend_after', 'lifetime', 'work',
               'worker', 'restart', 'spacing'):
        return rng.choice(DISTS_HOSTILE + DURATIONS_HOSTILE[:8])
    if key in ('mix', 'build'):
        return rng.choice(['{ fork = 0, exit = 0, setpgid_new = 0, setpgid_join = 0, setsid = 0 }',
                           '{ fork = 100 }', '{ exit = 100 }', '{ setsid = 100 }',
                           '{ fork = -1, exit = 1 }', '{ fork = 18446744073709551615, exit = 1 }',
                           '{ setsid = 1.5, new_group = 0.5 }', '{ setsid = 0, new_group = 0 }',
                           '{ setsid = 1, new_group = 1 }', '{ setsid = -0.1 }', '{ bogus = 1 }', '{}', '1'])
    return rng.choice(NUMBERS_HOSTILE)


VALID_EDGE = {
    'initial': ['0', '1', '2', '100', '1000'],
    'count': ['0', '1', '100', '{ min = 0, max = 0 }', '{ min = 1, max = 100 }'],
    'children': ['0', '1', '10000', '{ min = 0, max = 0 }', '{ min = 0, max = 1000 }'],
    'pipeline': ['1', '50', '{ min = 1, max = 1 }', '{ min = 1, max = 100 }'],
    'processes': ['0', '1', '2', '20000'],
    'events': ['0', '1', '100000'],
    'interval': ['"1ns"', '"1us"', '"1ms"', '"1s"'],
    'tick': ['"1ms"', '"1us"', '"100ms"', '"1s"', '"500ms"'],
    'duration': ['"1ms"', '"1s"', '"2s"'],
    'pid_max': ['301', '302', '400', '1000', '32768'],
    'seed': ['0', '9223372036854775807', '42'],
    'semantics': ['"linux"', '"gvisor-2018"', '"linux+orphan-hup-stopped-only"'],
    'prob': ['0', '1', '0.0', '1.0', '0.5', '1e-300'],
    'dist': ['{ dist = "constant", value = "0s" }', '{ dist = "constant", value = "1ns" }',
             '{ dist = "constant", value = "1us" }', '{ dist = "exponential", mean = "1us" }',
             '{ dist = "exponential", mean = "1ms" }', '{ dist = "uniform", min = "0s", max = "1ms" }',
             '{ dist = "lognormal", median = "1ms", sigma = 10.0 }', '{ dist = "lognormal", median = "1s", sigma = 0.0 }',
             '{ dist = "constant", value = "584y" }', '{ dist = "exponential", mean = "100000h" }',
             '{ dist = "lognormal", median = "100000h", sigma = 10 }', '{ dist = "uniform", min = "1h", max = "1h" }'],
}
PROB_KEYS = ('background', 'suspend', 'resume', 'resume_in_background', 'nohup', 'hangup', 'killed', 'daemonize',
             'setsid', 'new_group')


def pick_kv(lines, rng):
    """A `key = value` line at random: its index, its match and its last key part; None if there is none."""
    idx = [i for i, l in enumerate(lines) if kv(l)]
    if not idx:
        return None
    i = rng.choice(idx)
    m = kv(lines[i])
    return i, m, m.group(2).split('.')[-1]


def m_valid_edge(lines, rng):
    """A value of the right type at an edge: 0, 1, big, tiny gaps, probabilities 0 and 1."""
    picked = pick_kv(lines, rng)
    if picked is None:
        return
    i, m, key = picked
    if key in VALID_EDGE:
        val = rng.choice(VALID_EDGE[key])
    elif key in PROB_KEYS:
        val = rng.choice(VALID_EDGE['prob'])
    elif key in ('mix', 'build'):
        val = hostile_value(key, rng)
    else:
        val = rng.choice(VALID_EDGE['dist'])
    lines[i] = m.group(1) + m.group(2) + m.group(3) + val


def m_delete(lines, rng):
    idx = [i for i, l in enumerate(lines) if kv(l) or l.strip().startswith('[')]
    if idx:
        del lines[rng.choice(idx)]


def m_duplicate(lines, rng):
    idx = [i for i, l in enumerate(lines) if kv(l) or l.strip().startswith('[')]
    if idx:
        i = rng.choice(idx)
        j = rng.randint(i, len(lines)) if rng.random() < 0.5 else i + 1
        lines.insert(j, lines[i])


def m_value(lines, rng):
    picked = pick_kv(lines, rng)
    if picked is None:
        return
    i, m, key = picked
    if rng.random() < 0.2:
        key = rng.choice(KEYS)  # a value meant for another key
    lines[i] = m.group(1) + m.group(2) + m.group(3) + hostile_value(key, rng)


def m_inline_field(lines, rng):
    """Changes one field inside an inline table: `{ dist = ..., mean = "0s" }`."""
    idx = [i for i, l in enumerate(lines) if '{' in l]
    if not idx:
        return
    i = rng.choice(idx)
    fields = list(re.finditer(r'(\w+)\s*=\s*("[^"]*"|[-\w.+]+)', lines[i].split('=', 1)[1]))
    if not fields:
        return
    f = rng.choice(fields)
    head, tail = lines[i].split('=', 1)
    name = f.group(1)
    if name in ('value', 'mean', 'median', 'min', 'max') and f.group(2).startswith('"'):
        new = rng.choice(DURATIONS_HOSTILE)
    elif name == 'dist':
        new = rng.choice(['"constant"', '"uniform"', '"exponential"', '"lognormal"', '"normal"', '""', '1'])
    else:
        new = rng.choice(NUMBERS_HOSTILE[:30] + PROBS_HOSTILE)
    tail = tail[:f.start(2)] + new + tail[f.end(2):]
    lines[i] = head + '=' + tail


def m_zero_gap(lines, rng):
    """The issue's cases: zero or 1ns gaps where steps repeat, huge initial."""
    model = rng.choice(['shells', 'daemons', 'supervisors', 'containers', 'batch'])
    gap = rng.choice(['{ dist = "constant", value = "0s" }', '{ dist = "constant", value = "1ns" }',
                      '{ dist = "exponential", mean = "1ns" }', '{ dist = "uniform", min = "0s", max = "2ns" }',
                      '{ dist = "constant", value = "1us" }'])
    key = rng.choice({'shells': ['arrivals', 'think', 'job', 'reap', 'suspend_after'],
                      'daemons': ['arrivals', 'work', 'worker', 'reap'],
                      'supervisors': ['arrivals', 'reap'],
                      'containers': ['arrivals', 'reap'],
                      'batch': ['arrivals', 'spacing', 'lifetime', 'reap']}[model])
    initial = rng.choice(['0', '1', '3', '100'] * 8 + ['100000', '1000000', '4194304'])
    block = ['', f'[{model}]', f'initial = {initial}', f'{key} = {gap}']
    if model in ('supervisors', 'containers') and rng.random() < 0.7:
        block += [f'[{model}.services]', f'count = {rng.choice(["0", "1", "100"] * 4 + ["1000", "100000"])}',
                  f'lifetime = {rng.choice(DISTS_HOSTILE[:6])}', f'restart = {rng.choice(DISTS_HOSTILE[:6])}']
    # Drop an existing table of the same name, else the model is defined twice.
    text = '\n'.join(lines)
    text = re.sub(r'(?ms)^\[' + model + r'(\.services)?\]\n.*?(?=^\[|\Z)', '', text)
    lines[:] = text.split('\n') + block


def m_unknown(lines, rng):
    choice = rng.random()
    i = rng.randint(0, len(lines))
    if choice < 0.4:
        lines.insert(i, f'{rng.choice(["bogus", "Initial", "initial ", "shells-initial", "x.y.z", "ticks", "duration2"])} = 1')
    elif choice < 0.7:
        lines.insert(i, f'[{rng.choice(["frobnicate", "shells.services", "shell", "daemons.work", "calibration.mix.x", "Batch", "[batch]]"])}]')
    else:
        lines.insert(i, '"quoted key" = 1')


def m_mix_models(lines, rng, corpus):
    """Appends a model table from another committed scenario."""
    other = rng.choice(corpus)[1].split('\n')
    starts = [i for i, l in enumerate(other) if l.startswith('[')]
    if not starts:
        return
    s = rng.choice(starts)
    e = next((j for j in range(s + 1, len(other)) if other[j].startswith('[') and '.' not in other[j]), len(other))
    block = other[s:e]
    if rng.random() < 0.9:
        block = shrink('\n'.join(block), rng).split('\n')
    lines.extend([''] + block)


def m_broken_toml(lines, rng):
    if not lines:
        return
    i = rng.randrange(len(lines))
    l = lines[i]
    ops = [lambda s: s.replace(']', '', 1), lambda s: s.replace('"', '', 1), lambda s: s.replace('}', '', 1),
           lambda s: s.replace('=', '', 1), lambda s: s + ' = ', lambda s: '[' + s,
           lambda s: s.replace('"', "'", 1), lambda s: s.replace('"', '"""', 1), lambda s: s + ' # ' + '"',
           lambda s: s[:len(s) // 2], lambda s: s.replace(' = ', ' == ', 1), lambda s: s + ',',
           lambda s: s.replace('{', '[', 1)]
    lines[i] = rng.choice(ops)(l)


def m_swap(lines, rng):
    if len(lines) >= 2:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]


def m_top_level(lines, rng):
    key = rng.choice(['seed', 'duration', 'tick', 'pid_max', 'semantics'])
    val = hostile_value(key, rng) if key != 'pid_max' else rng.choice(
        ['300', '301', '302', '4194304', '4194305', '0', '-1', '1000', '65536', '"max"'])
    text_lines = [l for l in lines]
    for i, l in enumerate(text_lines):
        m = kv(l)
        if m and m.group(2) == key:
            lines[i] = f'{key} = {val}'
            return
    # not present: insert before the first table
    first = next((i for i, l in enumerate(lines) if l.startswith('[')), len(lines))
    lines.insert(first, f'{key} = {val}')


def m_huge_string(lines, rng):
    n = rng.choice([10_000, 100_000, 1_000_000, 8_000_000])
    what = rng.random()
    i = rng.randint(0, len(lines))
    if what < 0.3:
        lines.insert(i, 'semantics = "' + 'linux+' * (n // 6) + '"')
    elif what < 0.5:
        lines.insert(i, 'k' * n + ' = 1')
    elif what < 0.7:
        lines.insert(i, '# ' + 'x' * n)
    elif what < 0.85:
        idx = [j for j, l in enumerate(lines) if kv(l)]
        if idx:
            j = rng.choice(idx)
            m = kv(lines[j])
            lines[j] = m.group(1) + m.group(2) + m.group(3) + '"' + '1' * n + 's"'
    else:
        lines.insert(i, 'x = [' + '1,' * (n // 2) + ']')


def m_deep_nesting(lines, rng):
    d = rng.choice([100, 1000, 10000, 100000])
    lines.append('x = ' + '[' * d + ']' * d)


def byte_mutations(data, rng):
    """Mutations at the byte level, applied after the text ones."""
    r = rng.random()
    if r < 0.15:
        i = rng.randint(0, len(data))
        return data[:i] + rng.choice([b'\xff', b'\xfe\xff', b'\xc3', b'\xed\xa0\x80', b'\x80\x80',
                                      b'\xf4\x90\x80\x80', b'\xc0\xaf']) + data[i:]
    if r < 0.25:
        return b'\xef\xbb\xbf' + data
    if r < 0.3:
        return b'\xef\xbb\xbf\xef\xbb\xbf' + data
    if r < 0.4:
        return data.replace(b'\n', b'\r\n')
    if r < 0.45:
        return data.replace(b'\n', b'\r')
    if r < 0.55:
        i = rng.randint(0, len(data))
        return data[:i] + b'\x00' + data[i:]
    if r < 0.65:
        return data[:rng.randint(0, len(data))]
    if r < 0.75 and data:
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b)
    if r < 0.8:
        return data.decode('utf-8', 'replace').encode('utf-16')
    if r < 0.85:
        return data.decode('utf-8', 'replace').encode('latin-1', 'replace') + b'\xe9\n'
    return data


SCENARIO_MUTATIONS = [
    (m_valid_edge, 60), (m_delete, 10), (m_duplicate, 6), (m_value, 20), (m_inline_field, 12), (m_zero_gap, 12),
    (m_unknown, 4), (m_mix_models, 10), (m_broken_toml, 4), (m_swap, 4), (m_top_level, 10),
    (m_huge_string, 2), (m_deep_nesting, 1),
]


def pick(rng, weighted):
    total = sum(w for _, w in weighted)
    x = rng.uniform(0, total)
    for f, w in weighted:
        x -= w
        if x <= 0:
            return f
    return weighted[-1][0]


def make_scenario(i, seed, corpus, no_shrink):
    rng = random.Random(f'scenario:{seed}:{i}')
    name, text = corpus[i % len(corpus)]
    r = rng.random()
    if r < 0.01:
        return name, rng.choice([b'', b'\n', b'\xef\xbb\xbf', b'   \n\t\n', b'# only a comment\n', b'\x00',
                                 b'seed = 1\n', b'[shells]\n', b'seed = 1\nduration = "1s"\ntick = "1s"\n'])
    if not no_shrink and (name in ('calibration', 'fork-storm') or rng.random() < 0.9):
        text = shrink(text, rng)
    lines = text.split('\n')
    for _ in range(rng.choice([1, 1, 1, 1, 2, 2, 3, 4])):
        f = pick(rng, SCENARIO_MUTATIONS)
        if f is m_mix_models:
            f(lines, rng, corpus)
        else:
            f(lines, rng)
    data = '\n'.join(lines).encode('utf-8', 'surrogatepass')
    if rng.random() < 0.08:
        data = byte_mutations(data, rng)
    return name, data


# ------------------------------------------------------------------- replay

SIGNALS = ['HUP', 'INT', 'KILL', 'USR1', 'TERM', 'CHLD', 'CONT', 'STOP', 'TSTP', 'TTIN', 'TTOU']
BAD_SIGNALS = ['QUIT', 'SIGKILL', 'kill', 'Kill', '0', '9', '-9', '99', 'USR2', 'SEGV', 'RTMIN', '', 'HUP,INT',
               'KILL' * 1000]
BAD_LABELS = ['1x', 'X', 'a-b', 'é', 'init2', 'a' * 10_000, 'a' * 100, '_x', 'x.y', 'ab\u200b', '%x', '-',
              '0', 'nope', 'zz9', '%', '%%x', '%-']
NUMS = ['0', '-1', '1', '255', '256', '-0', '007', '-2147483648', '-2147483649', '2147483648',
        '4294967296', '99999999999999999999999', '-99999999999999999999999', '1.5', '1e3', '+1', '0x10']
OPS = ['fork', 'exit', 'exec', 'setsid', 'setpgid', 'reap', 'signal', 'dispose', 'subreaper', 'thread',
       'exit_thread', 'tkill', 'mask', 'pdeathsig', 'tty', 'ctty', 'fg', 'key', 'ttyread', 'ttywrite',
       'tostop', 'notty', 'hangup', 'frob', 'FORK', 'version']


def labels_of(lines):
    found = ['init']
    for l in lines:
        t = l.split('#')[0].split()
        if len(t) >= 3 and t[0] == 'fork':
            found.append(t[2])
    return found


TTY_KEYS = ['^C', '^Z', '^\\', '^J']


def ttys_of(lines):
    return [t[2] for t in (l.split('#')[0].split() for l in lines) if len(t) >= 3 and t[0] == 'tty']


def random_tty_op(rng, L, ttys):
    """A version-3 line on a terminal made before it (or, rarely, a new one)."""
    if not ttys or rng.random() < 0.15:
        new = f'tt{rng.randrange(1000)}'
        ttys.append(new)
        return f'tty {L()} {new}'
    T = lambda: rng.choice(ttys)
    return rng.choice([f'ctty {L()} {T()}', f'ctty {L()} {T()} steal', f'fg {L()} {L()}', f'ttyread {L()}',
                       f'ttywrite {L()}', f'tostop {L()} {rng.choice(["on", "off"])}', f'notty {L()}',
                       'key ' + T() + ' ' + rng.choice(TTY_KEYS), f'hangup {T()}',
                       f'dispose {L()} {rng.choice(["TTOU", "TTIN", "QUIT"])} {rng.choice(["ignore", "catch"])}',
                       f'mask {L()} {rng.choice(["TTOU", "TTIN"])} block'])


def random_op(rng, labels, ttys=None):
    L = lambda: rng.choice(labels) if labels and rng.random() < 0.97 else rng.choice(BAD_LABELS)
    S = lambda: rng.choice(SIGNALS) if rng.random() < 0.97 else rng.choice(BAD_SIGNALS)
    if ttys is not None and rng.random() < 0.3:
        return random_tty_op(rng, L, ttys)
    op = rng.choice(['fork', 'fork', 'exit', 'setsid', 'setpgid', 'reap', 'signal', 'dispose', 'subreaper',
                     'exec', 'fork_newpid'] + (['v2'] if rng.random() < 0.03 else []))
    if op == 'fork':
        new = f'p{rng.randrange(100000)}'
        labels.append(new)
        return f'fork {L()} {new}'
    if op == 'fork_newpid':
        new = f'n{rng.randrange(100000)}'
        labels.append(new)
        return f'fork {L()} {new} newpid'
    if op == 'exit':
        return f'exit {L()}' + (f' {rng.choice(NUMS)}' if rng.random() < 0.5 else '')
    if op == 'setsid' or op == 'exec':
        return f'{op} {L()}'
    if op == 'setpgid':
        return f'setpgid {L()} {rng.choice(["0", L()])} {rng.choice(["0", L(), rng.choice(NUMS)])}'
    if op == 'reap':
        return f'reap {L()} {L()}'
    if op == 'signal':
        return f'signal {rng.choice([L(), "-"])} {S()} {rng.choice([L(), "%" + L()])}'
    if op == 'dispose':
        return f'dispose {L()} {S()} {rng.choice(["default", "ignore", "catch"] * 5 + ["Catch", "block"])}'
    if op == 'subreaper':
        return f'subreaper {L()} {rng.choice(["on", "off"] * 5 + ["yes", "1"])}'
    return rng.choice([f'thread {L()} t{rng.randrange(1000)}', f'tkill - {S()} {L()}', f'mask {L()} {S()} block',
                       f'pdeathsig {L()} {S()}', f'tty {L()} tt', f'key tt ^C', f'exit_thread {L()}'])


def r_swap(lines, rng):
    if len(lines) >= 2:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]


def r_drop(lines, rng):
    if lines:
        del lines[rng.randrange(len(lines))]


def r_dup(lines, rng):
    if lines:
        i = rng.randrange(len(lines))
        lines.insert(rng.randint(0, len(lines)), lines[i])


def r_shuffle(lines, rng):
    ops = [i for i, l in enumerate(lines) if l.strip() and not l.startswith('#')]
    vals = [lines[i] for i in ops]
    rng.shuffle(vals)
    for i, v in zip(ops, vals):
        lines[i] = v


def r_token(lines, rng):
    ops = [i for i, l in enumerate(lines) if l.strip() and not l.startswith('#')]
    if not ops:
        return
    i = rng.choice(ops)
    toks = lines[i].split('#')[0].split()
    if not toks:
        return
    k = rng.randrange(len(toks))
    r = rng.random()
    if r < 0.35:
        toks[k] = rng.choice(BAD_LABELS + labels_of(lines))
    elif r < 0.55:
        toks[k] = rng.choice(BAD_SIGNALS + SIGNALS)
    elif r < 0.8:
        toks[k] = rng.choice(NUMS)
    elif r < 0.9:
        toks[k] = rng.choice(OPS)
    elif r < 0.95:
        del toks[k]
    else:
        toks.append(rng.choice(['x', '0', 'newpid', 'on', 'KILL', 'extra']))
    lines[i] = ' '.join(toks)


def r_insert(lines, rng):
    """Operations at one place, on labels forked before it (and by them)."""
    at = rng.randint(0, len(lines))
    labels = labels_of(lines[:at])
    ttys = ttys_of(lines[:at]) if any(l.startswith(('tty ', 'fg ', 'key ')) for l in lines) else None
    new = [random_op(rng, labels, ttys) for _ in range(rng.choice([1, 1, 2, 5, 20, 50]))]
    lines[at:at] = new


def r_append_many(lines, rng):
    labels = labels_of(lines)
    ttys = ttys_of(lines) if any(l.startswith(('tty ', 'fg ', 'key ')) for l in lines) else None
    n = rng.choice([100, 1000, 5000])
    for _ in range(n):
        lines.append(random_op(rng, labels, ttys))


def r_chain(lines, rng):
    """Long chains: deep newpid nesting, a long fork chain, a wide fan-out, all exiting."""
    kind = rng.choice(['newpid', 'chain', 'fan', 'fan_big'])
    if kind == 'newpid':
        parent = 'init'
        for d in range(rng.choice([30, 31, 32, 40, 100])):
            lines.append(f'fork {parent} d{d} newpid')
            parent = f'd{d}'
        lines.append(rng.choice(['exit d0', 'signal - KILL d0', f'exit {parent}', 'signal init KILL -1']))
    elif kind == 'chain':
        parent = 'init'
        n = rng.choice([1000, 10000])
        for d in range(n):
            lines.append(f'fork {parent} c{d}')
            parent = f'c{d}'
        lines.append(rng.choice(['exit c0', 'signal - KILL c0', 'signal - STOP %c0', 'setsid c1']))
    else:
        n = 2000 if kind == 'fan' else 100_000
        lines.extend(f'fork init f{d}' for d in range(n))
        lines.append(rng.choice(['signal - KILL -1', 'signal init TERM %init', 'exit init']))


def r_long_line(lines, rng):
    n = rng.choice([10_000, 1_000_000, 8_000_000])
    r = rng.random()
    if r < 0.3:
        lines.insert(rng.randint(0, len(lines)), '# ' + 'x' * n)
    elif r < 0.6:
        lines.insert(rng.randint(0, len(lines)), 'fork init ' + 'a' * n)
    elif r < 0.8:
        lines.insert(rng.randint(0, len(lines)), 'exit init ' + '9' * n)
    else:
        lines.insert(rng.randint(0, len(lines)), ' '.join(['fork'] * (n // 5)))


def r_whitespace(lines, rng):
    if lines:
        i = rng.randrange(len(lines))
        lines[i] = rng.choice(['\t', '  ', '\u00a0', '\u3000', '\v', '\f']).join(lines[i].split(' '))


REPLAY_MUTATIONS = [(r_swap, 5), (r_drop, 8), (r_dup, 6), (r_shuffle, 2), (r_token, 12), (r_insert, 40),
                    (r_append_many, 6), (r_chain, 3), (r_long_line, 1), (r_whitespace, 2)]


def make_replay(i, seed, corpus):
    rng = random.Random(f'replay:{seed}:{i}')
    name, text = corpus[i % len(corpus)]
    if rng.random() < 0.01:
        return name, rng.choice([b'', b'\n', b'\xef\xbb\xbf', b'#', b'fork', b'\x00', b'\xff\n',
                                 b'fork init a\n' * 3])
    lines = text.split('\n')
    if rng.random() < 0.5:  # most of the time the comments go, so that mutations hit operations
        lines = [l for l in lines if l.strip() and not l.startswith('#')]
    for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
        pick(rng, REPLAY_MUTATIONS)(lines, rng)
    data = '\n'.join(lines).encode('utf-8')
    if rng.random() < 0.08:
        data = byte_mutations(data, rng)
    return name, data


# ----------------------------------------------------------------- running

TYPE_NAMES = re.compile(r'\b(u8|u16|u32|u64|u128|usize|i8|i16|i32|i64|i128|isize|f32|f64)\b|\bstruct [A-Z]|\benum [A-Z]|'
                        r'\bOption<|\bVec<|\bString\b')


def limit(vmem_kb):
    def apply():
        os.setpgrp()
        resource.setrlimit(resource.RLIMIT_AS, (vmem_kb * 1024, vmem_kb * 1024))
    return apply


def check_tables(out, code):
    """Problems with the output folder of a `run` that exited with `code`."""
    problems = []
    if not os.path.isdir(out):
        if code in (0, 6, 130, 143):
            problems.append('no output folder')
        return problems
    names = sorted(os.listdir(out))
    for n in names:
        if '.partial' in n or n.endswith('.tmp'):
            problems.append(f'left {n}')
    if code == 2 and any(n.endswith('.csv') for n in names):
        problems.append('exit 2 but tables written: ' + ','.join(names))
    if code in (0, 6, 130, 143) and 'run.csv' not in names:
        problems.append('no run.csv')
    for n in names:
        if not n.endswith('.csv'):
            continue
        with open(os.path.join(out, n), 'rb') as f:
            data = f.read()
        if not data.endswith(b'\n'):
            problems.append(f'{n}: no final newline')
            continue
        rows = list(csv.reader(io.StringIO(data.decode('utf-8', 'replace'))))
        if not rows:
            problems.append(f'{n}: empty')
            continue
        width = len(rows[0])
        bad = sum(1 for r in rows if len(r) != width)
        if bad:
            problems.append(f'{n}: {bad} rows not {width} wide')
        if n == 'run.csv' and len(rows) == 2 and 'status' in rows[0]:
            status = rows[1][rows[0].index('status')]
            if code == 0 and status != 'complete':
                problems.append(f'exit 0 with status {status}')
            if code == 6 and not status.startswith('stopped-by-'):
                problems.append(f'exit 6 with status {status}')
    return problems


def check_stderr(code, err):
    problems = []
    text = err.decode('utf-8', 'replace')
    if 'panicked' in text:
        problems.append('panic: ' + text.strip().split('\n')[0][:300])
    if code == 2:
        lines = text.strip('\n').split('\n')
        if len(lines) != 1 or not lines[0].startswith('error: '):
            problems.append('message: not one error line: ' + text[:300].replace('\n', '\\n'))
        if TYPE_NAMES.search(text):
            problems.append('message: Rust type name: ' + text[:300].replace('\n', '\\n'))
        if len(err) > 4096:
            problems.append(f'message: {len(err)} bytes long')
    return problems


def run_case(args, kind, i, name, data, tag=''):
    case = os.path.join(args.work, 'cases', f'{kind}{tag}-{i:06d}')
    os.makedirs(case, exist_ok=True)
    src = os.path.join(case, 'input.toml' if kind == 'scenarios' else 'input.ops')
    with open(src, 'wb') as f:
        f.write(data)
    out = os.path.join(case, 'out')
    if kind == 'scenarios':
        cmd = [args.procsim, 'run', src, '--out', out]
        if random.Random(f'flags:{args.seed}:{i}').random() < 0.25:
            cmd.append('--events')
    else:
        cmd = [args.procsim, 'replay', src]
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit(args.vmem_kb))
    note = ''
    try:
        stdout, stderr = p.communicate(timeout=args.timeout)
        code = p.returncode if p.returncode >= 0 else 128 - p.returncode
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGTERM)
        try:
            stdout, stderr = p.communicate(timeout=5)
            after = p.returncode if p.returncode >= 0 else 128 - p.returncode
            note = f'timed out; after SIGTERM it exited {after}'
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            stdout, stderr = p.communicate()
            note = 'timed out; still there 5 s after SIGTERM: killed'
        code = 124
    elapsed = time.monotonic() - start
    problems = check_stderr(code, stderr)
    if kind == 'scenarios' and code != 124:
        problems += check_tables(out, code)
    allowed = (0, 2, 3, 6) if kind == 'scenarios' else (0, 2, 3)
    if code not in allowed:
        problems.insert(0, f'exit {code}')
    failed = bool(problems)
    if failed:
        dest = os.path.join(args.work, 'failures', f'{kind}{tag}-{i:06d}')
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(case, dest)
        with open(os.path.join(dest, 'stderr'), 'wb') as f:
            f.write(stderr)
        with open(os.path.join(dest, 'why'), 'w') as f:
            f.write(f'{" ".join(cmd)}\nbase: {name}\nexit: {code}\n{note}\n' + '\n'.join(problems) + '\n')
    if not args.keep:
        shutil.rmtree(case, ignore_errors=True)
    return i, name, code, elapsed, problems, note, stderr.decode('utf-8', 'replace')


def load_corpus(kind):
    if kind == 'scenarios':
        folder = os.path.join(ROOT, 'scenarios')
        files = sorted(f for f in os.listdir(folder) if f.endswith('.toml'))
        return [(f[:-5], open(os.path.join(folder, f), encoding='utf-8').read()) for f in files]
    folder = os.path.join(ROOT, 'tests', 'replay')
    files = []
    for sub in ['', 'threads', 'terminals', 'bad']:
        path = os.path.join(folder, sub)
        if os.path.isdir(path):
            files += sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith('.ops'))
    return [(os.path.relpath(f, folder)[:-4], open(f, encoding='utf-8').read()) for f in files]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('kind', choices=['scenarios', 'replay'])
    ap.add_argument('--procsim', default=os.path.join(ROOT, 'target', 'release', 'procsim'))
    ap.add_argument('--count', type=int, default=10000)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--timeout', type=float, default=20.0)
    ap.add_argument('--vmem-kb', type=int, default=4000000)
    ap.add_argument('--work', default=None, help='where cases and failures go [default: a new temporary folder]')
    ap.add_argument('--only', type=int, default=None, help='run case ONLY alone')
    ap.add_argument('--keep', action='store_true', help='keep every case, not only the failing ones')
    ap.add_argument('--recheck', type=float, default=0,
                    help='run each case that timed out again with this many seconds, to tell slow from stuck')
    ap.add_argument('--recheck-max', type=int, default=20, help='run at most this many again [default: 20]')
    ap.add_argument('--no-shrink', action='store_true', help='mutate the scenarios at their full size')
    args = ap.parse_args()
    args.work = args.work or tempfile.mkdtemp(prefix=f'procsim-fuzz-{args.kind}-')
    os.makedirs(args.work, exist_ok=True)
    corpus = load_corpus(args.kind)
    make = (lambda i: make_scenario(i, args.seed, corpus, args.no_shrink)) if args.kind == 'scenarios' \
        else (lambda i: make_replay(i, args.seed, corpus))
    indices = [args.only] if args.only is not None else range(args.count)
    codes = collections.Counter()
    by_base = collections.defaultdict(collections.Counter)
    failures = []
    slow = []
    started = time.monotonic()
    done = 0
    log = open(os.path.join(args.work, 'log.tsv'), 'a', buffering=1)
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        pending = set()
        it = iter(indices)
        while True:
            while len(pending) < args.jobs * 2:
                try:
                    i = next(it)
                except StopIteration:
                    break
                name, data = make(i)
                pending.add(pool.submit(run_case, args, args.kind, i, name, data))
            if not pending:
                break
            finished, pending = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for fut in finished:
                i, name, code, elapsed, problems, note, err = fut.result()
                first = err.strip().split('\n')[0][:200].replace('\t', ' ') if err.strip() else ''
                log.write(f'{i}\t{name}\t{code}\t{elapsed:.2f}\t{first}\n')
                codes[code] += 1
                by_base[name][code] += 1
                done += 1
                if elapsed > args.timeout / 2:
                    slow.append((elapsed, i, name, code))
                if problems:
                    failures.append((i, name, code, problems, note))
                    print(f'FAIL {args.kind} {i} ({name}): exit {code}: {"; ".join(problems)[:400]} {note}',
                          flush=True)
                if args.only is not None:
                    print(f'case {i} ({name}): exit {code} in {elapsed:.2f}s {note}\n{err}', end='')
                if done % 500 == 0:
                    print(f'{done} done, {time.monotonic() - started:.0f} s, codes {dict(sorted(codes.items()))}',
                          flush=True)
    lines = [f'procsim fuzz: {args.kind}, {done} cases, seed {args.seed}, {args.jobs} jobs, '
             f'timeout {args.timeout:g} s, address space {args.vmem_kb} KB, {time.monotonic() - started:.0f} s',
             '', '| exit code | cases |', '|---|---|']
    lines += [f'| {c} | {n} |' for c, n in sorted(codes.items())]
    lines += ['', '| base | ' + ' | '.join(str(c) for c in sorted(codes)) + ' |',
              '|---|' + '---|' * len(codes)]
    for base in sorted(by_base):
        lines.append(f'| {base} | ' + ' | '.join(str(by_base[base][c]) for c in sorted(codes)) + ' |')
    lines += ['', f'failed checks: {len(failures)}']
    lines += [f'  case {i} ({name}): exit {code}: {"; ".join(p)[:300]} {note}' for i, name, code, p, note in failures]
    lines += ['', f'slower than {args.timeout / 2:g} s: {len(slow)}']
    lines += [f'  case {i} ({name}): {e:.1f} s, exit {code}' for e, i, name, code in sorted(slow, reverse=True)[:30]]
    with open(os.path.join(args.work, 'summary.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    if args.recheck:
        again = argparse.Namespace(**vars(args))
        again.timeout, again.keep = args.recheck, False
        timed_out = [(i, name) for i, name, code, p, note in failures if code == 124][:args.recheck_max]
        lines += ['', f'timed out, the first {len(timed_out)} run again alone with {args.recheck:g} s:']
        for i, name in timed_out:
            _, data = make(i)
            _, _, code, elapsed, problems, note, err = run_case(again, args.kind, i, name, data, '-recheck')
            last = err.strip().split('\n')[-1][:160] if err.strip() else ''
            lines.append(f'  case {i} ({name}): exit {code} in {elapsed:.1f} s {note} {"; ".join(problems)[:200]} | {last}')
    summary = '\n'.join(lines) + '\n'
    with open(os.path.join(args.work, 'summary.txt'), 'w') as f:
        f.write(summary)
    print(summary)
    print(f'cases and failures: {args.work}')
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
