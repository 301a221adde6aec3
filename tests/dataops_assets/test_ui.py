"""The governance view in a real browser: lineage, personal-data tags, checks, datasheet,
and the governance portal the datasheets link to.

Starts `dagster dev` on 127.0.0.1 over the session's demo, serves the demo's portal with
`dataops portal serve` at the address its datasheets link to, and drives Debian's chromium
through Playwright (its own browser download does not work here). Screenshots go to
docs/ for the README.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest

from dataops_assets.definitions import build_definitions
from dataops_assets.keys import datasheet_job_name
from dataops_assets.portal.resources import PORTAL_URL_ENV
from governance.settings import datasheets_dir_for
from tests.conftest import CONTRACTS_DIR, REPO

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
           "DATAOPS_DATA_DIR": str(demo.data_dir), "DATAOPS_PORTAL_URL": demo.portal_url}
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


def _stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def portal(demo) -> Iterator[str]:
    """`dataops portal serve` serving the demo's portal where its datasheets link to."""
    port = demo.portal_url.rsplit(":", 1)[1]
    env = {**os.environ, "DATAOPS_DATA_DIR": str(demo.data_dir)}
    proc = subprocess.Popen(
        [Path(sys.executable).parent / "dataops", "portal", "serve", "--port", port],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        for _ in range(60):
            try:
                with urllib.request.urlopen(f"{demo.portal_url}/", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("dataops portal serve did not answer within 30 s")
        yield demo.portal_url
    finally:
        _stop(proc)


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


def test_datasheet_asset_links_to_its_portal_page(demo, ui, portal, page):
    # The overview shows the latest datasheet run, and other tests regenerate other
    # versions of the session's demo: make v2's the latest, linking to this portal.
    with mock.patch.dict(os.environ, {PORTAL_URL_ENV: portal}):
        defs = build_definitions(CONTRACTS_DIR, demo.data_dir)
        assert defs.resolve_job_def(datasheet_job_name("loan_applications")).execute_in_process(
            instance=demo.instance, partition_key="v2").success
    page.goto(f"{ui}/assets/loan_applications/datasheet?view=overview")
    expected = f"{portal}/datasets/loan_applications/v2/"  # the latest version's page
    link = page.locator(f'a[href="{expected}"]').first
    link.wait_for()
    with page.context.expect_page() as opened:  # the UI opens URL metadata in a new tab
        link.click()
    sheet = opened.value
    sheet.wait_for_load_state()
    assert sheet.url == expected
    sheet.get_by_text("Datasheet: loan_applications v2").first.wait_for()
    sheet.get_by_text("Changes since the previous version").first.wait_for()
    sheet.close()


def test_portal_search_finds_a_dataset(portal, page):
    page.goto(f"{portal}/")
    page.get_by_text("Data governance portal").first.wait_for()
    page.locator("label.md-search__icon, .md-search__input").first.click()
    box = page.locator("input.md-search__input")
    box.press_sequentially("support_ticket_labels", delay=20)  # searches as one types
    result = page.locator(".md-search-result__item a").first
    result.wait_for()
    page.wait_for_timeout(500)  # let the result list settle before the screenshot
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "portal.png"), full_page=False)
    result.click()
    page.wait_for_url("**/support_ticket_labels/**")
    page.get_by_text("support_ticket_labels").first.wait_for()


def test_portal_weekly_report_headline_equals_the_demo_outcome(demo, portal, page):
    # The demo runs the weekly report job (report, then portal) as its schedule would.
    reports = sorted((datasheets_dir_for(demo.data_dir) / "reports").glob("weekly-*.md"))
    assert reports, "the demo wrote no weekly report"
    summary = re.search(r"(\d+) versions: (\d+) delivered, (\d+) blocked by checks, "
                        r"(\d+) failed", demo.output)
    assert summary, demo.output
    received, delivered, blocked, failed = summary.groups()
    newest = reports[-1].stem
    page.goto(f"{portal}/reports/")
    page.locator(f'a[href="{newest}/"]').first.click()
    page.wait_for_url(f"**/reports/{newest}/")

    def headline(figure: str) -> str:
        row = page.locator("article table tr", has=page.locator(f'td:text-is("{figure}")'))
        return row.first.locator("td").nth(1).inner_text().strip()

    assert (headline("Versions received"), headline("Delivered"), headline("Blocked"),
            headline("Failed")) == (received, delivered, blocked, failed) == ("7", "3", "4", "0")
