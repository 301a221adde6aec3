"""Service-level checks per version: latency and availability on `<ds>/delivered`, arrival
on `<ds>/intake`, labeling turnaround, throughput and cost on `<ds>/labeling`.

Each is declared here on the other folders' asset keys, so the `<ds>_pipeline` job runs
it right after its asset. None blocks anything: a late delivery has already happened and
holding back later stages would only make the next version later too. Times come from the
raw store (when the batch landed) and the instance (when the asset was materialized),
never from the check's own clock.
"""

import math
import warnings
from datetime import UTC, datetime

import dagster as dg

from dataops_assets.keys import (
    CHECK_ARRIVAL,
    CHECK_AVAILABILITY,
    CHECK_LABELING_COST,
    CHECK_LABELING_THROUGHPUT,
    CHECK_LABELING_TURNAROUND,
    CHECK_LATENCY,
    DUCKDB_POOL,
    LABELING,
    META_SLO_BUDGET_REMAINING,
    META_SLO_COUNTED,
    META_SLO_NAME,
    META_SLO_OBSERVED,
    META_SLO_SEVERITY,
    META_SLO_TARGET,
    META_SLO_UNIT,
    dataset_partitions,
    stage_key,
)
from dataops_assets.resources import DataStore, WarehouseResource
from dataops_assets.service_levels.history import counted_evaluations
from governance.contracts import DatasetContract
from governance.labeling.spec import (
    COST_PER_ITEM,
    LABELS_PER_HOUR,
    TURNAROUND_P90,
    LabelingSpec,
    labeling_spec,
)
from governance.service_levels.measure import (
    Evaluation,
    Measurement,
    error_budget,
    item_turnaround_seconds,
    labeling_figures,
    measure_arrival,
    measure_availability,
    measure_latency,
    p90,
)
from governance.service_levels.spec import (
    AVAILABILITY,
    ERROR,
    FREQUENCY,
    LATENCY,
    ServiceLevels,
    service_levels,
)
from governance.stages import DELIVERED, INTAKE, VALIDATED

_NOT_BLOCKING = (" Never blocks: the version is already delivered (or the batch already "
                 "arrived), and holding back later stages would only make the next one late "
                 "too. A breach counts against the error budget and opens an incident.")


def _arrived(store: DataStore, dataset: str, version: str) -> datetime:
    """When the version's batch landed in the raw store (aware, UTC)."""
    return store.raw_store().get(dataset, version).arrived


def _materialized_at(instance: dg.DagsterInstance, key: dg.AssetKey, version: str) -> datetime:
    """When the version's latest materialization of `key` was recorded in the instance."""
    result = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=[version]), limit=1)
    if not result.records:
        raise dg.Failure(description=f"{key.to_user_string()} {version} has no recorded "
                         "materialization, so its service level cannot be measured")
    return datetime.fromtimestamp(result.records[0].timestamp, UTC)


def _result(context: dg.AssetCheckExecutionContext, check: str, slo: str,
            levels: ServiceLevels, m: Measurement | None, now: datetime,
            shown: dict[str, float], text: str) -> dg.AssetCheckResult:
    """The check result with its figures and the error budget including this evaluation."""
    objective = levels.objective(slo)
    severity = (dg.AssetCheckSeverity.ERROR if objective.severity == ERROR
                else dg.AssetCheckSeverity.WARN)
    key = dg.AssetCheckKey(context.check_specs[0].asset_key, check)
    history = [e for e, _ in counted_evaluations(context.instance, key)]
    version = context.partition_key
    if m is not None:
        history.append(Evaluation(version, now, m.passed))
    budget = error_budget(history, objective.objective, levels.window, now)
    metadata: dict[str, object] = {
        META_SLO_NAME: objective.name,
        META_SLO_SEVERITY: objective.severity,
        META_SLO_COUNTED: m is not None,
        "slo/objective": dg.MetadataValue.float(objective.objective),
        META_SLO_BUDGET_REMAINING: dg.MetadataValue.float(round(budget.remaining, 4)),
        "slo/evaluated_in_window": budget.evaluated,
        "slo/breaches_in_window": budget.breaches,
        "slo/allowed_breaches": dg.MetadataValue.float(round(budget.allowed, 4)),
        "slo/window_days": dg.MetadataValue.float(levels.window.total_seconds() / 86400),
        **{k: dg.MetadataValue.float(round(v, 4)) for k, v in shown.items()},
    }
    if m is not None:
        metadata.update({META_SLO_OBSERVED: dg.MetadataValue.float(round(m.observed, 4)),
                         META_SLO_TARGET: dg.MetadataValue.float(round(m.target, 4)),
                         META_SLO_UNIT: m.unit})
    return dg.AssetCheckResult(
        check_name=check, passed=m is None or m.passed, severity=severity,
        metadata=metadata,
        description=text + (f"; error budget {budget.remaining:.0%} left "
                            f"({budget.breaches} breach(es) of {budget.evaluated} version(s) "
                            f"in {levels.window.days} days)" if m is not None else ""))


