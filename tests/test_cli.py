from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import cli_runner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from protocol_helpers import (
    APP_KEY,
    EXAMPLE_A,
    EXAMPLE_B,
    IDENTITY,
    IDENTITY_PUB,
    MNEMONIC,
    NOW,
    OTHER,
    TRANSIT,
    TRANSIT_PUB,
    forge,
    payload_of,
)

import authtokens.cli.parser as cli_parser
from authtokens import decode_auth_response, make_auth_response, verify_auth_request
from authtokens.bip39 import validate_mnemonic
from authtokens.cli import EXIT_NETWORK, EXIT_OK, EXIT_REJECTED, EXIT_USAGE
from authtokens.gaia import make_association_token
from authtokens.keys import get_public_key

IDENTITY_ADDRESS = "1NBsnVpx9SVD88MxC7tPUE6xxuWt1wigyL"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    return cli_runner(capsys, monkeypatch)


@pytest.fixture
def transit_file(tmp_path: Path) -> str:
    path = tmp_path / "transit.key"
    path.write_text(TRANSIT + "\n")
    return str(path)


@pytest.fixture
def mnemonic_file(tmp_path: Path) -> str:
    path = tmp_path / "phrase.txt"
    path.write_text(MNEMONIC + "\n")
    return str(path)


# --- decode -------------------------------------------------------------------------------


def test_decode_request_shows_claims_iso_times_checks_and_scopes(cli: Any) -> None:
    run = cli("decode", EXAMPLE_A, "--now", str(NOW))
    assert run.code == EXIT_OK
    assert "type: authRequest" in run.out
    assert "iat: 1735689600 = 2025-01-01T00:00:00Z" in run.out
    assert "exp: 1735693200 = 2025-01-01T01:00:00Z" in run.out
    assert "pass  signature" in run.out
    assert "pass  redirect_uri" in run.out
    assert "publish_data: Publish data" in run.out
    assert "result: ok" in run.out


def test_decode_reports_failing_checks_and_exits_1(cli: Any) -> None:
    run = cli("decode", EXAMPLE_A, "--now", "2025-02-01T00:00:00Z")
    assert run.code == EXIT_REJECTED
    assert "FAIL  times: expired" in run.out
    assert "pass  signature" in run.out  # the other checks still ran
    assert "result: rejected" in run.out


def test_decode_response_with_transit_key_decrypts_without_printing_the_key(
    cli: Any, transit_file: str
) -> None:
    run = cli("decode", EXAMPLE_B, "--now", str(NOW), "--transit-key-file", transit_file)
    assert run.code == EXIT_OK
    assert "private_key: decrypted OK" in run.out
    assert get_public_key(APP_KEY) in run.out
    assert APP_KEY not in run.all
    assert TRANSIT not in run.all


def test_decode_shows_the_app_key_only_with_show_secrets(cli: Any, transit_file: str) -> None:
    run = cli(
        "decode", EXAMPLE_B, "--now", str(NOW), "--transit-key-file", transit_file, "--show-secrets"
    )
    assert run.code == EXIT_OK
    assert APP_KEY in run.out


def test_decode_with_the_wrong_transit_key_fails(cli: Any, tmp_path: Path) -> None:
    key = tmp_path / "other.key"
    key.write_text(OTHER)
    run = cli("decode", EXAMPLE_B, "--now", str(NOW), "--transit-key-file", str(key))
    assert run.code == EXIT_REJECTED
    assert "private_key: FAIL: decryption_failed" in run.out


def test_decode_transit_key_from_stdin(cli: Any) -> None:
    run = cli(
        "decode", EXAMPLE_B, "--now", str(NOW), "--transit-key-stdin", "--json", stdin=TRANSIT
    )
    assert run.code == EXIT_OK
    assert run.json["secrets"][0]["status"] == "decrypted"
    assert "value" not in run.json["secrets"][0]


def test_decode_request_with_its_transit_key_says_it_matches(cli: Any, transit_file: str) -> None:
    run = cli("decode", EXAMPLE_A, "--now", str(NOW), "--transit-key-file", transit_file)
    assert "transit key: matches the request" in run.out


