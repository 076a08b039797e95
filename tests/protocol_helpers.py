"""Shared fixtures for protocol tests: the spec's fixed keys and a token forger."""

from __future__ import annotations

import hashlib
from typing import Any

from authtokens import jsjson
from authtokens.encoding import b64url_encode
from authtokens.signatures import sign_digest

# spec §14.1
TRANSIT = "514f2aa0e63cb0720864bfa079ec0ed2cdf0418a8770c75e1848469a8c3149b2"
TRANSIT_PUB = "0256114a79d7fe9a9ec0353447122ac63d0d5c1ec90b7c0ec20381b11918710256"
MNEMONIC = (
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
)
IDENTITY = "6dad38fa92add38d913bdfb2e646ef4ce2a50a2f39853f848a792835626a5690"
IDENTITY_PUB = "02ed9b172e392fd595e7918aa0c21a401a6bc1fba3bfd89872d3b92fabd971710c"
APP_KEY = "e9b1edf5b74865cf5b9d0b18cde1da7ad6c0e25f4849c40c2a0870413146898a"
NOW = 1735689600  # 2025-01-01T00:00:00Z, the frozen clock of the spec's examples
OTHER = "c2263a14b7049ef2770a16dc030f1aff16b11ac3ef66d3531f34216283dd557b"

# spec §14.2: authRequest made by @stacks/auth 7.6.0 (high-S)
EXAMPLE_A = (
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NksifQ.eyJhcHBEZXRhaWxzIjp7Im5hbWUiOiJFeGFtcGxlIEFwcCIsIm"
    "ljb24iOiJodHRwczovL2FwcC5leGFtcGxlLmNvbS9pY29uLnBuZyJ9LCJqdGkiOiI5MzllYWQ0MC1jYmQ2LTQwYTQt"
    "YTgxYi01ZjkzZDcxYTRlODIiLCJpYXQiOjE3MzU2ODk2MDAsImV4cCI6MTczNTY5MzIwMCwiaXNzIjoiZGlkOmJ0Yy"
    "1hZGRyOjE5clFESnd2b2RRbTJpTDF3djVLOTNnVnB0SzNRTFFiemkiLCJwdWJsaWNfa2V5cyI6WyIwMjU2MTE0YTc5"
    "ZDdmZTlhOWVjMDM1MzQ0NzEyMmFjNjNkMGQ1YzFlYzkwYjdjMGVjMjAzODFiMTE5MTg3MTAyNTYiXSwiZG9tYWluX2"
    "5hbWUiOiJodHRwczovL2FwcC5leGFtcGxlLmNvbSIsIm1hbmlmZXN0X3VyaSI6Imh0dHBzOi8vYXBwLmV4YW1wbGUu"
    "Y29tL21hbmlmZXN0Lmpzb24iLCJyZWRpcmVjdF91cmkiOiJodHRwczovL2FwcC5leGFtcGxlLmNvbS8iLCJ2ZXJzaW"
    "9uIjoiMS40LjAiLCJkb19ub3RfaW5jbHVkZV9wcm9maWxlIjp0cnVlLCJzdXBwb3J0c19odWJfdXJsIjp0cnVlLCJz"
    "Y29wZXMiOlsic3RvcmVfd3JpdGUiLCJwdWJsaXNoX2RhdGEiXX0.mps7cVoLqczFRncK38oR1hXdTqIMD-15FbZQ7Z"
    "Hqf-HqXdniUhxJhzs0Xd1Upsg54Uz4pGNR35maUSo7B9Go3w"
)

