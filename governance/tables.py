"""The registry of every table the project writes: the warehouse's and the operations store's.

One place says, for each table: its schema (a dataset's own schema, or `main` for tables
shared by all datasets), its columns (or the function that derives them from a contract),
whether its rows belong to one dataset version, whether it may hold personal values, and
how an erasure request finds a subject in it. Retention, erasure, the datasheet facts,
the leak test and `ensure_table` loop over this registry, so a new table that is not
declared here is refused when it is first created, and a table that is declared is
purged and searched without anyone remembering to add it to a list.

Most tables live in the warehouse (DuckDB file or Parquet). A few live in the operations
store (`store=OPERATIONS`: the incidents SQLite database, governance/incidents/store.py),
which several processes write at once; loops over the warehouse go through
`warehouse_tables()` so they never look for those there.

This module imports nothing from the rest of the project but identifiers, so every
other module can import it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from governance.errors import GovernanceError
from governance.identifiers import check_version, quote_ident

# Stage tables of a dataset, in pipeline order.
INTAKE, CLEANED, VALIDATED, DELIVERED = "intake", "cleaned", "validated", "delivered"
STAGES = (INTAKE, CLEANED, VALIDATED, DELIVERED)
# Per-dataset tables tag each row with its version in this column ...
VERSION_COL = "_version"
# ... and with the row's position in the raw batch (1 = first record) in this one.
ROW_ID = "_row_id"
# Shared tables in `main` name the dataset and version in these two columns.
DATASET_KEY, VERSION_KEY = "dataset", "version"
MAIN = "main"

# How erasure finds a data subject in a table.
SUBJECT_KEY = "key"        # the contract's subject key column (hashed where delivery hashes)
SUBJECT_RECORD = "record"  # the raw record text kept for review
SUBJECT_NONE = "none"      # the table holds no personal values

# Which store holds a table: the warehouse (DuckDB file or Parquet), or the operations
# database (SQLite: written by the sensor, the CLI and runs at the same time).
WAREHOUSE, OPERATIONS = "warehouse", "operations"

Columns = tuple[tuple[str, str], ...]
_SHARED_KEY: Columns = ((DATASET_KEY, "VARCHAR"), (VERSION_KEY, "VARCHAR"))
_VERSIONED: Columns = ((VERSION_COL, "VARCHAR"),)


class UnregisteredTableError(GovernanceError):
    """Code tried to create a table that the registry in governance/tables.py does not list."""


@dataclass(frozen=True)
class Table:
    """One table the project writes, and what retention and erasure must know about it."""

    name: str
    per_dataset: bool          # lives in the dataset's own schema; else in `main`
    columns: Columns | None    # None: derived from the contract (see `written_by`)
    written_by: str            # the module writing it (or the function deriving its columns)
    versioned: bool            # rows belong to one dataset version (purged with it)
    personal: bool             # may hold personal values
    subject: str               # SUBJECT_KEY, SUBJECT_RECORD or SUBJECT_NONE
    purpose: str
    store: str = WAREHOUSE     # WAREHOUSE or OPERATIONS

    def schema(self, dataset: str) -> str:
        """The schema holding this table for a dataset."""
        return dataset if self.per_dataset else MAIN

    def version_where(self, dataset: str, version: str) -> tuple[str, list[str]]:
        """SQL condition and parameters selecting one version's rows of a dataset."""
        check_version(version)
        if self.per_dataset:
            return f"{quote_ident(VERSION_COL)} = ?", [version]
        return (f"{quote_ident(DATASET_KEY)} = ? AND {quote_ident(VERSION_KEY)} = ?",
                [dataset, version])


def _stage(name: str, purpose: str) -> Table:
    return Table(name, True, None, "governance.storage.stage_columns" if name != DELIVERED
                 else "governance.pii.treatment.delivered_columns", True, True, SUBJECT_KEY,
                 purpose)


