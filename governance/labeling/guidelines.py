"""The rules of a Markdown labeling guideline, referenced by heading."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from governance.labeling.taxonomy import pair_key

_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def headings(text: str) -> list[str]:
    """The ATX headings (# ...) of a Markdown document, in order, outside code fences."""
    out, fenced = [], False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else _HEADING.match(line)
        if match and match.group(2):
            out.append(match.group(2).strip("` "))
    return out


def read_headings(path: Path) -> list[str]:
    """The headings of a guideline file."""
    return headings(path.read_text(encoding="utf-8"))


def _names(heading: str, label: str) -> bool:
    # A whole word, so the label 'other' is not found in 'another'.
    return re.search(rf"(?<![a-z0-9_]){re.escape(label)}(?![a-z0-9_])", heading.lower()) \
        is not None


def rule_for(labels: Sequence[str], all_headings: Sequence[str],
             overrides: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The guideline heading(s) covering one label or a label pair ('' entries never).

    A contract override wins; else the first heading naming every label of the pair;
    else each label's own first heading. Empty when the guidelines name none of them.
    """
    overrides = overrides or {}
    key = pair_key(*labels) if len(labels) == 2 else labels[0]
    if key in overrides:
        return (overrides[key],)
    both = [h for h in all_headings if all(_names(h, lab) for lab in labels)]
    if both:
        return (both[0],)
    found = []
    for label in labels:
        own = overrides.get(label) or next((h for h in all_headings if _names(h, label)), None)
        if own and own not in found:
            found.append(own)
    return tuple(found)
