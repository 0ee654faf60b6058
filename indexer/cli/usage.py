"""Usage errors in Chinese: what was wrong on the command line and what to type instead.

click says `Error: Invalid value for '--limit': 0 is not in the range 1<=x<=100000.` in
English. Commands made with `ChineseGroup` or `ChineseCommand` (python -m indexer, python
-m webapp) run click without its own error printing and say the same in Chinese: the
option, what it accepts (a range, a list of choices), a similar name for a mistyped
option or command, then how to see the help. The exit status stays click's, 2.
"""

from __future__ import annotations

import difflib
import sys
from typing import Any

import click


def _accepts(param: click.Parameter | None) -> str:
    """What a parameter's type accepts, in words."""
    kind = param.type if param is not None else None
    if isinstance(kind, click.IntRange):
        low = "" if kind.min is None else str(kind.min)
        high = "" if kind.max is None else str(kind.max)
        if low and high:
            return f"应是 {low}–{high} 之间的整数"
        return f"应是不小于 {low} 的整数" if low else f"应是不大于 {high} 的整数"
    if isinstance(kind, click.Choice):
        return "应是 " + "、".join(map(str, kind.choices)) + " 之一"
    if kind is click.INT:
        return "应是整数"
    if isinstance(kind, click.Path):
        return "应是存在的路径" if kind.exists else "应是路径"
    return ""


def _name(param: click.Parameter | None, hint: str | None) -> str:
    if param is not None and param.opts and param.opts[0].startswith("-"):
        return f"选项 {param.opts[0]}"
    if param is not None and param.name:
        return f"参数 {param.name.upper()}"
    return f"参数 {hint}" if hint else "参数"


def chinese_message(error: click.UsageError) -> str:
    """Say a click usage error in Chinese."""
    if isinstance(error, click.NoSuchOption):
        message = f"没有选项 {error.option_name}"
        if error.possibilities:
            message += "，是不是要写 " + " 或 ".join(sorted(error.possibilities)) + "？"
        return message
    if isinstance(error, click.BadOptionUsage):
        return f"选项 {error.option_name} 用法不对（后面要跟一个值吗？）"
    if isinstance(error, click.MissingParameter):
        return f"缺少{_name(error.param, error.param_hint)}"  # type: ignore[arg-type]
    if isinstance(error, click.BadParameter):
        said = _accepts(error.param)
        detail = f"：{said}" if said else f"（{error.message}）"
        return f"{_name(error.param, error.param_hint)} 的值不对{detail}"  # type: ignore[arg-type]
    text = error.message
    if text.startswith("No such command"):
        name = text.split("'")[1] if "'" in text else ""
        group = error.ctx.command if error.ctx is not None else None
        known = sorted(getattr(group, "commands", {}))
        close = difflib.get_close_matches(name, known, n=1)
        message = f"没有命令 {name}"
        if close:
            message += f"，是不是要写 {close[0]}？"
        return message + "（可用：" + "、".join(known) + "）"
    if text.startswith("Got unexpected extra argument"):
        extra = text.partition("(")[2].rstrip(")")
        return f"多余的参数：{extra}（查询里有空格时，请把整个查询放进引号）"
    if text.startswith("Missing command"):
        return "缺少命令"
    return text


class ChineseUsageErrors:
    """A mixin for click commands: usage errors printed in Chinese, exit status 2."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        try:
            value = super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[misc]
        except click.UsageError as error:
            if not standalone_mode:
                raise
            ctx = error.ctx
            click.echo(f"错误：{chinese_message(error)}", err=True)
            if ctx is not None:
                click.echo(f"用法：{ctx.get_usage().removeprefix('Usage: ')}", err=True)
                click.echo(f"帮助：{ctx.command_path} --help", err=True)
            sys.exit(error.exit_code)
        except click.Abort:
            if not standalone_mode:
                raise
            click.echo("已中止", err=True)
            sys.exit(1)
        except click.ClickException as error:
            if not standalone_mode:
                raise
            click.echo(f"错误：{error.format_message()}", err=True)
            sys.exit(error.exit_code)
        if standalone_mode:
            sys.exit(value if isinstance(value, int) else 0)
        return value


class ChineseGroup(ChineseUsageErrors, click.Group):
    """A command group whose usage errors are said in Chinese."""


class ChineseCommand(ChineseUsageErrors, click.Command):
    """A command whose usage errors are said in Chinese."""
