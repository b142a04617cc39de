"""The ``timestamp`` sub-command: get RFC 3161 tokens for every waiting part."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from evidencekit.commands.common import add_secret_options, open_vault, stderr_progress
from evidencekit.i18n import tr

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser("timestamp", help=tr("cli.help.timestamp"))
    p.add_argument("vault", type=Path)
    p.add_argument("--tsa", action="append", default=[], metavar="URL",
                   help=tr("cli.help.tsa"))
    p.add_argument("--save", action="store_true", help=tr("cli.help.tsa_save"))
    p.add_argument("--tsa-ca", type=Path, default=None, metavar="FILE",
                   help=tr("cli.help.tsa_ca"))
    p.add_argument("--timeout", type=float, default=20.0, metavar="S")
    add_secret_options(p)
    p.set_defaults(func=cmd_timestamp)


def cmd_timestamp(args: argparse.Namespace) -> int:
    from evidencekit.timestamps.client import load_trust_roots
    from evidencekit.timestamps.queue import timestamp_vault, tsa_urls, waiting_parts
    from evidencekit.timestamps.trust import VAULT_SETTING, roots_pem_text

    # read (and check) the extra roots before anything is changed or asked
    extra = load_trust_roots(args.tsa_ca) if args.tsa_ca is not None else None
    with open_vault(args, writable=True) as vault:
        if args.tsa and args.save:
            vault.set_setting("tsa_urls", list(args.tsa))
        if extra is not None and args.save:
            vault.set_setting(VAULT_SETTING, roots_pem_text(extra))
            sys.stdout.write(tr("timestamps.roots_saved", path=str(args.tsa_ca)) + "\n")
        urls = list(args.tsa) or tsa_urls(vault)
        before = len(waiting_parts(vault))
        run = timestamp_vault(vault, urls=urls, timeout=args.timeout, ca_file=args.tsa_ca,
                              progress=stderr_progress())
    out = sys.stdout
    for number, part in run.stamped:
        out.write(tr("cli.timestamp.stamped", number=number, part=part) + "\n")
    if run.log_stamped:
        out.write(tr("cli.timestamp.log_stamped") + "\n")
    if run.error is not None:
        sys.stderr.write(f"evidencekit: {run.error.message()}\n")
        details = run.error.params.get("details")
        if details and run.error.key != "timestamps.offline":
            sys.stderr.write(f"  {details}\n")
        sys.stderr.write(tr("cli.timestamp.waiting", count=run.waiting) + "\n")
        return run.error.exit_code
    if before == 0 and not run.stamped:
        out.write(tr("cli.timestamp.nothing") + "\n")
    return 0