def test_decode_json(cli: Any) -> None:
    run = cli("decode", EXAMPLE_B, "--now", str(NOW), "--json")
    assert run.code == EXIT_OK
    data = run.json
    assert data["ok"] is True
    assert data["type"] == "authResponse"
    assert data["header"] == {"typ": "JWT", "alg": "ES256K"}
    assert data["times"]["iat"] == "2025-01-01T00:00:00Z"
    assert data["payload"]["iss"] == f"did:btc-addr:{IDENTITY_ADDRESS}"
    assert {c["name"] for c in data["checks"]} >= {"signature", "issuer", "times"}
    assert all(c["passed"] for c in data["checks"])


def test_decode_redacts_a_plaintext_key_in_the_payload(cli: Any) -> None:
    token = make_auth_response(
        IDENTITY, app_private_key=APP_KEY, transit_public_key=None, allow_plaintext_key=True
    )
    hidden = cli("decode", token, "--json")
    assert APP_KEY not in hidden.all
    assert hidden.json["payload"]["private_key"].startswith("<redacted")
    shown = cli("decode", token, "--json", "--show-secrets")
    assert shown.json["payload"]["private_key"] == APP_KEY


def test_decode_other_tokens_checks_the_signature_with_a_public_key(cli: Any) -> None:
    token = make_association_token(IDENTITY, get_public_key(APP_KEY), now=NOW)
    run = cli("decode", token, "--json")  # iss is the identity public key
    assert run.json["type"] == "token"
    assert run.json["checks"] == [
        {"name": "signature", "passed": True, "code": "ok", "message": None}
    ]
    wrong = cli("decode", token, "--public-key", TRANSIT_PUB)
    assert wrong.code == EXIT_REJECTED
    assert "FAIL  signature: bad_signature" in wrong.out


def test_decode_other_token_without_key_says_so(cli: Any) -> None:
    run = cli("decode", forge({"hello": "world"}))
    assert run.code == EXIT_OK
    assert "signature not checked" in run.out


def test_decode_reads_stdin_and_urls(cli: Any) -> None:
    assert cli("decode", "-", "--now", str(NOW), stdin=EXAMPLE_A + "\n").code == EXIT_OK
    url = f"https://wallet.example/auth?authRequest={EXAMPLE_A}"
    assert cli("decode", url, "--now", str(NOW)).code == EXIT_OK
    callback = f"https://app.example.com/?authResponse={EXAMPLE_B}"
    assert cli("verify", callback, "--now", str(NOW)).code == EXIT_OK


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "....", "eyJ.eyJ.x", "\x00"])
def test_decode_garbage_is_a_clean_rejection(cli: Any, garbage: str) -> None:
    run = cli("decode", garbage)
    assert run.code == EXIT_REJECTED
    assert run.err.startswith("error: malformed: ")
    assert "Traceback" not in run.all


# --- verify -------------------------------------------------------------------------------


def test_verify_detects_request_and_response(cli: Any) -> None:
    request = cli("verify", EXAMPLE_A, "--now", str(NOW))
    assert request.code == EXIT_OK
    assert request.out.startswith("ok: authRequest from https://app.example.com")
    response = cli("verify", EXAMPLE_B, "--now", str(NOW), "--json")
    assert response.code == EXIT_OK
    assert response.json == {
        "ok": True,
        "type": "authResponse",
        "identity_address": IDENTITY_ADDRESS,
        "version": "1.4.0",
    }


def test_verify_with_transit_key_decrypts(cli: Any, transit_file: str) -> None:
    run = cli("verify", EXAMPLE_B, "--now", str(NOW), "--transit-key-file", transit_file, "--json")
    assert run.code == EXIT_OK
    assert run.json["app_public_key"] == get_public_key(APP_KEY)
    assert "app_private_key" not in run.json
    shown = cli(
        "verify", EXAMPLE_B, "--now", str(NOW), "--transit-key-file", transit_file, "--show-secrets"
    )
    assert APP_KEY in shown.out


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--now", "1735700000"], "expired"),
        (["--now", "1735689000"], "iat_in_future"),
        (["--now", str(NOW), "--max-lifetime", "60"], "lifetime_too_long"),
        (["--now", "1735693261", "--leeway", "0"], "expired"),
    ],
)
def test_verify_time_options(cli: Any, argv: list[str], code: str) -> None:
    run = cli("verify", EXAMPLE_A, *argv)
    assert run.code == EXIT_REJECTED
    assert f"error: {code}: " in run.err


