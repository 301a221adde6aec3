"""Deterministic demo batches for support_tickets, loan_applications and their labels.

Each dataset gets two CSV batches: v1 (batch_001.csv) is clean, v2 (batch_002.csv)
holds only new rows, drifts realistically and carries a fixed set of planted defects
at fixed 0-based data-row positions (the header is not counted):

support_tickets v2 (1500 rows)
    type_error     rows 212, 977   priority is "high" / "urgent" instead of an integer
    enum           row 431         category is "refund"
    required_null  row 688         customer_email is empty
    duplicate_key  row 1311        ticket_id repeats row 1049's id (T-003050)

loan_applications v2 (2500 rows)
    type_error     row 143         annual_income is "n/a"
    range          rows 702, 1288  loan_amount -2500.00 (below 500), credit_score 910 (above 850)
    enum           row 1630        employment_status is "contractor"
    required_null  row 1975        applicant_name is empty
    duplicate_key  row 2217        application_id repeats row 1844's id (A-0004845)
    inconsistent   row 1402        decision_at is two days before applied_at

support_tickets v3 (400 rows, batch_003.csv)
    undeclared_pii  every row      an extra customer_phone column the contract does not declare

loan_applications v2 also drifts on purpose: incomes up ~20 %, credit scores down ~35
points and more debt consolidation, so it is the demo's drifted version.

support_ticket_labels gets two labeling batches of v1 tickets (see demo/labels.py).

Beside each batch, audit_00N.csv holds an audited sample (150 rows, seeded): the key
and the values an auditor verified (tickets: the true category; loans: employment
status and the bureau's credit score). They differ from the batch where the batch is
wrong (label noise, stale scores), which is what the accuracy dimension measures.

Every other value satisfies its contract once the contract's cleaning steps (trim,
lower, null_if_empty) are applied. Seeds are fixed per dataset and version and all
timestamps derive from ``as_of``, so the same ``as_of`` always gives the same bytes.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from faker import Faker

from dataops_assets.demo import labels
from dataops_assets.demo import text_templates as tt

DEMO_DATASETS = ("support_tickets", "loan_applications")
VERSIONS = ("v1", "v2")

TICKET_COLUMNS = (
    "ticket_id", "created_at", "customer_name", "customer_email", "channel", "subject",
    "body", "category", "priority",
)
LOAN_COLUMNS = (
    "application_id", "applied_at", "decision_at", "applicant_name", "email", "phone",
    "date_of_birth", "annual_income", "loan_amount", "term_months", "employment_status",
    "credit_score", "purpose", "defaulted",
)

# "rows" holds the 0-based data-row positions per defect kind; "cells" holds the
# (column, planted value) for each of those rows, in the same order.
PLANTED_DEFECTS: dict[str, dict[str, dict[str, Any]]] = {
    "support_tickets": {
        "v2": {
            "type_error": 2, "enum": 1, "required_null": 1, "duplicate_key": 1,
            "rows": {
                "type_error": (212, 977), "enum": (431,), "required_null": (688,),
                "duplicate_key": (1311,),
            },
            "cells": {
                "type_error": (("priority", "high"), ("priority", "urgent")),
                "enum": (("category", "refund"),),
                "required_null": (("customer_email", ""),),
                "duplicate_key": (("ticket_id", "T-003050"),),
            },
            "duplicate_of": {1311: 1049},
        },
    },
    "loan_applications": {
        "v2": {
            "type_error": 1, "range": 2, "enum": 1, "required_null": 1, "duplicate_key": 1,
            "inconsistent": 1,
            "rows": {
                "type_error": (143,), "range": (702, 1288), "enum": (1630,),
                "required_null": (1975,), "duplicate_key": (2217,), "inconsistent": (1402,),
            },
            "cells": {
                "type_error": (("annual_income", "n/a"),),
                "range": (("loan_amount", "-2500.00"), ("credit_score", "910")),
                "enum": (("employment_status", "contractor"),),
                "required_null": (("applicant_name", ""),),
                "duplicate_key": (("application_id", "A-0004845"),),
                # decision_at is set two days before applied_at (see _plant_inconsistent).
                "inconsistent": (("decision_at", None),),
            },
            "duplicate_of": {2217: 1844},
        },
    },
}

_ROW_COUNTS = {"support_tickets": (2000, 1500), "loan_applications": (3000, 2500)}
_SEEDS = {"support_tickets": (11_001, 11_002), "loan_applications": (22_001, 22_002)}
# The ticket customer pool has its own seed so v1 and v2 can share returning customers.
_CUSTOMER_POOL_SEED = 11_000
_CUSTOMER_POOL_SIZE = 2600
_POOL_SLICE = {"v1": (0, 1800), "v2": (1200, 2600)}
_WINDOW_DAYS = {"v1": 30, "v2": 10}

_CHANNELS = ("email", "chat", "phone", "web")
_CHANNEL_WEIGHTS = (40, 20, 10, 30)
# v2 drifts towards shipping and billing (a delivery backlog and a price change).
_CATEGORY_WEIGHTS = {"v1": (24, 30, 18, 18, 10), "v2": (30, 22, 12, 28, 8)}
_PRIORITY_WEIGHTS = {
    "billing": (10, 30, 40, 20), "technical": (15, 35, 35, 15), "account": (10, 30, 40, 20),
    "shipping": (8, 30, 42, 20), "other": (2, 10, 38, 50),
}
_PII_SHARE = 0.6
_LABEL_NOISE = 0.03  # agents mislabel some tickets; the contract calls the labels noisy

_EMPLOYMENT = ("employed", "self_employed", "unemployed", "retired", "student")
# Students are young and retirees old, so employment fits the applicant's age.
_EMPLOYMENT_WEIGHTS = {
    "young": (40, 5, 10, 0, 45), "adult": (72, 14, 7, 2, 5), "old": (15, 8, 2, 75, 0),
}
_INCOME_FACTOR = {
    "employed": 1.0, "self_employed": 1.1, "unemployed": 0.3, "retired": 0.65, "student": 0.3,
}
_PURPOSES = ("debt_consolidation", "home_improvement", "car", "education", "medical", "other")
_PURPOSE_WEIGHTS = {"v1": (30, 18, 20, 10, 8, 14), "v2": (50, 12, 14, 7, 6, 11)}
_TERMS = (12, 24, 36, 48, 60)
# v2: incomes up ~20 %, credit scores down ~35 points.
_INCOME_SHIFT = {"v1": 1.0, "v2": 1.2}
_SCORE_MEAN = {"v1": 690.0, "v2": 655.0}
# support_tickets v3: a help-desk export that started including an undeclared phone column.
_V3_SEED = 11_003
_V3_ROWS = 400
_STALE_SCORE_SHARE = 0.03  # bureau re-checks find some scores out of date
_AUDIT_SIZE = 150
_AUDIT_COLUMNS = {
    "support_tickets": ("ticket_id", ("category",)),
    "loan_applications": ("application_id", ("employment_status", "credit_score")),
}


def generate_demo(out_dir: Path, as_of: date) -> dict[str, list[Path]]:
    """Write the demo batches as CSV and return {dataset: [batch paths]} in version order."""
    builders: dict[str, tuple[tuple[str, ...], Callable[..., list[dict[str, str]]]]] = {
        "support_tickets": (TICKET_COLUMNS, _ticket_rows),
        "loan_applications": (LOAN_COLUMNS, _loan_rows),
    }
    written: dict[str, list[Path]] = {}
    ticket_v1: list[dict[str, str]] = []
    for dataset in DEMO_DATASETS:
        columns, build = builders[dataset]
        written[dataset] = []
        first_id = 1
        for index, version in enumerate(VERSIONS):
            count = _ROW_COUNTS[dataset][index]
            rng = random.Random(_SEEDS[dataset][index])
            rows = build(rng, _fakers(_SEEDS[dataset][index]), version, as_of, count, first_id)
            defects = PLANTED_DEFECTS[dataset].get(version)
            _plant(rows, defects)
            path = Path(out_dir) / dataset / f"batch_{index + 1:03d}.csv"
            _write_csv(path, columns, rows)
            _write_audit(audit_path(path), dataset, rows, defects,
                         random.Random(_SEEDS[dataset][index] + 7))
            written[dataset].append(path)
            if dataset == "support_tickets" and version == "v1":
                ticket_v1 = rows
            first_id += count  # v2 ids continue after v1's, so the batches never overlap
    written["support_tickets"].append(_write_ticket_v3(Path(out_dir), as_of))
    written[labels.DATASET] = labels.write_label_batches(Path(out_dir), ticket_v1, as_of)
    return written


def _write_ticket_v3(out_dir: Path, as_of: date) -> Path:
    """v3 of the tickets: clean rows, plus a phone column the contract never declared."""
    rng = random.Random(_V3_SEED)
    first_id = sum(_ROW_COUNTS["support_tickets"]) + 1
    rows = _ticket_rows(rng, _fakers(_V3_SEED), "v2", as_of, _V3_ROWS, first_id)
    for row in rows:
        row["customer_phone"] = _phone(rng, uk=rng.random() < 0.3)
    path = out_dir / "support_tickets" / "batch_003.csv"
    _write_csv(path, (*TICKET_COLUMNS, "customer_phone"), rows)
    _write_audit(audit_path(path), "support_tickets", rows, None, random.Random(_V3_SEED + 7))
    return path


def _fakers(seed: int) -> tuple[Faker, Faker]:
    """Return seeded en_US and en_GB Faker instances (instance seeds leave global state alone)."""
    us, gb = Faker("en_US"), Faker("en_GB")
    us.seed_instance(seed)
    gb.seed_instance(seed + 500)
    return us, gb


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    """Write rows as UTF-8 CSV with a header and "\\n" line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        # Keys starting with "_" are the generator's ground truth, never written out.
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n",
                                extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def audit_path(batch: Path) -> Path:
    """The audited sample written beside a demo batch."""
    return batch.with_name(batch.name.replace("batch_", "audit_"))


