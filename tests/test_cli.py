"""The command line: build, reports, stats and search, as scripts call them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from indexer.cli import main


def test_build_prints_a_summary_and_lists_skipped_files(
    runner: CliRunner, sample_dir: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 broken")
    result = runner.invoke(
        main, ["build", str(sample_dir), str(bad), "--index", str(tmp_path / "ix")]
    )
    assert result.exit_code == 0, result.output
    assert "报告 8 篇" in result.output
    assert "跳过文件 1 个" in result.output and "bad.pdf" in result.output


def test_build_json_prints_files_read_reports_and_skipped_files(
    runner: CliRunner, sample_dir: Path, tmp_path: Path
) -> None:
    result = runner.invoke(
        main, ["build", str(sample_dir), "--index", str(tmp_path / "ix"), "--json"]
    )
    summary = json.loads(result.stdout)
    assert (summary["files_read"], summary["reports"], summary["skipped"]) == (1, 8, [])


def test_build_of_nothing_readable_fails_with_a_message(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        main, ["build", str(tmp_path / "missing"), "--index", str(tmp_path / "ix")]
    )
    assert result.exit_code == 1
    assert "错误" in result.output and "Traceback" not in result.output


def test_reports_json_lists_the_eight_reports(runner: CliRunner, sample_index: Path) -> None:
    result = runner.invoke(main, ["reports", "--index", str(sample_index), "--json"])
    assert result.exit_code == 0
    reports = json.loads(result.output)
    assert len(reports) == 8
    required = {
        "report_id", "title", "issuer", "province", "city", "county", "department",
        "year", "laws", "doc_numbers", "source", "passages",
    }  # fmt: skip
    assert all(required <= set(r) for r in reports)
    assert reports[1]["issuer"] == "六盘水市民政局"
    assert reports[1]["passages"] > 10
    assert "浙民法〔2023〕45号" in reports[0]["doc_numbers"]


def test_reports_plain_prints_one_line_per_report(runner: CliRunner, sample_index: Path) -> None:
    result = runner.invoke(main, ["reports", "--index", str(sample_index)])
    assert len(result.output.strip().splitlines()) == 8


def test_stats_counts_the_samples_reports_and_provinces_as_json_and_as_text(
    runner: CliRunner, sample_index: Path
) -> None:
    result = runner.invoke(main, ["stats", "--index", str(sample_index), "--json"])
    stats = json.loads(result.output)
    assert (stats["reports"], stats["provinces"]["贵州省"]) == (8, 2)
    plain = runner.invoke(main, ["stats", "--index", str(sample_index)])
    assert "报告 8 篇" in plain.output
    # A report stating no year counts as 未识别, the word every other listing uses.
    assert stats["years"]["未识别"] == 1
    assert "未识别 1" in plain.output and "未知" not in plain.output


def test_search_json_highlights_cover_exactly_the_query(
    runner: CliRunner, sample_index: Path
) -> None:
    result = runner.invoke(main, ["search", "行政复议", "--index", str(sample_index), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["total_reports"] == 5
    assert len(data["hits"]) == min(10, data["total_passages"]) == 8
    for hit in data["hits"]:
        assert all(hit["text"][a:b] == "行政复议" for a, b in hit["highlights"])


def test_search_all_returns_every_hit(runner: CliRunner, sample_index: Path) -> None:
    result = runner.invoke(main, ["search", "法", "--index", str(sample_index), "--json", "--all"])
    data = json.loads(result.output)
    assert len(data["hits"]) == data["total_passages"] > 100


def test_search_plain_output_groups_by_report(runner: CliRunner, sample_index: Path) -> None:
    result = runner.invoke(main, ["search", "一证通办", "--index", str(sample_index)])
    assert "2 篇报告" in result.output
    assert result.output.count("/reports/") == 2


def test_malformed_query_is_a_message_not_a_traceback(
    runner: CliRunner, sample_index: Path
) -> None:
    result = runner.invoke(main, ["search", '"行政复议', "--index", str(sample_index)])
    assert result.exit_code == 1
    assert "引号" in result.output and "Traceback" not in result.output


def test_missing_index_says_how_to_build_one(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["search", "法", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "python -m indexer build" in result.output


def test_search_help_documents_the_query_language(runner: CliRunner) -> None:
    result = runner.invoke(main, ["search", "--help"])
    assert "region" in result.output and "OR" in result.output and "year:2021-2023" in result.output


def test_control_characters_never_reach_the_terminal(runner: CliRunner, tmp_path: Path) -> None:
    from indexer.cli import printable

    assert printable("a\x1b[2Jb\x00c\x9bd\re\r\nf\tg") == "a\ufffd[2Jb\ufffdc\ufffdd\ufffde\r\nf\tg"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "evil\x1b[2J.txt").write_text("关于法治政府建设的报告\n一、工作\n依法行政。\n")
    result = runner.invoke(main, ["build", str(corpus), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0, result.output
    listing = runner.invoke(main, ["reports", "--index", str(tmp_path / "ix")])
    found = runner.invoke(main, ["search", "依法\x1b[2J", "--index", str(tmp_path / "ix")])
    for output in (result.output, listing.output, found.output):
        assert "\x1b" not in output
    assert "evil\ufffd[2J.txt" in listing.output
