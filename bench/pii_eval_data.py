"""Evaluation data for the personal-data scanner and free-text redaction (issue 11).

The old benchmark data (bench/pii_data.py, removed; see commit 7398baa) is what the
scanner's rules were tuned on, so its figures say little about unseen data. This module
builds independent data, split in two halves that share no locale and no sentence
template:

* **tuning half** ("tune"): Faker locales en_US, de_DE, fr_FR, es_ES, nl_NL, and the
  sentence templates TUNE_TEMPLATES. Tune the engine on this half only.
* **held-out half** ("heldout"): Faker locales en_GB, it_IT, no_NO, pl_PL, pt_BR, and the
  sentence templates HELDOUT_TEMPLATES. Report this half; never tune on it.

Sources: Faker 40 (each locale's own person, address, phone, bank and ssn providers;
fallbacks are noted where a locale lacks one), the phonenumbers library (valid
international numbers per region), seeded `random` for formats, groupings and the
non-personal columns. Nothing comes from presidio-evaluator (kept for an independent
check). Everything is deterministic for a given seed: no value depends on today's date.

Two products per half:

1. A column table (`make_table`, default 2,000 rows, each row drawn from one random
   locale of the half) of 28 columns, with per-column truth in COLUMNS: whether the column
   is personal, and the set of entity types acceptable as its main entity. Headers come
   in two named styles (HEADER_STYLES: snake_case and a CRM-export style such as `FNAME`,
   `Addr1`, `Town`, `Zip`, `DOB`, `Mobile`) or anonymised as col_01..col_28 (`write_table`).
   Case variants: shares of rows of the name, city and address columns are ALL CAPS or
   lower case, and billing_name is ALL CAPS throughout.
2. Labelled ticket sentences (`labelled_sentences`, default 1,000): 21 templates per half
   (16 that carry personal data, 5 that carry none), each sentence filled from one random
   locale of its half, with the gold character span and type of every personal value;
   then 20 fixed sentences per half that quote nobody but are full of lookalikes (brands,
   products, months, acronyms, capitalised UI labels: BRAND_PROSE).

What counts as truth. Personal columns: names (given, family, full, billing), street
addresses, cities, postcodes, birth dates, e-mail, phone, card number, national id, IBAN,
IP address, and free text quoting people. Not personal: product, company and job names,
categories, statuses, SKUs, recent order dates, amounts, ratings, quantities, tracking
numbers, and prose quoting nobody (one ALL-CAPS, one lower case). A company name that
contains a surname ("Haugen-Abrahamsen BA") is not personal. Gold span types: PERSON
(full, first-only or last-only names), LOCATION (street address, city and postcode as
separate spans), PHONE_NUMBER, CREDIT_CARD, IBAN_CODE, EMAIL_ADDRESS, IP_ADDRESS,
NATIONAL_ID (any national id: SSN, NINO, codice fiscale, PESEL, CPF, ...),
DRIVER_LICENSE and DATE_OF_BIRTH (a date with a birth context). Titles (Mr, Mrs, Dr)
are outside the PERSON span. Sentences with no gold span quote nobody.

The 1M-row speed table (`make_big_table`) draws every column from pools of values made
by `make_table`, the way the old benchmark did.
"""

from __future__ import annotations

import random
import shutil
import string
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import phonenumbers
from faker import Faker

SEED = 20261201
REFERENCE_DATE = date(2026, 11, 25)  # "today": birth dates are 18-90 years before it
DEFAULT_ROWS = 2_000
DEFAULT_SENTENCES = 1_000

TUNE_LOCALES = ("en_US", "de_DE", "fr_FR", "es_ES", "nl_NL")
HELDOUT_LOCALES = ("en_GB", "it_IT", "no_NO", "pl_PL", "pt_BR")
HALVES: dict[str, tuple[str, ...]] = {"tune": TUNE_LOCALES, "heldout": HELDOUT_LOCALES}
REGION = {"en_US": "US", "de_DE": "DE", "fr_FR": "FR", "es_ES": "ES", "nl_NL": "NL",
          "en_GB": "GB", "it_IT": "IT", "no_NO": "NO", "pl_PL": "PL", "pt_BR": "BR"}

# Any of these is an acceptable main entity for a national-id column: the id entity
# types Presidio predefines plus generic names a new engine might use.
ID_ENTITIES = frozenset({
    "NATIONAL_ID", "US_SSN", "US_ITIN", "US_PASSPORT", "UK_NINO", "UK_NHS",
    "IT_FISCAL_CODE", "IT_IDENTITY_CARD", "IT_PASSPORT", "PL_PESEL", "ES_NIF", "ES_NIE",
    "FI_PERSONAL_IDENTITY_CODE", "SG_NRIC_FIN", "AU_TFN", "AU_MEDICARE", "IN_AADHAAR",
    "IN_PAN", "KR_RRN", "TH_TNIN", "DE_TAX_ID", "DE_SVNR", "FR_NIR", "NL_BSN", "NO_FNR",
    "BR_CPF", "SSN", "ID_NUMBER"})
