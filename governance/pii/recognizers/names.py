"""People's names in free text: lexicons for first-only and last-only names, titles, cues.

spaCy's small English model finds most full names but misses lone first names ("ask
Ingrid") and surnames ("Mr Kowalski called"), and names from outside its training data.
This recognizer adds three kinds of evidence:

* a title before capitalised words (Mr, Mrs, Dr, Herr, Mme, Pan, ...) makes them a name;
* a capitalised word that the names-dataset lexicon ranks as a common first name or
  surname somewhere, and that is not a common English word (wordfreq), is a name; a
  word after a cue ("my name is", "ask", "regards,") may be rarer or more common;
* a name span takes in the capitalised words and particles (van, de, von) around it.

Text written all in capitals gives case no meaning, so there only titles and
first-name + surname pairs count.
"""

from __future__ import annotations

import re

from dateutil.parser import parserinfo

from governance.pii.lexicon import common_zipf, get_lexicon, zipf_ceiling
from governance.pii.recognizers.base import SpanRecognizer

_TOKEN = re.compile(r"[^\W\d_][\w'\u2019]*(?:-[^\W\d_][\w'\u2019]*)*")
_TITLE = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Madam|Mister|Herr|Frau|Fr|Hr|Mme|Mlle|Sr|Sra|"
    r"Srta|Sig|Sig\.ra|Signor|Signora|Dott|Pan|Pani|Fru|Dhr|Mevr|Monsieur|Madame|Señor|Señora|"
    r"Senhor|Senhora|Dona|Don)\.?|\bM\.)\s+$")
_CUE = re.compile(
    r"(?i)(?:\b(?:my name is|name is|name'?s|named|called|ask|asked|contact|contacted|dear|"
    r"hi|hello|hey|thanks|thank you|regards|cheers|best|sincerely|signed|cc|attn|"
    r"spoke (?:to|with)|talk to|talked to|speak to|agent|colleague|manager|customer|client|"
    r"tell|told|forward(?:ed)? (?:it )?to|assigned to|on behalf of|by)"
    r"[,:]?\s+)$")
# Particles a title reaches across ("Mr van der Heiden"), and all that a name may carry.
_TITLE_PARTICLES = ("van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das",
                    "du", "le", "la", "ter", "ten", "zu")
_PARTICLES = frozenset({*_TITLE_PARTICLES, "bin", "ibn", "al", "el", "y", "st"})
_TRAILING_PARTICLES = re.compile(rf"(?:\b(?:{'|'.join(_TITLE_PARTICLES)})\s+)+$")
# In running text a capitalised word needs a rarer English homograph to count as a name
# than a value in a column of names does (governance/pii/values.py).
_TEXT_BANDS = ((30, 5.6), (100, 4.6), (1000, 3.9), (float("inf"), 3.3))
# Months and weekdays are names somewhere ("April", "June") but in tickets they are dates.
CALENDAR_WORDS = frozenset(w.lower() for pair in (*parserinfo().MONTHS, *parserinfo().WEEKDAYS)
                           for w in pair if len(w) > 3)
# "the Bosch dishwasher", "a Dyson", "my Kindle": after a determiner a capitalised word
# names a product or a brand, not a person.
DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those", "my", "your",
                         "our", "their", "his", "her", "its", "any", "every", "each", "some"})
# "the older Millennium Falcon": an article, one adjective, then the product.
_ARTICLES = frozenset({"the", "a", "an", "my", "your", "our", "their"})
_NOT_ADJECTIVES = frozenset({"is", "was", "are", "were", "be", "called", "named", "from",
                             "to", "with", "and", "for", "by", "of", "customer", "client",
                             "agent", "colleague", "manager", "user", "caller", "holder"})
# A first name followed by a surname is a person even when both are common words.
_PAIR_FIRST_RANK = 2_000
_PAIR_SURNAME_RANK = 5_000
_PAIR_ZIPF = 5.2
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n\"(]\s*)$")


def name_score(word: str) -> tuple[bool, bool, float]:
    """(looks like a first name, looks like a surname, English Zipf frequency) of a word."""
    lex = get_lexicon()
    z = common_zipf(word.lower())
    if "-" in word:  # "Horst-Dieter", "Koret-Verwoert": every part must be known
        parts = word.split("-")
        return (all(lex.first_rank(p) for p in parts), all(lex.surname_rank(p) for p in parts),
                z)
    first, sur = lex.first_rank(word), lex.surname_rank(word)
    return z < zipf_ceiling(first, _TEXT_BANDS), z < zipf_ceiling(sur, _TEXT_BANDS), z


def _known(word: str) -> bool:
    """In either name lexicon, at any rank."""
    lex = get_lexicon()
    return bool(lex.first_rank(word) or lex.surname_rank(word))


def _capitalised(word: str, caps_text: bool) -> bool:
    if caps_text:
        return word.isupper() and len(word) > 1
    return word[:1].isupper() and (word[1:].islower() or (word.isupper() and len(word) > 1)
                                   or "-" in word or "'" in word or "\u2019" in word)


def is_caps_text(text: str) -> bool:
    """True when nearly all letters are capitals (shouting, legacy systems)."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


def after_determiner(text: str, start: int) -> bool:
    """True when a capitalised run ending at `start`'s word follows a determiner."""
    words = re.findall(r"[\w'\u2019-]+", text[max(0, start - 60):start])
    while words and words[-1][:1].isupper() and words[-1].lower() not in DETERMINERS:
        words.pop()  # walk back over the rest of the capitalised run ("Millennium Falcon")
    return bool(words) and (words[-1].lower() in DETERMINERS or (
        len(words) > 1 and words[-2].lower() in _ARTICLES and words[-1].islower()
        and words[-1] not in _NOT_ADJECTIVES))


