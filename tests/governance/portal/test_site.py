"""The portal's site: pages at fixed paths, offline search, no web assets, atomic rebuilds."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest

from governance.portal import site as portal_site
from governance.portal.site import PortalBuildError, PortalNotBuiltError, built_site
from tests.governance.portal.conftest import BASE_URL, build

PAGES = ("index.html", "datasets/index.html", "datasets/loan_applications/index.html",
         "datasets/loan_applications/v1/index.html", "datasets/loan_applications/v2/index.html",
         "datasets/support_tickets/v1/index.html", "scorecards/support_tickets/v1/index.html",
         "reports/weekly-2026-10/index.html", "reports/weekly-2026-09/index.html",
         "incidents/index.html", "postmortems/INC-0001/index.html", "retention/index.html",
         "audit/index.html", "search/search_index.json")


def _text(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


def test_pages_exist_at_their_deterministic_paths(portal_inputs):
    result = build(portal_inputs)
    site = built_site(portal_inputs[0].portal_dir)
    assert result.site_dir == site
    missing = [p for p in PAGES if not (site / p).is_file()]
    assert missing == []
    # The datasheet page shows the datasheet's own rendering, its chart included.
    page = _text(site, "datasets/loan_applications/v2/index.html")
    assert "Datasheet: loan_applications v2" in page
    assert 'aria-label="completeness per version"' in page
    # The dataset page lists every version with its status and the changes of each.
    overview = _text(site, "datasets/loan_applications/index.html")
    assert re.search(r"v1</a></td>\s*<td>delivered</td>", overview)
    assert re.search(r"v2</a></td>\s*<td>blocked</td>", overview)
    assert "120 → 98" in overview and "the first version." in overview
    # Weekly reports newest first.
    reports = _text(site, "reports/index.html")
    assert reports.index("2026-10") < reports.index("2026-09")
    assert "versions received: 7" in _text(site, "reports/weekly-2026-10/index.html")
    assert "acme" in _text(site, "scorecards/support_tickets/v1/index.html")
    # The audit page reports the verification of the trail the fixture wrote.
    audit = _text(site, "audit/index.html")
    assert "<strong>verified</strong>" in audit and "<td>2</td>" in audit


def test_search_index_holds_every_dataset(portal_inputs):
    build(portal_inputs)
    index = json.loads(_text(built_site(portal_inputs[0].portal_dir),
                             "search/search_index.json"))
    text = " ".join(f"{d['location']} {d['title']} {d['text']}" for d in index["docs"])
    for name in ("loan_applications", "support_tickets", "INC-0001"):
        assert name in text
    assert any(d["location"] == "datasets/loan_applications/v2/" for d in index["docs"])


def test_nothing_is_fetched_from_the_web(portal_inputs):
    build(portal_inputs)
    site = built_site(portal_inputs[0].portal_dir)
    pages = list(site.rglob("*.html"))
    assert len(pages) >= 13
    for page in pages:
        text = page.read_text(encoding="utf-8")
        sources = re.findall(r"<(?:script|link|img|iframe)\b[^>]*?(?:src|href)=\"([^\"]+)\"",
                             text)
        external = [s for s in sources if re.match(r"(https?:)?//", s)
                    and not s.startswith(BASE_URL)]
        assert external == [], page
        # No web link at all other than the portal's own address (fonts, CDNs, footer);
        # XML namespaces (xmlns="http://www.w3.org/2000/svg") are names, never fetched.
        text = re.sub(r"xmlns(:\w+)?=\"[^\"]*\"", "", text)
        hosts = {u for u in re.findall(r"https?://[^\s\"'<>]+", text)
                 if not u.startswith(BASE_URL)}
        assert hosts == set(), page


def test_a_failing_build_leaves_the_previous_site(portal_inputs, monkeypatch):
    layout, documents, _ = portal_inputs
    build(portal_inputs)
    site = built_site(layout.portal_dir)
    before = _text(site, "datasets/loan_applications/v2/index.html")
    builds = sorted((layout.portal_dir / "builds").iterdir())

    def broken(config_file: Path) -> None:
        (config_file.parent / "site").mkdir()
        (config_file.parent / "site" / "half.html").write_text("partial")
        raise RuntimeError("theme exploded")

    monkeypatch.setattr(portal_site, "_mkdocs_build", broken)
    (documents / "loan_applications" / "v2.html").write_text("<body>CHANGED</body>")
    with pytest.raises(PortalBuildError, match="previous portal is still served"):
        build(portal_inputs)
    assert _text(site, "datasets/loan_applications/v2/index.html") == before
    assert sorted((layout.portal_dir / "builds").iterdir()) == builds  # nothing left over


def test_a_rebuild_swaps_the_whole_site_and_keeps_one_earlier_build(portal_inputs):
    layout, documents, _ = portal_inputs
    build(portal_inputs)
    first = (layout.portal_dir / "site").resolve()
    (documents / "loan_applications" / "v2.html").write_text("<body><p>REWRITTEN</p></body>")
    build(portal_inputs)
    build(portal_inputs)
    site = layout.portal_dir / "site"
    assert site.is_symlink() and site.resolve() != first
    assert "REWRITTEN" in _text(site, "datasets/loan_applications/v2/index.html")
    assert len(list((layout.portal_dir / "builds").iterdir())) == 2
    assert not first.exists()  # the oldest build was removed


def test_concurrent_builds_do_not_interleave(portal_inputs):
    errors: list[BaseException] = []

    def run() -> None:
        try:
            build(portal_inputs)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    site = built_site(portal_inputs[0].portal_dir)
    assert all((site / p).is_file() for p in PAGES)


def test_an_unbuilt_portal_is_refused_in_plain_words(tmp_path):
    with pytest.raises(PortalNotBuiltError, match="dataops portal build"):
        built_site(tmp_path / "portal")
