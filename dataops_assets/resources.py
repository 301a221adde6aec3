"""Resources: the data layout and the DuckDB warehouse."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from governance.rawstore import RawStore
from governance.settings import Layout


class DataStore(dg.ConfigurableResource):
    """The data directory: raw store, landing folders and delivered exports."""

    data_dir: str

    @property
    def layout(self) -> Layout:
        """Paths of every kind of data under data_dir."""
        return Layout(Path(self.data_dir))

    def raw_store(self) -> RawStore:
        """The immutable raw store."""
        return RawStore(self.layout.raw_dir)


def build_resources(data_dir: Path) -> dict[str, dg.ConfigurableResource]:
    """Resources for a data directory; the warehouse is one DuckDB file inside it."""
    layout = Layout(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    return {
        "store": DataStore(data_dir=str(data_dir)),
        "duckdb": DuckDBResource(database=str(layout.warehouse)),
    }
