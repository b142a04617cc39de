"""Organisation sub-commands: ``org init`` (a support centre's own small CA) and ``org issue``
(a document-signing certificate for a vault's request)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from evidencekit.commands.common import refuse_overwrite
from evidencekit.commands.identity import read_input, read_secret
from evidencekit.i18n import tr
from evidencekit.vault.identity import fingerprint, format_fingerprint, short_fingerprint

__all__ = ["register"]

_ENV = "EVIDENCEKIT_ORG_PASSPHRASE"


def register(sub: Any) -> None:
    org = sub.add_parser("org", help=tr("org.help.org"))
    osub = org.add_subparsers(dest="org_command", metavar="ACTION", required=True)

    p = osub.add_parser("init", help=tr("org.help.init"))
    p.add_argument("folder", type=Path)
    p.add_argument("--name", required=True, help=tr("org.help.name"))
    p.add_argument("--passphrase-file", type=Path, metavar="FILE",
                   help=tr("org.help.passphrase_file"))
    p.set_defaults(func=cmd_init)

    p = osub.add_parser("issue", help=tr("org.help.issue"))
    p.add_argument("folder", type=Path)
    p.add_argument("request", type=Path, metavar="REQUEST.csr")
    p.add_argument("-o", "--out", type=Path, metavar="CERT.pem", help=tr("org.help.out"))
    p.add_argument("--days", type=int, default=3 * 365, help=tr("org.help.days"))
    p.add_argument("--force", action="store_true", help=tr("cli.help.force"))
    p.add_argument("--passphrase-file", type=Path, metavar="FILE",
                   help=tr("org.help.passphrase_file"))
    p.set_defaults(func=cmd_issue)


def cmd_init(args: argparse.Namespace) -> int:
    from evidencekit.org.ca import ROOT_CERT, ROOT_KEY, init_ca

    passphrase = read_secret(args, confirm=True, prompt_key="org.prompt.new_passphrase",
                             file_attr="passphrase_file", env_var=_ENV,
                             missing_key="org.no_passphrase")
    root = init_ca(args.folder, args.name, passphrase)
    fp = fingerprint(root)
    out = sys.stdout
    out.write(tr("org.init.done", path=str(args.folder / ROOT_CERT),
                 key=str(args.folder / ROOT_KEY)) + "\n")
    out.write(tr("org.init.root_fingerprint", fp=format_fingerprint(fp)) + "\n")
    out.write(tr("identity.show.short", short=short_fingerprint(fp)) + "\n")
    out.write(tr("org.init.next") + "\n")
    return 0


def cmd_issue(args: argparse.Namespace) -> int:
    from evidencekit.org.ca import issue
    from evidencekit.vault.identity_import import common_name

    if args.out is not None:
        refuse_overwrite(args.out, args.force)
    csr = read_input(args.request)
    passphrase = read_secret(args, prompt_key="org.prompt.passphrase",
                             file_attr="passphrase_file", env_var=_ENV,
                             missing_key="org.no_passphrase")
    issued = issue(args.folder, passphrase, csr, days=args.days)
    if args.out is None:
        sys.stdout.write(issued.pem().decode("ascii"))
        return 0
    from evidencekit.vault.atomic import write_atomic

    write_atomic(args.out, issued.pem(), mode=0o644)
    fp = fingerprint(issued.cert)
    out = sys.stdout
    out.write(tr("org.issue.done", path=str(args.out),
                 subject=common_name(issued.cert.subject),
                 end=issued.cert.not_valid_after_utc.strftime("%Y-%m-%d")) + "\n")
    out.write(tr("cli.init.fingerprint", fp=format_fingerprint(fp)) + "\n")
    out.write(tr("identity.show.short", short=short_fingerprint(fp)) + "\n")
    return 0
