"""`dataops backup DEST`: a consistent, checksummed backup of the data directory."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from dataops_assets.cli._common import add_verb
from governance.backup import MANIFEST, backup
from governance.settings import data_dir_from_env


def cmd_backup(args: argparse.Namespace) -> int:
    """Back up the data directory and the Dagster instance into a new folder."""
    home = os.environ.get("DAGSTER_HOME")
    report = backup(data_dir_from_env(), Path(args.dest), Path(home) if home else None,
                    wait_seconds=args.wait)
    print(f"backed up {report.files} files ({report.bytes / 1e6:.1f} MB) to {args.dest} "
          f"in {report.seconds:.1f} s; sha256 of each in {MANIFEST}")
    if report.dagster_home:
        print(f"Dagster instance included (restored as <data_dir>/{report.dagster_home})")
    for note in report.notes:
        print(f"note: {note}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops backup`."""
    parser = add_verb(
        subparsers, "backup", help="back up the data directory and the Dagster instance",
        description="Writes a backup of $DATAOPS_DATA_DIR into DEST, a new or empty folder "
        "outside the data directory: the DuckDB warehouse as one consistent snapshot (read "
        "through a read-only attach), the raw store, the audit trail and its head, holds, "
        "ledgers, reference samples, exports and lineage events, and the Dagster instance "
        "under $DAGSTER_HOME (its SQLite files through SQLite's backup API), plus "
        f"{MANIFEST} with the sha256, size and mode of every file.\n\n"
        "It may run while the Dagster UI is up. DuckDB lets no reader in while a run holds "
        "the warehouse's write lock: the backup then waits (--wait) and refuses if the "
        "lock stays; runs that start during the few seconds of the snapshot wait and retry. "
        "Each part is consistent on its own; a run that ends during the backup can be in "
        "the audit trail but not in the warehouse snapshot.",
        examples=["dataops backup /backups/dataops-2027-01-31",
                  "dataops backup /backups/today --wait 300"],
        exit_codes=["0  backup written and checksummed",
                    "2  refused: DEST not empty or inside the data directory, no data "
                    "directory, or the warehouse stayed locked by a run"])
    parser.add_argument("dest", help="new or empty folder to write the backup into")
    parser.add_argument("--wait", type=float, default=60.0, metavar="SECONDS",
                        help="how long to wait for a run's write lock on the warehouse "
                        "(default 60)")
    parser.set_defaults(func=cmd_backup)
