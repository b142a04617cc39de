"""Vault sub-commands: init, add, list, show, extract, note, tag, delete, log, check, passwd,
rekey, recovery."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from evidencekit.commands.common import (
    add_secret_options,
    item_number,
    open_vault,
    print_json,
    read_passphrase,
    refuse_overwrite,
    stderr_progress,
    table,
)
from evidencekit.commands.item_output import ItemReporter, add_json_option
from evidencekit.errors import EvidenceKitError, InputError
from evidencekit.i18n import catalogue, tr
from evidencekit.model import Item
from evidencekit.textsafe import terminal_safe
from evidencekit.timefmt import display_source, formal_time, short_time
from evidencekit.vault import Vault
from evidencekit.vault.identity import format_fingerprint

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser("init", help=tr("cli.help.init"))
    p.add_argument("vault", type=Path)
    p.add_argument("--name", default="", help=tr("cli.help.name"))
    p.add_argument("--passphrase-file", type=Path, metavar="FILE",
                   help=tr("cli.help.passphrase_file"))
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("add", help=tr("cli.help.add"))
    p.add_argument("vault", type=Path)
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--title", default=None)
    p.add_argument("--note", default=None)
    p.add_argument("--tag", action="append", default=[])
    add_json_option(p)
    add_secret_options(p)
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("list", help=tr("cli.help.list"))
    p.add_argument("vault", type=Path)
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help=tr("cli.help.all"))
    add_secret_options(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help=tr("cli.help.show"))
    p.add_argument("vault", type=Path)
    p.add_argument("number", type=item_number)
    p.add_argument("--json", action="store_true")
    add_secret_options(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("extract", help=tr("cli.help.extract"))
    p.add_argument("vault", type=Path)
    p.add_argument("number", type=item_number)
    p.add_argument("outfile", type=Path)
    p.add_argument("--part", type=item_number, default=1, help=tr("cli.help.part"))
    p.add_argument("--force", action="store_true", help=tr("cli.help.force"))
    add_secret_options(p)
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("note", help=tr("cli.help.note"))
    p.add_argument("vault", type=Path)
    p.add_argument("number", type=item_number)
    p.add_argument("text")
    add_secret_options(p)
    p.set_defaults(func=cmd_note)

    p = sub.add_parser("tag", help=tr("cli.help.tag"))
    p.add_argument("vault", type=Path)
    p.add_argument("number", type=item_number)
    p.add_argument("tags", nargs="*")
    add_secret_options(p)
    p.set_defaults(func=cmd_tag)

    p = sub.add_parser("delete", help=tr("cli.help.delete"))
    p.add_argument("vault", type=Path)
    p.add_argument("number", type=item_number)
    p.add_argument("--reason", required=True)
    add_secret_options(p)
    p.set_defaults(func=cmd_delete)

    p = sub.add_parser("log", help=tr("cli.help.log"))
    p.add_argument("vault", type=Path)
    p.add_argument("--json", action="store_true")
    add_secret_options(p)
    p.set_defaults(func=cmd_log)

    p = sub.add_parser("check", help=tr("cli.help.check"))
    p.add_argument("vault", type=Path)
    p.add_argument("--json", action="store_true")
    p.add_argument("--record", action="store_true", help=tr("cli.help.check_record"))
    p.add_argument("--repair-header", action="store_true", help=tr("cli.help.repair_header"))
    add_secret_options(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("passwd", help=tr("cli.help.passwd"))
    p.add_argument("vault", type=Path)
    add_secret_options(p)
    p.add_argument("--new-passphrase-file", type=Path, metavar="FILE")
    p.set_defaults(func=cmd_passwd)

    p = sub.add_parser("rekey", help=tr("cli.help.rekey"))
    p.add_argument("vault", type=Path)
    add_secret_options(p)
    p.add_argument("--new-passphrase-file", type=Path, metavar="FILE")
    p.set_defaults(func=cmd_rekey)

    p = sub.add_parser("recovery", help=tr("cli.help.recovery"))
    p.add_argument("vault", type=Path)
    p.add_argument("--new", action="store_true", help=tr("cli.help.recovery_new"))
    add_secret_options(p)
    p.set_defaults(func=cmd_recovery)


def cmd_init(args: argparse.Namespace) -> int:
    passphrase = read_passphrase(args, confirm=True, prompt_key="cli.prompt.new_passphrase")
    vault, recovery = Vault.create(args.vault, passphrase, args.name or "")
    try:
        out = sys.stdout
        out.write(tr("cli.init.created", path=str(args.vault)) + "\n")
        out.write(tr("cli.init.fingerprint", fp=format_fingerprint(vault.fingerprint)) + "\n\n")
        out.write(tr("cli.init.recovery_intro") + "\n\n")
        out.write(f"    {recovery}\n\n")
        out.write(tr("cli.init.recovery_warning") + "\n")
    finally:
        vault.close()
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from evidencekit.capture.files import iter_import

    vault = open_vault(args, writable=True)
    failures = 0
    out = ItemReporter(args.json)
    try:
        known = {i.sha256: i.number for i in vault.items() if i.sha256}
        for outcome in iter_import(args.files, progress=None):
            name = terminal_safe(str(outcome.path))  # ESC, CR, LF shown, never obeyed
            if outcome.error is not None:
                failures += 1
                # a message that names the file already says which one (no "a: a 파일이…")
                named = "path" in outcome.error.params
                sys.stderr.write("evidencekit: " + ("" if named else f"{name}: ")
                                 + terminal_safe(outcome.error.message()) + "\n")
                continue
            new = outcome.item
            assert new is not None
            if args.title:
                new.title = args.title
            if args.note:
                new.notes.append(args.note)
            new.tags.extend(args.tag)
            try:
                item = vault.add_item(new, progress=stderr_progress())
            except EvidenceKitError as exc:
                if exc.exit_code in (3, 6):
                    raise
                failures += 1
                sys.stderr.write(f"evidencekit: {name}: {terminal_safe(exc.message())}\n")
                continue
            for warning in new.metadata.get("warnings", []):
                sys.stderr.write(f"evidencekit: {name}: {tr(str(warning))}\n")
            if item.sha256 in known:
                sys.stderr.write(f"evidencekit: {name}: "
                                 f"{tr('cli.add.duplicate', number=known[item.sha256])}\n")
            elif item.sha256:
                known[item.sha256] = item.number
            out.report(item)
    finally:
        vault.close()
    out.finish()
    return 2 if failures else 0


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def cmd_list(args: argparse.Namespace) -> int:
    vault = open_vault(args, writable=False)
    try:
        items = vault.items(include_deleted=args.all)
    finally:
        vault.close()
    if args.json:
        print_json([i.public() for i in items])
        return 0
    if not items:
        sys.stdout.write(tr("cli.list.empty") + "\n")
        return 0
    header = [tr("cli.col.number"), tr("cli.col.kind"), tr("cli.col.captured"),
              tr("cli.col.size"), "SHA-256", tr("cli.col.title")]
    rows = []
    for i in items:
        kind = tr(f"kind.{i.kind}")
        if i.state != "active":
            kind += f" ({tr('state.' + i.state)})"
        title = terminal_safe((i.title or i.source).replace("\n", " "))
        rows.append([str(i.number), kind, short_time(i.captured_at, i.timezone), _size(i.size),
                     (i.sha256 or "-")[:16], title[:60] + ("…" if len(title) > 60 else "")])
    sys.stdout.write(table(header, rows, right={0, 3}))
    return 0


_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _show_text(item: Item) -> str:
    lines = [
        f"{tr('cli.col.number')}: {item.number}",
        f"{tr('bundle.field.id')}: {item.id}",
        f"{tr('cli.col.kind')}: {tr('kind.' + item.kind)} ({tr('state.' + item.state)})",
        f"{tr('cli.col.title')}: {item.title}",
        f"{tr('cli.col.source')}: {display_source(item.kind, item.source)}",
        f"{tr('cli.col.captured')}: {formal_time(item.captured_at, item.timezone)}",
        f"SHA-256: {item.sha256 or '-'}",
        f"{tr('cli.col.size')}: {_size(item.size)}"
        + (f" ({item.size:,} B)" if item.size >= 1024 else ""),
    ]
    # Named details only: the raw keys of the rest are in --json, not in the sentence text.
    for key, value in sorted(item.metadata.items()):
        label = f"bundle.meta.{key}"
        if isinstance(value, str | int | float | bool) and value != "" and \
                label in catalogue("en"):
            if isinstance(value, str) and _ISO_TIME.match(value):
                value = formal_time(value)
            lines.append(f"  {tr(label)}: {value}")
    for n, p in enumerate(item.parts, 1):
        ts = ""
        if p.timestamp:
            when = formal_time(p.timestamp.get("time"))
            ts = f"  [{tr('cli.timestamp')}: {when} {p.timestamp.get('tsa')}]"
        lines.append(f"  {tr('cli.part')} {n}: {p.name} ({p.media_type}, {p.size} B) "
                     f"{p.sha256}{ts}")
    for note in item.notes:
        lines.append(f"  {tr('cli.note')} [{formal_time(note.at)}]: {note.text}")
    if item.tags:
        lines.append(f"  {tr('cli.tags')}: {', '.join(item.tags)}")
    if item.deletion:
        lines.append(f"  {tr('cli.deleted')}: {formal_time(item.deletion.get('at'))} — "
                     f"{item.deletion.get('reason')}")
    # every field may hold what an attacker chose (a file name, a page title)
    return "\n".join(terminal_safe(line) for line in lines) + "\n"


def cmd_show(args: argparse.Namespace) -> int:
    vault = open_vault(args, writable=False)
    try:
        item = vault.item(args.number)
    finally:
        vault.close()
    if args.json:
        print_json(item.public())
    else:
        sys.stdout.write(_show_text(item))
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    refuse_overwrite(args.outfile, args.force)
    vault = open_vault(args, writable=False)
    try:
        item = vault.item(args.number)
        if item.state == "pending":
            raise InputError("error.not_fetched", number=args.number)
        if not 1 <= args.part <= max(len(item.parts), 1):
            raise InputError("error.no_such_part", number=args.number, part=args.part)
        vault.extract(args.number, args.outfile, part=args.part - 1,
                      progress=stderr_progress())
    finally:
        vault.close()
    return 0


def cmd_note(args: argparse.Namespace) -> int:
    with open_vault(args, writable=True) as vault:
        vault.add_note(args.number, args.text)
    sys.stdout.write(tr("cli.note.added", number=args.number) + "\n")
    return 0


def cmd_tag(args: argparse.Namespace) -> int:
    with open_vault(args, writable=True) as vault:
        item = vault.set_tags(args.number, args.tags)
    sys.stdout.write(", ".join(item.tags) + "\n")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    with open_vault(args, writable=True) as vault:
        vault.delete_item(args.number, args.reason)
    sys.stdout.write(tr("cli.deleted_item", number=args.number) + "\n")
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    vault = open_vault(args, writable=False)
    try:
        events = vault.events()
        head = vault.log_head()
    finally:
        vault.close()
    if args.json:
        print_json({"events": [e.public() for e in events], "head": head})
        return 0
    for e in events:
        number = e.body.get("item_number")
        target = f" {tr('cli.log.item', number=number)}" if number else ""
        sys.stdout.write(f"{tr('cli.log.record', seq=e.seq):>8}  {formal_time(e.at)}  "
                         f"{tr('event.' + e.kind)}{target}  {e.hash[:16]}…\n")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Check everything. Examining changes nothing: the vault is opened read-only unless
    ``--record`` (log the check in the custody chain) or ``--repair-header`` is given."""
    from evidencekit.vault.check import check_vault

    writes = args.record or args.repair_header
    # No clean-up before checking: what a crash or an attacker left is looked at first.
    vault = open_vault(args, writable=writes, collect_garbage=False)
    try:
        if args.repair_header:
            target = vault.repair_header()
            if target:
                sys.stderr.write(tr("hardening.header.repaired",
                                    what=tr(f"hardening.header.restored.{target}")) + "\n")
            else:
                sys.stderr.write(tr("hardening.header.nothing_to_repair") + "\n")
        report = check_vault(vault, progress=stderr_progress())
        if args.record and not any(
                f.target_key in ("check.target.log", "check.target.event",
                                 "check.target.identity") for f in report.findings):
            try:
                vault.log_event("vault_checked", ok=report.ok, findings=len(report.findings))
            except EvidenceKitError as exc:  # the report matters more than the log line
                sys.stderr.write(f"evidencekit: {exc.message()}\n")
    finally:
        vault.close()
    if args.json:
        print_json({
            "ok": report.ok,
            "items_checked": report.items_checked,
            "parts_checked": report.parts_checked,
            "events_checked": report.events_checked,
            "findings": [{"target": f.target("en"), "problem": f.message("en"),
                          "key": f.key} for f in report.findings],
        })
    else:
        for f in report.findings:
            sys.stdout.write(f"✗ {terminal_safe(f.message())}\n")
        sys.stdout.write(tr("cli.check.summary", items=report.items_checked,
                            parts=report.parts_checked, events=report.events_checked) + "\n")
        sys.stdout.write((tr("cli.check.ok") if report.ok else
                          tr("cli.check.failed", count=len(report.findings))) + "\n")
    return 0 if report.ok else 3


