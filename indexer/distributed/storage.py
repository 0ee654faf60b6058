"""Whether every node of the cluster sees the index folder and the files to read.

A build on Ray reads files in tasks and writes each shard in an actor, on whichever node
Ray places them, by the same paths the command was given. Those paths must therefore
name the same files on every node: a shared file system (NFS, CephFS, a cloud file
share) mounted at the same place. A node that sees a different folder would write a
shard where nobody reads it, or skip files it cannot find: the build checks first, by
writing a marker into the index folder and having a task on every node read it back
and look for each file, and refuses, naming the nodes, before anything is written.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from indexer.errors import SourceError

MARKER_PREFIX = ".shared-check-"
SHOWN = 5  # files named per node in the message; the rest are counted


def what_node_misses(marker: str, token: str, files: Sequence[str]) -> list[str]:
    """What this machine does not see: the marker with its token, then missing files."""
    try:
        seen = Path(marker).read_text(encoding="utf-8") == token
    except OSError:
        seen = False
    missing = [] if seen else [f"索引文件夹 {Path(marker).parent}"]
    return missing + [name for name in files if not os.path.exists(name)]


def check_shared(index_root: Path, files: Sequence[Path]) -> None:
    """Fail with a `SourceError` naming the nodes that do not see `index_root` or one of
    `files`, and what to do; return when every live node sees them all."""
    index_root.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex
    marker = index_root / f"{MARKER_PREFIX}{token}"
    marker.write_text(token, encoding="utf-8")
    look = ray.remote(num_cpus=0)(what_node_misses)
    names = [str(path) for path in files]
    try:
        asked = {
            node["NodeManagerAddress"]: look.options(
                scheduling_strategy=NodeAffinitySchedulingStrategy(node["NodeID"], soft=False)
            ).remote(str(marker), token, names)
            for node in ray.nodes()
            if node["Alive"]
        }
        answers = dict(zip(asked, ray.get(list(asked.values())), strict=True))
    finally:
        marker.unlink(missing_ok=True)
    problems = [(node, missing) for node, missing in sorted(answers.items()) if missing]
    if problems:
        raise SourceError(
            "在 Ray 集群上建索引，索引文件夹和要读的文件必须在每个节点上都能以同一路径访问，"
            "但有节点看不到：" + "".join(_problem_lines(node, m) for node, m in problems),
            hint="把索引文件夹和源文件放在共享存储上（如 NFS），在每个节点挂载到同一路径；"
            "或不加 --ray，在本机建索引",
        )


def _problem_lines(node: str, missing: list[str]) -> str:
    shown = "；".join(missing[:SHOWN])
    more = f" 等 {len(missing)} 处" if len(missing) > SHOWN else ""
    return f"\n  节点 {node}：{shown}{more}"
