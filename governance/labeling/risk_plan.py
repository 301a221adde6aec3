"""The contract's `riskAudit` setting: a second audit sample aimed at likely label errors.

    riskAudit:
      size: 0.05            # a share of the batch's labels (0 < share < 1) or a count (>= 1)
      key: ticket_id        # the labeled dataset's column holding the item ids
      textColumn: [subject, body]   # its text column(s) the classifier reads
      folds: 5              # cross-validation folds for the out-of-fold probabilities

Without the section there is no risk sample. The text is read from the labeled dataset's
delivered stage (personal spans already redacted) and never stored.
This module only reads settings; the scoring lives in governance/labeling/risk.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from governance.errors import GovernanceError
from governance.identifiers import check_column_name

DEFAULT_SHARE = 0.05
DEFAULT_FOLDS = 5
_KEYS = {"size", "key", "textColumn", "folds"}


@dataclass(frozen=True)
class RiskAuditPlan:
    """How many labels the risk sample takes, and where the classifier finds the text."""

    key: str
    text_columns: tuple[str, ...]
    share: float | None = DEFAULT_SHARE
    count: int | None = None
    folds: int = DEFAULT_FOLDS

    def size(self, population: int) -> int:
        """Labels to put in the risk sample for a batch of `population` labels."""
        if self.count is not None:
            return min(self.count, population)
        # Rounded up so a small batch with a non-zero share still gets one label.
        return min(population, math.ceil((self.share or 0.0) * population - 1e-9))

    @property
    def describe(self) -> str:
        """The size rule in words, for metadata and the scorecard."""
        return (f"{self.count} labels" if self.count is not None
                else f"{self.share:.0%} of the batch's labels")


def risk_audit_plan(raw: Any, fail: Callable[[str, str], GovernanceError]
                    ) -> RiskAuditPlan | None:
    """Read labeling.riskAudit; None when the contract asks for no risk sample."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise fail("riskAudit", "must be a mapping with size, key and textColumn")
    unknown = set(raw) - _KEYS
    if unknown:
        raise fail("riskAudit", f"unknown keys {sorted(unknown)}; use {sorted(_KEYS)}")
    try:
        key = check_column_name(raw.get("key"))
    except GovernanceError:
        raise fail("riskAudit.key", "name the labeled dataset's column holding the item "
                   "ids (e.g. ticket_id)") from None
    texts = raw.get("textColumn")
    texts = [texts] if isinstance(texts, str) else texts
    if not texts or not isinstance(texts, list):
        raise fail("riskAudit.textColumn", "name the labeled dataset's text column (or a list "
                   "of them) the classifier reads")
    try:
        columns = tuple(check_column_name(c) for c in texts)
    except GovernanceError as exc:
        raise fail("riskAudit.textColumn", str(exc)) from None
    size = raw.get("size", DEFAULT_SHARE)
    share = count = None
    if isinstance(size, bool) or not isinstance(size, int | float) or size <= 0:
        raise fail("riskAudit.size", "give a share of the labels between 0 and 1 (e.g. 0.05) "
                   "or a number of labels (e.g. 40)")
    if isinstance(size, int) or size >= 1:
        if size != int(size):
            raise fail("riskAudit.size", "a number of labels must be whole (e.g. 40)")
        count = int(size)
    else:
        share = float(size)
    folds = raw.get("folds", DEFAULT_FOLDS)
    if isinstance(folds, bool) or not isinstance(folds, int) or not 2 <= folds <= 20:
        raise fail("riskAudit.folds", "use a whole number of folds from 2 to 20")
    return RiskAuditPlan(key, columns, share, count, folds)
