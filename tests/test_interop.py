"""Artifacts made here are accepted by the reference JS libraries (tools/interop.py)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from authtokens import (
    clarity,
    decode_auth_response,
    ecies,
    jwt,
    stacks_messages,
    verify_auth_request,
)

ROOT = Path(__file__).resolve().parent.parent


def _load_interop() -> ModuleType:
    spec = importlib.util.spec_from_file_location("interop_tool", ROOT / "tools" / "interop.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


interop = _load_interop()
_MISSING = interop.node_available()
needs_node = pytest.mark.skipif(
    _MISSING is not None, reason=f"reference check unavailable: {_MISSING}"
)


def test_cases_cover_every_section_and_are_seeded() -> None:
    first = interop.build_cases("fixed-seed")
    again = interop.build_cases("fixed-seed")
    assert set(first) == {
        "jwt",
        "ecies",
        "wrapped_keys",
        "auth_requests",
        "auth_responses",
        "message_signatures",
        "sip018",
        "addresses",
        "clarity",
    }
    assert all(first[section] for section in first)
    # Keys and payloads follow the seed; ECIES nonces do not.
    assert [c["public_key"] for c in first["jwt"]] == [c["public_key"] for c in again["jwt"]]
    assert [c["expected"] for c in first["wrapped_keys"]] == [
        c["expected"] for c in again["wrapped_keys"]
    ]
    other = interop.build_cases("other-seed")
    assert first["jwt"][0]["public_key"] != other["jwt"][0]["public_key"]


def test_cases_are_accepted_by_this_library_too() -> None:
    cases = interop.build_cases("self-check")
    for case in cases["jwt"]:
        jwt.verify(case["token"], case["public_key"])
    for case in cases["ecies"]:
        plain = ecies.decrypt(case["private_key"], case["cipher"])
        if "plaintext_str" in case:
            assert plain == case["plaintext_str"]
        else:
            assert plain == bytes.fromhex(case["plaintext_hex"])
    for case in cases["wrapped_keys"]:
        assert (
            ecies.unwrap_private_key(case["private_key"], case["wrapped_hex"]) == case["expected"]
        )
    for case in cases["auth_requests"]:
        verify_auth_request(case["token"], now=case["now_ms"] / 1000, allow_unknown_scopes=True)
    for case in cases["auth_responses"]:
        user = decode_auth_response(
            case["token"], case["transit_private_key"], now=case["now_ms"] / 1000
        )
        assert user.app_private_key == case["expected_app_private_key"]
    for case in cases["message_signatures"]:
        got = stacks_messages.verify_message_signature(
            case["message"], case["signature"], address=case["address"]
        )
        assert got == case["public_key"]
    for case in cases["sip018"]:
        got = stacks_messages.verify_structured_data(
            case["signature"], domain=case["domain_hex"], message=case["message_hex"]
        )
        assert got == case["public_key"]
    for case in cases["clarity"]:
        assert clarity.serialize_hex(clarity.deserialize(case["hex"])) == case["hex"]


@needs_node
def test_reference_accepts_every_artifact(tmp_path: Path) -> None:
    cases = interop.build_cases("pytest-interop")
    total = sum(len(v) for v in cases.values())
    path = tmp_path / "interop.json"
    path.write_text(json.dumps(cases, ensure_ascii=False))
    passed, failed, output = interop.run_check(path)
    assert (passed, failed) == (total, 0), output


@needs_node
def test_reference_check_can_fail(tmp_path: Path) -> None:
    """The harness must notice a broken artifact, or the test above proves nothing."""
    cases = interop.build_cases("pytest-negative")
    token = cases["auth_responses"][0]["token"]
    head, payload, signature = token.split(".")
    cases["auth_responses"][0]["token"] = f"{head}.{payload}.{signature[::-1]}"
    cases["wrapped_keys"][0]["expected"] = "00" * 32
    cases["message_signatures"][0]["message"] += "!"
    cases["sip018"][0]["public_key"] = cases["sip018"][1]["public_key"]
    cases["addresses"][1]["mainnet"] = cases["addresses"][0]["mainnet"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(cases, ensure_ascii=False))
    passed, failed, _ = interop.run_check(path)
    assert failed == 5
    assert passed == sum(len(v) for v in cases.values()) - 5


@needs_node
def test_command_line_reports_all_passed(capsys: pytest.CaptureFixture[str]) -> None:
    assert interop.main(["--seed", "pytest-cli"]) == 0
    out = capsys.readouterr().out
    assert "97 passed, 0 failed" in out
    assert "interop (seed pytest-cli)" in out