def _plant(rows: list[dict[str, str]], defects: dict[str, Any] | None) -> None:
    """Overwrite the cells listed in a PLANTED_DEFECTS entry."""
    if not defects:
        return
    for kind, positions in defects["rows"].items():
        for position, (column, value) in zip(positions, defects["cells"][kind], strict=True):
            if kind == "inconsistent":
                applied = datetime.fromisoformat(rows[position]["applied_at"])
                value = (applied - timedelta(days=2)).isoformat()
            rows[position][column] = value


def _write_audit(path: Path, dataset: str, rows: list[dict[str, str]],
                 defects: dict[str, Any] | None, rng: random.Random) -> None:
    """Write a seeded audit sample: the key and the auditor's verified values."""
    planted = {p for positions in (defects or {}).get("rows", {}).values() for p in positions}
    candidates = [i for i in range(len(rows)) if i not in planted]
    key, audited = _AUDIT_COLUMNS[dataset]
    sample = sorted(rng.sample(candidates, _AUDIT_SIZE))
    audit_rows = [{key: rows[i][key], **{c: rows[i].get(f"_true_{c}", rows[i][c])
                                          for c in audited}} for i in sample]
    _write_csv(path, (key, *audited), audit_rows)


def _timestamps(rng: random.Random, as_of: date, days: int, count: int) -> list[datetime]:
    """Return count minute-resolution times in the `days` days before as_of, oldest first."""
    end = datetime.combine(as_of, time())
    offsets = sorted((rng.randint(1, days * 1440) for _ in range(count)), reverse=True)
    return [end - timedelta(minutes=minutes) for minutes in offsets]