DATE_ENTITIES = frozenset({"DATE_TIME", "DATE_OF_BIRTH"})
LOCATION_ENTITIES = frozenset({"LOCATION", "ADDRESS", "STREET_ADDRESS"})
POSTCODE_ENTITIES = frozenset({"LOCATION", "POSTAL_CODE", "ZIP_CODE", "ADDRESS"})

HEADER_STYLES = ("snake", "crm")
ANONYMISED = "anonymised"


@dataclass(frozen=True)
class ColumnTruth:
    """Ground truth for one generated column, and its header in each named style."""

    key: str                  # the column's id (and its snake_case header unless given)
    personal: bool
    entities: frozenset[str]  # acceptable main entities (empty when not personal)
    what: str
    crm: str                  # header in the CRM-export style
    snake: str = ""

    def header(self, style: str) -> str:
        """The column's header in a named style."""
        return self.crm if style == "crm" else (self.snake or self.key)


def _p(key: str, entities: frozenset[str] | set[str], what: str, crm: str,
       snake: str = "") -> ColumnTruth:
    return ColumnTruth(key, True, frozenset(entities), what, crm, snake)


def _n(key: str, what: str, crm: str) -> ColumnTruth:
    return ColumnTruth(key, False, frozenset(), what, crm)


# Personal and non-personal columns interleaved, so anonymised positions tell nothing.
COLUMNS: tuple[ColumnTruth, ...] = (
    _p("given_name", {"PERSON"}, "first names only; 5% lower case", "FNAME"),
    _n("product_name", "product names, some with name-like brands (Harper Desk Lamp)", "Item"),
    _p("surname", {"PERSON"}, "family names; 10% ALL CAPS", "Surname"),
    _n("faq_text", "ALL-CAPS help-centre questions and answers quoting nobody", "HELP"),
    _p("full_name", {"PERSON"}, "Faker name() incl. titles; 10% ALL CAPS, 10% lower", "Name"),
    _n("company_name", "Faker company() of the row's locale (often contains surnames)",
       "Supplier"),
    _p("street_address", LOCATION_ENTITIES,
       "the locale's street_address(); 10% ALL CAPS, 5% lower", "Addr1"),
    # nl_NL, en_GB, it_IT and no_NO have no job list of their own: Faker gives en_US jobs.
    _n("job_title", "Faker job() of the row's locale", "Role"),
    _p("city", LOCATION_ENTITIES, "the locale's city(); 20% ALL CAPS, 5% lower", "Town"),
    _n("category", "8 product categories", "Dept"),
    _p("postcode", POSTCODE_ENTITIES, "the locale's postcode()", "Zip"),
    _n("status", "6 order statuses", "State"),
    _p("birthday", DATE_ENTITIES, "birth dates, ages 18-90, mixed formats", "DOB",
       snake="date_of_birth"),
    _n("sku", "SKUs such as KT-4821-BL", "Code"),
    _p("email", {"EMAIL_ADDRESS"}, "the locale's email()", "E-mail"),
    _n("order_date", "order dates in the last 2 years, same mixed formats as birthdays",
       "Date"),
    _p("phone", {"PHONE_NUMBER"}, "the locale's phone_number(); 25% international", "Mobile"),
    _n("amount", "amounts, 2 decimals", "Total"),
    _p("card_number", {"CREDIT_CARD"},
       "Luhn-valid cards, 4-4-4-4 spaced/dashed, plain, Amex 4-6-5", "Card No"),
    _n("rating", "ratings 1.0-5.0", "Stars"),
    _p("national_id", ID_ENTITIES, "the locale's national id (ssn, NINO, CF, PESEL, CPF...)",
       "Personal ID"),
    _n("quantity", "quantities 1-20", "Qty"),
    _p("iban", {"IBAN_CODE"}, "the locale's iban(); 40% grouped by 4", "Account"),
    _n("review_text", "lower-case product feedback quoting nobody", "Feedback"),
    _p("ip_address", {"IP_ADDRESS"}, "IPv4, 20% IPv6", "Last IP"),
    _n("tracking_number", "tracking numbers: UPS 1Z..., postal RR...NO, 12 digits", "Ref"),
    _p("ticket_text", {"PERSON"}, "support tickets quoting people (person templates)",
       "Notes"),
    _p("billing_name", {"PERSON"}, "cardholder names, ALL CAPS throughout", "CARDHOLDER"),
)
TRUTH: dict[str, ColumnTruth] = {c.key: c for c in COLUMNS}