def _hours(seconds: float) -> float:
    return seconds / 3600


def _delivered_checks(contract: DatasetContract,
                      levels: ServiceLevels) -> list[dg.AssetChecksDefinition]:
    key = stage_key(contract.name, DELIVERED)
    out = []
    if levels.latency is not None:
        @dg.asset_check(asset=key, name=CHECK_LATENCY, blocking=False,
                        partitions_def=dataset_partitions(contract.name),
                        description=f"The version was delivered within {levels.latency} of "
                        "landing in the raw store (waiting for the writer slot included)."
                        + _NOT_BLOCKING)
        def latency(context: dg.AssetCheckExecutionContext,
                    store: DataStore) -> dg.AssetCheckResult:
            version = context.partition_key
            arrived = _arrived(store, contract.name, version)
            delivered = _materialized_at(context.instance, key, version)
            m = measure_latency(levels, version, arrived, delivered)
            return _result(context, CHECK_LATENCY, LATENCY, levels, m, delivered, {
                "slo/latency_hours": _hours(m.observed),
                "slo/target_hours": _hours(m.target)},
                f"delivered {_hours(m.observed):.2f} h after arrival; target "
                f"{_hours(m.target):.2f} h")
        out.append(latency)
    if levels.availability is not None:
        rule = levels.availability

        @dg.asset_check(asset=key, name=CHECK_AVAILABILITY, blocking=False,
                        partitions_def=dataset_partitions(contract.name),
                        description=f"The version was delivered by {rule.text} ({rule.tz}): "
                        f"a version is due at the first {rule.text} at least {rule.lead} after "
                        "it arrived, so one that lands too late for today is due tomorrow."
                        + _NOT_BLOCKING)
        def available(context: dg.AssetCheckExecutionContext,
                      store: DataStore) -> dg.AssetCheckResult:
            version = context.partition_key
            arrived = _arrived(store, contract.name, version)
            delivered = _materialized_at(context.instance, key, version)
            m = measure_availability(levels, version, arrived, delivered)
            deadline = rule.deadline(arrived)
            return _result(context, CHECK_AVAILABILITY, AVAILABILITY, levels, m, delivered, {
                "slo/slack_hours": _hours(m.target - m.observed),
                "slo/deadline_after_arrival_hours": _hours(m.target)},
                f"due {deadline.astimezone(rule.tz).isoformat(timespec='minutes')}; "
                f"delivered {_hours(abs(m.target - m.observed)):.2f} h "
                f"{'before' if m.passed else 'after'} it")
        out.append(available)
    return out


def _arrival_check(contract: DatasetContract, levels: ServiceLevels) -> dg.AssetChecksDefinition:
    key = stage_key(contract.name, INTAKE)
    allowed = levels.frequency + levels.grace if levels.frequency is not None else None

    @dg.asset_check(asset=key, name=CHECK_ARRIVAL, blocking=False,
                    partitions_def=dataset_partitions(contract.name),
                    description=f"The batch arrived within {allowed} of the previous one "
                    f"(frequency {levels.frequency} plus grace {levels.grace}). A batch that "
                    "never comes is reported by the incident sensor as a missing batch."
                    + _NOT_BLOCKING)
    def arrival(context: dg.AssetCheckExecutionContext,
                store: DataStore) -> dg.AssetCheckResult:
        version = context.partition_key
        arrivals = store.raw_store().arrivals(contract.name)
        m = measure_arrival(levels, version, arrivals)
        # The budget's window ends when this version was read: batches arrive in bursts
        # and are run later, so an arrival time would leave earlier evaluations outside.
        read_at = _materialized_at(context.instance, key, version)
        if m is None:
            return _result(context, CHECK_ARRIVAL, FREQUENCY, levels, None, read_at, {},
                           "the dataset's first version: no cadence to judge yet")
        return _result(context, CHECK_ARRIVAL, FREQUENCY, levels, m, read_at, {
            "slo/arrival_gap_hours": _hours(m.observed), "slo/target_hours": _hours(m.target)},
            f"arrived {_hours(m.observed):.2f} h after the previous version; allowed "
            f"{_hours(m.target):.2f} h")

    return arrival