def acronym(word: str, caps_text: bool) -> bool:
    """An all-capitals word in mixed-case text ("VAT", "JBL") is an acronym, not a name."""
    return not caps_text and word.isupper() and len(word) > 1


def _name_pair(tokens: list[tuple[int, int, str]], i: int, text: str) -> bool:
    """A known first name then a known surname ("William Scott"), however common the words."""
    if i + 1 >= len(tokens) or text[tokens[i][1]:tokens[i + 1][0]] != " ":
        return False
    first, last = tokens[i][2], tokens[i + 1][2]
    if not _capitalised(last, False) or last.lower() in CALENDAR_WORDS or acronym(last, False):
        return False
    lex = get_lexicon()
    rank_first, rank_last = lex.first_rank(first), lex.surname_rank(last)
    return bool(rank_first and rank_first <= _PAIR_FIRST_RANK and rank_last
                and rank_last <= _PAIR_SURNAME_RANK and common_zipf(first.lower()) < _PAIR_ZIPF
                and common_zipf(last.lower()) < _PAIR_ZIPF)


def person_spans(text: str) -> list[tuple[int, int, float]]:
    """Character spans of people's names with a confidence score."""
    caps = is_caps_text(text)
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    marked: dict[int, float] = {}
    for i, (start, _end, word) in enumerate(tokens):
        if not _capitalised(word, caps) or len(word) < 2:
            continue
        # "Mr van der Heiden": the title counts across particles.
        before = _TRAILING_PARTICLES.sub("", text[max(0, start - 40):start])
        if _TITLE.search(before):
            marked[i] = 0.85
            continue
        if acronym(word, caps):
            continue
        if word.lower() in CALENDAR_WORDS:
            if not caps and _name_pair(tokens, i, text):  # "April Morgan"
                marked[i] = marked[i + 1] = 0.6
            continue
        cued = not caps and bool(_CUE.search(before))
        if not cued and not caps and after_determiner(text, start):
            continue
        first, sur, z = name_score(word)
        if caps:
            nxt = tokens[i + 1][2] if i + 1 < len(tokens) else ""
            if first and z < 3.0 and nxt and _capitalised(nxt, caps):
                _, ns, nz = name_score(nxt)
                if ns and nz < 3.0:
                    marked[i] = marked[i + 1] = 0.6
            continue
        if cued and (first or sur or z < 2.5 or (z < 5.0 and _known(word))):
            marked[i] = 0.7
        elif _name_pair(tokens, i, text):
            marked[i] = marked[i + 1] = 0.6
        elif first or sur:
            if _SENTENCE_START.search(before) and z >= 2.0:
                # A capitalised first word may be any word; keep it only beside another name.
                nxt = tokens[i + 1] if i + 1 < len(tokens) else None
                if not (nxt and text[tokens[i][1]:nxt[0]] == " " and _capitalised(nxt[2], caps)
                        and any(name_score(nxt[2])[:2])):
                    continue
            marked[i] = 0.6
    return _grow(text, tokens, marked, caps)


def _grow(text: str, tokens: list[tuple[int, int, str]], marked: dict[int, float],
          caps: bool) -> list[tuple[int, int, float]]:
    """Extend each name over adjacent capitalised words and particles; merge neighbours."""
    lex = get_lexicon()
    spans: list[tuple[int, int, float]] = []
    for i in sorted(marked):
        lo = hi = i
        while hi + 1 < len(tokens) and text[tokens[hi][1]:tokens[hi + 1][0]] in (" ", "-"):
            word = tokens[hi + 1][2]
            if word.lower() in _PARTICLES and hi + 2 < len(tokens) and _capitalised(
                    tokens[hi + 2][2], caps):
                hi += 1
                continue
            if _capitalised(word, caps) and (hi + 1 in marked or (
                    common_zipf(word.lower()) < (4.0 if _known(word) else 3.0))):
                hi += 1
                continue
            break
        while lo > 0 and text[tokens[lo - 1][1]:tokens[lo][0]] in (" ", "-") and (
                lo - 1 in marked or (_capitalised(tokens[lo - 1][2], caps)
                                     and lex.first_rank(tokens[lo - 1][2])
                                     and common_zipf(tokens[lo - 1][2].lower()) < 3.3)):
            lo -= 1
        while lo > 0 and tokens[lo - 1][2] in _PARTICLES and text[
                tokens[lo - 1][1]:tokens[lo][0]] == " ":
            lo -= 1  # "van der Heiden" keeps its particles, so nothing of it is left behind
        start, end = tokens[lo][0], tokens[hi][1]
        if spans and start <= spans[-1][1] + 1:
            prev = spans.pop()
            start, end = prev[0], max(prev[1], end)
        spans.append((start, end, marked[i]))
    return spans


class LexiconPersonRecognizer(SpanRecognizer):
    """First names, surnames and titled names that NER alone misses."""

    ENTITY = "PERSON"

    def spans(self, text: str) -> list[tuple[int, int, float]]:
        """Name spans from titles, cues and the name lexicons."""
        return person_spans(text)