# ---------------------------------------------------------------- free-text templates
# Slots and the gold type of the value that fills them.
SLOT_TYPE = {
    "PERSON": "PERSON", "FIRST": "PERSON", "LAST": "PERSON",
    "ADDRESS": "LOCATION", "CITY": "LOCATION", "POSTCODE": "LOCATION",
    "PHONE": "PHONE_NUMBER", "PHONE_INTL": "PHONE_NUMBER",
    "CARD": "CREDIT_CARD", "IBAN": "IBAN_CODE", "EMAIL": "EMAIL_ADDRESS",
    "IP": "IP_ADDRESS", "NID": "NATIONAL_ID", "DL": "DRIVER_LICENSE", "DOB": "DATE_OF_BIRTH",
}
SPAN_TYPES = tuple(sorted(set(SLOT_TYPE.values())))

TUNE_TEMPLATES = (
    "Hi, this is {PERSON}; please call me back on {PHONE} after 5pm.",
    "Ask {FIRST} about it, she handled the return last week.",
    "Mr {LAST} called twice about invoice 88123 and wants a refund.",
    "Please update the delivery address to {ADDRESS}, {POSTCODE} {CITY}.",
    "Card {CARD} was charged twice, the customer is {PERSON}.",
    "Refund to IBAN {IBAN}, account holder {PERSON}.",
    "Customer {PERSON} (date of birth {DOB}) asked us to delete her data.",
    "Login from {IP} for {EMAIL} was flagged by the fraud check.",
    "Identity verified with national ID {NID} and driver's licence number {DL}.",
    "{FIRST} {LAST} wrote from {EMAIL}: the parcel never arrived in {CITY}.",
    "Caller gave {PHONE_INTL} as a callback number and said she was born on {DOB}.",
    "Ms {LAST} says the courier left the box at {ADDRESS}.",
    "Escalated by {FIRST}: the customer at {IP} cannot log in.",
    "Please send the duplicate invoice to {PERSON}, {ADDRESS}, {POSTCODE} {CITY}.",
    "DOB {DOB}, SSN {NID}, name on card {PERSON}, card number {CARD}.",
    "Spoke to {FIRST} on {PHONE}; she moved to {CITY} and wants the order rerouted.",
    # Quoting nobody (no gold span):
    "Order 4471-2209 shipped on 14 March and should arrive within three working days.",
    "The invoice total of EUR 149.90 was refunded to the original payment method.",
    "Customer reports the blender lid cracked after two weeks; replacement sent.",
    "Ticket closed automatically after 14 days without a reply.",
    "Please restart the router, clear the cache and try the checkout again.",
)
HELDOUT_TEMPLATES = (
    "Customer {PERSON} rang from {PHONE} asking where order 55120 is.",
    "Tell {FIRST} the replacement is on its way.",
    "Mrs {LAST} would like a callback tomorrow morning.",
    "New billing address: {ADDRESS}, {POSTCODE} {CITY}. Please confirm.",
    "The payment with card {CARD} failed, please ask {FIRST} to retry.",
    "Direct debit mandate for {IBAN} signed by {PERSON}.",
    "{PERSON}, born on {DOB}, needs the age check redone.",
    "Account {EMAIL} was accessed from {IP} at 03:12.",
    "For the KYC check we got a passport scan, driver's licence number {DL} and tax id {NID}.",
    "From: {EMAIL} - Hello, my name is {FIRST} {LAST} and I live in {CITY}.",
    "Please phone {PHONE_INTL} or {PHONE}, the DOB on file is {DOB}.",
    "Dr {LAST} at {ADDRESS} reports a missing item.",
    "{FIRST} from {CITY} left a voicemail; IP {IP} appears in the logs.",
    "Return label for {PERSON}, {ADDRESS}, {POSTCODE} {CITY} was printed.",
    "Identity number {NID}; DOB: {DOB}; cardholder {PERSON}; card {CARD}.",
    "Forward this to {FIRST} and {PERSON}, they know the case.",
    # Quoting nobody (no gold span):
    "Parcel 88213 was returned to sender because the label was damaged.",
    "Refund of 39.99 approved on 2026-10-02 after the quality check.",
    "The app crashes when the user opens the settings page twice.",
    "Two items were missing from the box; we issued a partial credit of 12.50.",
    "Ticket merged with an older duplicate and marked as resolved.",
)
TEMPLATES: dict[str, tuple[str, ...]] = {"tune": TUNE_TEMPLATES, "heldout": HELDOUT_TEMPLATES}
# Prose quoting nobody with brands, products, months, acronyms and capitalised UI
# labels, the lookalikes support tickets are full of. Each half's list is added once to
# its sentences, with no gold span. The tuning list was written first and the rules were
# tuned on it; the held-out list was written afterwards and never tuned on.
TUNE_BRAND_PROSE = (
    'Your order has shipped via DHL Express and should arrive on Monday.',
    'We have updated the Terms of Service; please review them in the Account Settings page.',
    'The Samsung Galaxy S23 screen protector is out of stock until April.',
    'Can you reset my password? The link in the email from Support expired.',
    'I was charged twice for the Premium plan in March, please refund one payment.',
    'The iPhone app crashes when I open the Orders tab after the latest update.',
    'Please cancel subscription ORD-2026-55120 effective immediately.',
    'Delivery to the Amazon Locker failed; the parcel is back at the depot.',
    'Our Warehouse Manager says the pallet will be ready on Friday morning.',
    'The Nike Air Max size 42 was too small, can I exchange it for 43?',
    'Thanks for the quick reply, the Bosch dishwasher works fine now.',
    'Invoice INV-88213 shows VAT at 21% instead of 9%.',
    'The Christmas sale price was not applied at checkout.',
    'Error 504 Gateway Timeout on the Payment page since yesterday.',
    'The Dyson vacuum arrived with a cracked Bin and missing Filter.',
    'Is the Lego Star Wars set compatible with the older Millennium Falcon?',
    'Please add Apple Pay and Google Pay as payment options.',
    'The Bluetooth speaker from JBL keeps disconnecting after ten minutes.',
    'Customer Service promised a callback within 24 hours but nobody called.',
    'Our Black Friday promo code SAVE20 did not work on the Kindle.',
)
HELDOUT_BRAND_PROSE = (
    'The Philips Hue bridge stopped responding after the firmware update on Tuesday.',
    'My PlayStation 5 controller drifts to the left, is it covered by the warranty?',
    'The Ikea Malm drawer came without the screws listed in the manual.',
    'We upgraded to the Business tier in January but the invoice still says Starter.',
    'The Garmin watch shows the wrong time zone after syncing with Strava.',
    'Please switch my plan from Monthly to Annual billing before the next renewal.',
    'The Lenovo ThinkPad charger overheats when the laptop is in Sleep mode.',
    'Why was my PayPal refund split into two transactions in October?',
    'The Canon printer says Paper Jam even though the tray is empty.',
    'Coupon WELCOME15 expired before the Spring Sale started.',
    'The Sony headphones lost noise cancelling after the Version 2.1 update.',
    'Our team lead asked for an export of all tickets tagged Urgent since June.',
    'The Nespresso machine leaks water from the Drip Tray on every brew.',
    'Two-factor login via SMS fails when roaming, the Authenticator app works.',
    'The Xbox Game Pass charge appeared twice on the Visa statement.',
    'Shipping rates in the Checkout page ignore the Free Delivery threshold.',
    'The Fitbit strap broke within a week; the Returns form will not load.',
    'Is the Microsoft Surface keyboard compatible with the Pro 7 model?',
    'The Tesla wall charger error code persists after a reset on Thursday.',
    'Please merge this ticket with the earlier one about the Netflix gift card.',
)
BRAND_PROSE: dict[str, tuple[str, ...]] = {"tune": TUNE_BRAND_PROSE,
                                           "heldout": HELDOUT_BRAND_PROSE}



