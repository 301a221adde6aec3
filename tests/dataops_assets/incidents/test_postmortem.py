"""Post-mortems of the demo's incidents, drafted from its event log, warehouse and audit trail."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import pytest

from dataops_assets.cli import main
from dataops_assets.incidents.postmortem import postmortem_paths, write_postmortem
from governance.contracts import DatasetContract
from governance.errors import InvalidNameError
from governance.incidents.book import IncidentBook
from governance.incidents.model import (
    DRIFT,
    HIGH,
    KEY_DRIFT_REFRESH,
    LABELING,
    MEDIUM,
    OPEN,
    QUALITY,
    Incident,
    IncidentEvent,
)
from governance.settings import DATASHEETS_DIR_ENV, Layout
from tests.dataops_assets.conftest import DemoRun
from tests.dataops_assets.test_golden_documents import _personal_values

OPENED = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def loans_incident(key: str = "required_values", type_: str = QUALITY) -> Incident:
    """An open incident on loan_applications v2, as the incident sensor would open it."""
    return Incident(id="INC-0042", dataset="loan_applications", key=key, type=type_,
                    severity=HIGH if type_ == QUALITY else MEDIUM, state=OPEN,
                    owner="credit-risk-data", versions=("v2",),
                    summary=f"{key} failed on v2", opened_at=OPENED)


def events() -> list[IncidentEvent]:
    """The incident's transitions: opened, then one notification."""
    return [IncidentEvent("INC-0042", 1, OPENED, "opened", "incident_watch", OPEN, "v2",
                          "required_values: 1 failure"),
            IncidentEvent("INC-0042", 2, OPENED, "notified", "incident_watch", OPEN, None,
                          "channel outbox")]


@pytest.fixture(scope="module")
def drafted(demo: DemoRun, tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str]]:
    """The post-mortem of loan_applications v2's required_values incident, written twice."""
    out = []
    for attempt in ("first", "second"):
        target = tmp_path_factory.mktemp(attempt) / "INC-0042.md"
        md_path, html_path = write_postmortem(demo.data_dir, demo.instance, loans_incident(),
                                              events(), target)
        assert (md_path, html_path) == (target, target.with_suffix(".html"))
        out.append((md_path.read_text(encoding="utf-8"), html_path.read_text(encoding="utf-8")))
    return out


def test_postmortem_is_byte_identical_across_two_runs(drafted) -> None:
    (md1, html1), (md2, html2) = drafted
    assert md1 == md2
    assert html1 == html2


def test_postmortem_holds_the_failing_rules_with_counts_and_masked_samples(drafted) -> None:
    markdown = drafted[0][0]
    assert "| v2 | required_values | applicant_name.not_null | 1 | \\<null\\> |" in markdown
    assert re.search(r"\| v2 \| unique_keys \| application_id\.unique \| 2 \| \S+\\\*", markdown)
    assert "| v2 | loan_applications/validated | required_values (this incident) | error | 1 |" \
        in markdown
    assert "| v2 | intake | annual_income | value is not a valid number" in markdown
    assert "| v2 | v1 | credit_score |" in markdown  # drift statistics of a drifted column


def test_postmortem_timeline_has_arrival_stages_and_the_failing_check(drafted) -> None:
    markdown = drafted[0][0]
    lines = [ln for ln in markdown.splitlines() if re.match(r"- \d{4}-\d{2}-\d{2} ", ln)]
    stamps = [ln.split(" · ")[0] for ln in lines]
    assert stamps == sorted(stamps)
    text = "\n".join(lines)
    order = ["· arrival · v2 · raw batch stored", "· stage · v2 · intake materialized",
             "· stage · v2 · validated materialized",
             "· check failure · v2 · required_values (error) failed on "
             "loan_applications/validated: 1 failure(s)",
             "· incident · v2 · INC-0042 opened by incident_watch"]
    positions = [text.find(step) for step in order]
    assert -1 not in positions, dict(zip(order, positions, strict=True))
    assert positions == sorted(positions)
    assert "INC-0042 notified by incident_watch" in text
    assert "Notifications and escalations sent: 1." in markdown


def test_postmortem_blast_radius_names_downstream_assets_and_exports(drafted) -> None:
    markdown = drafted[0][0]
    assert "Failing columns (at validated): applicant_name." in markdown
    # The blocked version never reached delivery; its datasheet was still written.
    assert "| loan_applications/delivered | no |" in markdown
    assert "| loan_applications/datasheet | v2 |" in markdown
    assert "| validated.applicant_name | not carried to delivered | dropped |" in markdown
    # v1 was delivered before v2 arrived: that export is in the blast radius, v2's is not.
    assert re.search(r"\| \S+ \| v1 \| delivery \| 3000 \| no \|", markdown)
    assert not re.search(r"\| \S+ \| v2 \| \w+ \| \d+ \| yes \|", markdown)


