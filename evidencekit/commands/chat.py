"""Chat sub-commands: ``import-chat`` (a Telegram, KakaoTalk or LINE export as one item)
and ``chat`` (show a chat item's transcript, mark key messages with a note)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from evidencekit.commands.common import (
    add_secret_options,
    item_number,
    open_vault,
    print_json,
    stderr_progress,
)
from evidencekit.i18n import tr

__all__ = ["register"]


def register(sub: Any) -> None:
    from evidencekit.capture.chat.detect import FORMATS

    p = sub.add_parser("import-chat", help=tr("chat.cli.help.import"))
    p.add_argument("vault", type=Path)
    p.add_argument("path", type=Path, help=tr("chat.cli.help.path"))
    p.add_argument("--format", default="auto", choices=FORMATS, help=tr("chat.cli.help.format"))
    p.add_argument("--zone", default="Asia/Seoul", metavar="ZONE", help=tr("chat.cli.help.zone"))
    p.add_argument("--title", default=None)
    p.add_argument("--note", default=None)
    add_secret_options(p)
    p.set_defaults(func=cmd_import_chat)

    p = sub.add_parser("chat", help=tr("chat.cli.help.chat"))
    p.add_argument("vault", type=Path)
    p.add_argument("number", type=item_number)
    p.add_argument("--select", metavar="IDS", help=tr("chat.cli.help.select"))
    p.add_argument("--note", default="", help=tr("chat.cli.help.note"))
    p.add_argument("--clear", action="store_true", help=tr("chat.cli.help.clear"))
    p.add_argument("--key", action="store_true", help=tr("chat.cli.help.key"))
    p.add_argument("--search", metavar="TEXT", help=tr("chat.cli.help.search"))
    p.add_argument("--json", action="store_true")
    add_secret_options(p)
    p.set_defaults(func=cmd_chat)


def cmd_import_chat(args: argparse.Namespace) -> int:
    from evidencekit.capture.chat.importer import check_zone, import_chat

    check_zone(args.zone)
    vault = open_vault(args, writable=True)
    try:
        item, prepared = import_chat(vault, args.path, fmt=args.format, zone=args.zone,
                                     title=args.title, progress=stderr_progress())
        if args.note and args.note.strip():
            vault.add_note(item.number, args.note)
    finally:
        vault.close()
    for w in prepared.warnings:
        sys.stderr.write(f"evidencekit: {w.file}: {tr(w.key, **w.params)}\n")
    c = prepared.summary
    sys.stderr.write(tr("chat.cli.imported", number=item.number, messages=c["messages"],
                        media=c["media"], gaps=c["gaps"], files=len(item.parts) - 1,
                        zone=args.zone) + "\n")
    sys.stdout.write(f"{item.number}\n")
    return 0


def _time(value: str | None, zone: str) -> str:
    if not value:
        return "—"
    try:
        dt = datetime.fromisoformat(value)
        local = dt.astimezone(ZoneInfo(zone))
    except (ValueError, KeyError):
        return value
    return f"{local.strftime('%Y-%m-%d %H:%M:%S')} {local.tzname()} " \
           f"({dt.astimezone(ZoneInfo('UTC')).strftime('%H:%M:%S')} UTC)"


def gap_text(gap: str) -> str:
    """A gap's reason for people: our codes translated, the export's placeholder as is."""
    key = f"chat.gap.{gap}"
    return tr(key) if gap.isidentifier() else gap


def cmd_chat(args: argparse.Namespace) -> int:
    from evidencekit.capture.chat.selection import (
        clear_selection,
        key_ids,
        parse_selection,
        select_messages,
    )
    from evidencekit.capture.chat.transcript import load_transcript

    writing = bool(args.select or args.clear)
    vault = open_vault(args, writable=writing)
    try:
        item = vault.item(args.number)
        transcript = load_transcript(vault, item)
        if args.clear:
            item = clear_selection(vault, item.number)
        if args.select:
            ids = parse_selection(args.select, transcript)
            item = select_messages(vault, item.number, ids, args.note)
            sys.stderr.write(tr("chat.cli.selected", count=len(ids), number=item.number)
                             + "\n")
    finally:
        vault.close()
    keys = key_ids(item)
    messages = transcript.messages
    if args.key:
        messages = [m for m in messages if m.id in keys]
    if args.search:
        needle = args.search.casefold()
        messages = [m for m in messages if needle in m.search_text()]
    if args.json:
        from evidencekit.capture.chat.transcript import encode_message

        out = []
        for m in messages:
            d = encode_message(m)
            d["media"] = [{**x.to_json(), "sha256": x.sha256} for x in m.media]
            d["key"] = m.id in keys
            out.append(d)
        print_json({"number": item.number, "chat": item.metadata.get("chat", {}),
                    "messages": out})
        return 0
    if writing and not (args.key or args.search):
        return 0
    zone = item.timezone or "Asia/Seoul"
    for m in messages:
        mark = "*" if m.id in keys else " "
        who = m.sender or tr("chat.cli.service")
        line = f"{mark}{m.id:>7}  {_time(m.time_utc, zone)}  {who}: {m.text}"
        if m.time_flag:
            line += f"  [{tr('chat.cli.time_unparsed', text=m.time_text)}]"
        for x in m.media:
            if x.gap is not None:
                line += f"\n{'':10}[{tr('chat.cli.gap', kind=x.kind, reason=gap_text(x.gap))}]"
            else:
                line += f"\n{'':10}[{x.kind} {x.path} SHA-256 {x.sha256}]"
        sys.stdout.write(line.replace("\n", "\n          ") + "\n")
    return 0
