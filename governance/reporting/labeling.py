"""Labeling section: throughput, turnaround, cost per item and spend per vendor, gold and
audit accuracy, annotators flagged and the adjudication backlog of batches measured in the week."""

from __future__ import annotations

import duckdb

from governance.contracts import DatasetContract
from governance.identifiers import qualified
from governance.labeling.feedback import guideline_proposals
from governance.labeling.spec import labeling_spec
from governance.reporting.model import GuidelineProposal, LabelingRow, VendorSpend
from governance.reporting.period import Period, utc_naive
from governance.reporting.sql import rows
from governance.tables import ADJUDICATION_QUEUE

_BATCHES = """
    SELECT count(*), sum(items), sum(labels), avg(labels_per_hour), avg(median_seconds),
           avg(p90_seconds), sum(total_cost) / nullif(sum(items), 0),
           sum(gold_accuracy * gold_ratings) / nullif(sum(gold_ratings) FILTER (
               WHERE gold_accuracy IS NOT NULL), 0),
           sum(audit_accuracy * audited) / nullif(sum(audited) FILTER (
               WHERE audit_accuracy IS NOT NULL), 0),
           list(version ORDER BY version)
    FROM main.labeling_batches WHERE dataset = ? AND measured_at > ? AND measured_at <= ?"""


def _marks(values: list[str]) -> str:
    return ", ".join("?" for _ in values)


def labeling_rows(conn: duckdb.DuckDBPyConnection, contracts: list[DatasetContract],
                  period: Period) -> list[LabelingRow]:
    """One row per labeled dataset with a batch measured in the week."""
    out = []
    window = [utc_naive(period.start), utc_naive(period.as_of)]
    for contract in contracts:
        spec = labeling_spec(contract)
        if spec is None:
            continue
        found = rows(conn, _BATCHES, [contract.name, *window])
        if not found or not found[0][0]:
            continue
        n, items, labels, per_hour, median, p90, cost, gold, audit, versions = found[0]
        flagged = rows(conn, "SELECT count(DISTINCT annotator) FROM main.labeling_annotators "
                       f"WHERE dataset = ? AND flagged AND version IN ({_marks(versions)})",
                       [contract.name, *versions])
        # Items waiting for a human decision among the week's batches (ties, low agreement).
        backlog = rows(conn, f"SELECT count(*) FROM {qualified(contract.name, ADJUDICATION_QUEUE)}"
                       f" WHERE _version IN ({_marks(versions)})", list(versions))
        target = spec.operations.cost_per_item
        out.append(LabelingRow(
            contract.name, int(n), int(items or 0), int(labels or 0), per_hour, median, p90,
            cost, target.amount if target else None,
            target.currency if target else (spec.currency or ""), gold, audit,
            int(flagged[0][0]) if flagged else 0, int(backlog[0][0]) if backlog else 0))
    return out


def vendor_spend(conn: duckdb.DuckDBPyConnection, period: Period) -> list[VendorSpend]:
    """Spend and labels per vendor and labeled dataset over the week's batches."""
    found = rows(conn, """
        SELECT v.dataset, v.vendor, sum(v.total_cost), sum(v.labels)
        FROM main.labeling_vendors v JOIN main.labeling_batches b
          ON b.dataset = v.dataset AND b.version = v.version
        WHERE b.measured_at > ? AND b.measured_at <= ?
        GROUP BY v.dataset, v.vendor ORDER BY v.dataset, v.vendor""",
                 [utc_naive(period.start), utc_naive(period.as_of)])
    return [VendorSpend(ds, vendor, float(spend or 0), int(n or 0))
            for ds, vendor, spend, n in found]


def week_proposals(conn: duckdb.DuckDBPyConnection, contracts: list[DatasetContract],
                   period: Period) -> list[GuidelineProposal]:
    """Guideline-change proposals of the batches measured in the week, most errors first."""
    out = []
    window = [utc_naive(period.start), utc_naive(period.as_of)]
    for contract in contracts:
        if labeling_spec(contract) is None:
            continue
        versions = rows(conn, "SELECT version FROM main.labeling_batches WHERE dataset = ? "
                        "AND measured_at > ? AND measured_at <= ? ORDER BY version",
                        [contract.name, *window])
        for (version,) in versions:
            out += [GuidelineProposal(
                contract.name, version, p["label_a"], p["label_b"], p["rule"],
                int(p["errors"]), float(p["share"]),
                len([a for a in str(p["annotators"]).split(",") if a.strip()]),
                p["guidelines_version"])
                for p in guideline_proposals(conn, contract.name, version)]
    return out
