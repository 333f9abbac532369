#!/usr/bin/env bash
# Run the platform: create .venv if missing, install the project, then
# `lianjian start` (migrate, load the demo district into an empty database and
# print the demo logins, serve on 127.0.0.1:8000). Extra arguments go to
# `lianjian start`, e.g. `bash scripts/run.sh --addr 0.0.0.0:8000`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
[ -x .venv/bin/python ] || "$PY" -m venv .venv
# reinstall only when pyproject.toml changed since the last install
stamp=.venv/.lianjian-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || ! .venv/bin/python -c "import lianjian" 2>/dev/null; then
  # pip's own lines (Collecting …, Installing …) show the progress of the first install
  echo "正在安装联建及其依赖到 .venv（首次约需 1–2 分钟）……"
  .venv/bin/python -m pip install --disable-pip-version-check --progress-bar on -e .
  echo "$want" > "$stamp"
  echo "安装完成。"
fi
exec .venv/bin/lianjian start "$@"
