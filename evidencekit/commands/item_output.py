"""What ``add``, ``capture``, ``link`` and ``fetch`` print for each item they store: one
line ``자료 #4: photo.jpg`` (the file name, or a page's title and address), or with
``--json`` one JSON array of the stored items, as ``list --json`` prints them."""

from __future__ import annotations

import argparse
import sys

from evidencekit.i18n import tr
from evidencekit.model import Item
from evidencekit.textsafe import terminal_safe

__all__ = ["ItemReporter", "add_json_option", "item_name"]


def add_json_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help=tr("cli.help.json_stored"))


def item_name(item: Item) -> str:
    """What a person knows the item by: its file's name, a page's title and address."""
    if item.kind == "link":
        url = str(item.metadata.get("url_display") or item.metadata.get("url")
                  or item.source)
        if item.title and item.title != url:
            return f"{item.title} — {url}"
        return url
    if item.kind == "file":
        return item.source or item.title
    return item.title or item.source


class ItemReporter:
    """Prints each stored item as it is stored, or all of them as JSON at the end."""

    def __init__(self, as_json: bool = False) -> None:
        self.as_json = as_json
        self.items: list[Item] = []

    def report(self, item: Item) -> None:
        if self.as_json:
            self.items.append(item)
            return
        line = tr("cli.item.stored", number=item.number, name=terminal_safe(item_name(item)))
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def finish(self) -> None:
        if self.as_json:
            from evidencekit.commands.common import print_json

            print_json([i.public() for i in self.items])
