"""Evaluate the personal-data scanner and free-text redaction on held-out data (issue 11).

Data: bench/pii_eval_data.py (Faker in 10 locales split by locale into a tuning half and
a held-out half; ticket-sentence templates split likewise). The held-out half is the
headline; the tuning half is what the engine may be tuned on. Scoring:
bench/pii_metrics.py. One run, per half:

* column level: `scan_file(path, today=REFERENCE_DATE)` on the 2,000-row table with
  headers in two named styles (snake_case, CRM-export) and `scan_file(...,
  use_name_hints=False)` with anonymised headers (col_01..): precision / recall / F1 of
  the personal verdict, entity accuracy (over truly personal columns: flagged AND main
  entity in the acceptable set), wrong columns, seconds. The anchor, presidio-structured's
  `PandasAnalysisBuilder(analyzer=<Presidio's default AnalyzerEngine, same spaCy
  model>).generate_analysis(df)`, on the same table (all rows, and a 200-row sample); it
  reads values only, so its verdicts stand for every header style.
* span level: `redact_texts(texts)` on the labelled sentences, and Presidio's default
  AnalyzerEngine (all predefined recognizers, default score threshold) + AnonymizerEngine
  (every detected span replaced by <ENTITY_TYPE>): leak-based recall per gold type and
  overall, share of sentences quoting nobody that redaction changed, texts per second.
* speed: `scan_file` on a 1,000,000-row x 28-column CSV (columns drawn from pools; the
  anchor is skipped at that size: it reads every cell and would take hours).

Model loading is excluded from every time (a warm-up runs first); read time is included.

    .venv/bin/python bench/pii.py                      # everything, both halves
    .venv/bin/python bench/pii.py --quick --half tune  # ours only, ~1 minute
    options: --half tune|heldout|both  --quick  --json OUT  --rows N  --sentences N
             --big-rows N  --anchor-sample N  --workdir DIR
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from common import load_average, machine
from pii_eval_data import (
    ANONYMISED,
    COLUMNS,
    DEFAULT_ROWS,
    DEFAULT_SENTENCES,
    HALVES,
    HEADER_STYLES,
    REFERENCE_DATE,
    SPAN_TYPES,
    TRUTH,
    header_map,
    labelled_sentences,
    make_big_table,
    make_table,
    rename_headers,
    write_table,
)
from pii_metrics import ColumnScore, SpanScore, Verdict, score_columns, score_spans

from governance.pii.engine import DEFAULT_MODEL, get_analyzer
from governance.pii.redact import redact_texts
from governance.pii.scan import scan_file

BIG_ROWS = 1_000_000
ANCHOR_SAMPLE = 200
MAX_LEAK_EXAMPLES = 30

TARGET_F1 = 0.95
TARGET_ENTITY_ACC = 0.90
TARGET_RECALL = 0.95
TARGET_TYPE_RECALL = 0.90
TARGET_TYPES = ("PERSON", "LOCATION", "PHONE_NUMBER", "CREDIT_CARD", "DATE_OF_BIRTH")
TARGET_CLEAN_CHANGED = 0.05
TARGET_SPEEDUP = 2.0
TARGET_BIG_SECONDS = 60.0
HEADER_MODES = (*HEADER_STYLES, ANONYMISED)


def log(msg: str) -> None:
    """Progress on stderr, so stdout holds only the figures."""
    print(f"[{datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


@dataclass
class ColumnRun:
    """One scanner run on one half's table."""

    engine: str
    half: str
    headers: str
    seconds: float
    rows: int
    verdicts: dict[str, Verdict]
    score: ColumnScore = field(init=False)

    def __post_init__(self) -> None:
        self.score = score_columns(COLUMNS, self.verdicts)


@dataclass
class HalfResult:
    """Everything measured on one half."""

    half: str
    rows: int
    sentences: int
    columns: list[ColumnRun] = field(default_factory=list)
    spans: dict[str, SpanScore] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)


# ---------------------------------------------------------------- column level

def write_files(half: str, rows: int, workdir: Path) -> tuple[pd.DataFrame, dict[str, Path]]:
    """The half's table and its CSV in every header mode."""
    started = time.perf_counter()
    df = make_table(half, rows)
    paths = {"snake": write_table(df, workdir / f"{half}_{rows}_snake.csv", "snake")}
    for mode in ("crm", ANONYMISED):
        paths[mode] = rename_headers(paths["snake"], workdir / f"{half}_{rows}_{mode}.csv", mode)
    log(f"{half}: {rows:,}-row table in {time.perf_counter() - started:.1f}s")
    return df, paths


