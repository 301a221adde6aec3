"""Error categories, confusion matrices and guideline proposals on hand-computed batches."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from governance.errors import ContractError, IntakeError
from governance.labeling.confusion import (
    category_counts,
    confusions,
    judged_labels,
    propose,
)
from governance.labeling.files import save_verdicts
from governance.labeling.guidelines import headings, rule_for
from governance.labeling.spec import labeling_spec
from governance.labeling.taxonomy import DEFAULT_CATEGORIES, ProposalRule
from governance.labeling.verdicts import categorize, load_verdicts, verdict_labels
from governance.settings import Layout

# Six items, two vendors. Truth: i1 billing, i2 shipping, i3 shipping, i4 technical,
# i5 billing (gold, not audited), i6 account (audited for A1 only).
FRAME = pd.DataFrame([
    # item, annotator, vendor, label
    ("i1", "A1", "acme", "billing"), ("i1", "B1", "house", "shipping"),
    ("i2", "A1", "acme", "billing"), ("i2", "B1", "house", "billing"),
    ("i3", "A2", "acme", "billing"), ("i3", "B1", "house", "shipping"),
    ("i4", "A2", "acme", "account"), ("i4", "B1", "house", "technical"),
    ("i5", "A1", "acme", "shipping"), ("i5", "B1", "house", "billing"),
    ("i6", "A1", "acme", "account"), ("i6", "A2", "acme", "account"),
], columns=["item", "annotator", "vendor", "label"])
# The audit sample: every label of i1..i4 and A1's label of i6 (verdict = true label).
TRUTH = {"i1": "billing", "i2": "shipping", "i3": "shipping", "i4": "technical",
         "i6": "account"}
SAMPLE = FRAME[FRAME["item"].isin(["i1", "i2", "i3", "i4"])
               | ((FRAME["item"] == "i6") & (FRAME["annotator"] == "A1"))].assign(
    verdict=lambda f: f["item"].map(TRUTH))
GOLD = {"i5": "billing", "i2": "billing"}  # i2's verdict overrides the (stale) gold answer

VERDICTS_CSV = """item_id,label,annotator_id,error_category,reviewer
i1,billing,,,RV-01
i1,billing,B1,Guideline gap,RV-01
i2,shipping,,guideline_gap,RV-01
i3,shipping,A2,ambiguous item,RV-01
i4,technical,A2,misread_item,RV-01
i5,billing,A1,careless,RV-01
i6,account,,,RV-01
"""


@pytest.fixture
def spec(contracts):
    return labeling_spec(contracts["support_ticket_labels"])


def _verdicts(tmp_path: Path, spec, text: str = VERDICTS_CSV):
    path = tmp_path / "verdicts.csv"
    path.write_text(text)
    return path, load_verdicts(path, spec)


def _judged(tmp_path: Path, spec) -> pd.DataFrame:
    path, verdicts = _verdicts(tmp_path, spec)
    return categorize(judged_labels(FRAME, SAMPLE, GOLD), verdicts, str(path), FRAME)


def test_judged_labels_prefer_the_verdict_and_add_gold_labels(tmp_path, spec) -> None:
    judged = _judged(tmp_path, spec)
    # 9 audited labels + i5's two gold labels; i2 is judged by its verdict (shipping).
    assert len(judged) == 11
    assert judged["source"].value_counts().to_dict() == {"audit": 9, "gold": 2}
    assert set(judged.loc[judged["item"] == "i2", "truth"]) == {"shipping"}
    assert list(judged.loc[judged["item"] == "i6", "annotator"]) == ["A1"]


def test_confusion_matrices_per_batch_vendor_and_annotator(tmp_path, spec) -> None:
    cells = confusions(_judged(tmp_path, spec))
    got = {(r.scope, r.member, r.true_label, r.given_label): r.labels
           for r in cells.itertuples()}
    # Batch: billing->billing (i1 A1), billing->shipping (i1 B1, i5 A1),
    # shipping->billing (i2 A1, i2 B1, i3 A2), shipping->shipping (i3 B1),
    # technical->account (i4 A2), technical->technical (i4 B1), billing->billing (i5 B1),
    # account->account (i6 A1).
    batch = {k[2:]: v for k, v in got.items() if k[0] == "batch"}
    assert batch == {("billing", "billing"): 2, ("billing", "shipping"): 2,
                     ("shipping", "billing"): 3, ("shipping", "shipping"): 1,
                     ("technical", "account"): 1, ("technical", "technical"): 1,
                     ("account", "account"): 1}
    acme = {k[2:]: v for k, v in got.items() if k[:2] == ("vendor", "acme")}
    assert acme == {("billing", "billing"): 1, ("shipping", "billing"): 2,
                    ("technical", "account"): 1, ("billing", "shipping"): 1,
                    ("account", "account"): 1}
    a2 = {k[2:]: v for k, v in got.items() if k[:2] == ("annotator", "A2")}
    assert a2 == {("shipping", "billing"): 1, ("technical", "account"): 1}
    assert sum(v for k, v in got.items() if k[0] == "annotator") == 11


def test_error_counts_per_category(tmp_path, spec) -> None:
    counts = category_counts(_judged(tmp_path, spec))
    got = {(r.scope, r.member, r.error_category): r.errors for r in counts.itertuples()}
    # Errors: i1 B1 (guideline_gap, own row), i2 A1 and i2 B1 (guideline_gap, item row),
    # i3 A2 (ambiguous_item), i4 A2 (misread_item), i5 A1 (careless; a gold miss the
    # reviewer categorized).
    assert {k[2]: v for k, v in got.items() if k[0] == "batch"} == {
        "guideline_gap": 3, "ambiguous_item": 1, "misread_item": 1, "careless": 1}
    assert {k[2]: v for k, v in got.items() if k[:2] == ("vendor", "house")} == {
        "guideline_gap": 2}
    assert {k[2]: v for k, v in got.items() if k[:2] == ("annotator", "A1")} == {
        "guideline_gap": 1, "careless": 1}


def test_missing_category_counts_as_uncategorized(tmp_path, spec) -> None:
    judged = _judged(tmp_path, spec).assign(error_category=None)
    counts = category_counts(judged)
    assert counts.query("scope == 'batch'")[["error_category", "errors"]].values.tolist() \
        == [["uncategorized", 6]]


def test_proposal_names_the_concentrated_pair(tmp_path, spec) -> None:
    judged = _judged(tmp_path, spec)
    rule = ProposalRule(min_share=0.5, min_errors=3, min_annotators=2)
    proposals = propose(judged, rule, spec.guidelines.headings)
    # careless (i5 A1) is left out: 5 errors considered, 4 on billing/shipping by 3 people.
    assert len(proposals) == 1
    p = proposals[0]
    assert (p.label_a, p.label_b, p.errors, p.considered) == ("billing", "shipping", 4, 5)
    assert (p.a_as_b, p.b_as_a) == (1, 3)
    assert p.annotators == ("A1", "A2", "B1") and p.items == ("i1", "i2", "i3")
    assert p.rule == ("billing", "shipping")
    assert "4 of 5 errors" in p.text("2.2") and "(80%;" in p.text("2.2")


@pytest.mark.parametrize("rule", [
    ProposalRule(min_share=0.9, min_errors=3, min_annotators=2),   # 80% < 90%
    ProposalRule(min_share=0.5, min_errors=5, min_annotators=2),   # 4 errors < 5
    ProposalRule(min_share=0.5, min_errors=3, min_annotators=4),   # 3 annotators < 4
])
def test_no_proposal_below_any_threshold(tmp_path, spec, rule) -> None:
    assert propose(_judged(tmp_path, spec), rule, spec.guidelines.headings) == []


def test_one_annotators_habit_is_no_guideline_gap(tmp_path, spec) -> None:
    judged = _judged(tmp_path, spec)
    only_a2 = judged[(judged["label"] == judged["truth"]) | (judged["annotator"] == "A2")]
    # A2's two errors are on different pairs; restrict to one and it is still one person.
    rule = ProposalRule(min_share=0.1, min_errors=1, min_annotators=2)
    assert propose(only_a2, rule, spec.guidelines.headings) == []
    assert len(propose(only_a2, dataclasses.replace(rule, min_annotators=1),
                       spec.guidelines.headings)) == 2


def test_verdict_labels_take_the_first_reviewers_label(tmp_path, spec) -> None:
    text = VERDICTS_CSV + "i6,other,,,RV-02\n"
    _, verdicts = _verdicts(tmp_path, spec, text)
    assert verdict_labels(verdicts)["i6"] == "account"
    assert verdicts[-1].reviewer == "RV-02"


@pytest.mark.parametrize(("line", "column", "text", "reason"), [
    (3, "error_category", "i1,billing,B1,sloppy,RV-01\n", "use one of guideline_gap"),
    (3, "label", "i1,refund,,,RV-01\n", "not one of the contract's labels"),
    (3, "label", "i0,other,,,RV-01\n", "keep one verdict per item"),
])
def test_bad_verdict_rows_are_refused_with_line_and_column(tmp_path, spec, line, column,
                                                           text, reason) -> None:
    head = "item_id,label,annotator_id,error_category,reviewer\ni0,billing,,,RV-01\n"
    with pytest.raises(IntakeError) as err:
        _verdicts(tmp_path, spec, head + text)
    assert (err.value.line, err.value.column) == (line, column)
    assert reason in err.value.reason and "verdicts.csv" in str(err.value)


def test_dataops_reference_refuses_an_unknown_category(tmp_path, spec, contracts) -> None:
    source = tmp_path / "audit.csv"
    source.write_text("item_id,label,error_category\nT-000001,billing,typo\n")
    with pytest.raises(IntakeError) as err:
        save_verdicts(Layout(tmp_path / "data"), contracts["support_ticket_labels"], spec,
                      "v1", source)
    assert "line 2, column 'error_category'" in str(err.value)
    assert "guideline_gap, misread_item, ambiguous_item, careless, tooling" in str(err.value)
    assert not Layout(tmp_path / "data").reference_file("support_ticket_labels", "v1").exists()


@pytest.mark.parametrize(("text", "reason"), [
    ("i4,technical,B1,careless,\n", "carries no error category"),
    ("i6,account,,careless,\n", "every label of item i6 matches"),
    ("i4,technical,A1,careless,\n", "did not label item i4"),
])
def test_categories_must_sit_on_wrong_labels(tmp_path, spec, text, reason) -> None:
    path, verdicts = _verdicts(tmp_path, spec, "item_id,label,annotator_id,error_category,"
                               "reviewer\n" + text)
    with pytest.raises(IntakeError) as err:
        categorize(judged_labels(FRAME, SAMPLE, GOLD), verdicts, str(path), FRAME)
    assert reason in err.value.reason and err.value.line == 2


def test_taxonomy_defaults_and_contract_validation(contracts) -> None:
    contract = contracts["support_ticket_labels"]
    spec = labeling_spec(contract)
    assert spec.review.categories == DEFAULT_CATEGORIES
    assert spec.review.proposals.exclude == ("careless", "tooling")

    def _with(**changes):
        labeling = {**contract.custom["labeling"], **changes}
        return dataclasses.replace(contract, custom={**contract.custom, "labeling": labeling})

    custom = labeling_spec(_with(errorCategories=["Guideline gap", "typo"],
                                 guidelineProposals={"minShare": 0.5}))
    assert custom.review.categories == ("guideline_gap", "typo")
    assert custom.review.proposals.exclude == ()  # the defaults are not in this taxonomy
    for change, field in [
        ({"errorCategories": ["ok", "Not OK!"]}, "errorCategories"),
        ({"errorCategories": ["a", "a"]}, "errorCategories"),
        ({"guidelineProposals": {"minShare": 1.5}}, "guidelineProposals.minShare"),
        ({"guidelineProposals": {"minErrors": 0}}, "guidelineProposals.minErrors"),
        ({"guidelineProposals": {"excludeCategories": ["lazy"]}},
         "guidelineProposals.excludeCategories"),
        ({"guidelineRules": {"billing": "No such heading"}}, "guidelineRules.billing"),
        ({"guidelineRules": {"refund": "billing"}}, "guidelineRules.refund"),
    ]:
        with pytest.raises(ContractError) as err:
            labeling_spec(_with(**change))
        assert err.value.field == f"customProperties.labeling.{field}"


def test_guideline_headings_and_rules() -> None:
    text = ("# Title\n\n## Labels\n### `billing`\n```\n# not a heading\n```\n### shipping ##\n"
            "### Another thing\n## When billing and shipping both apply\n")
    found = headings(text)
    assert found == ["Title", "Labels", "billing", "shipping", "Another thing",
                     "When billing and shipping both apply"]
    assert rule_for(("billing", "shipping"), found) == ("When billing and shipping both apply",)
    assert rule_for(("shipping", "other"), found) == ("shipping",)  # not 'Another'
    assert rule_for(("billing", "other"), found, {"other": "Title"}) == ("billing", "Title")
    assert rule_for(("shipping", "billing"), found, {"billing/shipping": "Labels"}) == (
        "Labels",)


def test_demo_guidelines_have_a_heading_per_label(spec) -> None:
    for label in spec.label_set:
        assert rule_for((label,), spec.guidelines.headings) == (label,)
