"""Benchmark the personal-data scanner against presidio-structured on synthetic orders.

Generates a 22-column orders table with ground truth (bench/pii_data.py) as CSV at 2,000,
100,000 and 1,000,000 rows, then in one run:

* ours: `scan_file(path)` with named headers and `scan_file(copy, use_name_hints=False)`
  on a copy whose headers are renamed col_01..col_22 (median of --repeats runs);
* the anchor: presidio-structured's `PandasAnalysisBuilder(analyzer=get_analyzer())
  .generate_analysis(df)` on the pandas DataFrame read from the same CSV, with the same
  analyzer (same spaCy model). Read time is included for both: DuckDB's read inside
  scan_file, `pd.read_csv` for the anchor. Model loading is excluded for both (warm-up).
  Above --anchor-full-rows rows the anchor runs on a --anchor-prefix-row prefix and its
  time is extrapolated linearly (labelled as such); quality figures are then those of
  the prefix.

It prints column-level precision / recall / F1 of the personal verdict, main-entity
accuracy, seconds and speed ratios, the per-column verdicts, the reasons behind each of
our mistakes (with what Presidio returns on example values), and a span-level evaluation
of free-text masking (`redact_texts`) against Presidio's default AnalyzerEngine.

    .venv/bin/python bench/pii.py [--rows 2000 100000 1000000] [--workdir /tmp/pii_bench]
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import pandas as pd
from pii_data import (
    COLUMNS,
    POOL_SIZE,
    REFERENCE_DATE,
    LabelledSentence,
    labelled_sentences,
    make_pools,
    make_table,
    write_anonymised,
    write_csv,
)
from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NlpEngineProvider
from presidio_structured import PandasAnalysisBuilder

from governance.pii.classify import HINTED_SHARE, STRUCTURED_SHARE, ColumnFinding
from governance.pii.engine import DEFAULT_MODEL, get_analyzer
from governance.pii.redact import REDACT_ENTITIES, redact_texts
from governance.pii.scan import scan_file

DEFAULT_ROWS = (2_000, 100_000, 1_000_000)
ANCHOR_FULL_ROWS = 2_000     # the anchor reads whole files up to this size...
ANCHOR_PREFIX_ROWS = 10_000  # ...and a prefix of this many rows above it (time extrapolated)
ANCHOR_MAX_ROWS = 100_000    # no anchor run at all above this (time extrapolated from prefix)
OURS_SAMPLE_ROWS = 688       # scan_file's sample at its defaults (99.9% / 1%), for the info run

TARGET_F1 = 0.95
TARGET_ENTITY_ACC = 0.9
TARGET_SPEEDUP = 50.0
TARGET_BIG_ROWS = 1_000_000
TARGET_BIG_SECONDS = 60.0

SHORT = {"PERSON": "PER", "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE",
         "LOCATION": "LOC", "DATE_TIME": "DATE", "CREDIT_CARD": "CARD", "US_SSN": "SSN",
         "UK_NINO": "NINO", "IBAN_CODE": "IBAN", "IP_ADDRESS": "IP", "UK_NHS": "NHS",
         "ORGANIZATION": "ORG", "NRP": "NRP", "URL": "URL"}
TRUTH = {c.name: c for c in COLUMNS}


def log(msg: str) -> None:
    """Progress on stderr, so stdout holds only the figures."""
    print(f"[{datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


@dataclass
class Run:
    """One scanner run on one file: its time and its verdict per (original) column."""

    engine: str              # "ours" or "anchor"
    rows: int                # rows in the file
    headers: str             # "named" or "anonymised"
    seconds: float           # measured seconds (median for ours)
    rows_scanned: int        # rows the scanner looked at
    verdicts: dict[str, str | None]  # column -> entity (None = not personal)
    measured_rows: int = 0   # rows behind `seconds` when extrapolated
    extrapolated: bool = False
    note: str = ""
    findings: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Short name for tables."""
        if self.engine == "ours":
            return f"ours {self.headers} {self.rows:,}"
        if self.note:
            return f"anchor {self.note}"
        return f"anchor {self.rows:,}" + (f" ({self.measured_rows:,} prefix)"
                                          if self.measured_rows != self.rows else "")


