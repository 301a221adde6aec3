"""Quality rules derived from a contract, grouped into families (one Dagster check each).

Column rules come from the schema (required, unique, enum, minimum/maximum, pattern);
dataset rules from the schema object's ODCS `quality` list: `type: library` with
`metric: rowCount` and a comparison operator, and `type: custom` with `engine: dataops`
and `implementation: {compare: [left, op, right]}` for cross-column consistency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from governance.contracts import DatasetContract
from governance.errors import ContractError

REQUIRED, UNIQUE, ALLOWED, RANGES, PATTERNS, CONSISTENCY, ROW_COUNT = (
    "required_values", "unique_keys", "allowed_values", "value_ranges", "text_patterns",
    "cross_field_consistency", "row_count",
)
FAMILIES = (REQUIRED, UNIQUE, ALLOWED, RANGES, PATTERNS, CONSISTENCY, ROW_COUNT)
FAMILY_DESCRIPTIONS = {
    REQUIRED: "Required columns hold a value in every row.",
    UNIQUE: "Key columns hold no duplicate values.",
    ALLOWED: "Columns with an enumeration hold only allowed values.",
    RANGES: "Numeric and date columns stay within their declared minimum and maximum.",
    PATTERNS: "Text columns match their declared pattern.",
    CONSISTENCY: "Cross-column rules hold (for example end after start).",
    ROW_COUNT: "The batch has a plausible number of rows.",
}
# The quality dimension each family measures.
FAMILY_DIMENSION = {
    REQUIRED: "completeness", UNIQUE: "uniqueness", ALLOWED: "validity", RANGES: "validity",
    PATTERNS: "validity", CONSISTENCY: "consistency", ROW_COUNT: "completeness",
}
SEVERITIES = ("error", "warning")
COMPARATORS = ("<", "<=", ">", ">=", "==", "!=")
_ROW_COUNT_OPS = {
    "mustBe": "==", "mustNotBe": "!=", "mustBeGreaterThan": ">",
    "mustBeGreaterOrEqualTo": ">=", "mustBeLessThan": "<", "mustBeLessOrEqualTo": "<=",
}


@dataclass(frozen=True)
class Rule:
    """One executable rule. `column` is None for dataset-level rules."""

    id: str
    family: str
    kind: str  # not_null | unique | isin | in_range | pattern | compare | row_count
    column: str | None = None
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    description: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        """Columns the rule reads."""
        if self.kind == "compare":
            return (self.params["left"], self.params["right"])
        return (self.column,) if self.column else ()


@dataclass(frozen=True)
class QualitySpec:
    """Every rule of a contract, the severity of each family and the dimension targets."""

    rules: tuple[Rule, ...]
    severity: dict[str, str]
    targets: dict[str, float]
    reference_key: str | None = None
    reference_columns: tuple[str, ...] = ()

    def family_rules(self, family: str) -> tuple[Rule, ...]:
        """Rules of one family."""
        return tuple(r for r in self.rules if r.family == family)

    @property
    def families(self) -> tuple[str, ...]:
        """Families with at least one rule, in canonical order."""
        return tuple(f for f in FAMILIES if self.family_rules(f))

    def blocking(self, family: str) -> bool:
        """True when a failure of this family blocks delivery."""
        return self.severity.get(family, "error") == "error"


def _fail(contract: DatasetContract, where: str, reason: str) -> ContractError:
    return ContractError(str(contract.path), where, reason)


def _column_rules(contract: DatasetContract) -> list[Rule]:
    rules = []
    for col in contract.columns:
        if col.required:
            rules.append(Rule(f"{col.name}.not_null", REQUIRED, "not_null", col.name))
        if col.unique or col.primary_key:
            rules.append(Rule(f"{col.name}.unique", UNIQUE, "unique", col.name))
        if col.allowed_values is not None:
            rules.append(Rule(f"{col.name}.isin", ALLOWED, "isin", col.name,
                              {"values": list(col.allowed_values)}))
        if col.minimum is not None or col.maximum is not None:
            rules.append(Rule(f"{col.name}.in_range", RANGES, "in_range", col.name,
                              {"min": col.minimum, "max": col.maximum}))
        if col.pattern:
            rules.append(Rule(f"{col.name}.pattern", PATTERNS, "pattern", col.name,
                              {"pattern": col.pattern}))
    return rules


def _dataset_rules(contract: DatasetContract) -> list[Rule]:
    rules = []
    names = set(contract.column_names)
    for i, q in enumerate(contract.odcs.schema_[0].quality or []):
        where = f"schema[0].quality[{i}]"
        name = q.name or f"rule_{i}"
        if q.type == "library" and q.metric == "rowCount":
            ops = [(op, getattr(q, attr)) for attr, op in _ROW_COUNT_OPS.items()
                   if getattr(q, attr) is not None]
            if len(ops) != 1:
                raise _fail(contract, where, "rowCount needs exactly one comparison "
                            "(mustBe, mustBeGreaterThan, mustBeGreaterOrEqualTo, ...)")
            rules.append(Rule(name, ROW_COUNT, "row_count", None,
                              {"op": ops[0][0], "value": ops[0][1]}, q.description or ""))
        elif q.type == "custom" and q.engine == "dataops":
            impl = q.implementation if isinstance(q.implementation, dict) else {}
            compare = impl.get("compare")
            if (not isinstance(compare, list) or len(compare) != 3
                    or compare[1] not in COMPARATORS):
                raise _fail(contract, f"{where}.implementation.compare",
                            "write [left_column, operator, right_column] with an operator of "
                            + " ".join(COMPARATORS))
            left, op, right = compare
            for side in (left, right):
                if side not in names:
                    raise _fail(contract, f"{where}.implementation.compare",
                                f"{side!r} is not a column of this dataset")
            rules.append(Rule(name, CONSISTENCY, "compare", None,
                              {"left": left, "op": op, "right": right}, q.description or ""))
        elif q.type == "text":
            continue  # human-readable only
        else:
            raise _fail(contract, where, "supported quality rules are library rowCount and "
                        "custom rules with engine 'dataops'")
    return rules


def quality_spec(contract: DatasetContract) -> QualitySpec:
    """Read the contract's rules, severities, targets and accuracy reference."""
    rules = _column_rules(contract) + _dataset_rules(contract)
    severity = {f: "error" for f in FAMILIES}
    for i, q in enumerate(contract.odcs.schema_[0].quality or []):
        if q.severity and q.severity not in SEVERITIES:
            raise _fail(contract, f"schema[0].quality[{i}].severity",
                        f"use one of {', '.join(SEVERITIES)}")
    for q in contract.odcs.schema_[0].quality or []:
        for rule in rules:
            if rule.id == q.name and q.severity:
                severity[rule.family] = q.severity
    overrides = contract.custom.get("checkSeverity") or {}
    if not isinstance(overrides, dict):
        raise _fail(contract, "customProperties.checkSeverity", "must map family to severity")
    for family, level in overrides.items():
        if family not in FAMILIES:
            raise _fail(contract, "customProperties.checkSeverity",
                        f"unknown check family {family!r}; use {', '.join(FAMILIES)}")
        if level not in SEVERITIES:
            raise _fail(contract, "customProperties.checkSeverity",
                        f"severity of {family} must be one of {', '.join(SEVERITIES)}")
        severity[family] = level
    targets = contract.custom.get("qualityTargets") or {}
    bad = [k for k, v in targets.items() if not isinstance(v, int | float) or not 0 <= v <= 1]
    if not isinstance(targets, dict) or bad:
        raise _fail(contract, "customProperties.qualityTargets",
                    "map each dimension to a share between 0 and 1")
    ref = contract.custom.get("accuracyReference") or {}
    key, columns = ref.get("key"), tuple(ref.get("columns") or ())
    for name in (key, *columns) if ref else ():
        if name not in contract.column_names:
            raise _fail(contract, "customProperties.accuracyReference",
                        f"{name!r} is not a column of this dataset")
    return QualitySpec(tuple(rules), severity, {k: float(v) for k, v in targets.items()},
                       key, columns)
