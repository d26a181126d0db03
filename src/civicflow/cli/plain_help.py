"""Help that reads well for a civil servant: value names like ``FILE`` or ``URL`` instead of
Typer's Python type names (``<str>``, ``<bool>``, ``<list[Path]>``) and ``{FILE}`` in usage lines.

Typer (pinned in pyproject) prints a parameter's Python type unless the parameter has a
``metavar``, and always does so for arguments. ``PlainHelpGroup``, the class of the root command,
gives every option without a ``metavar`` one (flags none at all), and turns arguments into
``PlainArgument``, which shows its name only. A test reads every command's help.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

#: value names by Python type, for options that set no metavar of their own
_BY_TYPE = {"str": "TEXT", "int": "N", "float": "NUMBER", "bool": ""}


class PlainArgument(TyperArgument):
    """An argument shown as ``NAME`` (``[NAME]`` when optional, ``NAME...`` when repeated)."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        return name if self.required else f"[{name}]"

    def _rich_display_name(self) -> str:
        return self.display_name_raw


def _argument_metavar(argument: TyperArgument) -> str:
    name = argument.metavar or (argument.name or "value").upper().replace("_", "-")
    if argument.nargs != 1 and not name.endswith("..."):
        name += "..."
    return name


def _option_metavar(option: TyperOption) -> str:
    if option.is_flag or option.count:
        return ""
    descriptor = option.type_descriptor
    if descriptor.is_choice:
        label = "|".join(str(c) for c in descriptor.choices or ())
    elif descriptor.is_path:
        label = "FOLDER" if descriptor.path_type == "dir" else "FILE"
    else:
        label = _BY_TYPE.get(option.bare_type().removeprefix("list[").rstrip("]"), "VALUE")
    return label


def polish(command: TyperCommand | TyperGroup) -> None:
    """Give ``command`` (and, for a group, every subcommand) plain value names in its help."""
    params = list(command.params)
    help_option = command.get_help_option(typer.Context(command))
    if help_option is not None:
        params.append(help_option)
    for param in params:
        if isinstance(param, TyperOption) and param.metavar is None:
            param.metavar = _option_metavar(param)
        elif isinstance(param, TyperArgument) and not isinstance(param, PlainArgument):
            param.metavar = _argument_metavar(param)
            param.__class__ = PlainArgument
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            if isinstance(sub, TyperCommand | TyperGroup):
                polish(sub)


class PlainHelpGroup(TyperGroup):
    """The root command: polishes the help of every command it is built with."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        polish(self)
