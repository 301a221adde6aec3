"""Dagster metadata taken from a contract: column schemas, lineage, owners, tags and the
arguments every stage asset shares."""

from __future__ import annotations

import dagster as dg

from dataops_assets.keys import DUCKDB_POOL, dataset_partitions
from governance.contracts import DatasetContract
from governance.lineage import personal_columns_by_stage
from governance.pii.treatment import delivered_columns
from governance.stages import DELIVERED, INTAKE

_KIND_BY_FORMAT = {"csv": "csv", "parquet": "parquet", "jsonl": "json"}


def column_schema(contract: DatasetContract) -> dg.TableSchema:
    """The contract's columns as a Dagster TableSchema with classification tags."""
    columns = []
    for col in contract.columns:
        tags = {"classification": col.classification}
        if col.personal:
            tags["pii"] = col.pii_type or "declared"
        constraints = []
        if col.allowed_values is not None:
            constraints.append("one of " + ", ".join(map(str, col.allowed_values)))
        if col.minimum is not None:
            constraints.append(f">= {col.minimum}")
        if col.maximum is not None:
            constraints.append(f"<= {col.maximum}")
        if col.pattern:
            constraints.append(f"matches {col.pattern}")
        columns.append(dg.TableColumn(
            name=col.name,
            type=col.logical_type,
            description=col.description or None,
            constraints=dg.TableColumnConstraints(
                nullable=not col.required, unique=col.unique, other=constraints),
            tags=tags,
        ))
    return dg.TableSchema(columns=columns)


def identity_lineage(contract: DatasetContract, upstream: dg.AssetKey,
                     columns: list[str] | None = None) -> dg.TableColumnLineage:
    """Column lineage of a stage whose columns each come from the same column upstream."""
    names = columns if columns is not None else list(contract.column_names)
    return dg.TableColumnLineage(deps_by_column={
        name: [dg.TableColumnDep(asset_key=upstream, column_name=name)] for name in names
    })


def delivered_schema(contract: DatasetContract) -> dg.TableSchema:
    """Column schema of the delivered table: dropped columns gone, treatments tagged."""
    base = {c.name: c for c in column_schema(contract).columns}
    specs = {c.name: c for c in contract.columns}
    # Personal by lineage: masked or kept columns stay personal, hashed or redacted do not.
    still_personal = personal_columns_by_stage(contract)[DELIVERED]
    columns = []
    for name, duck_type in delivered_columns(contract):
        col, spec = base[name], specs[name]
        tags = dict(col.tags)
        if spec.personal:
            tags["treatment"] = spec.treatment
            tags["pii"] = f"{tags.get('pii', 'declared')} ({spec.treatment})" \
                if name in still_personal else "none"
        columns.append(dg.TableColumn(name=name, type=duck_type.lower(),
                                      description=col.description,
                                      constraints=col.constraints, tags=tags))
    return dg.TableSchema(columns=columns)


def owners(contract: DatasetContract) -> list[str]:
    """Dagster owners: the owner team, then the named owner e-mails."""
    return [f"team:{contract.owner_team}", *contract.owners]


def tags(contract: DatasetContract, stage: str) -> dict[str, str]:
    """Tags used to filter assets in the UI."""
    out = {
        "domain": contract.domain,
        "classification": contract.classification,
        "stage": stage,
        "pii": "declared" if contract.personal_columns else "none",
    }
    return out


def kinds(contract: DatasetContract, stage: str) -> set[str]:
    """Kinds shown as badges on the asset."""
    if stage == INTAKE:
        return {"duckdb", _KIND_BY_FORMAT[contract.file_format]}
    if stage == DELIVERED:
        return {"duckdb", "parquet"}
    return {"duckdb"}


def description(contract: DatasetContract, stage: str, what: str) -> str:
    """Asset description: what the stage does, then the dataset's purpose and limits."""
    text = f"**{contract.name} / {stage}**: {what}\n\n**Purpose:** {contract.purpose}"
    if contract.limitations:
        text += f"\n\n**Limitations:** {contract.limitations}"
    if contract.usage:
        text += f"\n\n**Usage:** {contract.usage}"
    return text


def asset_args(contract: DatasetContract, stage: str, what: str,
               **overrides: object) -> dict[str, object]:
    """Arguments of `dg.asset` every asset of a dataset shares; overrides replace any of them."""
    args: dict[str, object] = {
        "name": stage,
        "key_prefix": [contract.name],
        "group_name": contract.name,
        "partitions_def": dataset_partitions(contract.name),
        "owners": owners(contract),
        "tags": tags(contract, stage),
        "kinds": kinds(contract, stage),
        "description": description(contract, stage, what),
        "metadata": {"dagster/column_schema": column_schema(contract),
                     "contract": dg.MetadataValue.path(str(contract.path))},
        "pool": DUCKDB_POOL,
    }
    args.update(overrides)
    return args


def contract_link(contract: DatasetContract) -> dict[str, object]:
    """Definition metadata of assets that do not hold the contract's columns."""
    return {"contract": dg.MetadataValue.path(str(contract.path))}


def table_metadata(contract: DatasetContract, stage: str, rows: int) -> dict[str, object]:
    """Row count, table name and column schema of a stage table, as the UI shows them."""
    return {
        "dagster/row_count": rows,
        "dagster/table_name": f"{contract.name}.{stage}",
        "dagster/column_schema": column_schema(contract),
    }
