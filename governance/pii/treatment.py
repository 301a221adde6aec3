"""Apply each personal column's contract treatment on delivery: drop, mask, hash, redact, keep."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyarrow as pa

from governance.contracts import DatasetContract
from governance.errors import GovernanceError
from governance.masking import mask_value
from governance.pii.redact import redact_texts
from governance.storage import DUCKDB_TYPES


class MissingSecretError(GovernanceError):
    """A hash treatment needs a key and none was configured."""


@dataclass
class TreatmentReport:
    """What treatment did to one version: values changed per column, spans redacted."""

    changed: Counter[str] = field(default_factory=Counter)
    spans: Counter[str] = field(default_factory=Counter)


def delivered_columns(contract: DatasetContract) -> list[tuple[str, str]]:
    """Delivered column names and DuckDB types after treatment (dropped columns gone)."""
    out = []
    for col in contract.columns:
        if col.treatment == "drop":
            continue
        treated_to_text = col.treatment in ("mask", "hash", "redact_spans")
        out.append((col.name, "VARCHAR" if treated_to_text else DUCKDB_TYPES[col.logical_type]))
    return out


def keyed_hash(value: object, key: bytes) -> str:
    """HMAC-SHA256 of a value's text: stable for joins, useless without the key."""
    return hmac.new(key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()


def treat_batches(batches: Iterator[pa.RecordBatch], contract: DatasetContract,
                  hash_key: str | None, report: TreatmentReport) -> Iterator[pa.Table]:
    """Yield treated Arrow tables (internal columns kept) for each input batch."""
    if any(c.treatment == "hash" for c in contract.columns) and not hash_key:
        raise MissingSecretError(
            f"{contract.name} hashes personal columns on delivery, but no hash key is set: "
            "set DATAOPS_HASH_KEY in the environment")
    key = (hash_key or "").encode("utf-8")
    # Values the row declares as personal (a name, an e-mail) are redacted wherever its
    # free text quotes them; the free-text columns themselves are not such values.
    personal = [c.name for c in contract.columns if c.personal and c.logical_type == "string"
                and c.treatment != "redact_spans"]
    for batch in batches:
        data = batch.to_pydict()
        out: dict[str, list[object]] = {"_version": data["_version"], "_row_id": data["_row_id"]}
        known = [[str(data[p][i]) for p in personal if data[p][i] is not None]
                 for i in range(batch.num_rows)]
        for col in contract.columns:
            values = data[col.name]
            if col.treatment == "drop":
                report.changed[col.name] += sum(v is not None for v in values)
                continue
            if col.treatment == "keep":
                out[col.name] = values
                continue
            if col.treatment == "redact_spans":
                treated, counts = redact_texts(values, known)
                report.spans.update(counts)
            elif col.treatment == "hash":
                treated = [None if v is None else keyed_hash(v, key) for v in values]
            else:  # mask
                treated = [None if v is None else mask_value(v) for v in values]
            report.changed[col.name] += sum(a != b for a, b in zip(values, treated, strict=True))
            out[col.name] = treated
        yield pa.Table.from_pydict(out)
