"""Did you mean: for a query with no hits, nearby queries that do find passages.

Candidates, tried in this order and each counted exactly (the literal index, as search):

1. a term that occurs nowhere, with one character replaced by one the corpus has in that
   place (行政复仪 → 行政复议): read off the passages that hold the rest of the term;
2. the longest part of such a term that occurs, cut between jieba's words
   (行政复议办公会 → 行政复议, never 行政复 or the 20 of 2035年);
3. the query with one of its terms or filters left out, or 同句/NEAR relaxed to 同段.

A suggestion is written as the user and the corpus write it: matching folds 同 and 仝, 了
and 瞭 together, but a suggestion never shows the folded form (邓仝志 for 邓同志). A
replacement that leaves a function character at the term's edge (行政复议和) is a fragment,
not a query anyone means, and is not offered.

Traditional and simplified forms need no suggestion: every term is already matched in
both scripts (`normalize.fold`). Work is bounded: a few hundred passages read per term
position, at most `MAX_CANDIDATES` queries counted.

What is read of the index is a `Corpus`: one generation's (`GenerationCorpus`), or a
sharded index's, whose shards answer the same questions and whose counts add up
(`sharded_features.ShardedCorpus`), so both suggest the same.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import numpy as np

from indexer.errors import QueryError
from indexer.normalize import fold
from indexer.query import Near, Term
from indexer.query.rewrite import quote_term
from indexer.query.tokens import Token, tokenize
from indexer.search.generation import Generation

Filters = Mapping[str, Sequence[str]]
Place = tuple[int, int]  # (passage ordinal, character offset)
Matches = list[tuple[int, list[tuple[str, int]]]]
"""Per passage in ordinal order: its ordinal and each (matched text, offset) in it."""


class Corpus(Protocol):
    """What suggestions read of an index."""

    def count(self, query: str, filters: Filters) -> int:
        """The passages a query finds (QueryError for a malformed one)."""
        ...

    def occurs(self, text: str) -> bool:
        """Whether some passage holds `text`."""
        ...

    def word_ends(self, text: str) -> list[int]:
        """Where the segmenter's words of `text` (folded) end."""
        ...

    def replacement_places(self, before: str, after: str, replaced: str) -> Matches:
        """The first `PASSAGES_READ` passages holding `before` and `after` (folded), each
        with its matches of before, one character other than `replaced`, after."""
        ...

    def characters_at(self, places: Sequence[Place]) -> list[str]:
        """The character as the passage writes it at each place ("" where unknown: a
        shard accepted as missing)."""
        ...


MAX_CANDIDATES = 40
PASSAGES_READ = 300  # per term position, for one-character replacements
REPLACEMENTS = 3  # per term position
_NOT_A_CHARACTER = re.compile(r"[\s。！？!?，,；;：:、]")
# Characters that join or qualify words: a term ending or starting with one is a fragment.
_FUNCTION_CHARACTERS = frozenset("的了和与及或在是等并而对为以把被从向于将着过也又之其")


def replacement_places(generation: Generation, before: str, after: str, replaced: str) -> Matches:
    """`Corpus.replacement_places` over one generation."""
    literal = generation.literal
    lists = [literal.passages_containing(part) for part in (before, after) if part]
    candidates = lists[0] if len(lists) == 1 else np.intersect1d(lists[0], lists[1])
    pattern = re.compile(f"{re.escape(before)}(.){re.escape(after)}")
    found: Matches = []
    for ordinal in candidates[:PASSAGES_READ].tolist():
        text = literal.folded_passage(ordinal)
        found.append(
            (
                ordinal,
                [
                    (m[0], m.start(1))
                    for m in pattern.finditer(text)
                    if not _NOT_A_CHARACTER.match(m[1]) and m[1] != replaced
                ],
            )
        )
    return found


def characters_at(generation: Generation, places: Sequence[Place]) -> list[str]:
    """`Corpus.characters_at` over one generation (folding keeps offsets)."""
    originals = generation.store.passages([ordinal for ordinal, _ in places])
    return [originals[ordinal].passage.text[offset] for ordinal, offset in places]


def occurs(generation: Generation, text: str) -> bool:
    return bool(len(generation.literal.passages_containing(text)))


def word_ends(generation: Generation, text: str) -> list[int]:
    return [end for _, _, end in generation.segmenter.tokens(fold(text))]


class GenerationCorpus:
    """One generation as suggestions read it; `count` is its engine's."""

    def __init__(self, generation: Generation, count: Callable[[str, Filters], int]) -> None:
        self.generation = generation
        self.count = count

    def occurs(self, text: str) -> bool:
        return occurs(self.generation, text)

    def word_ends(self, text: str) -> list[int]:
        return word_ends(self.generation, text)

    def replacement_places(self, before: str, after: str, replaced: str) -> Matches:
        return replacement_places(self.generation, before, after, replaced)

    def characters_at(self, places: Sequence[Place]) -> list[str]:
        return characters_at(self.generation, places)


