"""Identity sub-commands: ``identity show|import|request|install`` (who signs the vault's
bundles, and a certificate from a CA for that) and ``countersign`` (a counsellor's second
signature on a bundle)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from cryptography import x509

from evidencekit.commands.common import (
    add_secret_options,
    open_vault,
    print_json,
    read_passphrase,
    refuse_overwrite,
)
from evidencekit.errors import InputError
from evidencekit.i18n import tr
from evidencekit.vault import Vault
from evidencekit.vault.identity import fingerprint, format_fingerprint, short_fingerprint

__all__ = ["register", "identity_summary", "read_input", "read_secret"]


def register(sub: Any) -> None:
    ident = sub.add_parser("identity", help=tr("identity.help.identity"))
    isub = ident.add_subparsers(dest="identity_command", metavar="ACTION", required=True)

    p = isub.add_parser("show", help=tr("identity.help.show"))
    p.add_argument("vault", type=Path)
    p.add_argument("--json", action="store_true")
    add_secret_options(p)
    p.set_defaults(func=cmd_show)

    p = isub.add_parser("import", help=tr("identity.help.import"))
    p.add_argument("vault", type=Path)
    p.add_argument("p12", type=Path, metavar="FILE.p12")
    p.add_argument("--p12-passphrase-file", type=Path, metavar="FILE",
                   help=tr("identity.help.p12_passphrase_file"))
    add_secret_options(p)
    p.set_defaults(func=cmd_import)

    p = isub.add_parser("request", help=tr("identity.help.request"))
    p.add_argument("vault", type=Path)
    p.add_argument("-o", "--out", type=Path, metavar="REQUEST.csr",
                   help=tr("identity.help.request_out"))
    p.add_argument("--force", action="store_true", help=tr("cli.help.force"))
    add_secret_options(p)
    p.set_defaults(func=cmd_request)

    p = isub.add_parser("install", help=tr("identity.help.install"))
    p.add_argument("vault", type=Path)
    p.add_argument("cert", type=Path, metavar="CERT.pem")
    add_secret_options(p)
    p.set_defaults(func=cmd_install)

    p = sub.add_parser("countersign", help=tr("identity.help.countersign"))
    p.add_argument("bundle", type=Path, metavar="BUNDLE.pdf")
    p.add_argument("--vault", type=Path, required=True, help=tr("identity.help.cs_vault"))
    p.add_argument("-o", "--out", type=Path, metavar="OUT.pdf",
                   help=tr("identity.help.cs_out"))
    p.add_argument("--tsa", action="append", default=[], metavar="URL",
                   help=tr("identity.help.cs_tsa"))
    p.add_argument("--tsa-ca", type=Path, default=None, metavar="FILE",
                   help=tr("cli.help.tsa_ca"))
    p.add_argument("--no-timestamp", action="store_true", help=tr("cli.help.no_timestamp"))
    p.add_argument("--force", action="store_true", help=tr("cli.help.force"))
    add_secret_options(p)
    p.set_defaults(func=cmd_countersign)


def read_secret(args: argparse.Namespace, *, file_attr: str, env_var: str, prompt_key: str,
                missing_key: str, confirm: bool = False) -> str:
    """A passphrase other than the vault's (a PKCS#12 file's, the CA key's): from its file
    option, its environment variable or a prompt; ``missing_key`` names what is missing."""
    try:
        return read_passphrase(args, confirm=confirm, prompt_key=prompt_key,
                               file_attr=file_attr, env_var=env_var)
    except InputError as exc:
        if exc.key == "error.no_passphrase":
            raise InputError(missing_key) from exc
        raise


def read_input(path: Path) -> bytes:
    """The bytes of a file the user named; a missing or unreadable file is bad input."""
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError("identity.file_missing", path=str(path)) from exc
    except OSError as exc:
        raise InputError("error.cannot_read_file", path=str(path),
                         reason=exc.strerror or "") from exc


def _when(cert_time: Any) -> str:
    return str(cert_time.strftime("%Y-%m-%d %H:%M UTC"))


def identity_summary(cert: x509.Certificate,
                     chain: tuple[x509.Certificate, ...]) -> dict[str, Any]:
    """What ``identity show`` prints, as plain data (also its ``--json``)."""
    from evidencekit.vault.identity_import import common_name, is_self_signed

    fp = fingerprint(cert)
    return {
        "holder": common_name(cert.subject),
        "subject": cert.subject.rfc4514_string(),
        "sha256_fingerprint": format_fingerprint(fp),
        "short_fingerprint": short_fingerprint(fp),
        "issuer": cert.issuer.rfc4514_string(),
        "issuer_name": common_name(cert.issuer),
        "not_before": _when(cert.not_valid_before_utc),
        "not_after": _when(cert.not_valid_after_utc),
        "self_signed": is_self_signed(cert),
        "expired": cert.not_valid_after_utc <= dt.datetime.now(dt.UTC),
        "chain": [{"subject": c.subject.rfc4514_string(), "name": common_name(c.subject),
                   "sha256_fingerprint": format_fingerprint(fingerprint(c))} for c in chain],
    }


def _print_summary(info: dict[str, Any]) -> None:
    out = sys.stdout
    out.write(tr("identity.show.holder", holder=info["holder"]) + "\n")
    out.write(tr("cli.init.fingerprint", fp=info["sha256_fingerprint"]) + "\n")
    out.write(tr("identity.show.short", short=info["short_fingerprint"]) + "\n")
    out.write(tr("identity.show.issuer", issuer=info["issuer_name"]) + "\n")
    out.write(tr("identity.show.validity", start=info["not_before"],
                 end=info["not_after"]) + "\n")
    if info["expired"]:
        out.write(tr("identity.show.expired", end=info["not_after"]) + "\n")
    if info["self_signed"]:
        out.write(tr("identity.show.self_signed") + "\n")
    else:
        out.write(tr("identity.show.ca_issued", issuer=info["issuer_name"],
                     count=len(info["chain"])) + "\n")
        for c in info["chain"]:
            out.write(f"  - {c['name']}\n    {c['sha256_fingerprint']}\n")


def cmd_show(args: argparse.Namespace) -> int:
    with open_vault(args, writable=False) as vault:
        info = identity_summary(vault.identity()[1], vault.identity_chain())
    if args.json:
        print_json(info)
    else:
        _print_summary(info)
    return 0


def _installed(vault: Vault, key: str) -> int:
    sys.stdout.write(tr(key) + "\n")
    _print_summary(identity_summary(vault.identity()[1], vault.identity_chain()))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from evidencekit.vault.identity_import import load_pkcs12

    data = read_input(args.p12)
    with open_vault(args, writable=True) as vault:
        secret = read_secret(args, prompt_key="identity.prompt.p12",
                             file_attr="p12_passphrase_file",
                             env_var="EVIDENCEKIT_P12_PASSPHRASE",
                             missing_key="identity.no_p12_passphrase")
        ident = load_pkcs12(data, secret)
        vault.replace_identity(ident.key, ident.cert, ident.chain, how="pkcs12_import")
        return _installed(vault, "identity.import.done")


def cmd_request(args: argparse.Namespace) -> int:
    from evidencekit.vault.identity_import import make_request

    if args.out is not None:
        refuse_overwrite(args.out, args.force)
    with open_vault(args, writable=False) as vault:
        csr = make_request(vault.identity()[0], vault.holder)
    if args.out is None:
        sys.stdout.write(csr.decode("ascii"))
        return 0
    from evidencekit.vault.atomic import write_atomic

    write_atomic(args.out, csr, mode=0o644)
    sys.stdout.write(tr("identity.request.done", path=str(args.out)) + "\n")
    return 0


def cmd_install(args: argparse.Namespace) -> int:
    from evidencekit.vault.identity_import import load_issued_certificate

    data = read_input(args.cert)
    with open_vault(args, writable=True) as vault:
        key = vault.identity()[0]
        cert, chain = load_issued_certificate(data, key)
        if fingerprint(cert) == vault.fingerprint:
            raise InputError("identity.install_same")
        vault.replace_identity(key, cert, chain, how="certificate_installed")
        return _installed(vault, "identity.install.done")


def cmd_countersign(args: argparse.Namespace) -> int:
    from evidencekit.bundle.countersign import countersign
    from evidencekit.commands.bundle import _timestamper  # the same TSA choice as export

    bundle: Path = args.bundle
    out: Path = args.out or bundle.with_name(f"{bundle.stem}-countersigned.pdf")
    refuse_overwrite(out, args.force)
    with open_vault(args, writable=True) as vault:
        key, cert = vault.identity()
        configured = list(vault.get_setting("tsa_urls") or [])
        timestamper = _timestamper(args, configured, vault.get_setting("tsa_roots_pem"))
        result = countersign(bundle, out, key, cert, vault.identity_chain(),
                             signer_name=vault.holder or None, timestamper=timestamper)
        vault.log_event("bundle_countersigned", bundle_file=bundle.name,
                        input_sha256=result.input_sha256, sha256=result.sha256,
                        field=result.field_name, certificate_sha256=fingerprint(cert),
                        signature_timestamp=result.timestamped)
    o = sys.stdout
    o.write(tr("identity.countersign.done", path=str(result.path)) + "\n")
    o.write(f"SHA-256: {result.sha256}\n")
    fp = fingerprint(cert)
    o.write(tr("cli.init.fingerprint", fp=format_fingerprint(fp)) + "\n")
    o.write(tr("identity.show.short", short=short_fingerprint(fp)) + "\n")
    if timestamper is not None:
        o.write(tr("identity.countersign.ts_yes" if result.timestamped
                   else "identity.countersign.ts_no") + "\n")
    return 0