@dataclass(frozen=True)
class Score:
    """Column-level quality of one run against the ground truth."""

    precision: float
    recall: float
    f1: float
    entity_accuracy: float
    wrong: tuple[str, ...]


def score(verdicts: dict[str, str | None]) -> Score:
    """Precision / recall / F1 of the personal verdict and main-entity accuracy."""
    tp = sum(1 for c in COLUMNS if c.personal and verdicts.get(c.name))
    fp = sum(1 for c in COLUMNS if not c.personal and verdicts.get(c.name))
    fn = sum(1 for c in COLUMNS if c.personal and not verdicts.get(c.name))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    personal = [c for c in COLUMNS if c.personal]
    acc = sum(verdicts.get(c.name) == c.entity for c in personal) / len(personal)
    wrong = tuple(c.name for c in COLUMNS if verdicts.get(c.name) != c.entity)
    return Score(precision, recall, f1, acc, wrong)


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
        return f"{value:.3f}" if value < 10 else f"{value:,.1f}"
    return str(value)


# ---------------------------------------------------------------- data

def generate(workdir: Path, sizes: list[int]) -> dict[int, tuple[Path, Path]]:
    """Write the named and anonymised CSV for each size; return their paths."""
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    pools = make_pools()
    log(f"Faker pools of {POOL_SIZE:,} values per column in {time.perf_counter() - started:.1f}s")
    out = {}
    for rows in sizes:
        started = time.perf_counter()
        named = workdir / f"orders_{rows}.csv"
        anon = workdir / f"orders_{rows}_anonymised.csv"
        write_csv(make_table(rows, pools), named)
        write_anonymised(named, anon)
        size_mb = named.stat().st_size / 1e6
        log(f"{rows:>9,} rows: {size_mb:,.1f} MB CSV in {time.perf_counter() - started:.1f}s")
        out[rows] = (named, anon)
    return out


# ---------------------------------------------------------------- scanners

def run_ours(path: Path, rows: int, named: bool, repeats: int) -> Run:
    """Median time of `repeats` scans; verdicts of the last (the sample is seeded)."""
    mapping = ({c: c for c in TRUTH} if named else
               {f"col_{i:02d}": c.name for i, c in enumerate(COLUMNS, start=1)})
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = scan_file(path, use_name_hints=named, today=REFERENCE_DATE)
        times.append(time.perf_counter() - started)
    verdicts = {mapping[c.name]: (c.main_entity if c.pii else None) for c in result.columns}
    findings = {mapping[c.name]: _finding_json(c) for c in result.columns}
    run = Run("ours", rows, "named" if named else "anonymised", statistics.median(times),
              result.rows_scanned, verdicts, rows, findings=findings)
    log(f"{run.label}: {run.seconds:.2f}s (runs: {', '.join(f'{t:.2f}' for t in times)})")
    return run


def _finding_json(c: ColumnFinding) -> dict[str, Any]:
    return {"pii": c.pii, "kind": c.kind, "scanned": c.scanned,
            "entities": [(e.type, round(e.prevalence, 3), round(e.score, 2))
                         for e in c.entities]}


def run_anchor(path: Path, rows: int, nrows: int | None = None, sample: int | None = None,
               note: str = "") -> Run:
    """presidio-structured on the DataFrame read from `path` (read time included)."""
    started = time.perf_counter()
    df = pd.read_csv(path, nrows=nrows)
    builder = PandasAnalysisBuilder(analyzer=get_analyzer())
    analysis = builder.generate_analysis(df, n=sample)
    seconds = time.perf_counter() - started
    measured = len(df)
    verdicts = {c.name: analysis.entity_mapping.get(c.name) for c in COLUMNS}
    extrapolated = measured < rows and not sample
    run = Run("anchor", rows, "named", seconds * rows / measured if extrapolated else seconds,
              sample or measured, verdicts, measured, extrapolated, note)
    log(f"{run.label}: {seconds:.1f}s measured on {sample or measured:,} rows"
        + (f", {run.seconds:,.0f}s extrapolated to {rows:,}" if extrapolated else ""))
    return run


