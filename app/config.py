"""Configuration: a ``Config`` class filled from ``FLEETDESK_``-prefixed environment variables."""
from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

PREFIX = "FLEETDESK_"


class ConfigurationError(RuntimeError):
    """The configuration is unusable; start-up stops with this message."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Defaults that work for a newcomer; every key can be set as ``FLEETDESK_<KEY>``."""

    ENV = "development"  # "production" hardens cookies and requires a secret key
    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None  # default: SQLite in the data directory
    DATA_DIR: str | None = None  # default: the Flask instance folder
    # Where blobs (raw mails, PDFs, attachments) live: file:///path or s3://bucket/prefix (app.storage).
    STORAGE_URL: str | None = None  # default: the data directory (file://DATA_DIR)
    S3_ENDPOINT: str | None = None  # an S3-compatible service other than AWS (credentials: the AWS_* variables)
    S3_REGION: str | None = None

    # Mail: the intake domain gives every client a personalised address (code@domain).
    INTAKE_DOMAIN = "fines.fleetdesk.test"
    MAIL_FROM = "FleetDesk <noreply@fleetdesk.test>"
    SMTP_HOST = "127.0.0.1"
    SMTP_PORT = 25

    # Fine intake.
    IMAP_ACCOUNTS = "[]"  # JSON list of {name, host, port, username, password, security, ca_file, folder, ...}
    INTAKE_MAX_MESSAGE_BYTES = 60 * 1024 * 1024
    INTAKE_MAX_PDF_BYTES = 25 * 1024 * 1024
    PDF_TIMEOUT_SECONDS = 90  # wall time for one PDF; the worker's whole process group is killed after it
    PDF_CPU_SECONDS = 60  # CPU time for one PDF (RLIMIT_CPU)
    PDF_MEMORY_MB = 1536
    PDF_MAX_PAGES = 50  # more pages than a fine letter ever has: refused before any page is read
    FINES_READ_WORKERS = 2  # without a broker: uploads read by at most this many threads per web process
    # Background work (app.queue): a Celery broker, redis://... or amqp://...; unset: in-process pools.
    BROKER_URL: str | None = None
    WORKER_CONCURRENCY = 2  # processes of one `fleetdesk worker`
    DESK_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # one file attached to a support ticket
    INTAKE_POLL_MINUTES = 2

    # Security.
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_IP = 20
    LOGIN_WINDOW_SECONDS = 15 * 60
    PASSWORD_MIN_LENGTH = 12
    ARGON2_TIME_COST: int | None = None  # None: argon2-cffi's recommended parameters
    ARGON2_MEMORY_KIB: int | None = None
    SESSION_HOURS = 8  # idle timeout: a session unused this long ends (the cookie's signature ages)
    SESSION_MAX_AGE_HOURS = 12  # absolute lifetime from login, however much the session is used
    # Proxy hops in front of the app (TLS proxy: 1) whose X-Forwarded-For/-Proto/-Host are trusted.
    TRUSTED_PROXIES = 0
    # Where login failures are counted (Flask-Limiter): memory:// is per process; production with
    # several workers wants a shared store such as redis://127.0.0.1:6379.
    RATELIMIT_STORAGE_URI = "memory://"
    METRICS_TOKEN: str | None = None  # when set, /metrics wants "Authorization: Bearer <token>"
    HSTS = False  # set when served over HTTPS only

    # Working calendar: the operator's extra closing days (bridge days), comma-separated ISO dates.
    EXTRA_CLOSED_DAYS = ""

    # Fines workflow.
    FINE_RETENTION_DAYS = 3 * 365  # closed fines then lose their PDFs and personal data

    # Retention (privacy: personal data kept no longer than needed); the nightly privacy.retention job
    # removes what is older, logs and audits the counts. Periods in days, counted from entering the state.
    RETENTION_FINE_CANCELLED_DAYS = 365  # cancelled fines: PDFs and personal data
    RETENTION_FINE_DUPLICATE_DAYS = 90  # duplicates (the original fine keeps everything)
    RETENTION_FINE_QUARANTINED_DAYS = 180  # quarantined fines (unreadable or refused)
    RETENTION_FINE_OPEN_DAYS = 5 * 365  # fines never closed, counted from their arrival
    RETENTION_RAW_MAIL_DAYS = 365  # the raw .eml of intake messages (their fines were read long before)
    RETENTION_TICKET_DAYS = 3 * 365  # closed support tickets: their description and contact details
    RETENTION_LOGIN_DAYS = 1  # login records (sessions with their IP address) after they ended or expired
    RETENTION_OUTBOX_DAYS = 30  # mail sent (its bytes name the recipient), from sending; unsent mail stays
    REMINDER_CUTOFF_WORKDAYS = 2

    # Off-boarding: days after off-boarding starts before a client may be purged (``--now`` skips it).
    PURGE_GRACE_DAYS = 30

    # Uptime: what the prober checks (JSON list of {name, url, expected_status, timeout}); empty means
    # the product's own /healthz at BASE_URL.
    BASE_URL = "http://127.0.0.1:8000"
    PROBE_TARGETS = "[]"
    PROBE_FAILURES_FOR_OUTAGE = 3
    PROBE_INTERVAL_SECONDS = 60
    MAINTENANCE_NOTICE_WORKDAYS = 5
    UPTIME_TARGET = "0.98"

    # Backups: the server copy and the datacenter storage (another disk or mount in production).
    BACKUP_SERVER_DIR: str | None = None  # default: DATA_DIR/backups/server
    BACKUP_DATACENTER_DIR: str | None = None  # default: DATA_DIR/backups/datacenter
    # An S3-compatible bucket also keeping these tiers (credentials: the usual AWS_* variables).
    BACKUP_S3_BUCKET: str | None = None
    BACKUP_S3_PREFIX = "fleetdesk"
    BACKUP_S3_ENDPOINT: str | None = None  # for S3-compatible services other than AWS
    BACKUP_S3_REGION: str | None = None
    BACKUP_S3_TIERS = "dc-db,dc-files,weekly-env"

    # Scheduler.
    SCHEDULER_TIMEZONE = "Europe/Brussels"


