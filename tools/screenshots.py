"""Take the README's screenshots: the dev wallet's consent page and the example app signed in.

    make screenshots        (writes examples/screenshots/*.png)

It starts `examples/fastapi_app.py` and `authtokens wallet` exactly as the browser tests do, and
drives Debian's Chromium through Playwright ($AUTHTOKENS_CHROMIUM or /usr/bin/chromium).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "browser")]

from playwright.sync_api import sync_playwright  # noqa: E402
from sites import example_with_wallet  # noqa: E402

OUT = ROOT / "examples" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    chromium = os.environ.get("AUTHTOKENS_CHROMIUM") or "/usr/bin/chromium"
    with (
        tempfile.TemporaryDirectory() as workdir,
        example_with_wallet(Path(workdir)) as apps,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 900, "height": 640})
        page.goto(apps.app + "/")
        page.click("#legacy-link")
        page.wait_for_selector("#approve")
        page.screenshot(path=str(OUT / "consent.png"))
        page.click("#approve")
        page.wait_for_selector("#user[data-signed-in=true]")
        page.screenshot(path=str(OUT / "signed-in.png"))
        page.goto(apps.app + "/")
        page.click("#siws-button")
        page.get_by_text("Connect a wallet").wait_for()
        page.wait_for_timeout(500)
        page.screenshot(path=str(OUT / "connect8-picker.png"))
        browser.close()
    for name in ("consent.png", "signed-in.png", "connect8-picker.png"):
        print(OUT / name)


if __name__ == "__main__":
    main()
