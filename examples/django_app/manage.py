#!/usr/bin/env python
"""The Django example's manage.py:

    python examples/django_app/manage.py migrate
    python examples/django_app/manage.py runserver 127.0.0.1:8000 --noreload

State (the SQLite database, the secret key, the bearer-token key) lives in the working
directory. ``AUTH_DOMAIN``/``AUTH_URI`` override the ``HOST:PORT`` defaults,
``AUTH_AUTHENTICATOR`` the legacy authenticator (``http://127.0.0.1:8800/auth``),
``AUTH_DEV_PROVIDER`` names a development wallet's ``provider.js`` for the page, and
``AUTH_NONCE_STORE`` may be a ``redis://`` URL instead of the database.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_app.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