QUARANTINE_COLUMNS: Columns = (
    (VERSION_COL, "VARCHAR"), ("stage", "VARCHAR"), ("line", "BIGINT"),
    ("column_name", "VARCHAR"), ("reason", "VARCHAR"), ("record", "VARCHAR"),
    ("quarantined_at", "TIMESTAMP"),
)
PII_FINDINGS_COLUMNS: Columns = (
    (VERSION_COL, "VARCHAR"), ("column_name", "VARCHAR"), ("in_contract", "BOOLEAN"),
    ("declared_personal", "BOOLEAN"), ("detected_personal", "BOOLEAN"),
    ("kind", "VARCHAR"), ("entity", "VARCHAR"), ("prevalence", "DOUBLE"),
    ("score", "DOUBLE"), ("rows", "BIGINT"), ("rows_scanned", "BIGINT"),
    ("guarantee", "VARCHAR"), ("scanned_at", "TIMESTAMP"))
CONSENSUS_COLUMNS: Columns = (*_VERSIONED, ("item", "VARCHAR"), ("label", "VARCHAR"),
                              ("ratings", "BIGINT"), ("top_votes", "BIGINT"),
                              ("share", "DOUBLE"), ("status", "VARCHAR"))
ADJUDICATION_COLUMNS: Columns = (*_VERSIONED, ("item", "VARCHAR"), ("status", "VARCHAR"),
                                 ("ratings", "BIGINT"), ("top_votes", "BIGINT"),
                                 ("share", "DOUBLE"), ("top_labels", "BIGINT"),
                                 ("reason", "VARCHAR"))
SAMPLE_COLUMNS: Columns = (*_VERSIONED, ("stratum", "VARCHAR"), ("item", "VARCHAR"),
                           ("annotator", "VARCHAR"), ("vendor", "VARCHAR"), ("label", "VARCHAR"),
                           ("verdict", "VARCHAR"), ("correct", "BOOLEAN"),
                           ("error_category", "VARCHAR"), ("reviewer", "VARCHAR"))
# The audit sample aimed at likely errors: ids, labels and cleanlab scores, never item text.
RISK_SAMPLE_COLUMNS: Columns = (*_VERSIONED, ("rank", "BIGINT"), ("item", "VARCHAR"),
                                ("annotator", "VARCHAR"), ("vendor", "VARCHAR"),
                                ("label", "VARCHAR"), ("score", "DOUBLE"),
                                ("verdict", "VARCHAR"), ("correct", "BOOLEAN"),
                                ("error_category", "VARCHAR"), ("reviewer", "VARCHAR"))
LABELING_ERROR_COLUMNS: Columns = (*_VERSIONED, ("item", "VARCHAR"), ("annotator", "VARCHAR"),
                                   ("vendor", "VARCHAR"), ("label", "VARCHAR"),
                                   ("truth", "VARCHAR"), ("source", "VARCHAR"),
                                   ("error_category", "VARCHAR"), ("reviewer", "VARCHAR"))
QUALITY_METRICS_COLUMNS: Columns = (
    *_SHARED_KEY, ("dimension", "VARCHAR"), ("column", "VARCHAR"), ("value", "DOUBLE"),
    ("target", "DOUBLE"), ("passed", "BOOLEAN"), ("measured_at", "TIMESTAMP"))
CHECK_RESULTS_COLUMNS: Columns = (
    *_SHARED_KEY, ("check_name", "VARCHAR"), ("severity", "VARCHAR"), ("blocking", "BOOLEAN"),
    ("passed", "BOOLEAN"), ("rows_checked", "BIGINT"), ("failures", "BIGINT"),
    ("evaluated_at", "TIMESTAMP"))
