"""Load and validate Open Data Contract Standard (ODCS v3) dataset contracts.

A contract is checked four times, each failure reported as one ContractError naming
the file and the field: against the JSON schema of the ODCS version it declares in
`apiVersion` (an unsupported version is refused), through the
open-data-contract-standard pydantic model, against the rules this project adds
(names, project custom properties, SLA units), and by each section reader
(`SECTION_READERS`: drift, labeling, planning, incidents, service levels, representation,
purposes) so a mistake there fails at load.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import jsonschema
import pydantic
import yaml
from open_data_contract_standard.model import OpenDataContractStandard

from governance.consent.purposes import contract_purposes
from governance.contract_model import (
    CLASSIFICATION_ORDER,
    CLEANING_STEPS,
    CONTRACT_SUFFIX,
    FORMATS,
    LOGICAL_TYPES,
    PERSONAL_CLASSIFICATIONS,
    TREATMENTS,
    ColumnSpec,
    DatasetContract,
    SlaSpec,
    UnsupportedContractVersionError,
    contract_error,
    contract_from_model,
    json_path,
    parse_duration,
    schema_for,
)
from governance.drift.spec import drift_spec
from governance.errors import ContractError, UnknownDatasetError
from governance.identifiers import check_dataset_name
from governance.incidents.policy import incident_policy
from governance.labeling.spec import labeling_spec
from governance.planning.spec import planning_spec
from governance.representation.spec import representation_spec
from governance.service_levels.spec import service_levels

__all__ = ["CLASSIFICATION_ORDER", "CLEANING_STEPS", "CONTRACT_SUFFIX", "FORMATS",
           "LOGICAL_TYPES", "PERSONAL_CLASSIFICATIONS", "SECTION_READERS", "TREATMENTS",
           "ColumnSpec", "DatasetContract", "SlaSpec", "UnsupportedContractVersionError",
           "contract_from_model", "find_contract", "load_contract", "load_contracts",
           "parse_duration"]

# Readers of the contract sections other modules own; each raises ContractError naming the
# file and field. A new section adds its reader here.
SECTION_READERS: tuple[Callable[[DatasetContract], object], ...] = (
    drift_spec, labeling_spec, planning_spec, incident_policy, service_levels,
    representation_spec, contract_purposes)


def load_contract(path: str | Path) -> DatasetContract:
    """Read, validate and return one contract file; raise ContractError on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise contract_error(path, "(file)", f"cannot read the file: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise contract_error(path, where,
                             f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise contract_error(path, "(top level)", "a contract must be a YAML mapping")
    schema = schema_for(path, data)
    validator_cls = jsonschema.validators.validator_for(schema)
    errors = sorted(validator_cls(schema).iter_errors(data),
                    key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        err = jsonschema.exceptions.best_match(errors)
        raise contract_error(path, json_path(err.absolute_path),
                    f"breaks the Open Data Contract Standard: {err.message}")
    try:
        odcs = OpenDataContractStandard(**data)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        raise contract_error(path, json_path(first["loc"]), first["msg"]) from None
    contract = contract_from_model(path, odcs)
    for read_section in SECTION_READERS:
        read_section(contract)
    return contract


def find_contract(directory: str | Path, name: str) -> DatasetContract:
    """The contract of one dataset; UnknownDatasetError names the folder searched."""
    check_dataset_name(name)
    for contract in load_contracts(directory):
        if contract.name == name:
            return contract
    raise UnknownDatasetError(f"No contract defines dataset {name!r}; contracts live in "
                              f"{directory}")


def load_contracts(directory: str | Path) -> list[DatasetContract]:
    """Load every *.odcs.yaml in a folder; one bad file fails the whole load."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ContractError(str(directory), "(folder)", "the contracts folder does not exist")
    contracts = [load_contract(p) for p in sorted(directory.glob(f"*{CONTRACT_SUFFIX}"))]
    seen: dict[str, Path] = {}
    for c in contracts:
        if c.name in seen:
            raise ContractError(str(c.path), "name",
                                f"dataset {c.name!r} is already defined in {seen[c.name]}")
        seen[c.name] = c.path
    return contracts
