"""Settings of the Django example (see ``manage.py``)."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from urllib.parse import urlsplit

WORKDIR = Path.cwd()


def _listen(argv: list[str]) -> tuple[str, str]:
    """HOST and PORT from ``runserver [HOST:]PORT`` (Django's default 127.0.0.1:8000)."""
    if "runserver" in argv:
        rest = [a for a in argv[argv.index("runserver") + 1 :] if not a.startswith("-")]
        if rest:
            host, _, port = rest[0].rpartition(":")
            return host or "127.0.0.1", port
    return "127.0.0.1", "8000"


def _secret_key(path: Path) -> str:
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


HOST, PORT = _listen(sys.argv)
AUTH_DOMAIN = os.environ.get("AUTH_DOMAIN") or f"{HOST}:{PORT}"
AUTH_URI = os.environ.get("AUTH_URI") or f"http://{HOST}:{PORT}"
_uri = urlsplit(AUTH_URI)
_origin = f"{_uri.scheme}://{_uri.netloc}"

SECRET_KEY = _secret_key(WORKDIR / "authtokens-django-secret.txt")
DEBUG = False
ALLOWED_HOSTS = sorted({HOST, _uri.hostname or HOST})
CSRF_TRUSTED_ORIGINS = [_origin]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _uri.scheme == "https"
SESSION_COOKIE_SAMESITE = "Lax"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "authtokens.integrations.django",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
AUTHENTICATION_BACKENDS = [
    "authtokens.integrations.django.backends.StacksAccountBackend",
    "django.contrib.auth.backends.ModelBackend",  # for the admin
]
ROOT_URLCONF = "django_app.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(WORKDIR / "authtokens-django.sqlite3"),
        "OPTIONS": {"timeout": 20},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True

AUTHTOKENS = {
    "DOMAIN": AUTH_DOMAIN,
    "URI": AUTH_URI,
    "PREFIX": "/auth",
    "AUTHENTICATOR_URL": os.environ.get("AUTH_AUTHENTICATOR") or "http://127.0.0.1:8800/auth",
    "APP_NAME": "authtokens Django example",
    "SIGNING_KEY_PATH": str(WORKDIR / "authtokens-django-token-key.pem"),
    "NONCE_STORE": os.environ.get("AUTH_NONCE_STORE") or "database",
}