@dataclass
class LabelledSentence:
    """A sentence with the gold character spans (start, end, type) of its personal values."""

    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    template: int = 0
    locale: str = ""

    @property
    def quotes_nobody(self) -> bool:
        """True when the sentence holds no personal value at all."""
        return not self.spans


# ---------------------------------------------------------------- value makers

class _Gen:
    """Seeded Faker instances for one half's locales plus a seeded `random`."""

    def __init__(self, half: str, seed: int) -> None:
        self.half = half
        self.locales = HALVES[half]
        self.person_ids = person_template_ids(half)
        self.rnd = random.Random(f"{seed}-{half}")
        self.fakers: dict[str, Faker] = {}
        for i, loc in enumerate(self.locales):
            fk = Faker(loc)
            fk.seed_instance(seed * 31 + i + (0 if half == "tune" else 1000))
            for provider in fk.providers:
                # it_IT builds its city list from a set, so its order (and every draw)
                # would follow PYTHONHASHSEED: sort it to keep the data deterministic.
                if isinstance(getattr(provider, "cities", None), list):
                    provider.cities = sorted(provider.cities)
            self.fakers[loc] = fk

    def locale(self) -> str:
        """A random locale of the half."""
        return self.rnd.choice(self.locales)


def _case(value: str, rnd: random.Random, upper: float, lower: float = 0.0) -> str:
    roll = rnd.random()
    if roll < upper:
        return value.upper()
    if roll < upper + lower:
        return value.lower()
    return value


