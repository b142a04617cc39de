"""Web capture sub-commands: export-wacz (the vault's web captures as one signed WACZ),
and the WACZ branch of ``verify``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from evidencekit.commands.common import (
    add_secret_options,
    open_vault,
    print_json,
    refuse_overwrite,
    stderr_progress,
)
from evidencekit.i18n import current_language, tr

__all__ = ["register", "verify_wacz_command"]


def register(sub: Any) -> None:
    p = sub.add_parser("export-wacz", help=tr("webcapture.cli.help_export"))
    p.add_argument("vault", type=Path)
    p.add_argument("out", type=Path, metavar="OUT.wacz")
    p.add_argument("--items", default=None, metavar="1,3-7", help=tr("cli.help.items"))
    p.add_argument("--title", default="")
    p.add_argument("--tsa", action="append", default=[], metavar="URL",
                   help=tr("webcapture.cli.help_tsa"))
    p.add_argument("--tsa-ca", type=Path, default=None, metavar="FILE",
                   help=tr("cli.help.tsa_ca"))
    p.add_argument("--no-timestamp", action="store_true", help=tr("cli.help.no_timestamp"))
    p.add_argument("--force", action="store_true", help=tr("cli.help.force"))
    add_secret_options(p)
    p.set_defaults(func=cmd_export_wacz)


def cmd_export_wacz(args: argparse.Namespace) -> int:
    from evidencekit.bundle.export import parse_item_ranges
    from evidencekit.bundle.wacz import export_wacz
    from evidencekit.vault.identity import format_fingerprint

    items = parse_item_ranges(args.items) if args.items is not None else None
    refuse_overwrite(args.out, args.force)
    with open_vault(args, writable=False) as vault:
        urls = [] if args.no_timestamp else (list(args.tsa)
                                             or list(vault.get_setting("tsa_urls") or []))
        result = export_wacz(vault, args.out, items=items, title=args.title, tsa_urls=urls,
                             tsa_ca_file=str(args.tsa_ca) if args.tsa_ca else None,
                             progress=stderr_progress())
    out = sys.stdout
    out.write(tr("webcapture.cli.wacz_done", path=str(result.path),
                 items=len(result.items)) + "\n")
    out.write(f"SHA-256: {result.sha256}\n")
    out.write(tr("cli.init.fingerprint", fp=format_fingerprint(result.fingerprint)) + "\n")
    if urls:
        key = ("webcapture.cli.wacz_ts_yes" if result.time_signature
               else "webcapture.cli.wacz_ts_no")
        out.write(tr(key) + "\n")
    return 0


def verify_wacz_command(args: argparse.Namespace) -> int:
    """``evidencekit verify FILE.wacz`` (called by the verify command for .wacz files)."""
    from evidencekit.bundle.verify_wacz import format_wacz_report, verify_wacz

    roots = args.tsa_ca.read_bytes() if getattr(args, "tsa_ca", None) else None
    report = verify_wacz(args.bundle, expect_fingerprint=args.expect_fingerprint,
                         trust_roots_pem=roots)
    if args.json:
        print_json(report.public(current_language()))
    else:
        sys.stdout.write(format_wacz_report(report) + "\n")
    return report.exit_code
