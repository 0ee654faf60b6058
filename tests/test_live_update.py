"""A running web app follows index updates: no request fails, none sees a mix."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from indexer.build import build_index
from tests.helpers import write_reports
from webapp import create_app


def test_the_web_app_serves_each_new_generation_without_a_failed_request(tmp_path: Path) -> None:
    corpus = write_reports(tmp_path / "corpus", {"紫菜": 1, "海带": 2})
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    client = create_app({"TESTING": True, "INDEX_DIR": index_dir}).test_client()
    statuses: list[int] = []
    totals: set[int] = set()
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            response = client.get("/api/search", query_string={"q": "法治政府建设"})
            statuses.append(response.status_code)
            if response.status_code == 200:
                totals.add(response.get_json()["total_reports"])

    askers = [threading.Thread(target=ask) for _ in range(3)]
    for thread in askers:
        thread.start()
    try:
        for number, subject in enumerate(["石花菜", "裙带菜", "鹿角菜"], start=3):
            write_reports(corpus, {subject: number})
            build_index([corpus], index_dir)
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in askers:
            thread.join()
    assert statuses and set(statuses) == {200}
    assert totals <= {2, 3, 4, 5}  # every answer is one whole generation's count
    after = client.get("/api/search", query_string={"q": "鹿角菜"}).get_json()
    assert after["total_reports"] == 1  # the newest generation is served, no restart