BATCH_COLUMNS: Columns = (
    *_SHARED_KEY, ("labels_dataset", "VARCHAR"), ("guidelines_version", "VARCHAR"),
    ("guidelines_sha256", "VARCHAR"), ("items", "BIGINT"), ("labels", "BIGINT"),
    ("annotators", "BIGINT"), ("vendors", "BIGINT"),
    ("krippendorff_alpha", "DOUBLE"), ("fleiss_kappa", "DOUBLE"),
    ("fleiss_items", "BIGINT"), ("mean_pair_kappa", "DOUBLE"),
    ("min_pair_kappa", "DOUBLE"), ("gold_ratings", "BIGINT"),
    ("gold_accuracy", "DOUBLE"), ("consensus_items", "BIGINT"),
    ("adjudication_items", "BIGINT"), ("imbalance_ratio", "DOUBLE"),
    ("normalized_entropy", "DOUBLE"), ("median_seconds", "DOUBLE"),
    ("p90_seconds", "DOUBLE"), ("labels_per_hour", "DOUBLE"),
    ("total_cost", "DOUBLE"), ("cost_per_item", "DOUBLE"),
    ("audit_method", "VARCHAR"), ("audit_plan", "VARCHAR"),
    ("audit_population", "BIGINT"), ("audit_size", "BIGINT"),
    ("audit_seed", "UBIGINT"), ("audited", "BIGINT"),
    ("audit_accuracy", "DOUBLE"), ("flagged_annotators", "VARCHAR"),
    ("measured_at", "TIMESTAMP"))
ANNOTATOR_COLUMNS: Columns = (
    *_SHARED_KEY, ("annotator", "VARCHAR"), ("vendor", "VARCHAR"),
    ("labels", "BIGINT"), ("gold_items", "BIGINT"), ("gold_accuracy", "DOUBLE"),
    ("gold_upper", "DOUBLE"), ("agreement_rate", "DOUBLE"), ("median_seconds", "DOUBLE"),
    ("labels_per_hour", "DOUBLE"), ("cost_per_label", "DOUBLE"),
    ("flagged", "BOOLEAN"), ("flag_reason", "VARCHAR"))
VENDOR_COLUMNS: Columns = (
    *_SHARED_KEY, ("vendor", "VARCHAR"), ("annotators", "BIGINT"), ("labels", "BIGINT"),
    ("items", "BIGINT"), ("gold_items", "BIGINT"), ("gold_accuracy", "DOUBLE"),
    ("gold_upper", "DOUBLE"), ("agreement_rate", "DOUBLE"), ("median_seconds", "DOUBLE"),
    ("p90_seconds", "DOUBLE"), ("labels_per_hour", "DOUBLE"),
    ("total_cost", "DOUBLE"), ("cost_per_item", "DOUBLE"),
    ("audited", "BIGINT"), ("audit_accuracy", "DOUBLE"), ("flagged_annotators", "BIGINT"))
PAIR_COLUMNS: Columns = (*_SHARED_KEY, ("annotator_a", "VARCHAR"), ("annotator_b", "VARCHAR"),
                         ("items", "BIGINT"), ("kappa", "DOUBLE"))
DISTRIBUTION_COLUMNS: Columns = (*_SHARED_KEY, ("label", "VARCHAR"), ("count", "BIGINT"),
                                 ("share", "DOUBLE"))
SCORECARD_COLUMNS: Columns = (
    *_SHARED_KEY, ("vendor", "VARCHAR"), ("annotators", "BIGINT"), ("labels", "BIGINT"),
    ("items", "BIGINT"), ("gold_accuracy", "DOUBLE"), ("audit_accuracy", "DOUBLE"),
    ("agreement_rate", "DOUBLE"), ("median_seconds", "DOUBLE"),
    ("labels_per_hour", "DOUBLE"), ("cost_per_item", "DOUBLE"),
    ("total_cost", "DOUBLE"), ("flagged_annotators", "BIGINT"),
    ("meets_targets", "BOOLEAN"), ("misses", "VARCHAR"))
CONFUSION_COLUMNS: Columns = (*_SHARED_KEY, ("scope", "VARCHAR"), ("member", "VARCHAR"),
                              ("true_label", "VARCHAR"), ("given_label", "VARCHAR"),
                              ("labels", "BIGINT"))
ERROR_CATEGORY_COLUMNS: Columns = (*_SHARED_KEY, ("scope", "VARCHAR"), ("member", "VARCHAR"),
                                   ("error_category", "VARCHAR"), ("errors", "BIGINT"))
