"""Triage benchmark: 5-fold macro-F1, per-class P/R, training time, predict latency.

Reads the shared labelled petitions (never copied into the repo):

    python bench/triage_bench.py [--data ../shared/data/needs-triage/train.csv] [--folds 5]

Targets (issue 4): macro-F1 >= 0.90, prediction <= 10 ms per need, training on
6k messages <= 60 s.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from lianjian.needs.triage.evaluate import cross_validate, read_labelled_csv  # noqa: E402
from lianjian.needs.triage.model import DEFAULT_C, TriageModel  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared/data/needs-triage/train.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--c", type=float, default=DEFAULT_C)
    parser.add_argument("--latency-sample", type=int, default=500)
    args = parser.parse_args()

    texts, labels = read_labelled_csv(args.data)
    print(f"data: {Path(args.data).name}, {len(texts)} messages, {len(set(labels))} classes")

    report = cross_validate(texts, labels, folds=args.folds, c=args.c, latency_sample=100)
    print(f"\n== {args.folds}-fold stratified cross-validation (C={args.c})")
    print(report.format())

    print("\n== full-data training and single-need prediction")
    t0, c0 = time.perf_counter(), time.process_time()
    model = TriageModel.train(texts, labels, c=args.c)
    train_s, train_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"train on {len(texts)} messages: {train_s:.2f} s wall, {train_cpu:.2f} s CPU "
        "(target <= 60 s)"
    )
    sample = random.Random(0).sample(texts, min(args.latency_sample, len(texts)))
    model.predict(sample[0])  # warm-up: first call pays jieba's dictionary load
    lat, cpu = [], []
    for text in sample:
        t, c = time.perf_counter(), time.process_time()
        model.predict(text)
        lat.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    lat.sort()
    cpu.sort()
    p50, p95 = lat[len(lat) // 2], lat[int(len(lat) * 0.95)]
    print(
        f"predict latency over {len(lat)} needs: p50 {p50:.2f} ms, p95 {p95:.2f} ms, max {lat[-1]:.2f} ms (target <= 10 ms)"
    )
    print(
        f"predict CPU time per need: p50 {cpu[len(cpu) // 2]:.2f} ms, "
        f"p95 {cpu[int(len(cpu) * 0.95)]:.2f} ms (wall time above includes waiting for a core)"
    )
    if hasattr(os, "getloadavg"):
        print("load average during run: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    verdict = "meets" if report.macro_f1 >= 0.90 else "misses"
    print(f"\nmacro-F1 {report.macro_f1:.4f} {verdict} the 0.90 target")


if __name__ == "__main__":
    main()
