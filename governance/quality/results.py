"""Outcomes of quality rules, shared by both engines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from governance.contracts import DatasetContract
from governance.masking import show_value
from governance.quality.rules import Rule

MAX_ROW_IDS = 20
MAX_SAMPLES = 5


@dataclass
class RuleResult:
    """Failures of one rule: a count, the first failing row ids and raw sample values."""

    rule: Rule
    failures: int
    row_ids: list[int] = field(default_factory=list)
    raw_samples: list[Any] = field(default_factory=list)

    def samples(self, contract: DatasetContract) -> list[str]:
        """Sample failing values, masked wherever the column is personal data."""
        personal = {c.name for c in contract.columns if c.personal}
        if self.rule.kind == "compare":
            left, right = self.rule.params["left"], self.rule.params["right"]
            return [f"{left}={show_value(a, left in personal)}, "
                    f"{right}={show_value(b, right in personal)}"
                    for a, b in self.raw_samples[:MAX_SAMPLES]]
        if self.rule.kind == "row_count":
            return [str(v) for v in self.raw_samples[:MAX_SAMPLES]]
        is_personal = self.rule.column in personal
        return [show_value(v, is_personal) for v in self.raw_samples[:MAX_SAMPLES]]


@dataclass
class QualityReport:
    """Every rule's result for one version, plus the row count checked."""

    engine: str
    rows: int
    results: dict[str, RuleResult]

    def family(self, rules: tuple[Rule, ...]) -> list[RuleResult]:
        """Results of a family's rules, in rule order."""
        return [self.results[r.id] for r in rules]

    def comparable(self) -> dict[str, tuple[int, list[int]]]:
        """Failures and row ids per rule: what both engines must agree on."""
        return {rid: (r.failures, r.row_ids) for rid, r in sorted(self.results.items())}
