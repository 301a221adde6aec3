"""Where annotators go wrong: confusion matrices, error categories and guideline proposals.

A label is *judged* when its true label is known: the reviewers' verdict for labels in the
audit samples (random or risk), else the gold answer for labels of gold items. Each judged
label counts once (the verdict wins over the gold answer, being the newer look at the item).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from governance.labeling.guidelines import rule_for
from governance.labeling.taxonomy import UNCATEGORIZED, ProposalRule

SCOPES = ("batch", "vendor", "annotator")
BATCH_MEMBER = "*"  # the member name of the whole-batch scope
JUDGED_COLUMNS = ("item", "annotator", "vendor", "label", "truth", "source")


def _verdicts(sample: pd.DataFrame, source: str) -> pd.DataFrame:
    audited = sample.loc[sample["verdict"].notna(), ["item", "annotator", "vendor", "label",
                                                     "verdict"]]
    return audited.rename(columns={"verdict": "truth"}).assign(source=source)


def judged_labels(frame: pd.DataFrame, sample: pd.DataFrame, gold: Mapping[str, str],
                  risk: pd.DataFrame | None = None) -> pd.DataFrame:
    """Labels with a known true label: audited (verdict) first, then gold answers.

    Labels of the risk sample (governance/labeling/risk_audit.py) count here with source
    `risk_audit`: they find errors, though they take no part in the accuracy estimate."""
    audited = _verdicts(sample, "audit")
    if risk is not None and len(risk):
        audited = pd.concat([audited, _verdicts(risk, "risk_audit")], ignore_index=True)
    rows = frame.loc[frame["label"].notna(), ["item", "annotator", "vendor", "label"]]
    rows = rows.astype(str)
    seen = set(zip(audited["item"].astype(str), audited["annotator"].astype(str), strict=True))
    answers = {str(k): str(v) for k, v in gold.items()}
    keys = list(zip(rows["item"], rows["annotator"], strict=True))
    on_gold = rows[[item in answers and (item, who) not in seen for item, who in keys]]
    on_gold = on_gold.assign(truth=on_gold["item"].map(answers), source="gold")
    out = pd.concat([audited.astype(str), on_gold], ignore_index=True)
    out = out.sort_values(["item", "annotator"], kind="mergesort").reset_index(drop=True)
    return out[list(JUDGED_COLUMNS)]


def _members(judged: pd.DataFrame, scope: str) -> pd.Series:
    return pd.Series(BATCH_MEMBER, index=judged.index) if scope == "batch" else \
        judged[scope].astype(str)


def confusions(judged: pd.DataFrame) -> pd.DataFrame:
    """Judged labels per scope, member, true label and given label (non-zero cells only)."""
    parts = []
    for scope in SCOPES:
        counts = (judged.assign(scope=scope, member=_members(judged, scope))
                  .groupby(["scope", "member", "truth", "label"]).size()
                  .rename("labels").reset_index())
        parts.append(counts)
    out = pd.concat(parts, ignore_index=True).rename(columns={"truth": "true_label",
                                                              "label": "given_label"})
    return out[["scope", "member", "true_label", "given_label", "labels"]]


def errors_of(judged: pd.DataFrame) -> pd.DataFrame:
    """The judged labels that are wrong."""
    return judged[judged["label"] != judged["truth"]].reset_index(drop=True)


def category_counts(judged: pd.DataFrame) -> pd.DataFrame:
    """Errors per scope, member and error category (uncategorized where none was given)."""
    errors = errors_of(judged)
    category = errors["error_category"].where(errors["error_category"].notna(), UNCATEGORIZED)
    parts = []
    for scope in SCOPES:
        parts.append(errors.assign(scope=scope, member=_members(errors, scope),
                                   error_category=category)
                     .groupby(["scope", "member", "error_category"]).size()
                     .rename("errors").reset_index())
    columns = ["scope", "member", "error_category", "errors"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(
        columns=columns)


@dataclass(frozen=True)
class Proposal:
    """A drafted guideline change: the label pair, its rule, and the evidence."""

    label_a: str
    label_b: str
    rule: tuple[str, ...]       # guideline heading(s) covering the pair
    errors: int                 # errors on the pair (both directions)
    a_as_b: int                 # true label_a, given label_b
    b_as_a: int
    considered: int             # errors a rule could prevent (categories not excluded)
    annotators: tuple[str, ...]
    items: tuple[str, ...]

    @property
    def share(self) -> float:
        """The pair's share of the considered errors."""
        return self.errors / self.considered if self.considered else 0.0

    def text(self, guidelines_version: str) -> str:
        """One sentence a labeling lead can act on (item ids only, never item text)."""
        rule = " and ".join(f"'{h}'" for h in self.rule)
        rule = f"the rule(s) {rule}" if rule else "a rule (no heading names these labels)"
        return (f"Clarify {rule} in guidelines {guidelines_version}: {self.label_a} and "
                f"{self.label_b} were mixed up in {self.errors} of {self.considered} errors a "
                f"rule could prevent ({self.share:.0%}; {self.a_as_b} true {self.label_a} "
                f"labeled {self.label_b}, {self.b_as_a} true {self.label_b} labeled "
                f"{self.label_a}) by {len(self.annotators)} annotators, on "
                f"{len(self.items)} item(s).")


def propose(judged: pd.DataFrame, rule: ProposalRule, headings: Sequence[str],
            overrides: Mapping[str, str] | None = None) -> list[Proposal]:
    """Label pairs whose errors concentrate across annotators, most errors first."""
    errors = errors_of(judged)
    if "error_category" in errors:
        errors = errors[~errors["error_category"].isin(rule.exclude)]
    considered = len(errors)
    if not considered:
        return []
    pairs = [tuple(sorted(p)) for p in zip(errors["truth"], errors["label"], strict=True)]
    out = []
    for (a, b), rows in errors.groupby(pd.Series(pairs, index=errors.index)):
        people = tuple(sorted(set(rows["annotator"])))
        if (len(rows) < rule.min_errors or len(rows) / considered < rule.min_share
                or len(people) < rule.min_annotators):
            continue
        out.append(Proposal(a, b, rule_for((a, b), headings, overrides), len(rows),
                            int((rows["truth"] == a).sum()), int((rows["truth"] == b).sum()),
                            considered, people, tuple(sorted(set(rows["item"])))))
    return sorted(out, key=lambda p: (-p.errors, p.label_a, p.label_b))


@dataclass
class ReviewOutcome:
    """What the judged labels of a batch say about where annotators go wrong."""

    judged: pd.DataFrame        # JUDGED_COLUMNS + error_category, reviewer
    confusions: pd.DataFrame
    categories: pd.DataFrame
    proposals: list[Proposal]


def review(judged: pd.DataFrame, rule: ProposalRule, headings: Sequence[str],
           overrides: Mapping[str, str] | None = None,
           counted: set[tuple[str, str]] | None = None) -> ReviewOutcome:
    """Confusions, error categories and guideline proposals of a batch's judged labels.

    Proposals use only the (item, annotator) labels in `counted` when it is given.
    """
    basis = judged if counted is None else judged[[
        (str(i), str(a)) in counted for i, a in zip(judged["item"], judged["annotator"],
                                                    strict=True)]]
    return ReviewOutcome(judged, confusions(judged), category_counts(judged),
                         propose(basis, rule, headings, overrides))
