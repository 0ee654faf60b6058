"""The jieba tokenizer honours Whoosh's contract, so phrase queries work and offsets hold."""

from __future__ import annotations

import jieba
import pytest
from whoosh.analysis import Token
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.qparser import QueryParser

from indexer.errors import SourceError
from indexer.index.analysis import (
    DEFAULT_DICTIONARY,
    JiebaTokenizer,
    WordsField,
    read_dictionary,
    segmenter,
    word_analyzer,
)

SENTENCE = "加强行政复议和行政应诉工作。2023年至今, 依法治校"


@pytest.fixture(scope="module")
def entries() -> tuple:
    return read_dictionary(DEFAULT_DICTIONARY)


def tokens(analyzer, text: str, **kwargs: object) -> list[Token]:
    return [t.copy() for t in analyzer(text, **kwargs)]


def test_positions_are_word_ordinals_and_chars_are_offsets(entries: tuple) -> None:
    found = tokens(JiebaTokenizer(entries), SENTENCE, positions=True, chars=True)
    assert [t.pos for t in found] == list(range(len(found)))
    assert all(SENTENCE[t.startchar : t.endchar] == t.text for t in found)
    assert "行政复议" in [t.text for t in found]


def test_whitespace_is_dropped_and_offsets_shift_with_start_char(entries: tuple) -> None:
    found = tokens(JiebaTokenizer(entries), "行政 复议", chars=True, start_char=10)
    assert [t.text for t in found] == ["行政", "复议"]
    assert [(t.startchar, t.endchar) for t in found] == [(10, 12), (13, 15)]


# SENTENCE in jieba's precise mode with the domain dictionary, punctuation and space dropped.
# Search mode would add the overlapping 行政, 复议, 应诉, 依法, 法治, 治校 and break positions.
PRECISE_WORDS = ["加强", "行政复议", "和", "行政应诉", "工作", "2023", "年", "至今", "依法治校"]


@pytest.mark.parametrize("mode", ["index", "query"])
def test_index_and_query_mode_both_cut_precisely_and_tokens_carry_the_mode(
    entries: tuple, mode: str
) -> None:
    found = tokens(word_analyzer(entries), SENTENCE, mode=mode)
    assert [t.text for t in found] == PRECISE_WORDS
    # Whoosh's MultiFilter and NgramFilter choose what to do by token.mode.
    assert [t.mode for t in found] == [mode] * len(PRECISE_WORDS)


def test_word_filter_drops_punctuation_but_keeps_digits(entries: tuple) -> None:
    words = [t.text for t in tokens(word_analyzer(entries), SENTENCE)]
    assert "。" not in words and "," not in words
    assert "2023" in words


def test_full_width_text_is_folded_before_cutting(entries: tuple) -> None:
    assert segmenter(entries).words("２０２３年ＡＢＣ") == segmenter(entries).words("2023年abc")


def test_domain_dictionary_keeps_terms_whole(entries: tuple) -> None:
    assert "双随机一公开" in segmenter(entries).words("全面推行双随机一公开监管")
    assert "双随机一公开" not in segmenter(()).words("全面推行双随机一公开监管")


def test_segmentation_is_jiebas_with_the_hmm_off(sample_text: str) -> None:
    ours = segmenter(())
    for line in sample_text.splitlines()[11:60]:
        assert [w for w, _, _ in ours.tokens(line)] == list(jieba.cut(line, HMM=False))


def test_phrase_query_works_on_a_whoosh_index_with_this_analyzer(entries: tuple) -> None:
    schema = Schema(id=ID(stored=True), body=TEXT(analyzer=word_analyzer(entries), phrase=True))
    ix = RamStorage().create_index(schema)
    with ix.writer() as writer:
        writer.add_document(id="a", body="加强行政复议和行政应诉工作")
        writer.add_document(id="b", body="行政应诉和复议")
    with ix.searcher() as searcher:
        query = QueryParser("body", schema).parse('"行政复议 和 行政应诉"')
        assert [hit["id"] for hit in searcher.search(query)] == ["a"]


def test_words_field_gives_the_postings_the_analyzer_would(entries: tuple) -> None:
    fast = dict((w, f) for w, f, _, _ in WordsField(entries).index(SENTENCE))
    slow = {}
    for token in word_analyzer(entries)(SENTENCE):
        key = token.text.encode()
        slow[key] = slow.get(key, 0) + 1
    assert fast == slow


def test_user_dictionary_errors_name_the_line(tmp_path) -> None:
    bad = tmp_path / "user.dict"
    bad.write_text("行政复议 lots n\n", encoding="utf-8")
    with pytest.raises(SourceError, match="第 1 行"):
        read_dictionary(bad)
