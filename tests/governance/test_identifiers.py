"""Every name validator refuses hostile inputs: newlines, NUL, look-alikes, length, quotes."""

from __future__ import annotations

import pytest

from governance.audit import AuditValueError, check_details
from governance.errors import InvalidNameError
from governance.identifiers import (
    check_column_name,
    check_dataset_name,
    check_version,
    qualified,
)

# Shared hostile inputs: each is one letter away from a valid name.
HOSTILE_NAMES = [
    "loans\n",            # `$` in re.match accepts a final newline
    "loans\n; DROP TABLE x",
    "loans\x00",          # NUL truncates in C APIs and file systems
    "lo\x00ans",
    "l\u043eans",         # Cyrillic o (U+043E), looks like "loans"
    "\uff4coans",         # full-width l
    "loans\u200b",        # zero-width space
    "a" * 64,             # one over the 63-character limit
    "..",
    "../loans",
    "loans/..",
    'loans"',
    "loans'",
    '"; DROP SCHEMA x; --',
    "",
    " loans",
    "loans ",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_dataset_name_refuses_hostile_input(name):
    with pytest.raises(InvalidNameError, match="Dataset name"):
        check_dataset_name(name)


@pytest.mark.parametrize("name", [*HOSTILE_NAMES, "Loans\n", "_x\x00"])
def test_column_name_refuses_hostile_input(name):
    with pytest.raises(InvalidNameError, match="Column name"):
        check_column_name(name)


@pytest.mark.parametrize("version", ["v1\n", "v1\x00", "v\u0661", "v\uff11", "\uff561",
                                     "v" + "1" * 7, "v1..", "../v1", "v1'", 'v1"', "v1 ",
                                     " v1", "V1", "v", "v-1", "", "v1\nv2"])
def test_version_refuses_hostile_input(version):
    with pytest.raises(InvalidNameError, match="is not a dataset version"):
        check_version(version)


@pytest.mark.parametrize("bad", [None, 1, b"loans", ["loans"]])
def test_validators_refuse_non_text(bad):
    for check in (check_dataset_name, check_column_name, check_version):
        with pytest.raises(InvalidNameError):
            check(bad)


@pytest.mark.parametrize(("schema", "table"), [("loans\n", "delivered"), ("loans", "t\n"),
                                               ("..", "delivered"), ("loans", 'x"y')])
def test_qualified_refuses_hostile_parts(schema, table):
    with pytest.raises(InvalidNameError):
        qualified(schema, table)


def test_longest_valid_names_still_pass():
    assert check_dataset_name("a" * 63) == "a" * 63
    assert check_column_name("_" + "A" * 62) == "_" + "A" * 62
    assert check_version("v999999") == "v999999"
    assert qualified("loans", "delivered") == '"loans"."delivered"'


@pytest.mark.parametrize("key", ["rows\n", "ro\x00ws", "r\u043ews", "a" * 64, "..", 'k"', ""])
def test_audit_detail_keys_refuse_hostile_input(key):
    with pytest.raises(AuditValueError, match="not an identifier"):
        check_details({key: 1})


@pytest.mark.parametrize("value", ["ok\n", "ok\x00", "\u200bok", "a'b", 'a"b', "x" * 81,
                                   "a" * 64 + "\n"])
def test_audit_detail_values_refuse_hostile_input(value):
    with pytest.raises(AuditValueError):
        check_details({"note": value})
