"""The house in a form anyone can check: the import graph of authtokens, by floor.

    python tools/import_graph.py          # the graph, one module a line, and the floor check
    python tools/import_graph.py --dot    # Graphviz (pipe to `dot -Tsvg`)

Floors (see README "Layout"): 0 the error tree; 1 encodings and primitives; 2 the protocols
(pure: time comes in as ``now``/``clock``, storage behind protocols); 3 the edges (disk,
network, clock, frameworks). A module may import its own floor and the ones below. The
package facade (``authtokens/__init__``) re-exports floors 1 and 2 and resolves storage lazily.
Floors 1 and 2 also import none of the I/O modules in `IO_MODULES`, and read the wall clock
(``time``) only where ``now=None``/``clock=`` defaults are resolved (`CLOCK_DEFAULTS`).

Every import counts, function-level ones too; those under ``if TYPE_CHECKING:`` do not. Exit
status 1 when a rule is broken.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Set as AbstractSet
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("authtokens", "scopes")

FLOOR_0 = {"authtokens.errors"}
FLOOR_1 = {
    "authtokens._ripemd160",
    "authtokens.addresses",
    "authtokens.bip32",
    "authtokens.bip39",
    "authtokens.clarity",
    "authtokens.did",
    "authtokens.ecies",
    "authtokens.ed25519",
    "authtokens.encoding",
    "authtokens.hashes",
    "authtokens.jsjson",
    "authtokens.jwt",
    "authtokens.keys",
    "authtokens.origins",
    "authtokens.signatures",
    "authtokens.stacks_messages",
    "authtokens.wallet",
}
FLOOR_2_PREFIXES = ("authtokens.challenge",)
FLOOR_2 = {
    "authtokens.auth_request",
    "authtokens.auth_response",
    "authtokens.checks",
    "authtokens.claims",
    "authtokens.gaia",
    "authtokens.replay",
    "authtokens.scopes",
    "authtokens.sign_in",
    "authtokens.siws",
    "authtokens.urls",
    "scopes",
}
FLOOR_3_PREFIXES = (
    "authtokens.cli",
    "authtokens.integrations",
    "authtokens.server",
    "authtokens.stores",
    "authtokens.testing",
)
FLOOR_3 = {"authtokens.__main__", "authtokens.manifest"}
FACADE = "authtokens"

#: Standard-library and third-party modules that open files, sockets or processes, or are a
#: framework or storage client: the edges' business.
IO_MODULES = {
    "asyncio",
    "http",
    "httpx",
    "jwt",
    "redis",
    "socket",
    "sqlite3",
    "starlette",
    "subprocess",
    "urllib.request",
    "uvicorn",
    "websockets",
}
#: The pure modules that may import ``time``: where ``now=None`` / ``clock=time.time`` resolve.
CLOCK_DEFAULTS = {"authtokens.claims", "authtokens.replay"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = getattr(test, "id", None) or getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for sub in node.body:
                    lines.update(n.lineno for n in ast.walk(sub) if hasattr(n, "lineno"))
    return lines


def imports_of(
    path: Path, known: AbstractSet[str] = frozenset(), *, name: str | None = None
) -> set[str]:
    """Every module ``path`` imports (absolute names), function-level imports included.

    ``from pkg import a, b`` imports ``pkg.a`` and ``pkg.b`` when those are modules in
    ``known``; it counts as importing ``pkg`` itself only when some name is not a module.
    ``name`` is the module's own dotted name (default: from its path under the project root).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    name = name or module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    out: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package[: len(package) - (node.level - 1)]
                base = ".".join([*up, base] if base else up)
            subs = {f"{base}.{alias.name}" for alias in node.names}
            out.update(subs & known)
            if not subs <= known:
                out.add(base)
    return out


def graph() -> dict[str, set[str]]:
    """Project module -> the project modules it imports."""
    paths = {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}
    result: dict[str, set[str]] = {}
    for mod, path in paths.items():
        result[mod] = {m for m in imports_of(path, set(paths)) if m in paths and m != mod}
    return result


def floor(module: str) -> int | None:
    """The floor of a project module (None: the facade, or unclassified)."""
    if module in FLOOR_0:
        return 0
    if module in FLOOR_1:
        return 1
    if module in FLOOR_2 or module.startswith(FLOOR_2_PREFIXES):
        return 2
    if module in FLOOR_3 or module.startswith(FLOOR_3_PREFIXES):
        return 3
    return None


def violations() -> list[str]:
    """Every broken rule, as a sentence."""
    problems: list[str] = []
    edges = graph()
    for mod, targets in sorted(edges.items()):
        level = floor(mod)
        if mod == FACADE:
            level = 2
            targets = targets - {"authtokens.stores"}  # resolved lazily (PEP 562)
        elif level is None:
            problems.append(f"{mod} is on no floor: add it to tools/import_graph.py")
            continue
        for target in sorted(targets):
            target_level = 2 if target == FACADE else floor(target)
            if target_level is not None and target_level > level:
                problems.append(f"{mod} (floor {level}) imports {target} (floor {target_level})")
        if level in (1, 2):
            path = ROOT / (mod.replace(".", "/") + ".py")
            if not path.exists():
                path = ROOT / mod.replace(".", "/") / "__init__.py"
            external = imports_of(path)
            for io in sorted(IO_MODULES):
                if any(m == io or m.startswith(io + ".") for m in external):
                    problems.append(f"{mod} (floor {level}) imports {io}")
            if "time" in external and mod not in CLOCK_DEFAULTS:
                problems.append(f"{mod} (floor {level}) imports time (take now= or clock=)")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dot", action="store_true", help="print Graphviz instead")
    args = parser.parse_args(argv)
    edges = graph()
    if args.dot:
        print("digraph authtokens {\n  rankdir=BT;")
        for mod, targets in sorted(edges.items()):
            for target in sorted(targets):
                print(f'  "{mod}" -> "{target}";')
        print("}")
        return 0
    for mod in sorted(edges, key=lambda m: (floor(m) if floor(m) is not None else 9, m)):
        level = floor(mod)
        where = "facade" if mod == FACADE else f"floor {level}"
        print(f"[{where}] {mod} -> {', '.join(sorted(edges[mod])) or '-'}")
    problems = violations()
    print()
    print("\n".join(problems) if problems else "floors: every import goes down or sideways")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
