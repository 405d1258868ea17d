"""German (and some English) text analysis shared by every search backend.

Pure Python, no Django models, no database: the SQLite FTS5, PostgreSQL and
OpenSearch backends call ``GermanAnalyzer.index_terms`` when they index a page
and ``GermanAnalyzer.analyze_query`` when a user searches, so document terms
and query terms come out of the same code.

Pipeline for one word
---------------------
1. ``tokenize``: words are runs of letters/digits. Apostrophes inside a word
   are dropped ("Peter's" -> "peters"); gender forms are joined
   ("Bürger*innen", "Bürger:innen" -> "buergerinnen"). A hyphenated word
   ("Coworking-Space") yields its parts *and* the joined form:
   ``["coworking", "space", "coworkingspace"]``, so "Coworkingspace",
   "Coworking-Space" and "Coworking Space" all meet. Numbers are kept
   ("2024"); decimal or thousands separators split them ("3,5" -> "3", "5").
2. ``fold``: lowercase, ä/ö/ü -> ae/oe/ue, ß -> ss, other accents stripped.
3. Stopwords (``search.stopwords``) and one-letter words are dropped.
4. Stemming: Snowball German (PyStemmer, the C build of the algorithm that
   ``snowballstemmer`` also wraps). Since Snowball 3 the German stemmer maps
   ae/oe/ue to umlauts and then umlauts to plain vowels, so "Bürgerräte",
   "Buergerraete" and "Bürgerrat" all give ``burgerrat``.
5. Decompounding (words of at least 6 letters, see ``MIN_PART_LENGTH``):
   the folded word is split into lexicon words joined by optional linking
   elements (``LINKING_ELEMENTS``: s, es, n, en, e, er, ens). The split with
   the fewest parts wins (ties: longer parts), and each part is split again
   until nothing splits. Emitted: the stem of the whole word, the stems of
   sub-compounds that are themselves lexicon words, and the stems of the
   leaves. "Klimaschutzkonzept" -> klimaschutzkonzept, klimaschutz, klima,
   schutz, konzept.

Decompounding lexicon
---------------------
* All noun forms of the ``german-nouns`` package (about 100,000 Wiktionary
  nouns with their inflected forms, shipped inside the wheel; read lazily from
  its ``index.txt`` on first use: a process that never decompounds never pays
  for it; the cost is in the README, "Geschwindigkeit und Caching").
* ``DOMAIN_WORDS`` and ``MODIFIER_WORDS`` below: domain words the noun list
  lacks ("coworking") and non-noun first parts ("klein", "nah", "innen").
* Whatever the backend passes as ``extra_words`` (for example frequent words of
  the corpus, or town names that must not be split).
Parts need ``MIN_PART_LENGTH`` (4) letters; 3-letter parts only from
``SHORT_PARTS`` ("bau", "rat", "amt", ...). ``BLOCKED_PARTS`` stops splits into
suffix-like nouns ("Gesellschaft" is not "Gesell" + "Schaft"). The corpus
vocabulary is deliberately not part of the lexicon by default: index output
would then change with every new document. The lexicon only changes with this
module (bump ``ANALYZER_VERSION``) or with the pinned package.

Query side
----------
``analyze_query`` returns one group of weighted alternatives per meaningful
query word. Backends should AND the groups and OR the alternatives inside a
group, weighting matches by the given weights. Synonyms are applied at query
time only (no re-index when ``synonyms_seed.txt`` changes); a multi-word
synonym match ("citizens' assembly", "Läden stehen leer") becomes one group.
Phrase alternatives are in ``AnalyzedQuery.phrases`` as space-separated stems
for backends that can boost phrases.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from search.stopwords import QUERY_NOISE_WORDS, QUESTION_WORDS, STOPWORDS, wordset

logger = logging.getLogger(__name__)

# Bump whenever index_terms() output changes for the same input, so stored
# indexes can be rebuilt.
ANALYZER_VERSION = "1"

SYNONYMS_FILE = Path(__file__).with_name("synonyms_seed.txt")

MIN_PART_LENGTH = 4
MIN_COMPOUND_LENGTH = 6
LINKING_ELEMENTS = ("", "s", "es", "n", "en", "e", "er", "ens")

# Query weights.
WEIGHT_WORD = 1.0
WEIGHT_SUBCOMPOUND = 0.7
WEIGHT_PART = 0.6
WEIGHT_SYNONYM = 0.8
WEIGHT_TYPO = {1: 0.8, 2: 0.6}
WEIGHT_PHRASE_WORD = 0.5

# Three-letter words that are allowed as compound parts (all others are too
# likely to produce junk such as "ver" or "ein").
SHORT_PARTS = wordset(
    """
    alt amt bad bau bus dach gas hof kur mit nah neu not oel ort rad rat see tag
    weg zug
    """
)

# Nouns in the lexicon that look like derivational suffixes; never a part.
BLOCKED_PARTS = wordset(
    """
    schaft schaften haft heit heiten keit keiten ling linge lingen nis nisse tum
    chen lein erei ung ungen tion tionen ismus ant anten ent enten ist isten
    ier iere ieren ion ionen ation ationen
    """
)

# Non-noun first parts of common compounds ("Kleinstadt", "Nahwärme").
MODIFIER_WORDS = wordset(
    """
    alt aussen breit fern frei gemeinsam gross haupt innen jung klein kurz lang
    leer mit nah neu ober sonder unter mehr
    """
)

# Domain words that the noun list lacks or that should always be known.
DOMAIN_WORDS = wordset(
    """
    beteiligung buerger buergerrat coworking dorf energie foerderung gemeinde
    gesellschaft innenstadt jugend klima kleinstadt konzept laden leerstand
    losverfahren management mitfahr fahr mobilitaet nahversorgung netz quartier
    schutz space stadt versorgung waerme wohnung wohnungsbau breitband glasfaser
    """
)

_STEMMER = snowballstemmer.stemmer("german")

_FOLD_TABLE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_GENDER_RE = re.compile(r"(?<=[^\W\d_])[*:_·](?=in(?:nen)?\b)")
_APOSTROPHE_RE = re.compile(r"(?<=[^\W\d_])['’](?=[^\W\d_])")
_WORD_RE = re.compile(r"[^\W_]+(?:[-‐‑][^\W_]+)*")
_HYPHEN_RE = re.compile(r"[-‐‑]")


def fold(text: str) -> str:
    """Lowercase, ä/ö/ü -> ae/oe/ue, ß -> ss, strip all other accents."""
    text = unicodedata.normalize("NFC", text).lower().translate(_FOLD_TABLE)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def title_sort_key(text: str) -> str:
    """How a title sorts A–Z on every path: folded (Ä with A as Ae), without case."""
    return fold(text or "").strip()


class Word(NamedTuple):
    """One word of a text: hyphenated words are one ``Word`` with parts."""

    surface: str  # as written, e.g. "Coworking-Space"
    folded: str  # joined and folded, e.g. "coworkingspace"
    parts: tuple[str, ...]  # folded hyphen parts, () for a plain word
    start: int  # character offsets in the normalised text
    end: int


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _GENDER_RE.sub("", text)
    return _APOSTROPHE_RE.sub("", text)


def iter_words(text: str) -> Iterator[Word]:
    """Yield the words of ``text`` (see the module docstring for the rules)."""
    for match in _WORD_RE.finditer(_normalise(text)):
        surface = match.group()
        pieces = [fold(p) for p in _HYPHEN_RE.split(surface)]
        if len(pieces) == 1:
            yield Word(surface, pieces[0], (), match.start(), match.end())
        else:
            yield Word(surface, "".join(pieces), tuple(pieces), match.start(), match.end())


def tokenize(text: str) -> list[str]:
    """Folded tokens; a hyphenated word gives its parts, then the joined form."""
    tokens: list[str] = []
    for word in iter_words(text):
        tokens.extend(word.parts)
        tokens.append(word.folded)
    return tokens


def stem(token: str) -> str:
    """Snowball German stem of a folded token; tokens with digits stay as they are."""
    if any(c.isdigit() for c in token):
        return token
    return _STEMMER.stemWord(token)


def _is_noise(token: str, extra: frozenset[str] = frozenset()) -> bool:
    return token in STOPWORDS or token in extra or (len(token) == 1 and not token.isdigit())


# --- Lexicon ------------------------------------------------------------------


def _fold_lower(word: str) -> str:
    """``fold`` for an already lowercase word; much faster on 250,000 words."""
    if word.isascii():
        return word
    word = word.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return word if word.isascii() else fold(word)


@functools.cache
def _package_lexicon() -> frozenset[str]:
    """Folded noun forms from the ``german-nouns`` wheel (empty if not installed).

    ``index.txt`` maps every noun form to its rows in ``nouns.csv``; forms
    whose rows are all proper names (first names, surnames, places) are left
    out, so "Werkstatt" is not "Werks" + "Tatt" and "Osterburg" stays whole.
    """
    try:
        package = importlib.resources.files("german_nouns")
        csv_lines = package.joinpath("nouns.csv").read_bytes().split(b"\n")
        index_lines = package.joinpath("index.txt").read_text(encoding="utf-8").splitlines()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        logger.warning("german-nouns is not installed: decompounding uses built-in words only")
        return frozenset()
    # Row numbers (as in index.txt) of proper names: Vorname, Nachname,
    # Eigenname, Toponym in the "pos" column near the start of the line.
    names = {
        str(number - 1)
        for number, line in enumerate(csv_lines)
        if b"name" in line[:100] or b"Toponym" in line[:100]
    }
    del csv_lines
    words = set()
    for line in index_lines:
        word, _, rows = line.partition("\t")
        if len(word) < 3 or not word.isalpha():
            continue
        if rows in names or ("," in rows and all(r in names for r in rows.split(","))):
            continue
        words.add(_fold_lower(word))
    return frozenset(words)


class Lexicon:
    """Words allowed as compound parts."""

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        extra = {fold(w) for w in extra_words}
        self._words = _package_lexicon() | DOMAIN_WORDS | extra

    def __contains__(self, word: object) -> bool:
        return word in self._words

    def is_part(self, word: str, final: bool) -> bool:
        """Whether ``word`` may be a compound part (``final``: the head part)."""
        if word in BLOCKED_PARTS:
            return False
        if not final and word in MODIFIER_WORDS:
            return True
        if len(word) < MIN_PART_LENGTH:
            return word in SHORT_PARTS and word not in MODIFIER_WORDS
        return word in self._words


class Segment(NamedTuple):
    text: str  # folded surface of the part, e.g. "wohnung"
    link: str  # linking element after it, e.g. "s"


class WordAnalysis(NamedTuple):
    """Terms of one word: the word's own stem, sub-compounds, leaves."""

    stem: str
    subcompounds: tuple[str, ...]
    parts: tuple[str, ...]

    def terms(self) -> list[str]:
        seen: dict[str, None] = {self.stem: None}
        seen.update(dict.fromkeys(self.subcompounds))
        seen.update(dict.fromkeys(self.parts))
        return list(seen)