PROPOSAL_COLUMNS: Columns = (
    *_SHARED_KEY, ("label_a", "VARCHAR"), ("label_b", "VARCHAR"), ("rule", "VARCHAR"),
    ("errors", "BIGINT"), ("a_as_b", "BIGINT"), ("b_as_a", "BIGINT"),
    ("considered_errors", "BIGINT"), ("share", "DOUBLE"), ("annotators", "VARCHAR"),
    ("items", "VARCHAR"), ("guidelines_version", "VARCHAR"), ("proposal", "VARCHAR"))
REVIEWER_COLUMNS: Columns = (
    *_SHARED_KEY, ("reviewer", "VARCHAR"), ("audited_items", "BIGINT"),
    ("calibration_items", "BIGINT"), ("gold_items", "BIGINT"), ("gold_correct", "BIGINT"),
    ("gold_accuracy", "DOUBLE"), ("gold_upper", "DOUBLE"), ("kappa", "DOUBLE"),
    ("kappa_with", "VARCHAR"), ("kappa_items", "BIGINT"), ("below_target", "BOOLEAN"),
    ("reason", "VARCHAR"))
QUALIFICATION_COLUMNS: Columns = (
    *_SHARED_KEY, ("annotator", "VARCHAR"), ("answers", "BIGINT"), ("correct", "BIGINT"),
    ("accuracy", "DOUBLE"), ("upper", "DOUBLE"), ("status", "VARCHAR"),
    ("qualified_at", "TIMESTAMP"), ("excluded_labels", "BIGINT"), ("reason", "VARCHAR"))
RETRAINING_COLUMNS: Columns = (
    *_SHARED_KEY, ("annotator", "VARCHAR"), ("vendor", "VARCHAR"), ("reason", "VARCHAR"),
    ("guidelines_version", "VARCHAR"), ("triggered_at", "TIMESTAMP"))
# A vendor pilot: every candidate vendor labels the same gold set (`dataops pilot`); one row
# per pilot, vendor and annotator. Not a dataset version: kept until its dataset goes.
PILOT_COLUMNS: Columns = (
    (DATASET_KEY, "VARCHAR"), ("pilot", "VARCHAR"), ("vendor", "VARCHAR"),
    ("annotator", "VARCHAR"), ("labels", "BIGINT"), ("gold_items", "BIGINT"),
    ("gold_correct", "BIGINT"), ("active_seconds", "DOUBLE"), ("median_seconds", "DOUBLE"),
    ("cost", "DOUBLE"), ("measured_at", "TIMESTAMP"))
DRIFT_RESULT_COLUMNS: Columns = (
    *_SHARED_KEY, ("reference_version", "VARCHAR"), ("column", "VARCHAR"),
    ("kind", "VARCHAR"), ("test", "VARCHAR"), ("statistic", "DOUBLE"), ("p_value", "DOUBLE"),
    ("threshold", "DOUBLE"), ("drifted", "BOOLEAN"), ("psi", "DOUBLE"),
    ("psi_band", "VARCHAR"), ("reference_rows", "BIGINT"),
    ("current_rows", "BIGINT"), ("reference_null_share", "DOUBLE"),
    ("current_null_share", "DOUBLE"), ("token_js", "DOUBLE"),
    ("oov_share", "DOUBLE"), ("note", "VARCHAR"))
DRIFT_SUMMARY_COLUMNS: Columns = (
    *_SHARED_KEY, ("reference_version", "VARCHAR"), ("columns_tested", "BIGINT"),
    ("columns_drifted", "BIGINT"), ("share_drifted", "DOUBLE"),
    ("share_threshold", "DOUBLE"), ("dataset_drift", "BOOLEAN"),
    ("label_column", "VARCHAR"), ("label_drift", "BOOLEAN"),
    ("schema_changes", "VARCHAR"), ("drifted_columns", "VARCHAR"),
    ("measured_at", "TIMESTAMP"))
