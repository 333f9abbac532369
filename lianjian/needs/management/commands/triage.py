"""`lianjian triage evaluate|retrain`: measure the classifier and retrain street models."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianjian.needs.triage import TriageError
from lianjian.needs.triage.evaluate import cross_validate, read_labelled_csv, train_test
from lianjian.needs.triage.model import DEFAULT_C


class Command(BaseCommand):
    help = "需求分拣模型：评估（evaluate）与按街道重新训练（retrain）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ev = sub.add_parser("evaluate", help="在带标注的 CSV（text,label）上评估")
        ev.add_argument("--train", required=True, help="训练集 CSV")
        group = ev.add_mutually_exclusive_group()
        group.add_argument("--test", help="测试集 CSV")
        group.add_argument("--folds", type=int, help="分层 k 折交叉验证的折数")
        ev.add_argument("--seed", type=int, default=0)
        ev.add_argument("--c", type=float, default=DEFAULT_C, help="线性 SVM 的正则参数 C")
        rt = sub.add_parser("retrain", help="用街道的已确认需求重新训练")
        target = rt.add_mutually_exclusive_group(required=True)
        target.add_argument("--street", type=int, help="街道（区域）ID")
        target.add_argument("--all", action="store_true", help="所有配置了类别的街道")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            if opts["action"] == "evaluate":
                self._evaluate(opts)
            else:
                self._retrain(opts)
        except (TriageError, OSError) as exc:
            raise CommandError(str(exc)) from exc

    def _evaluate(self, opts: dict[str, Any]) -> None:
        train = read_labelled_csv(opts["train"])
        started = time.perf_counter()
        if opts.get("test"):
            report = train_test(train, read_labelled_csv(opts["test"]), c=opts["c"])
        else:
            report = cross_validate(
                *train, folds=opts.get("folds") or 5, seed=opts["seed"], c=opts["c"]
            )
        self.stdout.write(report.format())
        self.stdout.write(f"total seconds: {time.perf_counter() - started:.1f}")

    def _retrain(self, opts: dict[str, Any]) -> None:
        from lianjian.needs.triage.history import retrain, streets_with_categories

        streets = streets_with_categories() if opts["all"] else [opts["street"]]
        for street_id in streets:
            result = retrain(street_id)
            if result.trained:
                self.stdout.write(
                    f"街道 {street_id}：已训练，样本 {result.samples} 条，"
                    f"{result.classes} 个类别，用时 {result.seconds} 秒"
                )
            else:
                self.stdout.write(f"街道 {street_id}：未训练（{result.reason}）")
