"""Purposes and legal bases in the contracts, and the roles acting for them."""

from __future__ import annotations

import pytest
import yaml

from governance.access import AccessConfigError, AccessDeniedError, Role, load_roles
from governance.consent.purposes import LEGAL_BASES, contract_purposes
from governance.consent.roles import PurposeRefusedError, check_role_purposes, export_purpose
from governance.contracts import load_contract
from governance.defaults import default_roles_file
from governance.errors import ContractError


def _with_purposes(tickets, tmp_path, purposes, drop_subject_key: bool = False):
    """The tickets contract with another `purposes` property, loaded from a new file."""
    data = yaml.safe_load(tickets.path.read_text(encoding="utf-8"))
    props = [p for p in data["customProperties"] if p["property"] != "purposes"
             and not (drop_subject_key and p["property"] == "subjectKey")]
    data["customProperties"] = [*props, {"property": "purposes", "value": purposes}]
    path = tmp_path / "support_tickets.odcs.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_contract(path)


def test_demo_contracts_declare_purposes_with_their_bases(contracts):
    bases = {name: {p.name: p.legal_basis for p in contract_purposes(c)}
             for name, c in contracts.items()}
    assert bases["support_tickets"] == {"model_training": "consent",
                                        "quality_management": "legitimate_interest",
                                        "ticket_handling": "contract"}
    assert "consent" not in bases["loan_applications"].values()
    assert "consent" not in bases["support_ticket_labels"].values()
    assert set(LEGAL_BASES) == {"consent", "contract", "legitimate_interest",
                                "legal_obligation", "vital_interest", "public_task"}


@pytest.mark.parametrize(("purposes", "field", "reason"), [
    ([{"purpose": "training", "legalBasis": "because"}], "[0].legalBasis",
     "'because' is not a legal basis of GDPR Art. 6(1)"),
    ([{"purpose": "Model Training", "legalBasis": "consent"}], "[0].purpose",
     "is not a purpose name"),
    ([{"purpose": "a", "legalBasis": "contract"}, {"purpose": "a", "legalBasis": "consent"}],
     "[1].purpose", "declared twice"),
    ([{"purpose": "a", "legalBasis": "contract", "basis": "x"}], "[0].basis", "unknown key"),
    ([], "", "list at least one purpose"),
])
def test_mistakes_name_the_file_and_field(tickets, tmp_path, purposes, field, reason):
    with pytest.raises(ContractError) as exc:
        _with_purposes(tickets, tmp_path, purposes)
    assert exc.value.field == f"customProperties.purposes{field}"
    assert reason in exc.value.reason and exc.value.path.endswith("support_tickets.odcs.yaml")


def test_consent_needs_a_subject_key(tickets, tmp_path):
    with pytest.raises(ContractError, match=r"needs customProperties\.subjectKey"):
        _with_purposes(tickets, tmp_path, [{"purpose": "a", "legalBasis": "consent"}],
                       drop_subject_key=True)


def test_demo_roles_act_for_declared_purposes(contracts, tmp_path):
    book = load_roles(default_roles_file())
    check_role_purposes(book, contracts.values())
    assert book.roles["model_trainer"].purposes == {"model_training"}
    text = default_roles_file().read_text(encoding="utf-8").replace(
        "purposes: [credit_risk_analysis]", "purposes: [credit_risk_analysis, marketing]")
    (tmp_path / "roles.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(AccessConfigError, match=r"field 'roles.analyst.purposes': 'marketing' "
                       "is not a purpose of any dataset the role may read"):
        check_role_purposes(load_roles(tmp_path / "roles.yaml"), contracts.values())


def test_an_export_is_for_one_purpose_the_role_acts_for(contracts):
    book = load_roles(default_roles_file())
    tickets, labels = contracts["support_tickets"], contracts["support_ticket_labels"]
    trainer, steward = book.roles["model_trainer"], book.roles["data_steward"]
    assert export_purpose(trainer, tickets, None).needs_consent
    assert export_purpose(trainer, tickets, "model_training").name == "model_training"
    with pytest.raises(PurposeRefusedError, match="role 'model_trainer' does not act for "
                       "'quality_management'; it acts for model_training"):
        export_purpose(trainer, tickets, "quality_management")
    with pytest.raises(PurposeRefusedError, match="'marketing' is not a purpose of "
                       "support_tickets"):
        export_purpose(trainer, tickets, "marketing")
    with pytest.raises(AccessDeniedError, match="role 'analyst' may not read support_tickets"):
        export_purpose(book.roles["analyst"], tickets, None)
    # A role that names no purposes reads nothing of a dataset that declares them.
    with pytest.raises(PurposeRefusedError, match="role 'intern' acts for no purpose of"):
        export_purpose(Role("intern", frozenset({"*"})), tickets, None)
    # The steward acts for quality management, on legitimate interest: no consent scope.
    assert not export_purpose(steward, labels, None).needs_consent
