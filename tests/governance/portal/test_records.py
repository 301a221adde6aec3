"""The portal's record pages: incidents without personal values, holds, the audit result."""

from __future__ import annotations

from datetime import timedelta

from governance.audit import audit_path
from governance.holds import HoldBook
from governance.incidents.book import IncidentBook
from governance.incidents.model import HIGH, QUALITY, Signal
from governance.portal.site import built_site
from tests.governance.portal.conftest import NOW, build

NAME = "Zebulon Quartermaine"
EMAIL = "zebulon.quartermaine@planted.example"


def test_incidents_page_lists_incidents_without_personal_values(portal_inputs):
    layout, _, contracts = portal_inputs
    book = IncidentBook(layout, contracts)
    first, _ = book.record(Signal("loan_applications", "v2", "intake_complete", QUALITY, HIGH,
                                  NOW, f"reported by {NAME} <{EMAIL}>"))
    book.assign(first.id, "zebulon_quartermaine", "lead", NOW + timedelta(minutes=5))
    second, _ = book.record(Signal("support_tickets", "v1", "unique_keys", QUALITY, HIGH,
                                   NOW, "2 duplicate keys"))
    book.resolve(second.id, "schema change", f"{NAME} fixed it, mail {EMAIL}", "lead",
                 NOW + timedelta(hours=2))
    build(portal_inputs)
    page = (built_site(layout.portal_dir) / "incidents" / "index.html").read_text()
    assert "2 incident(s), 1 still active" in page
    # INC-0001 has a post-mortem in the documents folder: its id links to it.
    assert f'href="../postmortems/{first.id}/"' in page
    for cell in ("loan_applications", "assigned", "v2", "schema change", "2026-03-09 08:00 UTC",
                 contracts["loan_applications"].owner_team):
        assert f"<td>{cell}</td>" in page
    for value in (NAME, "Zebulon", "zebulon", EMAIL, "planted.example"):
        assert value not in page


def test_retention_page_shows_holds_but_not_their_reasons(portal_inputs):
    layout, _, _ = portal_inputs
    HoldBook(layout.holds_file).add("loan_applications", "v1", "case of Zebulon Quartermaine")
    build(portal_inputs)
    page = (built_site(layout.portal_dir) / "retention" / "index.html").read_text()
    assert "<td>loan_applications</td>" in page and "<td>v1</td>" in page
    assert "Zebulon" not in page and "No legal hold" not in page


def test_audit_page_says_when_the_trail_is_broken(portal_inputs):
    layout, _, _ = portal_inputs
    path = audit_path(layout.data_dir)
    lines = path.read_text().splitlines()
    assert '"rows":121' in lines[0]
    path.write_text("\n".join([lines[0].replace('"rows":121', '"rows":999'), *lines[1:]])
                    + "\n")
    result = build(portal_inputs)
    page = (built_site(layout.portal_dir) / "audit" / "index.html").read_text()
    assert not result.audit.ok
    assert "<strong>NOT verified</strong>" in page and "BROKEN" in page
    index = (built_site(layout.portal_dir) / "index.html").read_text()
    assert "NOT verified" in index
