"""Sign-in for Django apps (extra ``authtokens[django]``): a reusable app.

Add ``"authtokens.integrations.django"`` to ``INSTALLED_APPS`` and
``"authtokens.integrations.django.backends.StacksAccountBackend"`` to
``AUTHENTICATION_BACKENDS``, include ``authtokens.integrations.django.urls`` (under
``auth/``), and configure ``AUTHTOKENS = {"DOMAIN": …, "URI": …}`` (`conf`). The endpoints are
those of the FastAPI integration; sessions are Django's own (``django.contrib.auth.login``
rotates the session key), POSTs are CSRF-protected unless they carry only a bearer token, and
the SIWS endpoints also require an allowed ``Origin``.
"""