def test_verify_leeway_accepts_small_skew(cli: Any) -> None:
    assert cli("verify", EXAMPLE_A, "--now", "1735693230").code == EXIT_OK


def test_verify_refuses_tampered_and_unsigned_tokens(cli: Any) -> None:
    payload = payload_of(EXAMPLE_A)
    head, _, signature = EXAMPLE_A.split(".")
    tampered = forge({**payload, "redirect_uri": "https://evil.example/"})
    run = cli("verify", tampered, "--now", str(NOW), "--json")
    assert run.code == EXIT_REJECTED
    assert "redirect_origin_mismatch" in [e["code"] for e in run.json["errors"]]
    swapped = forge({**payload, "scopes": ["email"]}).split(".")[1]
    resigned = cli("verify", f"{head}.{swapped}.{signature}", "--now", str(NOW))
    assert "error: bad_signature: " in resigned.err
    unsigned = forge(payload, header={"typ": "JWT", "alg": "none"})
    assert "error: unsigned: " in cli("verify", unsigned, "--now", str(NOW)).err


def test_verify_unknown_scopes_need_the_flag(cli: Any) -> None:
    token = forge({**payload_of(EXAMPLE_A), "scopes": ["store_write", "made_up"]})
    assert "error: invalid_scope: " in cli("verify", token, "--now", str(NOW)).err
    allowed = cli("verify", token, "--now", str(NOW), "--allow-unknown-scopes")
    assert allowed.code == EXIT_OK


def test_verify_type_override_and_unknown_shape(cli: Any) -> None:
    forced = cli("verify", EXAMPLE_A, "--now", str(NOW), "--type", "response")
    # a request is not a response (issue 11, item 6), whatever --type says
    assert forced.code == EXIT_REJECTED
    assert "wrong_token_type" in forced.err
    other = cli("verify", forge({"hello": "world"}))
    assert other.code == EXIT_REJECTED
    assert "error: malformed: " in other.err


# --- make-request / make-response ---------------------------------------------------------


def test_make_request_with_key_file(cli: Any, transit_file: str) -> None:
    run = cli(
        "make-request",
        "--transit-key-file",
        transit_file,
        "--app-domain",
        "https://app.example.com",
        "--scope",
        "store_write",
        "--scope",
        "email",
        "--app-name",
        "Demo",
        "--expires-in",
        "120",
        "--now",
        str(NOW),
    )
    assert run.code == EXIT_OK
    token = run.out.strip()
    request = verify_auth_request(token, now=NOW)
    assert request.public_key == TRANSIT_PUB
    assert [str(s) for s in request.scopes] == ["store_write", "email"]
    assert request.app_details == {"name": "Demo"}
    assert request.exp == NOW + 120
    assert TRANSIT not in run.all


def test_make_request_generated_key_is_not_printed_unless_asked(cli: Any, tmp_path: Path) -> None:
    run = cli("make-request", "--app-domain", "https://a.example", "--json")
    assert run.code == EXIT_OK
    assert set(run.json) == {"ok", "token", "url", "transit_public_key"}
    shown = cli("make-request", "--app-domain", "https://a.example", "--json", "--show-secrets")
    assert get_public_key(shown.json["transit_private_key"]) == shown.json["transit_public_key"]
    out = tmp_path / "k"
    kept = cli("make-request", "--app-domain", "https://a.example", "--transit-key-out", str(out))
    assert kept.code == EXIT_OK
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    request = verify_auth_request(kept.out.strip())
    assert request.public_key == get_public_key(out.read_text().strip())
    assert out.read_text().strip() not in kept.all