# Representation of subgroups per version (governance/representation/): only groups of at
# least the contract's minCount rows, and "other (suppressed)" for withheld ones combined.
REPRESENTATION_COLUMNS: Columns = (
    *_SHARED_KEY, ("group_name", "VARCHAR"), ("member", "VARCHAR"), ("rows", "BIGINT"),
    ("share", "DOUBLE"), ("share_low", "DOUBLE"), ("share_high", "DOUBLE"),
    ("outcome_rows", "BIGINT"), ("outcome_rate", "DOUBLE"), ("rate_low", "DOUBLE"),
    ("rate_high", "DOUBLE"), ("disparate_impact", "DOUBLE"),
    ("parity_difference", "DOUBLE"), ("is_reference", "BOOLEAN"), ("merged", "BIGINT"),
    ("measured_at", "TIMESTAMP"))
REPRESENTATION_SUMMARY_COLUMNS: Columns = (
    *_SHARED_KEY, ("group_name", "VARCHAR"), ("total_rows", "BIGINT"),
    ("min_count", "BIGINT"), ("small_groups", "BIGINT"), ("withheld_groups", "BIGINT"),
    ("reference_member", "VARCHAR"), ("outcome_column", "VARCHAR"),
    ("favorable", "VARCHAR"), ("reference_version", "VARCHAR"),
    ("chi2_statistic", "DOUBLE"), ("p_value", "DOUBLE"), ("psi", "DOUBLE"),
    ("categories", "BIGINT"), ("breaches", "VARCHAR"), ("note", "VARCHAR"),
    ("measured_at", "TIMESTAMP"))
# Operations store (SQLite): times are ISO 8601 UTC text, lists are JSON text.
INCIDENT_COLUMNS: Columns = (
    ("id", "VARCHAR"), (DATASET_KEY, "VARCHAR"), ("key", "VARCHAR"), ("type", "VARCHAR"),
    ("severity", "VARCHAR"), ("state", "VARCHAR"), ("owner", "VARCHAR"),
    ("versions", "VARCHAR"), ("summary", "VARCHAR"), ("opened_at", "TIMESTAMP"),
    ("assignee", "VARCHAR"), ("acknowledged_at", "TIMESTAMP"), ("resolved_at", "TIMESTAMP"),
    ("cause", "VARCHAR"), ("resolution_note", "VARCHAR"), ("waived_until", "TIMESTAMP"),
    ("evidence", "VARCHAR"))
INCIDENT_EVENT_COLUMNS: Columns = (
    ("incident_id", "VARCHAR"), ("seq", "BIGINT"), ("at", "TIMESTAMP"), ("action", "VARCHAR"),
    ("actor", "VARCHAR"), ("state", "VARCHAR"), (VERSION_KEY, "VARCHAR"), ("detail", "VARCHAR"))
NOTIFICATION_COLUMNS: Columns = (
    ("incident_id", "VARCHAR"), ("step", "VARCHAR"), ("channel", "VARCHAR"), ("tool", "VARCHAR"),
    ("recipient", "VARCHAR"), ("status", "VARCHAR"), ("detail", "VARCHAR"),
    ("at", "TIMESTAMP"))
RETENTION_LOG_COLUMNS: Columns = (
    *_SHARED_KEY, ("scope", "VARCHAR"), ("action", "VARCHAR"), ("executed_at", "TIMESTAMP"),
    ("rows", "BIGINT"))
TOMBSTONE_COLUMNS: Columns = ((DATASET_KEY, "VARCHAR"), ("key_column", "VARCHAR"),
                              ("key_hash", "VARCHAR"), ("erased_at", "TIMESTAMP"))
# Consent per purpose: which delivered rows a consent-based purpose may use, and the
# coverage counts measured when the version was delivered (governance/consent/scope.py).
PURPOSE_ROWS_COLUMNS: Columns = (*_VERSIONED, ("purpose", "VARCHAR"), (ROW_ID, "BIGINT"))
CONSENT_COVERAGE_COLUMNS: Columns = (
    *_SHARED_KEY, ("purpose", "VARCHAR"), ("legal_basis", "VARCHAR"), ("rows", "BIGINT"),
    ("rows_given", "BIGINT"), ("rows_withdrawn", "BIGINT"), ("rows_unknown", "BIGINT"),
    ("subjects_given", "BIGINT"), ("subjects_withdrawn", "BIGINT"),
    ("subjects_unknown", "BIGINT"), ("measured_at", "TIMESTAMP"))
