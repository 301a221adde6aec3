"""The portal in the code location: datasheets link to it, the demo builds it, the CLI."""

from __future__ import annotations

import json

import dagster as dg

from dataops_assets.cli import main
from dataops_assets.definitions import build_definitions
from dataops_assets.keys import META_PORTAL_PAGE, PORTAL_JOB, PORTAL_KEY
from governance.settings import Layout
from tests.conftest import CONTRACTS_DIR


def test_every_datasheet_links_to_its_portal_page(demo):
    for dataset, versions in (("support_tickets", 3), ("loan_applications", 2),
                              ("support_ticket_labels", 2)):
        for n in range(1, versions + 1):
            records = demo.instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=dg.AssetKey([dataset, "datasheet"]),
                                      asset_partitions=[f"v{n}"]), limit=1).records
            meta = records[0].asset_materialization.metadata
            url = f"{demo.portal_url}/datasets/{dataset}/v{n}/"
            assert meta[META_PORTAL_PAGE] == dg.MetadataValue.url(url)
            # The page exists in the built site at the path the URL names.
            site = Layout(demo.data_dir).portal_dir / "site"
            assert (site / "datasets" / dataset / f"v{n}" / "index.html").is_file()
            assert meta["audit_trail_verified"].value is True


def test_demo_portal_lists_every_incident_and_the_demo_says_where_it_is(demo):
    site = Layout(demo.data_dir).portal_dir / "site"
    page = (site / "incidents" / "index.html").read_text(encoding="utf-8")
    assert page.count("<td>support_tickets</td>") + page.count(
        "<td>loan_applications</td>") + page.count("<td>support_ticket_labels</td>") >= 14
    assert f"governance portal: 22 pages in {site} (`make run` serves it at " \
        f"{demo.portal_url})" in demo.output
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    # The demo's weekly report is among the pages (the demo runs the report job).
    assert {"datasets/loan_applications/v2/", "incidents/", "retention/", "audit/",
            "datasets/support_ticket_labels/planning/"} <= {d["location"] for d in index["docs"]}
    assert any(d["location"].startswith("reports/weekly-") for d in index["docs"])


def test_portal_job_builds_the_site_on_demand(demo, monkeypatch):
    monkeypatch.setenv("DATAOPS_PORTAL_URL", "http://portal.example.test:8080")
    defs = build_definitions(CONTRACTS_DIR, demo.data_dir)
    result = defs.resolve_job_def(PORTAL_JOB).execute_in_process(instance=demo.instance)
    assert result.success
    [event] = [e for e in result.get_asset_materialization_events()
               if e.asset_key == PORTAL_KEY]
    event = event.step_materialization_data.materialization
    assert event.metadata["portal_pages"].value == 22
    assert event.metadata["portal_url"].value == "http://portal.example.test:8080/"
    canonical = (Layout(demo.data_dir).portal_dir / "site" / "audit" / "index.html").read_text()
    assert 'href="http://portal.example.test:8080/audit/"' in canonical
    # The CLI rebuilds it with the session's address again, for the tests that follow
    # the demo's links.
    monkeypatch.setenv("DATAOPS_PORTAL_URL", demo.portal_url)
    monkeypatch.setenv("DATAOPS_DATA_DIR", str(demo.data_dir))
    assert main(["portal", "build"]) == 0
    assert f'href="{demo.portal_url}/audit/"' in (
        Layout(demo.data_dir).portal_dir / "site" / "audit" / "index.html").read_text()


def test_serve_refuses_in_one_line_when_never_built(data_dir, capsys):
    assert main(["portal", "serve", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "dataops portal build" in err