# spec §14.3: authResponse made by @stacks/wallet-sdk 7.4.0 for that request
EXAMPLE_B = (
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NksifQ.eyJqdGkiOiJjNmMxY2Y2Mi1mZTA5LTQzYzYtOGE0ZS04MmM1ZjkzZ"
    "DcxYjUiLCJpYXQiOjE3MzU2ODk2MDAsImV4cCI6MTczODM2ODAwMCwiaXNzIjoiZGlkOmJ0Yy1hZGRyOjFOQnNuVnB4O"
    "VNWRDg4TXhDN3RQVUU2eHh1V3Qxd2lneUwiLCJwcml2YXRlX2tleSI6IjdiMjI2OTc2MjIzYTIyMzc2MTY0MzM2NDY2N"
    "jEzMjM0MzQzMDYyMzIzMzM2MzQ2NTM5MzM2MjYxMzUzMzM0Mzk2NDM0Mzk2MzM2NjIzMDIyMmMyMjY1NzA2ODY1NmQ2N"
    "TcyNjE2YzUwNGIyMjNhMjIzMDMyMzEzNzMyNjUzMjM1NjYzMDY0NjQzMjMxMzE2MzYzMzEzNTM5Mzc2MTMyMzEzMjMwN"
    "jQ2MTYxNjMzMTM4MzkzMTY0MzEzMzMwMzAzMjM5MzczOTY2MzAzOTMxMzU2NTM0MzczODMxMzczMjY1MzIzOTMxMzQzM"
    "zYzNjY2MzM1MzAyMjJjMjI2MzY5NzA2ODY1NzI1NDY1Nzg3NDIyM2EyMjY1NjIzODM5MzI2NDYxMzI2NTMzMzIzODM2M"
    "zk2MzY2MzYzMDMyMzkzNTM3MzYzMjM2MzMzOTM1MzkzNjMzNjUzOTYxMzYzODMwMzMzNzY2MzQzNjMzMzYzMzY1NjMzN"
    "DM4MzM2NTY2MzgzODYyNjM2MjY1NjYzMjYxMzk2NDMyMzAzNjYzNjMzNDM5Mzk2MzMxNjIzMjM0MzYzNDMwNjYzNDM2N"
    "jEzMjM1MzQzNDMyMzkzMjM4MzU2MTM4MzkzNjM3MzQ2NjY1MzAzODM1MzQzNzMxMzE2NDM2MzQzNTYzMzAzMzMxNjQzO"
    "TM1NjIzMTYyMzgzNzMzNjQzNTY2MzUzODM4NjQzNjY1NjYzMjM0Mzg2MjM5MzQzODM2MzY2MTM3NjM2MjYyMzQzMjY2N"
    "jEzNTMzNjEzODM1MzEzODM0MjIyYzIyNmQ2MTYzMjIzYTIyNjQ2NTMyNjIzNzYyMzE2NDYyMzMzMTMzNjU2MTMwMzMzN"
    "DYzMzYzMTMxMzkzMTM4MzYzMTY1MzQzODMzMzMzMDMzMzY2NjMyNjU2MjMzMzczMjMzMzIzMDYyMzA2MTYyMzMzMjM3N"
    "jI2MjYxMzQzODY2NjEzMjYxNjI2MjM4MzEyMjJjMjI3NzYxNzM1Mzc0NzI2OTZlNjcyMjNhNzQ3Mjc1NjU3ZCIsInB1Y"
    "mxpY19rZXlzIjpbIjAyZWQ5YjE3MmUzOTJmZDU5NWU3OTE4YWEwYzIxYTQwMWE2YmMxZmJhM2JmZDg5ODcyZDNiOTJmY"
    "WJkOTcxNzEwYyJdLCJhcHBQcml2YXRlS2V5RnJvbVdhbGxldFNhbHQiOm51bGwsInByb2ZpbGUiOnsic3R4QWRkcmVzc"
    "yI6eyJ0ZXN0bmV0IjoiU1RDNUtITTQxSDZXSEFTVDdNV1dERDgwN1lTUFJRS0o2OFQzMzBCUSIsIm1haW5uZXQiOiJTU"
    "EM1S0hNNDFINldIQVNUN01XV0REODA3WVNQUlFLSjY5RlNINTRKIn19LCJjb3JlX3Rva2VuIjpudWxsLCJlbWFpbCI6b"
    "nVsbCwicHJvZmlsZV91cmwiOm51bGwsImh1YlVybCI6Imh0dHBzOi8vaHViLmJsb2Nrc3RhY2sub3JnIiwiYmxvY2tzd"
    "GFja0FQSVVybCI6bnVsbCwiYXNzb2NpYXRpb25Ub2tlbiI6ImV5SjBlWEFpT2lKS1YxUWlMQ0poYkdjaU9pSkZVekkxT"
    "mtzaWZRLmV5SmphR2xzWkZSdlFYTnpiMk5wWVhSbElqb2lNREpoTm1ZMU5tWmpaak16Wm1RMU1UUmlaVGMyTkdFeVptW"
    "TRZbVV3T1RZek9Ua3daRGhqWXpkbE9XVTBZalEyTldRM016RmpaVGc1TXpOa05Ea3paV014SWl3aWFYTnpJam9pTURKb"
    "FpEbGlNVGN5WlRNNU1tWmtOVGsxWlRjNU1UaGhZVEJqTWpGaE5EQXhZVFppWXpGbVltRXpZbVprT0RrNE56SmtNMkk1T"
    "W1aaFltUTVOekUzTVRCaklpd2laWGh3SWpveE56WTNNakkxTmpBd0xDSnBZWFFpT2pFM016VTJPRGsyTURBc0luTmhiS"
    "FFpT2lKaU9HWXdPV1JrTUdabU5UazJOR1V5WmprMk9HSXlZVFkyWkdVMVpXUTVaQ0o5LlprNHY3RmhDZ0QxNGtyYjJFR"
    "VpCVS1RaHJUMmNleS0wbU9MODRuSklRWlVyUGNNY2N1OTh5RzRFWWVTTDFOMkVtOV9jbUJYRlFOMU1TMVpHSEJYSXBRI"
    "iwidmVyc2lvbiI6IjEuNC4wIn0.3GhezYHhwhn3_X-MQh5k3ig7KfJ7EYTqaE-07f6IvgVm-dxFxE1qHkd8Y_ru6e-wP"
    "S4o8R4O38rW-aUrjLaYsQ"
)


def forge(
    payload: dict[str, Any],
    key: str = TRANSIT,
    header: dict[str, Any] | None = None,
) -> str:
    """A token with any header and payload, validly signed over its exact bytes."""
    head = {"typ": "JWT", "alg": "ES256K"} if header is None else header
    return forge_raw(jsjson.dumps(head), jsjson.dumps(payload), key)


def forge_raw(header: bytes, payload: bytes, key: str = TRANSIT) -> str:
    """A token whose JSON segments are exactly these bytes (even invalid JSON), validly signed."""
    signing_input = b64url_encode(header) + "." + b64url_encode(payload)
    digest = hashlib.sha256(signing_input.encode()).digest()
    return signing_input + "." + b64url_encode(sign_digest(bytes.fromhex(key), digest))


def payload_of(token: str) -> dict[str, Any]:
    from authtokens import jwt

    return dict(jwt.decode(token).payload)