def _person(rng: random.Random, us: Faker, gb: Faker) -> tuple[str, str]:
    """Return a (full name, e-mail) pair; about one in seven is British."""
    fake = gb if rng.random() < 0.15 else us
    first, last = fake.first_name(), fake.last_name()
    f, l_ = ("".join(ch for ch in part.lower() if ch.isalnum()) for part in (first, last))
    local = rng.choice(
        (f"{f}.{l_}", f"{f[0]}{l_}", f"{f}{l_}{rng.randint(1, 99)}", f"{f}_{l_}", f"{l_}.{f}")
    )
    return f"{first} {last}", f"{local}@{us.safe_domain_name()}"


def _phone(rng: random.Random, uk: bool) -> str:
    """Return a phone number in one of several US or UK notations."""
    if uk:
        mobile, local = f"7{rng.randint(100, 999)}", rng.randint(100000, 999999)
        return rng.choice((
            f"+44 {mobile} {local}", f"0{mobile} {local}",
            f"020 7{rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            f"+44 161 {rng.randint(200, 999)} {rng.randint(1000, 9999)}",
        ))
    area, exchange, line = rng.randint(201, 989), rng.randint(200, 999), rng.randint(0, 9999)
    return rng.choice((
        f"({area}) {exchange}-{line:04d}", f"{area}-{exchange}-{line:04d}",
        f"+1 {area} {exchange} {line:04d}", f"{area}.{exchange}.{line:04d}",
        f"+1-{area}-{exchange}-{line:04d}",
    ))


