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
# the PDF work orders and reports embed CJK fonts from the system (core/pdf.py)
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null | head -n1)" ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "正在安装中文字体 fonts-noto-cjk（PDF 工单与报表使用）……"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends fonts-noto-cjk \
      || echo "未能安装 fonts-noto-cjk：PDF 中的中文将无法显示，请手动安装。"
  else
    echo "提示：未找到中文字体，PDF 中的中文将无法显示；请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk）。"
  fi
fi
exec .venv/bin/lianjian start "$@"
