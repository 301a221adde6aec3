"""Deterministic synthetic data for the personal-data scan benchmark (bench/pii.py).

Two products, both seeded and reproducible:

* a 22-column orders table with ground truth per column (personal or not, and the
  Presidio entity type expected as its main entity), written as CSV at any row count;
* labelled sentences with the character spans of every personal value, for span-level
  evaluation of free-text masking.

Large tables are generated fast: Faker fills a pool of POOL_SIZE values per column once,
and rows draw from the pools with numpy (ids, amounts, quantities and dates are drawn
per row). A 1M-row column therefore holds at most POOL_SIZE distinct Faker values, which
does not matter to a scanner that judges a column from a sample of a few hundred rows.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import phonenumbers
from faker import Faker

SEED = 20261125
POOL_SIZE = 5_000
REFERENCE_DATE = date(2026, 11, 25)  # "today" for ages and recent order dates
GB_SHARE = 0.25  # share of personal values drawn from the en_GB locale


@dataclass(frozen=True)
class ColumnTruth:
    """Ground truth for one generated column."""

    name: str
    personal: bool
    entity: str | None
    what: str


COLUMNS: tuple[ColumnTruth, ...] = (
    ColumnTruth("customer_name", True, "PERSON", "full names, en_US and en_GB"),
    ColumnTruth("email", True, "EMAIL_ADDRESS", "e-mail addresses"),
    ColumnTruth("phone", True, "PHONE_NUMBER", "phones: US/GB/DE/FR/IN/CA, intl + national"),
    ColumnTruth("street_address", True, "LOCATION", "postal addresses on one line"),
    ColumnTruth("date_of_birth", True, "DATE_TIME", "birthdays, ISO dates, ages 18-90"),
    ColumnTruth("card_number", True, "CREDIT_CARD", "Faker credit_card_number (Luhn)"),
    ColumnTruth("ssn", True, "US_SSN", "Faker en_US ssn"),
    ColumnTruth("nino", True, "UK_NINO", "UK National Insurance numbers"),
    ColumnTruth("iban", True, "IBAN_CODE", "Faker iban, some grouped by 4"),
    ColumnTruth("ip_address", True, "IP_ADDRESS", "IPv4 addresses"),
    ColumnTruth("support_message", True, "PERSON", "support messages quoting names etc."),
    ColumnTruth("review_text", False, None, "product reviews naming no person"),
    ColumnTruth("order_date", False, None, "order dates, last two years"),
    ColumnTruth("amount", False, None, "order amounts, 2 decimals"),
    ColumnTruth("sku", False, None, "SKUs like SKU-AB-1234"),
    ColumnTruth("order_id", False, None, "10-digit integer order ids"),
    ColumnTruth("category", False, None, "12 product categories"),
    ColumnTruth("company_name", False, None, "Faker company names"),
    ColumnTruth("job_title", False, None, "Faker job titles"),
    ColumnTruth("quantity", False, None, "quantities 1-20"),
    ColumnTruth("country_code", False, None, "ISO country codes"),
    ColumnTruth("is_gift", False, None, "booleans"),
)

CATEGORIES = ("Electronics", "Garden", "Kitchen", "Toys", "Books", "Sports", "Beauty",
              "Automotive", "Office", "Pets", "Music", "Grocery")
COUNTRIES = ("US", "GB", "DE", "FR", "IE", "CA", "NL", "ES", "IT", "AU", "SE", "PL")
COUNTRY_WEIGHTS = (0.35, 0.2, 0.08, 0.07, 0.05, 0.05, 0.04, 0.04, 0.04, 0.03, 0.03, 0.02)

SUPPORT_TEMPLATES = (
    "Hi, this is {name}. My parcel never arrived, please call me back on {phone}.",
    "Please change the e-mail address on my account to {email}. Thanks, {name}",
    "{name} here: the refund for my last order still has not reached my account.",
    "Could you send the invoice to {email} instead? Kind regards, {name}",
    "Hello, I am {name} and the item I received was damaged in transit.",
    "I have moved to {address}, please send future orders there. {name}",
    "My name is {name}, the tracking page has not updated for days.",
    "You can reach me on {phone} between nine and five. Many thanks, {name}",
    "The delivery driver left the box in the rain and the contents were soaked.",
    "I was charged twice for the same order, please look into it as soon as possible.",
)
REVIEW_OPENINGS = ("The", "This", "My new")
REVIEW_PRODUCTS = ("blender", "desk lamp", "kettle", "backpack", "phone case", "office chair",
                   "water bottle", "yoga mat", "toaster", "rain jacket", "garden hose",
                   "coffee grinder", "bike light", "pillow", "frying pan")
REVIEW_VERDICTS = ("works exactly as described", "feels cheaply made",
                   "is much quieter than expected", "broke within a week",
                   "was easy to assemble", "is good value for money",
                   "does the job but the instructions are poor",
                   "looks nicer than in the photos")
REVIEW_EXTRAS = ("Would buy again.", "Delivery was quick.", "Packaging could be better.",
                 "Not worth the price.", "Five stars from me.",
                 "The colour is slightly different.", "I returned it after a month.",
                 "Customer service was helpful.")

# NINO prefixes HMRC issues: D, F, I, Q, U, V never appear, O never second, and a few
# pairs are reserved. Faker's en_GB ssn() always uses the reserved ZZ prefix (never
# issued, and rejected by Presidio), so NINOs are built here instead.
_NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
_NINO_RESERVED = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}
_US_AREA_CODES = (212, 213, 305, 312, 404, 415, 512, 617, 646, 702, 206, 303, 214, 617)
_PHONE_REGIONS = ("US", "US", "GB", "GB", "DE", "FR", "IN", "CA")
_REAL_CITIES = ("London", "Manchester", "Leeds", "Glasgow", "Bristol", "Chicago", "Boston",
                "Seattle", "Denver", "Houston", "Dublin", "Toronto")


def _fakers(seed: int) -> tuple[Faker, Faker]:
    """Independently seeded en_US and en_GB generators."""
    us, gb = Faker("en_US"), Faker("en_GB")
    us.seed_instance(seed)
    gb.seed_instance(seed + 1)
    return us, gb


def _valid_phone(region: str, rnd: random.Random) -> phonenumbers.PhoneNumber:
    """A random number that libphonenumber accepts as valid for the region."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE
                                                   if rnd.random() < 0.5 else
                                                   phonenumbers.PhoneNumberType.FIXED_LINE)
    digits = str(example.national_number)
    for _ in range(100):
        if region in ("US", "CA") and rnd.random() < 0.7:
            national = (f"{rnd.choice(_US_AREA_CODES)}{rnd.randint(2, 9)}"
                        f"{rnd.randint(0, 99):02d}{rnd.randint(0, 9999):04d}")
        else:
            keep = max(2, len(digits) - 6)
            national = digits[:keep] + "".join(str(rnd.randint(0, 9))
                                               for _ in range(len(digits) - keep))
        number = phonenumbers.parse(f"+{example.country_code}{national}")
        if phonenumbers.is_valid_number(number):
            return number
    return example


