"""The same demo on both warehouse backends gives the same tables, exports and outcomes."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq

from governance.settings import Layout
from governance.storage import table_columns, table_exists
from governance.tables import MAIN, warehouse_tables
from governance.warehouse import EMBEDDED, PARQUET, open_warehouse, recorded_backend
from tests.dataops_assets.conftest import DemoRun

# Columns that hold the time a row was written: they differ between any two runs.
_CLOCK = {"measured_at", "evaluated_at", "quarantined_at", "scanned_at", "executed_at",
          "erased_at", "triggered_at"}
DATASETS = ("support_tickets", "loan_applications", "support_ticket_labels")


def _tables(data_dir: Path) -> dict[str, list[tuple]]:
    """Every registered table with rows, of every demo dataset, rows sorted, clock columns
    left out."""
    out = {}
    with open_warehouse(Layout(data_dir)).reader() as conn:
        for entry in warehouse_tables():
            for schema in ([MAIN] if not entry.per_dataset else DATASETS):
                if not table_exists(conn, schema, entry.name):
                    continue
                cols = sorted(c for c in table_columns(conn, schema, entry.name)
                              if c not in _CLOCK)
                names = ", ".join(f'"{c}"' for c in cols)
                rows = conn.execute(f'SELECT {names} FROM "{schema}"."{entry.name}" '
                                    "ORDER BY ALL").fetchall()
                # An empty table on the DuckDB file is no file at all on Parquet.
                if rows:
                    out[f"{schema}.{entry.name}"] = [_unclocked(dict(zip(cols, r, strict=True)))
                                                     for r in rows]
    return out


def _unclocked(row: dict) -> tuple:
    # Freshness is the age of the newest record when measured: the clock again.
    if row.get("dimension") == "freshness":
        row["value"] = None
    # Floats to 12 significant digits: a sum over rows read in another order may differ
    # in the last bit (0.21182480190011194 vs ...196), nothing more.
    return tuple((k, float(f"{v:.12g}") if isinstance(v, float) else v)
                 for k, v in row.items())


def _summary(run: DemoRun) -> str:
    # Timings, paths and the portal's port differ; every outcome line and reason must not.
    output = run.output.split("ingested", 1)[1]
    for place, name in ((run.data_dir, "<data>"), (run.portal_url, "<portal>")):
        output = output.replace(str(place), name)
    # Each demo may keep its documents elsewhere (its own datasheets folder or the session's).
    output = re.sub(r"(weekly report: )\S*(/reports/)", r"\1<documents>\2", output)
    output = re.sub(r"(plots: )\S*(/support_ticket_labels/planning/)", r"\1<documents>\2",
                    output)
    return re.sub(r"\d+(\.\d+)? ?s\b", "<t>", output)


def test_both_backends_give_the_same_results(demo_embedded, demo_parquet):
    demo = demo_embedded
    assert recorded_backend(Layout(demo.data_dir)) == EMBEDDED
    assert recorded_backend(Layout(demo_parquet.data_dir)) == PARQUET
    assert Layout(demo.data_dir).warehouse.is_file()
    assert not Layout(demo_parquet.data_dir).warehouse.exists()
    assert "7 versions: 3 delivered, 4 blocked by checks, 0 failed" in demo_parquet.output
    assert _summary(demo_parquet) == _summary(demo)
    embedded, parquet = _tables(demo.data_dir), _tables(demo_parquet.data_dir)
    assert sorted(parquet) == sorted(embedded)
    assert len(embedded) >= 15
    for name in embedded:
        assert parquet[name] == embedded[name], name
    for dataset in ("support_tickets", "loan_applications"):
        a = pq.read_table(Layout(demo.data_dir).delivered_file(dataset, "v1"))
        b = pq.read_table(Layout(demo_parquet.data_dir).delivered_file(dataset, "v1"))
        assert a.equals(b)


def test_parquet_warehouse_is_one_file_per_table_and_version(demo_parquet):
    root = Layout(demo_parquet.data_dir).warehouse_dir
    files = {p.relative_to(root).as_posix() for p in root.rglob("*.parquet")}
    assert {"support_tickets/intake/v1.parquet", "support_tickets/intake/v2.parquet",
            "support_tickets/delivered/v1.parquet",
            "main/check_results/support_tickets/v1.parquet"} <= files
    # Blocked versions were never delivered: no file, as no rows on the DuckDB file.
    assert "support_tickets/delivered/v2.parquet" not in files
    assert not [p for p in root.rglob("*") if p.name.endswith(".tmp")]
