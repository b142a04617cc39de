"""Capture sub-commands: capture (screenshot), link, fetch, recheck, incident."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from evidencekit.commands.common import (
    add_secret_options,
    item_number,
    open_vault,
    stderr_progress,
)
from evidencekit.commands.item_output import ItemReporter, add_json_option
from evidencekit.errors import EvidenceKitError, InputError, NetworkError
from evidencekit.i18n import tr
from evidencekit.model import Item
from evidencekit.vault import Vault

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser("capture", help=tr("cli.help.capture"))
    p.add_argument("vault", type=Path)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--screen", type=int, metavar="N", help=tr("cli.help.screen"))
    g.add_argument("--region", metavar="X,Y,W,H", help=tr("cli.help.region"))
    g.add_argument("--window-title", metavar="TEXT", help=tr("cli.help.window_title"))
    p.add_argument("--delay", type=float, default=0.0, metavar="S")
    add_json_option(p)
    p.add_argument("--title", default=None)
    p.add_argument("--note", default=None)
    add_secret_options(p)
    p.set_defaults(func=cmd_capture)

    p = sub.add_parser("link", help=tr("cli.help.link"))
    p.add_argument("vault", type=Path)
    p.add_argument("url")
    p.add_argument("--offline", action="store_true", help=tr("cli.help.offline"))
    p.add_argument("--title", default="")
    p.add_argument("--note", default="")
    _fetch_options(p)
    add_json_option(p)
    add_secret_options(p)
    p.set_defaults(func=cmd_link)

    p = sub.add_parser("fetch", help=tr("cli.help.fetch"))
    p.add_argument("vault", type=Path)
    p.add_argument("number", type=item_number, nargs="?")
    _fetch_options(p)
    add_json_option(p)
    add_secret_options(p)
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("recheck", help=tr("cli.help.recheck"))
    p.add_argument("vault", type=Path)
    p.add_argument("number", type=item_number, nargs="?")
    p.add_argument("--timeout", type=float, default=15.0)
    p.add_argument("--ca-file", type=Path, default=None, help=tr("cli.help.ca_file"))
    p.add_argument("--scroll-screens", type=int, default=20, metavar="N",
                   help=tr("webcapture.cli.help_scroll_screens"))
    p.add_argument("--scroll-seconds", type=float, default=30.0, metavar="S",
                   help=tr("webcapture.cli.help_scroll_seconds"))
    p.add_argument("--settle-seconds", type=float, default=5.0, metavar="S",
                   help=tr("webcapture.cli.help_settle_seconds"))
    p.add_argument("--no-record", action="store_true", help=tr("webcapture.cli.help_no_record"))
    add_secret_options(p)
    p.set_defaults(func=cmd_recheck)

    p = sub.add_parser("incident", help=tr("cli.help.incident"))
    p.add_argument("vault", type=Path)
    p.add_argument("--text", required=True)
    p.add_argument("--when", default=None, metavar="ISO-TIME")
    p.add_argument("--where", default=None, metavar="PLATFORM")
    p.add_argument("--who", default=None, metavar="TEXT")
    p.add_argument("--title", default=None)
    add_json_option(p)
    add_secret_options(p)
    p.set_defaults(func=cmd_incident)


def _fetch_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--timeout", type=float, default=30.0, metavar="S")
    p.add_argument("--max-body-mb", type=float, default=50.0, metavar="MB")
    p.add_argument("--no-render", action="store_true", help=tr("cli.help.no_render"))
    p.add_argument("--ca-file", type=Path, default=None, help=tr("cli.help.ca_file"))
    p.add_argument("--scroll-screens", type=int, default=20, metavar="N",
                   help=tr("webcapture.cli.help_scroll_screens"))
    p.add_argument("--scroll-seconds", type=float, default=30.0, metavar="S",
                   help=tr("webcapture.cli.help_scroll_seconds"))
    p.add_argument("--settle-seconds", type=float, default=5.0, metavar="S",
                   help=tr("webcapture.cli.help_settle_seconds"))
    p.add_argument("--no-record", action="store_true", help=tr("webcapture.cli.help_no_record"))


def _fetch_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "timeout": args.timeout,
        "max_body": int(args.max_body_mb * 1024 * 1024),
        "render": not args.no_render,
        "ca_file": args.ca_file,
        "scroll_screens": max(0, args.scroll_screens),
        "scroll_seconds": max(0.0, args.scroll_seconds),
        "settle_seconds": max(0.0, args.settle_seconds),
        "record": not args.no_record,
    }


def _report(item: Item, args: argparse.Namespace) -> None:
    out = ItemReporter(getattr(args, "json", False))
    out.report(item)
    out.finish()


def _ref(item: Item) -> str:
    return tr("check.target.item", number=item.number)


def cmd_capture(args: argparse.Namespace) -> int:
    from evidencekit.capture.screen import ScreenTarget, grab, screenshot_item

    if args.screen is not None:
        target = ScreenTarget.one_screen(args.screen)
    elif args.region:
        target = ScreenTarget.parse_region(args.region)
    elif args.window_title:
        target = ScreenTarget.window(args.window_title)
    else:
        target = ScreenTarget.all_screens()
    vault = open_vault(args, writable=True)  # open first: a wrong passphrase fails fast
    try:
        shot = grab(target, delay=args.delay)
        item = vault.add_item(screenshot_item(shot, args.title, args.note))
    finally:
        vault.close()
    _report(item, args)
    return 0


def cmd_link(args: argparse.Namespace) -> int:
    from evidencekit.capture.links import capture_link, pending_link

    vault = open_vault(args, writable=True)
    try:
        if args.offline:
            new = pending_link(args.url, args.title, args.note)
        else:
            try:
                new = capture_link(args.url, title=args.title, note=args.note,
                                   progress=stderr_progress(), **_fetch_kwargs(args))
            except NetworkError as exc:
                # Nothing is lost: keep the link as pending and say so.
                new = pending_link(args.url, args.title, args.note)
                item = vault.add_item(new)
                sys.stderr.write(f"evidencekit: {exc.message()}\n")
                sys.stderr.write(tr("cli.link.saved_pending", number=item.number) + "\n")
                _report(item, args)
                return exc.exit_code
        item = vault.add_item(new, progress=stderr_progress())
        _warn_rendering(item)
    finally:
        vault.close()
    _report(item, args)
    return 0


def _warn_rendering(item: Item) -> None:
    rendering = item.metadata.get("rendering")
    if isinstance(rendering, dict) and rendering.get("status") == "failed":
        sys.stderr.write(tr("cli.link.render_failed", number=item.number) + "\n")


def cmd_fetch(args: argparse.Namespace) -> int:
    from evidencekit.capture.links import capture_link

    vault = open_vault(args, writable=True)
    failures = 0
    out = ItemReporter(args.json)
    try:
        targets = [vault.item(args.number)] if args.number else [
            i for i in vault.items() if i.state == "pending"]
        for item in targets:
            if item.kind != "link":
                raise InputError("error.not_a_link", number=item.number)
        if not targets and not args.json:
            sys.stdout.write(tr("cli.fetch.none") + "\n")
        for item in targets:
            url = str(item.metadata.get("url") or item.source)
            try:
                new = capture_link(url, title=item.title, **_fetch_kwargs(args))
            except NetworkError as exc:
                failures += 1
                sys.stderr.write(f"evidencekit: {_ref(item)}: {exc.message()}\n")
                continue
            done = vault.complete_pending(item.number, new.parts, new.metadata)
            _warn_rendering(done)
            out.report(done)
    finally:
        vault.close()
    out.finish()
    return 7 if failures else 0


def _recheck_one(vault: Vault, item: Item, args: argparse.Namespace) -> str:
    from evidencekit.capture.links import recheck_url

    url = str(item.metadata.get("url") or item.source)
    result = recheck_url(url, timeout=args.timeout, ca_file=args.ca_file)
    details = {k: v for k, v in result.items() if k not in ("event", "at", "item_id",
                                                            "item_number")}
    details.setdefault("url", url)
    vault.log_event("link_rechecked", item, **details)
    return str(result.get("status"))


def cmd_recheck(args: argparse.Namespace) -> int:
    vault = open_vault(args, writable=True)
    try:
        targets = [vault.item(args.number)] if args.number else [
            i for i in vault.items() if i.kind == "link"]
        for item in targets:
            if item.kind != "link":
                raise InputError("error.not_a_link", number=item.number)
        for item in targets:
            try:
                status = _recheck_one(vault, item, args)
            except EvidenceKitError as exc:
                sys.stderr.write(f"evidencekit: {_ref(item)}: {exc.message()}\n")
                continue
            sys.stdout.write(f"{item.number}\t{tr('cli.recheck.' + status)}\t{item.source}\n")
    finally:
        vault.close()
    return 0


def cmd_incident(args: argparse.Namespace) -> int:
    from evidencekit.capture.incident import incident_item

    new = incident_item(args.text, when=args.when, where=args.where, who=args.who,
                        title=args.title)
    with open_vault(args, writable=True) as vault:
        item = vault.add_item(new)
    _report(item, args)
    return 0
