"""Numbered index generations behind one atomic pointer, as Lucene keeps its commits.

An index folder holds:

- `gen-000007/`, … : complete, immutable generations (`layout.IndexLayout` says what is
  inside one); a build writes a new one beside the current one and never touches that;
- `CURRENT`: the name of the generation readers open, replaced by one atomic rename
  (written to a temporary file, fsynced, renamed, folder fsynced);
- `BUILD_ID`: the current generation's build id, a convenience copy for scripts that ask
  "is there an index?" (readers go by `CURRENT`);
- `LOCK`: held (fcntl) by the one build running, with its pid inside.

A reader holds a shared `flock` on the generation folder it opened, for as long as it
uses it; a build deletes an old generation only once it can take that lock exclusively,
so a searcher never loses its files. The kernel drops a killed process's locks, so a
stale build lock or reader lock needs no clean-up of its own. Everything that is neither
the current generation nor read by anyone (a killed build's half generation, a temporary
pointer, the staging and `.retired-` folders of the older swap-a-folder design) is
removed by the next build.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import re
import shutil
import signal
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from indexer.errors import ReportSearchError

CURRENT = "CURRENT"
LOCK = "LOCK"
BUILD_ID = "BUILD_ID"
_GENERATION = re.compile(r"^gen-(\d{6,})$")
# Parts of the single-folder layout used before generations: a build upgrades them away.
LEGACY_PARTS = ("store.sqlite", "whoosh", "literal", "ranking")

FAULT_ENV = "REPORT_SEARCH_BUILD_FAULT"
"""Fault injection for tests: `point` or `point:sleep` (seconds) or `point:exit`.

At the named point the build kills itself with SIGKILL (default), exits, or sleeps, so a
test can check that an interruption there leaves a searchable index."""


class BuildLockedError(ReportSearchError):
    """Another build holds the index folder's lock."""

    status = 409


def generation_name(number: int) -> str:
    return f"gen-{number:06d}"


def generation_number(name: str) -> int | None:
    match = _GENERATION.match(name)
    return int(match.group(1)) if match else None


def read_current(root: Path) -> str | None:
    """Return the name of the current generation, or None when there is none."""
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name if generation_number(name) is not None else None


def generations(root: Path) -> list[str]:
    """Return the generation folders present, oldest first."""
    try:
        names = [p.name for p in root.iterdir() if p.is_dir()]
    except FileNotFoundError:
        return []
    numbered = {n: number for n in names if (number := generation_number(n)) is not None}
    return sorted(numbered, key=numbered.__getitem__)


def next_generation(root: Path) -> str:
    numbers = [generation_number(n) or 0 for n in generations(root)]
    return generation_name(max(numbers, default=0) + 1)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def fsync_tree(folder: Path) -> None:
    """fsync every file and folder under `folder`, so a crash cannot undo a published one."""
    for dirpath, _dirnames, filenames in os.walk(folder):
        for name in filenames:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(root: Path, name: str, build_id: str) -> None:
    """Make generation `name` current: one atomic rename of the pointer, fsynced."""
    fault_point("before-pointer")
    _write_atomically(root / CURRENT, name + "\n")
    _fsync_dir(root)
    fault_point("after-pointer")
    _write_atomically(root / BUILD_ID, build_id + "\n")


@contextlib.contextmanager
def build_lock(root: Path, *, wait: bool = False) -> Iterator[None]:
    """Hold the index folder's build lock; fail at once (or wait) if a build holds it."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise BuildLockedError(
                f"另一个构建正在进行 (pid {holder})",
                hint="等它结束后再运行，或加 --wait 排队",
            ) from None
        # A killed build's lock went with its process; its pid may still be written here.
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


class ReaderLock:
    """A shared lock on a generation folder, held while an engine reads it."""

    def __init__(self, generation: Path) -> None:
        self.fd: int | None = os.open(generation, os.O_RDONLY)
        fcntl.flock(self.fd, fcntl.LOCK_SH)

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def remove_if_unused(generation: Path) -> bool:
    """Delete a generation folder unless a reader holds it; hold it while deleting."""
    try:
        fd = os.open(generation, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    try:
        shutil.rmtree(generation, ignore_errors=True)
    finally:
        os.close(fd)
    return True


def clean_up(root: Path) -> list[str]:
    """Remove every leftover of earlier builds that no reader uses; return their names.

    Call with the build lock held: then no build is writing a generation.
    """
    current = read_current(root)
    removed = []
    for name in generations(root):
        if name != current and remove_if_unused(root / name):
            removed.append(name)
    for path in root.glob(".*.tmp-*"):
        path.unlink(missing_ok=True)
        removed.append(path.name)
    if current is not None:
        for part in LEGACY_PARTS:
            path = root / part
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
                removed.append(part)
            elif path.exists():
                path.unlink()
                removed.append(part)
    # Folders the swap-a-whole-folder builds left beside the index when killed.
    for path in root.parent.glob(f".{root.name}.building-*"):
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    for path in root.parent.glob(f".{root.name}.retired-*"):
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    return removed


def fault_point(name: str) -> None:
    """Die, exit or sleep here if $REPORT_SEARCH_BUILD_FAULT names this point (tests)."""
    wanted = os.environ.get(FAULT_ENV, "")
    if not wanted:
        return
    point, _, action = wanted.partition(":")
    if point != name:
        return
    if action == "exit":
        os._exit(3)
    if action.replace(".", "", 1).isdigit():
        time.sleep(float(action))
        return
    os.kill(os.getpid(), signal.SIGKILL)


# Worker processes ----------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1
_die_with_parent_installed = False
_forking_parent = 0


def _remember_parent() -> None:
    global _forking_parent
    _forking_parent = os.getpid()


def _set_parent_death_signal() -> None:
    die_with(_forking_parent)


def die_with(parent: int) -> None:
    """Have this process killed when its parent, process `parent`, dies (Linux); exit at
    once when it is gone already."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


def make_children_die_with_parent() -> None:
    """Have every process forked from now on killed when this one dies (Linux).

    Whoosh's multiprocessing writer forks workers that wait on a queue; without this a
    `kill -9` of the build left them blocked forever, holding memory and the build lock.
    """
    global _die_with_parent_installed
    if _die_with_parent_installed or not sys.platform.startswith("linux"):
        return
    os.register_at_fork(before=_remember_parent, after_in_child=_set_parent_death_signal)
    _die_with_parent_installed = True
