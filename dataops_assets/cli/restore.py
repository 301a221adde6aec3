"""`dataops restore SRC DEST_DIR`: a backup restored into a new data directory, verified."""

from __future__ import annotations

import argparse
from pathlib import Path

from dataops_assets.cli._common import add_verb
from governance.backup import MANIFEST, restore


def cmd_restore(args: argparse.Namespace) -> int:
    """Check a backup against its manifest and restore it into an empty folder."""
    report = restore(Path(args.src), Path(args.dest_dir))
    dest = Path(args.dest_dir).resolve()
    print(f"restored {report.files} files ({report.bytes / 1e6:.1f} MB) to {dest} in "
          f"{report.seconds:.1f} s; every sha256 matches {MANIFEST}")
    print("use it with:")
    print(f"  export DATAOPS_DATA_DIR={dest}")
    if report.dagster_home:
        print(f"  export DAGSTER_HOME={dest / report.dagster_home}")
    print("  dataops audit verify")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `dataops restore`."""
    parser = add_verb(
        subparsers, "restore", help="restore a backup into a new data directory",
        description="Checks every file of the backup in SRC against the sha256 in its "
        f"{MANIFEST}, then restores it into DEST_DIR, which must be new or empty; the "
        "files appear there together (a staged folder renamed into place), so a refused or "
        "failed restore leaves nothing behind. The restored directory works wherever it "
        "lands: every path stored in it is relative to the data directory. The Dagster "
        "instance is restored below it (DEST_DIR/dagster_home unless it was elsewhere "
        "below the data directory); the command prints what to export.",
        examples=["dataops restore /backups/dataops-2027-01-31 /srv/dataops-restored",
                  "DATAOPS_DATA_DIR=/srv/dataops-restored dataops audit verify"],
        exit_codes=["0  restored and checked",
                    "2  refused: not a finished backup, a file missing or not matching its "
                    "sha256, or DEST_DIR not empty"])
    parser.add_argument("src", help="the backup folder (written by `dataops backup`)")
    parser.add_argument("dest_dir", help="new or empty folder to restore the data directory to")
    parser.set_defaults(func=cmd_restore)
