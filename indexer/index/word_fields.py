"""The Whoosh field type of the word index, tuned for building.

`WordsField` (analysis.py) counts a value's words with the shared segmenter; this
subclass gives the very same postings at less cost, which matters because the writer
processes spend most of a build here (profile in README):

- a passage's section heading (and a report's title) recurs in every passage beneath it,
  so short values' counts are kept in a small cache instead of being cut again;
- tokens are counted first and only the distinct ones are tested for being words, with
  the verdicts cached: a corpus has far fewer distinct tokens than tokens.

Query-time analysis is untouched (the field's analyzer), so a query is still cut exactly
as the text was. The class lives in an importable module because the schema, pickled into
the index, names it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from whoosh.system import pack_uint

from indexer.index.analysis import Entry, WordsField, is_word, segmenter
from indexer.normalize import fold_for_words

# Values up to this many characters are cached (headings, titles); longer ones are text.
_CACHED_LENGTH = 120
_CACHE_SIZE = 4096
_VERDICTS_SIZE = 200_000


class CountedWordsField(WordsField):
    """A `WordsField` whose postings are computed with caches (see the module docstring)."""

    def __init__(self, entries: tuple[Entry, ...] = (), field_boost: float = 1.0) -> None:
        super().__init__(entries, field_boost=field_boost)

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_counts", None)
        state.pop("_verdicts", None)
        return state

    def word_counts(self, value: str) -> dict[str, int]:
        """Return the ranking words of `value` and their occurrences (do not change it:
        short values' counts are cached and shared)."""
        cache: dict[str, dict[str, int]] | None = None
        if len(value) <= _CACHED_LENGTH:
            cache = self.__dict__.setdefault("_counts", {})
            found = cache.get(value)
            if found is not None:
                return found
        verdicts: dict[str, bool] = self.__dict__.setdefault("_verdicts", {})
        counts = Counter(segmenter(self.entries).cut(fold_for_words(value)))
        result = {}
        for word, count in counts.items():
            verdict = verdicts.get(word)
            if verdict is None:
                if len(verdicts) >= _VERDICTS_SIZE:
                    verdicts.clear()
                verdict = verdicts[word] = is_word(word)
            if verdict:
                result[word] = count
        if cache is not None:
            if len(cache) >= _CACHE_SIZE:
                cache.clear()
            cache[value] = result
        return result

    def index(self, value: str, **kwargs: object) -> Iterator[tuple[bytes, int, float, bytes]]:
        boost = self.format.field_boost
        for word, count in self.word_counts(value).items():
            yield word.encode("utf-8"), count, count * boost, pack_uint(count)
