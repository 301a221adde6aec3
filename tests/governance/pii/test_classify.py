"""Column classification: entity types right, known false positives avoided."""

from __future__ import annotations

from datetime import date

import pytest

from governance.pii.classify import classify_column
from governance.pii.hints import name_hint
from governance.pii.sampling import guarantee_text, sample_size

TODAY = date(2026, 11, 25)
N = 120


def _cycle(values: list[str], n: int = N) -> list[str]:
    return [values[i % len(values)] for i in range(n)]


NAMES = ["Sarah Miller", "James O'Neil", "Priya Raman", "Tomasz Nowak", "Grace Liu",
         "David Okafor", "Emma Schmidt", "Lucas Moreau", "Hannah Brown", "Oliver Smith"] * 3
NAMES = [f"{n.split()[0]} {n.split()[1]}{'' if i < 10 else 'son' * (i // 10)}"
         for i, n in enumerate(NAMES)]
PERSONAL = {
    "customer_name": (NAMES, "PERSON"),
    "email": ([f"user{i}@example.com" for i in range(N)], "EMAIL_ADDRESS"),
    "phone": (["+44 20 7946 0958", "(630) 966-4260", "+1-415-555-0199", "07700 900123",
               "020 7946 0321", "+49 30 901820"], "PHONE_NUMBER"),
    "card": (["4111 1111 1111 1111", "5500 0000 0000 0004", "3400 000000 00009",
              "4242424242424242"], "CREDIT_CARD"),
    "iban": (["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000",
              "FR1420041010050500013M02606"], "IBAN_CODE"),
    "ip": ([f"192.168.{i}.{i + 7}" for i in range(40)], "IP_ADDRESS"),
    "birthday": ([f"{1950 + i % 50}-{1 + i % 12:02d}-{1 + i % 27:02d}" for i in range(N)],
                 "DATE_TIME"),
    "nino": (["AB123456C", "CE654321A", "JG103759A", "PR987654D"], "UK_NINO"),
}
NOT_PERSONAL = {
    "order_date": [f"2026-{1 + i % 11:02d}-{1 + i % 27:02d}" for i in range(N)],
    "amount": [f"{(i * 37) % 500 + 0.99:.2f}" for i in range(N)],
    "sku": [f"SKU-{chr(65 + i % 26)}{chr(66 + i % 20)}-{1000 + i}" for i in range(N)],
    "order_id": [f"ORD-{100000 + i * 7}" for i in range(N)],
    "ticket_ref": [f"{4000000000 + i * 7919}" for i in range(N)],  # ten digits, not phones
    "category": ["billing", "shipping", "technical", "account", "other"],
    "company": ["Acme Corp", "Johnson & Johnson", "Globex Ltd", "Initech", "Umbrella plc",
                "Stark Industries", "Wayne Enterprises", "Hooli"] * 10,
    "job_title": ["Software Engineer", "Account Manager", "Nurse", "Data Analyst",
                  "Sales Director", "Teacher"] * 10,
    "review": ["The garden hose feels cheaply made. Would buy again.",
               "Great blender, very quiet and easy to clean.",
               "Arrived late and the box was damaged, but it works fine.",
               "Battery life is shorter than advertised."],
}


@pytest.mark.parametrize("anonymised", [False, True])
@pytest.mark.parametrize("column", sorted(PERSONAL))
def test_personal_columns_get_the_right_entity(column, anonymised):
    values, entity = PERSONAL[column]
    name = "col_07" if anonymised else column
    finding = classify_column(name, _cycle(values), TODAY)
    assert finding.pii, finding
    assert finding.main_entity == entity


@pytest.mark.parametrize("anonymised", [False, True])
@pytest.mark.parametrize("column", sorted(NOT_PERSONAL))
def test_known_false_positives_are_avoided(column, anonymised):
    name = "col_12" if anonymised else column
    finding = classify_column(name, _cycle(NOT_PERSONAL[column]), TODAY)
    assert not finding.pii, finding


def test_free_text_is_personal_only_when_it_mentions_people():
    with_people = _cycle(["Hi, my name is Sarah Miller and my order is late.",
                          "Please call me back on (630) 966-4260, thanks.",
                          "I spoke with your agent James Carter yesterday.",
                          "The app crashes when I open settings."])
    finding = classify_column("body", with_people, TODAY)
    assert finding.pii and finding.kind == "free_text"
    assert {e.type for e in finding.entities} >= {"PERSON", "PHONE_NUMBER"}
    assert [e.prevalence for e in finding.entities] == sorted(
        (e.prevalence for e in finding.entities), reverse=True)


def test_phone_numbers_are_not_reported_as_nhs_numbers():
    finding = classify_column("contact", _cycle(["943 476 5919", "020 7946 0958"]), TODAY)
    assert finding.main_entity == "PHONE_NUMBER"
    assert "UK_NHS" not in {e.type for e in finding.entities}


def test_numbers_typed_as_numbers_are_not_personal():
    assert not classify_column("amount", [float(i) * 1.5 for i in range(N)], TODAY).pii
    assert not classify_column("flag", [True, False] * 50, TODAY).pii


@pytest.mark.parametrize(("column", "entity"), [
    ("customer_email", "EMAIL_ADDRESS"), ("mobile_phone", "PHONE_NUMBER"),
    ("date_of_birth", "DATE_TIME"), ("applicant_name", "PERSON"), ("company_name", None),
    ("product_name", None), ("order_date", None), ("ip_address", "IP_ADDRESS"),
])
def test_name_hints(column, entity):
    assert name_hint(column) == entity


def test_sample_size_gives_the_stated_guarantee():
    n = sample_size(0.999, 0.01)
    assert n == 688
    assert 0.99 ** n <= 0.001 < 0.99 ** (n - 1)
    assert "99.9% confidence" in guarantee_text(0.999, 0.01, n, 10_000)
    assert guarantee_text(0.999, 0.01, 500, 500).startswith("every row scanned")
