"""Resources: the data layout, the warehouse, the privacy settings and the notifier."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from dataops_assets.incidents.resources import notifier_resource
from dataops_assets.keys import (
    NOTIFIER_RESOURCE,
    PRIVACY_RESOURCE,
    STORE_RESOURCE,
    WAREHOUSE_RESOURCE,
)
from governance.pii.engine import DEFAULT_MODEL, MODEL_ENV
from governance.rawstore import RawStore
from governance.settings import Layout, datasheets_dir_for
from governance.warehouse import EMBEDDED, Warehouse, open_warehouse, requested_backend

HASH_KEY_ENV = "DATAOPS_HASH_KEY"


class DataStore(dg.ConfigurableResource):
    """The data directory: raw store, landing folders and delivered exports."""

    data_dir: str
    openlineage_url: str = Field(default="", description="Also send lineage events here")
    datasheets_dir: str = Field(default="", description="Where datasheets and scorecards "
                                "are written; empty: the data directory's own folder")

    @property
    def layout(self) -> Layout:
        """Paths of every kind of data under data_dir."""
        return Layout(Path(self.data_dir))

    @property
    def documents_dir(self) -> Path:
        """Where this data directory's datasheets and scorecards go."""
        if self.datasheets_dir:
            return Path(self.datasheets_dir)
        return datasheets_dir_for(Path(self.data_dir), environ={})

    def raw_store(self) -> RawStore:
        """The immutable raw store."""
        return RawStore(self.layout.raw_dir)


class PrivacySettings(dg.ConfigurableResource):
    """Secrets and models for personal-data handling."""

    hash_key: str = Field(description="Key for keyed hashes of personal values on delivery")
    spacy_model: str = DEFAULT_MODEL


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse (governance/warehouse.py): the DuckDB file or Parquet per version."""

    data_dir: str
    backend: str = Field(default=EMBEDDED, description="duckdb (one file, one writer) or "
                         "parquet (one file per table and version, concurrent writers)")

    def open(self) -> Warehouse:
        """The governance warehouse for this data directory and backend."""
        return open_warehouse(Layout(Path(self.data_dir)), self.backend)

    @contextmanager
    def session(self, dataset: str | None = None,
                version: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection for one dataset version, closed (and saved) afterwards."""
        with self.open().session(dataset, version) as conn:
            yield conn

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection."""
        with self.open().reader() as conn:
            yield conn


def build_resources(data_dir: Path,
                    warehouse: str | None = None) -> dict[str, dg.ConfigurableResource]:
    """Resources for a data directory; the warehouse backend is $DATAOPS_WAREHOUSE unless
    given (the data directory's recorded backend wins, see governance/warehouse.py)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    backend = open_warehouse(Layout(data_dir), warehouse or requested_backend()).kind
    return {
        STORE_RESOURCE: DataStore(data_dir=str(data_dir),
                           openlineage_url=os.environ.get("OPENLINEAGE_URL", ""),
                           datasheets_dir=str(datasheets_dir_for(data_dir))),
        WAREHOUSE_RESOURCE: WarehouseResource(data_dir=str(data_dir), backend=backend),
        # The key is read from the environment when a run starts, never stored in code.
        PRIVACY_RESOURCE: PrivacySettings(hash_key=dg.EnvVar(HASH_KEY_ENV),
                                   spacy_model=os.environ.get(MODEL_ENV, DEFAULT_MODEL)),
        # SMTP and webhooks from DATAOPS_SMTP_* and DATAOPS_WEBHOOKS; unset: the outbox only.
        NOTIFIER_RESOURCE: notifier_resource(),
    }
