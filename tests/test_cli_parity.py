"""The command line as capable as the web: did you mean, the caret, Chinese usage errors, links.

What the search page does for a query (suggestions without hits, a caret under a syntax
error) the CLI prints too; a wrong option or command is answered in Chinese with what to
type; links are absolute when a base URL is configured, as the web app's exports are.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import main


def search(runner: CliRunner, index: Path, *args: str, env: dict | None = None):
    return runner.invoke(main, ["search", *args, "--index", str(index)], env=env)


def test_a_query_without_hits_offers_the_queries_the_web_page_offers(
    runner: CliRunner, sample_index: Path, client
) -> None:
    printed = search(runner, sample_index, "行政复仪")
    assert printed.exit_code == 0
    assert "您是不是要找" in printed.output and "行政复议" in printed.output
    page = client.get("/search", query_string={"q": "行政复仪"}).get_data(as_text=True)
    assert "行政复议" in page and "（8 段）" in printed.output


def test_a_syntax_error_is_shown_with_a_caret_under_its_place(
    runner: CliRunner, sample_index: Path
) -> None:
    printed = search(runner, sample_index, "行政复议 (应诉")
    assert printed.exit_code == 1
    lines = printed.output.splitlines()
    query_line = next(i for i, line in enumerate(lines) if line.strip() == "行政复议 (应诉")
    caret = lines[query_line + 1]
    # Under the bracket: four wide blanks for 行政复议, one for the space.
    assert caret == "  \u3000\u3000\u3000\u3000 ^"
    assert "缺少右括号" in printed.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["search", "x", "--limit", "0"], "选项 --limit 的值不对：应是 1–100000 之间的整数"),
        (["search", "x", "--sort", "best"], "应是 relevance、year、oldest、passages 之一"),
        (["serch", "x"], "没有命令 serch，是不是要写 search？"),
        (["search", "x", "--limitt", "3"], "没有选项 --limitt，是不是要写 --limit？"),
        (["search"], "缺少参数 QUERY"),
        (["kwic", "x", "--width", "500"], "应是 1–200 之间的整数"),
    ],
)
def test_usage_errors_are_said_in_chinese_with_the_help_to_read(
    runner: CliRunner, args: list[str], says: str
) -> None:
    printed = runner.invoke(main, args)
    assert printed.exit_code == 2
    assert says in printed.output
    assert "Error" not in printed.output and "帮助：" in printed.output


def test_the_web_apps_command_says_its_usage_errors_in_chinese(runner: CliRunner) -> None:
    from webapp.cli import main as serve

    printed = runner.invoke(serve, ["--port", "http"])
    assert printed.exit_code == 2
    assert "选项 --port 的值不对：应是 0–65535 之间的整数" in printed.output


def test_links_are_absolute_under_a_base_url_from_the_option_or_the_environment(
    runner: CliRunner, sample_index: Path
) -> None:
    relative = search(runner, sample_index, "行政复议", "--json", "--limit", "1")
    assert json.loads(relative.output)["hits"][0]["url"].startswith("/reports/")
    base = "https://search.example.org"
    for printed in (
        search(runner, sample_index, "行政复议", "--json", "--limit", "1", "--base-url", base),
        search(
            runner,
            sample_index,
            "行政复议",
            "--json",
            "--limit",
            "1",
            env={"REPORT_SEARCH_PUBLIC_BASE_URL": base},
        ),
    ):
        hit = json.loads(printed.output)["hits"][0]
        assert hit["url"].startswith(f"{base}/reports/")
        assert hit["url"] in hit["citation"]  # the citation quotes the absolute permalink
    text = search(runner, sample_index, "行政复议", "--limit", "1", "--base-url", base)
    assert f"  {base}/reports/" in text.output
    bad = search(runner, sample_index, "行政复议", "--base-url", "search.example.org")
    assert bad.exit_code == 2 and "不是网址" in bad.output
