"""Browser tests: the real app under uvicorn (in a thread), the test Neo4j holding the demo
county, and Debian's Chromium driven by Playwright. Playwright's own browser download is not
reachable here, so the system binary is launched by path; without it the tests are skipped,
except in CI (CI=true), where a missing browser is a failure."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from catalog.app import create_app
from catalog.demo.load import edit_and_harvest, load
from catalog.demo.workflows import start_workflows
from catalog.settings import get_settings
from catalog.store.driver import Store
from tests.conftest import ROOT, missing_server, wipe

CHROMIUM = Path(os.environ.get("CATALOG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# Each page type's screenshot, kept as a test artefact.
SCREENSHOTS = ROOT / ".data" / "screenshots"


@pytest.fixture(scope="package")
def demo_county(store: Store) -> Store:
    """The demo county, as `make demo` loads it (a manual edit, two harvests and the workflows in
    progress included)."""
    wipe(store)
    load(store)
    edit_and_harvest(store)
    start_workflows(store)
    return store


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="package")
def server(demo_county: Store, tokens) -> Iterator[str]:
    """The app in development mode (sign-in by picking a role), on a free loopback port."""
    previous = os.environ.get("CATALOG_SOURCES_FILE")
    os.environ["CATALOG_SOURCES_FILE"] = str(ROOT / "catalog" / "demo" / "sources.yaml")
    get_settings.cache_clear()
    port = _free_port()
    instance = uvicorn.Server(uvicorn.Config(create_app(demo_county, dev=True), host="127.0.0.1", port=port,
                                             log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        if instance.started:
            break
        time.sleep(0.05)
    assert httpx.get(f"{base}/healthz").status_code == 200
    yield base
    instance.should_exit = True
    thread.join(timeout=10)
    if previous is None:
        os.environ.pop("CATALOG_SOURCES_FILE")
    else:
        os.environ["CATALOG_SOURCES_FILE"] = previous
    get_settings.cache_clear()


@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        missing_server(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
                                              args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser, server):
    """A fresh browser profile (no session yet), in bokmål unless a test asks otherwise."""
    made = browser.new_context(base_url=server, locale="nb-NO", viewport={"width": 1280, "height": 900},
                               accept_downloads=True)
    made.set_default_timeout(60_000)
    yield made
    made.close()


@pytest.fixture
def api(server, tokens):
    """The API itself, as the oracle the pages are compared with."""
    with httpx.Client(base_url=f"{server}/api/v1", headers={"Authorization": f"Bearer {tokens['admin']}"},
                      timeout=60) as client:
        yield client


def sign_in(page, role: str, person_name: str | None = None) -> None:
    """Sign in through the development sign-in page, as a user would."""
    page.goto("/signin")
    if person_name:
        page.get_by_role("button", name=person_name, exact=True).click()
    else:
        page.locator(f"form[action='/signin/dev'] button[value='{role}']").click()
    page.wait_for_url("**/")


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
