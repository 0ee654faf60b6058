"""The owner of a web server's shard actors: a process of its own, started before the fork.

`python -m webapp --ray ADDRESS` serves a sharded index from Ray actors. A Ray
connection does not survive a fork, gunicorn forks its workers, and an actor lives as
long as the connection that made it. So the server's master starts this process first,
as a fresh interpreter (`hosted`): it joins the cluster (with `local`, starts one), makes
every shard's replicas (`serving.RayShards`), has each open the current generation,
prints the cluster's address on one line, and holds the actors until its input closes:
when the server stops, or dies. Each web worker joins the cluster by that address after
the fork and reaches the same actors by their names.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import ray

import indexer
from indexer.distributed.connecting import RayUnavailableError, connected
from indexer.distributed.serving import RayShards, RayShardSets
from indexer.errors import IndexMissingError, ReportSearchError
from indexer.index.cluster import shard_count
from indexer.index.layout import IndexLayout

STOP_SECONDS = 30.0  # how long the owner may take to stop its actors (and a local cluster)


def host(index_dir: Path, address: str, replicas: int, timeout: float) -> None:
    """Run as the owner (see the module): print `{"address"}` or `{"error", "hint"}`."""
    try:
        with connected(address) as reached:
            count = _shard_count(index_dir)
            shards = RayShards(index_dir, count, replicas=replicas, timeout=timeout)
            warm(shards, IndexLayout.current(index_dir))
            _say({"address": reached})
            sys.stdin.read()  # until the server closes our input (or dies)
    except ReportSearchError as exc:
        _say({"error": exc.message, "hint": exc.hint})
        sys.exit(2)


def warm(shards: RayShards, layout: IndexLayout | None) -> None:
    """Have every replica open the generation `layout` names, before anyone asks."""
    if layout is None:
        return
    generation = layout.root.name
    ray.get([actor.call.remote("counts", (generation,)) for row in shards.actors for actor in row])


def _shard_count(index_dir: Path) -> int:
    current = IndexLayout.current(index_dir)
    count = shard_count(current)
    if current is None or count < 2:
        raise IndexMissingError(
            f"{index_dir} 不是分片索引：--ray 用 Ray 的 actor 提供各分片的检索",
            hint="先建分片索引：python -m indexer build SOURCE --index DIR --shards 3；"
            "或不加 --ray，在本机提供检索",
        )
    return count


def _say(message: dict[str, object]) -> None:
    print(json.dumps(message, ensure_ascii=False), flush=True)


@contextlib.contextmanager
def hosted(
    index_dir: Path, address: str, *, replicas: int, timeout: float
) -> Iterator[RayShardSets]:
    """Start the owner for the body (see the module) and yield what reaches its actors;
    stop it after. Fails in Chinese (`RayUnavailableError`) when it could not start."""
    package_parent = str(Path(indexer.__file__).parent.parent)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [package_parent, *filter(None, [os.environ.get("PYTHONPATH")])]
    )}  # fmt: skip
    command = [
        sys.executable, "-m", "indexer.distributed.hosting",
        str(index_dir.resolve()), address, str(replicas), str(timeout),
    ]  # fmt: skip
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=environment
    ) as owner:
        assert owner.stdin is not None and owner.stdout is not None
        try:
            line = owner.stdout.readline()
            said = json.loads(line) if line.strip() else {"error": "启动 Ray 上的分片服务失败"}
            if "address" not in said:
                raise RayUnavailableError(str(said.get("error")), hint=said.get("hint"))
            yield RayShardSets(said["address"], replicas=replicas, timeout=timeout)
        finally:
            owner.stdin.close()  # the owner's signal to stop
            try:
                owner.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                owner.kill()


if __name__ == "__main__":
    host(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
