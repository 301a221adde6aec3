"""One call to append to the audit trail from assets, jobs and commands, with its witnesses.

Every append is signed when $DATAOPS_AUDIT_KEY names a key, and each checkpoint is recorded
as an observation of governance/audit_trail in the Dagster instance (its own storage and
access control, outside the data directory) and POSTed to $DATAOPS_AUDIT_WITNESS_URL if set.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import dagster as dg

from dataops_assets.keys import (
    AUDIT_TRAIL_KEY,
    META_AUDIT_AT,
    META_AUDIT_HEAD,
    META_AUDIT_KEY_ID,
    META_AUDIT_SEQ,
    META_AUDIT_SIGNATURE,
)
from governance.audit import AuditLog, audit_path
from governance.audit_sign import Checkpoint, Witness, signer_from_env, url_witness_from_env

log = logging.getLogger(__name__)
_PAGE = 1000
_instances: dict[str, dg.DagsterInstance] = {}


def dagster_witness(instance: dg.DagsterInstance) -> Witness:
    """A witness that records each checkpoint as a runless observation in the instance."""

    def observe(checkpoint: Checkpoint) -> None:
        try:
            instance.report_runless_asset_event(dg.AssetObservation(
                asset_key=AUDIT_TRAIL_KEY,
                metadata={META_AUDIT_SEQ: checkpoint.seq, META_AUDIT_HEAD: checkpoint.head,
                          META_AUDIT_AT: checkpoint.at, META_AUDIT_KEY_ID: checkpoint.key_id,
                          META_AUDIT_SIGNATURE: checkpoint.sig}))
        except Exception as exc:  # any storage failure: the entry itself is on disk
            log.warning("the Dagster instance did not record audit checkpoint %s: %s",
                        checkpoint.seq, exc)

    return observe


def witnessed_checkpoints(instance: dg.DagsterInstance) -> list[Checkpoint]:
    """Every checkpoint the instance recorded, oldest first."""
    out: list[Checkpoint] = []
    cursor = None
    while True:
        page = instance.fetch_observations(AUDIT_TRAIL_KEY, limit=_PAGE, cursor=cursor,
                                           ascending=True)
        for record in page.records:
            observation = record.asset_observation
            meta = {k: v.value for k, v in (observation.metadata if observation else {}).items()}
            if isinstance(meta.get(META_AUDIT_SEQ), int) and isinstance(
                    meta.get(META_AUDIT_HEAD), str):
                out.append(Checkpoint(meta[META_AUDIT_SEQ], meta[META_AUDIT_HEAD],
                                      str(meta.get(META_AUDIT_AT, "")),
                                      str(meta.get(META_AUDIT_KEY_ID, "")),
                                      str(meta.get(META_AUDIT_SIGNATURE, ""))))
        if not page.has_more:
            return out
        cursor = page.cursor


def _instance_from_env() -> dg.DagsterInstance | None:
    """The instance under $DAGSTER_HOME (one per process and home), or None when unset."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return None
    if home not in _instances:
        try:
            _instances[home] = dg.DagsterInstance.get()
        except dg.DagsterInvariantViolationError as exc:
            # The entry is still written (and signed); only this witness is missing.
            log.warning("no Dagster instance to witness the audit trail: %s", exc)
            return None
    return _instances[home]


def witnesses(instance: dg.DagsterInstance | None = None) -> list[Witness]:
    """The witnesses configured for this process: the Dagster instance and the URL, if set."""
    instance = instance if instance is not None else _instance_from_env()
    found = [dagster_witness(instance)] if instance is not None else []
    url = url_witness_from_env()
    return [*found, url] if url is not None else found


def audit_log(data_dir: str | Path, instance: dg.DagsterInstance | None = None) -> AuditLog:
    """The data directory's audit trail with the configured key and witnesses."""
    return AuditLog(audit_path(Path(data_dir)), signer_from_env(), witnesses(instance))


def audit(data_dir: str | Path, action: str, dataset: str, version: str | None = None,
          **details: object) -> None:
    """Append an entry; details hold counts, identifiers and hashes only (checked)."""
    audit_log(data_dir).append(action, dataset, version, details)
