"""``decode`` and ``verify``: look at a token and say whether it is accepted."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from typing import Any

from .. import jwt
from ..addresses import btc_address
from ..auth_request import check_auth_request
from ..auth_response import check_auth_response
from ..checks import Check
from ..ecies import unwrap_private_key
from ..encoding import is_hex
from ..errors import AuthTokenError, InvalidKeyError, InvalidTokenError, MalformedTokenError
from ..keys import get_public_key
from ..scopes import describe_scope
from ..sign_in import decode_auth_response
from .console import (
    EXIT_OK,
    EXIT_REJECTED,
    NAMES,
    SECRET_FIELDS,
    TIME_CLAIMS,
    abbreviate,
    check_json,
    check_stdin,
    emit_json,
    is_wrapped,
    iso,
    print_error,
    read_token,
    read_transit_key,
    redacted,
    say,
    token_kind,
)

# --- decode -------------------------------------------------------------------------------


def _other_token_checks(
    token: str, payload: dict[str, Any], public_key: str | None
) -> tuple[list[Check], str | None]:
    """Signature check of a token that is neither request nor response."""
    if public_key is None:
        iss = payload.get("iss")
        if isinstance(iss, str) and len(iss) in (66, 130) and is_hex(iss):
            public_key = iss  # e.g. a Gaia association token names its key in iss
    if public_key is None:
        return [], "signature not checked (give --public-key)"
    try:
        jwt.verify(token, public_key)
    except InvalidTokenError as exc:
        return [Check("signature", exc)], None
    return [Check("signature", None)], None


def _secret_report(
    name: str, value: Any, transit: str, show_secrets: bool
) -> tuple[dict[str, Any], bool]:
    """What decrypting one secret field gave (and whether that counts as a failure)."""
    if value is None:
        return {"field": name, "status": "absent"}, False
    if not isinstance(value, str) or not is_wrapped(value):
        report: dict[str, Any] = {"field": name, "status": "not_encrypted"}
        if show_secrets:
            report["value"] = value
        return report, name == "private_key"
    try:
        plain = unwrap_private_key(transit, value)
    except InvalidTokenError as exc:
        return {"field": name, "status": "failed", "code": exc.code}, True
    report = {"field": name, "status": "decrypted"}
    if name != "core_token":
        try:
            report["public_key"] = get_public_key(plain)
            report["address"] = btc_address(report["public_key"])
        except InvalidKeyError:
            return {"field": name, "status": "failed", "code": "invalid_claim"}, True
    if show_secrets:
        report["value"] = plain
    return report, False


def cmd_decode(args: argparse.Namespace) -> int:
    check_stdin(args)
    token = read_token(args)
    transit = read_transit_key(args)
    decoded = jwt.decode(token)
    payload = decoded.payload
    kind = token_kind(payload, args.type)
    now = time.time() if args.now is None else args.now
    note = None
    options: dict[str, Any] = {"now": now, "leeway": args.leeway, "max_lifetime": args.max_lifetime}
    request = None
    if kind == "request":
        request, checks = check_auth_request(
            token, allow_unknown_scopes=args.allow_unknown_scopes, **options
        )
    elif kind == "response":
        _, checks = check_auth_response(token, **options)
    else:
        checks, note = _other_token_checks(token, payload, args.public_key)
    secrets: list[dict[str, Any]] = []
    failed = not all(c.passed for c in checks)
    if transit is not None and kind == "response":
        for name in SECRET_FIELDS:
            report, bad = _secret_report(name, payload.get(name), transit, args.show_secrets)
            if report["status"] != "absent":
                secrets.append(report)
            failed = failed or bad
    elif transit is not None and kind == "request":
        matches = payload.get("public_keys") == [get_public_key(transit)]
        secrets.append({"field": "transit_key", "status": "matches" if matches else "differs"})
        failed = failed or not matches
    display = None
    if args.fetch_manifest and request is not None:
        from ..manifest import app_display, fetch_manifest

        app_name, app_icon = app_display(request, fetch_manifest(request))
        display = {"name": app_name, "icon": app_icon}
    times = {
        k: {"value": payload[k], "iso": iso(payload[k])}
        for k in TIME_CLAIMS
        if isinstance(payload.get(k), int | float) and not isinstance(payload.get(k), bool)
    }
    shown = redacted(payload, args.show_secrets)
    if args.json:
        emit_json(
            {
                "ok": not failed,
                "type": NAMES[kind],
                "header": decoded.header,
                "payload": shown,
                "times": {k: v["iso"] for k, v in times.items()},
                "checked_at": iso(now),
                "checks": [check_json(c) for c in checks],
                "note": note,
                "secrets": secrets,
                "app": display,
            }
        )
    else:
        _print_decoded(kind, decoded.header, shown, times, checks, now, note, secrets, display)
        if request is not None:
            say("scopes asked for:")
            for scope in request.scopes:
                say(f"  {scope}: {describe_scope(scope)}")
        say("result: " + ("rejected" if failed else "ok"))
    return EXIT_REJECTED if failed else EXIT_OK


def _print_decoded(
    kind: str,
    header: dict[str, Any],
    payload: dict[str, Any],
    times: dict[str, dict[str, Any]],
    checks: list[Check],
    now: float,
    note: str | None,
    secrets: list[dict[str, Any]],
    display: dict[str, Any] | None,
) -> None:
    say(f"type: {NAMES[kind]}")
    say("header: " + json.dumps(header, ensure_ascii=False))
    say("claims:")
    for line in json.dumps(abbreviate(payload), indent=2, ensure_ascii=False).splitlines()[1:-1]:
        say(line)
    for name, value in times.items():
        say(f"{name}: {value['value']} = {value['iso']}")
    say(f"checks (at {iso(now)}):")
    for check in checks:
        if check.error is None:
            say(f"  pass  {check.name}")
        else:
            say(f"  FAIL  {check.name}: {check.code}: {check.error.message}")
    if note:
        say(f"  {note}")
    for item in secrets:
        say(_secret_line(item))
    if display is not None:
        say(f"app (manifest): name {display['name']!r}, icon {display['icon']!r}")


def _secret_line(item: dict[str, Any]) -> str:
    field, status = item["field"], item["status"]
    if field == "transit_key":
        return f"transit key: {'matches' if status == 'matches' else 'DOES NOT MATCH'} the request"
    if status == "failed":
        return f"{field}: FAIL: {item['code']}"
    if status == "not_encrypted":
        line = f"{field}: NOT ENCRYPTED"
    else:
        line = f"{field}: decrypted OK"
        if "public_key" in item:
            line += f" (public key {item['public_key']}, address {item['address']})"
    if "value" in item:
        line += f"\n  value: {item['value']}"
    elif status == "decrypted":
        line += "; --show-secrets prints it"
    return line


# --- verify -------------------------------------------------------------------------------


def _report_failures(args: argparse.Namespace, kind: str, errors: Sequence[AuthTokenError]) -> int:
    for exc in errors:
        print_error(exc.code, exc.message)
    if args.json:
        emit_json(
            {
                "ok": False,
                "type": NAMES[kind],
                "errors": [{"code": e.code, "message": e.message} for e in errors],
            }
        )
    return EXIT_REJECTED


def cmd_verify(args: argparse.Namespace) -> int:
    check_stdin(args)
    token = read_token(args)
    transit = read_transit_key(args)
    kind = token_kind(jwt.decode(token).payload, args.type)
    if kind == "token":
        raise MalformedTokenError("not an authRequest or authResponse (use --type)")
    now = time.time() if args.now is None else args.now
    options: dict[str, Any] = {"now": now, "leeway": args.leeway, "max_lifetime": args.max_lifetime}
    result: dict[str, Any] = {"ok": True, "type": NAMES[kind]}
    if kind == "request":
        request, checks = check_auth_request(
            token, allow_unknown_scopes=args.allow_unknown_scopes, **options
        )
        failures = [c.error for c in checks if c.error is not None]
        if request is None or failures:
            return _report_failures(args, kind, failures)
        result.update(
            origin=request.origin,
            redirect_uri=request.redirect_uri,
            scopes=[str(s) for s in request.scopes],
            jti=request.jti,
            expires=None if request.exp is None else iso(request.exp),
        )
        text = f"ok: authRequest from {request.origin} (scopes: "
        text += ", ".join(str(s) for s in request.scopes) + ")"
    else:
        response, checks = check_auth_response(token, **options)
        failures = [c.error for c in checks if c.error is not None]
        if response is None or failures:
            return _report_failures(args, kind, failures)
        result.update(identity_address=response.identity_address, version=response.version)
        text = f"ok: authResponse from {response.identity_address}"
        if transit is not None:
            try:
                user = decode_auth_response(token, transit, **options)
            except InvalidTokenError as exc:
                return _report_failures(args, kind, [exc])
            app_key = user.app_private_key
            result["hub_url"] = user.hub_url
            result["app_public_key"] = None if app_key is None else get_public_key(app_key)
            if args.show_secrets:
                result["app_private_key"] = app_key
            text += "; app key " + ("absent" if app_key is None else "decrypted OK")
            if args.show_secrets and app_key is not None:
                text += f": {app_key}"
    if args.json:
        emit_json(result)
    else:
        say(text)
    return EXIT_OK