def run_ours(half: str, path: Path, mode: str) -> ColumnRun:
    """scan_file on one header mode (name hints off for anonymised headers)."""
    started = time.perf_counter()
    result = scan_file(path, use_name_hints=mode != ANONYMISED, today=REFERENCE_DATE)
    seconds = time.perf_counter() - started
    names = header_map(mode)
    verdicts = {names[c.name]: (bool(c.pii), c.main_entity if c.pii else None)
                for c in result.columns}
    log(f"{half}: ours {mode} {seconds:.1f}s")
    return ColumnRun("ours", half, mode, seconds, result.rows_scanned, verdicts)


def default_presidio() -> Any:
    """Presidio's default AnalyzerEngine (all predefined recognizers) on our spaCy model."""
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    get_analyzer()  # points tldextract at its offline snapshot first
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": DEFAULT_MODEL}]})
    return AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])


def run_anchor(half: str, path: Path, analyzer: Any, sample: int | None) -> ColumnRun:
    """presidio-structured on the DataFrame read from the snake_case CSV (read included)."""
    from presidio_structured import PandasAnalysisBuilder

    started = time.perf_counter()
    df = pd.read_csv(path)
    analysis = PandasAnalysisBuilder(analyzer=analyzer).generate_analysis(df, n=sample)
    seconds = time.perf_counter() - started
    names = header_map("snake")
    verdicts = {names[c]: (True, e) for c, e in analysis.entity_mapping.items()}
    label = f"anchor {sample}-row sample" if sample else "anchor all rows"
    log(f"{half}: {label} {seconds:.1f}s")
    return ColumnRun(label, half, "values only", seconds, sample or len(df), verdicts)


# ---------------------------------------------------------------- span level

def run_redact_ours(texts: list[str], spans: list[Any]) -> SpanScore:
    """redact_texts on all texts at once, timed."""
    started = time.perf_counter()
    redacted, _ = redact_texts(texts)
    return score_spans(texts, spans, redacted, time.perf_counter() - started)


def run_redact_presidio(texts: list[str], spans: list[Any], analyzer: Any) -> SpanScore:
    """Presidio's default analyzer + AnonymizerEngine replacing every span by <TYPE>."""
    from presidio_anonymizer import AnonymizerEngine

    anonymizer = AnonymizerEngine()
    started = time.perf_counter()
    redacted = []
    for text in texts:
        found = analyzer.analyze(text, language="en")
        redacted.append(anonymizer.anonymize(text=text, analyzer_results=found).text)
    return score_spans(texts, spans, redacted, time.perf_counter() - started)


# ---------------------------------------------------------------- report

