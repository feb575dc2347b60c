"""Configuration: static defaults per environment, overridden by the environment when the app is created.

Nothing here reads the environment at import time; `Config.load()` does, when `create_app` calls it.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent


# Whole-number settings that CRM_<NAME> in the environment overrides.
INTEGER_SETTINGS = (
    "MAIL_PORT", "MAIL_CONNECT_TIMEOUT", "MAIL_TIMEOUT", "MAIL_FINAL_TIMEOUT", "MAIL_MAX_ATTEMPTS",
    "MAIL_RETRY_BASE_SECONDS", "MAIL_RETRY_MAX_SECONDS", "MAIL_LEASE_SECONDS", "MAIL_BATCH_SIZE",
    "MAIL_RESULT_WRITE_SECONDS",
    "SCHEDULER_HEARTBEAT_SECONDS", "SCHEDULER_STALE_SECONDS", "SCHEDULER_OUTBOX_SECONDS", "SCHEDULER_SWEEP_SECONDS",
    "SCHEDULER_REGISTER_COUNT_SECONDS", "SCHEDULER_LOCK_RETRY_SECONDS", "SCHEDULER_RECONNECT_MAX_SECONDS",
    "SCHEDULER_STOP_SECONDS", "SCHEDULER_IMPORT_SECONDS", "IMPORT_LEASE_SECONDS", "IMPORT_CHUNK_ROWS",
    "SCHEDULER_INBOX_SECONDS", "IMAP_PORT", "IMAP_TIMEOUT",
    "TRUSTED_PROXIES", "SESSION_IDLE_SECONDS", "SESSION_MAX_SECONDS",
    "LOGIN_WINDOW_SECONDS", "LOGIN_SLOWDOWN_AFTER", "LOGIN_CLIENT_SLOWDOWN_AFTER", "LOGIN_MAX_DELAY_SECONDS",
)
MIN_SECRET_KEY_BYTES = 32


def _integer(key: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise RuntimeError(f"CRM_{key} must be a whole number, not {value!r}.") from None
    if number < 0:
        raise RuntimeError(f"CRM_{key} must not be negative.")
    return number


class Config:
    """Settings shared by every environment."""

    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SECRET_KEY: str | None = None

    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    LANGUAGES = {"sv": "Svenska", "en": "English"}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # A session ends after SESSION_IDLE_SECONDS unused and SESSION_MAX_SECONDS after login, checked on the
    # server (crm.auth.sessions); the cookie's own expiry follows the idle timeout.
    SESSION_IDLE_SECONDS = 8 * 3600
    SESSION_MAX_SECONDS = 7 * 24 * 3600
    # How many proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: the app is reached directly).
    TRUSTED_PROXIES = 0
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    # Requests larger than this are refused before they are read (the import allows 20 MB files).
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024

    # Login throttling (crm.auth.throttle): failures in a sliding window, per account-and-client pair and per
    # client; past the free failures each further attempt waits 2, 4, 8 ... seconds, never a lock.
    LOGIN_WINDOW_SECONDS = 3600
    LOGIN_SLOWDOWN_AFTER = 5  # free failures of one address typed from one client
    LOGIN_CLIENT_SLOWDOWN_AFTER = 20  # free failures from one client, whatever the address typed
    LOGIN_MAX_DELAY_SECONDS = 15 * 60

    PASSWORD_HASH_METHOD = "scrypt"  # werkzeug's memory-hard default
    ORGANISATION_NAME = "Näringslivsenheten"
    ITEMS_PER_PAGE = 25

    # Where every absolute link points (e-mail, .ics files, calendar feeds): the address users open the CRM at,
    # never the host a request came to. Development's default is where `make run` serves; production requires it.
    BASE_URL = "http://127.0.0.1:5000"

    # Mail. Without MAIL_SERVER, messages are written as .eml files to MAIL_FILE_DIR (development).
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_SECURITY = "none"  # none, starttls or tls (implicit TLS, usually port 465)
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_CA_FILE: str | None = None  # a CA bundle to trust instead of the system's (internal relays)
    # Seconds to wait, per SMTP phase: connecting (and TLS), each command's answer, and the answer after the
    # message body, where the relay may be scanning it (RFC 5321 4.5.3.2 suggests 10 minutes).
    MAIL_CONNECT_TIMEOUT = 30
    MAIL_TIMEOUT = 20
    MAIL_FINAL_TIMEOUT = 600
    # The relay (or the receiving system) drops a second copy with a Message-ID it has seen: then a message left
    # in doubt by a crash is resent at once instead of after MAIL_FINAL_TIMEOUT + 2 x MAIL_TIMEOUT.
    MAIL_RELAY_DEDUPLICATES = False
    MAIL_FROM = "Näringslivsenheten <naringsliv@example.se>"
    MAIL_REPLY_TO: str | None = None
    ORGANIZER_EMAIL: str | None = None  # the unit's mailbox in invitations (ORGANIZER); default MAIL_FROM
    MAIL_FILE_DIR: str | None = None  # default: <instance>/outbox
    MAIL_MAX_ATTEMPTS = 8  # temporary failures before a message is dead
    MAIL_RETRY_BASE_SECONDS = 60  # backoff: 1, 2, 4, 8 ... minutes, capped at MAIL_RETRY_MAX_SECONDS
    MAIL_RETRY_MAX_SECONDS = 6 * 3600
    MAIL_LEASE_SECONDS = 300  # a claimed message not attempted by then goes back to the queue (a run that died)
    MAIL_BATCH_SIZE = 100
    MAIL_RESULT_WRITE_SECONDS = 300  # how long writing what the server answered is retried (never by resending)

    # The scheduler process (flask scheduler run).
    SCHEDULER_HEARTBEAT_SECONDS = 30
    SCHEDULER_STALE_SECONDS = 300  # admins are warned when the heartbeat is older than this
    SCHEDULER_OUTBOX_SECONDS = 15
    SCHEDULER_SWEEP_SECONDS = 60
    SCHEDULER_REGISTER_COUNT_SECONDS = 600  # the visit plan's register counts and ranked suggestions
    SCHEDULER_LOCK_RETRY_SECONDS = 10
    SCHEDULER_RECONNECT_MAX_SECONDS = 60  # the longest pause between attempts to reach a lost database
    SCHEDULER_STOP_SECONDS = 25  # on SIGTERM: the message in flight is finished, the process is gone within this
    SCHEDULER_IMPORT_SECONDS = 5  # how often queued imports are looked for
    SCHEDULER_INBOX_SECONDS = 120  # how often the organizer mailbox is read for replies from calendar programs
    IMPORT_LEASE_SECONDS = 60  # a running import whose process has not renewed this is failed
    IMPORT_CHUNK_ROWS = 250  # rows per import transaction: SQLite's write lock is held a fraction of a second
    IMPORT_FOLDER: str | None = None  # uploads, shared by the web app and the scheduler; default <instance>/imports
    BACKUP_FOLDER: str | None = None  # where `flask backup` writes when given no path; default <instance>/backups

    # The organizer mailbox, read for replies from calendar programs (crm/inbox). Without IMAP_HOST nothing is read.
    # Microsoft 365: set the three IMAP_OAUTH_* (an app registration with IMAP.AccessAsApp) instead of a password.
    IMAP_HOST: str | None = None
    IMAP_PORT = 993
    IMAP_SECURITY = "ssl"  # ssl (implicit TLS), starttls or none
    IMAP_USERNAME: str | None = None
    IMAP_PASSWORD: str | None = None
    IMAP_FOLDER = "INBOX"
    IMAP_DONE_FOLDER: str | None = None  # handled messages are moved here; unset: flagged \Seen and $CrmBehandlat
    IMAP_TIMEOUT = 60
    IMAP_OAUTH_TENANT: str | None = None
    IMAP_OAUTH_CLIENT_ID: str | None = None
    IMAP_OAUTH_CLIENT_SECRET: str | None = None

    @classmethod
    def load(cls) -> dict:
        """Return this environment's settings with the process environment applied."""
        settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
        env = os.environ
        if env.get("SECRET_KEY"):
            settings["SECRET_KEY"] = env["SECRET_KEY"]
        if env.get("DATABASE_URL"):
            settings["SQLALCHEMY_DATABASE_URI"] = env["DATABASE_URL"]
        settings.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{BASE_DIR / 'instance' / 'crm.sqlite3'}")
        if env.get("CRM_ORGANISATION_NAME"):
            settings["ORGANISATION_NAME"] = env["CRM_ORGANISATION_NAME"]
        for key in ("BASE_URL", "MAIL_SERVER", "MAIL_SECURITY", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_CA_FILE",
                    "MAIL_FROM", "MAIL_REPLY_TO", "MAIL_FILE_DIR", "ORGANIZER_EMAIL", "IMPORT_FOLDER", "BACKUP_FOLDER",
                    "IMAP_HOST", "IMAP_SECURITY", "IMAP_USERNAME", "IMAP_PASSWORD", "IMAP_FOLDER", "IMAP_DONE_FOLDER",
                    "IMAP_OAUTH_TENANT", "IMAP_OAUTH_CLIENT_ID", "IMAP_OAUTH_CLIENT_SECRET"):
            if env.get(f"CRM_{key}"):
                settings[key] = env[f"CRM_{key}"]
        for key in INTEGER_SETTINGS:
            if env.get(f"CRM_{key}"):
                settings[key] = _integer(key, env[f"CRM_{key}"])
        if env.get("CRM_MAIL_RELAY_DEDUPLICATES"):
            settings["MAIL_RELAY_DEDUPLICATES"] = env["CRM_MAIL_RELAY_DEDUPLICATES"].strip().lower() in (
                "1", "true", "yes", "ja")
        if settings["MAIL_SECURITY"] not in ("none", "starttls", "tls"):
            raise RuntimeError("CRM_MAIL_SECURITY must be none, starttls or tls.")
        if settings["IMAP_SECURITY"] not in ("ssl", "starttls", "none"):
            raise RuntimeError("CRM_IMAP_SECURITY must be ssl, starttls or none.")
        settings["BASE_URL"] = checked_base_url(settings["BASE_URL"])
        settings["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=settings["SESSION_IDLE_SECONDS"])
        return settings


class DevelopmentConfig(Config):
    SECRET_KEY = "development-only-not-secret"


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-only"
    WTF_CSRF_ENABLED = False
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashing keeps the suite quick; never in production

    @classmethod
    def load(cls) -> dict:
        settings = super().load()
        settings["SECRET_KEY"] = cls.SECRET_KEY
        settings["SQLALCHEMY_DATABASE_URI"] = os.environ.get("TEST_DATABASE_URL", "sqlite://")
        return settings


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def load(cls) -> dict:
        """Refuse to start without the secrets production needs, or with weak ones."""
        secret = os.environ.get("SECRET_KEY", "")
        if not secret:
            raise RuntimeError("SECRET_KEY must be set in the environment for production.")
        if len(secret.encode()) < MIN_SECRET_KEY_BYTES:
            raise RuntimeError(f"SECRET_KEY must be at least {MIN_SECRET_KEY_BYTES} bytes long in production, e.g. "
                               "python -c 'import secrets; print(secrets.token_urlsafe(48))'.")
        if not os.environ.get("DATABASE_URL"):
            raise RuntimeError("DATABASE_URL must be set in the environment for production.")
        if not os.environ.get("CRM_BASE_URL"):
            raise RuntimeError("CRM_BASE_URL must be set in the environment for production: the address users "
                               "open the CRM at, e.g. https://crm.kommun.se. Links in e-mail and calendars use it.")
        settings = super().load()
        if not settings["BASE_URL"].startswith("https://"):
            raise RuntimeError(f"CRM_BASE_URL must be an https address in production, not {settings['BASE_URL']!r}.")
        return settings


def checked_base_url(value: str) -> str:
    """BASE_URL without a trailing slash; an address that is not absolute http(s) stops the app."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise RuntimeError(f"CRM_BASE_URL must be an absolute http(s) address such as https://crm.kommun.se, "
                           f"not {value!r}.")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
