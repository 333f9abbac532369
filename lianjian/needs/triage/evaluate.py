"""Measuring triage: held-out test files and stratified k-fold cross-validation.

Shared by `lianjian triage evaluate` and `bench/triage_bench.py`, so the
command and the benchmark print the same figures computed the same way.
"""

from __future__ import annotations

import csv
import statistics
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from lianjian.needs.triage.model import DEFAULT_C, TriageError, TriageModel

MAX_CSV_BYTES = 200 * 1024 * 1024


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal column: CJK characters take two cells."""
    cells = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - cells)


def read_labelled_csv(path: str | Path) -> tuple[list[str], list[str]]:
    """Rows of a UTF-8 CSV with columns `text,label` (extra columns ignored)."""
    path = Path(path)
    if path.stat().st_size > MAX_CSV_BYTES:
        raise TriageError(f"文件过大：{path.name}")
    texts: list[str] = []
    labels: list[str] = []
    csv.field_size_limit(10 * 1024 * 1024)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"text", "label"} <= set(reader.fieldnames):
            raise TriageError(f"{path.name} 需要 text 和 label 两列")
        for row in reader:
            text, label = (row.get("text") or "").strip(), (row.get("label") or "").strip()
            if text and label:
                texts.append(text)
                labels.append(label)
    if not texts:
        raise TriageError(f"{path.name} 中没有可用的样本")
    return texts, labels


@dataclass
class ClassScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Report:
    macro_f1: float
    accuracy: float
    classes: list[ClassScore]
    samples: int
    folds: int = 1
    fold_f1: list[float] = field(default_factory=list)
    train_seconds: list[float] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    def latency(self, q: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def format(self) -> str:
        lines = [
            f"samples: {self.samples}   folds: {self.folds}",
            f"macro-F1: {self.macro_f1:.4f}   accuracy: {self.accuracy:.4f}",
        ]
        if len(self.fold_f1) > 1:
            spread = ", ".join(f"{f:.4f}" for f in self.fold_f1)
            lines.append(f"per-fold macro-F1: {spread} (sd {statistics.pstdev(self.fold_f1):.4f})")
        lines.append(f"{'class':<16}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}")
        for c in self.classes:
            lines.append(
                f"{_pad(c.label, 16)}{c.precision:>10.4f}{c.recall:>10.4f}{c.f1:>10.4f}{c.support:>9}"
            )
        if self.train_seconds:
            lines.append(
                f"train seconds per fit: mean {statistics.mean(self.train_seconds):.2f}, "
                f"max {max(self.train_seconds):.2f}"
            )
        if self.latencies_ms:
            lines.append(
                f"predict latency per need: p50 {self.latency(0.5):.2f} ms, "
                f"p95 {self.latency(0.95):.2f} ms"
            )
        return "\n".join(lines)


def _score(
    truth: list[str],
    predicted: list[str],
    samples: int,
    folds: int = 1,
    fold_f1: list[float] | None = None,
) -> Report:
    labels = sorted(set(truth) | set(predicted))
    p, r, f, s = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    classes = [
        ClassScore(label, float(p[i]), float(r[i]), float(f[i]), int(s[i]))
        for i, label in enumerate(labels)
        if s[i] > 0
    ]
    correct = sum(1 for a, b in zip(truth, predicted, strict=True) if a == b)
    truth_labels = sorted(set(truth))
    macro = float(f1_score(truth, predicted, labels=truth_labels, average="macro", zero_division=0))
    return Report(
        macro_f1=macro,
        accuracy=correct / len(truth),
        classes=classes,
        samples=samples,
        folds=folds,
        fold_f1=fold_f1 or [],
    )


def _timed_predictions(
    model: TriageModel, texts: list[str], latency_sample: int
) -> tuple[list[str], list[float]]:
    predicted = [label for label, _ in model.predict_many(texts)]
    latencies = []
    for text in texts[:latency_sample]:
        t0 = time.perf_counter()
        model.predict(text)
        latencies.append((time.perf_counter() - t0) * 1000)
    return predicted, latencies


def train_test(
    train: tuple[list[str], list[str]],
    test: tuple[list[str], list[str]],
    *,
    c: float = DEFAULT_C,
    latency_sample: int = 200,
) -> Report:
    t0 = time.perf_counter()
    model = TriageModel.train(*train, c=c)
    seconds = time.perf_counter() - t0
    predicted, latencies = _timed_predictions(model, test[0], latency_sample)
    report = _score(test[1], predicted, len(test[0]))
    report.train_seconds = [seconds]
    report.latencies_ms = latencies
    return report


def cross_validate(
    texts: list[str],
    labels: list[str],
    *,
    folds: int = 5,
    seed: int = 0,
    c: float = DEFAULT_C,
    latency_sample: int = 100,
) -> Report:
    """Stratified k-fold: every message is predicted once by a model that never saw it."""
    if folds < 2:
        raise TriageError("折数至少为 2")
    smallest = min(labels.count(label) for label in set(labels))
    if smallest < folds:
        raise TriageError(f"最小的类别只有 {smallest} 条样本，不足 {folds} 折")
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    predicted: list[str] = [""] * len(texts)
    fold_f1: list[float] = []
    train_seconds: list[float] = []
    latencies: list[float] = []
    for train_idx, test_idx in splitter.split(texts, labels):
        t0 = time.perf_counter()
        model = TriageModel.train(
            [texts[i] for i in train_idx], [labels[i] for i in train_idx], c=c
        )
        train_seconds.append(time.perf_counter() - t0)
        fold_texts = [texts[i] for i in test_idx]
        fold_pred, fold_lat = _timed_predictions(model, fold_texts, latency_sample)
        latencies.extend(fold_lat)
        for i, label in zip(test_idx, fold_pred, strict=True):
            predicted[i] = label
        fold_truth = [labels[i] for i in test_idx]
        fold_f1.append(float(f1_score(fold_truth, fold_pred, average="macro", zero_division=0)))
    report = _score(labels, predicted, len(texts), folds, fold_f1)
    report.train_seconds = train_seconds
    report.latencies_ms = latencies
    return report
