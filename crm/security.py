"""HTTP security headers for every response."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def apply_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # Pages behind the login hold personal data: keep them out of shared caches and history.
    if request.endpoint != "static" and current_user and current_user.is_authenticated:
        headers["Cache-Control"] = "no-store"
    return response


class TrustedProxies:
    """werkzeug's ProxyFix for TRUSTED_PROXIES (CRM_TRUSTED_PROXIES) proxies, none when it is 0 (the default).

    With it, `request.remote_addr` is the client's address as the nearest trusted proxy saw it (what login
    throttling counts) and `request.is_secure` is true behind a TLS proxy (so Flask-WTF's referrer check
    on HTTPS runs). A header a client sets itself is never trusted beyond that many proxies.
    """

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self._fixed: dict[int, ProxyFix] = {}

    def __call__(self, environ, start_response):
        count = self.app.config.get("TRUSTED_PROXIES", 0)
        if not count:
            return self.wsgi_app(environ, start_response)
        if count not in self._fixed:
            self._fixed[count] = ProxyFix(self.wsgi_app, x_for=count, x_proto=count, x_host=count)
        return self._fixed[count](environ, start_response)
