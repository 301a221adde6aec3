"""The vendor scorecard of a labeling batch: a table per vendor and its Markdown page."""

from __future__ import annotations

from typing import Any

import duckdb

from governance.labeling.gold import upper_bound
from governance.labeling.risk_audit import risk_summary
from governance.labeling.spec import LabelingSpec
from governance.labeling.tables import ANNOTATORS, BATCHES, SCORECARD, VENDORS
from governance.storage import records, replace_rows, table_exists
from governance.tables import SCORECARD_COLUMNS


def _misses(row: dict[str, Any], spec: LabelingSpec, accuracy_target: float | None) -> list[str]:
    # Same rule as the checks: a vendor misses an accuracy target only when it is surely
    # below it (95% Wilson upper bound), so a few unlucky gold items do not fail a vendor.
    t, out = spec.targets, []
    gold, upper = row["gold_accuracy"], row.get("gold_upper")
    if gold is not None and upper is not None and upper < t["goldAccuracy"]:
        out.append(f"gold accuracy {gold:.1%} < {t['goldAccuracy']:.0%} "
                   f"(upper bound {upper:.1%})")
    if row["agreement_rate"] is not None and row["agreement_rate"] < t["annotatorAgreement"]:
        out.append(f"agreement {row['agreement_rate']:.1%} < {t['annotatorAgreement']:.0%}")
    audited, accuracy = row.get("audited"), row["audit_accuracy"]
    if accuracy_target is not None and accuracy is not None and audited:
        bound = upper_bound(round(accuracy * audited), int(audited))
        if bound < accuracy_target:
            out.append(f"audited accuracy {accuracy:.1%} < {accuracy_target:.0%} "
                       f"(upper bound {bound:.1%})")
    return out


def build_scorecard(conn: duckdb.DuckDBPyConnection, dataset: str, version: str,
                    spec: LabelingSpec, accuracy_target: float | None) -> list[dict[str, Any]]:
    """Score each vendor of a batch against the contract's targets and store the table."""
    if not table_exists(conn, "main", VENDORS):
        return []
    rows = records(conn, f"SELECT * FROM main.{VENDORS} WHERE dataset = ? AND version = ? "
                    "ORDER BY vendor", [dataset, version])
    card = []
    for row in rows:
        misses = _misses(row, spec, accuracy_target)
        card.append({**{c: row.get(c) for c, _ in SCORECARD_COLUMNS if c in row},
                     "meets_targets": not misses, "misses": "; ".join(misses)})
    replace_rows(conn, "main", SCORECARD, SCORECARD_COLUMNS,
                 {"dataset": dataset, "version": version},
                 [[r.get(c) for c, _ in SCORECARD_COLUMNS] for r in card])
    return card


def scorecard_context(conn: duckdb.DuckDBPyConnection, dataset: str,
                      version: str) -> dict[str, Any]:
    """What the scorecard page and the datasheet's labeling section show for one batch."""
    if not table_exists(conn, "main", BATCHES):
        return {}
    batch = records(conn, f"SELECT * FROM main.{BATCHES} WHERE dataset = ? AND version = ?",
                     [dataset, version])
    if not batch:
        return {}
    card = records(conn, f"SELECT * FROM main.{SCORECARD} WHERE dataset = ? AND version = ? "
                    "ORDER BY vendor", [dataset, version]) if table_exists(
                        conn, "main", SCORECARD) else []
    flagged = records(conn, f"SELECT annotator, vendor, labels, gold_items, gold_accuracy, "
                       f"agreement_rate, median_seconds, flag_reason FROM main.{ANNOTATORS} "
                       "WHERE dataset = ? AND version = ? AND flagged ORDER BY annotator",
                       [dataset, version])
    return {"batch": batch[0], "vendors": card, "flagged": flagged,
            "risk": risk_summary(conn, dataset, version)}
