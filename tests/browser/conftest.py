"""Browser end-to-end tests: Debian's Chromium driven by Playwright for Python.

No browser is downloaded: Playwright launches the Chromium at ``$AUTHTOKENS_CHROMIUM`` (what
``tools/ensure-chromium.sh`` prints; ``make test`` sets it) or ``/usr/bin/chromium``. Without one
the tests are skipped, except under CI, where they must run. A failing test keeps a screenshot of
its page under ``browser-artifacts/`` at the repository root.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "browser-artifacts"

# The flags a closed network needs: without the background-networking ones Chromium keeps
# trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    for candidate in (
        os.environ.get("AUTHTOKENS_CHROMIUM"),
        shutil.which("chromium"),
        "/usr/bin/chromium",
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    reason = "chromium not found: run tools/ensure-chromium.sh or set AUTHTOKENS_CHROMIUM"
    if os.environ.get("CI"):
        pytest.fail(reason + " (the browser tests are required under CI)")
    pytest.skip(reason + "; the browser tests are SKIPPED")


@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    executable = chromium_path()
    instance = playwright_instance.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield instance
    finally:
        instance.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context()
    tab = context.new_page()
    messages: list[str] = []
    tab.on("console", lambda msg: messages.append(f"{msg.type}: {msg.text}"))
    tab.on("pageerror", lambda exc: messages.append(f"pageerror: {exc}"))
    try:
        yield tab
    finally:
        if request.node.stash.get(_FAILED, False):
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
            for index, open_page in enumerate(context.pages):
                open_page.screenshot(path=str(ARTIFACTS / f"{name}-{index}.png"), full_page=True)
            (ARTIFACTS / f"{name}.console.txt").write_text("\n".join(messages))
        context.close()