# Operations store: one row per consent record, never updated or deleted (history).
CONSENT_RECORD_COLUMNS: Columns = (
    (DATASET_KEY, "VARCHAR"), ("purpose", "VARCHAR"), ("subject_hash", "VARCHAR"),
    ("key_column", "VARCHAR"), ("state", "VARCHAR"), ("consent_at", "TIMESTAMP"),
    ("collection_method", "VARCHAR"), ("policy_version", "VARCHAR"),
    ("receipt_id", "VARCHAR"), ("recorded_at", "TIMESTAMP"), ("recorded_by", "VARCHAR"))


def _shared(name: str, columns: Columns, written_by: str, purpose: str,
            versioned: bool = True) -> Table:
    return Table(name, False, columns, written_by, versioned, False, SUBJECT_NONE, purpose)


def _labels(name: str, columns: Columns, purpose: str) -> Table:
    # Item ids, pseudonymous annotator ids and labels: no values of the labeled records.
    return Table(name, True, columns, "governance.labeling.tables", True, False, SUBJECT_NONE,
                 purpose)


TABLES: tuple[Table, ...] = (
    _stage(INTAKE, "every record as read from the raw batch, typed"),
    _stage(CLEANED, "records after the contract's cleaning steps, duplicates dropped"),
    _stage(VALIDATED, "cleaned records in the contract's column order, checks judge them"),
    _stage(DELIVERED, "validated records with personal columns treated (hashed, masked...)"),
    Table("quarantine", True, QUARANTINE_COLUMNS, "governance.storage.write_quarantine", True,
          True, SUBJECT_RECORD, "records and file problems held back at intake, with the "
          "raw record text for review"),
    Table("pii_findings", True, PII_FINDINGS_COLUMNS, "governance.pii.policy.write_findings",
          True, False, SUBJECT_NONE, "entity types and shares found by the personal-data "
          "scan, never values"),
    _labels("consensus_labels", CONSENSUS_COLUMNS, "the consensus label of each item"),
    _labels("adjudication_queue", ADJUDICATION_COLUMNS, "items needing a human decision"),
    _labels("audit_sample", SAMPLE_COLUMNS, "the audited sample of labels"),
    _labels("risk_audit_sample", RISK_SAMPLE_COLUMNS, "the audit sample aimed at likely "
            "label errors (lowest label-quality scores); finds errors, never estimates "
            "accuracy"),
    _labels("labeling_errors", LABELING_ERROR_COLUMNS, "each judged label that is wrong "
            "(audit verdict or gold answer), with the reviewer's error category"),
    _shared("quality_metrics", QUALITY_METRICS_COLUMNS, "governance.quality.metrics",
            "quality metrics per version, dimension and column"),
    _shared("check_results", CHECK_RESULTS_COLUMNS, "governance.quality.outcomes",
            "check outcomes per version"),
    _shared("labeling_batches", BATCH_COLUMNS, "governance.labeling.tables",
            "one summary row per labeling batch"),
    _shared("labeling_annotators", ANNOTATOR_COLUMNS, "governance.labeling.tables",
            "per-annotator results of a batch (pseudonymous annotator ids)"),
    _shared("labeling_vendors", VENDOR_COLUMNS, "governance.labeling.tables",
            "per-vendor results of a batch"),
    _shared("labeling_pairs", PAIR_COLUMNS, "governance.labeling.tables",
            "agreement between annotator pairs"),
    _shared("label_distribution", DISTRIBUTION_COLUMNS, "governance.labeling.tables",
            "how often each label was given"),
    _shared("vendor_scorecard", SCORECARD_COLUMNS, "governance.labeling.scorecard",
            "each vendor against the contract's targets"),
    _shared("labeling_confusions", CONFUSION_COLUMNS, "governance.labeling.tables",
            "confusion matrix cells (true vs given label) per batch, vendor and annotator"),
    _shared("labeling_error_categories", ERROR_CATEGORY_COLUMNS, "governance.labeling.tables",
            "errors per reviewer's error category per batch, vendor and annotator"),
    _shared("guideline_proposals", PROPOSAL_COLUMNS, "governance.labeling.tables",
            "drafted guideline changes where errors concentrate on one label pair"),
    _shared("labeling_reviewers", REVIEWER_COLUMNS, "governance.labeling.tables",
            "each reviewer's calibration: accuracy on gold items and Cohen's kappa with the "
            "other reviewer on the calibration share (pseudonymous reviewer ids)"),
    _shared("annotator_qualification", QUALIFICATION_COLUMNS, "governance.labeling.tables",
            "each annotator's qualification status for a batch and the labels left out"),
    _shared("annotator_retraining", RETRAINING_COLUMNS, "governance.labeling.tables",
            "retraining triggered for a qualified annotator below target, with the "
            "guidelines version to train on"),
    _shared("labeling_pilots", PILOT_COLUMNS, "governance.planning.pilot",
            "vendor pilots on one gold set: labels, gold answers right, time and cost per "
            "vendor and annotator", versioned=False),
    _shared("drift_results", DRIFT_RESULT_COLUMNS, "governance.drift.measure",
            "per-column drift statistics against the reference version"),
    _shared("drift_summary", DRIFT_SUMMARY_COLUMNS, "governance.drift.measure",
            "dataset-level drift verdict per version"),
    _shared("representation", REPRESENTATION_COLUMNS, "governance.representation.store",
            "group shares, outcome rates and disparity per version and watched group; "
            "groups below the contract's minCount are never stored"),
    _shared("representation_summary", REPRESENTATION_SUMMARY_COLUMNS,
            "governance.representation.store", "per version and watched group: rows, groups "
            "withheld, reference group, share drift against the reference version, breaches"),
    # Ledgers: the proof that retention and erasure happened, kept when versions go.
    _shared("retention_log", RETENTION_LOG_COLUMNS, "governance.retention",
            "what retention did to which version and when (kept as proof)", versioned=False),
    _shared("erasure_tombstones", TOMBSTONE_COLUMNS, "governance.erasure",
            "keyed hashes of erased subjects, never the key (kept so they stay out)",
            versioned=False),
    # Row ids only: which delivered rows a consent-based purpose may use.
    Table("purpose_rows", True, PURPOSE_ROWS_COLUMNS, "governance.consent.scope", True, False,
          SUBJECT_NONE, "the delivered rows of a version each consent-based purpose may use "
          "(row ids, never values)"),
    _shared("consent_coverage", CONSENT_COVERAGE_COLUMNS, "governance.consent.scope",
            "consent given, withdrawn or unknown per purpose, counted at delivery"),
    # Operations: incidents outlive the versions they name (they are the record of what
    # went wrong), and hold names, counts and scrubbed notes, never values.
    Table("incidents", False, INCIDENT_COLUMNS, "governance.incidents.book", False, False,
          SUBJECT_NONE, "one row per incident: dataset, check, versions, state, owner, cause",
          OPERATIONS),
    Table("incident_events", False, INCIDENT_EVENT_COLUMNS, "governance.incidents.book",
          False, False, SUBJECT_NONE, "every transition of every incident", OPERATIONS),
    Table("notifications", False, NOTIFICATION_COLUMNS, "governance.incidents.escalation",
          False, False, SUBJECT_NONE, "each notification sent (or not) per escalation step "
          "and channel", OPERATIONS),
    Table("consent_records", False, CONSENT_RECORD_COLUMNS, "governance.consent.ledger", False,
          False, SUBJECT_NONE, "append-only consent records per subject (keyed hash, never the "
          "key) and purpose, with their history", OPERATIONS),
)
_BY_NAME = {t.name: t for t in TABLES}