def _phone(us: Faker, gb: Faker, rnd: random.Random) -> str:
    """A phone number in one of several real-world formats."""
    roll = rnd.random()
    if roll < 0.2:
        return us.phone_number()  # Faker's own formats: x-extensions, 001- prefixes, dots
    if roll < 0.3:
        return gb.phone_number()
    region = rnd.choice(_PHONE_REGIONS)
    number = _valid_phone(region, rnd)
    fmt = rnd.choice((phonenumbers.PhoneNumberFormat.INTERNATIONAL,
                      phonenumbers.PhoneNumberFormat.INTERNATIONAL,
                      phonenumbers.PhoneNumberFormat.E164,
                      phonenumbers.PhoneNumberFormat.NATIONAL))
    if fmt == phonenumbers.PhoneNumberFormat.NATIONAL and region not in ("US", "GB", "CA"):
        fmt = phonenumbers.PhoneNumberFormat.INTERNATIONAL  # national forms abroad are ambiguous
    return phonenumbers.format_number(number, fmt)


def _nino(rnd: random.Random) -> str:
    """A well-formed UK National Insurance number, compact or grouped."""
    while True:
        prefix = rnd.choice(_NINO_FIRST) + rnd.choice(_NINO_SECOND)
        if prefix not in _NINO_RESERVED:
            break
    digits = f"{rnd.randint(0, 999999):06d}"
    suffix = rnd.choice("ABCD")
    if rnd.random() < 0.3:
        return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    return f"{prefix}{digits}{suffix}"


def _grouped(value: str, size: int, sep: str) -> str:
    return sep.join(value[i:i + size] for i in range(0, len(value), size))


def _card(us: Faker, rnd: random.Random) -> str:
    """A Luhn-valid card number, 30% of the 16-digit ones grouped by 4 as people type them."""
    number = us.credit_card_number()
    if len(number) == 16 and rnd.random() < 0.3:
        return _grouped(number, 4, rnd.choice(" -"))
    return number


