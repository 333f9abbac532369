"""Timing helpers shared by the benchmark scripts (issue 11 item 18).

Two rules, after an independent re-run of these benchmarks disagreed with
itself on a shared machine:

- a p95 rests on at least `MIN_SAMPLES` samples (with 10-15 samples the
  "p95" was simply the slowest call, or the second slowest);
- a figure compared with its hand-written SQL is timed in alternating pairs
  (`paired`): ORM, SQL, SQL, ORM, ... so both see the same moment of the
  machine's shifting load, and the ratio printed is the median of the
  per-pair ratios, from the very samples the p50/p95 come from. Timing all
  ORM calls and then all SQL calls printed 0.61x in one run and 1.46x in the
  next for the same figure.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MIN_SAMPLES = 30


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and nearest-rank p95 (ms)."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[math.ceil(len(ordered) * 0.95) - 1]


def _once(fn: Callable[[], Any]) -> float:
    began = time.perf_counter()
    fn()
    return (time.perf_counter() - began) * 1000


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    """p50, p95 of `runs` calls (at least MIN_SAMPLES), after one unmeasured warm-up call."""
    fn()
    return percentiles([_once(fn) for _ in range(max(runs, MIN_SAMPLES))])


@dataclass
class Pair:
    a: tuple[float, float]  # p50, p95 of the first callable
    b: tuple[float, float]  # p50, p95 of the second
    ratio: float  # median of a/b over the pairs
    samples: int


def paired(a: Callable[[], Any], b: Callable[[], Any], runs: int) -> Pair:
    """Time `a` and `b` in alternating pairs (order flipped every pair), >= MIN_SAMPLES each."""
    a()
    b()
    runs = max(runs, MIN_SAMPLES)
    sa: list[float] = []
    sb: list[float] = []
    for n in range(runs):
        if n % 2:
            tb = _once(b)
            ta = _once(a)
        else:
            ta = _once(a)
            tb = _once(b)
        sa.append(ta)
        sb.append(tb)
    ratio = statistics.median(x / y for x, y in zip(sa, sb, strict=True) if y > 0)
    return Pair(percentiles(sa), percentiles(sb), ratio, runs)


def runs_argument(value: str) -> int:
    """argparse type for --runs / --repeat: refuses fewer than MIN_SAMPLES."""
    import argparse

    n = int(value)
    if n < MIN_SAMPLES:
        raise argparse.ArgumentTypeError(f"at least {MIN_SAMPLES} samples make a p95")
    return n