def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A plain fixed-width table (also valid inside a Markdown code block)."""
    cells = [[str(h) for h in headers]] + [[_fmt(v) for v in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "-" if value != value else (f"{value:.3f}" if value < 10 else f"{value:,.1f}")
    return str(value)


def _ok(flag: bool) -> str:
    return "yes" if flag else "NO"


def print_half(res: HalfResult, quick: bool) -> None:
    """Column and span tables for one half."""
    title = "HELD-OUT half (headline)" if res.half == "heldout" else "TUNING half"
    print(f"\n# {title}: locales {', '.join(HALVES[res.half])}\n")
    n_personal = sum(c.personal for c in COLUMNS)
    print(f"## Column level ({res.rows:,} rows, {len(COLUMNS)} columns: {n_personal} "
          f"personal, {len(COLUMNS) - n_personal} not)\n")
    print(table(["engine", "headers", "seconds", "rows read", "precision", "recall", "F1",
                 "entity acc", "wrong"],
                [[r.engine, r.headers, r.seconds, f"{r.rows:,}", r.score.precision,
                  r.score.recall, r.score.f1, r.score.entity_accuracy, len(r.score.wrong)]
                 for r in res.columns]))
    print("\nEntity acc = share of the truly personal columns flagged personal with a main "
          "entity in the acceptable set.\n\nWrong columns (expected -> got):\n")
    for r in res.columns:
        wrong = "; ".join(f"{k} ({want} -> {got})" for k, want, got in r.score.wrong) or "-"
        print(f"- {r.engine} / {r.headers}: {wrong}")
    if quick:
        keys = sorted({k for r in res.columns for k, _, _ in r.score.wrong},
                      key=[c.key for c in COLUMNS].index)
        if keys:
            print("\nExample values of the wrong columns:\n")
            for k in keys:
                print(f"- {k} ({TRUTH[k].what}): {' | '.join(res.examples.get(k, []))}")

    print(f"\n## Free text, span level ({res.sentences:,} sentences; leaked = survives "
          "verbatim)\n")
    types = [t for t in SPAN_TYPES if any(t in s.by_type for s in res.spans.values())]
    print(table(["engine", "overall", *types, "no-person changed", "texts/s"],
                [[name, s.recall, *(s.type_recall(t) for t in types),
                  f"{s.clean_changed}/{s.clean_total} ({s.clean_changed_share:.1%})",
                  s.texts_per_second] for name, s in res.spans.items()]))
    print("\nStrict: a value also counts as leaked when any part of it of 3+ letters or digits "
          "survives (not a target; the issue counts whole values and name parts).\n")
    print(table(["engine", "strict overall", *types],
                [[name, s.strict_recall, *(s.strict_type_recall(t) for t in types)]
                 for name, s in res.spans.items()]))
    counts = next(iter(res.spans.values())).by_type
    print("\nGold values per type: " + ", ".join(f"{t} {n}" for t, (_, n) in counts.items()))
    if quick:
        ours = res.spans["ours"]
        print(f"\nLeaked values, ours (first {MAX_LEAK_EXAMPLES} of {len(ours.leaks)}):\n")
        for kind, value in ours.leaks[:MAX_LEAK_EXAMPLES]:
            print(f"- {kind}: {value}")


def targets(res: HalfResult, big: dict[str, float], big_rows: int) -> list[list[Any]]:
    """The issue's targets for ours on one half."""
    out: list[list[Any]] = []
    ours = [r for r in res.columns if r.engine == "ours"]
    for r in ours:
        out.append([f"column F1 >= {TARGET_F1} ({r.headers})", r.score.f1,
                    _ok(r.score.f1 >= TARGET_F1)])
        out.append([f"entity acc >= {TARGET_ENTITY_ACC} ({r.headers})", r.score.entity_accuracy,
                    _ok(r.score.entity_accuracy >= TARGET_ENTITY_ACC)])
    s = res.spans["ours"]
    out.append([f"span recall >= {TARGET_RECALL} (overall)", s.recall,
                _ok(s.recall >= TARGET_RECALL)])
    for t in TARGET_TYPES:
        v = s.type_recall(t)
        out.append([f"span recall >= {TARGET_TYPE_RECALL} ({t})", v,
                    _ok(v >= TARGET_TYPE_RECALL)])
    out.append([f"no-person sentences changed <= {TARGET_CLEAN_CHANGED:.0%}",
                f"{s.clean_changed_share:.1%}", _ok(s.clean_changed_share <= TARGET_CLEAN_CHANGED)])
    anchor = res.spans.get("Presidio default")
    if anchor is not None:
        ratio = s.texts_per_second / anchor.texts_per_second
        out.append([f"texts/s >= {TARGET_SPEEDUP:.0f}x Presidio default", f"{ratio:.2f}x",
                    _ok(ratio >= TARGET_SPEEDUP)])
    for mode, seconds in big.items():
        out.append([f"{big_rows:,}-row scan < {TARGET_BIG_SECONDS:.0f}s ({mode})",
                    f"{seconds:.1f}s", _ok(seconds < TARGET_BIG_SECONDS)])
    return out


def evaluate_half(half: str, args: argparse.Namespace, presidio: Any) -> HalfResult:
    """Column and span runs on one half."""
    workdir: Path = args.workdir
    df, paths = write_files(half, args.rows, workdir)
    res = HalfResult(half, args.rows, args.sentences)
    res.examples = {c: [str(v) for v in df[c].drop_duplicates().head(3)] for c in df.columns}
    for mode in HEADER_MODES:
        res.columns.append(run_ours(half, paths[mode], mode))
    if presidio is not None:
        res.columns.append(run_anchor(half, paths["snake"], presidio, None))
        res.columns.append(run_anchor(half, paths["snake"], presidio, args.anchor_sample))
    sentences = labelled_sentences(half, args.sentences)
    texts = [s.text for s in sentences]
    spans = [s.spans for s in sentences]
    res.spans["ours"] = run_redact_ours(texts, spans)
    log(f"{half}: ours redact {res.spans['ours'].seconds:.1f}s")
    if presidio is not None:
        res.spans["Presidio default"] = run_redact_presidio(texts, spans, presidio)
        log(f"{half}: Presidio default redact {res.spans['Presidio default'].seconds:.1f}s")
    return res


