"""Sub-commands for copies and reporting: rehash (perceptual hashes of older items),
similar (copies of a picture across the vault), report (the Korean reporting lists)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from evidencekit.commands.common import (
    add_secret_options,
    item_number,
    open_vault,
    print_json,
    stderr_progress,
    table,
)
from evidencekit.errors import CaptureError
from evidencekit.i18n import tr

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser("rehash", help=tr("similar.cli.help_rehash"))
    p.add_argument("vault", type=Path)
    p.add_argument("--force", action="store_true", help=tr("similar.cli.help_force"))
    p.add_argument("--text", action="store_true", help=tr("similar.cli.help_text"))
    add_secret_options(p)
    p.set_defaults(func=cmd_rehash)

    p = sub.add_parser("similar", help=tr("similar.cli.help_similar"))
    p.add_argument("vault", type=Path)
    p.add_argument("number", type=item_number, nargs="?")
    p.add_argument("--json", action="store_true")
    add_secret_options(p)
    p.set_defaults(func=cmd_similar)

    p = sub.add_parser("report", help=tr("reports.cli.help_report"))
    p.add_argument("vault", type=Path)
    p.add_argument("kind", choices=["deletion", "kcsc", "police", "hashes"])
    p.add_argument("out", type=Path, metavar="OUT")
    p.add_argument("--items", default=None, metavar="1,3-7", help=tr("reports.cli.help_items"))
    p.add_argument("--part-mb", type=float, default=10.0, metavar="MB",
                   help=tr("reports.cli.help_part_mb"))
    p.add_argument("--list-lang", choices=["ko", "en"], default="ko",
                   help=tr("reports.cli.help_lang"))
    p.add_argument("--force", action="store_true", help=tr("cli.help.force"))
    p.add_argument("--json", action="store_true")
    add_secret_options(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("recheck-all", help=tr("reports.cli.help_recheck_all"))
    p.add_argument("vault", type=Path)
    p.add_argument("--items", default=None, metavar="1,3-7", help=tr("reports.cli.help_items"))
    p.add_argument("--timeout", type=float, default=15.0, metavar="S")
    p.add_argument("--ca-file", type=Path, default=None, help=tr("cli.help.ca_file"))
    p.add_argument("--no-compare", action="store_true", help=tr("reports.cli.help_no_compare"))
    p.add_argument("--json", action="store_true")
    add_secret_options(p)
    p.set_defaults(func=cmd_recheck_all)


def cmd_rehash(args: argparse.Namespace) -> int:
    from evidencekit.similar.copies import rehash_items

    if args.text:
        from evidencekit.ocr.engine import available

        if not available():
            raise CaptureError("ocr.no_data")
    with open_vault(args, writable=True) as vault:
        result = rehash_items(vault, force=args.force, progress=stderr_progress())
        if args.text:
            from evidencekit.ocr.store import read_texts

            run = read_texts(vault, force=args.force, progress=stderr_progress())
    sys.stdout.write(tr("similar.cli.rehashed", hashed=len(result.hashed),
                        failed=len(result.failed)) + "\n")
    if result.failed:
        sys.stdout.write(tr("similar.cli.rehash_failed",
                            numbers=", ".join(f"#{n}" for n in result.failed)) + "\n")
    if args.text:
        sys.stdout.write(tr("similar.cli.text_read", count=len(run.read), numbers=", ".join(
            f"#{n}" for n in run.with_links) or "—") + "\n")
    return 0


def cmd_similar(args: argparse.Namespace) -> int:
    from evidencekit.similar.copies import find_copies, needs_hash
    from evidencekit.similar.parts import outdated, primary_hash

    with open_vault(args, writable=False) as vault:
        items = vault.items()
        target = vault.item(args.number) if args.number else None
    copies = find_copies(items)
    older = sum(1 for i in items if needs_hash(i) and outdated(i))  # before the side crops
    unhashed = sum(1 for i in items if needs_hash(i)) - older
    if target is None:
        if args.json:
            print_json({**copies.public(), "unhashed": unhashed})
            return 0
        if not copies.groups:
            sys.stdout.write(tr("similar.cli.no_groups") + "\n")
        for n, group in enumerate(copies.groups, start=1):
            sys.stdout.write(tr("similar.cli.group", n=n, numbers=", ".join(
                f"#{x}" for x in group)) + "\n")
    else:
        found = copies.copies_of(target.number)
        entry = primary_hash(target)
        if args.json:
            print_json({"number": target.number,
                        "pdq": entry.hashes[0] if entry else None,
                        "quality": entry.quality if entry else None,
                        "copies": [{"number": c.number, "distance": c.distance,
                                    "cropped": c.cropped}
                                   for c in found],
                        "group": copies.group_of(target.number), "unhashed": unhashed})
            return 0
        if entry is None:
            sys.stdout.write(tr("similar.cli.no_hash", number=target.number) + "\n")
        else:
            sys.stdout.write(f"PDQ {entry.hashes[0]} ({tr('similar.cli.quality')} "
                             f"{entry.quality})\n")
        if not found:
            sys.stdout.write(tr("similar.cli.no_copies", number=target.number) + "\n")
        else:
            by_number = {i.number: i for i in items}
            # the matching way comes after the title: scripts keep reading the item and
            # the distance as the first two fields
            rows = [[f"#{c.number}", str(c.distance), by_number[c.number].title or
                     by_number[c.number].source,
                     tr("similar.cli.match_cut" if c.cropped else "similar.cli.match_whole")]
                    for c in found]
            sys.stdout.write(table([tr("similar.cli.col_item"), tr("similar.cli.col_distance"),
                                    tr("similar.cli.col_title"), tr("similar.cli.col_match")],
                                   rows, right={1}))
            group = copies.group_of(target.number)
            if len(group) > len(found) + 1:
                sys.stdout.write(tr("similar.cli.group", n=1, numbers=", ".join(
                    f"#{x}" for x in group)) + "\n")
    if unhashed:
        sys.stderr.write(tr("similar.cli.unhashed", count=unhashed) + "\n")
    if older:
        sys.stderr.write(tr("similar.cli.outdated", count=older) + "\n")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from evidencekit.bundle.export import parse_item_ranges
    from evidencekit.reports.export import export_report

    numbers = parse_item_ranges(args.items) if args.items is not None else None
    with open_vault(args, writable=True) as vault:
        result = export_report(vault, args.kind, args.out, items=numbers,
                               lang=args.list_lang, part_mb=args.part_mb, force=args.force,
                               progress=stderr_progress())
    if args.json:
        print_json({"kind": result.kind, "folder": str(result.folder), "rows": result.rows,
                    "items": result.items,
                    "files": [{"name": f.name, "size": f.size, "sha256": f.sha256}
                              for f in result.files]})
        return 0
    sys.stdout.write(tr("reports.cli.written", folder=str(result.folder), rows=result.rows,
                        items=len(result.items)) + "\n")
    for f in result.files:
        sys.stdout.write(f"{f.sha256}  {f.name}\n")
    return 0


def cmd_recheck_all(args: argparse.Namespace) -> int:
    from evidencekit.bundle.export import parse_item_ranges
    from evidencekit.reports.recheck import recheck_links

    numbers = parse_item_ranges(args.items) if args.items is not None else None
    with open_vault(args, writable=True) as vault:
        rows = recheck_links(vault, numbers=numbers, timeout=args.timeout,
                             ca_file=args.ca_file, compare=not args.no_compare,
                             progress=stderr_progress())
    if args.json:
        print_json([{"number": r.number, "url": r.url, "status": r.status,
                     "http_status": r.http_status, "detail": r.detail} for r in rows])
        return 0
    if not rows:
        sys.stdout.write(tr("reports.cli.no_links") + "\n")
        return 0
    sys.stdout.write(table(
        [tr("similar.cli.col_item"), tr("reports.cli.col_status"), "HTTP", "URL"],
        [[f"#{r.number}", tr(f"reports.status.{r.status}") if r.status != "failed"
          else r.detail, str(r.http_status or "—"), r.url] for r in rows]))
    counts = {s: sum(1 for r in rows if r.status == s)
              for s in ("online", "changed", "gone", "unknown")}
    sys.stdout.write(tr("reports.cli.recheck_summary", **counts) + "\n")
    return 0
