"""``authtokens siws create|verify`` and ``authtokens sign-message`` (spec siws.md §6 as the
fixed points)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import cli_runner

from authtokens.clarity import Cl, serialize_hex
from authtokens.cli import EXIT_OK, EXIT_REJECTED, EXIT_USAGE
from authtokens.cli.messages import clarity_from_json
from authtokens.stacks_messages import verify_message_signature, verify_structured_data

KEY = "e494f188c2d35887531ba474c433b1e41fadd8eb824aca983447fd4bb8b277a801"
PUBLIC = "02215340da140268f8a472af9c2b67952fe0a68337665482dae84886adea0945c1"
MAINNET = "SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY"
TESTNET = "ST3KC0MTNW34S1ZXD36JYKFD3JJMWA01M55DSJ4JE"
EXAMPLE_A = (
    "example.com wants you to sign in with your Stacks account:\n"
    "SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY\n\n\nURI: https://example.com/path\nVersion: 1\n"
    "Chain ID: 1\nNonce: foobarbaz1\nIssued At: 2026-11-30T00:00:00.000Z"
)
SIG_A = (
    "d4341c98f792236cb3ddda2ebb73bd36a7d8de2955eb37e75802057d18330a0a599a8f15440cff65a193a0b1b4"
    "bcd8862a542da2d8aff7ad5c048c0d33c775eb00"
)
DOMAIN_C = (
    "0c0000000308636861696e2d69640100000000000000000000000000000001046e616d650d0000000b4578616d"
    "706c65204170700776657273696f6e0d00000005312e302e30"
)
MESSAGE_C = (
    "0c0000000906616374696f6e0d000000077369676e2d696e06616d6f756e7400ffffffffffffffffffffffffff"
    "fffffb05666c6167730b000000020304086772656574696e670e0000000b68c3a96c6c6f20f09fa68a046d656d"
    "6f0a0200000004deadbeef056e6f6e63650d0000000a666f6f62617262617a3103726573070902746f0616a46f"
    "f88886c2ef9762d970b4d2c63678835bd39d0d736f6d652d636f6e74726163740377686f0516e6c05355e0c990"
    "ffad19a5e9bda394a9c5003429"
)
SIG_C = (
    "8c317c34f707b2d6ff03e8fc9f5cd40bcb3c9abfa39ee3686e980b2af7d440f252db46da4866b04170b3f954b3"
    "ba13478ea008766e1d8809036452f1824a9e1a01"
)
NOW = "2026-11-30T00:01:00Z"


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    return cli_runner(capsys, monkeypatch)


@pytest.fixture
def key_file(tmp_path: Path) -> str:
    path = tmp_path / "wallet.key"
    path.write_text(KEY + "\n")
    return str(path)


# --- siws create ----------------------------------------------------------------------------


def test_create_writes_spec_example_a(cli: Any) -> None:
    args = ["--domain", "example.com", "--address", MAINNET, "--uri", "https://example.com/path"]
    run = cli("siws", "create", *args, "--nonce", "foobarbaz1", "--issued-at", "1795996800")
    assert run.code == EXIT_OK
    assert run.out == EXAMPLE_A + "\n"


def test_create_every_field_json_and_a_fresh_nonce(cli: Any) -> None:
    run = cli(
        "siws", "create", "--json",
        "--domain", "app.example.org:8443", "--scheme", "https", "--address", TESTNET,
        "--uri", "https://app.example.org:8443/login", "--chain-id", "testnet",
        "--statement", "Sign in to Example. No fee.",
        "--issued-at", "2026-11-30T12:34:56.789Z",
        "--expiration-time", "2026-11-30T12:44:56.789Z",
        "--not-before", "2026-11-30T12:34:00.000Z", "--request-id", "req-42",
        "--resource", "ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/",
        "--resource", "https://example.com/my-web2-claim.json",
    )  # fmt: skip
    assert run.code == EXIT_OK
    body = run.json
    assert len(body["nonce"]) == 22
    assert body["message"].startswith("https://app.example.org:8443 wants you to sign in")
    assert "\nChain ID: 2147483648\n" in body["message"]
    assert body["message"].endswith(
        "\nRequest ID: req-42\nResources:\n- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4"
        "cjr3oz3evfyavhwq/\n- https://example.com/my-web2-claim.json"
    )
    assert f"Nonce: {body['nonce']}\n" in body["message"]


@pytest.mark.parametrize(
    "bad",
    [
        ["--domain", "not a domain"],
        ["--nonce", "short"],
        ["--uri", "no uri"],
        ["--address", "SP37JJX3D"],
        ["--statement", "two\nlines"],
    ],
)
def test_create_refuses_what_the_reference_refuses(cli: Any, bad: list[str]) -> None:
    args = {"--domain": "example.com", "--address": MAINNET, "--uri": "https://example.com/"}
    args |= dict(zip(bad[::2], bad[1::2], strict=True))
    run = cli("siws", "create", *[x for kv in args.items() for x in kv])
    assert run.code == EXIT_USAGE
    assert "error: " in run.err


# --- siws verify ----------------------------------------------------------------------------


def test_verify_prints_address_account_and_every_check(cli: Any) -> None:
    run = cli(
        "siws", "verify", EXAMPLE_A, "--signature", SIG_A, "--domain", "example.com",
        "--nonce", "foobarbaz1", "--uri", "https://example.com/path", "--chain-id", "1",
        "--address", MAINNET, "--public-key", PUBLIC, "--now", NOW,
    )  # fmt: skip
    assert run.code == EXIT_OK, run.out + run.err
    assert f"address:    {MAINNET}" in run.out
    assert f"account id: stacks:1:{MAINNET}" in run.out
    for name in ("message", "domain", "uri", "chain_id", "address", "nonce", "signature"):
        assert f"  pass  {name}\n" in run.out
    assert "FAIL" not in run.out
    assert run.out.rstrip().endswith("verified")


def test_verify_json_reports_each_failure_with_its_code(cli: Any) -> None:
    run = cli(
        "siws", "verify", "-", "--json", "--signature", SIG_A, "--domain", "evil.example",
        "--nonce", "otherNonce1", "--chain-id", "testnet", "--address", TESTNET,
        "--now", "2027-01-01T00:00:00Z", stdin=EXAMPLE_A,
    )  # fmt: skip
    assert run.code == EXIT_REJECTED
    body = run.json
    assert body["ok"] is False
    assert body["address"] == MAINNET
    assert body["account_id"] == f"stacks:1:{MAINNET}"
    codes = {c["name"]: c["code"] for c in body["checks"]}
    assert codes == {
        "message": "ok",
        "domain": "domain_mismatch",
        "uri": "uri_mismatch",
        "chain_id": "chain_mismatch",
        "address": "address_mismatch",
        "nonce": "nonce_mismatch",
        "issued_at": "too_old",
        "expiration_time": "ok",
        "not_before": "ok",
        "signature": "ok",
    }


def test_verify_a_forged_signature_and_a_missing_nonce_note(cli: Any) -> None:
    forged = SIG_A[:10] + ("0" if SIG_A[10] != "0" else "1") + SIG_A[11:]
    args = ["siws", "verify", EXAMPLE_A, "--domain", "example.com", "--now", NOW]
    run = cli(*args, "--signature", forged)
    assert run.code == EXIT_REJECTED
    assert "  FAIL  signature: bad_signature" in run.out
    assert "nonce was not checked" in run.err
    run = cli(*args, "--signature", SIG_A, "--public-key", "03" + PUBLIC[2:])
    assert "FAIL  signature: public_key_mismatch" in run.out


def test_verify_malformed_message_stops_at_the_parse(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "msg.txt"
    path.write_text("Hello\n" + EXAMPLE_A)
    run = cli(
        "siws", "verify", str(path), "--message-file", "--json", "--signature", SIG_A,
        "--domain", "example.com",
    )  # fmt: skip
    assert run.code == EXIT_REJECTED
    assert [(c["name"], c["code"]) for c in run.json["checks"]] == [
        ("message", "malformed_message")
    ]
    assert run.json["address"] is None


def test_verify_reads_escaped_newlines_from_an_argument(cli: Any) -> None:
    escaped = EXAMPLE_A.replace("\n", "\\n")
    run = cli("siws", "verify", escaped, "--signature", SIG_A, "--domain", "example.com")
    assert "  pass  signature" in run.out


# --- sign-message ---------------------------------------------------------------------------


def test_sign_message_gives_the_reference_signature(cli: Any, key_file: str) -> None:
    run = cli("sign-message", EXAMPLE_A, "--key-file", key_file, "--json")
    assert run.code == EXIT_OK
    assert run.json["signature"] == SIG_A
    assert run.json["public_key"] == PUBLIC
    assert run.json["address"] == MAINNET
    assert run.json["digest"] == "340fea0dcbae436c070f74fbf16a571f95d38bdbae678c1d1a1f07306b89986d"


def test_sign_message_key_from_stdin_never_echoed(cli: Any) -> None:
    run = cli("sign-message", "hello", "--network", "testnet", stdin=KEY)
    assert run.code == EXIT_OK
    assert KEY not in run.out + run.err
    assert f"address: {TESTNET}" in run.out
    signature = run.out.split("signature: ")[1].split()[0]
    assert verify_message_signature("hello", signature, address=MAINNET) == PUBLIC


def test_sign_message_stdin_cannot_carry_both(cli: Any) -> None:
    run = cli("sign-message", "-", stdin=KEY)
    assert run.code == EXIT_USAGE


def test_sign_structured_hex_gives_spec_example_c(cli: Any, key_file: str) -> None:
    run = cli(
        "sign-message", MESSAGE_C, "--structured", "--domain", "0x" + DOMAIN_C,
        "--key-file", key_file, "--json",
    )  # fmt: skip
    assert run.code == EXIT_OK
    assert run.json["signature"] == SIG_C
    assert run.json["digest"] == "783e49c094aa23803aa80a2957f2c9d58ed06c8be38dd99c3493d351db724570"


def test_sign_structured_json_equals_the_hex(cli: Any, key_file: str) -> None:
    message = {
        "type": "tuple",
        "value": {
            "action": {"type": "ascii", "value": "sign-in"},
            "amount": {"type": "int", "value": "-5"},
            "flags": {"type": "list", "value": [{"type": "true"}, {"type": "false"}]},
            "greeting": {"type": "utf8", "value": "héllo 🦊"},
            "memo": {"type": "some", "value": {"type": "buffer", "value": "deadbeef"}},
            "nonce": "foobarbaz1",
            "res": {"type": "ok", "value": {"type": "none"}},
            "to": {
                "type": "contract",
                "value": "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7.some-contract",
            },
            "who": {"type": "address", "value": MAINNET},
        },
    }
    domain = {"name": "Example App", "version": "1.0.0", "chain-id": 1}
    run = cli(
        "sign-message", json.dumps(message), "--structured", "--domain", json.dumps(domain),
        "--key-file", key_file, "--json",
    )  # fmt: skip
    assert run.code == EXIT_OK, run.err
    assert (run.json["domain"], run.json["message"]) == (DOMAIN_C, MESSAGE_C)
    assert run.json["signature"] == SIG_C
    assert verify_structured_data(SIG_C, domain=DOMAIN_C, message=MESSAGE_C) == PUBLIC


def test_sign_structured_stacks_js_key_order(cli: Any, key_file: str) -> None:
    message = {"a_b": 1, "a-b": 2, "B": 3}
    domain = {"name": "App", "version": "1", "chain-id": 1}
    run = cli(
        "sign-message", json.dumps(message), "--structured", "--domain", json.dumps(domain),
        "--key-file", key_file, "--key-order", "stacks.js", "--json",
    )  # fmt: skip
    assert run.code == EXIT_OK
    value = clarity_from_json(message)
    assert run.json["message"] == serialize_hex(value, key_order="stacks.js")
    assert run.json["message"] != serialize_hex(value)
    signature, domain_cv = run.json["signature"], clarity_from_json(domain)
    # With the address, verify tries both serialisations (recovery alone finds *some* key).
    assert verify_structured_data(signature, domain=domain_cv, message=value, address=MAINNET)


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--structured"], EXIT_USAGE),  # no --domain
        (["--domain", "{}"], EXIT_USAGE),  # --domain without --structured
        (["--structured", "--domain", '{"name": "x"}'], EXIT_USAGE),  # not a SIP-018 domain
        (["--structured", "--domain", "0c00"], EXIT_REJECTED),  # truncated Clarity hex
    ],
)
def test_sign_structured_refusals(cli: Any, key_file: str, argv: list[str], code: int) -> None:
    assert cli("sign-message", "1", "--key-file", key_file, *argv).code == code


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "uint", "value": -1},
        {"type": "uint", "value": "x"},
        {"type": "nope"},
        {"type": "list", "value": 5},
        {"type": "ascii", "value": "é"},
        {"type": "tuple", "value": {}},
        {"type": "ascii", "value": "a", "extra": 1},
        1.5,
    ],
)
def test_clarity_json_refusals(bad: Any) -> None:
    from authtokens.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError):
        clarity_from_json(bad)


def test_clarity_json_plain_forms() -> None:
    assert clarity_from_json([True, None, -1, "é"]) == Cl.list(
        [Cl.bool(True), Cl.none(), Cl.int(-1), Cl.string_utf8("é")]
    )
    deep: Any = 1
    for _ in range(40):
        deep = [deep]
    from authtokens.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError):
        clarity_from_json(deep)