# Names other modules use; each is a key of the registry.
QUARANTINE = _BY_NAME["quarantine"].name
PII_FINDINGS = _BY_NAME["pii_findings"].name
QUALITY_METRICS = _BY_NAME["quality_metrics"].name
CHECK_RESULTS = _BY_NAME["check_results"].name
LABELING_BATCHES = _BY_NAME["labeling_batches"].name
LABELING_ANNOTATORS = _BY_NAME["labeling_annotators"].name
LABELING_VENDORS = _BY_NAME["labeling_vendors"].name
LABELING_PILOTS = _BY_NAME["labeling_pilots"].name
LABELING_PAIRS = _BY_NAME["labeling_pairs"].name
LABEL_DISTRIBUTION = _BY_NAME["label_distribution"].name
VENDOR_SCORECARD = _BY_NAME["vendor_scorecard"].name
CONSENSUS_LABELS = _BY_NAME["consensus_labels"].name
ADJUDICATION_QUEUE = _BY_NAME["adjudication_queue"].name
AUDIT_SAMPLE = _BY_NAME["audit_sample"].name
RISK_AUDIT_SAMPLE = _BY_NAME["risk_audit_sample"].name
LABELING_ERRORS = _BY_NAME["labeling_errors"].name
LABELING_CONFUSIONS = _BY_NAME["labeling_confusions"].name
LABELING_ERROR_CATEGORIES = _BY_NAME["labeling_error_categories"].name
GUIDELINE_PROPOSALS = _BY_NAME["guideline_proposals"].name
LABELING_REVIEWERS = _BY_NAME["labeling_reviewers"].name
ANNOTATOR_QUALIFICATION = _BY_NAME["annotator_qualification"].name
ANNOTATOR_RETRAINING = _BY_NAME["annotator_retraining"].name
DRIFT_RESULTS = _BY_NAME["drift_results"].name
DRIFT_SUMMARY = _BY_NAME["drift_summary"].name
REPRESENTATION = _BY_NAME["representation"].name
REPRESENTATION_SUMMARY = _BY_NAME["representation_summary"].name
RETENTION_LOG = _BY_NAME["retention_log"].name
ERASURE_TOMBSTONES = _BY_NAME["erasure_tombstones"].name
INCIDENTS = _BY_NAME["incidents"].name
INCIDENT_EVENTS = _BY_NAME["incident_events"].name
NOTIFICATIONS = _BY_NAME["notifications"].name
PURPOSE_ROWS = _BY_NAME["purpose_rows"].name
CONSENT_COVERAGE = _BY_NAME["consent_coverage"].name
CONSENT_RECORDS = _BY_NAME["consent_records"].name


