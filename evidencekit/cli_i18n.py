"""argparse's own texts (usage:, headings, error lines) through the message catalogue.

argparse looks its texts up with ``gettext`` through the module-level names ``_`` and
``ngettext`` at the moment it uses them; :func:`localised_argparse` swaps those two for
functions that translate the texts EvidenceKit's users can meet, then puts them back.
Texts not listed stay English (they are programming errors, not user input).
"""

from __future__ import annotations

import argparse
import gettext
from collections.abc import Iterator
from contextlib import contextmanager

from evidencekit.i18n import LANGUAGES, catalogue, tr

__all__ = ["MESSAGES", "localised_argparse", "VERSION_HELP_KEY", "early_language", "fill_help"]

#: argparse's English text → catalogue key (the English catalogue holds the same text).
MESSAGES = {
    "usage: ": "cli.argparse.usage",
    "positional arguments": "cli.argparse.positional",
    "options": "cli.argparse.options",
    "show this help message and exit": "cli.argparse.help",
    "%(prog)s: error: %(message)s\n": "cli.argparse.error",
    "argument %(argument_name)s: %(message)s": "cli.argparse.argument",
    "invalid choice: %(value)r (choose from %(choices)s)": "cli.argparse.invalid_choice",
    "invalid %(type)s value: %(value)r": "cli.argparse.invalid_value",
    "the following arguments are required: %s": "cli.argparse.required",
    "unrecognized arguments: %s": "cli.argparse.unrecognized",
    "expected one argument": "cli.argparse.expected_one",
    "expected at most one argument": "cli.argparse.expected_at_most_one",
    "expected at least one argument": "cli.argparse.expected_at_least_one",
    "not allowed with argument %s": "cli.argparse.not_allowed_with",
    "one of the arguments %s is required": "cli.argparse.one_required",
    "ambiguous option: %(option)s could match %(matches)s": "cli.argparse.ambiguous",
    "ignored explicit argument %r": "cli.argparse.ignored_explicit",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "cli.argparse.unknown_parser",
    "can't open '%(filename)s': %(error)s": "cli.argparse.cannot_open",
}
PLURALS = {
    ("expected %s argument", "expected %s arguments"): "cli.argparse.expected_n",
}
VERSION_HELP_KEY = "cli.argparse.version"


def _gettext(message: str) -> str:
    key = MESSAGES.get(message)
    return tr(key) if key else message


def _ngettext(singular: str, plural: str, n: int) -> str:
    key = PLURALS.get((singular, plural))
    if key:
        return tr(key)
    return singular if n == 1 else plural


@contextmanager
def localised_argparse() -> Iterator[None]:
    """Within the block, argparse speaks the current language."""
    names = vars(argparse)
    old = names.get("_", gettext.gettext), names.get("ngettext", gettext.ngettext)
    names["_"], names["ngettext"] = _gettext, _ngettext
    try:
        yield
    finally:
        names["_"], names["ngettext"] = old


def early_language(args: list[str]) -> str | None:
    """The ``--lang`` given before the command (a command's own ``--lang``, such as the
    bundle language of ``export``, is not the program's language)."""
    found: str | None = None
    it = iter(args)
    for arg in it:
        if arg == "--lang":
            found = next(it, None)
        elif arg.startswith("--lang="):
            found = arg.split("=", 1)[1]
        elif not arg.startswith("-"):
            break
    return found if found in LANGUAGES else None


def fill_help(parser: argparse.ArgumentParser, command: str = "") -> None:
    """Give every argument without a help text the catalogue's: ``cli.arg.<command>.<dest>``
    when a command means something of its own by it, else ``cli.arg.<dest>``."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            if not action.help:
                action.help = tr("cli.arg.action", choices=", ".join(action.choices))
            for name, sub in action.choices.items():
                fill_help(sub, f"{command}_{name}" if command else name)
            continue
        if action.help:
            continue
        for key in (f"cli.arg.{command}.{action.dest}", f"cli.arg.{action.dest}"):
            if key in catalogue("en"):
                action.help = tr(key)
                break
