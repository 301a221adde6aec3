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

from governance.pii.lexicon import common_zipf, get_lexicon
from governance.pii.recognizers.base import SpanRecognizer

_TOKEN = re.compile(r"[^\W\d_][\w'\u2019]*(?:-[^\W\d_][\w'\u2019]*)*")
_TITLE = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Madam|Mister|Herr|Frau|Fr|Hr|Mme|Mlle|Sr|Sra|"
    r"Srta|Sig|Sig\.ra|Signor|Signora|Dott|Pan|Pani|Fru|Dhr|Mevr|Monsieur|Madame|Señor|Señora|"
    r"Senhor|Senhora|Dona|Don)\.?|\bM\.)\s+$")
_CUE = re.compile(
    r"(?i)(?:\b(?:my name is|name is|name'?s|named|called|ask|asked|contact|contacted|dear|"
    r"hi|hello|hey|thanks|thank you|regards|cheers|best|sincerely|signed|from|cc|attn|"
    r"spoke (?:to|with)|talk to|talked to|speak to|agent|colleague|manager|customer|client|"
    r"tell|told|forward(?:ed)? (?:it )?to|assigned to|on behalf of|per|by|with|and)"
    r"[,:]?\s+)$")
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du",
              "le", "la", "ter", "ten", "bin", "ibn", "al", "el", "y", "zu", "st"}
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n\"(]\s*)$")


def _max_zipf(rank: int | None) -> float:
    """How common an English word a name may be, by how common the name is."""
    if rank is None:
        return -1.0
    if rank <= 30:
        return 5.6
    if rank <= 100:
        return 4.8
    if rank <= 1000:
        return 3.9
    return 3.3


def name_score(word: str) -> tuple[bool, bool, float]:
    """(looks like a first name, looks like a surname, English Zipf frequency) of a word."""
    lex = get_lexicon()
    z = common_zipf(word.lower())
    first, sur = lex.first_rank(word), lex.surname_rank(word)
    return z < _max_zipf(first), z < _max_zipf(sur), z


def _capitalised(word: str, caps_text: bool) -> bool:
    if caps_text:
        return word.isupper() and len(word) > 1
    return word[:1].isupper() and (word[1:].islower() or (word.isupper() and len(word) > 1)
                                   or "-" in word or "'" in word or "\u2019" in word)


def is_caps_text(text: str) -> bool:
    """True when nearly all letters are capitals (shouting, legacy systems)."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


def person_spans(text: str) -> list[tuple[int, int, float]]:
    """Character spans of people's names with a confidence score."""
    caps = is_caps_text(text)
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    marked: dict[int, float] = {}
    for i, (start, _end, word) in enumerate(tokens):
        if not _capitalised(word, caps) or len(word) < 2:
            continue
        before = text[max(0, start - 30):start]
        first, sur, z = name_score(word)
        if _TITLE.search(before):
            marked[i] = 0.85
            continue
        if caps:
            nxt = tokens[i + 1][2] if i + 1 < len(tokens) else ""
            if first and z < 3.0 and nxt and _capitalised(nxt, caps):
                _, ns, nz = name_score(nxt)
                if ns and nz < 3.0:
                    marked[i] = marked[i + 1] = 0.6
            continue
        cued = bool(_CUE.search(before))
        if cued and (first or sur or z < 2.5 or (
                z < 4.6 and (get_lexicon().first_rank(word) or get_lexicon().surname_rank(word)))):
            marked[i] = 0.7
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
            known = lex.first_rank(word) or lex.surname_rank(word)
            if _capitalised(word, caps) and (hi + 1 in marked or (
                    common_zipf(word.lower()) < (4.0 if known else 3.0))):
                hi += 1
                continue
            break
        while lo > 0 and text[tokens[lo - 1][1]:tokens[lo][0]] in (" ", "-") and (
                lo - 1 in marked or (_capitalised(tokens[lo - 1][2], caps)
                                     and lex.first_rank(tokens[lo - 1][2])
                                     and common_zipf(tokens[lo - 1][2].lower()) < 3.3)):
            lo -= 1
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
