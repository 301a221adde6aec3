"""Validation and quoting of names that reach SQL or the file system."""

from __future__ import annotations

import re

from governance.errors import InvalidNameError

# Lower-case snake case keeps names valid as DuckDB identifiers, Dagster asset-key
# parts and folder names at once, and rules out quoting tricks and path traversal.
# Always fullmatch: `$` in re.match also matches before a final newline ("v1\n").
_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_VERSION = re.compile(r"v[0-9]{1,6}")


def check_dataset_name(name: str) -> str:
    """Return the dataset name if it is safe, else raise InvalidNameError."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidNameError(
            f"Dataset name {name!r} is not allowed: use lower-case letters, digits and "
            "underscores, starting with a letter (at most 63 characters)."
        )
    return name


def check_column_name(name: str) -> str:
    """Return the column name if it is safe, else raise InvalidNameError."""
    if not isinstance(name, str) or not _COLUMN.fullmatch(name):
        raise InvalidNameError(
            f"Column name {name!r} is not allowed: use letters, digits and underscores, "
            "starting with a letter or underscore (at most 63 characters)."
        )
    return name


def check_version(version: str) -> str:
    """Return the version id (v1, v2, ...) if it is well formed, else raise."""
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        raise InvalidNameError(
            f"Version {version!r} is not a dataset version: versions look like v1, v2, ..."
        )
    return version


def quote_ident(name: str) -> str:
    """Quote an already-validated identifier for DuckDB SQL."""
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, table: str) -> str:
    """Return schema.table with both parts validated and quoted."""
    return f"{quote_ident(check_dataset_name(schema))}.{quote_ident(check_column_name(table))}"
