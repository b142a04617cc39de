"""What every sub-command shares: opening a vault with a passphrase from a prompt, a file or
the environment; printing JSON; a progress line on stderr."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from evidencekit.errors import InputError
from evidencekit.hardening import secret_from_environment
from evidencekit.i18n import tr
from evidencekit.vault import Vault
from evidencekit.vault.keys import MIN_PASSPHRASE_LENGTH

__all__ = [
    "add_secret_options",
    "read_passphrase",
    "read_recovery_key",
    "open_vault",
    "print_json",
    "stderr_progress",
    "warn_header",
    "table",
    "item_number",
    "refuse_overwrite",
]


def item_number(text: str) -> int:
    """argparse type for item numbers: 1 … 2**62, with a message from the catalogue."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 2**62:
        raise argparse.ArgumentTypeError(tr("error.bad_number", value=text))
    return value


def refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise InputError("error.file_exists", path=str(path))


#: ``--recovery-key`` given without a value: ask for it at a prompt.
ASK = "\0ask"


def add_secret_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--passphrase-file", type=Path, metavar="FILE",
                   help=tr("cli.help.passphrase_file"))
    p.add_argument("--recovery-key", nargs="?", const=ASK, default=None, metavar="KEY",
                   help=tr("hardening.help.recovery_key"))
    p.add_argument("--recovery-key-file", metavar="FILE",
                   help=tr("cli.help.recovery_key_file"))


def _from_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError("error.cannot_read_file", path=str(path),
                         reason=exc.strerror or "") from exc
    # Notepad on Windows saves UTF-8 with a byte-order mark: it is not part of the passphrase.
    return text.removeprefix("\ufeff").rstrip("\r\n")


def read_passphrase(args: argparse.Namespace, *, confirm: bool = False,
                    prompt_key: str = "cli.prompt.passphrase",
                    file_attr: str = "passphrase_file",
                    env_var: str = "EVIDENCEKIT_PASSPHRASE") -> str:
    """The passphrase from ``--passphrase-file``, ``EVIDENCEKIT_PASSPHRASE`` or a prompt.

    The vault's passphrase is never empty: an empty one (an empty file, an empty variable,
    Enter at the prompt) is named as such instead of being tried and reported as wrong. A
    new passphrase that is too short is refused before it is asked for a second time.
    Other secrets (a PKCS#12 file's, read through another ``file_attr``) may be empty."""
    vault_secret = file_attr in ("passphrase_file", "new_passphrase_file")
    pf = getattr(args, file_attr, None)
    if pf is not None:
        return _not_empty(_from_file(pf), vault_secret, "error.empty_passphrase_file")
    env = secret_from_environment(env_var)
    if env is not None:
        return _not_empty(env, vault_secret, "error.empty_passphrase_variable")
    if not sys.stdin.isatty():
        raise InputError("error.no_passphrase")
    first = _not_empty(getpass.getpass(tr(prompt_key) + " "), vault_secret,
                       "error.empty_passphrase_typed")
    if confirm and vault_secret and len(first) < MIN_PASSPHRASE_LENGTH:
        raise InputError("error.passphrase_short", minimum=MIN_PASSPHRASE_LENGTH)
    if confirm:
        second = getpass.getpass(tr("cli.prompt.passphrase_again") + " ")
        if first != second:
            raise InputError("error.passphrase_mismatch")
    return first


def _not_empty(secret: str, check: bool, key: str) -> str:
    if check and secret == "":
        raise InputError(key)
    return secret


def read_recovery_key(args: argparse.Namespace) -> str | None:
    """The recovery key from a prompt (``--recovery-key`` alone), a file or stdin
    (``--recovery-key-file FILE`` / ``-``); None when neither option was given.

    A key written on the command line (``--recovery-key KEY``) is refused: every local
    user can read it in the process list while the program runs, and it stays in the
    shell history."""
    inline = getattr(args, "recovery_key", None)
    path = getattr(args, "recovery_key_file", None)
    if inline is not None and inline != ASK:
        raise InputError("hardening.recovery_key_inline")
    if path is not None:
        if path == "-":
            return sys.stdin.readline().strip()
        return _from_file(Path(path)).strip()
    if inline == ASK:
        if not sys.stdin.isatty():
            raise InputError("hardening.recovery_key_no_tty")
        return getpass.getpass(tr("hardening.prompt.recovery_key") + " ").strip()
    return None


def open_vault(args: argparse.Namespace, *, writable: bool,
               collect_garbage: bool = True) -> Vault:
    rk = read_recovery_key(args)
    if rk is not None:
        vault = Vault.open(args.vault, recovery_key=rk, writable=writable,
                           collect_garbage=collect_garbage)
    else:
        vault = Vault.open(args.vault, passphrase=read_passphrase(args), writable=writable,
                           collect_garbage=collect_garbage)
    warn_header(vault)
    return vault


def warn_header(vault: Vault) -> None:
    """One line per header problem on stderr, and how to repair it."""
    for key, params in vault.header_problems:
        sys.stderr.write(f"evidencekit: {tr('cli.warning')}: {tr(key, **params)}\n")
    if vault.header_problems:
        sys.stderr.write(f"evidencekit: {tr('hardening.header.repair_hint')}\n")


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def stderr_progress(enabled: bool = True) -> Any:
    """A progress callback printing a percentage on stderr when it is a terminal."""
    if not enabled or not sys.stderr.isatty():
        return None
    last = [-1]

    def cb(done: int, total: int, key: str) -> None:
        if total <= 0:
            return
        pct = int(done * 100 / total)
        if pct != last[0]:
            last[0] = pct
            sys.stderr.write(f"\r{tr(key)} {pct:3d}%")
            if pct >= 100:
                sys.stderr.write("\n")
            sys.stderr.flush()

    return cb


def _width(text: str) -> int:
    """Terminal columns of ``text`` (Hangul and other wide characters take two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def table(header: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    """A plain text table whose columns line up with Korean text too."""
    right = right or set()
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - _width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"
