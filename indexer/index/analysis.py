"""Word segmentation: the one place where text becomes words.

Segmentation is jieba's, through rjieba (jieba-rs): the same dictionary and, with the
HMM off, token-for-token the same cuts as jieba 0.42.1, at 15–20× its speed (figures in
README). The HMM is off because it guesses unknown words differently from run to run of
the dictionary and is the only source of disagreement with jieba.

Words serve ranking only. Recall never depends on them: the literal index
(`literal.py`) finds every occurrence of any string, whatever the cuts.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import rjieba
from whoosh.analysis import Filter, Token, Tokenizer
from whoosh.fields import TEXT
from whoosh.system import pack_uint

from indexer.errors import SourceError
from indexer.normalize import fold_for_words
from indexer.settings import RESOURCES

DEFAULT_DICTIONARY = RESOURCES / "dictionary.txt"

# (word, frequency or None, part of speech or None): jieba's user-dictionary entry.
Entry = tuple[str, int | None, str | None]


def read_dictionary(path: Path) -> tuple[Entry, ...]:
    """Read a jieba-format user dictionary: `word [frequency] [tag]` per line."""
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(f"无法读取词典 {path}: {error}") from error
    entries: list[Entry] = []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) > 3 or (len(parts) >= 2 and not parts[1].isdigit()):
            raise SourceError(
                f"词典 {path} 第 {number} 行格式不对: {line!r}",
                hint="每行应为「词 [词频] [词性]」，如「行政复议 20000 n」",
            )
        frequency = int(parts[1]) if len(parts) >= 2 else None
        tag = parts[2] if len(parts) == 3 else None
        entries.append((fold_for_words(parts[0]), frequency, tag))
    return tuple(entries)


class Segmenter:
    """A jieba dictionary plus user words, loaded once, safe to share between threads.

    rjieba raises "Already borrowed" if a word is added while another thread cuts, so
    every word is added before the instance is handed out, and never after.
    """

    def __init__(self, entries: Sequence[Entry]) -> None:
        self._jieba = rjieba.Jieba()
        for word, frequency, tag in entries:
            self._jieba.add_word(word, frequency, tag)

    def tokens(self, folded_text: str) -> list[tuple[str, int, int]]:
        """Cut already-folded text into (word, start, end), whitespace included."""
        return self._jieba.tokenize(folded_text, "default", False)

    def cut(self, folded_text: str) -> list[str]:
        """The words of `tokens`, without their offsets: half the time for counting."""
        return self._jieba.cut(folded_text, False)

    def words(self, text: str) -> list[str]:
        """Return the words of `text` that take part in ranking, in order."""
        return [word for word, _, _ in self.tokens(fold_for_words(text)) if is_word(word)]


_segmenters: dict[tuple[Entry, ...], Segmenter] = {}
_segmenters_lock = threading.Lock()


def segmenter(entries: tuple[Entry, ...] | None = None) -> Segmenter:
    """Return the process-wide segmenter for a dictionary (default: data/dictionary.txt)."""
    if entries is None:
        entries = read_dictionary(DEFAULT_DICTIONARY)
    with _segmenters_lock:
        found = _segmenters.get(entries)
        if found is None:
            found = _segmenters[entries] = Segmenter(entries)
        return found


def is_word(token: str) -> bool:
    """Tell whether a token can carry meaning: punctuation and spaces cannot."""
    return any(char.isalnum() for char in token)


class JiebaTokenizer(Tokenizer):
    """Whoosh tokenizer honouring the contract that jieba's ChineseAnalyzer breaks.

    `pos` is the word's ordinal, `startchar`/`endchar` are character offsets into the
    original value (folding keeps lengths), whitespace is dropped, and index and query
    time cut the same way (precise mode): a query is segmented exactly as the text was.
    Holds only the dictionary entries, so it pickles into the index schema.
    """

    def __init__(self, entries: tuple[Entry, ...] = ()) -> None:
        self.entries = entries

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JiebaTokenizer) and other.entries == self.entries

    __hash__ = Tokenizer.__hash__

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = fold_for_words(value)
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(value)
            yield token
            return
        ordinal = start_pos
        for word, start, end in segmenter(self.entries).tokens(fold_for_words(value)):
            if word.isspace():
                continue
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = ordinal
                ordinal += 1
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


class WordFilter(Filter):
    """Drop tokens that are only punctuation: they would only add noise to ranking."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            if is_word(token.text):
                yield token


def word_analyzer(entries: tuple[Entry, ...] = ()) -> object:
    """Compose the analysis pipeline used at index and at query time."""
    return JiebaTokenizer(entries) | WordFilter()


class WordsField(TEXT):
    """A TEXT field (word frequencies, BM25F) that indexes without a Token per word.

    Profiles show Whoosh's per-token path dominating build time; counting the
    segmenter's words directly gives the very postings `Frequency.word_values` would.
    Queries still go through the analyzer, which cuts with the same segmenter.
    """

    def __init__(self, entries: tuple[Entry, ...] = (), field_boost: float = 1.0) -> None:
        super().__init__(analyzer=word_analyzer(entries), phrase=False, field_boost=field_boost)
        self.entries = entries

    def index(self, value: str, **kwargs: object) -> Iterator[tuple[bytes, int, float, bytes]]:
        boost = self.format.field_boost
        counts = Counter(segmenter(self.entries).words(value))
        for word, count in counts.items():
            yield word.encode("utf-8"), count, count * boost, pack_uint(count)