# ---------------------------------------------------------------- why ours erred

def explain(run: Run, path: Path, head_rows: int = 400) -> list[str]:
    """One paragraph per column our scanner got wrong: verdict, reason, Presidio's output."""
    analyzer = get_analyzer()
    head = pd.read_csv(path, nrows=head_rows)
    names = list(head.columns)
    out = []
    for i, col in enumerate(COLUMNS):
        got, want = run.verdicts.get(col.name), col.entity
        if got == want:
            continue
        f = run.findings[col.name]
        ents = ", ".join(f"{t} {p:.1%}" for t, p, _ in f["entities"]) or "none kept"
        if want and not got:
            what = f"missed (expected {want})"
            why = (f"kind={f['kind']}; entities kept: {ents}; structured bar "
                   f"{HINTED_SHARE} with a matching name hint, {STRUCTURED_SHARE} without")
        elif got and not want:
            what = f"false positive as {got}"
            why = f"kind={f['kind']}; entities: {ents}"
        else:
            what = f"wrong entity {got} (expected {want})"
            why = f"kind={f['kind']}; entities: {ents}"
        out.append(f"- {run.label} / {col.name} ({col.what}): {what}. {why}.")
        # What Presidio's full analyzer says on the file's first rows, and on which words:
        # the entity we wrongly reported (or the one we missed) is the one to look at.
        focus = got if got != want and got else want
        values = head[names[i]].dropna().astype(str).drop_duplicates().tolist()
        spans: Counter[str] = Counter()
        examples: list[str] = []
        with_focus = 0
        for v in values:
            found = analyzer.analyze(v, language="en")
            hits = [r for r in found if r.entity_type == focus]
            with_focus += bool(hits)
            spans.update(v[r.start:r.end] for r in hits)
            if (bool(hits) == (focus == got)) and len(examples) < 3:
                shown = "; ".join(f"{r.entity_type} {r.score:.2f} '{v[r.start:r.end]}'"
                                  for r in found) or "nothing"
                examples.append(f"    {v[:72]!r} -> Presidio: {shown}")
        out.append(f"    Presidio finds {focus} in {with_focus} of the first {len(values)} "
                   f"distinct values; most frequent {focus} spans: "
                   + (", ".join(f"'{t}' x{n}" for t, n in spans.most_common(6)) or "none"))
        out += examples
    return out


# ---------------------------------------------------------------- free-text spans

def spans_from_redaction(original: str, redacted: str) -> list[tuple[int, int, str]]:
    """Character spans of `original` replaced by <TYPE> markers in `redacted`."""
    parts = re.split(r"<([A-Z_]+)>", redacted)
    literals, types = parts[0::2], parts[1::2]
    if not types:
        return []
    # Every marker stands for a non-empty piece of the original between unchanged text;
    # a full regex match recovers where each piece was.
    pattern = re.escape(literals[0]) + "".join(
        "(.+?)" + re.escape(lit) for lit in literals[1:])
    m = re.fullmatch(pattern, original, flags=re.DOTALL)
    if m is None:
        raise ValueError(f"cannot align {redacted!r} with {original!r}")
    return [(m.start(i + 1), m.end(i + 1), t) for i, t in enumerate(types)]


@dataclass(frozen=True)
class SpanScore:
    """Span-level precision / recall with overlap matching."""

    precision: float
    recall: float
    f1: float
    typed_recall: float
    predicted: int
    gold: int
    recall_by_type: dict[str, float]
    false_positives: list[str]
    misses: list[str]


