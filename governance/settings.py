"""Where the project keeps its data, read from the environment when asked, never at import."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from governance.defaults import default_contracts_dir
from governance.errors import GovernanceError
from governance.identifiers import check_dataset_name, check_version

DATA_DIR_ENV = "DATAOPS_DATA_DIR"
CONTRACTS_DIR_ENV = "DATAOPS_CONTRACTS_DIR"
DEFAULT_DATA_DIR = ".dataops"
DATASHEETS_DIR_ENV = "DATAOPS_DATASHEETS_DIR"
# The repository's datasheets/ serves the repository's own data directory (.dataops, the
# Makefile's default) only; every other data directory keeps its documents inside itself.
DEFAULT_DATASHEETS_DIR = Path(__file__).resolve().parent.parent / "datasheets"
REPO_DATA_DIR = Path(__file__).resolve().parent.parent / DEFAULT_DATA_DIR


@dataclass(frozen=True)
class Layout:
    """Every place data lives under the data directory."""

    data_dir: Path

    @property
    def warehouse(self) -> Path:
        """The DuckDB database file holding every stage table."""
        return self.data_dir / "warehouse.duckdb"

    @property
    def warehouse_dir(self) -> Path:
        """The Parquet warehouse's folder (one file per table and version)."""
        return self.data_dir / "warehouse"

    @property
    def raw_dir(self) -> Path:
        """The immutable raw store."""
        return self.data_dir / "raw"

    @property
    def landing_root(self) -> Path:
        """Where new files are dropped for the landing sensor."""
        return self.data_dir / "landing"

    def landing_dir(self, folder: str) -> Path:
        """The landing folder of one dataset."""
        return self.landing_root / check_dataset_name(folder)

    @property
    def delivered_root(self) -> Path:
        """Parquet exports of delivered versions."""
        return self.data_dir / "delivered"

    def delivered_file(self, dataset: str, version: str) -> Path:
        """The Parquet export of one delivered version."""
        return (self.delivered_root / check_dataset_name(dataset)
                / f"{check_version(version)}.parquet")

    def purpose_file(self, dataset: str, purpose: str, version: str) -> Path:
        """The Parquet export of one delivered version for one consent-based purpose."""
        return self.delivered_file(dataset, version).parent / check_dataset_name(purpose) \
            / f"{check_version(version)}.parquet"

    def purpose_files(self, dataset: str, version: str) -> dict[str, Path]:
        """Every purpose export of one delivered version that exists, by purpose."""
        folder = self.delivered_file(dataset, version).parent
        return {p.parent.name: p for p in sorted(folder.glob(f"*/{check_version(version)}"
                                                             ".parquet"))}


    @property
    def holds_file(self) -> Path:
        """Legal holds on dataset versions."""
        return self.data_dir / "holds.json"

    @property
    def operations_dir(self) -> Path:
        """Incidents and their notifications: written by the sensor, the CLI and runs."""
        return self.data_dir / "operations"

    @property
    def incidents_db(self) -> Path:
        """The SQLite database of incidents, their events and notifications."""
        return self.operations_dir / "incidents.sqlite"

    @property
    def outbox_file(self) -> Path:
        """Every notification as a JSON line, whether or not a channel delivered it."""
        return self.operations_dir / "outbox.jsonl"

    @property
    def portal_dir(self) -> Path:
        """The governance portal: its MkDocs sources (docs/) and the built site (site/)."""
        return self.data_dir / "portal"

    @property
    def lineage_file(self) -> Path:
        """OpenLineage run events, one JSON object per line."""
        return self.data_dir / "lineage" / "openlineage.jsonl"

    @property
    def refresh_requests_file(self) -> Path:
        """Refresh requests raised by drift, one per drifted version."""
        return self.data_dir / "drift" / "refresh_requests.json"

    def gold_file(self, dataset: str) -> Path:
        """The labeling program's gold answers (item and correct label), as CSV."""
        return self.data_dir / "labeling" / check_dataset_name(dataset) / "gold.csv"

    def qualification_file(self, dataset: str) -> Path:
        """Annotators' qualification answers (annotator, item, label, at), beside the gold."""
        return self.gold_file(dataset).parent / "qualification.csv"

    def reference_file(self, dataset: str, version: str) -> Path:
        """The audited reference sample of one version (key plus verified values), as CSV."""
        return (self.data_dir / "reference" / check_dataset_name(dataset)
                / f"{check_version(version)}.csv")


def data_dir_from_env(environ: Mapping[str, str] | None = None) -> Path:
    """The data directory: $DATAOPS_DATA_DIR, else ./.dataops, made absolute."""
    env = os.environ if environ is None else environ
    return Path(env.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).resolve()


def contracts_dir_from_env(environ: Mapping[str, str] | None = None) -> Path:
    """The contracts folder: $DATAOPS_CONTRACTS_DIR, else the demo contracts in the package."""
    env = os.environ if environ is None else environ
    value = env.get(CONTRACTS_DIR_ENV)
    return Path(value).resolve() if value else default_contracts_dir()


def datasheets_dir_for(data_dir: Path, environ: Mapping[str, str] | None = None) -> Path:
    """Where a data directory's documents go: $DATAOPS_DATASHEETS_DIR, else its own folder.

    The repository's default data directory keeps using the repository's datasheets/;
    any other data directory gets <data_dir>/datasheets, so documents describing one data
    directory's versions never land among another's.
    """
    env = os.environ if environ is None else environ
    value = env.get(DATASHEETS_DIR_ENV)
    if value:
        return Path(value).resolve()
    if Path(data_dir).resolve() == REPO_DATA_DIR:
        return DEFAULT_DATASHEETS_DIR
    return Path(data_dir).resolve() / "datasheets"


TIMEZONE_ENV = "DATAOPS_TIMEZONE"
DEFAULT_TIMEZONE = "UTC"


class TimeZoneSettingError(GovernanceError):
    """$DATAOPS_TIMEZONE does not name a time zone of the IANA database."""


def timezone_name(environ: Mapping[str, str] | None = None) -> str:
    """The instance's time zone for schedules and reports: $DATAOPS_TIMEZONE, else UTC."""
    env = os.environ if environ is None else environ
    name = (env.get(TIMEZONE_ENV) or "").strip() or DEFAULT_TIMEZONE
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeZoneSettingError(f"{TIMEZONE_ENV}={name!r} is not a time zone; use an IANA "
                                   "name such as Europe/Paris or UTC") from None
    return name
