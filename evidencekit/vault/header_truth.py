"""One header truth: which of ``vault.json`` and its protected copy in the index is
authentic, and what exactly differs.

The copy (``meta.header``) carries an HMAC under the ``header`` sub-key, so it can be
authenticated once the master key is known. Opening therefore tries each candidate header
(the file first, then the copy) and, for the first master key that unwraps, checks the MAC:

- MAC valid: the copy is authentic and is the header used; every difference of
  ``vault.json`` from it is reported, field by field (recovery wrap replaced, passphrase
  wrap or KDF changed, another vault's file, missing, damaged, KDF out of bounds).
- MAC invalid but the master key opens this vault's sealed identity: the key is this
  vault's, so the copy (or its MAC) was altered; ``vault.json`` is used.
- Neither: the key belongs to another vault (a foreign ``vault.json``, or one from before
  ``rekey``); it opens nothing here.

KDF parameters are bound-checked (:meth:`KdfParams.check_bounds`) before any derivation,
so a header that asks for 2**31 KiB or iterations is refused and the other candidate used.
Nothing here writes; repairing is :meth:`Vault.repair_header`'s job, on request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field

from evidencekit.errors import IntegrityError, VaultFormatError, WrongSecretError
from evidencekit.vault import keys
from evidencekit.vault.header import Header, parse_header, wrap_ad
from evidencekit.vault.index import Index, meta_ad
from evidencekit.vault.sealing import Sealer, SealError

__all__ = ["HeaderState", "Resolved", "read_state", "resolve_header", "header_mac"]

Problem = tuple[str, dict[str, object]]


@dataclass
class HeaderState:
    """One candidate header: parsed, or why not."""

    data: bytes
    header: Header | None = None
    reason: str | None = None  # "missing", "damaged", "version", "kdf_bounds"
    detail: str = ""
    version_error: VaultFormatError | None = None


@dataclass
class Resolved:
    header: Header
    master: bytes
    problems: list[Problem] = field(default_factory=list)
    # what a repair does: ("file", bytes) rewrites vault.json, ("copy", bytes) the copy
    repair: tuple[str, bytes] | None = None


def header_mac(master: bytes, data: bytes) -> bytes:
    return hmac.new(keys.subkey(master, "header"), data, hashlib.sha256).digest()


def read_state(data: bytes) -> HeaderState:
    state = HeaderState(data)
    if not data:
        state.reason = "missing"
        return state
    try:
        state.header = parse_header(data)
    except VaultFormatError as exc:
        state.reason, state.version_error = "version", exc
    except keys.KdfBoundsError as exc:
        state.reason, state.detail = "kdf_bounds", exc.detail
    except ValueError:
        state.reason = "damaged"
    return state


class _Unwrapper:
    """Derives key-encryption keys once per distinct parameter set."""

    def __init__(self, passphrase: str | None, recovery: bytes | None) -> None:
        self.passphrase = passphrase
        self.recovery = recovery
        self._cache: dict[tuple[bytes, int, int, int], bytes] = {}

    def master(self, header: Header) -> bytes:
        """The master key from this header's wrap; WrongSecretError if it does not fit."""
        if self.recovery is not None:
            wrapped = header.wrapped.get("recovery")
            try:
                rsalt = base64.b64decode(wrapped["salt"], validate=True)  # type: ignore[index]
            except (KeyError, TypeError, ValueError) as exc:
                raise WrongSecretError("error.wrong_recovery_key") from exc
            kek = keys.derive_recovery_key(self.recovery, rsalt)
            return keys.unwrap(kek, wrapped or {}, wrap_ad(header.vault_id, "recovery", None),
                               recovery=True)
        params = header.kdf
        cache_key = (params.salt, params.memory_kib, params.iterations, params.lanes)
        if cache_key not in self._cache:
            self._cache[cache_key] = keys.derive_passphrase_key(self.passphrase or "", params)
        return keys.unwrap(self._cache[cache_key], header.wrapped.get("passphrase") or {},
                           wrap_ad(header.vault_id, "passphrase", params))


def _identity_opens(index: Index, master: bytes) -> bool:
    sealed = index.get_meta("identity")
    if sealed is None:
        return False
    try:
        Sealer(keys.subkey(master, "identity")).open(sealed, meta_ad("identity"))
    except SealError:
        return False
    return True


def file_problems(file: HeaderState, copy: Header) -> list[Problem]:
    """How ``vault.json`` differs from the authentic copy (empty when identical)."""
    if file.reason == "missing":
        return [("hardening.header.file_missing", {})]
    if file.reason == "kdf_bounds":
        return [("hardening.header.file_kdf_bounds", {"detail": file.detail})]
    if file.header is None:
        return [("hardening.header.file_damaged", {})]
    h = file.header
    if h.vault_id != copy.vault_id:
        return [("hardening.header.file_foreign", {"other": h.vault_id[:8]})]
    if file.data == copy.to_bytes():
        return []
    out: list[Problem] = []
    if h.kdf != copy.kdf:
        out.append(("hardening.header.file_kdf", {}))
    if h.wrapped.get("passphrase") != copy.wrapped.get("passphrase"):
        out.append(("hardening.header.file_passphrase", {}))
    if h.wrapped.get("recovery") != copy.wrapped.get("recovery"):
        out.append(("hardening.header.file_recovery", {}))
    if not out:
        out.append(("hardening.header.file_other", {}))
    return out


def resolve_header(raw: bytes, index: Index, passphrase: str | None,
                   recovery_key: str | None) -> Resolved:
    """Find the authentic header and the master key (see the module docstring).

    Raises WrongSecretError (the secret fits no candidate, or only another vault's file),
    VaultFormatError (an unknown version and nothing else usable) or IntegrityError.
    """
    copy = index.get_meta("header") or b""
    mac = index.get_meta("header_mac") or b""
    recovery = keys.parse_recovery_key(recovery_key) if recovery_key is not None else None
    file_state = read_state(raw)
    copy_state = read_state(copy) if copy else HeaderState(b"", reason="missing")
    unwrapper = _Unwrapper(passphrase, recovery)
    wrong: WrongSecretError | None = None
    stale = False
    for source, state in (("file", file_state), ("copy", copy_state)):
        if state.header is None or (source == "copy" and copy == raw):
            continue
        try:
            master = unwrapper.master(state.header)
        except WrongSecretError as exc:
            wrong = wrong or exc
            continue
        if copy and hmac.compare_digest(mac, header_mac(master, copy)):
            authentic = copy_state.header or state.header
            problems = file_problems(file_state, authentic)
            return Resolved(authentic, master, problems, ("file", copy) if problems else None)
        if _identity_opens(index, master):
            return Resolved(state.header, master, [("hardening.header.copy_altered", {})],
                            ("copy", state.data))
        stale = True
    if stale:
        raise WrongSecretError("hardening.header.stale")
    if wrong is not None:
        raise wrong
    for state in (file_state, copy_state):
        if state.version_error is not None:
            raise state.version_error
    if file_state.reason == "kdf_bounds":
        raise IntegrityError("hardening.header.kdf_refused", detail=file_state.detail)
    raise IntegrityError("error.header_damaged")