def span_score(sentences: list[LabelledSentence],
               predicted: list[list[tuple[int, int, str]]]) -> SpanScore:
    """A gold span is found if any prediction overlaps it; a prediction is right likewise."""
    def overlaps(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
        return a[0] < b[1] and b[0] < a[1]

    right = n_pred = found = typed = n_gold = 0
    by_type: dict[str, list[int]] = {}
    fps: list[str] = []
    misses: list[str] = []
    for s, preds in zip(sentences, predicted, strict=True):
        n_pred += len(preds)
        n_gold += len(s.spans)
        for p in preds:
            if any(overlaps(p, g) for g in s.spans):
                right += 1
            else:
                fps.append(f"{p[2]} '{s.text[p[0]:p[1]]}'")
        for g in s.spans:
            hit = [p for p in preds if overlaps(p, g)]
            found += bool(hit)
            typed += any(p[2] == g[2] for p in hit)
            by_type.setdefault(g[2], [0, 0])
            by_type[g[2]][0] += bool(hit)
            by_type[g[2]][1] += 1
            if not hit:
                misses.append(f"{g[2]} '{s.text[g[0]:g[1]]}'")
    precision = right / n_pred if n_pred else 1.0
    recall = found / n_gold if n_gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return SpanScore(precision, recall, f1, typed / n_gold if n_gold else 1.0, n_pred, n_gold,
                     {t: h / n for t, (h, n) in sorted(by_type.items())}, fps, misses)


def default_presidio() -> AnalyzerEngine:
    """Presidio's default AnalyzerEngine (all predefined recognizers) on our spaCy model."""
    get_analyzer()  # points tldextract at its offline snapshot first
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": DEFAULT_MODEL}]})
    return AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])


def evaluate_spans(n: int) -> dict[str, SpanScore]:
    """Ours (redact_texts) and Presidio's default engine on the same labelled sentences."""
    sentences = labelled_sentences(n)
    texts = [s.text for s in sentences]
    redacted, _ = redact_texts(texts)
    ours = [spans_from_redaction(t, r or t) for t, r in zip(texts, redacted, strict=True)]
    default = default_presidio()
    all_results = [default.analyze(t, language="en") for t in texts]
    as_spans = [[(r.start, r.end, r.entity_type) for r in rs] for rs in all_results]
    same_types = [[s for s in spans if s[2] in REDACT_ENTITIES] for spans in as_spans]
    return {"ours (redact_texts)": span_score(sentences, ours),
            "Presidio default, all entities": span_score(sentences, as_spans),
            "Presidio default, our entity list": span_score(sentences, same_types)}


# ---------------------------------------------------------------- report

