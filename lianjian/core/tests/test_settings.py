"""Production settings: `check --deploy` clean, and bad values fail loudly (S6, S23, DESIGN 7)."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

LIANJIAN = str(Path(sys.executable).parent / "lianjian")


def _key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def _production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST", "DJANGO_", "LIANJIAN_", "DATABASE_", "TEST_DATABASE"))
        and k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS"}
    }
    env.update(
        {
            "LIANJIAN_ENV": "production",
            "LIANJIAN_VAR_DIR": str(tmp_path),
            "SECRET_KEY": secrets.token_urlsafe(60),
            "FIELD_ENCRYPTION_KEYS": f"k1:{_key()}",
            "BLIND_INDEX_KEY": _key(),
            "AUDIT_HMAC_KEY": _key(),
            "ALLOWED_HOSTS": "dangjian.changning.example.gov.cn",
        }
    )
    env.update(overrides)
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script
        [LIANJIAN, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_deploy_is_clean_in_production(tmp_path: Path) -> None:
    result = _run(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stderr + result.stdout


def test_production_cookie_and_transport_flags(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, "
        "s.DEBUG, s.OTP_REQUIRED_FOR_STAFF, s.SESSION_COOKIE_AGE)"
    )
    result = _run(_production_env(tmp_path), "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "True",
        "True",
        "True",
        "Lax",
        "True",
        "True",
        "False",
        "True",
        "43200",
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be true or false, got 'maybe'"),
        ({"DEBUG": "true"}, "DEBUG must be false when LIANJIAN_ENV=production"),
        ({"FIELD_ENCRYPTION_KEYS": "garbage"}, "FIELD_ENCRYPTION_KEYS entries must look like"),
        ({"FIELD_ENCRYPTION_KEYS": "k1:bm90LWEta2V5"}, "FIELD_ENCRYPTION_KEYS must decode to"),
        ({"BLIND_INDEX_KEY": "%%%"}, "BLIND_INDEX_KEY must be base64"),
        ({"DATABASE_URL": "mysql://root@db/lianjian"}, "DATABASE_URL must point at PostgreSQL"),
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL is not a valid database URL"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 50 characters"),
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set when LIANJIAN_ENV=production"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must be set"),
        ({"LIANJIAN_ENV": "prod"}, "LIANJIAN_ENV must be one of"),
        ({"PASSWORD_POLICY": "weak"}, "PASSWORD_POLICY must be one of"),
        ({"SESSION_IDLE_SECONDS": "ten"}, "SESSION_IDLE_SECONDS must be an integer"),
        ({"REDIS_URL": "memcached://x"}, "REDIS_URL must start with redis://"),
        ({"AUTH_CACHE_SECONDS": "60"}, "AUTH_CACHE_SECONDS needs REDIS_URL"),
    ],
)
def test_bad_environment_fails_loudly(
    tmp_path: Path, overrides: dict[str, str], message: str
) -> None:
    result = _run(_production_env(tmp_path, **overrides), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_env_example_documents_every_variable() -> None:
    import re

    root = Path(__file__).resolve().parents[3]
    source = (root / "lianjian" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r"os\.environ\.get\(\s*\"([A-Z_]+)\"", source))
    names |= set(re.findall(r"_(?:env_bool|env_int|env_choice|secret)\(\s*\"([A-Z_]+)\"", source))
    names -= {"PYTEST_VERSION", "TEST_DATABASE_NAME"}  # set by the test runner, not operators
    example = (root / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", example, re.MULTILINE))
    assert len(names) > 20
    assert names - documented == set()


def test_redis_turns_on_cached_sessions_and_the_auth_cache(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_ENGINE, s.AUTH_CACHE_SECONDS, s.CACHES['default']['BACKEND'])"
    )
    env = _production_env(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")
    result = _run(env, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "django.contrib.sessions.backends.cached_db",
        "60",
        "django.core.cache.backends.redis.RedisCache",
    ]
    result = _run(_production_env(tmp_path), "shell", "-c", code)
    last = result.stdout.strip().splitlines()[-1].split()
    assert last[:2] == ["django.contrib.sessions.backends.db", "0"]