def cmd_passwd(args: argparse.Namespace) -> int:
    vault = open_vault(args, writable=True)
    try:
        new = read_passphrase(args, confirm=True, prompt_key="cli.prompt.new_passphrase",
                              file_attr="new_passphrase_file",
                              env_var="EVIDENCEKIT_NEW_PASSPHRASE")
        vault.change_passphrase(new)
    finally:
        vault.close()
    sys.stdout.write(tr("cli.passwd.done") + "\n")
    return 0


def _print_recovery(intro_key: str, recovery: str) -> None:
    out = sys.stdout
    out.write(tr(intro_key) + "\n\n")
    out.write(f"    {recovery}\n\n")
    out.write(tr("cli.init.recovery_warning") + "\n")


def cmd_rekey(args: argparse.Namespace) -> int:
    """New master key and recovery key; everything re-encrypted (see vault/rekey.py)."""
    from evidencekit.vault.rekey import rekey

    vault = open_vault(args, writable=True)
    try:
        new = read_passphrase(args, confirm=True, prompt_key="hardening.prompt.rekey_passphrase",
                              file_attr="new_passphrase_file",
                              env_var="EVIDENCEKIT_NEW_PASSPHRASE")
        recovery = rekey(vault, new, progress=stderr_progress())
    finally:
        vault.close()
    sys.stdout.write(tr("hardening.rekey.done") + "\n\n")
    _print_recovery("hardening.rekey.recovery_intro", recovery)
    return 0


def cmd_recovery(args: argparse.Namespace) -> int:
    """Replace the recovery key alone (``--new``)."""
    from evidencekit.vault.rekey import replace_recovery_key

    if not args.new:
        raise InputError("hardening.recovery.need_new")
    with open_vault(args, writable=True) as vault:
        recovery = replace_recovery_key(vault)
    sys.stdout.write(tr("hardening.recovery.done") + "\n\n")
    _print_recovery("hardening.rekey.recovery_intro", recovery)
    return 0
