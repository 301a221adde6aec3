"""The lexicon cache: built once from the libraries' data, written atomically, then reused."""

from __future__ import annotations

import gzip
import json

from governance.pii import lexicon


def test_build_writes_a_complete_cache_file(tmp_path):
    path = tmp_path / "cache" / "lexicon.json.gz"
    lexicon.build(path)
    data = json.loads(gzip.decompress(path.read_bytes()))
    assert len(data["first_names"]) > 50_000 and len(data["surnames"]) > 50_000
    assert lexicon.fold("Kristiansand S") in set(data["places"])
    assert any("[A-Z]" in p for p in data["postcode_patterns"])
    assert [p.name for p in path.parent.iterdir()] == ["lexicon.json.gz"]  # no temp files left


def test_lookups_ignore_case_and_accents():
    lex = lexicon.get_lexicon()
    assert lex.first_rank("INGRID") == lex.first_rank("ingrid") is not None
    assert lex.surname_rank("Wisniewski") == lex.surname_rank("Wiśniewski") is not None
    assert lex.is_place("KRAKÓW") and not lex.is_place("Refund")
    assert lexicon.common_zipf("order") > 5 > lexicon.common_zipf("kowalski")