def report(runs: list[Run], files: dict[int, tuple[Path, Path]],
           spans: dict[str, SpanScore], n_sentences: int) -> dict[str, Any]:
    """Print every table; return the figures as JSON-able data."""
    scores = {r.label: score(r.verdicts) for r in runs}
    print("\n## Column-level quality (22 columns: 11 personal, 11 not)\n")
    print(table(["run", "seconds", "rows scanned", "precision", "recall", "F1", "entity acc",
                 "wrong columns"],
                [[r.label, f"{r.seconds:,.2f}" + (" (extrap.)" if r.extrapolated else ""),
                  f"{r.rows_scanned:,}", s.precision, s.recall, s.f1, s.entity_accuracy,
                  ", ".join(s.wrong) or "-"] for r in runs for s in [scores[r.label]]]))
    print("\nAnchor verdicts ignore headers (values only), so they stand for both header modes.")

    print("\n## Speed (read time included for both; model load excluded for both)\n")
    speed_rows = []
    anchors = {r.rows: r for r in runs if r.engine == "anchor" and not r.note}
    prefix = next((r for r in runs if r.engine == "anchor" and r.extrapolated), None)
    for rows in sorted(files):
        ours = next(r for r in runs if r.engine == "ours" and r.rows == rows
                    and r.headers == "named")
        anon = next(r for r in runs if r.engine == "ours" and r.rows == rows
                    and r.headers == "anonymised")
        anchor = anchors.get(rows)
        if anchor is None and prefix is not None:
            anchor_s, how = prefix.seconds * rows / prefix.rows, \
                f"extrapolated from {prefix.measured_rows:,}-row prefix"
        elif anchor is not None:
            anchor_s = anchor.seconds
            how = (f"extrapolated from {anchor.measured_rows:,}-row prefix"
                   if anchor.extrapolated else "measured")
        else:
            anchor_s, how = float("nan"), "not run"
        known = how != "not run"
        speed_rows.append([f"{rows:,}", f"{ours.seconds:.2f}", f"{anon.seconds:.2f}",
                           f"{anchor_s:,.1f}" if known else "-",
                           f"{anchor_s / ours.seconds:,.0f}x" if known else "-", how])
    print(table(["rows", "ours named s", "ours anonymised s", "anchor s",
                 "anchor/ours", "anchor time"], speed_rows))
    info = [r for r in runs if r.note]
    for r in info:
        s = scores[r.label]
        print(f"\nInformational: {r.label}: {r.seconds:.1f}s, F1 {s.f1:.3f}, entity acc "
              f"{s.entity_accuracy:.3f} (the anchor on a sample as small as ours).")

    print("\n## Per-column verdicts ('-' = not personal, '*' = wrong)\n")
    headers = ["column", "truth"] + [r.label.replace("anonymised", "anon") for r in runs]
    rows_out = []
    for c in COLUMNS:
        line: list[Any] = [c.name, SHORT.get(c.entity or "", "-")]
        for r in runs:
            got = r.verdicts.get(c.name)
            line.append(SHORT.get(got or "", got or "-") + ("*" if got != c.entity else ""))
        rows_out.append(line)
    print(table(headers, rows_out))

    print("\n## Targets\n")
    targets = []
    ours_runs = [r for r in runs if r.engine == "ours"]
    for headers_mode in ("named", "anonymised"):
        mode_runs = [r for r in ours_runs if r.headers == headers_mode]
        worst_f1 = min(scores[r.label].f1 for r in mode_runs)
        worst_acc = min(scores[r.label].entity_accuracy for r in mode_runs)
        targets.append([f"F1 >= {TARGET_F1} ({headers_mode}, worst size)", f"{worst_f1:.3f}",
                        _ok(worst_f1 >= TARGET_F1)])
        targets.append([f"entity acc >= {TARGET_ENTITY_ACC} ({headers_mode}, worst size)",
                        f"{worst_acc:.3f}", _ok(worst_acc >= TARGET_ENTITY_ACC)])
    ratios = [(row[0], float(row[4].rstrip("x").replace(",", ""))) for row in speed_rows
              if row[5] != "not run"]
    for (rows_label, ratio), row in zip(ratios, [r for r in speed_rows if r[5] != "not run"],
                                        strict=True):
        extrap = " (anchor extrapolated)" if row[5] != "measured" else ""
        targets.append([f">= {TARGET_SPEEDUP:.0f}x the anchor ({rows_label} rows){extrap}",
                        f"{ratio:,.0f}x", _ok(ratio >= TARGET_SPEEDUP)])
    big = [r for r in ours_runs if r.rows >= TARGET_BIG_ROWS]
    for r in big:
        targets.append([f"{r.rows:,} rows x {len(COLUMNS)} cols < {TARGET_BIG_SECONDS:.0f}s "
                        f"({r.headers})", f"{r.seconds:.2f}s",
                        _ok(r.seconds < TARGET_BIG_SECONDS)])
    print(table(["target", "measured", "met"], targets))

    print("\n## Our mistakes, column by column\n")
    lines = []
    for r in ours_runs:
        path = files[r.rows][0 if r.headers == "named" else 1]
        lines += explain(r, path)
    print("\n".join(lines) or "None: every column got the expected verdict and main entity.")

    print(f"\n## Free-text masking, span level ({n_sentences} labelled sentences)\n")
    print(table(["engine", "predicted", "gold", "precision", "recall", "F1", "typed recall"],
                [[k, s.predicted, s.gold, s.precision, s.recall, s.f1, s.typed_recall]
                 for k, s in spans.items()]))
    types = sorted({t for s in spans.values() for t in s.recall_by_type})
    print("\nRecall by gold entity type:\n")
    print(table(["engine", *types],
                [[k, *(s.recall_by_type.get(t, float("nan")) for t in types)]
                 for k, s in spans.items()]))
    for k, s in spans.items():
        print(f"\n{k}: false positives (first 8 of {len(s.false_positives)}): "
              f"{'; '.join(s.false_positives[:8]) or '-'}")
        print(f"{k}: missed gold spans (first 8 of {len(s.misses)}): "
              f"{'; '.join(s.misses[:8]) or '-'}")
    print("\nFor scale only (not the same data): Presidio's published figures on the "
          "presidio-evaluator synthetic set are precision 0.685, recall 0.603.")
    return {"runs": [{**asdict(r), "label": r.label, "score": asdict(scores[r.label])}
                     for r in runs],
            "speed": speed_rows, "targets": targets,
            "spans": {k: asdict(s) for k, s in spans.items()}}


