"""``authtokens wallet``: a dev authenticator on 127.0.0.1 (needs the ``server`` extra).

It answers both ways dapps talk to wallets, with the keys of a local key file
(`authtokens.testing.devwallet.keyfile`): the legacy ``/auth?authRequest=…`` consent page, and
a SIP-030 provider script (``/provider.js``) for `@stacks/connect` 8 pages. A token inspector
shows any token's header, claims, times and checks. The app is built by
`authtokens.testing.devwallet.app.create_app`; this ``__init__`` imports no framework.
"""