# --- Vocabulary and typo correction -------------------------------------------


class Vocabulary:
    """Terms (stems, as produced by ``index_terms``) of the indexed documents.

    ``display_forms`` maps a term to a readable word for "Meinten Sie ...?"
    (``from_texts`` fills it); without it the term itself is shown.
    """

    def __init__(
        self, term_counts: Mapping[str, int], display_forms: Mapping[str, str] | None = None
    ) -> None:
        self._counts: dict[str, int] = {t: int(c) for t, c in term_counts.items() if c > 0}
        self._display: dict[str, str] = dict(display_forms or {})
        # Candidates for corrections are looked up by (length, first letter)
        # and (length, last letter): a typo rarely changes both ends.
        by_first: dict[tuple[int, str], list[str]] = defaultdict(list)
        by_last: dict[tuple[int, str], list[str]] = defaultdict(list)
        for term in self._counts:
            by_first[len(term), term[0]].append(term)
            by_last[len(term), term[-1]].append(term)
        self._by_first = dict(by_first)
        self._by_last = dict(by_last)

    @classmethod
    def from_texts(cls, texts: Iterable[str], analyzer: GermanAnalyzer | None = None) -> Vocabulary:
        """Count the index terms of ``texts`` and remember readable word forms."""
        analyzer = analyzer or GermanAnalyzer()
        counts: Counter[str] = Counter()
        surfaces: dict[str, Counter[str]] = defaultdict(Counter)
        for text in texts:
            for word in iter_words(text):
                for analysis, surface in analyzer._word_analyses(word):
                    counts.update(analysis.terms())
                    surfaces[analysis.stem][surface] += 1
        display = {term: forms.most_common(1)[0][0] for term, forms in surfaces.items()}
        return cls(counts, display)

    def __contains__(self, term: object) -> bool:
        return term in self._counts

    def __len__(self) -> int:
        return len(self._counts)

    def frequency(self, term: str) -> int:
        return self._counts.get(term, 0)

    def display_form(self, term: str) -> str:
        return self._display.get(term, term)

    @staticmethod
    def max_distance(term: str) -> int:
        """Allowed edit distance: 0 below 4 letters, 1 up to 7, 2 from 8."""
        if len(term) < 4:
            return 0
        return 1 if len(term) <= 7 else 2

    def candidate_buckets(self, term: str) -> list[list[str]]:
        """The lists of known terms a correction of ``term`` compares it with: those of a
        length within the allowed distance that share its first or its last letter."""
        max_dist = self.max_distance(term)
        if not max_dist:
            return []
        buckets = []
        for length in range(len(term) - max_dist, len(term) + max_dist + 1):
            for index, key in ((self._by_first, term[0]), (self._by_last, term[-1])):
                bucket = index.get((length, key))
                if bucket:
                    buckets.append(bucket)
        return buckets

    def corrections(self, term: str, limit: int = 3) -> list[tuple[str, int]]:
        """Known terms close to ``term`` as ``(term, distance)``, best first.

        Distance is the optimal string alignment distance (Levenshtein plus
        transposition of neighbours, "konzpet" -> "konzept" is 1). Ranked by
        distance, then frequency (higher first), then alphabetically. Only
        terms that share the first or the last letter with ``term`` are
        compared, so a correction stays cheap however large the vocabulary grows
        (``candidate_buckets``); a typo that changes both ends
        of a word is not corrected.
        """
        max_dist = self.max_distance(term)
        best: dict[str, int] = {}
        for bucket in self.candidate_buckets(term):
            for candidate, dist, _ in process.extract(
                term, bucket, scorer=OSA.distance, score_cutoff=max_dist, limit=None
            ):
                best[candidate] = dist
        best.pop(term, None)
        ranked = sorted(best.items(), key=lambda item: (item[1], -self._counts[item[0]], item[0]))
        return ranked[:limit]