def _messy_email(rng: random.Random, email: str, share: float) -> str:
    """Upper-case some addresses the way people type them; cleaning lowers them again."""
    if rng.random() >= share:
        return email
    if rng.random() < 0.3:
        return email.upper()
    local, domain = email.split("@")
    return ".".join(part.capitalize() for part in local.split(".")) + "@" + domain.capitalize()


def _padded(rng: random.Random, name: str, share: float) -> str:
    """Add stray spaces around some names; cleaning trims them."""
    if rng.random() >= share:
        return name
    return rng.choice((f" {name}", f"{name}  ", f"  {name} ", f"{name} "))


def _address(rng: random.Random, us: Faker, gb: Faker) -> str:
    """Return a one-line US or UK postal address."""
    if rng.random() < 0.3:
        street = gb.street_address().replace("\n", ", ")
        return f"{street}, {gb.city()} {gb.postcode()}"
    state = us.state_abbr(include_territories=False)
    return f"{us.street_address()}, {us.city()}, {state} {us.zipcode()}"


def _ticket_body(
    rng: random.Random, fakers: tuple[Faker, Faker], category: str, name: str, email: str,
    tokens: dict[str, str], version: str,
) -> str:
    """Compose a body from category sentences, optionally with personal-data sentences."""
    us, gb = fakers
    longer = version == "v2"  # v2 customers write a little more
    two_core = rng.random() < (0.45 if longer else 0.3)
    sentences = rng.sample(tt.CORE[category], k=2 if two_core else 1)
    for _ in range(2 if longer and rng.random() < 0.3 else 1):
        if rng.random() < (0.7 if longer else 0.3):
            sentences.append(rng.choice(tt.DETAIL[category]))
    closer = rng.choice(tt.CLOSERS)
    if rng.random() < _PII_SHARE:
        values = {
            "name": name, "first": name.split()[0],
            "email": email if rng.random() < 0.8 else _person(rng, us, gb)[1],
            "phone": _phone(rng, uk=rng.random() < 0.3),
            "agent": f"{us.first_name()} {us.last_name()}",
            "other": _person(rng, us, gb)[0],
            "address": _address(rng, us, gb),
        }
        for template in rng.sample(tt.PII_SENTENCES, k=2 if rng.random() < 0.3 else 1):
            sentences.insert(rng.randint(0, len(sentences)), template.format(**values))
        if rng.random() < 0.4:
            closer = rng.choice(tt.PII_SIGNOFFS).format(**values)
    opener = rng.choice(tt.OPENERS)
    text = " ".join(part for part in (opener, *sentences, closer) if part)
    return text.format(**tokens)


def customer_pool() -> list[tuple[str, str]]:
    """The ticket customers (name, e-mail) every ticket batch draws from, always the same."""
    pool_rng = random.Random(_CUSTOMER_POOL_SEED)
    pool_fakers = _fakers(_CUSTOMER_POOL_SEED)
    return [_person(pool_rng, *pool_fakers) for _ in range(_CUSTOMER_POOL_SIZE)]


def _ticket_rows(
    rng: random.Random, fakers: tuple[Faker, Faker], version: str, as_of: date, count: int,
    first_id: int,
) -> list[dict[str, str]]:
    """Build one batch of support tickets."""
    pool = customer_pool()
    low, high = _POOL_SLICE[version]
    rows = []
    for offset, created in enumerate(_timestamps(rng, as_of, _WINDOW_DAYS[version], count)):
        name, email = pool[rng.randrange(low, high)]
        category = rng.choices(tt.CATEGORIES, _CATEGORY_WEIGHTS[version])[0]
        tokens = tt.look_alike_tokens(rng, as_of)
        subject = rng.choice(tt.SUBJECTS[category]).format(**tokens)
        body = _ticket_body(rng, fakers, category, name, email, tokens, version)
        label = category
        if rng.random() < _LABEL_NOISE:
            label = rng.choice([c for c in tt.CATEGORIES if c != category])
        rows.append({
            "ticket_id": f"T-{first_id + offset:06d}",
            "created_at": created.isoformat(),
            "customer_name": _padded(rng, name, 0.08),
            "customer_email": _messy_email(rng, email, 0.08),
            "channel": rng.choices(_CHANNELS, _CHANNEL_WEIGHTS)[0],
            "subject": subject,
            "body": body,
            "category": label,
            "_true_category": category,
            "priority": str(rng.choices((1, 2, 3, 4), _PRIORITY_WEIGHTS[category])[0]),
        })
    return rows


