"""Resources: the data layout and the DuckDB warehouse."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import Field

from dataops_assets.keys import DUCKDB_RESOURCE, PRIVACY_RESOURCE, STORE_RESOURCE
from governance.pii.engine import DEFAULT_MODEL, MODEL_ENV
from governance.rawstore import RawStore
from governance.settings import Layout, datasheets_dir_for

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


class Warehouse(DuckDBResource):
    """dagster-duckdb's resource, closing its connection even when the step fails.

    DuckDBResource.get_connection closes only on success; a failed step would keep the
    file's write lock until garbage collection, and later runs in the same process
    (the in-process executor, the demo, tests) would hit it.
    """

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to the warehouse, always closed afterwards."""
        with super().get_connection() as conn:
            try:
                yield conn
            finally:
                conn.close()


def build_resources(data_dir: Path) -> dict[str, dg.ConfigurableResource]:
    """Resources for a data directory; the warehouse is one DuckDB file inside it."""
    layout = Layout(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    return {
        STORE_RESOURCE: DataStore(data_dir=str(data_dir),
                           openlineage_url=os.environ.get("OPENLINEAGE_URL", ""),
                           datasheets_dir=str(datasheets_dir_for(data_dir))),
        DUCKDB_RESOURCE: Warehouse(database=str(layout.warehouse)),
        # The key is read from the environment when a run starts, never stored in code.
        PRIVACY_RESOURCE: PrivacySettings(hash_key=dg.EnvVar(HASH_KEY_ENV),
                                   spacy_model=os.environ.get(MODEL_ENV, DEFAULT_MODEL)),
    }
