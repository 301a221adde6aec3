"""The governance view in a real browser: lineage, personal-data tags, checks, datasheet.

Starts `dagster dev` on 127.0.0.1 over the session's demo and drives Debian's chromium
through Playwright (its own browser download does not work here). Screenshots go to
docs/ for the README.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.e2e
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DOCS = REPO / "docs"
# Chromium flags for a closed network and a root user (see the machine notes).
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ui(demo) -> Iterator[str]:
    """`dagster dev` serving the demo's instance and data."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (make test installs Debian's package)")
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(demo.instance.root_directory),
           "DATAOPS_DATA_DIR": str(demo.data_dir)}
    proc = subprocess.Popen(
        [Path(sys.executable).parent / "dagster", "dev", "-h", "127.0.0.1", "-p", str(port),
         "-w", "workspace.yaml"], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{url}/server_info", timeout=2):
                    break
            except OSError:
                time.sleep(1)
        else:
            pytest.fail("dagster dev did not answer within 120 s")
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            # dagster dev waits for runs its sensors started; on a loaded machine that can
            # outlast the tests, and nothing of that run is asserted here.
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


@pytest.fixture(scope="module")
def page(ui):
    """A chromium page (Playwright, Debian's browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(60_000)
        yield page
        browser.close()


def test_lineage_graph_shows_the_stage_chain(ui, page):
    page.goto(f"{ui}/locations/dataops/asset-groups/loan_applications/lineage")
    for stage in ("intake", "cleaned", "validated", "pii_scan", "delivered", "datasheet"):
        page.get_by_text(stage, exact=True).first.wait_for()
    page.wait_for_timeout(1500)  # the graph animates into place
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "lineage.png"))


def test_delivered_asset_shows_pii_tags_and_checks(ui, page):
    page.goto(f"{ui}/assets/loan_applications/delivered?view=overview")
    page.get_by_text("PHONE_NUMBER (mask)").first.wait_for()
    page.get_by_text("credit-data@example.com").first.wait_for()  # owners
    page.goto(f"{ui}/assets/loan_applications/delivered?view=checks")
    page.get_by_text("pii_rescan_clean").first.wait_for()
    page.goto(f"{ui}/assets/loan_applications/validated?view=checks")
    page.get_by_text("cross_field_consistency").first.wait_for()


def test_datasheet_is_readable_in_the_ui(ui, page):
    page.goto(f"{ui}/assets/loan_applications/datasheet?view=overview")
    page.get_by_text("datasheet_path").first.wait_for()
    page.get_by_text("[Show Markdown]").first.click()  # the `datasheet` metadata entry
    title = page.get_by_text("Datasheet: loan_applications").first
    title.wait_for()
    title.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)  # let the dialog finish fading in before the screenshot
    page.screenshot(path=str(DOCS / "datasheet.png"), full_page=False)
    page.get_by_text("Changes since the previous version").first.wait_for()


def test_refresh_request_and_vendor_scorecard_in_the_ui(ui, page):
    # The drifted loan version's refresh request, with its evidence, is an asset event.
    page.goto(f"{ui}/assets/loan_applications/refresh_request?view=overview")
    page.get_by_text("dispatched").first.wait_for()
    page.get_by_text("reference_version").first.wait_for()
    page.goto(f"{ui}/assets/loan_applications/drift?view=checks")
    page.get_by_text("drift_within_threshold").first.wait_for()
    # The labeling batch's scorecard names the weak annotator.
    page.goto(f"{ui}/assets/support_ticket_labels/vendor_scorecard?view=overview")
    page.get_by_text("vendors_meeting_targets").first.wait_for()
    page.goto(f"{ui}/assets/support_ticket_labels/labeling?view=checks")
    page.get_by_text("labeling_gold_accuracy").first.wait_for()
