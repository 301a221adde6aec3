"""Post-mortems rendered from constructed facts: sections, durations, determinism, safety."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from governance.incidents.model import (
    ACKNOWLEDGED,
    HIGH,
    OPEN,
    QUALITY,
    RESOLVED,
    Incident,
    IncidentEvent,
)
from governance.incidents.postmortem import (
    ARRIVAL,
    CHECK_FAILURE,
    NOT_YET,
    STAGE,
    DownstreamAsset,
    DownstreamColumn,
    DriftColumn,
    ExportRecord,
    FailedCheck,
    LabelingBatch,
    PostmortemFacts,
    QuarantineReason,
    RuleEvidence,
    TimelineEntry,
    downstream_columns,
    duration,
    md_text,
    render_postmortem,
    render_postmortem_html,
)
from governance.masking import mask_value
from tests.golden import assert_golden

T0 = datetime(2025, 3, 4, 9, 0, 0, tzinfo=UTC)
# Personal values a careless renderer could let through; the facts only carry them masked.
NAME = "Zebulon Quartermaine-Ffoulkes"
EMAIL = "zebulon.quartermaine@planted.example"


def incident(**changes: object) -> Incident:
    """A resolved quality incident on loan_applications v2 and v3."""
    base = Incident(
        id="INC-0007", dataset="loan_applications", key="required_values", type=QUALITY,
        severity=HIGH, state=RESOLVED, owner="credit-risk-data", versions=("v2", "v3"),
        summary="required_values failed on v2: 1 row(s) without applicant_name",
        opened_at=T0 + timedelta(minutes=5), assignee="dana",
        acknowledged_at=T0 + timedelta(minutes=35),
        resolved_at=T0 + timedelta(days=1, hours=2, minutes=5, seconds=7),
        cause="upstream source change", resolution_note="Sender fixed the export | see ticket")
    return dataclasses.replace(base, **changes)


def events() -> tuple[IncidentEvent, ...]:
    """Transitions, deliberately out of order: the renderer sorts them."""
    return (
        IncidentEvent("INC-0007", 3, T0 + timedelta(minutes=35), "acknowledged", "dana",
                      ACKNOWLEDGED),
        IncidentEvent("INC-0007", 1, T0 + timedelta(minutes=5), "opened", "incident_watch",
                      OPEN, "v2", "required_values: 1 failure"),
        IncidentEvent("INC-0007", 2, T0 + timedelta(minutes=6), "notified", "incident_watch",
                      OPEN, None, "channel outbox"),
        IncidentEvent("INC-0007", 4, T0 + timedelta(days=1, hours=2, minutes=5, seconds=7),
                      "resolved", "dana", RESOLVED, None, "cause upstream source change"),
    )


def facts(**changes: object) -> PostmortemFacts:
    """Facts as the gatherer would hand them over: masked samples, counts and names."""
    base = PostmortemFacts(
        incident=incident(), events=events(),
        timeline=(
            TimelineEntry(T0 + timedelta(minutes=2), CHECK_FAILURE, "v2",
                          "required_values failed on loan_applications/validated: 1 failure"),
            TimelineEntry(T0 + timedelta(minutes=1), STAGE, "v2", "intake materialized"),
            TimelineEntry(T0, ARRIVAL, "v2", "raw batch stored (418861 bytes)"),
        ),
        failed_checks=(
            FailedCheck("v2", "loan_applications/validated", "unique_keys", "error", 2,
                        "application_id.unique: 2 row(s)"),
            FailedCheck("v2", "loan_applications/validated", "required_values", "error", 1,
                        "applicant_name.not_null: 1 row(s)"),
        ),
        failing_rules=(
            RuleEvidence("v2", "required_values", "applicant_name.not_null", 1, ("<null>",)),
            RuleEvidence("v2", "unique_keys", "application_id.unique", 2,
                         (mask_value(NAME), mask_value(EMAIL))),
            RuleEvidence("v2", "row_count", "row_count.min", 1, (),
                         "the rule counts rows; it has no values"),
        ),
        quarantine=(QuarantineReason("v2", "intake", "annual_income",
                                     "value is not a valid number (number expected)", 1),),
        drift=(DriftColumn("v2", "v1", "loan_amount", "ks", 0.31, 1.2e-9, 0.42, "major"),
               DriftColumn("v2", "v1", "annual_income", "ks", 0.2, 0.0001, None, "")),
        schema_changes=(("v2", "+referral_code"),),
        labeling=(LabelingBatch("v2", ("acme_labeling", "beta_annotate"), "2.1", 60, 300),),
        failing_columns=("applicant_name",), failing_stage="validated",
        downstream_columns=(DownstreamColumn("delivered", "applicant_name", "validated",
                                             "applicant_name", "hash"),),
        downstream_assets=(DownstreamAsset("loan_applications/delivered", ()),
                           DownstreamAsset("loan_applications/datasheet", ("v2",))),
        exports=(ExportRecord("2025-03-03T08:00:00+00:00", "v1", "delivery", 3000, False),),
    )
    return dataclasses.replace(base, **changes)


def test_every_section_is_present() -> None:
    text = render_postmortem(facts())
    for heading in ("# Post-mortem INC-0007: loan_applications", "## Summary", "## Durations",
                    "## Timeline", "## Evidence", "### Failed checks", "### Failing rules",
                    "### Quarantine reasons", "### Drift", "### Schema changes",
                    "### Labeling batches", "## Blast radius", "### Downstream columns",
                    "### Downstream assets", "### Exports already made", "## Cause",
                    "## Action items (*to fill*)"):
        assert f"\n{heading}\n" in f"\n{text}", heading
    assert "| Owner | credit-risk-data |" in text
    assert "| Assignee | dana |" in text
    assert "| Versions | v2, v3 |" in text
    assert "| v2 | required_values | applicant_name.not_null | 1 | \\<null\\> |" in text
    assert "| v2 | row_count | row_count.min | 1 | no safe sample: the rule counts rows" in text
    assert "| validated.applicant_name | delivered.applicant_name | hash |" in text
    assert "| 2025-03-03T08:00:00+00:00 | v1 | delivery | 3000 | no |" in text
    assert "| v2 | acme_labeling, beta_annotate | 2.1 | 60 | 300 |" in text
    assert "required_values (this incident)" in text
    # Free text cannot break the table it sits in.
    assert "| Resolution note | Sender fixed the export \\| see ticket |" in text
    assert "- [ ]" in text


def test_durations_are_computed_from_the_recorded_times() -> None:
    text = render_postmortem(facts())
    assert "| Time to detect (first arrival or failure -> opened) | 5 min |" in text
    assert "| Time to acknowledge (opened -> acknowledged) | 30 min |" in text
    assert "| Time to resolve (opened -> closed) | 1 d 2 h 7 s |" in text


def test_open_incident_says_not_yet() -> None:
    text = render_postmortem(facts(incident=incident(
        state=OPEN, acknowledged_at=None, resolved_at=None, cause=None, resolution_note=None,
        assignee=None)))
    assert f"| Time to acknowledge (opened -> acknowledged) | {NOT_YET} |" in text
    assert f"| Time to resolve (opened -> closed) | {NOT_YET} |" in text
    assert f"| Cause | {NOT_YET} |" in text
    assert "Not recorded yet: resolving the incident requires a cause." in text


def test_detection_falls_back_to_the_first_failure_without_an_arrival() -> None:
    only_failure = (TimelineEntry(T0 + timedelta(minutes=3), CHECK_FAILURE, "v2", "x failed"),)
    text = render_postmortem(facts(timeline=only_failure))
    assert "| Time to detect (first arrival or failure -> opened) | 2 min |" in text
    text = render_postmortem(facts(timeline=()))
    assert "| Time to detect (first arrival or failure -> opened) | unknown |" in text


def test_timeline_is_one_sorted_list_with_incident_events() -> None:
    text = render_postmortem(facts())
    lines = [ln for ln in text.splitlines() if ln.startswith("- 2025-")]
    assert lines == sorted(lines)
    joined = "\n".join(lines)
    for what in ("arrival · v2 · raw batch stored", "stage · v2 · intake materialized",
                 "check failure · v2 · required_values failed",
                 "INC-0007 opened by incident_watch", "INC-0007 notified",
                 "INC-0007 acknowledged by dana", "INC-0007 resolved by dana"):
        assert what in joined, what
    assert "Notifications and escalations sent: 1." in text


def test_rendering_is_deterministic_whatever_the_input_order() -> None:
    shuffled = facts(events=tuple(reversed(events())),
                     failing_rules=tuple(reversed(facts().failing_rules)),
                     drift=tuple(reversed(facts().drift)))
    assert render_postmortem(facts()) == render_postmortem(shuffled)
    assert render_postmortem_html(facts()) == render_postmortem_html(shuffled)


def test_no_personal_value_reaches_the_documents() -> None:
    markdown = render_postmortem(facts())
    html = render_postmortem_html(facts())
    for document in (markdown, html):
        assert NAME not in document
        assert EMAIL not in document
        assert "zebulon" not in document.lower()


def test_html_comes_through_the_datasheet_renderer() -> None:
    html = render_postmortem_html(facts())
    assert html.startswith("<!doctype html>")
    assert "<title>Post-mortem: INC-0007 loan_applications</title>" in html
    assert "<h2>Blast radius</h2>" in html
    assert "<table>" in html
    # Escaped markup stays text: a masked sample's asterisks are not emphasis.
    assert mask_value(NAME) in html
    assert "<em>******</em>" not in html


def test_markdown_text_is_made_inert() -> None:
    assert md_text("<script>x</script> | *a* [l](u)\nnext") == \
        "\\<script\\>x\\</script\\> \\| \\*a\\* \\[l\\](u) next"


def test_duration_formats() -> None:
    assert duration(T0, T0) == "0 s"
    assert duration(T0, None) == NOT_YET
    assert duration(None, T0) == "unknown"
    assert duration(T0 + timedelta(seconds=61), T0) == "-1 min 1 s"
    naive = T0.replace(tzinfo=None)
    assert duration(naive, T0 + timedelta(hours=3)) == "3 h"


def test_matches_the_golden_file() -> None:
    assert_golden(render_postmortem(facts()), "postmortems/INC-0007.md")


def test_downstream_columns_follow_lineage_and_name_dropped_columns(contracts) -> None:
    loans = contracts["loan_applications"]
    dropped = [c.name for c in loans.columns if c.treatment == "drop"]
    hashed = [c.name for c in loans.columns if c.treatment == "hash"]
    assert dropped and hashed
    below = downstream_columns(loans, "validated", [dropped[0], hashed[0]])
    assert DownstreamColumn("delivered", "", "validated", dropped[0], "dropped") in below
    assert DownstreamColumn("delivered", hashed[0], "validated", hashed[0], "hash") in below
    # From intake, the chain is followed through every later stage.
    stages = {c.stage for c in downstream_columns(loans, "intake", [hashed[0]])}
    assert stages == {"cleaned", "validated", "delivered"}
