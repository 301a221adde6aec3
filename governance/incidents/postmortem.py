"""Post-mortems drafted from evidence: the facts of one incident, rendered as Markdown and HTML.

The facts are gathered elsewhere (dataops_assets/incidents/postmortem.py reads the Dagster
event log, the warehouse, the audit trail and lineage); this module only shapes and renders
them. Output is deterministic: every list is sorted here, times are printed as stored and no
clock is read, so the same facts give the same bytes. Facts hold names, counts and masked
samples only, never a data value.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from jinja2 import Environment

from governance.contracts import DatasetContract
from governance.datasheet.render import html_page
from governance.incidents.model import WAIVED, Incident, IncidentEvent
from governance.lineage import CHAIN, stage_edges
from governance.templating import package_environment

TEMPLATES_PACKAGE = "governance.incidents"
NOT_YET = "not yet"
UNKNOWN = "unknown"
# Kinds of timeline entries; arrivals and failures also start the time-to-detect clock.
ARRIVAL, STAGE, CHECK_FAILURE, RUN, AUDIT, EXPORT, INCIDENT = (
    "arrival", "stage", "check failure", "run", "audit", "export", "incident")
# Markdown punctuation that would turn text (or a masked sample's asterisks) into markup;
# underscores stay: inside names (loan_applications) CommonMark never reads them as emphasis.
_MARKDOWN_SPECIAL = "\\`*[]<>|#"


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened, from the raw store, the event log or the audit trail."""

    at: datetime
    kind: str                 # ARRIVAL, STAGE, CHECK_FAILURE, RUN, AUDIT, EXPORT
    version: str | None
    what: str                 # plain words, names and counts only


@dataclass(frozen=True)
class FailedCheck:
    """A check that did not pass on an affected version."""

    version: str
    asset: str                # e.g. "loan_applications/validated"
    check: str
    severity: str             # "error" (blocks delivery) or "warning"
    failures: int | None
    reason: str = ""          # the check's own description: names and counts


@dataclass(frozen=True)
class RuleEvidence:
    """One failing rule of a failed check, with its count and masked samples."""

    version: str
    check: str
    rule: str
    failures: int
    samples: tuple[str, ...] = ()   # already masked (governance/masking.py)
    no_sample: str = ""             # why no safe sample is shown, when there is none


@dataclass(frozen=True)
class QuarantineReason:
    """How many records (or file problems) one reason held back; never the record text."""

    version: str
    stage: str
    column: str
    reason: str
    count: int


@dataclass(frozen=True)
class DriftColumn:
    """Drift statistics of one drifted column against the reference version."""

    version: str
    reference: str
    column: str
    test: str
    statistic: float | None
    p_value: float | None
    psi: float | None
    psi_band: str


@dataclass(frozen=True)
class LabelingBatch:
    """Who labeled an affected labeling batch, and under which guidelines."""

    version: str
    vendors: tuple[str, ...]
    guidelines_version: str
    items: int
    labels: int


@dataclass(frozen=True)
class DownstreamColumn:
    """A column that is derived from a failing column (governance/lineage.py)."""

    stage: str
    column: str               # empty: the stage does not carry the column (dropped)
    from_stage: str
    from_column: str
    transform: str


@dataclass(frozen=True)
class DownstreamAsset:
    """An asset downstream of the failing stage, and which affected versions it holds."""

    asset: str
    materialized: tuple[str, ...]   # affected versions it was materialized for


@dataclass(frozen=True)
class ExportRecord:
    """An export already made (audit trail `export`): of an affected or earlier version."""

    at: str                   # as recorded in the audit trail
    version: str
    role: str
    rows: int | None
    affected: bool            # the version is one of the incident's versions


@dataclass(frozen=True)
class PostmortemFacts:
    """Everything a post-mortem says, gathered from the instance, warehouse and audit trail."""

    incident: Incident
    events: tuple[IncidentEvent, ...]
    timeline: tuple[TimelineEntry, ...] = ()
    failed_checks: tuple[FailedCheck, ...] = ()
    failing_rules: tuple[RuleEvidence, ...] = ()
    quarantine: tuple[QuarantineReason, ...] = ()
    drift: tuple[DriftColumn, ...] = ()
    schema_changes: tuple[tuple[str, str], ...] = ()   # (version, change)
    labeling: tuple[LabelingBatch, ...] = ()
    failing_columns: tuple[str, ...] = ()              # empty: the whole version
    failing_stage: str = ""
    downstream_columns: tuple[DownstreamColumn, ...] = ()
    downstream_assets: tuple[DownstreamAsset, ...] = ()
    exports: tuple[ExportRecord, ...] = ()


