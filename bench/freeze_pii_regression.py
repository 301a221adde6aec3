"""Write the frozen PII regression set for the test suite from the HELD-OUT half.

    .venv/bin/python bench/freeze_pii_regression.py [--out tests/governance/pii/data]

Writes, deterministically (bench/pii_eval_data.py, its own seed so the set is a fresh
draw rather than a copy of the benchmark's sentences):

* frozen_sentences.jsonl: 300 held-out ticket sentences, one JSON object per line with
  "text", "spans" ([start, end, type], gold), "template" and "locale"; sentences quoting
  nobody have no spans;
* frozen_table.csv: 300 held-out rows x 28 columns, snake_case headers;
* frozen_table_truth.json: per column, in file order: header, key, personal, acceptable
  entities, description; plus the anonymised header of each column.

tests/governance/pii/test_regression.py reads them. The files are committed; rerun this
script only when the evaluation data itself changes (and say so in the commit).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pii_eval_data import (
    ANONYMISED,
    COLUMNS,
    SEED,
    headers,
    labelled_sentences,
    make_table,
    write_table,
)

FREEZE_SEED = SEED + 1_000
SENTENCES = 300
ROWS = 300
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "tests" / "governance" / "pii" / "data"


def freeze(out: Path, sentences: int = SENTENCES, rows: int = ROWS) -> list[Path]:
    """Write the three files into `out`; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    sent_path = out / "frozen_sentences.jsonl"
    with sent_path.open("w", encoding="utf-8") as f:
        for s in labelled_sentences("heldout", sentences, seed=FREEZE_SEED):
            f.write(json.dumps({"text": s.text, "spans": [list(sp) for sp in s.spans],
                                "template": s.template, "locale": s.locale},
                               ensure_ascii=False) + "\n")
    table_path = write_table(make_table("heldout", rows, seed=FREEZE_SEED),
                             out / "frozen_table.csv", "snake")
    truth_path = out / "frozen_table_truth.json"
    truth = {
        "half": "heldout", "rows": rows, "seed": FREEZE_SEED,
        "columns": [{"header": h, "anonymised": a, "key": c.key, "personal": c.personal,
                     "entities": sorted(c.entities), "what": c.what}
                    for c, h, a in zip(COLUMNS, headers("snake"), headers(ANONYMISED),
                                       strict=True)]}
    truth_path.write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return [sent_path, table_path, truth_path]


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and write the files."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    for path in freeze(args.out):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