def big_run(workdir: Path, rows: int) -> dict[str, float]:
    """scan_file on a `rows`-row CSV, named (snake) and anonymised headers."""
    started = time.perf_counter()
    from pii_eval_data import write_table as write

    path = write(make_big_table("heldout", rows), workdir / f"big_{rows}_snake.csv", "snake")
    anon = rename_headers(path, workdir / f"big_{rows}_{ANONYMISED}.csv", ANONYMISED)
    log(f"{rows:,}-row CSV ({path.stat().st_size / 1e6:,.0f} MB) in "
        f"{time.perf_counter() - started:.1f}s")
    out = {}
    for mode, p in (("snake", path), (ANONYMISED, anon)):
        started = time.perf_counter()
        scan_file(p, use_name_hints=mode != ANONYMISED, today=REFERENCE_DATE)
        out[mode] = time.perf_counter() - started
        log(f"{rows:,} rows {mode}: {out[mode]:.1f}s")
    return out


def as_json(results: list[HalfResult], big: dict[str, float],
            target_rows: dict[str, list[list[Any]]]) -> dict[str, Any]:
    """Figures (no personal values) as JSON-able data."""
    out: dict[str, Any] = {"big_seconds": big,
                           "targets": target_rows, "halves": {}}
    for res in results:
        out["halves"][res.half] = {
            "rows": res.rows, "sentences": res.sentences,
            "columns": [{"engine": r.engine, "headers": r.headers, "seconds": r.seconds,
                         "rows": r.rows, **{k: v for k, v in asdict(r.score).items()}}
                        for r in res.columns],
            "spans": {name: {"recall": s.recall, "by_type": s.by_type,
                             "clean_changed": s.clean_changed, "clean_total": s.clean_total,
                             "texts_per_second": s.texts_per_second,
                             "leaked_types": sorted({t for t, _ in s.leaks})}
                      for name, s in res.spans.items()}}
    return out


def main(argv: list[str] | None = None) -> int:
    """Generate, run, score and print."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--half", choices=("tune", "heldout", "both"), default="both")
    parser.add_argument("--quick", action="store_true",
                        help="ours only: no anchors, no 1M run; examples of errors and leaks")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--sentences", type=int, default=DEFAULT_SENTENCES)
    parser.add_argument("--big-rows", type=int, default=BIG_ROWS)
    parser.add_argument("--anchor-sample", type=int, default=ANCHOR_SAMPLE)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/pii_eval"))
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.sentences = DEFAULT_ROWS, DEFAULT_SENTENCES
    args.workdir.mkdir(parents=True, exist_ok=True)
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    halves = ["heldout", "tune"] if args.half == "both" else [args.half]

    print(f"# Personal-data evaluation, {datetime.now():%Y-%m-%d %H:%M}"
          + (" (--quick: ours only)" if args.quick else ""))
    print(machine(("presidio-analyzer", "presidio-structured", "faker", "duckdb", "spacy")))
    print(f"spaCy model {DEFAULT_MODEL}; load average at start {load_average()}")

    started = time.perf_counter()
    get_analyzer()
    redact_texts(["Warm-up text for Anna Berg in Oslo."])
    presidio = None if args.quick else default_presidio()
    if presidio is not None:
        presidio.analyze("Warm-up text for Anna Berg in Oslo.", language="en")
    log(f"model load and warm-up: {time.perf_counter() - started:.1f}s")

    results = [evaluate_half(h, args, presidio) for h in halves]
    big = {} if args.quick else big_run(args.workdir, args.big_rows)

    for res in results:
        print_half(res, args.quick)
    print("\n# Targets (ours)\n")
    target_rows = {}
    for res in results:
        rows = targets(res, big if res.half == halves[0] else {}, args.big_rows)
        target_rows[res.half] = rows
        label = "held-out (headline)" if res.half == "heldout" else "tuning"
        print(f"## {label}\n")
        print(table(["target", "measured", "met"], rows) + "\n")
    if big:
        anchor = [r for res in results for r in res.columns if r.engine == "anchor all rows"]
        per_row = sum(r.seconds for r in anchor) / sum(r.rows for r in anchor)
        print(f"The {args.big_rows:,}-row scan is timed once per header mode, and its targets "
              f"are listed under the first half run. The file has {len(COLUMNS)} columns "
              "drawn from pools of 5,000 held-out rows. The anchor is not run at that size: "
              f"it reads every cell, {per_row:.3f} s per row here, so about "
              f"{per_row * args.big_rows / 3600:,.0f} hours.")
    elif not args.quick:
        print("The 1M-row run was skipped.")
    print(f"\nLoad average at the end: {load_average()}")
    if args.json:
        args.json.write_text(json.dumps(as_json(results, big, target_rows), indent=1,
                                        default=str))
        log(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