def test_make_request_authenticator_url(cli: Any, transit_file: str) -> None:
    run = cli(
        "make-request",
        "--transit-key-stdin",
        "--app-domain",
        "https://a.example",
        "--authenticator",
        "https://wallet.example/auth?lang=en",
        stdin=TRANSIT,
    )
    assert run.out.startswith("https://wallet.example/auth?lang=en&authRequest=ey")


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--app-domain", "https://a.example", "--scope", "nope"], "invalid_argument"),
        (["--app-domain", "ftp://a.example"], "invalid_argument"),
        (["--app-domain", "https://a.example", "--redirect-uri", "https://b.example/"], None),
        (["--app-domain", "https://a.example", "--transit-key-file", "/nonexistent/k"], None),
    ],
)
def test_make_request_usage_errors(cli: Any, argv: list[str], code: str | None) -> None:
    run = cli("make-request", *argv)
    assert run.code == EXIT_USAGE
    assert run.err.startswith("error: ")
    if code is not None:
        assert run.err.startswith(f"error: {code}: ")


def test_malformed_key_file_is_a_usage_error(cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.key"
    bad.write_text("not a key")
    run = cli("make-request", "--app-domain", "https://a.example", "--transit-key-file", str(bad))
    assert run.code == EXIT_USAGE
    assert run.err.startswith("error: invalid_key: ")


def test_make_response_answers_the_spec_request(cli: Any) -> None:
    run = cli("make-response", EXAMPLE_A, "--now", str(NOW), "--json", stdin=MNEMONIC)
    assert run.code == EXIT_OK
    data = run.json
    assert data["identity_address"] == IDENTITY_ADDRESS
    assert data["app_domain"] == "https://app.example.com"
    assert "app_private_key" not in data
    user = decode_auth_response(data["token"], TRANSIT, now=NOW)
    assert user.app_private_key == APP_KEY
    assert data["redirect_url"].startswith("https://app.example.com/?authResponse=ey")
    assert APP_KEY not in run.all
    assert MNEMONIC not in run.all


def test_make_response_reads_the_request_from_stdin_with_a_mnemonic_file(
    cli: Any, mnemonic_file: str
) -> None:
    run = cli(
        "make-response", "-", "--mnemonic-file", mnemonic_file, "--now", str(NOW), stdin=EXAMPLE_A
    )
    assert run.code == EXIT_OK
    assert decode_auth_response(run.out.strip(), TRANSIT, now=NOW).app_private_key == APP_KEY


def test_make_response_redirect_and_secrets(cli: Any, mnemonic_file: str) -> None:
    run = cli(
        "make-response",
        EXAMPLE_A,
        "--mnemonic-file",
        mnemonic_file,
        "--now",
        str(NOW),
        "--redirect",
        "--show-secrets",
    )
    assert run.out.startswith("https://app.example.com/?authResponse=")
    assert APP_KEY in run.err


def test_make_response_account_and_hub(cli: Any) -> None:
    run = cli(
        "make-response",
        EXAMPLE_A,
        "--now",
        str(NOW),
        "--account",
        "1",
        "--hub-url",
        "https://hub.example.org",
        "--json",
        stdin=MNEMONIC,
    )
    user = decode_auth_response(run.json["token"], TRANSIT, now=NOW)
    assert user.identity_address != IDENTITY_ADDRESS
    assert user.hub_url == "https://hub.example.org"


def test_make_response_refuses_an_expired_request(cli: Any) -> None:
    run = cli("make-response", EXAMPLE_A, "--now", "1735700000", stdin=MNEMONIC)
    assert run.code == EXIT_REJECTED
    assert run.err.startswith("error: expired: ")
    assert run.out == ""


def test_make_response_stdin_cannot_carry_both(cli: Any) -> None:
    run = cli("make-response", "-", stdin=EXAMPLE_A)
    assert run.code == EXIT_USAGE
    assert "stdin can carry only one input" in run.err


def test_invalid_mnemonic_is_a_usage_error_without_echo(cli: Any) -> None:
    phrase = "zebra " * 11 + "wrong"
    run = cli("make-response", EXAMPLE_A, "--now", str(NOW), stdin=phrase)
    assert run.code == EXIT_USAGE
    assert run.err.startswith("error: invalid_mnemonic: ")
    assert "zebra" not in run.all


@pytest.mark.parametrize(
    "argv",
    [
        ["derive", *MNEMONIC.split()],
        ["derive", MNEMONIC],
        ["derive", "--mnemonic", MNEMONIC],
        ["make-response", EXAMPLE_A, "--mnemonic", MNEMONIC],
        ["make-response", EXAMPLE_A, MNEMONIC],
    ],
)
def test_mnemonic_is_never_accepted_from_argv_nor_echoed(cli: Any, argv: list[str]) -> None:
    run = cli(*argv)
    assert run.code == EXIT_USAGE
    assert "abandon" not in run.all
    assert "error: usage: " in run.err


def test_mnemonic_file_path_is_not_echoed(cli: Any) -> None:
    run = cli("derive", "--mnemonic-file", "abandon abandon about")
    assert run.code == EXIT_USAGE
    assert "abandon" not in run.all


# --- derive / keygen ----------------------------------------------------------------------


def test_derive_public_values_by_default(cli: Any) -> None:
    run = cli("derive", "--app-domain", "https://app.example.com/", stdin=MNEMONIC)
    assert run.code == EXIT_OK
    assert IDENTITY_ADDRESS in run.out
    assert IDENTITY_PUB in run.out
    assert "SPC5KHM41H6WHAST7MWWDD807YSPRQKJ69FSH54J" in run.out
    assert "app https://app.example.com\n" in run.out  # the origin, as wallets derive it
    assert get_public_key(APP_KEY) in run.out
    assert APP_KEY not in run.all
    assert IDENTITY not in run.all


def test_derive_json_with_secrets(cli: Any, mnemonic_file: str) -> None:
    run = cli(
        "derive",
        "--mnemonic-file",
        mnemonic_file,
        "--accounts",
        "2",
        "--app-domain",
        "https://app.example.com",
        "--json",
        "--show-secrets",
    )
    data = run.json
    assert [a["index"] for a in data["accounts"]] == [0, 1]
    first = data["accounts"][0]
    assert first["identity_private_key"] == IDENTITY
    assert first["apps"][0]["private_key"] == APP_KEY
    assert len(data["salt"]) == 64


def test_derive_exact_domain_changes_the_key(cli: Any) -> None:
    run = cli(
        "derive",
        "--account",
        "0",
        "--account",
        "3",
        "--app-domain",
        "https://app.example.com/",
        "--exact-domain",
        "--json",
        stdin=MNEMONIC,
    )
    assert [a["index"] for a in run.json["accounts"]] == [0, 3]
    assert run.json["accounts"][0]["apps"][0]["public_key"] != get_public_key(APP_KEY)


def test_derive_bad_arguments(cli: Any) -> None:
    assert cli("derive", "--accounts", "0", stdin=MNEMONIC).code == EXIT_USAGE
    assert cli("derive", "--account", "-1", stdin=MNEMONIC).code == EXIT_USAGE
    assert cli("derive", "--app-domain", "ftp://x", stdin=MNEMONIC).code == EXIT_USAGE


def test_keygen_prints_only_public_values(cli: Any) -> None:
    run = cli("keygen", "--json")
    assert run.code == EXIT_OK
    assert set(run.json) == {"ok", "kind", "public_key", "address"}
    text = cli("keygen")
    assert "public key: 0" in text.out
    assert "neither shown" in text.err


def test_keygen_secret_with_show_secrets_or_out(cli: Any, tmp_path: Path) -> None:
    shown = cli("keygen", "--show-secrets", "--json")
    assert get_public_key(shown.json["private_key"]) == shown.json["public_key"]
    out = tmp_path / "transit.key"
    saved = cli("keygen", "--out", str(out), "--json")
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert get_public_key(out.read_text().strip()) == saved.json["public_key"]
    assert out.read_text().strip() not in saved.all
    again = cli("keygen", "--out", str(out))
    assert again.code == EXIT_USAGE
    assert "not overwriting" in again.err


@pytest.mark.parametrize("words", ["12", "24"])
def test_keygen_mnemonic(cli: Any, words: str) -> None:
    hidden = cli("keygen", "--mnemonic", "--words", words, "--json")
    assert "mnemonic" not in hidden.json
    assert hidden.json["identity_address"].startswith("1")
    shown = cli("keygen", "--mnemonic", "--words", words, "--show-secrets", "--json")
    phrase = shown.json["mnemonic"]
    assert len(phrase.split()) == int(words)
    assert validate_mnemonic(phrase) == phrase


def test_keygen_rejects_other_word_counts(cli: Any) -> None:
    assert cli("keygen", "--mnemonic", "--words", "13").code == EXIT_USAGE


# --- serve, parsing, exit codes -----------------------------------------------------------


def test_serve_without_the_extra_explains_and_exits_2(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_parser, "register_server", lambda sub: False)
    run = cli("serve", "--port", "1")
    assert run.code == EXIT_USAGE
    assert "authtokens[server]" in run.err


def test_serve_is_wired_when_the_extra_is_installed(cli: Any) -> None:
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    run = cli("serve", "--help")
    assert run.code == EXIT_OK
    assert "--allowed-origin" in run.out


def test_no_command_and_bad_options_are_usage_errors(cli: Any) -> None:
    assert cli().code == EXIT_USAGE
    assert cli("decode").code == EXIT_USAGE
    assert cli("verify", EXAMPLE_A, "--now", "yesterday").code == EXIT_USAGE
    assert cli("verify", EXAMPLE_A, "--leeway", "-5").code == EXIT_USAGE
    assert cli("--version").code == EXIT_OK


def test_now_accepts_iso_times(cli: Any) -> None:
    assert cli("verify", EXAMPLE_A, "--now", "2025-01-01T00:30:00+00:00").code == EXIT_OK
    assert cli("verify", EXAMPLE_A, "--now", "2025-01-01T00:30:00").code == EXIT_OK  # UTC


def test_json_errors_are_json_too(cli: Any) -> None:
    run = cli("verify", "abc", "--json")
    assert run.code == EXIT_REJECTED
    assert run.json == {
        "ok": False,
        "error": {"code": "malformed", "message": run.json["error"]["message"]},
    }


def test_exit_codes_are_distinct() -> None:
    assert len({EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_NETWORK}) == 4


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=st.text(max_size=120), command=st.sampled_from(["decode", "verify"]))
def test_any_input_gives_an_exit_code_not_a_traceback(cli: Any, token: str, command: str) -> None:
    if token.startswith("-"):
        token = " " + token
    run = cli(command, token)
    assert run.code in (EXIT_OK, EXIT_REJECTED, EXIT_USAGE)