def _default_probability(score: int, ratio: float, status: str, purpose: str) -> float:
    """Logistic default risk: low scores and high loan-to-income ratios default more."""
    z = -2.75 - (score - 690) / 65 + 2.2 * (ratio - 0.25)
    z += {"unemployed": 0.8, "student": 0.3}.get(status, 0.0)
    z += 0.2 if purpose == "debt_consolidation" else 0.0
    return 1 / (1 + math.exp(-z))


def _loan_rows(
    rng: random.Random, fakers: tuple[Faker, Faker], version: str, as_of: date, count: int,
    first_id: int,
) -> list[dict[str, str]]:
    """Build one batch of loan applications."""
    us, gb = fakers
    rows = []
    for offset, applied in enumerate(_timestamps(rng, as_of, _WINDOW_DAYS[version], count)):
        name, email = _person(rng, us, gb)
        age = min(79, max(19, int(rng.gauss(41, 13))))
        # Birth date between `age` and `age + 1` years before the application day, with
        # a day of margin each side so the age is exact whatever the leap years.
        days_back = rng.randint(math.ceil(age * 365.2425) + 1, int((age + 1) * 365.2425) - 1)
        band = "old" if age >= 66 else "young" if age <= 24 else "adult"
        status = rng.choices(_EMPLOYMENT, _EMPLOYMENT_WEIGHTS[band])[0]
        income = rng.lognormvariate(math.log(58_000 * _INCOME_SHIFT[version]), 0.45)
        income = min(5_000_000.0, max(3_000.0, income * _INCOME_FACTOR[status]))
        loan = min(100_000.0, max(500.0, income * rng.lognormvariate(math.log(0.22), 0.6)))
        loan = round(loan / 50) * 50.0 if rng.random() < 0.8 else round(loan, 2)
        purpose_weights = list(_PURPOSE_WEIGHTS[version])
        if status == "student":
            purpose_weights[3] *= 4  # students mostly borrow for education
        purpose = rng.choices(_PURPOSES, purpose_weights)[0]
        term_weights = (5, 15, 30, 25, 25) if loan > 25_000 else (20, 30, 30, 10, 10)
        score = min(850, max(300, round(rng.gauss(_SCORE_MEAN[version], 60))))
        risk = _default_probability(score, loan / income, status, purpose)
        phone = "" if rng.random() < 0.1 else _phone(rng, uk=rng.random() < 0.1)
        shown_status = status
        if rng.random() < 0.06:  # free-text form field: people capitalise it
            shown_status = rng.choice((status.capitalize(), status.upper(), status.title()))
        rows.append({
            "application_id": f"A-{first_id + offset:07d}",
            "applied_at": applied.isoformat(),
            "decision_at": (applied + timedelta(minutes=rng.randint(30, 14 * 24 * 60))).isoformat(),
            "applicant_name": _padded(rng, name, 0.03),
            "email": _messy_email(rng, email, 0.04),
            "phone": phone,
            "date_of_birth": (applied.date() - timedelta(days=days_back)).isoformat(),
            "annual_income": f"{income:.2f}",
            "loan_amount": f"{loan:.2f}",
            "term_months": str(rng.choices(_TERMS, term_weights)[0]),
            "employment_status": shown_status,
            "credit_score": str(score),
            "purpose": purpose,
            "defaulted": "true" if rng.random() < risk else "false",
            "_true_employment_status": status,
            "_true_credit_score": str(min(850, max(300, score + rng.choice((-35, -20, 25, 40)))))
            if rng.random() < _STALE_SCORE_SHARE else str(score),
        })
    return rows
