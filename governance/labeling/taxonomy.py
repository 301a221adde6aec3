"""Error categories of reviewers' verdicts and the guideline-proposal thresholds of a contract.

Read from the contract's labeling section:

    errorCategories: [guideline_gap, misread_item, ambiguous_item, careless, tooling]
    guidelineRules: {billing: "billing", "billing/shipping": "One label per ticket"}
    guidelineProposals: {minShare: 0.3, minErrors: 5, minAnnotators: 2,
                         excludeCategories: [careless, tooling]}

All three are optional; the values above (without the rule overrides) are the defaults.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from governance.errors import ContractError

DEFAULT_CATEGORIES = ("guideline_gap", "misread_item", "ambiguous_item", "careless", "tooling")
UNCATEGORIZED = "uncategorized"
# Errors a clearer rule would not have prevented, so they do not count toward a proposal.
DEFAULT_EXCLUDED = ("careless", "tooling")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_PROPOSAL_KEYS = {"minShare", "minErrors", "minAnnotators", "excludeCategories"}

Fail = Callable[[str, str], ContractError]


@dataclass(frozen=True)
class ProposalRule:
    """When errors concentrate enough on one label pair to draft a guideline change.

    A pair of labels {a, b} (either direction: true a given b, or true b given a) gets a
    proposal when, among the batch's errors outside `exclude`, it holds at least
    `min_errors` errors and at least `min_share` of them, made by at least
    `min_annotators` different annotators (one person's habit is feedback, not a rule gap).
    """

    min_share: float = 0.3
    min_errors: int = 5
    min_annotators: int = 2
    exclude: tuple[str, ...] = DEFAULT_EXCLUDED


@dataclass(frozen=True)
class ReviewSettings:
    """The error taxonomy, rule-heading overrides and proposal thresholds of a contract."""

    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    proposals: ProposalRule = ProposalRule()
    # label, or "a/b" for a label pair -> the guideline heading that covers it
    rules: dict[str, str] = field(default_factory=dict)


def category_name(text: str) -> str:
    """A category as written by a reviewer ('Guideline gap') in its taxonomy form."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def pair_key(a: str, b: str) -> str:
    """The override key of a label pair, order-free ('billing/shipping')."""
    return "/".join(sorted((a, b)))


def _categories(raw: Any, fail: Fail) -> tuple[str, ...]:
    if raw is None:
        return DEFAULT_CATEGORIES
    if not isinstance(raw, list) or not raw:
        raise fail("errorCategories", "give a list of category names, e.g. "
                   f"[{', '.join(DEFAULT_CATEGORIES)}]")
    names = []
    for value in raw:
        name = category_name(str(value))
        if not _NAME.fullmatch(name) or name == UNCATEGORIZED:
            raise fail("errorCategories", f"{value!r} is not a usable category name: use "
                       "lower-case letters, digits and underscores (at most 40), and not "
                       f"'{UNCATEGORIZED}', which marks errors without a category")
        if name in names:
            raise fail("errorCategories", f"{name!r} is listed twice")
        names.append(name)
    return tuple(names)


def _proposals(raw: Any, categories: Sequence[str], fail: Fail) -> ProposalRule:
    raw = raw or {}
    where = "guidelineProposals"
    if not isinstance(raw, dict):
        raise fail(where, "must be a mapping")
    unknown = set(raw) - _PROPOSAL_KEYS
    if unknown:
        raise fail(where, f"unknown keys {sorted(unknown)}; use {sorted(_PROPOSAL_KEYS)}")
    share, errors, people = (raw.get("minShare", 0.3), raw.get("minErrors", 5),
                             raw.get("minAnnotators", 2))
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
        raise fail(f"{where}.minShare", "must be a share above 0 and at most 1, e.g. 0.3")
    for key, value in (("minErrors", errors), ("minAnnotators", people)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise fail(f"{where}.{key}", "must be a whole number of at least 1")
    excluded = raw.get("excludeCategories")
    if excluded is None:
        exclude = tuple(c for c in DEFAULT_EXCLUDED if c in categories)
    elif not isinstance(excluded, list):
        raise fail(f"{where}.excludeCategories", "give a list of error categories")
    else:
        exclude = tuple(category_name(str(c)) for c in excluded)
        stray = [c for c in exclude if c not in categories]
        if stray:
            raise fail(f"{where}.excludeCategories", f"{stray} are not error categories of "
                       f"this contract ({', '.join(categories)})")
    return ProposalRule(float(share), errors, people, exclude)


def _rules(raw: Any, label_set: Sequence[str], headings: Sequence[str],
           fail: Fail) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise fail("guidelineRules", "map a label (or a pair 'a/b') to a guideline heading")
    rules = {}
    for key, heading in raw.items():
        labels = str(key).split("/")
        if len(labels) > 2 or any(lab not in label_set for lab in labels):
            raise fail(f"guidelineRules.{key}", f"name a label or a pair 'a/b' of labels "
                       f"from {', '.join(label_set)}")
        if str(heading) not in headings:
            raise fail(f"guidelineRules.{key}", f"{heading!r} is not a heading of the "
                       f"guidelines (they have: {', '.join(headings)})")
        rules[pair_key(*labels) if len(labels) == 2 else labels[0]] = str(heading)
    return rules


def review_settings(raw: dict[str, Any], label_set: Sequence[str], headings: Sequence[str],
                    fail: Fail) -> ReviewSettings:
    """The review settings of a labeling section; `fail(where, reason)` builds the error."""
    categories = _categories(raw.get("errorCategories"), fail)
    return ReviewSettings(categories, _proposals(raw.get("guidelineProposals"), categories,
                                                 fail),
                          _rules(raw.get("guidelineRules"), label_set, headings, fail))