def _pick(us: Faker, gb: Faker, rnd: random.Random) -> Faker:
    return gb if rnd.random() < GB_SHARE else us


def _support_message(name: str, email: str, phone: str, address: str,
                     rnd: random.Random) -> str:
    return rnd.choice(SUPPORT_TEMPLATES).format(name=name, email=email, phone=phone,
                                                address=address)


def _review(rnd: random.Random) -> str:
    return (f"{rnd.choice(REVIEW_OPENINGS)} {rnd.choice(REVIEW_PRODUCTS)} "
            f"{rnd.choice(REVIEW_VERDICTS)}. {rnd.choice(REVIEW_EXTRAS)}")


def make_pools(seed: int = SEED, size: int = POOL_SIZE) -> dict[str, list[str]]:
    """Pools of Faker-made values for the string columns (built once, reused for all sizes)."""
    us, gb = _fakers(seed)
    rnd = random.Random(seed)
    pools: dict[str, list[str]] = {k: [] for k in (
        "customer_name", "email", "phone", "street_address", "card_number", "ssn", "nino",
        "iban", "ip_address", "support_message", "review_text", "sku", "company_name",
        "job_title")}
    for _ in range(size):
        name = _pick(us, gb, rnd).name()
        email = _pick(us, gb, rnd).email()
        phone = _phone(us, gb, rnd)
        address = _pick(us, gb, rnd).address().replace("\n", ", ")
        iban = _pick(us, gb, rnd).iban()
        pools["customer_name"].append(name)
        pools["email"].append(email)
        pools["phone"].append(phone)
        pools["street_address"].append(address)
        pools["card_number"].append(_card(us, rnd))
        pools["ssn"].append(us.ssn())
        pools["nino"].append(_nino(rnd))
        pools["iban"].append(_grouped(iban, 4, " ") if rnd.random() < 0.3 else iban)
        pools["ip_address"].append(us.ipv4())
        # The message quotes a different person than the row's name column: columns are
        # drawn independently anyway, and the text must stand on its own.
        quoted = _pick(us, gb, rnd).name() if rnd.random() < 0.6 else \
            _pick(us, gb, rnd).first_name()
        pools["support_message"].append(_support_message(
            quoted, _pick(us, gb, rnd).email(), _phone(us, gb, rnd),
            _pick(us, gb, rnd).address().replace("\n", ", "), rnd))
        pools["review_text"].append(_review(rnd))
        pools["sku"].append(f"SKU-{us.random_uppercase_letter()}{us.random_uppercase_letter()}"
                            f"-{rnd.randint(0, 9999):04d}")
        pools["company_name"].append(_pick(us, gb, rnd).company())
        pools["job_title"].append(us.job())
    return pools


def make_table(rows: int, pools: dict[str, list[str]], seed: int = SEED) -> pd.DataFrame:
    """A `rows`-row table with the COLUMNS, drawn from the pools with a seeded numpy RNG."""
    rng = np.random.default_rng(seed + rows)
    data: dict[str, object] = {}
    birth_days = rng.integers(int(18 * 365.25) + 1, int(90 * 365.25), size=rows)
    order_days = rng.integers(0, 730, size=rows)
    for col in COLUMNS:
        name = col.name
        if name in pools:
            pool = np.asarray(pools[name], dtype=object)
            data[name] = pool[rng.integers(0, len(pool), size=rows)]
        elif name == "date_of_birth":
            data[name] = _iso_days_before(birth_days)
        elif name == "order_date":
            data[name] = _iso_days_before(order_days)
        elif name == "amount":
            data[name] = rng.integers(199, 250_000, size=rows) / 100
        elif name == "order_id":
            # Unique, increasing, 10 digits: the shape of a phone number without being one.
            data[name] = 5_000_000_000 + np.arange(rows, dtype=np.int64) * 7 + \
                rng.integers(0, 7, size=rows)
        elif name == "category":
            data[name] = np.asarray(CATEGORIES, dtype=object)[
                rng.integers(0, len(CATEGORIES), size=rows)]
        elif name == "quantity":
            data[name] = rng.integers(1, 21, size=rows)
        elif name == "country_code":
            data[name] = rng.choice(np.asarray(COUNTRIES, dtype=object), size=rows,
                                    p=np.asarray(COUNTRY_WEIGHTS) / sum(COUNTRY_WEIGHTS))
        elif name == "is_gift":
            data[name] = rng.random(rows) < 0.15
        else:
            raise KeyError(name)
    return pd.DataFrame(data)


