"""What a column's name suggests about its content (a prior, never the verdict on its own)."""

from __future__ import annotations

import re

# Ordered: the first matching hint wins. Names are normalised first: lower case, and any
# run of spaces, dashes, dots or camelCase humps becomes one underscore ("First Name",
# "firstName" and "first-name" all read "first_name").
_HINTS: tuple[tuple[str, str], ...] = (
    (r"e_?mail|courriel|correo", "EMAIL_ADDRESS"),
    (r"phone|mobile|cell|fax|(^|_)tel(ephone|efon|efone|efono)?($|_)|msisdn|handy|portable|"
     r"celular|telefon", "PHONE_NUMBER"),
    (r"birth|(^|_)dob($|_)|born|geburt|naissance|nacimiento|nascita|f[oø]dsel|urodzen|"
     r"nascimento", "DATE_TIME"),
    (r"card_?(num|no|number)?$|(^|_)pan($|_)|cc_?num|credit_?card", "CREDIT_CARD"),
    (r"iban|bank_?account|account_?(number|no)|(^|_)acct", "IBAN_CODE"),
    (r"(^|_)ip(_?addr(ess)?|v4|v6)?($|_)|ip_address", "IP_ADDRESS"),
    (r"ssn|social_?sec|nino|national_?(id|insurance|number)|passport|driv(er|ing)_?licen|"
     r"(^|_)dl_?(num|no|number)?$|tax_?(id|number|code)|(^|_)tin($|_)|pesel|personnummer|"
     r"f[oø]dselsnummer|codice_?fiscale|(^|_)(nif|nie|dni|bsn|cpf|nir|hetu)($|_)|"
     r"personal_?id|id_?card|identity", "NATIONAL_ID"),
    (r"nhs", "UK_NHS"),
    (r"address|street|(^|_)addr(ess)?_?(line)?_?\d?($|_)|house_?(num|no|number)|strasse|"
     r"stra[sß]e|(^|_)rue($|_)|calle|(^|_)via($|_)|(^|_)rua($|_)|ulica|adres|"
     r"(^|_)(city|town|municipality|village|ort|stadt|ville|ciudad|citt[aà]|cidade|"
     r"miasto|kommune|poststed|locality|suburb)($|_)|post_?code|postal|(^|_)zip|plz|"
     r"(^|_)cep($|_)|(^|_)(county|state|region|province|provincia|bundesland|"
     r"country_of_residence|residence)($|_)", "LOCATION"),
    (r"(^|_)(first|last|full|given|family|sur|middle|fore|maiden|customer|applicant|contact|"
     r"patient|employee|person|user|display|nick)?_?name$|(^|_)f_?name$|(^|_)l_?name$|"
     r"surname|forename|(^|_)(vorname|nachname|prenom|nom|nombre|apellidos?|nome|cognome|"
     r"sobrenome|imie|nazwisko|fornavn|etternavn|achternaam|voornaam)($|_)", "PERSON"),
)
# Names that end in "name" but hold no person.
_NOT_PERSON = re.compile(r"(company|product|file|host|table|column|brand|org|"
                         r"organi[sz]ation|merchant|vendor|user_?name_?id|item|store|shop|"
                         r"domain|bucket|database|schema|app|device|model|category|"
                         r"street|city|country|event|project|team|plan|campaign)_?name$")


def normalise(column: str) -> str:
    """A column name in snake_case: 'First Name', 'firstName' and 'FIRST-NAME' agree."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", column.strip())
    return re.sub(r"[\s.\-/]+|_+", "_", spaced).strip("_").lower()


def name_hint(column: str) -> str | None:
    """The entity a column name suggests, if any."""
    name = normalise(column)
    for pattern, entity in _HINTS:
        if re.search(pattern, name):
            if entity == "PERSON" and _NOT_PERSON.search(name):
                return None
            return entity
    return None