def test_postmortem_durations_and_open_state(drafted) -> None:
    markdown = drafted[0][0]
    assert re.search(r"\| Time to detect \(first arrival or failure -> opened\) \| \d", markdown)
    assert "| Time to acknowledge (opened -> acknowledged) | not yet |" in markdown
    assert "| Time to resolve (opened -> closed) | not yet |" in markdown


def test_postmortem_holds_no_personal_value_of_the_demo(
        demo: DemoRun, contracts: dict[str, DatasetContract], drafted) -> None:
    planted = _personal_values(demo, contracts)
    assert len(planted) > 1_000
    for markdown, html in drafted:
        assert not [v for v in planted if v in markdown]
        assert not [v for v in planted if v in html]


def test_drift_incident_blast_radius_is_the_drifted_columns(demo: DemoRun,
                                                            tmp_path: Path) -> None:
    incident = loans_incident(KEY_DRIFT_REFRESH, DRIFT)
    md_path, _ = write_postmortem(demo.data_dir, demo.instance, incident, [],
                                  tmp_path / "drift.md")
    markdown = md_path.read_text(encoding="utf-8")
    assert ("Failing columns (at validated): annual_income, credit_score, loan_amount, "
            "purpose.") in markdown
    assert "- v2: type_changed annual_income (DOUBLE -\\> VARCHAR)" in markdown
    assert "audit · v2 · request:" in markdown


def test_default_location_is_the_documents_folder(demo: DemoRun, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATASHEETS_DIR_ENV, str(tmp_path / "documents"))
    md_path, html_path = write_postmortem(demo.data_dir, demo.instance, loans_incident(),
                                          events(), None)
    assert md_path == tmp_path / "documents" / "postmortems" / "INC-0042.md"
    assert html_path.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_unsafe_incident_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidNameError, match="not an incident id"):
        postmortem_paths(tmp_path, "../../etc/passwd", None)
    assert postmortem_paths(tmp_path, "INC-0001", tmp_path / "pm.html") == (
        tmp_path / "pm.md", tmp_path / "pm.html")


def test_labeling_incident_names_vendors_and_guidelines(demo: DemoRun, tmp_path: Path) -> None:
    incident = Incident(id="INC-0043", dataset="support_ticket_labels",
                        key="labeling_gold_accuracy", type=LABELING, severity=HIGH, state=OPEN,
                        owner="support-analytics", versions=("v1",),
                        summary="labeling_gold_accuracy failed on v1", opened_at=OPENED)
    md_path, _ = write_postmortem(demo.data_dir, demo.instance, incident, [],
                                  tmp_path / "labels.md")
    markdown = md_path.read_text(encoding="utf-8")
    assert re.search(r"\| v1 \| acme_labeling, in_house \| [^|]+ \| \d+ \| \d+ \|", markdown)
    assert "labeling_gold_accuracy (this incident) | error |" in markdown


def test_the_demo_incident_through_the_command(demo: DemoRun, contracts, monkeypatch,
                                               tmp_path: Path) -> None:
    """`dataops incident postmortem` on the incident the sensor opened for loan_applications
    v2's required_values: the same bytes twice, with rules, timeline and blast radius."""
    monkeypatch.setenv("DATAOPS_DATA_DIR", str(demo.data_dir))
    book = IncidentBook(Layout(demo.data_dir), contracts)
    [incident] = [i for i in book.list(dataset="loan_applications")
                  if i.key == "required_values"]
    assert incident.versions == ("v2",) and incident.owner == "credit-data"
    drafts = []
    with mock.patch("dataops_assets.cli.incident.dagster_instance",
                    return_value=demo.instance):
        for name in ("a", "b"):
            out = tmp_path / name / "pm.md"
            assert main(["incident", "postmortem", incident.id, "--out", str(out)]) == 0
            drafts.append((out.read_bytes(), out.with_suffix(".html").read_bytes()))
    assert drafts[0] == drafts[1]
    markdown = drafts[0][0].decode("utf-8")
    assert "| v2 | required_values | applicant_name.not_null | 1 |" in markdown
    assert f"{incident.id} opened by sensor" in markdown
    assert "check failure · v2 · required_values (error) failed" in markdown
    assert "## Blast radius" in markdown and "| loan_applications/delivered | no |" in markdown
    assert "| v1 | delivery |" in markdown  # the export already made of the earlier version