# --- as a program -------------------------------------------------------------------------


def test_python_m_authtokens_round_trip(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def run(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "authtokens", *argv],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            check=False,
            timeout=60,
        )

    key = tmp_path / "transit.key"
    request = run(
        "make-request", "--app-domain", "http://localhost:3000", "--transit-key-out", str(key)
    )
    assert request.returncode == 0, request.stderr
    phrase = tmp_path / "phrase"
    phrase.write_text(MNEMONIC)
    response = run("make-response", "-", "--mnemonic-file", str(phrase), stdin=request.stdout)
    assert response.returncode == 0, response.stderr
    verified = run("verify", "-", "--transit-key-file", str(key), "--json", stdin=response.stdout)
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["identity_address"] == IDENTITY_ADDRESS
    bad = run("verify", "not-a-token")
    assert bad.returncode == 1
    assert bad.stderr.startswith("error: malformed: ")
    assert "Traceback" not in bad.stderr


def test_decode_fetch_manifest_network_failure_exits_3(cli: Any) -> None:
    import socket

    from authtokens import make_auth_request

    with socket.socket() as probe:  # a port nothing listens on once this closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = make_auth_request(TRANSIT, app_domain=f"http://127.0.0.1:{port}", now=NOW)
    run = cli("decode", token, "--now", str(NOW), "--fetch-manifest")
    assert run.code == EXIT_NETWORK
    assert run.err.startswith("error: manifest_unreachable: ")
