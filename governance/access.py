"""Role-based access on delivery: who holds which role, which delivered columns a role may
see, and role exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from governance.atomic import atomic_writer
from governance.contracts import CLASSIFICATION_ORDER, DatasetContract
from governance.errors import GovernanceError, InvalidNameError, UnknownVersionError
from governance.identifiers import (
    check_column_name,
    check_dataset_name,
    check_version,
    qualified,
    quote_ident,
)
from governance.intake import ROW_ID
from governance.masking import mask_value
from governance.pii.treatment import delivered_columns
from governance.principals import OS_NAME, TOKEN_DIGEST, Principal
from governance.stages import DELIVERED
from governance.storage import VERSION_COL, count_rows, table_exists

INCLUDE, MASK, WITHHOLD = "include", "mask", "withhold"
DECISIONS = (INCLUDE, MASK, WITHHOLD)
ALL = "*"
_ROLE_KEYS = {"description", "datasets", "default", "rules", "members", "purposes"}
_MEMBER_KEYS = {"users", "groups", "tokens"}
_RULE_KEYS = {"classifications", "columns"}
_BATCH = 100_000
_ALLOWED = "_rows_allowed"


class AccessConfigError(GovernanceError):
    """The roles file is unreadable or declares something this module does not understand."""

    def __init__(self, path: str, field: str, reason: str) -> None:
        self.path, self.field, self.reason = path, field, reason
        super().__init__(f"Roles file {path}: field '{field}': {reason}")


class AccessDeniedError(GovernanceError):
    """A role may not read a dataset (or any column of it); carries what an audit needs."""

    def __init__(self, role: str, dataset: str, reason: str, version: str | None = None) -> None:
        self.role, self.dataset, self.version, self.reason = role, dataset, version, reason
        super().__init__(reason)


class RoleNotHeldError(AccessDeniedError):
    """The caller named a role the roles file does not bind to them."""


class VersionNotDeliveredError(UnknownVersionError):
    """A role asked for a version the delivered table does not hold."""

    def __init__(self, role: str, dataset: str, version: str) -> None:
        self.role, self.dataset, self.version = role, dataset, version
        super().__init__(f"{dataset} version {version} was never delivered")


@dataclass(frozen=True)
class Rules:
    """Decisions by classification and by column, for one dataset or for all ('*')."""

    classifications: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Role:
    """One role: the datasets it may read and how each delivered column is decided."""

    name: str
    datasets: frozenset[str]
    default: str = WITHHOLD
    rules: dict[str, Rules] = field(default_factory=dict)
    description: str = ""
    users: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    tokens: frozenset[str] = frozenset()  # sha256 digests of service tokens
    # Purposes the role acts for (checked against the contracts by governance/consent/roles.py).
    purposes: frozenset[str] = frozenset()

    def held_by(self, principal: Principal) -> bool:
        """Whether the roles file binds this role to the caller (user, group or token)."""
        return (principal.user in self.users or bool(principal.groups & self.groups)
                or (principal.token_sha256 is not None and principal.token_sha256 in self.tokens))

    def may_read(self, dataset: str) -> bool:
        """True when the role is granted this dataset (or every dataset)."""
        return ALL in self.datasets or dataset in self.datasets

    def decide(self, dataset: str, column: str, classification: str) -> str:
        """Column override (dataset, then '*'), then classification (same order), then default."""
        scopes = [self.rules.get(dataset, Rules()), self.rules.get(ALL, Rules())]
        for scope in scopes:
            if column in scope.columns:
                return scope.columns[column]
        for scope in scopes:
            if classification in scope.classifications:
                return scope.classifications[classification]
        return self.default


@dataclass(frozen=True)
class RoleBook:
    """Every declared role, and the file they came from (named in refusals)."""

    path: Path
    roles: dict[str, Role]


@dataclass(frozen=True)
class ExportResult:
    """What one role export wrote: rows and the columns included, masked and withheld."""

    dataset: str
    version: str
    role: str
    path: Path
    rows: int
    included: tuple[str, ...]
    masked: tuple[str, ...]
    withheld: tuple[str, ...]

    def summary(self) -> str:
        """One line for the CLI and the audit log."""
        return (f"exported {self.dataset} {self.version} for role {self.role}: {self.rows} rows, "
                f"{len(self.included)} column(s) included, {len(self.masked)} masked, "
                f"{len(self.withheld)} withheld -> {self.path}")


def _decision(path: Path, where: str, value: Any) -> str:
    if value not in DECISIONS:
        raise AccessConfigError(str(path), where,
                                f"unknown decision {value!r}; use {', '.join(DECISIONS)}")
    return value


def _mapping(path: Path, where: str, value: Any, allowed: set[str] | None = None) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise AccessConfigError(str(path), where, "must be a mapping")
    extra = sorted(str(k) for k in value if allowed is not None and k not in allowed)
    if extra:
        raise AccessConfigError(str(path), f"{where}.{extra[0]}",
                                f"unknown key; use {', '.join(sorted(allowed or ()))}")
    return value


def _name(path: Path, where: str, value: Any, check: Any) -> str:
    try:
        return check(value)
    except InvalidNameError as exc:
        raise AccessConfigError(str(path), where, str(exc)) from None


def _rules(path: Path, where: str, raw: Any) -> Rules:
    raw = _mapping(path, where, raw, _RULE_KEYS)
    classes = {}
    raw_classes = _mapping(path, f"{where}.classifications", raw.get("classifications"))
    for cls, value in raw_classes.items():
        if cls not in CLASSIFICATION_ORDER:
            raise AccessConfigError(str(path), f"{where}.classifications.{cls}", "unknown "
                                    f"classification; use {', '.join(CLASSIFICATION_ORDER)}")
        classes[cls] = _decision(path, f"{where}.classifications.{cls}", value)
    columns = {}
    for col, value in _mapping(path, f"{where}.columns", raw.get("columns")).items():
        # Override names are validated like any column name, so a hostile file cannot smuggle
        # quoting tricks anywhere, even though only contract columns are ever selected.
        col = _name(path, f"{where}.columns.{col!r}", col, check_column_name)
        columns[col] = _decision(path, f"{where}.columns.{col}", value)
    return Rules(classes, columns)


def _members(path: Path, where: str, raw: Any) -> dict[str, frozenset[str]]:
    """users, groups and token digests a role is bound to; none means nobody holds it."""
    raw = _mapping(path, where, raw, _MEMBER_KEYS)
    out = {}
    for kind in sorted(_MEMBER_KEYS):
        values = raw.get(kind) or []
        if not isinstance(values, list):
            raise AccessConfigError(str(path), f"{where}.{kind}", "must be a list")
        pattern = TOKEN_DIGEST if kind == "tokens" else OS_NAME
        for value in values:
            if not isinstance(value, str) or not pattern.fullmatch(value):
                need = ("the sha256 (64 lower-case hex digits) of a token, never the token"
                        if kind == "tokens" else "an OS user or group name")
                raise AccessConfigError(str(path), f"{where}.{kind}", f"{value!r} is not {need}")
        out[kind] = frozenset(values)
    return out


def _role(path: Path, name: Any, raw: Any) -> Role:
    where = f"roles.{name}"
    name = _name(path, where, name, check_dataset_name)
    raw = _mapping(path, where, raw, _ROLE_KEYS)
    datasets = raw.get("datasets")
    if datasets is None:
        # Fail closed: a role that forgets to say what it may read reads nothing by accident.
        raise AccessConfigError(str(path), f"{where}.datasets", "list the datasets, or '*'")
    datasets = [datasets] if isinstance(datasets, str) else datasets
    if not isinstance(datasets, list):
        raise AccessConfigError(str(path), f"{where}.datasets", "must be '*' or a list")
    granted = frozenset(d if d == ALL else _name(path, f"{where}.datasets", d, check_dataset_name)
                        for d in datasets)
    rules = {}
    for scope, body in _mapping(path, f"{where}.rules", raw.get("rules")).items():
        if scope != ALL:
            _name(path, f"{where}.rules", scope, check_dataset_name)
            if ALL not in granted and scope not in granted:
                raise AccessConfigError(str(path), f"{where}.rules.{scope}",
                                        "rules for a dataset the role is not granted")
        rules[scope] = _rules(path, f"{where}.rules.{scope}", body)
    default = _decision(path, f"{where}.default", raw.get("default", WITHHOLD))
    members = _members(path, f"{where}.members", raw.get("members"))
    purposes = raw.get("purposes") or []
    if not isinstance(purposes, list):
        raise AccessConfigError(str(path), f"{where}.purposes", "must be a list of purposes")
    acts_for = frozenset(_name(path, f"{where}.purposes", p, check_dataset_name)
                         for p in purposes)
    return Role(name, granted, default, rules, str(raw.get("description") or ""),
                purposes=acts_for, **members)


def load_roles(path: str | Path) -> RoleBook:
    """Read and validate a roles file; raise AccessConfigError naming the file and field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise AccessConfigError(str(path), "(file)", f"cannot read the file: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise AccessConfigError(str(path), where, f"not valid YAML: {exc}") from None
    top = _mapping(path, "(top level)", data, {"roles"})
    roles = _mapping(path, "roles", top.get("roles"))
    if not roles:
        raise AccessConfigError(str(path), "roles", "declare at least one role")
    return RoleBook(path, {r.name: r for r in (_role(path, n, b) for n, b in roles.items())})


def require_role(book: RoleBook, role_name: str, principal: Principal, dataset: str,
                 version: str | None = None) -> Role:
    """The role if it is defined and bound to the caller; else refuse, before anything else."""
    if role_name not in book.roles:
        known = ", ".join(sorted(book.roles)) or "none"
        raise AccessDeniedError(role_name, dataset, f"role {role_name!r} is not defined in "
                                f"{book.path} (defined roles: {known})", version)
    role = book.roles[role_name]
    if not role.held_by(principal):
        # Naming a role is not holding it: the roles file's members decide.
        raise RoleNotHeldError(role_name, dataset, f"{principal.describe()} does not hold role "
                               f"{role_name!r}: {book.path} does not bind it to this user, "
                               "their groups or their service token; ask the owner of the "
                               "roles file to add you under the role's members", version)
    return role


def plan_export(contract: DatasetContract, role_name: str, book: RoleBook,
                version: str | None = None) -> dict[str, str]:
    """Decide include, mask or withhold for every delivered column; refuse if nothing is left."""
    dataset = check_dataset_name(contract.name)
    if role_name not in book.roles:
        known = ", ".join(sorted(book.roles)) or "none"
        raise AccessDeniedError(role_name, dataset, f"role {role_name!r} is not defined in "
                                f"{book.path} (defined roles: {known})", version)
    role = book.roles[role_name]
    if not role.may_read(dataset):
        raise AccessDeniedError(role_name, dataset, f"role {role_name!r} may not read {dataset}",
                                version)
    declared = set(contract.column_names)
    unknown = sorted(set(role.rules.get(dataset, Rules()).columns) - declared)
    if unknown:
        # A misspelt 'withhold' override would otherwise leak the column it meant to hide.
        raise AccessConfigError(str(book.path), f"roles.{role_name}.rules.{dataset}.columns",
                                f"{unknown[0]!r} is not a column of {dataset}")
    plan = {name: role.decide(dataset, name, contract.column(name).classification)
            for name, _ in delivered_columns(contract)}
    if all(d == WITHHOLD for d in plan.values()):
        raise AccessDeniedError(role_name, dataset,
                                f"role {role_name!r} may not read any column of {dataset}",
                                version)
    return plan


def check_out_path(out_path: Path) -> Path:
    """Return the export path if it is a .parquet file without '..' components, else raise."""
    out_path = Path(out_path)
    if ".." in out_path.parts:
        raise InvalidNameError(f"Export path {str(out_path)!r} is not allowed: "
                               "'..' components could escape the intended folder.")
    if out_path.suffix != ".parquet" or out_path.name == ".parquet":
        raise InvalidNameError(f"Export path {str(out_path)!r} is not allowed: "
                               "name a file ending in .parquet.")
    return out_path


def _masked(batch: pa.RecordBatch, plan: dict[str, str], schema: pa.Schema) -> pa.RecordBatch:
    arrays = []
    for name in schema.names:
        column = batch.column(name)
        if plan[name] == MASK:
            # Masked values become text showing only their shape, whatever the source type.
            column = pa.array([None if v is None else mask_value(v) for v in column.to_pylist()],
                              type=pa.string())
        arrays.append(column)
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _pick(plan: dict[str, str], decision: str) -> tuple[str, ...]:
    return tuple(c for c, d in plan.items() if d == decision)


def export_version(conn: duckdb.DuckDBPyConnection, contract: DatasetContract, version: str,
                   role_name: str, book: RoleBook, out_path: Path,
                   rows_allowed: pa.Table | None = None) -> ExportResult:
    """Write the columns a role may see of one delivered version to Parquet, atomically;
    with rows_allowed (a table of row ids), only those rows (a purpose's consent)."""
    dataset = check_dataset_name(contract.name)
    check_version(version)
    out_path = check_out_path(out_path)
    plan = plan_export(contract, role_name, book, version)
    # Access is decided before existence, so a refused role learns nothing about versions.
    table = qualified(dataset, DELIVERED)
    if not table_exists(conn, dataset, DELIVERED) or not count_rows(conn, table, version):
        raise VersionNotDeliveredError(role_name, dataset, version)
    shown = [c for c, d in plan.items() if d != WITHHOLD]
    cols = ", ".join(quote_ident(check_column_name(c)) for c in shown)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    # A cursor of its own: an open result blocks its connection until drained, and closing
    # the cursor frees it even when the write fails halfway, so the caller's conn stays usable.
    cursor, rows = conn.cursor(), 0
    where = f"{quote_ident(VERSION_COL)} = ?"
    if rows_allowed is not None:
        cursor.register(_ALLOWED, rows_allowed)
        where += f" AND {quote_ident(ROW_ID)} IN (SELECT {quote_ident(ROW_ID)} FROM {_ALLOWED})"
    try:
        reader = cursor.sql(f"SELECT {cols} FROM {table} WHERE {where} "
                            f"ORDER BY {quote_ident(ROW_ID)}",
                            params=[version]).to_arrow_reader(_BATCH)
        schema = pa.schema([pa.field(f.name, pa.string()) if plan[f.name] == MASK else f
                            for f in reader.schema])
        # Readers see the previous export or the complete new one, never a partial file;
        # a role export stays private to its owner, as before.
        with (atomic_writer(out_path, permissions=0o600) as fh,
              pq.ParquetWriter(fh, schema) as writer):
            for batch in reader:
                writer.write_batch(_masked(batch, plan, schema))
                rows += batch.num_rows
    finally:
        cursor.close()
    return ExportResult(dataset, version, role_name, out_path, rows,
                        _pick(plan, INCLUDE), _pick(plan, MASK), _pick(plan, WITHHOLD))
