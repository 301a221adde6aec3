"""Personal data through the demo: findings, the policy check, treatment, and no leaks."""

from __future__ import annotations

import csv
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq

from dataops_assets.definitions import build_definitions
from dataops_assets.incidents.postmortem import gather_postmortem
from dataops_assets.reporting.gather import run_outcomes, slo_evaluations
from governance.audit import audit_path
from governance.contracts import load_contracts
from governance.incidents.book import IncidentBook
from governance.incidents.postmortem import render_postmortem, render_postmortem_html
from governance.reporting.build import build_report
from governance.reporting.period import period_for
from governance.reporting.render import render as render_report
from governance.settings import Layout
from governance.tables import table as registry_entry
from governance.warehouse import open_warehouse
from tests.conftest import CONTRACTS_DIR
from tests.dataops_assets.test_quality_checks import _run_for
from tests.needles import found, needle_pattern


def _evaluation(instance, dataset: str, version: str, stage: str, check: str):
    records = instance.get_records_for_run(
        run_id=_run_for(instance, dataset, version),
        of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if evaluation.check_name == check and evaluation.asset_key.path[-1] == stage:
            return evaluation
    raise AssertionError(f"no {check} evaluation for {dataset} {version}")


def test_findings_have_the_right_entity_types(demo):
    with open_warehouse(Layout(demo.data_dir)).reader() as conn:
        found = dict(conn.execute(
            "SELECT column_name, first(entity ORDER BY prevalence DESC) FROM "
            "loan_applications.pii_findings WHERE _version = 'v1' AND detected_personal "
            "GROUP BY 1").fetchall())
        ticket_body = conn.execute(
            "SELECT list(entity ORDER BY entity) FROM support_tickets.pii_findings "
            "WHERE _version = 'v1' AND column_name = 'body'").fetchall()[0][0]
    assert found == {"applicant_name": "PERSON", "email": "EMAIL_ADDRESS",
                     "phone": "PHONE_NUMBER", "date_of_birth": "DATE_TIME"}
    assert {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER"} <= set(ticket_body)


def test_undeclared_personal_column_fails_the_policy_and_is_not_delivered(demo):
    evaluation = _evaluation(demo.instance, "support_tickets", "v3", "pii_scan", "pii_declared")
    assert not evaluation.passed
    assert evaluation.metadata["undeclared"].value == ["customer_phone"]
    assert not Layout(demo.data_dir).delivered_file("support_tickets", "v3").exists()
    clean = _evaluation(demo.instance, "support_tickets", "v1", "pii_scan", "pii_declared")
    assert clean.passed


def test_delivered_tables_rescan_clean_and_carry_treatments(demo):
    for dataset in ("support_tickets", "loan_applications"):
        rescan = _evaluation(demo.instance, dataset, "v1", "delivered", "pii_rescan_clean")
        assert rescan.passed
    tickets = pq.read_table(Layout(demo.data_dir).delivered_file("support_tickets", "v1"))
    assert "customer_name" not in tickets.column_names
    emails = tickets.column("customer_email").to_pylist()
    assert all(len(e) == 64 and "@" not in e for e in emails)
    bodies = " ".join(tickets.column("body").to_pylist())
    assert "<PERSON>" in bodies and "<EMAIL_ADDRESS>" in bodies and "@" not in bodies


def _planted(demo) -> set[str]:
    """Every personal value of the demo's source files (names, e-mails, phones, birthdays)."""
    values: set[str] = set()
    personal = {"customer_name", "customer_email", "applicant_name", "email", "phone",
                "customer_phone", "date_of_birth"}
    for path in sorted(demo.source_dir.glob("*/batch_*.csv")):
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                values.update(row[c].strip() for c in personal & set(row) if len(row[c]) > 5)
    return values


def test_no_personal_value_leaks_into_storage_logs_or_metadata(demo):
    planted = _planted(demo)
    assert len(planted) > 10_000
    haystacks: dict[str, str] = {"demo output": demo.output}
    home = Path(demo.instance.root_directory)
    for path in home.rglob("*"):
        if path.is_file() and path.suffix == ".db":  # the event log and run storage
            conn = sqlite3.connect(path)
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'"):
                rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
                haystacks[f"{path.name}:{table}"] = "\n".join(map(str, rows))
        elif path.is_file():  # captured compute logs and anything else the instance wrote
            haystacks[str(path)] = path.read_text(errors="replace")
    layout = Layout(demo.data_dir)
    for path in (audit_path(demo.data_dir), layout.lineage_file):
        haystacks[str(path)] = path.read_text()
    with open_warehouse(layout).reader() as conn:
        # Every table the registry says holds no personal values, as the warehouse has them.
        for schema, name in conn.execute("SELECT table_schema, table_name FROM "
                                         "information_schema.tables").fetchall():
            if registry_entry(name).personal:
                continue
            rows = conn.execute(f'SELECT * FROM "{schema}"."{name}"').fetchall()
            haystacks[f"{schema}.{name}"] = "\n".join(map(str, rows))
    # The risk audit sample was scored from ticket text: only ids and scores are kept.
    assert "support_ticket_labels.risk_audit_sample" in haystacks
    # The operations store (incidents, their events, notifications), the outbox, and a
    # post-mortem of each kind of incident the demo opened.
    store = sqlite3.connect(layout.incidents_db)
    for (table,) in store.execute("SELECT name FROM sqlite_master WHERE type='table'"):
        rows = store.execute(f'SELECT * FROM "{table}"').fetchall()
        haystacks[f"incidents.sqlite:{table}"] = "\n".join(map(str, rows))
    store.close()
    haystacks["outbox"] = layout.outbox_file.read_text(encoding="utf-8")
    # The governance portal the demo built: every page and its search index.
    site = layout.portal_dir / "site"
    portal = sorted(site.rglob("*.*"))
    assert any(p.name == "search_index.json" for p in portal)
    for path in portal:
        if path.suffix in (".html", ".json", ".xml"):
            haystacks[f"portal {path.relative_to(site)}"] = path.read_text(encoding="utf-8")
    # The labeling feedback packs go to annotators and vendors, outside the data team.
    packs = sorted((Path(os.environ["DATAOPS_DATASHEETS_DIR"]) / "support_ticket_labels"
                    / "feedback").rglob("*.md"))
    assert len(packs) == 21  # one per annotator and vendor of each batch (AC-06 in v2)
    haystacks.update({f"feedback pack {p.relative_to(p.parents[2])}": p.read_text()
                      for p in packs})
    contracts = {c.name: c for c in load_contracts(CONTRACTS_DIR)}
    book = IncidentBook(layout, contracts)
    defs = build_definitions(CONTRACTS_DIR, demo.data_dir)
    # One post-mortem per incident type: each type draws on different evidence.
    for incident in {i.type: i for i in book.list()}.values():
        facts = gather_postmortem(demo.data_dir, demo.instance, incident,
                                  book.events(incident.id), defs)
        markdown = render_postmortem(facts)
        haystacks[f"post-mortem {incident.id}"] = markdown + render_postmortem_html(
            facts, markdown)
    # The weekly report, as written and sent (its outbox line is in the outbox above).
    contract_list = list(contracts.values())
    report = build_report(demo.data_dir, contract_list, period_for(datetime.now(UTC)),
                          run_outcomes(demo.instance, contract_list),
                          slo_evaluations(demo.instance, contract_list))
    haystacks["weekly report"] = "".join(render_report(report))
    assert "| Versions received | 7 |" in haystacks["weekly report"]
    assert len(book.list()) >= 14 and "incidents.sqlite:incident_events" in haystacks
    assert sum(len(h) for h in haystacks.values()) > 100_000  # the event log was searched
    pattern = needle_pattern(planted)
    hits = {(name, value) for name, text in haystacks.items() for value in found(pattern, text)}
    assert hits == set(), sorted(hits)[:5]