def utc(at: datetime) -> datetime:
    """An aware UTC time; a naive time is taken as UTC (how the stores keep it)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def stamp(at: datetime | None) -> str:
    """A time as printed in post-mortems: UTC to the second, or "not yet"."""
    return NOT_YET if at is None else utc(at).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(start: datetime | None, end: datetime | None) -> str:
    """A span as "1 d 2 h 3 min 4 s"; "not yet" without an end, "unknown" without a start."""
    if end is None:
        return NOT_YET
    if start is None:
        return UNKNOWN
    delta = utc(end) - utc(start)
    sign = "-" if delta < timedelta(0) else ""
    seconds = int(abs(delta).total_seconds())
    parts = [(seconds // 86400, "d"), (seconds % 86400 // 3600, "h"),
             (seconds % 3600 // 60, "min"), (seconds % 60, "s")]
    shown = [f"{n} {unit}" for n, unit in parts if n] or ["0 s"]
    return sign + " ".join(shown)


def md_text(value: Any) -> str:
    """Text made inert for Markdown (and so for the HTML made from it): one line, no markup."""
    text = " ".join(str(value).split())
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def downstream_columns(contract: DatasetContract, stage: str,
                       columns: Iterable[str]) -> list[DownstreamColumn]:
    """Every column derived, directly or through later stages, from the failing columns; a
    column the next stage does not carry (dropped at delivery) is listed as dropped."""
    edges = stage_edges(contract)
    frontier = {(stage, c) for c in columns}
    seen: set[tuple[str, str]] = set()
    out = []
    while frontier:
        node = frontier.pop()
        seen.add(node)
        for edge in edges:
            if (edge.upstream_stage, edge.upstream_column) == node:
                out.append(DownstreamColumn(edge.stage, edge.column, edge.upstream_stage,
                                            edge.upstream_column, edge.transform))
                if (edge.stage, edge.column) not in seen:
                    frontier.add((edge.stage, edge.column))
    carried = {(e.stage, e.upstream_stage, e.upstream_column) for e in edges}
    for down, up in CHAIN:
        out += [DownstreamColumn(down, "", up, col, "dropped")
                for at, col in sorted(seen) if at == up and (down, up, col) not in carried]
    return out


def detection_start(facts: PostmortemFacts) -> datetime | None:
    """When the problem could first be seen: the first arrival of an affected version, else
    the first failing evidence."""
    versions = set(facts.incident.versions)
    arrivals = [utc(e.at) for e in facts.timeline if e.kind == ARRIVAL and e.version in versions]
    if arrivals:
        return min(arrivals)
    failures = [utc(e.at) for e in facts.timeline if e.kind in (CHECK_FAILURE, RUN)]
    return min(failures) if failures else None


def durations(facts: PostmortemFacts) -> list[tuple[str, str]]:
    """Time to detect, acknowledge and resolve, as (label, text) rows."""
    inc = facts.incident
    # A waiver closes the incident without a fix: say so rather than call it resolved.
    resolved = "Time to waive" if inc.state == WAIVED else "Time to resolve"
    return [("Time to detect (first arrival or failure -> opened)",
             duration(detection_start(facts), inc.opened_at)),
            ("Time to acknowledge (opened -> acknowledged)",
             duration(inc.opened_at, inc.acknowledged_at)),
            (f"{resolved} (opened -> closed)", duration(inc.opened_at, inc.resolved_at))]


def _event_line(event: IncidentEvent) -> TimelineEntry:
    detail = f": {event.detail}" if event.detail else ""
    return TimelineEntry(event.at, INCIDENT, event.version,
                         f"{event.incident_id} {event.action} by {event.actor} "
                         f"(state {event.state}){detail}")


def timeline(facts: PostmortemFacts) -> list[TimelineEntry]:
    """One list of everything that happened, oldest first, incident events included."""
    order = {k: i for i, k in enumerate((ARRIVAL, RUN, STAGE, CHECK_FAILURE, AUDIT, EXPORT,
                                         INCIDENT))}
    entries = [*facts.timeline, *(_event_line(e) for e in facts.events)]
    return sorted(entries, key=lambda e: (utc(e.at), order.get(e.kind, len(order)),
                                          e.version or "", e.what))


def context(facts: PostmortemFacts) -> dict[str, Any]:
    """What the template sees: the facts, sorted, plus the derived durations and timeline."""
    return {
        "i": facts.incident,
        "durations": durations(facts),
        "timeline": timeline(facts),
        "failed_checks": sorted(facts.failed_checks, key=lambda c: (
            c.version, c.check != facts.incident.key, c.asset, c.check)),
        "rules": sorted(facts.failing_rules, key=lambda r: (r.version, r.check, r.rule)),
        "quarantine": sorted(facts.quarantine, key=lambda q: (q.version, q.stage, -q.count,
                                                             q.column, q.reason)),
        "drift": sorted(facts.drift, key=lambda d: (d.version, d.column)),
        "schema_changes": sorted(facts.schema_changes),
        "labeling": sorted(facts.labeling, key=lambda b: b.version),
        "failing_columns": sorted(facts.failing_columns),
        "failing_stage": facts.failing_stage,
        "downstream_columns": sorted(facts.downstream_columns, key=lambda c: (
            c.from_stage, c.from_column, c.stage, c.column)),
        "downstream_assets": sorted(facts.downstream_assets, key=lambda a: a.asset),
        "exports": sorted(facts.exports, key=lambda x: (x.at, x.version, x.role)),
        "notifications": sum(1 for e in facts.events if e.action in ("notified", "escalated")),
    }


def _env() -> Environment:
    env = package_environment(TEMPLATES_PACKAGE)
    env.filters.update(t=md_text, num=_num)
    env.globals.update(stamp=stamp, NOT_YET=NOT_YET)
    return env


def render_postmortem(facts: PostmortemFacts) -> str:
    """The post-mortem of one incident as Markdown."""
    return _env().get_template("postmortem.md.j2").render(**context(facts))


def render_postmortem_html(facts: PostmortemFacts, markdown: str | None = None) -> str:
    """The post-mortem as a self-contained HTML page, through the datasheet renderer."""
    text = render_postmortem(facts) if markdown is None else markdown
    title = html.escape(f"Post-mortem: {facts.incident.id} {facts.incident.dataset}")
    return html_page(title, text)
