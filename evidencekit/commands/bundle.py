"""Bundle sub-commands: export, verify, demo."""

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

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser("export", help=tr("cli.help.export"))
    p.add_argument("vault", type=Path)
    p.add_argument("out", type=Path, metavar="OUT.pdf")
    p.add_argument("--items", default=None, metavar="1,3-7", help=tr("cli.help.items"))
    p.add_argument("--title", default="")
    p.add_argument("--prepared-by", default="", metavar="NAME")
    p.add_argument("--blur", action="store_true", help=tr("cli.help.blur"))
    p.add_argument("--chat-all", action="store_true", help=tr("chat.cli.help.chat_all"))
    p.add_argument("--no-originals", action="store_true", help=tr("cli.help.no_originals"))
    p.add_argument("--lang", dest="bundle_lang", choices=["ko", "en", "both"], default="both")
    p.add_argument("--max-embed-mb", type=float, default=200.0, metavar="N")
    p.add_argument("--tsa", action="append", default=[], metavar="URL",
                   help=tr("cli.help.export_tsa"))
    p.add_argument("--tsa-ca", type=Path, default=None, metavar="FILE",
                   help=tr("cli.help.tsa_ca"))
    p.add_argument("--no-timestamp", action="store_true", help=tr("cli.help.no_timestamp"))
    p.add_argument("--force", action="store_true", help=tr("cli.help.force"))
    for name in ("case-number", "recipient", "role", "organisation", "contact"):
        p.add_argument(f"--{name}", default="", metavar="TEXT",
                       help=tr(f"court.help.{name.replace('-', '_')}"))
    p.add_argument("--zone", default=None, metavar="ZONE", help=tr("court.help.zone"))
    p.add_argument("--hide-location", action="store_true", help=tr("court.help.hide_location"))
    add_secret_options(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("verify", help=tr("cli.help.verify"))
    p.add_argument("bundle", type=Path, metavar="BUNDLE.pdf")
    p.add_argument("--json", action="store_true")
    p.add_argument("--extract", type=Path, default=None, metavar="DIR")
    p.add_argument("--tsa-ca", type=Path, default=None, metavar="FILE",
                   help=tr("bundle.cli.help_verify_tsa_ca"))
    p.add_argument("--expect-fingerprint", default=None, metavar="HEX",
                   help=tr("bundle.cli.help_expect_fingerprint"))
    p.add_argument("--trust-ca", type=Path, action="append", default=[], metavar="FILE",
                   help=tr("verify_trust.cli.help_trust_ca"))
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("demo", help=tr("cli.help.demo"))
    p.add_argument("dir", type=Path, metavar="DIR")
    p.add_argument("--no-render", action="store_true", help=tr("cli.help.no_render"))
    p.set_defaults(func=cmd_demo)


def _timestamper(args: argparse.Namespace, configured: list[str],
                 saved_roots: str | list[str] | None) -> Any:
    """A document timestamper for the first configured TSA, or None (offline is fine).
    Trusted roots: the public ones, the vault's saved ``tsa_roots_pem`` and ``--tsa-ca``."""
    if args.no_timestamp:
        return None
    urls = list(args.tsa) or configured
    if not urls:
        return None
    from evidencekit.timestamps.document import document_timestamper

    if isinstance(saved_roots, list):
        saved_roots = "".join(saved_roots)
    roots = (saved_roots or "").encode("ascii", "ignore")
    if args.tsa_ca:
        roots += b"\n" + args.tsa_ca.read_bytes()
    return document_timestamper(urls[0], trust_roots_pem=roots.strip() or None)


def cmd_export(args: argparse.Namespace) -> int:
    from evidencekit.bundle.export import export_bundle, parse_item_ranges
    from evidencekit.bundle.export_options import Declaration, location_items
    from evidencekit.vault.identity import format_fingerprint

    items = parse_item_ranges(args.items) if args.items is not None else None
    declaration = Declaration(case_number=args.case_number, recipient=args.recipient,
                              role=args.role, organisation=args.organisation,
                              contact=args.contact)
    refuse_overwrite(args.out, args.force)
    with open_vault(args, writable=True) as vault:
        configured = list(vault.get_setting("tsa_urls") or [])
        if items is not None:
            deleted = {i.number for i in vault.items(include_deleted=True)
                       if i.state == "deleted"}
            skipped = [n for n in items if n in deleted]
            if skipped and len(skipped) < len(items):
                items = [n for n in items if n not in deleted]
                sys.stderr.write(tr("cli.export.skipped_deleted",
                                    numbers=", ".join(map(str, skipped))) + "\n")
        located = location_items([i for i in vault.items()
                                  if items is None or i.number in items])
        if located:
            sys.stderr.write(tr("court.cli.location_items",
                                items=", ".join(f"#{n}" for n in located)) + "\n")
            sys.stderr.write(tr("court.cli.location_hidden" if args.hide_location
                                else "court.cli.location_shown") + "\n")
        result = export_bundle(
            vault, args.out, items=items, title=args.title, prepared_by=args.prepared_by,
            blur=args.blur, originals=not args.no_originals, lang=args.bundle_lang,
            max_embed_mb=args.max_embed_mb,
            timestamper=_timestamper(args, configured, vault.get_setting("tsa_roots_pem")),
            progress=stderr_progress(), chat_all=args.chat_all, declaration=declaration,
            zone=args.zone, hide_location=args.hide_location,
        )
    out = sys.stdout
    out.write(tr("cli.export.done", path=str(result.path), items=len(result.items),
                 pages=result.pages) + "\n")
    out.write(f"SHA-256: {result.sha256}\n")
    out.write(tr("cli.init.fingerprint", fp=format_fingerprint(result.fingerprint)) + "\n")
    if result.side_files:
        out.write(tr("cli.export.side_files", count=len(result.side_files),
                     folder=str(result.side_files[0].parent)) + "\n")
    if args.tsa or configured:
        key = "cli.export.doc_ts_yes" if result.document_timestamp else "cli.export.doc_ts_no"
        out.write(tr(key) + "\n")
    return 0


def _signer_roots(files: list[Path], used: list[Any] | None = None) -> list[str]:
    """PEM texts of the roots that confirm a signer: ``--trust-ca`` files and the roots
    saved in the user's settings (each appended to ``used`` with its source). A file that
    cannot be read or holds no certificate is an input error (a typo must not look like
    an unconfirmed signer)."""
    from evidencekit.commands.verify_roots import roots_of
    from evidencekit.errors import InputError
    from evidencekit.settings import Settings
    from evidencekit.timestamps.trust import trust_roots

    roots: list[str] = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError("error.cannot_read_file", path=str(path),
                             reason=exc.strerror or type(exc).__name__) from exc
        try:
            trust_roots(data, public=False)
        except ValueError:
            raise InputError("verify_trust.cli.bad_trust_ca", path=str(path)) from None
        roots.append(data.decode("ascii", "replace"))
        if used is not None:
            used.extend(roots_of(data, "signer", "option", f"--trust-ca {path}"))
    settings = Settings.load()
    roots.extend(settings.get("trusted_roots"))
    if used is not None:
        for pem in settings.get("trusted_roots"):
            used.extend(roots_of(pem, "signer", "settings", str(settings.path)))
    return roots


def cmd_verify(args: argparse.Namespace) -> int:
    from evidencekit.bundle.verify import normalize_fingerprint, verify_bundle
    from evidencekit.bundle.verify_report import format_report
    from evidencekit.commands.verify_roots import (
        UsedRoot,
        roots_lines,
        roots_of,
        roots_public,
    )
    from evidencekit.errors import InputError
    from evidencekit.timestamps.client import load_trust_roots
    from evidencekit.timestamps.trust import public_roots, roots_pem_text

    if not args.bundle.is_file():  # a wrong path is a typo, not a tampered bundle
        raise InputError("error.cannot_read_file", path=str(args.bundle),
                         reason=tr("error.no_such_file"))
    if args.bundle.suffix.lower() == ".wacz":  # a web archive (evidencekit export-wacz)
        from evidencekit.commands.webcapture import verify_wacz_command

        return verify_wacz_command(args)
    from evidencekit.settings import Settings

    roots = None
    used: list[UsedRoot] = []
    if args.tsa_ca is not None:  # checked before anything else: a typo is not "untrusted"
        roots = roots_pem_text(load_trust_roots(args.tsa_ca)).encode("ascii")
        used.extend(roots_of(roots, "tsa", "option", f"--tsa-ca {args.tsa_ca}"))
    settings = Settings.load()  # only the user's own settings file, never beside the bundle
    saved_tsa = "\n".join(settings.get("trusted_tsa_roots"))  # the verify screen's
    if saved_tsa:
        roots = (roots or b"") + b"\n" + saved_tsa.encode("ascii", "replace")
        used.extend(roots_of(saved_tsa, "tsa", "settings", str(settings.path)))
    expect = args.expect_fingerprint
    if expect is not None and normalize_fingerprint(expect) is None:
        raise InputError("bundle.cli.bad_fingerprint", value=expect)
    signer_roots = _signer_roots(list(args.trust_ca), used)
    quiet_libraries()
    report = verify_bundle(args.bundle, extract_dir=args.extract, progress=stderr_progress(),
                           trust_roots_pem=roots, expect_fingerprint=expect,
                           signer_roots_pem=signer_roots)
    public_count = len(public_roots())
    if args.json:
        print_json({**report.public(current_language()), **roots_public(used, public_count)})
    else:
        sys.stdout.write("\n".join(roots_lines(used, public_count)) + "\n\n")
        sys.stdout.write(format_report(report) + "\n")
    return report.exit_code


def quiet_libraries() -> None:
    """Keep pyHanko's and its validator's log records (some with tracebacks of hostile
    input) off the terminal during ``verify``: the report says what failed."""
    import logging

    for name in ("pyhanko", "pyhanko_certvalidator", "asn1crypto", "fontTools"):
        logger = logging.getLogger(name)
        logger.propagate = False
        logger.handlers = [logging.NullHandler()]


def cmd_demo(args: argparse.Namespace) -> int:
    from evidencekit.demo import make_demo

    result = make_demo(args.dir, render=not args.no_render, progress=stderr_progress())
    out = sys.stdout
    out.write(tr("cli.demo.done", vault=str(result.vault), bundle=str(result.bundle)) + "\n")
    out.write(tr("cli.demo.passphrase", passphrase=result.passphrase) + "\n")
    return 0