def table(name: str) -> Table:
    """The registry entry of a table, by name."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnregisteredTableError(
            f"table {name!r} is not declared in governance/tables.py; declare it there (schema, "
            "columns, versions, personal data, erasure) before writing it") from None


def registered(schema: str, name: str, datasets: set[str] | None = None) -> bool:
    """True when schema.name is a registry table (per-dataset tables: any non-main schema,
    or one of `datasets` when given)."""
    entry = _BY_NAME.get(name)
    if entry is None or entry.store != WAREHOUSE:
        return False
    if not entry.per_dataset:
        return schema == MAIN
    return schema != MAIN and (datasets is None or schema in datasets)


def check_registered(schema: str, name: str) -> Table:
    """The registry entry for schema.name, or UnregisteredTableError."""
    entry = table(name)
    if entry.store != WAREHOUSE:
        raise UnregisteredTableError(f"table {name!r} lives in the {entry.store} store, not in "
                                     "the warehouse")
    if not registered(schema, name):
        where = "a dataset's own schema" if entry.per_dataset else "schema main"
        raise UnregisteredTableError(f"table {name!r} belongs in {where}, not in {schema!r}")
    return entry


def warehouse_tables() -> Iterator[Table]:
    """Every table the warehouse holds (not the operations store's), in registry order."""
    return (t for t in TABLES if t.store == WAREHOUSE)


def store_tables(store: str) -> tuple[Table, ...]:
    """Every table one store holds, in registry order."""
    return tuple(t for t in TABLES if t.store == store)


def versioned_tables() -> Iterator[Table]:
    """Every warehouse table whose rows belong to one dataset version, in registry order."""
    return (t for t in warehouse_tables() if t.versioned)


def version_id(number: int) -> str:
    """The version id of a sequence number (12 -> 'v12')."""
    return check_version(f"v{number}")


def version_number(version: str) -> int:
    """The sequence number of a version id ('v12' -> 12)."""
    return int(check_version(version)[1:])
