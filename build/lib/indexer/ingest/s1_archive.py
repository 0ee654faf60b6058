"""Stage 1, zip archives: each member read as a file, named inside its archive.

A .zip of reports is read member by member, in the archive's order, and each member is a
file of its own for everything after: read by the reader of its type, skipped alone with
its reason, its reports' `source` naming it inside the archive (`bundle.zip/2023/报告.docx`).
The archive is one file to the build (hashed and tracked whole), so its reports are kept,
added and removed with it; a member's reports keep their ids across rebuilds because ids
come from content.

Nothing is extracted to disk. What an archive may hold is bounded, and a member beyond a
bound is skipped with the reason: archives inside archives at most `MAX_DEPTH` deep, a
member at most `MAX_MEMBER_BYTES` unpacked, all members of one archive (nested ones
included) at most `MAX_TOTAL_BYTES` and `MAX_MEMBERS`, and a large member compressed more
than `MAX_RATIO` times is a bomb. A member whose name climbs out of the archive (`..`) or
starts at a root is refused. Names are UTF-8 when the archive says so (or they decode as
UTF-8), else GBK as Chinese Windows writes them (read as GB18030); hidden entries
(`__MACOSX/`, `.DS_Store`, `~$` lock files) are passed over as in a folder.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from indexer.errors import SourceError
from indexer.models import Skipped

ARCHIVE_SUFFIXES = frozenset({".zip"})
MAX_DEPTH = 3
"""An archive in an archive in an archive is read; one level deeper is skipped."""
MAX_MEMBER_BYTES = 200_000_000
MAX_TOTAL_BYTES = 1_000_000_000
MAX_MEMBERS = 10_000
MAX_RATIO = 200
"""Compression beyond this on a member over `_RATIO_FLOOR` bytes is taken for a zip bomb."""
_RATIO_FLOOR = 1_000_000
_UTF8_NAME = 0x800  # general purpose flag bit 11: the name is UTF-8
_ENCRYPTED = 0x1


@dataclass(frozen=True)
class Member:
    """One file inside an archive: its path as archive path + name inside, and its bytes."""

    path: Path
    data: bytes


@dataclass
class _Budget:
    """What is left to unpack of one archive, shared by the archives nested in it."""

    bytes: int
    members: int


def is_archive(path: Path) -> bool:
    return path.suffix.lower() in ARCHIVE_SUFFIXES


def iter_members(path: Path) -> Iterator[Member | Skipped]:
    """Yield every file in the archive at `path`, nested archives opened, or why not.

    Raises SourceError when the archive itself cannot be opened.
    """
    try:
        handle: IO[bytes] = open(path, "rb")  # noqa: SIM115 (closed below, with the zip)
    except OSError as exc:
        raise SourceError(
            f"无法读取文件: {exc.strerror or exc}", hint="请检查文件权限，或文件是否仍在下载中"
        ) from exc
    with handle:
        yield from _members(handle, path, depth=1, budget=_Budget(MAX_TOTAL_BYTES, MAX_MEMBERS))


def _members(
    handle: IO[bytes], path: Path, *, depth: int, budget: _Budget
) -> Iterator[Member | Skipped]:
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise SourceError(
            "无法打开压缩包：文件已损坏，或不是 .zip 格式", hint="请重新下载或重新压缩后再试"
        ) from exc
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = member_name(info)
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if not parts:
                continue
            if _unsafe(parts):  # before the hidden test: ".." must not pass silently
                yield Skipped(Path(f"{path}/{name}"), _UNSAFE)
                continue
            if any(_is_hidden(part) for part in parts):
                continue
            member = path.joinpath(*parts)
            why = _refusal(info, budget)
            if why:
                yield Skipped(member, why)
                continue
            budget.members -= 1
            budget.bytes -= info.file_size
            try:
                data = _read(archive, info)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
                yield Skipped(
                    member, "压缩包里的这个文件已损坏（校验失败或压缩方式不支持），请重新压缩后再试"
                )
                continue
            if not is_archive(member):
                yield Member(member, data)
            elif depth >= MAX_DEPTH:
                yield Skipped(member, f"压缩包嵌套超过 {MAX_DEPTH} 层，未读取；请先解压外层再试")
            else:
                try:
                    yield from _members(io.BytesIO(data), member, depth=depth + 1, budget=budget)
                except SourceError as error:
                    yield Skipped(member, str(error))


def member_name(info: zipfile.ZipInfo) -> str:
    """Return a member's name decoded: UTF-8 when flagged or valid, else GBK (GB18030)."""
    if info.flag_bits & _UTF8_NAME:
        return info.filename
    raw = info.filename.encode("cp437")  # how zipfile decoded the bytes it was given
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "surrogateescape")  # kept losslessly; see s1_names


_UNSAFE = "压缩包里的路径不安全（含 .. 或绝对路径），已拒绝读取；请检查压缩包的来源"


def _unsafe(parts: tuple[str, ...]) -> bool:
    """Whether a member's name climbs out of the archive or starts at a root or drive."""
    return parts[0] == "/" or ".." in parts or ":" in parts[0]


def _refusal(info: zipfile.ZipInfo, budget: _Budget) -> str:
    """Say why a member is not read, or return "" when it may be."""
    if info.flag_bits & _ENCRYPTED:
        return "压缩包里的这个文件已加密，无法读取；请解压后提供未加密的文件"
    if budget.members <= 0:
        return f"压缩包里的文件超过 {MAX_MEMBERS} 个，其余未读取；请解压后分批建立索引"
    if info.file_size > MAX_MEMBER_BYTES:
        return f"解压后超过 {MAX_MEMBER_BYTES // 1_000_000} MB，未读取；请解压后单独提供"
    if info.file_size > budget.bytes:
        total = MAX_TOTAL_BYTES // 1_000_000
        return f"压缩包解压后总计超过 {total} MB，其余未读取；请解压后分批建立索引"
    if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return f"压缩比超过 {MAX_RATIO} 倍，疑似压缩炸弹，已拒绝读取"
    return ""


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Read a member, never more than its declared size (a lying header is damage)."""
    with archive.open(info) as member:
        data = member.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise zipfile.BadZipFile("member larger than declared")
    return data


def _is_hidden(name: str) -> bool:
    return name.startswith((".", "~$")) or name == "__MACOSX"
