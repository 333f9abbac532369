"""An operator's first hour: settings that say what is wrong, `.env`, a quiet start (issue 11, 16)."""

from __future__ import annotations

import base64
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from django.core import checks

from lianjian.core.tests.test_settings import _production_env, _run

ROOT = Path(__file__).resolve().parents[3]
# read from the environment, but not by an operator's choice
NOT_SETTINGS = {"PYTEST_VERSION", "DJANGO_SETTINGS_MODULE", "CI"}


def _example_value(name: str) -> str:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    found = re.search(rf"^#?\s*{name}=(.*)$", text, re.MULTILINE)
    assert found, name
    return found.group(1).strip()


def test_every_variable_the_code_reads_is_documented() -> None:
    pattern = re.compile(
        r"(?:os\.environ\.get|os\.environ\.setdefault|os\.getenv|_env_bool|_env_int|"
        r"_env_choice|_secret)\(\s*\"([A-Z][A-Z0-9_]+)\"|os\.environ\[\"([A-Z][A-Z0-9_]+)\"\]"
    )
    names: set[str] = set()
    for path in [*(ROOT / "lianjian").rglob("*.py"), ROOT / "conftest.py"]:
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            names.add(match.group(1) or match.group(2))
    names -= NOT_SETTINGS
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    assert {
        "LIANJIAN_ADDR",
        "LIANJIAN_DEMO_PASSWORD",
        "TEST_DATABASE_NAME",
        "TEST_REDIS_URL",
    } <= names
    assert sorted(names - documented) == []


def test_env_example_as_it_stands_is_a_local_try(tmp_path: Path) -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    active = [ln for ln in example.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert active[0] == "LIANJIAN_ENV=development"
    # copied to .env, it starts a development instance with nothing else set
    (tmp_path / ".env").write_text(example, encoding="utf-8")
    env = _production_env(tmp_path)
    for name in (
        "LIANJIAN_ENV",
        "SECRET_KEY",
        "FIELD_ENCRYPTION_KEYS",
        "BLIND_INDEX_KEY",
        "AUDIT_HMAC_KEY",
        "ALLOWED_HOSTS",
    ):
        env.pop(name)
    code = "from django.conf import settings as s; print(s.ENVIRONMENT, s.DEBUG)"
    result = subprocess.run(  # noqa: S603 - our own console script
        [
            str(ROOT / ".venv/bin/lianjian")
            if (ROOT / ".venv/bin/lianjian").exists()
            else "lianjian",
            "shell",
            "-c",
            code,
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "development False"


def test_dot_env_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    from lianjian.core.tests.test_settings import LIANJIAN

    (tmp_path / ".env").write_text(
        "ALLOWED_HOSTS=from-dotenv.example.gov.cn\nLOG_LEVEL=WARNING\nSECRET_KEY=$not-expanded\n",
        encoding="utf-8",
    )
    env = _production_env(tmp_path)
    env.pop("ALLOWED_HOSTS")
    env["LOG_LEVEL"] = "ERROR"
    code = "from django.conf import settings as s; print(s.ALLOWED_HOSTS[0], s.LOGGING['root']['level'])"
    result = subprocess.run(  # noqa: S603 - our own console script
        [LIANJIAN, "shell", "-c", code],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "from-dotenv.example.gov.cn ERROR"
    missing = _run(_production_env(tmp_path, LIANJIAN_ENV_FILE=str(tmp_path / "nope.env")), "check")
    assert missing.returncode == 2
    assert "LIANJIAN_ENV_FILE names a file that does not exist" in missing.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": _example_value("SECRET_KEY")}, "SECRET_KEY is a placeholder"),
        (
            {"SECRET_KEY": "django-insecure-" + "k3j4h5g6f7d8s9a0" * 4},
            "SECRET_KEY is a placeholder",
        ),
        ({"SECRET_KEY": "ab" * 40}, "SECRET_KEY has too little randomness"),
        ({"SECRET_KEY": "Zx8#kQ" + "a" * 60}, "SECRET_KEY has too little randomness"),
        (
            {"BLIND_INDEX_KEY": base64.b64encode(bytes(32)).decode()},
            "BLIND_INDEX_KEY has too little",
        ),
        ({"BACKUP_KEY": base64.b64encode(b"\x01\x02" * 16).decode()}, "BACKUP_KEY has too little"),
    ],
)
def test_placeholder_and_weak_keys_fail_check_deploy(
    tmp_path: Path, overrides: dict[str, str], message: str
) -> None:
    result = _run(_production_env(tmp_path, **overrides), "check", "--deploy")
    assert result.returncode == 2
    assert message in result.stderr


def test_a_bad_setting_prints_one_line_naming_it(tmp_path: Path) -> None:
    result = _run(_production_env(tmp_path, SESSION_IDLE_SECONDS="ten"), "migrate")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "lianjian: 配置错误 (ImproperlyConfigured): SESSION_IDLE_SECONDS must be an integer, "
        "got 'ten'"
    ]


@pytest.mark.django_db
def test_models_raise_no_covering_index_warning_on_sqlite() -> None:
    from django.db import connection

    if connection.features.supports_covering_indexes:
        pytest.skip("the warning is SQLite's")
    found = [
        m.id for m in checks.run_checks(include_deployment_checks=False, databases=["default"])
    ]
    assert "models.W040" not in found


def test_gunicorn_opens_no_control_socket() -> None:
    from lianjian import gunicorn_conf

    assert gunicorn_conf.control_socket_disable is True
    assert gunicorn_conf.wsgi_app == "lianjian.wsgi:application"
    assert "from lianjian.gunicorn_conf import *" in (ROOT / "gunicorn.conf.py").read_text()


def test_gunicorn_workers_fork_from_a_warm_master(monkeypatch: pytest.MonkeyPatch) -> None:
    """The master builds the URLconf before forking and hands no connection to the workers."""
    from django.db import connections
    from django.urls import clear_url_caches, get_resolver

    from lianjian import gunicorn_conf

    assert gunicorn_conf.preload_app is True
    clear_url_caches()
    assert "url_patterns" not in get_resolver().__dict__
    closed: list[bool] = []
    monkeypatch.setattr(connections, "close_all", lambda: closed.append(True))
    gunicorn_conf.when_ready(None)
    assert closed == [True]
    assert "url_patterns" in get_resolver().__dict__


def test_the_first_run_shows_progress_while_installing(tmp_path: Path) -> None:
    """run.sh against a stand-in venv: a line before pip, pip not silenced, then the server."""
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts/run.sh").write_text((ROOT / "scripts/run.sh").read_text())
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    bin_dir = tmp_path / ".venv/bin"
    bin_dir.mkdir(parents=True)
    log = tmp_path / "calls.log"
    fakes = {
        "python": f'echo "python $*" >> {log}; case "$*" in *"import lianjian"*) exit 1;; '
        '*pip*) echo "Collecting Django==5.2.19";; esac',
        "lianjian": f'echo "lianjian $*" >> {log}; echo "联建已启动"',
    }
    for name, body in fakes.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(stat.S_IRWXU)
    bash = shutil.which("bash") or "/bin/bash"
    result = subprocess.run(  # noqa: S603 - the project's own script
        [bash, str(tmp_path / "scripts/run.sh"), "--no-demo"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[0].startswith("正在安装联建及其依赖到 .venv")
    assert out[1] == "Collecting Django==5.2.19"
    assert out[2:] == ["安装完成。", "联建已启动"]
    pip_call = next(ln for ln in log.read_text().splitlines() if "pip install" in ln)
    assert " -q" not in pip_call
