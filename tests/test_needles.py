"""The leak tests' search finds every planted value, as `value in text` would."""

from __future__ import annotations

import random
import string

from tests.needles import found, needle_pattern, needle_pattern_bytes


def test_finds_values_sharing_prefixes_and_nothing_else():
    pattern = needle_pattern(["Ann Lee", "Ann Leeds", "ann.lee@example.org", "+1 (555) 010-99"])
    assert found(pattern, "Dear Ann Leeds, re: Ann Lee") == {"Ann Leeds", "Ann Lee"}
    assert found(pattern, "mail ann.lee@example.org or call +1 (555) 010-99") == {
        "ann.lee@example.org", "+1 (555) 010-99"}
    assert found(pattern, "Ann Le, ann.lee@example.com, +1 (555) 010-9") == set()


def test_agrees_with_substring_search_on_random_text():
    rng = random.Random(7)
    alphabet = "abc @.-"
    values = {"".join(rng.choice(alphabet) for _ in range(rng.randint(2, 6)))
              for _ in range(300)}
    pattern = needle_pattern(values)
    for _ in range(200):
        text = "".join(rng.choice(alphabet + string.digits) for _ in range(80))
        # Empty exactly when no value occurs: what a leak test asserts.
        assert (found(pattern, text) == set()) == (not any(v in text for v in values))
        assert found(pattern, text) <= {v for v in values if v in text}


def test_bytes_pattern_finds_utf8_values_in_raw_bytes():
    pattern = needle_pattern_bytes(["Zoë Ørsted", "Zoe Orsted"])
    assert {m.group() for m in pattern.finditer("x Zoë Ørsted y".encode())} == {
        "Zoë Ørsted".encode()}
    assert not list(pattern.finditer("Zoë Orsted".encode()))