def _iso_days_before(days: np.ndarray) -> np.ndarray:
    """ISO date strings `days` days before REFERENCE_DATE, via a small lookup table."""
    top = int(days.max()) + 1
    table = np.asarray([(REFERENCE_DATE - timedelta(days=d)).isoformat() for d in range(top)],
                       dtype=object)
    return table[days]


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Write a table as CSV with DuckDB (an order of magnitude faster than pandas at 1M rows)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect()
    try:
        conn.register("t", df)
        conn.execute(f"COPY t TO '{path}' (HEADER, DELIMITER ',')")
    finally:
        conn.close()


def write_anonymised(src: Path, dst: Path) -> dict[str, str]:
    """Copy a CSV with its headers renamed col_01..col_NN; return new name -> original."""
    with src.open("rb") as fin, dst.open("wb") as fout:
        header = fin.readline().decode().rstrip("\r\n").split(",")
        renamed = [f"col_{i:02d}" for i in range(1, len(header) + 1)]
        fout.write((",".join(renamed) + "\n").encode())
        shutil.copyfileobj(fin, fout, length=16 << 20)
    return dict(zip(renamed, header, strict=True))


@dataclass
class LabelledSentence:
    """A sentence with the gold character spans of its personal values."""

    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)


SPAN_TEMPLATES = (
    "Please call {PERSON} on {PHONE_NUMBER} about the delivery.",
    "Send the signed contract to {EMAIL_ADDRESS} before Friday.",
    "{PERSON} lives at {LOCATION} and asked for a refund.",
    "My card {CREDIT_CARD} was declined at checkout.",
    "Hi {PERSON}, your new login e-mail is {EMAIL_ADDRESS}.",
    "The transfer to {IBAN_CODE} was rejected by the bank.",
    "We saw a login for {PERSON} from {IP_ADDRESS} last night.",
    "Ship it to {LOCATION}, attention {PERSON}.",
    "{PERSON} moved from {CITY} to {CITY} last year.",
    "Her social security number is {US_SSN}, please keep it safe.",
    "Text me at {PHONE_NUMBER} or write to {EMAIL_ADDRESS}.",
    "The meeting with {PERSON} and {PERSON} is moved to Tuesday.",
    "The package weighs 2.5 kg and costs $49.99.",
    "Order 5001234567 was shipped on 2026-03-14.",
    "Please restart the router and try again.",
    "The quarterly report is due at the end of the month.",
    "Our warehouse team processes returns within five working days.",
)


def labelled_sentences(n: int = 200, seed: int = SEED) -> list[LabelledSentence]:
    """`n` sentences from SPAN_TEMPLATES (cycled), with gold spans; ~30% hold no personal data."""
    us, gb = _fakers(seed + 7)
    rnd = random.Random(seed + 7)
    makers = {
        "PERSON": lambda: _pick(us, gb, rnd).name(),
        "PHONE_NUMBER": lambda: _phone(us, gb, rnd),
        "EMAIL_ADDRESS": lambda: _pick(us, gb, rnd).email(),
        "LOCATION": lambda: _pick(us, gb, rnd).address().replace("\n", ", "),
        "CITY": lambda: rnd.choice(_REAL_CITIES),
        "CREDIT_CARD": lambda: _card(us, rnd),
        "IBAN_CODE": lambda: _pick(us, gb, rnd).iban(),
        "IP_ADDRESS": lambda: us.ipv4(),
        "US_SSN": lambda: us.ssn(),
    }
    out = []
    for i in range(n):
        template = SPAN_TEMPLATES[i % len(SPAN_TEMPLATES)]
        text, spans = "", []
        for literal, slot in _template_parts(template):
            text += literal
            if slot:
                value = makers[slot]()
                spans.append((len(text), len(text) + len(value),
                              "LOCATION" if slot == "CITY" else slot))
                text += value
        out.append(LabelledSentence(text, spans))
    return out


def _template_parts(template: str) -> list[tuple[str, str | None]]:
    """Split 'a {X} b' into [('a ', 'X'), (' b', None)]."""
    parts: list[tuple[str, str | None]] = []
    rest = template
    while "{" in rest:
        before, _, after = rest.partition("{")
        slot, _, rest = after.partition("}")
        parts.append((before, slot))
    parts.append((rest, None))
    return parts
