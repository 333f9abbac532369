"""Settings for Lianjian, read from the environment.

Every value comes from an environment variable documented in `.env.example`.
A bad value stops start-up with a message naming the variable: a district's
operators must never find out from a 500 that a setting was mistyped.
With nothing set, a development default runs on SQLite under `var/`.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def _load_env_file() -> None:
    """Read `.env` of the working directory (or LIANJIAN_ENV_FILE) into the environment.

    Variables already set win over the file; `$` is taken literally (a random
    key may hold one). The test suite never reads an operator's file.
    """
    if os.environ.get("PYTEST_VERSION"):
        return
    named = os.environ.get("LIANJIAN_ENV_FILE", "")
    path = Path(named) if named else Path.cwd() / ".env"
    if named and not path.is_file():
        raise ImproperlyConfigured(f"LIANJIAN_ENV_FILE names a file that does not exist: {named}")
    if path.is_file():
        load_dotenv(path, override=False, interpolate=False)


_load_env_file()
VAR_DIR = Path(os.environ.get("LIANJIAN_VAR_DIR", str(PROJECT_DIR / "var")))


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def _env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def _env_choice(name: str, default: str, choices: set[str]) -> str:
    value = os.environ.get(name) or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


# pytest sets PYTEST_VERSION before settings load, so test runs need no variable set
_default_env = "test" if os.environ.get("PYTEST_VERSION") else "development"
ENVIRONMENT = _env_choice("LIANJIAN_ENV", _default_env, {"development", "production", "test"})
PRODUCTION = ENVIRONMENT == "production"
DEBUG = _env_bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be false when LIANJIAN_ENV=production")


def _dev_secrets() -> dict[str, str]:
    """Keys for development, generated once into var/ so nothing needs to be set."""
    path = VAR_DIR / "dev-secrets.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    data = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "BLIND_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "AUDIT_HMAC_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    path.write_text(json.dumps(data))
    path.chmod(0o600)
    return data


def _secret(name: str) -> str:
    value = os.environ.get(name, "")
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set when LIANJIAN_ENV=production")
    return _dev_secrets()[name]


def _b64_key(name: str, raw: str, sizes: tuple[int, ...] = (32,)) -> bytes:
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be base64") from exc
    if len(key) not in sizes:
        raise ImproperlyConfigured(f"{name} must decode to {sizes} bytes, got {len(key)}")
    return key


# words of the documentation's placeholders (.env.example, Django's own) never make a key
_PLACEHOLDER_WORDS = ("change-me", "changeme", "change_me", "replace", "example", "insecure")


def _check_random(name: str, value: str | bytes) -> None:
    """Refuse placeholders and low-entropy values for a production key (S23)."""
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    if isinstance(value, str) and any(word in text.lower() for word in _PLACEHOLDER_WORDS):
        raise ImproperlyConfigured(
            f"{name} is a placeholder from the documentation; generate a random one "
            '(python -c "import secrets; print(secrets.token_urlsafe(50))")'
        )
    distinct = len(set(text))
    if distinct < (len(text) // 2 if isinstance(value, bytes) else 16) or re.search(
        r"(.)\1{5}", text
    ):
        raise ImproperlyConfigured(f"{name} has too little randomness; generate a random one")


SECRET_KEY = _secret("SECRET_KEY")
if PRODUCTION and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters in production")
if PRODUCTION:
    _check_random("SECRET_KEY", SECRET_KEY)


def _parse_field_keys(raw: str) -> dict[str, bytes]:
    """`kid:base64key,kid2:base64key2`; the first is used to encrypt, all decrypt."""
    keys: dict[str, bytes] = {}
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if ":" not in part:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS entries must look like kid:base64key")
        kid, b64 = part.split(":", 1)
        if not kid.isalnum():
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS key ids must be alphanumeric")
        keys[kid] = _b64_key("FIELD_ENCRYPTION_KEYS", b64, (16, 32))
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    return keys


FIELD_ENCRYPTION_KEYS = _parse_field_keys(_secret("FIELD_ENCRYPTION_KEYS"))
FIELD_ENCRYPTION_ALGORITHM = _env_choice(
    "FIELD_ENCRYPTION_ALGORITHM", "AES-256-GCM", {"AES-256-GCM", "SM4-GCM"}
)
BLIND_INDEX_KEY = _b64_key("BLIND_INDEX_KEY", _secret("BLIND_INDEX_KEY"))
AUDIT_HMAC_KEY = _b64_key("AUDIT_HMAC_KEY", _secret("AUDIT_HMAC_KEY"))
if SECRET_KEY.encode() in {BLIND_INDEX_KEY, AUDIT_HMAC_KEY}:
    raise ImproperlyConfigured("data keys must differ from SECRET_KEY")
if PRODUCTION:
    for _name, _key in [
        *(("FIELD_ENCRYPTION_KEYS", k) for k in FIELD_ENCRYPTION_KEYS.values()),
        ("BLIND_INDEX_KEY", BLIND_INDEX_KEY),
        ("AUDIT_HMAC_KEY", AUDIT_HMAC_KEY),
    ]:
        _check_random(_name, _key)

_hosts = os.environ.get("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
ALLOWED_HOSTS = [h.strip() for h in _hosts.split(",") if h.strip()]
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when LIANJIAN_ENV=production")
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # before django_tasks_db: its `db_worker` command is core's, with heartbeat and reaper
    "lianjian.core",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "lianjian.accounts",
    "lianjian.ops",
    "lianjian.orgs",
    "lianjian.ledger",
    "lianjian.needs",
    "lianjian.visits",
    "lianjian.jobs",
    "lianjian.projects",
    "lianjian.alliances",
    "lianjian.notices",
    "lianjian.activities",
    "lianjian.surveys",
    "lianjian.points",
    "lianjian.ratings",
    "lianjian.portal",
]

MIDDLEWARE = [
    # first: every audit row of the request carries its client address (S11)
    "lianjian.core.audit.AuditContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "lianjian.core.middleware.SecurityHeadersMiddleware",
    # before anything reads a body (sessions, CSRF): oversize uploads answer 413 unread
    "lianjian.core.bodylimit.RequestBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # before any view (and before the login redirect): NUL and out-of-range numbers answer 400
    "lianjian.core.input_guard.InputGuardMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "lianjian.accounts.middleware.SessionPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lianjian.urls"
WSGI_APPLICATION = "lianjian.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lianjian.accounts.context_processors.navigation",
                "lianjian.core.context_processors.notifications",
            ],
        },
    },
]

_default_db = f"sqlite:///{VAR_DIR / 'lianjian.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL") or _default_db
try:
    _db: dict[str, Any] = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=60))
except Exception as exc:  # dj_database_url raises several types
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue
        # on busy_timeout instead of failing with "database is locked" (a
        # deferred transaction that reads, then writes, fails at once when
        # another connection committed in between). Every connection, the
        # worker's included, gets these; `lianjian.core.health.database_info`
        # reads them back from the connection and the worker checks them at start.
        "transaction_mode": "IMMEDIATE",
        "timeout": _env_int("SQLITE_BUSY_TIMEOUT", 20, minimum=1),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        " PRAGMA foreign_keys=ON;",
    }
elif _db["ENGINE"] not in {"django.db.backends.postgresql"}:
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL or SQLite")
_db["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or None}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = os.environ.get("REDIS_URL", "")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://")):
        raise ImproperlyConfigured("REDIS_URL must start with redis:// or rediss://")
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# How long a bearer token's or a session's user and grants may be served from
# the cache (`lianjian.accounts.auth_cache`; any change to them invalidates at
# once). Only a cache shared by every server process may hold them: off without Redis.
AUTH_CACHE_SECONDS = _env_int("AUTH_CACHE_SECONDS", 60 if CACHE_URL else 0)
if AUTH_CACHE_SECONDS and not CACHE_URL and ENVIRONMENT == "production":
    raise ImproperlyConfigured(
        "AUTH_CACHE_SECONDS needs REDIS_URL: a per-process cache would keep revoked access"
    )
if CACHE_URL:
    # sessions read from Redis, written through to the database
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# A task worker writes its heartbeat this often; a worker silent for JOB_STALE_SECONDS
# is dead, and the import/export jobs it ran (with no progress for as long) are failed.
WORKER_HEARTBEAT_SECONDS = _env_int("WORKER_HEARTBEAT_SECONDS", 10, minimum=1)
JOB_STALE_SECONDS = _env_int("JOB_STALE_SECONDS", 120, minimum=10)
if JOB_STALE_SECONDS < 3 * WORKER_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured("JOB_STALE_SECONDS must be at least 3 x WORKER_HEARTBEAT_SECONDS")

TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if ENVIRONMENT == "test"
            else "django_tasks_db.DatabaseBackend",
        )
    }
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend whose get_user (every signed-in request) reads the shared cache
    "lianjian.accounts.backends.CachedModelBackend",
]

# the preset (length, classes, history, expiry) lives in lianjian.accounts.passwords.PRESETS
PASSWORD_POLICY = _env_choice("PASSWORD_POLICY", "dengbao", {"dengbao", "asvs"})
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "lianjian.accounts.passwords.PolicyValidator",
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if ENVIRONMENT == "test" or (os.environ.get("FAST_PASSWORD_HASHER") == "1" and not PRODUCTION):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# bearer tokens (`lianjian createtoken`) expire this many days after creation (S27)
API_TOKEN_DAYS = _env_int("API_TOKEN_DAYS", 90, minimum=1)

OTP_REQUIRED_FOR_STAFF = _env_bool("OTP_REQUIRED_FOR_STAFF", default=PRODUCTION)
OTP_TOTP_ISSUER = "联建"

AXES_FAILURE_LIMIT = _env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 0.5  # hours: 30 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "lianjian.accounts.views.lockout_response"
AXES_VERBOSE = False
AXES_USERNAME_FORM_FIELD = "username"
AXES_ENABLED = _env_bool("AXES_ENABLED", default=True)
# lockouts count "Alice" and "alice" together; axes never writes a typed username
# (which may be a phone or ID number) into its log lines (S13)
AXES_USERNAME_CALLABLE = "lianjian.accounts.services.normalized_login_username"
AXES_SENSITIVE_PARAMETERS = ["username"]
AXES_CLIENT_IP_CALLABLE = "lianjian.core.audit.client_ip"

SESSION_IDLE_SECONDS = _env_int("SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_ABSOLUTE_SECONDS = _env_int("SESSION_ABSOLUTE_SECONDS", 12 * 3600, minimum=60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = _env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# behind nginx: trust X-Forwarded-Proto, and take the client address from
# X-Forwarded-For, read from the right past the trusted proxies, for requests
# that come from a trusted proxy (lianjian.core.audit.client_ip, also used by axes)
BEHIND_PROXY = _env_bool("BEHIND_PROXY", default=False)
TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("TRUSTED_PROXIES", "127.0.0.1,::1").split(",") if p.strip()
]
try:
    _trusted_networks = [ipaddress.ip_network(p, strict=False) for p in TRUSTED_PROXIES]
except ValueError as exc:
    raise ImproperlyConfigured(
        f"TRUSTED_PROXIES must list IP addresses or networks: {exc}"
    ) from exc
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

EXCEL_UPLOAD_MAX_BYTES = _env_int("EXCEL_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
EXCEL_MAX_ROWS = _env_int("EXCEL_MAX_ROWS", 200_000, minimum=10)
# list exports above this many rows run on the task worker; their files are kept this long
EXPORT_SYNC_MAX_ROWS = _env_int("EXPORT_SYNC_MAX_ROWS", 20_000, minimum=1)
EXPORT_KEEP_HOURS = _env_int("EXPORT_KEEP_HOURS", 24, minimum=1)

# Notifications (`lianjian.core.notifications`): in-app always; SMS and e-mail per
# user and kind, sent by the task worker with retries and a delivery log. Each
# outside channel's backend: "log" writes a line (phone masked) and sends nothing.
_NOTIFY_BACKENDS = {
    "sms": {
        "log": "lianjian.core.notify_backends.LoggingBackend",
        "http": "lianjian.core.notify_backends.HttpSmsBackend",
    },
    "email": {
        "log": "lianjian.core.notify_backends.LoggingBackend",
        "smtp": "lianjian.core.notify_backends.EmailBackend",
    },
}
NOTIFICATION_BACKENDS = {
    "sms": _NOTIFY_BACKENDS["sms"][_env_choice("NOTIFY_SMS_BACKEND", "log", {"log", "http"})],
    "email": _NOTIFY_BACKENDS["email"][_env_choice("NOTIFY_EMAIL_BACKEND", "log", {"log", "smtp"})],
}
# a failed send is tried again this many times in all, waiting 30 s, 2 min, 8 min…
NOTIFY_MAX_ATTEMPTS = _env_int("NOTIFY_MAX_ATTEMPTS", 4, minimum=1)
# The SMS gateway (HTTP, as Chinese operators' and cloud SMS services provide): a
# JSON POST of the template id and its parameters, signed with HMAC-SHA256.
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_APP_KEY = os.environ.get("SMS_GATEWAY_APP_KEY", "")
SMS_GATEWAY_SECRET = os.environ.get("SMS_GATEWAY_SECRET", "")
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "联建")
SMS_TIMEOUT_SECONDS = _env_int("SMS_TIMEOUT_SECONDS", 5, minimum=1)
# notification kind -> the gateway's template id, "kind:id" comma-separated
SMS_TEMPLATES = dict(
    item.strip().split(":", 1)
    for item in os.environ.get("SMS_TEMPLATES", "").split(",")
    if ":" in item
)
if SMS_GATEWAY_URL and not SMS_GATEWAY_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("SMS_GATEWAY_URL must be an http:// or https:// URL")
if NOTIFICATION_BACKENDS["sms"].endswith("HttpSmsBackend") and not (
    SMS_GATEWAY_URL and SMS_GATEWAY_APP_KEY and SMS_GATEWAY_SECRET
):
    raise ImproperlyConfigured(
        "NOTIFY_SMS_BACKEND=http needs SMS_GATEWAY_URL, SMS_GATEWAY_APP_KEY and SMS_GATEWAY_SECRET"
    )
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = _env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "lianjian@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "lianjian.core.logging.RedactPersonalDataFilter"},
        "quiet_client_errors": {"()": "lianjian.core.logging.QuietClientErrorsFilter"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # a 403 or 404 is routine: one line, not the traceback of the exception behind it
        "django.request": {"filters": ["quiet_client_errors"]},
    },
}

NINJA_PAGINATION_PER_PAGE = 20


# ---------------------------------------------------------------- operations
# Request bodies, rate limits, backups and retention (README "Production").

# Request bodies are refused (413) from their Content-Length before anything reads
# them (lianjian.core.bodylimit): the longest matching path prefix wins, anything
# else gets REQUEST_BODY_MAX_BYTES (forms and API JSON). nginx's client_max_body_size
# must be at least the largest of them (README).
REQUEST_BODY_MAX_BYTES = _env_int("REQUEST_BODY_MAX_BYTES", 1024 * 1024, minimum=16 * 1024)
# pages anyone may post to without signing in: login, tracking and rating a need
PUBLIC_BODY_MAX_BYTES = _env_int("PUBLIC_BODY_MAX_BYTES", 64 * 1024, minimum=4096)
# the public need form with its photos, and the staff intake form with its attachments
PUBLIC_UPLOAD_MAX_BYTES = _env_int("PUBLIC_UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=64 * 1024)
STAFF_UPLOAD_MAX_BYTES = _env_int("STAFF_UPLOAD_MAX_BYTES", 26 * 1024 * 1024, minimum=64 * 1024)
_MULTIPART_MARGIN = 256 * 1024  # form fields and multipart boundaries around an uploaded file
REQUEST_BODY_LIMITS = {
    "/accounts/login/": PUBLIC_BODY_MAX_BYTES,
    "/accounts/logout/": PUBLIC_BODY_MAX_BYTES,
    "/needs/track/": PUBLIC_BODY_MAX_BYTES,
    "/needs/submit/": PUBLIC_UPLOAD_MAX_BYTES,
    "/needs/new/": STAFF_UPLOAD_MAX_BYTES,
    "/orgs/ledger/import/": EXCEL_UPLOAD_MAX_BYTES + _MULTIPART_MARGIN,
    "/api/v1/imports/": EXCEL_UPLOAD_MAX_BYTES + _MULTIPART_MARGIN,
    "/api/": REQUEST_BODY_MAX_BYTES,
}
# form fields and JSON read into memory (files do not count here); files above
# FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file, within the limits above
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 20

# Rate-limit counters must be shared by every server process (S22): in the cache
# when it is Redis, else in the database; the process's own memory (one process)
# only outside production.
RATELIMIT_BACKEND = _env_choice(
    "RATELIMIT_BACKEND",
    "cache" if CACHE_URL or not PRODUCTION else "database",
    {"cache", "database"},
)
if PRODUCTION and RATELIMIT_BACKEND == "cache" and not CACHE_URL:
    raise ImproperlyConfigured(
        "RATELIMIT_BACKEND=cache needs REDIS_URL in production: each server process "
        "would count on its own (use RATELIMIT_BACKEND=database or set REDIS_URL)"
    )

# `lianjian backup` encrypts its archives with this key (AES-256-GCM); keep it apart
# from the database and from the data keys, which the archive does not contain.
_backup_key = os.environ.get("BACKUP_KEY", "")
BACKUP_KEY = _b64_key("BACKUP_KEY", _backup_key) if _backup_key else None
if BACKUP_KEY is not None and PRODUCTION:
    _check_random("BACKUP_KEY", BACKUP_KEY)
if BACKUP_KEY is not None and (
    BACKUP_KEY in FIELD_ENCRYPTION_KEYS.values() or BACKUP_KEY in {BLIND_INDEX_KEY, AUDIT_HMAC_KEY}
):
    raise ImproperlyConfigured("BACKUP_KEY must differ from the data keys")
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", str(VAR_DIR / "backups")))

# Retention (S17): past these, `lianjian retention` (and the daily task) anonymizes
# the personal data of each kind; statistics and the audit trail stay intact.
RETENTION_INACTIVE_MEMBER_DAYS = _env_int("RETENTION_INACTIVE_MEMBER_DAYS", 3 * 365, minimum=1)
RETENTION_NEED_CONTACT_DAYS = _env_int("RETENTION_NEED_CONTACT_DAYS", 365, minimum=1)
RETENTION_UPLOAD_DAYS = _env_int("RETENTION_UPLOAD_DAYS", 30, minimum=1)
RETENTION_TOKEN_DAYS = _env_int("RETENTION_TOKEN_DAYS", 90, minimum=1)