def _birth_date(rnd: random.Random) -> date:
    return REFERENCE_DATE - timedelta(days=rnd.randint(int(18 * 365.25) + 1, int(90 * 365.25)))


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def _date_text(d: date, loc: str, rnd: random.Random, long_form: bool = False) -> str:
    """A date as people in the locale write it, or ISO, or another locale's way."""
    native = {
        "en_US": (f"{d.month}/{d.day}/{d.year}", f"{d.month:02d}/{d.day:02d}/{d.year}"),
        "en_GB": (f"{d.day:02d}/{d.month:02d}/{d.year}", f"{d.day}/{d.month}/{d.year}"),
        "nl_NL": (f"{d.day:02d}-{d.month:02d}-{d.year}", f"{d.day}-{d.month}-{d.year}"),
    }.get(loc)
    if native is None:
        dotted = loc in ("de_DE", "no_NO", "pl_PL")
        native = ((f"{d.day:02d}.{d.month:02d}.{d.year}", f"{d.day}.{d.month}.{d.year}")
                  if dotted else
                  (f"{d.day:02d}/{d.month:02d}/{d.year}", f"{d.day}/{d.month}/{d.year}"))
    roll = rnd.random()
    if long_form and roll < 0.2:
        return rnd.choice((f"{d.day} {_MONTHS[d.month - 1]} {d.year}",
                           f"{_MONTHS[d.month - 1]} {d.day}, {d.year}"))
    if roll < 0.55:
        return rnd.choice(native)
    if roll < 0.8:
        return d.isoformat()
    return rnd.choice((f"{d.day:02d}.{d.month:02d}.{d.year}", f"{d.month}/{d.day}/{d.year}",
                       f"{d.day:02d}/{d.month:02d}/{d.year}",
                       f"{d.year}/{d.month:02d}/{d.day:02d}"))


def _grouped(value: str, sizes: tuple[int, ...], sep: str) -> str:
    out, i = [], 0
    for s in sizes:
        out.append(value[i:i + s])
        i += s
    if i < len(value):
        out.append(value[i:])
    return sep.join(p for p in out if p)


def _card(fk: Faker, rnd: random.Random) -> str:
    """A Luhn-valid card number in one of the common groupings."""
    kind = rnd.choice(("visa16", "visa16", "mastercard", "mastercard", "amex", "discover",
                       "jcb16"))
    number = fk.credit_card_number(kind)
    roll = rnd.random()
    if roll < 0.3:
        return number
    sep = " " if roll < 0.7 else "-"
    sizes = (4, 6, 5) if len(number) == 15 else (4, 4, 4, 4)
    return _grouped(number, sizes, sep)


def _iban(fk: Faker, rnd: random.Random) -> str:
    # en_US has no bank provider of its own (the US has no IBAN): Faker falls back to en_GB's.
    iban = fk.iban()
    return _grouped(iban, (4,) * 9, " ") if rnd.random() < 0.4 else iban


def _ip(fk: Faker, rnd: random.Random) -> str:
    if rnd.random() < 0.2:
        v6 = fk.ipv6()
        return v6 if rnd.random() < 0.5 else v6.replace(":0:", "::", 1)
    return fk.ipv4_public() if rnd.random() < 0.7 else fk.ipv4()


_NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
_NINO_RESERVED = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}


def _nino(rnd: random.Random) -> str:
    while True:
        prefix = rnd.choice(_NINO_FIRST) + rnd.choice(_NINO_SECOND)
        if prefix not in _NINO_RESERVED:
            break
    digits = f"{rnd.randint(0, 999999):06d}"
    suffix = rnd.choice("ABCD")
    if rnd.random() < 0.4:
        return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    return f"{prefix}{digits}{suffix}"


