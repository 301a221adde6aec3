"""Which purpose a role acts for when it reads a dataset, checked against the contracts."""

from __future__ import annotations

from collections.abc import Iterable

from governance.access import AccessConfigError, AccessDeniedError, Role, RoleBook
from governance.consent.purposes import Purpose, contract_purposes
from governance.contract_model import DatasetContract


class PurposeRefusedError(AccessDeniedError):
    """A role asked to read a dataset for a purpose it does not act for, or named none
    where the dataset needs one."""


def check_role_purposes(book: RoleBook, contracts: Iterable[DatasetContract]) -> None:
    """Every purpose a role acts for is declared by a contract the role may read, else
    AccessConfigError naming the roles file and field."""
    contracts = list(contracts)
    for role in book.roles.values():
        declared = {p.name for c in contracts if role.may_read(c.name)
                    for p in contract_purposes(c)}
        for name in sorted(role.purposes):
            if name not in declared:
                raise AccessConfigError(
                    str(book.path), f"roles.{role.name}.purposes",
                    f"{name!r} is not a purpose of any dataset the role may read (declared: "
                    f"{', '.join(sorted(declared)) or 'none'})")


def export_purpose(role: Role, contract: DatasetContract, requested: str | None,
                   version: str | None = None) -> Purpose | None:
    """The purpose an export is for: the one requested, or the only one the role acts for
    among the dataset's; None when the dataset declares no purposes (nothing to scope)."""
    if not role.may_read(contract.name):
        # Access to the dataset is decided first, as for any export.
        raise AccessDeniedError(role.name, contract.name, f"role {role.name!r} may not read "
                                f"{contract.name}", version)
    declared = {p.name: p for p in contract_purposes(contract)}
    if not declared:
        if requested is not None:
            raise PurposeRefusedError(role.name, contract.name, f"{contract.name} declares no "
                                      f"purposes, so it cannot be exported for {requested!r}",
                                      version)
        return None
    usable = sorted(set(declared) & role.purposes)
    if requested is not None:
        if requested not in declared:
            raise PurposeRefusedError(role.name, contract.name, f"{requested!r} is not a "
                                      f"purpose of {contract.name} (declared: "
                                      f"{', '.join(sorted(declared))})", version)
        if requested not in role.purposes:
            raise PurposeRefusedError(role.name, contract.name, f"role {role.name!r} does not "
                                      f"act for {requested!r}; it acts for "
                                      f"{', '.join(usable) or 'no purpose of this dataset'}",
                                      version)
        return declared[requested]
    if len(usable) == 1:
        return declared[usable[0]]
    if not usable:
        raise PurposeRefusedError(role.name, contract.name, f"role {role.name!r} acts for no "
                                  f"purpose of {contract.name} (declared: "
                                  f"{', '.join(sorted(declared))})", version)
    raise PurposeRefusedError(role.name, contract.name, f"role {role.name!r} acts for several "
                              f"purposes of {contract.name}; name one with --purpose "
                              f"({', '.join(usable)})", version)