_INT_KEYS = {
    "SMTP_PORT",
    "MAX_CONTENT_LENGTH",
    "LOGIN_MAX_FAILURES_PER_ACCOUNT",
    "LOGIN_MAX_FAILURES_PER_IP",
    "LOGIN_WINDOW_SECONDS",
    "PASSWORD_MIN_LENGTH",
    "SESSION_HOURS",
    "SESSION_MAX_AGE_HOURS",
    "TRUSTED_PROXIES",
    "ARGON2_TIME_COST",
    "INTAKE_MAX_MESSAGE_BYTES",
    "INTAKE_MAX_PDF_BYTES",
    "PDF_TIMEOUT_SECONDS",
    "PDF_CPU_SECONDS",
    "PDF_MEMORY_MB",
    "PDF_MAX_PAGES",
    "FINES_READ_WORKERS",
    "WORKER_CONCURRENCY",
    "DESK_MAX_ATTACHMENT_BYTES",
    "INTAKE_POLL_MINUTES",
    "FINE_RETENTION_DAYS",
    "RETENTION_FINE_CANCELLED_DAYS",
    "RETENTION_FINE_DUPLICATE_DAYS",
    "RETENTION_FINE_QUARANTINED_DAYS",
    "RETENTION_FINE_OPEN_DAYS",
    "RETENTION_RAW_MAIL_DAYS",
    "RETENTION_TICKET_DAYS",
    "RETENTION_LOGIN_DAYS",
    "RETENTION_OUTBOX_DAYS",
    "PURGE_GRACE_DAYS",
    "REMINDER_CUTOFF_WORKDAYS",
    "PROBE_FAILURES_FOR_OUTAGE",
    "PROBE_INTERVAL_SECONDS",
    "MAINTENANCE_NOTICE_WORKDAYS",
    "ARGON2_MEMORY_KIB",
}
_BOOL_KEYS = {"HSTS"}


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read every known key from ``FLEETDESK_<KEY>`` variables, converting numbers and flags."""
    known = {k for k in dir(Config) if k.isupper()}
    values: dict[str, Any] = {}
    for key in known:
        raw = environ.get(PREFIX + key)
        if raw is None:
            continue
        if key in _INT_KEYS:
            try:
                values[key] = int(raw)
            except ValueError as exc:
                raise ConfigurationError(f"{PREFIX}{key} must be a whole number, not {raw!r}") from exc
        elif key in _BOOL_KEYS:
            values[key] = _bool(raw)
        else:
            values[key] = raw
    return values


def load(instance_path: str, override: Mapping[str, Any] | None = None,
         environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Merge defaults, environment and ``override`` into the Flask config mapping."""
    cfg: dict[str, Any] = {k: getattr(Config, k) for k in dir(Config) if k.isupper()}
    cfg.update(from_environment(os.environ if environ is None else environ))
    cfg.update(override or {})

    env = str(cfg["ENV"]).lower()
    if env not in {"development", "production", "testing"}:
        raise ConfigurationError(f"{PREFIX}ENV must be development, production or testing, not {env!r}")
    cfg["ENV"] = env
    production = env == "production"

    data_dir = Path(cfg["DATA_DIR"] or instance_path).resolve()
    cfg["DATA_DIR"] = str(data_dir)

    if not cfg["SECRET_KEY"]:
        if production:
            raise ConfigurationError(
                "FLEETDESK_SECRET_KEY is not set. In production FleetDesk refuses to start without a "
                "secret key: generate one with `python -c 'import secrets; print(secrets.token_hex(32))'` "
                "and set it in the environment of every process (web and scheduler)."
            )
        cfg["SECRET_KEY"] = _development_secret(data_dir)

    url = cfg["DATABASE_URL"] or cfg.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        url = f"sqlite:///{data_dir / 'fleetdesk.db'}"
    cfg["DATABASE_URL"] = _normalise_database_url(url)
    cfg["STORAGE_URL"] = cfg["STORAGE_URL"] or data_dir.as_uri()
    if not re.match(r"(file:///.|s3://[^/]+)", str(cfg["STORAGE_URL"])):
        raise ConfigurationError(f"{PREFIX}STORAGE_URL must be file:///absolute/path or s3://bucket/prefix, "
                                 f"not {cfg['STORAGE_URL']!r}")
    cfg["SQLALCHEMY_DATABASE_URI"] = cfg["DATABASE_URL"]
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})

    cfg["TESTING"] = env == "testing" or bool(cfg.get("TESTING"))
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["SESSION_COOKIE_SECURE"] = production
    cfg["SESSION_COOKIE_NAME"] = "__Host-fleetdesk" if production else "fleetdesk"
    cfg["REMEMBER_COOKIE_HTTPONLY"] = True
    cfg["REMEMBER_COOKIE_SECURE"] = production
    cfg["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    cfg["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=int(cfg["SESSION_HOURS"]))
    if int(cfg["TRUSTED_PROXIES"]) < 0 or int(cfg["SESSION_MAX_AGE_HOURS"]) < 1:
        raise ConfigurationError(
            f"{PREFIX}TRUSTED_PROXIES must be 0 or more and {PREFIX}SESSION_MAX_AGE_HOURS 1 or more")
    # Flask-Limiter: a moving window, so a lock ends exactly a window after the failures that caused it.
    cfg.setdefault("RATELIMIT_STRATEGY", "moving-window")
    cfg.setdefault("RATELIMIT_KEY_PREFIX", "fleetdesk")
    cfg["RATELIMIT_HEADERS_ENABLED"] = False
    cfg["WTF_CSRF_TIME_LIMIT"] = int(cfg["SESSION_HOURS"]) * 3600
    cfg["BABEL_DEFAULT_LOCALE"] = "en"
    cfg["BABEL_DEFAULT_TIMEZONE"] = "Europe/Brussels"
    cfg["LANGUAGES"] = ("en", "nl", "fr")
    return cfg


def _normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _development_secret(data_dir: Path) -> str:
    """Keep one random key per data directory so development sessions survive restarts."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