def _pesel(d: date, rnd: random.Random) -> str:
    month = d.month + {1800: 80, 1900: 0, 2000: 20}[d.year // 100 * 100]
    digits = [int(c) for c in f"{d.year % 100:02d}{month:02d}{d.day:02d}"]
    digits += [rnd.randint(0, 9) for _ in range(4)]
    weights = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    digits.append((10 - sum(w * x for w, x in zip(weights, digits, strict=True)) % 10) % 10)
    return "".join(map(str, digits))


def _national_id(fk: Faker, loc: str, rnd: random.Random) -> str:
    """The locale's national id, without any dependence on today's date."""
    born = _birth_date(rnd)
    if loc == "en_GB":
        # Faker's en_GB ssn() always uses the ZZ prefix, never issued: build a valid NINO.
        return _nino(rnd)
    if loc == "de_DE":
        # de_DE has no ssn() of its own (it falls back to the US format): use the
        # Rentenversicherungsnummer.
        return fk.rvnr(birthdate=born)
    if loc == "es_ES":
        # es_ES ssn() falls back to the US format too: use the NIF (DNI number + letter).
        return fk.nif()
    if loc == "no_NO":
        return fk.ssn(dob=born.strftime("%Y%m%d"))
    if loc == "pl_PL":
        # pl_PL ssn() draws the birth date up to "now": PESEL built here from a fixed date.
        return _pesel(born, rnd)
    if loc == "pt_BR":
        return fk.cpf() if rnd.random() < 0.7 else fk.ssn()
    if loc == "fr_FR" and rnd.random() < 0.4:
        n = fk.ssn()
        return f"{n[0]} {n[1:3]} {n[3:5]} {n[5:7]} {n[7:10]} {n[10:13]} {n[13:]}"
    return fk.ssn()  # en_US SSN, fr_FR NIR, nl_NL BSN, it_IT codice fiscale


def _driver_licence(fk: Faker, loc: str, rnd: random.Random) -> str:
    """A driving-licence number in a plausible national shape (no provider in Faker)."""
    up = string.ascii_uppercase

    def digits(n: int) -> str:
        return "".join(rnd.choice(string.digits) for _ in range(n))

    if loc == "en_GB":
        last = (fk.last_name().upper().replace(" ", "").replace("-", "") + "99999")[:5]
        return f"{last}{digits(6)}{rnd.choice(up)}{rnd.choice(up)}{digits(1)}" \
               f"{rnd.choice(up)}{rnd.choice(up)}"
    if loc in ("it_IT", "de_DE"):
        return f"{rnd.choice(up)}{digits(1)}{rnd.choice(up)}{digits(6)}{rnd.choice(up)}"
    if loc == "pl_PL":
        return f"{digits(5)}/{digits(2)}/{digits(4)}"
    if loc in ("pt_BR", "no_NO", "nl_NL"):
        return digits(11 if loc == "pt_BR" else 10)
    return rnd.choice((f"{rnd.choice(up)}{digits(7)}", f"{rnd.choice(up)}{digits(12)}",
                       f"{rnd.choice(up)}{rnd.choice(up)}{digits(6)}", digits(9)))


def _intl_phone(loc: str, rnd: random.Random) -> str:
    """A number libphonenumber accepts as valid for the locale's region, international form."""
    region = REGION[loc]
    kind = (phonenumbers.PhoneNumberType.MOBILE if rnd.random() < 0.6
            else phonenumbers.PhoneNumberType.FIXED_LINE)
    example = phonenumbers.example_number_for_type(region, kind)
    national = phonenumbers.national_significant_number(example)
    number = example
    for _ in range(100):
        keep = max(2, len(national) - 6)
        candidate = national[:keep] + "".join(rnd.choice(string.digits)
                                              for _ in range(len(national) - keep))
        parsed = phonenumbers.parse(f"+{example.country_code}{candidate}")
        if phonenumbers.is_valid_number(parsed):
            number = parsed
            break
    fmt = (phonenumbers.PhoneNumberFormat.E164 if rnd.random() < 0.25
           else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, fmt)


def _phone(fk: Faker, loc: str, rnd: random.Random, intl_share: float = 0.25) -> str:
    return _intl_phone(loc, rnd) if rnd.random() < intl_share else fk.phone_number()


def _person(fk: Faker) -> str:
    """A first and a last name (no title, so the gold span is the name itself)."""
    return f"{fk.first_name()} {fk.last_name()}"


# Non-personal look-alikes
_CATEGORIES = ("Electronics", "Garden", "Kitchen", "Toys", "Books", "Sports", "Beauty", "Office")
_STATUSES = ("open", "pending", "shipped", "delivered", "returned", "cancelled")
_BRANDS = ("Harper", "Milo", "Nova", "Aurora", "Atlas", "Luna", "Oslo", "Bergen", "Florence",
           "Sienna", "Jasper", "Ivy", "Otto", "Vega", "Linnea", "Greta")
_PRODUCTS = ("Desk Lamp", "Kettle", "Backpack", "Office Chair", "Water Bottle", "Yoga Mat",
             "Toaster", "Rain Jacket", "Coffee Grinder", "Bike Light", "Pillow", "Frying Pan",
             "Bookshelf", "Throw Blanket", "Wall Clock", "Sofa")
_COLOURS = ("Black", "White", "Oak", "Sage", "Navy", "Grey", "Terracotta")
_FAQ_Q = ("HOW DO I RESET MY PASSWORD?", "WHERE IS MY ORDER?", "CAN I CHANGE MY DELIVERY SLOT?",
          "WHAT PAYMENT METHODS DO YOU ACCEPT?", "HOW LONG DO REFUNDS TAKE?",
          "DO YOU SHIP ABROAD?", "HOW DO I RETURN AN ITEM?", "CAN I CANCEL MY SUBSCRIPTION?",
          "WHY WAS MY CARD DECLINED?", "HOW DO I UPDATE MY ADDRESS?")
_FAQ_A = ("OPEN SETTINGS AND CHOOSE RESET PASSWORD.",
          "USE THE TRACKING LINK IN YOUR CONFIRMATION EMAIL.",
          "YES, UNTIL THE ORDER IS PACKED.", "WE ACCEPT ALL MAJOR CARDS AND BANK TRANSFER.",
          "REFUNDS ARE PROCESSED WITHIN FIVE WORKING DAYS.",
          "WE DELIVER TO MOST EUROPEAN COUNTRIES.",
          "PRINT THE RETURN LABEL FROM YOUR ACCOUNT PAGE.",
          "CONTACT YOUR BANK OR TRY ANOTHER PAYMENT METHOD.",
          "GO TO MY ACCOUNT AND EDIT THE SAVED ADDRESSES.",
          "SEE THE HELP CENTRE FOR DETAILS.")
_REVIEW_A = ("the kettle", "this lamp", "the backpack", "my new chair", "the yoga mat",
             "the grinder", "this jacket", "the pillow", "the frying pan", "the wall clock")
_REVIEW_B = ("works exactly as described", "feels cheaply made", "is quieter than expected",
             "broke within a week", "was easy to assemble", "is good value for money",
             "looks nicer than in the photos", "arrived with a scratch")
_REVIEW_C = ("would buy again.", "delivery was quick.", "packaging could be better.",
             "not worth the price.", "five stars from me.", "i returned it after a month.",
             "customer service was helpful.", "the colour is slightly different.")


def _sku(rnd: random.Random) -> str:
    up = string.ascii_uppercase
    return rnd.choice((f"{rnd.choice(up)}{rnd.choice(up)}-{rnd.randint(0, 9999):04d}-"
                       f"{rnd.choice(('BL', 'WH', 'XL', 'S', 'M'))}",
                       f"SKU{rnd.randint(100000, 999999)}",
                       f"{rnd.randint(100, 999)}.{rnd.randint(100, 999)}.{rnd.randint(10, 99)}"))


def _tracking(loc: str, rnd: random.Random) -> str:
    alnum = string.ascii_uppercase + string.digits
    roll = rnd.random()
    if roll < 0.35:
        return "1Z" + "".join(rnd.choice(alnum) for _ in range(6)) + \
            "".join(rnd.choice(string.digits) for _ in range(10))
    if roll < 0.7:
        return f"RR{rnd.randint(0, 999999999):09d}{REGION[loc]}"
    return f"{rnd.randint(10**11, 10**12 - 1)}"


# ---------------------------------------------------------------- sentences

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


def _slot_value(slot: str, fk: Faker, loc: str, rnd: random.Random) -> str:
    if slot == "PERSON":
        return _person(fk)
    if slot == "FIRST":
        return fk.first_name()
    if slot == "LAST":
        return fk.last_name()
    if slot == "ADDRESS":
        return fk.street_address().replace("\n", ", ")
    if slot == "CITY":
        return fk.city()
    if slot == "POSTCODE":
        return fk.postcode()
    if slot == "PHONE":
        return fk.phone_number()
    if slot == "PHONE_INTL":
        return _intl_phone(loc, rnd)
    if slot == "CARD":
        return _card(fk, rnd)
    if slot == "IBAN":
        return _iban(fk, rnd)
    if slot == "EMAIL":
        return fk.email()
    if slot == "IP":
        return _ip(fk, rnd)
    if slot == "NID":
        return _national_id(fk, loc, rnd)
    if slot == "DL":
        return _driver_licence(fk, loc, rnd)
    if slot == "DOB":
        return _date_text(_birth_date(rnd), loc, rnd, long_form=True)
    raise KeyError(slot)


def _fill(template: str, index: int, gen: _Gen) -> LabelledSentence:
    loc = gen.locale()
    fk = gen.fakers[loc]
    text, spans = "", []
    for literal, slot in _template_parts(template):
        text += literal
        if slot:
            value = _slot_value(slot, fk, loc, gen.rnd).strip()
            spans.append((len(text), len(text) + len(value), SLOT_TYPE[slot]))
            text += value
    return LabelledSentence(text, spans, index, loc)


def person_template_ids(half: str) -> list[int]:
    """Indices of the half's templates that quote a person."""
    return [i for i, t in enumerate(TEMPLATES[half])
            if any(s in t for s in ("{PERSON}", "{FIRST}", "{LAST}"))]


def labelled_sentences(half: str, n: int = DEFAULT_SENTENCES,
                       seed: int = SEED) -> list[LabelledSentence]:
    """`n` ticket sentences of a half with gold spans (templates cycled in a seeded order)."""
    gen = _Gen(half, seed + 7)
    templates = TEMPLATES[half]
    order = list(range(len(templates)))
    out = []
    for i in range(n):
        if i % len(order) == 0:
            gen.rnd.shuffle(order)
        t = order[i % len(order)]
        out.append(_fill(templates[t], t, gen))
    out += [LabelledSentence(text, [], -1) for text in BRAND_PROSE[half]]
    return out


# ---------------------------------------------------------------- the column table

def _row(gen: _Gen) -> dict[str, object]:
    loc = gen.locale()
    fk, rnd = gen.fakers[loc], gen.rnd
    person_ids, templates = gen.person_ids, TEMPLATES[gen.half]
    return {
        "given_name": _case(fk.first_name(), rnd, 0.0, 0.05),
        "product_name": f"{rnd.choice(_BRANDS)} {rnd.choice(_PRODUCTS)}"
                        + (f", {rnd.choice(_COLOURS)}" if rnd.random() < 0.4 else ""),
        "surname": _case(fk.last_name(), rnd, 0.10),
        "faq_text": f"{rnd.choice(_FAQ_Q)} {rnd.choice(_FAQ_A)}",
        "full_name": _case(fk.name(), rnd, 0.10, 0.10),
        "company_name": fk.company(),
        "street_address": _case(fk.street_address().replace("\n", ", "), rnd, 0.10, 0.05),
        "job_title": fk.job(),
        "city": _case(fk.city(), rnd, 0.20, 0.05),
        "category": rnd.choice(_CATEGORIES),
        "postcode": fk.postcode(),
        "status": rnd.choice(_STATUSES),
        "birthday": _date_text(_birth_date(rnd), loc, rnd),
        "sku": _sku(rnd),
        "email": fk.email(),
        "order_date": _date_text(REFERENCE_DATE - timedelta(days=rnd.randint(0, 730)), loc, rnd),
        "phone": _phone(fk, loc, rnd),
        "amount": round(rnd.uniform(1.99, 2500), 2),
        "card_number": _card(fk, rnd),
        "rating": round(rnd.choice((1, 2, 3, 3.5, 4, 4.5, 5)), 1),
        "national_id": _national_id(fk, loc, rnd),
        "quantity": rnd.randint(1, 20),
        "iban": _iban(fk, rnd),
        "review_text": f"{rnd.choice(_REVIEW_A)} {rnd.choice(_REVIEW_B)}, "
                       f"{rnd.choice(_REVIEW_C)}",
        "ip_address": _ip(fk, rnd),
        "tracking_number": _tracking(loc, rnd),
        "ticket_text": _fill(templates[rnd.choice(person_ids)], 0, gen).text,
        "billing_name": _person(fk).upper(),
    }


def make_table(half: str, rows: int = DEFAULT_ROWS, seed: int = SEED) -> pd.DataFrame:
    """A `rows`-row table of COLUMNS (keys as headers), each row from one locale of the half."""
    gen = _Gen(half, seed)
    df = pd.DataFrame([_row(gen) for _ in range(rows)])
    return df[[c.key for c in COLUMNS]]


def make_big_table(half: str, rows: int, pool_rows: int = 5_000, seed: int = SEED) -> pd.DataFrame:
    """A large table: each column drawn independently from a `pool_rows`-row make_table."""
    pool = make_table(half, pool_rows, seed)
    rng = np.random.default_rng(seed + rows)
    return pd.DataFrame({c: pool[c].to_numpy()[rng.integers(0, pool_rows, size=rows)]
                         for c in pool.columns})


def headers(style: str) -> list[str]:
    """The headers of COLUMNS in a named style, or col_01.. when anonymised."""
    if style == ANONYMISED:
        return [f"col_{i:02d}" for i in range(1, len(COLUMNS) + 1)]
    return [c.header(style) for c in COLUMNS]


def header_map(style: str) -> dict[str, str]:
    """Header in `style` -> column key."""
    return dict(zip(headers(style), (c.key for c in COLUMNS), strict=True))


def write_table(df: pd.DataFrame, path: Path, style: str = "snake") -> Path:
    """Write a make_table frame as CSV with DuckDB, headers in `style`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = df.copy()
    out.columns = headers(style)
    conn = duckdb.connect()
    try:
        conn.register("t", out)
        conn.execute(f"COPY t TO '{path}' (HEADER, DELIMITER ',')")
    finally:
        conn.close()
    return path


def rename_headers(src: Path, dst: Path, style: str) -> Path:
    """Copy a CSV written in any style with the header line replaced by `style`'s."""
    with src.open("rb") as fin, dst.open("wb") as fout:
        fin.readline()
        fout.write((",".join(f'"{h}"' if "," in h else h for h in headers(style))
                    + "\n").encode())
        shutil.copyfileobj(fin, fout, length=16 << 20)
    return dst