# --- Synonyms -----------------------------------------------------------------


def display_forms(texts: Iterable[str], analyzer: GermanAnalyzer) -> dict[str, str]:
    """The most frequent readable word for each stem in ``texts`` (for "Meinten Sie ...?")."""
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for word in iter_words(text):
            for analysis, surface in analyzer._word_analyses(word):
                surfaces[analysis.stem][surface] += 1
    return {term: forms.most_common(1)[0][0] for term, forms in surfaces.items()}


@dataclass(frozen=True)
class SynonymRule:
    """One Solr synonym line, phrases folded.

    ``a, b, c`` is equivalent (inputs == outputs); ``a, b => c`` is one-way.
    """

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    equivalent: bool = False


def _split_phrases(text: str) -> tuple[str, ...]:
    phrases = (" ".join(fold(p).split()) for p in text.split(","))
    return tuple(dict.fromkeys(p for p in phrases if p))


def parse_synonyms(lines: Iterable[str]) -> list[SynonymRule]:
    """Parse Solr-format synonym lines; comments start with "#"."""
    rules = []
    for number, line in enumerate(lines, start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if "=>" in line:
            left, _, right = line.partition("=>")
            inputs, outputs = _split_phrases(left), _split_phrases(right)
            if not inputs or not outputs or "=>" in right:
                raise ValueError(f"Invalid synonym rule on line {number}: {line!r}")
            rules.append(SynonymRule(inputs, outputs, equivalent=False))
        else:
            phrases = _split_phrases(line)
            if len(phrases) > 1:
                rules.append(SynonymRule(phrases, phrases, equivalent=True))
    return rules


@functools.cache
def _read_default_synonyms() -> tuple[SynonymRule, ...]:
    with SYNONYMS_FILE.open(encoding="utf-8") as handle:
        return tuple(parse_synonyms(handle))


def default_synonyms() -> list[SynonymRule]:
    """The rules of ``search/synonyms_seed.txt``."""
    return list(_read_default_synonyms())


# --- Analyzer -----------------------------------------------------------------


@dataclass
class AnalyzedQuery:
    """A query ready for a backend: AND over ``groups``, OR inside a group."""

    text: str
    groups: list[list[tuple[str, float]]] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    suggestion: str | None = None
    is_question: bool = False
    words: list[str] = field(default_factory=list)  # query text of each group
    # Per group: term sets that count only together: the parts of a compound (a backend must
    # not match "bürger" alone for "Bürgerrat") and the words of a multi-word synonym.
    part_sets: list[list[tuple[str, ...]]] = field(default_factory=list)

    def all_terms(self) -> set[str]:
        """Every single-word term of every group (phrases not included)."""
        return {term for group in self.groups for term, _ in group}


class _Group:
    def __init__(self, label: str) -> None:
        self.label = label
        self.weights: dict[str, float] = {}
        self.part_sets: list[tuple[str, ...]] = []

    def add(self, term: str, weight: float) -> None:
        if weight > self.weights.get(term, 0.0):
            self.weights[term] = weight

    def alternatives(self) -> list[tuple[str, float]]:
        return sorted(self.weights.items(), key=lambda item: -item[1])


class GermanAnalyzer:
    """Index and query analysis; create once per process and reuse (caches)."""

    _CACHE_SIZE = 200_000

    def __init__(
        self,
        vocabulary: Vocabulary | None = None,
        synonyms: Iterable[SynonymRule] = (),
        extra_words: Iterable[str] = (),
    ) -> None:
        self.vocabulary = vocabulary
        self.lexicon = Lexicon(extra_words)
        self._cache: dict[str, WordAnalysis] = {}
        self._segment_cache: dict[str, tuple[Segment, ...] | None] = {}
        self._synonyms: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for rule in synonyms:
            for phrase in rule.inputs:
                key = self._phrase_key(phrase)
                if key:
                    self._synonyms[key].extend(o for o in rule.outputs if o != phrase)
        self._max_phrase = max((len(k) for k in self._synonyms), default=0)

    # Decompounding ---------------------------------------------------------

    def _segment(self, word: str) -> tuple[Segment, ...] | None:
        """Fewest-parts split of ``word`` into lexicon parts, or None."""
        if word in self._segment_cache:
            return self._segment_cache[word]
        n = len(word)
        result = None
        if n >= MIN_COMPOUND_LENGTH and word.isalpha():
            # best[i]: (parts, -sum of squared part lengths, segments) for word[:i]
            best: dict[int, tuple[int, int, tuple[Segment, ...]]] = {0: (0, 0, ())}
            for start in range(n):
                state = best.get(start)
                if state is None:
                    continue
                count, score, segments = state
                for end in range(start + 3, n + 1):
                    part = word[start:end]
                    if end - start == n:
                        continue
                    final_ok = end == n and self.lexicon.is_part(part, final=True)
                    if not final_ok and not self.lexicon.is_part(part, final=False):
                        continue
                    for link in LINKING_ELEMENTS:
                        nxt = end + len(link)
                        if nxt > n or (link and not word.startswith(link, end)):
                            continue
                        if nxt == n and (link or not final_ok):
                            continue
                        candidate = (
                            count + 1,
                            score - len(part) ** 2,
                            (*segments, Segment(part, link)),
                        )
                        if nxt not in best or candidate[:2] < best[nxt][:2]:
                            best[nxt] = candidate
            if n in best:
                result = best[n][2]
        if len(self._segment_cache) < self._CACHE_SIZE:
            self._segment_cache[word] = result
        return result

    def _leaves(self, word: str) -> list[Segment]:
        segments = self._segment(word)
        if not segments:
            return [Segment(word, "")]
        leaves: list[Segment] = []
        for segment in segments:
            inner = self._leaves(segment.text)
            leaves.extend(inner[:-1])
            leaves.append(Segment(inner[-1].text, segment.link))
        return leaves

    def analyze_word(self, folded: str) -> WordAnalysis:
        """Stem, sub-compound stems and part stems of one folded word."""
        cached = self._cache.get(folded)
        if cached is not None:
            return cached
        # Feminine plural: split the masculine base, "Bürgerinnen" is not
        # "Bürge" + "Rinnen" (Snowball already stems both to "burg").
        base = folded[:-5] if folded.endswith("erinnen") else folded
        leaves = self._leaves(base)
        subcompounds: list[str] = []
        if len(leaves) > 2:
            for i in range(len(leaves)):
                for j in range(i + 1, len(leaves)):
                    if i == 0 and j == len(leaves) - 1:
                        continue
                    span = leaves[i : j + 1]
                    surface = "".join(s.text + s.link for s in span[:-1]) + span[-1].text
                    if surface in self.lexicon:
                        subcompounds.append(stem(surface))
        parts = tuple(stem(s.text) for s in leaves) if len(leaves) > 1 else ()
        analysis = WordAnalysis(stem(folded), tuple(subcompounds), parts)
        if len(self._cache) < self._CACHE_SIZE:
            self._cache[folded] = analysis
        return analysis

    def _word_analyses(self, word: Word) -> list[tuple[WordAnalysis, str]]:
        """Analyses of a text word (hyphen parts separately), noise skipped."""
        result = []
        if not _is_noise(word.folded):
            result.append((self.analyze_word(word.folded), word.surface))
        if word.parts:
            surfaces = _HYPHEN_RE.split(word.surface)
            for part, surface in zip(word.parts, surfaces, strict=True):
                if not _is_noise(part):
                    result.append((self.analyze_word(part), surface))
        return result

    # Index side -------------------------------------------------------------

    def index_terms(self, text: str) -> list[str]:
        """Terms of a document in text order (duplicates kept for term frequency)."""
        terms: list[str] = []
        for word in iter_words(text):
            seen: dict[str, None] = {}
            for analysis, _ in self._word_analyses(word):
                seen.update(dict.fromkeys(analysis.terms()))
            terms.extend(seen)
        return terms

    # Query side -------------------------------------------------------------

    @staticmethod
    def _word_key(word: Word) -> str:
        return stem(word.folded)

    def _phrase_key(self, phrase: str) -> tuple[str, ...]:
        return tuple(self._word_key(w) for w in iter_words(phrase))

    def _expansion_terms(self, phrase: str) -> tuple[list[str], str | None]:
        """Single terms and (for multi-word phrases) the phrase of a synonym."""
        words = [w for w in iter_words(phrase) if not _is_noise(w.folded)]
        if len(words) == 1:
            return [self.analyze_word(words[0].folded).stem], None
        stems = [self.analyze_word(w.folded).stem for w in words]
        return [], " ".join(stems) if stems else None

    def _add_synonyms(self, group: _Group, key: tuple[str, ...], phrases: dict[str, None]) -> None:
        for output in self._synonyms.get(key, ()):
            terms, phrase = self._expansion_terms(output)
            for term in terms:
                group.add(term, WEIGHT_SYNONYM)
            if phrase:
                phrases[phrase] = None
                # The words of a multi-word synonym ("dritter ort") count only together.
                group.part_sets.append(tuple(phrase.split()))

    def _add_word(self, group: _Group, word: Word, correct: bool = True) -> str | None:
        """Add a word's own terms and typo corrections; return a correction."""
        analyses = self._word_analyses(word) or [(self.analyze_word(word.folded), word.surface)]
        main = analyses[0][0]
        for index, (analysis, _) in enumerate(analyses):
            group.add(analysis.stem, WEIGHT_WORD if index == 0 else WEIGHT_PART)
            for term in analysis.subcompounds:
                group.add(term, WEIGHT_SUBCOMPOUND)
            for term in analysis.parts:
                group.add(term, WEIGHT_PART)
            if len(analysis.parts) > 1:
                group.part_sets.append(tuple(analysis.parts))
        vocabulary = self.vocabulary
        if not correct or vocabulary is None or not len(vocabulary) or main.stem in vocabulary:
            return None
        if any(c.isdigit() for c in main.stem):
            return None
        corrections = vocabulary.corrections(main.stem)
        for term, distance in corrections:
            group.add(term, WEIGHT_TYPO[distance])
        return corrections[0][0] if corrections else None

    def analyze_query(self, text: str) -> AnalyzedQuery:
        """Groups of weighted alternatives for ``text``; see ``AnalyzedQuery``.

        Per group: the word's stem (1.0), sub-compounds (0.7) and compound
        parts (0.6), typo corrections when the stem is not in the vocabulary
        (0.8 for distance 1, 0.6 for 2) and synonym expansions (0.8). A
        multi-word synonym match is one group whose own words weigh 0.5.
        Stopwords and question words ("wie", "finden", "how") make no group.
        """
        words = list(iter_words(text))
        first = words[0].folded if words else ""
        query = AnalyzedQuery(
            text=text,
            is_question=text.rstrip().endswith("?") or first in QUESTION_WORDS,
        )
        keys = [self._word_key(w) for w in words]
        phrases: dict[str, None] = {}
        replacements: list[tuple[Word, str]] = []
        groups: list[_Group] = []
        i = 0
        while i < len(words):
            # Longest synonym phrase starting here.
            match_len = 0
            for length in range(min(self._max_phrase, len(words) - i), 0, -1):
                if tuple(keys[i : i + length]) in self._synonyms:
                    match_len = length
                    break
            if match_len > 1:
                span = words[i : i + match_len]
                group = _Group(" ".join(w.surface for w in span))
                content = [w for w in span if not _is_noise(w.folded)]
                for word in content:
                    group.add(self.analyze_word(word.folded).stem, WEIGHT_PHRASE_WORD)
                if len(content) > 1:
                    phrases[" ".join(self.analyze_word(w.folded).stem for w in content)] = None
                self._add_synonyms(group, tuple(keys[i : i + match_len]), phrases)
                groups.append(group)
                i += match_len
                continue
            word = words[i]
            i += 1
            if match_len == 0 and _is_noise(word.folded, QUERY_NOISE_WORDS):
                continue
            group = _Group(word.surface)
            # A word with a synonym rule is known: no typo correction for it.
            correction = self._add_word(group, word, correct=not match_len)
            if match_len:
                self._add_synonyms(group, (keys[i - 1],), phrases)
            elif correction:
                replacements.append((word, correction))
                self._add_synonyms(group, (correction,), phrases)
            groups.append(group)
        query.groups = [g.alternatives() for g in groups]
        query.words = [g.label for g in groups]
        query.part_sets = [g.part_sets for g in groups]
        query.phrases = list(phrases)
        if replacements and self.vocabulary is not None:
            query.suggestion = self._suggest(text, replacements)
        return query

    def _suggest(self, text: str, replacements: list[tuple[Word, str]]) -> str:
        """The query with corrected words replaced by their readable form."""
        normalised = _normalise(text)
        pieces = []
        position = 0
        for word, term in replacements:
            pieces.append(normalised[position : word.start])
            pieces.append(self.vocabulary.display_form(term))
            position = word.end
        pieces.append(normalised[position:])
        return " ".join("".join(pieces).split())