def _count(corpus: Corpus, query: str, filters: Filters) -> int:
    try:
        return corpus.count(query, filters)
    except QueryError:
        return 0


def _replacements(corpus: Corpus, written: str) -> list[str]:
    """Return strings one character different from `written` that passages hold, commonest
    first, in the user's writing but for the new character, as the passage writes it."""
    term = fold(written)
    found: Counter[str] = Counter()
    for i in range(len(term)):
        before, after = term[:i], term[i + 1 :]
        if not before and not after:
            continue
        here: Counter[Place] = Counter()  # one place per matched text, the first seen
        seen: dict[str, Place] = {}
        for ordinal, matches in corpus.replacement_places(before, after, term[i]):
            for text, offset in matches:
                here[seen.setdefault(text, (ordinal, offset))] += 1
        places = here.most_common(REPLACEMENTS)
        characters = corpus.characters_at([place for place, _ in places])
        for (_, count), character in zip(places, characters, strict=True):
            candidate = written[:i] + character + written[i + 1 :]
            if character and not _is_fragment(candidate):
                found[candidate] += count
    return [text for text, _ in found.most_common()]


def _is_fragment(candidate: str) -> bool:
    return candidate[0] in _FUNCTION_CHARACTERS or candidate[-1] in _FUNCTION_CHARACTERS


def _shorter(corpus: Corpus, written: str) -> list[str]:
    """Return the longest leading and trailing runs of `written`'s words that occur.

    Cut between jieba's words only, and at least two characters long: a part of a word
    (行政复 of 行政复议, 20 of 2035年) is no query.
    """
    cuts = corpus.word_ends(written)[:-1]
    out = []
    for parts in (
        [written[:end] for end in reversed(cuts)],
        [written[end:] for end in cuts],
    ):
        for part in parts:
            if len(part.strip()) >= 2 and corpus.occurs(part):
                out.append(part.strip())
                break
    return out


def _replace(query: str, token: Token, text: str) -> str:
    return " ".join((query[: token.pos] + text + query[token.pos + len(token.text) :]).split())


def _candidates(corpus: Corpus, query: str, tokens: list[Token]) -> list[str]:
    out: list[str] = []
    negated = {i + 1 for i, t in enumerate(tokens) if t.kind in ("not", "-")}
    for i, token in enumerate(tokens):
        node = token.node
        if token.kind != "node" or i in negated or not isinstance(node, Term):
            continue
        if corpus.occurs(node.text):
            continue
        replaced = _replacements(corpus, node.text)
        # A part of a word already offered whole (行政复 beside 行政复议) says nothing more.
        parts = [p for p in _shorter(corpus, node.text) if not any(p in r for r in replaced)]
        out += [_replace(query, token, quote_term(t)) for t in [*replaced, *parts]]
    for token in tokens:
        if token.kind == "prox" and not token.text.startswith(("同段", "PARA")):
            out.append(_replace(query, token, "同段" + token.text[-1]))
        elif token.kind == "node" and isinstance(token.node, Near):
            out.append(_replace(query, token, " ".join(map(quote_term, token.node.terms))))
    words = [t for i, t in enumerate(tokens) if t.kind == "node" and i not in negated]
    if len(words) > 1 and all(t.kind in ("node", "and", "not", "-") for t in tokens):
        absent = [t for t in words if isinstance(t.node, Term) and not corpus.occurs(t.node.text)]
        if 1 < len(absent) < len(words):
            out.append(_without(tokens, absent))
        out += [_without(tokens, [token]) for token in words]
    return out


def _without(tokens: list[Token], dropped: list[Token]) -> str:
    """Write a flat query (terms, AND, NOT) again without some of its terms."""
    pieces: list[str] = []
    for token in tokens:
        if token in dropped or token.kind == "and":
            continue
        if pieces and pieces[-1] == "-":
            pieces[-1] += token.text
        else:
            pieces.append(token.text)
    return " ".join(pieces)


def suggest(
    corpus: Corpus, query: str, filters: Filters | None = None, limit: int = 5
) -> list[tuple[str, int]]:
    """Return up to `limit` (query, passages) near `query` that find something, best first.

    Meant for a query with no hits; `filters` are kept as the search applied them.
    """
    try:
        tokens = tokenize(query)
    except QueryError:
        return []
    seen = {" ".join(query.split())}
    found: list[tuple[str, int]] = []
    for candidate in _candidates(corpus, query, tokens)[:MAX_CANDIDATES]:
        if candidate in seen or not candidate:
            continue
        seen.add(candidate)
        passages = _count(corpus, candidate, filters or {})
        if passages:
            found.append((candidate, passages))
        if len(found) == limit:
            break
    return found
