"""Purposes a dataset may serve, each with its GDPR Art. 6(1) legal basis, and the roles
that act for them.

A contract declares them in the `purposes` custom property:

    - property: purposes
      value:
        - {purpose: model_training, legalBasis: consent, description: ...}

A role in the roles file lists the purposes it acts for (`purposes: [model_training]`);
governance/consent/roles.py holds those lists against the contracts.
"""

from __future__ import annotations

from dataclasses import dataclass

from governance.contract_model import DatasetContract
from governance.errors import ContractError, InvalidNameError
from governance.identifiers import check_dataset_name

PROPERTY = "purposes"
CONSENT = "consent"
# GDPR Art. 6(1) (a) to (f), in that order.
LEGAL_BASES = (CONSENT, "contract", "legal_obligation", "vital_interest", "public_task",
               "legitimate_interest")
_KEYS = {"purpose", "legalBasis", "description"}


@dataclass(frozen=True)
class Purpose:
    """One purpose a dataset may serve and the legal basis it rests on."""

    name: str
    legal_basis: str
    description: str = ""

    @property
    def needs_consent(self) -> bool:
        """True when only subjects who gave consent may be used for this purpose."""
        return self.legal_basis == CONSENT


def _fail(contract: DatasetContract, where: str, reason: str) -> ContractError:
    return ContractError(str(contract.path), f"customProperties.{PROPERTY}{where}", reason)


def contract_purposes(contract: DatasetContract) -> tuple[Purpose, ...]:
    """The purposes a contract declares (empty when it declares none); ContractError names
    the file and field of the first mistake."""
    raw = contract.custom.get(PROPERTY)
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise _fail(contract, "", "list at least one purpose, each with purpose and legalBasis")
    out: list[Purpose] = []
    for i, item in enumerate(raw):
        where = f"[{i}]"
        if not isinstance(item, dict):
            raise _fail(contract, where, "must be a mapping with purpose and legalBasis")
        unknown = sorted(str(k) for k in item if k not in _KEYS)
        if unknown:
            raise _fail(contract, f"{where}.{unknown[0]}",
                        f"unknown key; use {', '.join(sorted(_KEYS))}")
        name = item.get("purpose")
        try:
            check_dataset_name(name)
        except InvalidNameError:
            raise _fail(contract, f"{where}.purpose", f"{name!r} is not a purpose name: use "
                        "lower-case letters, digits and underscores, e.g. model_training") \
                from None
        if any(p.name == name for p in out):
            raise _fail(contract, f"{where}.purpose", f"purpose {name!r} is declared twice")
        basis = item.get("legalBasis")
        if basis not in LEGAL_BASES:
            raise _fail(contract, f"{where}.legalBasis", f"{basis!r} is not a legal basis of "
                        f"GDPR Art. 6(1); use one of {', '.join(LEGAL_BASES)}")
        if basis == CONSENT and not contract.subject_key:
            raise _fail(contract, f"{where}.legalBasis", "a purpose based on consent needs "
                        "customProperties.subjectKey, the column that identifies a subject")
        out.append(Purpose(name, basis, str(item.get("description") or "").strip()))
    return tuple(out)


def purpose_of(contract: DatasetContract, name: str) -> Purpose | None:
    """The contract's purpose called name, if it declares one."""
    return next((p for p in contract_purposes(contract) if p.name == name), None)


def consent_purposes(contract: DatasetContract) -> tuple[Purpose, ...]:
    """The purposes of a contract that rest on consent."""
    return tuple(p for p in contract_purposes(contract) if p.needs_consent)