def _ok(flag: bool) -> str:
    return "yes" if flag else "NO"


def main(argv: list[str] | None = None) -> int:
    """Generate, scan, score and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=list(DEFAULT_ROWS))
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/pii_bench"))
    parser.add_argument("--repeats", type=int, default=3, help="runs of ours per file")
    parser.add_argument("--anchor-full-rows", type=int, default=ANCHOR_FULL_ROWS)
    parser.add_argument("--anchor-prefix", type=int, default=ANCHOR_PREFIX_ROWS)
    parser.add_argument("--anchor-max-rows", type=int, default=ANCHOR_MAX_ROWS)
    parser.add_argument("--sentences", type=int, default=200)
    args = parser.parse_args(argv)
    # Presidio logs a warning per recognizer it skips; the figures are what matters here.
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    sizes = sorted(args.rows)

    print(f"# Personal-data scan benchmark, {datetime.now():%Y-%m-%d %H:%M}")
    print(f"python {sys.version.split()[0]}, presidio-analyzer "
          f"{package_version('presidio-analyzer')}, presidio-structured "
          f"{package_version('presidio-structured')}, spaCy model {DEFAULT_MODEL}, "
          f"Faker {package_version('faker')}, duckdb {package_version('duckdb')}")
    files = generate(args.workdir, sizes)

    started = time.perf_counter()
    scan_file(files[sizes[0]][1], use_name_hints=False, today=REFERENCE_DATE)
    log(f"warm-up (model load and first scan): {time.perf_counter() - started:.1f}s")

    runs: list[Run] = []
    for rows in sizes:
        named, anon = files[rows]
        runs.append(run_ours(named, rows, True, args.repeats))
        runs.append(run_ours(anon, rows, False, args.repeats))
    for rows in sizes:
        if rows > args.anchor_max_rows:
            continue
        named = files[rows][0]
        if rows <= args.anchor_full_rows:
            runs.append(run_anchor(named, rows))
        else:
            runs.append(run_anchor(named, rows, nrows=min(args.anchor_prefix, rows)))
            runs.append(run_anchor(named, rows, sample=OURS_SAMPLE_ROWS,
                                   note=f"{rows:,}, {OURS_SAMPLE_ROWS}-row sample (info)"))
    log("span-level evaluation")
    spans = evaluate_spans(args.sentences)
    figures = report(runs, files, spans, args.sentences)
    out = args.workdir / "pii_results.json"
    out.write_text(json.dumps(figures, indent=1, default=str))
    log(f"figures written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
