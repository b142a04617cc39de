"""The ``renew`` sub-command: a fresh archive timestamp (PAdES B-LTA) for a signed bundle."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from evidencekit.commands.common import refuse_overwrite, stderr_progress
from evidencekit.i18n import tr

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p = sub.add_parser("renew", help=tr("pades.cli.help_renew"))
    p.add_argument("bundle", type=Path, metavar="BUNDLE.pdf")
    p.add_argument("--tsa", action="append", default=[], metavar="URL",
                   help=tr("pades.cli.help_tsa"))
    p.add_argument("--tsa-ca", type=Path, default=None, metavar="FILE",
                   help=tr("cli.help.tsa_ca"))
    p.add_argument("-o", "--out", type=Path, default=None, metavar="OUT.pdf",
                   help=tr("pades.cli.help_out"))
    p.add_argument("--force", action="store_true", help=tr("cli.help.force"))
    p.add_argument("--timeout", type=float, default=20.0, metavar="S")
    p.set_defaults(func=cmd_renew)


def _tsa_failures() -> tuple[type[BaseException], ...]:
    from evidencekit.bundle.signing import _tsa_errors

    return _tsa_errors()


def cmd_renew(args: argparse.Namespace) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    from evidencekit.bundle.ltv import renew_bundle
    from evidencekit.bundle.pades_level import pades_level
    from evidencekit.errors import EvidenceKitError, InputError, TimestampError
    from evidencekit.timestamps.client import load_trust_roots
    from evidencekit.timestamps.document import document_timestamper
    from evidencekit.timestamps.trust import roots_pem_text, trust_roots
    from evidencekit.timestamps.tsa_list import DEFAULT_TSA_URLS

    if not args.bundle.is_file():
        raise InputError("error.cannot_read_file", path=str(args.bundle),
                         reason=tr("error.no_such_file"))
    if args.out is not None:
        refuse_overwrite(args.out, args.force)
    extra_pem: bytes | None = None
    if args.tsa_ca is not None:  # read before anything is asked of the network
        extra_pem = roots_pem_text(load_trust_roots(args.tsa_ca)).encode("ascii")
    roots = trust_roots(extra_pem)
    urls = list(args.tsa) or list(DEFAULT_TSA_URLS)
    failures = _tsa_failures()
    last: BaseException | None = None
    result = None
    for url in urls:
        stamper = document_timestamper(url, timeout=args.timeout, trust_roots_pem=extra_pem)
        try:
            result = renew_bundle(args.bundle, stamper, out=args.out, extra_certs=roots,
                                  progress=stderr_progress())
            break
        except failures as exc:
            if isinstance(exc, EvidenceKitError) and not isinstance(exc, TimestampError):
                raise
            log.warning("time-stamp authority %s failed (%s)", url, type(exc).__name__)
            last = exc
    if result is None:
        if isinstance(last, TimestampError):
            raise last
        raise TimestampError("pades.renew_tsa_failed", count=len(urls))
    with result.path.open("rb") as fh:
        level = pades_level(PdfFileReader(fh, strict=False))
    out = sys.stdout
    out.write(tr("pades.cli.renewed", path=str(result.path),
                 added=result.size - result.previous_size) + "\n")
    out.write(tr("pades.cli.level", level=level.level) + "\n")
    if level.archive_expires is not None:
        out.write(tr("pades.cli.expires", expires=level.archive_expires.date().isoformat())
                  + "\n")
    if result.outcome.self_signed_signer:
        out.write(tr("pades.cli.self_signed") + "\n")
    if result.outcome.missing_revocation:
        out.write(tr("pades.cli.missing_revocation",
                     names=", ".join(result.outcome.missing_revocation)) + "\n")
    return 0
