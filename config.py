"""Configuration: static defaults per environment, overridden by the environment when the app is created.

Nothing here reads the environment at import time; `Config.load()` does, when `create_app` calls it.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


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
    PERMANENT_SESSION_LIFETIME = timedelta(hours=10)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    # Requests larger than this are refused before they are read (the import allows 20 MB files).
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024

    # Login throttling: failures counted per account and per address in a sliding window.
    LOGIN_WINDOW_SECONDS = 15 * 60
    LOGIN_SLOWDOWN_AFTER = 5  # failures after which each further attempt must wait longer
    LOGIN_LOCKOUT_AFTER = 10  # failures after which attempts are refused until the window passes

    PASSWORD_HASH_METHOD = "scrypt"  # werkzeug's memory-hard default
    ORGANISATION_NAME = "Näringslivsenheten"
    ITEMS_PER_PAGE = 25

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
        """Refuse to start without the secrets production needs."""
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in the environment for production.")
        if not os.environ.get("DATABASE_URL"):
            raise RuntimeError("DATABASE_URL must be set in the environment for production.")
        return super().load()


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