def _labeling_check(contract: DatasetContract, levels: ServiceLevels, spec: LabelingSpec,
                    check: str, slo: str, what: str) -> dg.AssetChecksDefinition:
    key = stage_key(contract.name, LABELING)
    ops = spec.operations

    @dg.asset_check(asset=key, name=check, blocking=False, pool=DUCKDB_POOL,
                    partitions_def=dataset_partitions(contract.name),
                    description=what + _NOT_BLOCKING)
    def labeling_slo(context: dg.AssetCheckExecutionContext, store: DataStore,
                     warehouse: WarehouseResource) -> dg.AssetCheckResult:
        version = context.partition_key
        with warehouse.reader() as conn:
            figures = labeling_figures(conn, contract.name, version)
            turnaround = (p90(item_turnaround_seconds(conn, (contract.name, VALIDATED), spec,
                                                      version))
                          if slo == TURNAROUND_P90 else math.nan)
        if figures is None:
            raise dg.Failure(description=f"{contract.name} {version} has no labeling batch "
                             "summary, so its operations targets cannot be judged")
        measured = _materialized_at(context.instance, key, version)
        if slo == TURNAROUND_P90:
            assert ops.turnaround_p90 is not None
            target = ops.turnaround_p90.total_seconds()
            m = Measurement(slo, version, turnaround, target, turnaround <= target, "s")
            shown = {"slo/turnaround_p90_hours": _hours(turnaround),
                     "slo/target_hours": _hours(target)}
            text = f"p90 item turnaround {_hours(turnaround):.2f} h; target {_hours(target):.2f} h"
        elif slo == LABELS_PER_HOUR:
            assert ops.labels_per_hour is not None
            rate = figures["labels_per_hour"]
            m = Measurement(slo, version, rate, ops.labels_per_hour,
                            rate >= ops.labels_per_hour, "labels/h")
            shown = {"slo/labels_per_hour": rate, "slo/target_labels_per_hour": m.target}
            text = f"{rate:.1f} labels per hour; target at least {m.target:g}"
        else:
            assert ops.cost_per_item is not None
            cost = figures["cost_per_item"]
            m = Measurement(slo, version, cost, ops.cost_per_item.amount,
                            cost <= ops.cost_per_item.amount, ops.cost_per_item.currency)
            shown = {"slo/cost_per_item": cost, "slo/target_cost_per_item": m.target}
            text = (f"{cost:.4f} {m.unit} per item; target at most {ops.cost_per_item}")
        # NaN (no timed labels) is never a pass.
        m = Measurement(m.slo, m.version, m.observed, m.target,
                        m.passed and not math.isnan(m.observed), m.unit)
        return _result(context, check, slo, levels, m, measured, shown, text)

    return labeling_slo


def build_service_level_checks(contract: DatasetContract) -> list[dg.AssetChecksDefinition]:
    """The service-level checks the contract declares targets for (none without targets)."""
    # Partitioned checks are a Dagster preview; they are what records the version with each
    # evaluation, which the error budget counts by. Said once here, not at every load.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return _build_checks(contract)


def _build_checks(contract: DatasetContract) -> list[dg.AssetChecksDefinition]:
    levels = service_levels(contract)
    checks = _delivered_checks(contract, levels)
    if levels.frequency is not None:
        checks.append(_arrival_check(contract, levels))
    spec = labeling_spec(contract)
    if spec is not None:
        ops = spec.operations
        for check, slo, target, what in (
                (CHECK_LABELING_TURNAROUND, TURNAROUND_P90, ops.turnaround_p90,
                 f"The 90th percentile of item turnaround (first label started to last label "
                 f"finished, per item) is at most {ops.turnaround_p90}."),
                (CHECK_LABELING_THROUGHPUT, LABELS_PER_HOUR, ops.labels_per_hour,
                 f"Labels per active annotator hour are at least {ops.labels_per_hour}."),
                (CHECK_LABELING_COST, COST_PER_ITEM, ops.cost_per_item,
                 f"The batch's cost per item is at most {ops.cost_per_item}.")):
            if target is not None:
                checks.append(_labeling_check(contract, levels, spec, check, slo, what))
    return checks

