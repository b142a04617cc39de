"""The result of verifying a bundle: named checks, per-item results, text and JSON forms.

A :class:`Check` carries a stable name (``signature.intact``, ``attachments.hashes`` …), a
verdict (``True`` holds, ``False`` failed, ``None`` not checked / for information only) and
a message key with parameters, so the CLI and the GUI can show it in Korean or English.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from evidencekit.i18n import catalogue, tr
from evidencekit.timefmt import formal_time, parse_time

__all__ = ["Check", "ItemResult", "SignerResult", "VerifyReport", "format_report", "verdict",
           "short_list", "EXIT_OK", "EXIT_FAILED", "EXIT_UNCONFIRMED",
           "EXIT_COUNTER_UNCONFIRMED"]

#: Intact, the holder's signature confirmed (fingerprint given by the holder, or a trusted
#: root), and every counter-signature confirmed too.
EXIT_OK = 0
#: Tampered, damaged, incomplete or not verifiable.
EXIT_FAILED = 3
#: Intact, but nothing confirms who signed: compare the fingerprint with the holder's.
EXIT_UNCONFIRMED = 10
#: Intact and the holder's signature confirmed, but a counter-signature is not: nothing
#: shows who made it (anyone can make a key in any name), so it vouches for nothing.
EXIT_COUNTER_UNCONFIRMED = 11

#: How a signer was confirmed, or why not (``SignerResult.status``).
CONFIRMED_FINGERPRINT = "confirmed_fingerprint"
CONFIRMED_ROOT = "confirmed_root"
UNCONFIRMED = "unconfirmed"
MISMATCH = "mismatch"
INVALID = "invalid"
_MAX_LISTED = 5
#: Parameters that hold a time (ISO 8601, as ``--json`` keeps them): a person reads them as
#: the verifier's local time with its zone and UTC beside it (KOREAN.md).
TIME_PARAMS = frozenset({"time", "signed", "expired", "valid_from", "start", "end",
                         "captured", "exported"})


def short_list(names: list[str]) -> str:
    """The first few names, comma-separated, with ``(+N)`` for the rest (for messages)."""
    shown = ", ".join(names[:_MAX_LISTED])
    return shown + (f" (+{len(names) - _MAX_LISTED})" if len(names) > _MAX_LISTED else "")


@dataclass
class Check:
    """One check: ``ok`` is True (holds), False (failed) or None (not checked / info)."""

    name: str
    ok: bool | None
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def title(self, lang: str | None = None) -> str:
        key = "bundle.check." + self.name
        return tr(key, lang) if key in catalogue("en") else self.name

    def shown_params(self) -> dict[str, Any]:
        """The parameters as a person reads them: times labelled with their zone."""
        return {k: formal_time(v) if k in TIME_PARAMS and isinstance(v, str | datetime)
                and parse_time(v) is not None else v for k, v in self.params.items()}

    def detail_text(self, lang: str | None = None) -> str:
        return tr(self.key, lang, **self.shown_params())

    @property
    def detail(self) -> str:
        """The detail in the current language."""
        return self.detail_text()

    def public(self, lang: str | None = None) -> dict[str, Any]:
        return {
            "name": self.name,
            "ok": self.ok,
            "title": self.title(lang),
            "detail": self.detail_text(lang),
            "key": self.key,
            "params": {k: v if isinstance(v, int | float | bool) or v is None else str(v)
                       for k, v in self.params.items()},
        }


@dataclass
class ItemResult:
    """The verdict for one item of the manifest and the checks of its parts."""

    number: int
    title: str
    ok: bool | None
    parts: list[Check] = field(default_factory=list)

    def public(self, lang: str | None = None) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "ok": self.ok,
            "parts": [p.public(lang) for p in self.parts],
        }


@dataclass
class SignerResult:
    """One signature of the bundle: the holder's or a counter-signature.

    ``fingerprint``: SHA-256 of the certificate inside the CMS signature (lower-case hex)
    - the only thing that says who signed. ``status``: one of ``confirmed_fingerprint``,
    ``confirmed_root``, ``unconfirmed``, ``mismatch``, ``invalid``.
    """

    role: str  # holder | countersigner
    field: str
    subject: str
    fingerprint: str
    status: str
    signed_at: str | None = None
    timestamp: str | None = None

    @property
    def confirmed(self) -> bool:
        return self.status in (CONFIRMED_FINGERPRINT, CONFIRMED_ROOT)

    def status_text(self, lang: str | None = None) -> str:
        if self.role == "countersigner" and self.status == UNCONFIRMED:
            # never the holder's advice ("compare with the holder's fingerprint") here
            return tr("verify_weak.status.counter_unconfirmed", lang)
        return tr("verify_trust.status." + self.status, lang)

    def public(self, lang: str | None = None) -> dict[str, Any]:
        from evidencekit.vault.identity import short_fingerprint

        return {
            "role": self.role,
            "field": self.field,
            "subject": self.subject,
            "fingerprint": self.fingerprint,
            "short_fingerprint": short_fingerprint(self.fingerprint),
            "status": self.status,
            "status_text": self.status_text(lang),
            "signed_at": self.signed_at,
            "timestamp": self.timestamp,
        }


@dataclass
class VerifyReport:
    """Everything :func:`~evidencekit.bundle.verify.verify_bundle` found."""

    path: Path
    checks: list[Check] = field(default_factory=list)
    items: list[ItemResult] = field(default_factory=list)
    fingerprint: str | None = None  # SHA-256 of the signer certificate, lower-case hex
    signer: str | None = None
    signed_at: str | None = None
    extracted: list[Path] = field(default_factory=list)
    manifest: dict[str, Any] | None = None
    signers: list[SignerResult] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        """True when no check failed and the signature checks ran and held: the file is
        what its signer signed. Says nothing about who the signer is."""
        if any(c.ok is False for c in self.checks):
            return False
        if any(i.ok is False for i in self.items):
            return False
        names = {c.name for c in self.checks if c.ok is True}
        return {"signature.intact", "signature.coverage", "signature.container",
                "revisions.after", "attachments.hashes", "manifest.present"} <= names

    @property
    def confirmed(self) -> bool:
        """True when the holder's signature is confirmed (fingerprint or trusted root)."""
        holder = self.holder
        return holder is not None and holder.confirmed

    @property
    def holder(self) -> SignerResult | None:
        return next((s for s in self.signers if s.role == "holder"), None)

    @property
    def countersigners(self) -> list[SignerResult]:
        return [s for s in self.signers if s.role == "countersigner"]

    @property
    def countersignatures_confirmed(self) -> bool:
        """True when every counter-signature is confirmed (or there is none). An
        unconfirmed one never counts as a confirmation of anything; it does not change
        what the holder's signature is (:attr:`confirmed`)."""
        return all(s.confirmed for s in self.countersigners)

    @property
    def ok(self) -> bool:
        """The bundle passes: intact **and** its signer confirmed **and** every
        counter-signature confirmed (exit code 0)."""
        return self.intact and self.confirmed and self.countersignatures_confirmed

    @property
    def exit_code(self) -> int:
        """3 failed; 10 intact, the holder's signature unconfirmed; 11 intact and the
        holder's signature confirmed, a counter-signature unconfirmed; 0 all confirmed."""
        if not self.intact:
            return EXIT_FAILED
        if not self.confirmed:
            return EXIT_UNCONFIRMED
        return EXIT_OK if self.countersignatures_confirmed else EXIT_COUNTER_UNCONFIRMED

    @property
    def failures(self) -> list[Check]:
        out = [c for c in self.checks if c.ok is False]
        for item in self.items:
            out.extend(p for p in item.parts if p.ok is False)
        return out

    def add(self, name: str, ok: bool | None, key: str, **params: Any) -> Check:
        check = Check(name, ok, key, params)
        self.checks.append(check)
        return check

    def public(self, lang: str | None = None) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "ok": self.ok,
            "intact": self.intact,
            "confirmed": self.confirmed,
            "countersignatures_confirmed": self.countersignatures_confirmed,
            "exit_code": self.exit_code,
            "fingerprint": self.fingerprint,
            "signers": [s.public(lang) for s in self.signers],
            "signer": self.signer,
            "signed_at": self.signed_at,
            "checks": [c.public(lang) for c in self.checks],
            "items": [i.public(lang) for i in self.items],
            "extracted": [str(p) for p in self.extracted],
        }


def _mark(ok: bool | None, lang: str | None) -> str:
    if ok is True:
        return "✓ " + tr("bundle.verify.mark_ok", lang)
    if ok is False:
        return "✗ " + tr("bundle.verify.mark_failed", lang)
    return "· " + tr("bundle.verify.mark_info", lang)


def display_name(subject: str) -> str:
    """The common name of an RFC 4514 subject (what a person calls the signer), or the
    subject itself when it has none."""
    from cryptography.x509 import Name
    from cryptography.x509.oid import NameOID

    try:
        names = Name.from_rfc4514_string(subject).get_attributes_for_oid(NameOID.COMMON_NAME)
    except ValueError:
        return subject
    return str(names[0].value) if names else subject


def _signer_lines(report: VerifyReport, lang: str | None) -> list[str]:
    from evidencekit.vault.identity import format_fingerprint, short_fingerprint

    lines = [tr("verify_trust.report_signers", lang)]
    for signer in report.signers:
        mark = _mark(True if signer.confirmed else
                     (None if signer.status == UNCONFIRMED else False), lang)
        lines.append(f"  {mark}  " + tr("verify_trust.report_signer", lang,
                                         role=tr("verify_trust.role." + signer.role, lang),
                                         signer=display_name(signer.subject),
                                         status=signer.status_text(lang)))
        lines.append("       SHA-256: " + format_fingerprint(signer.fingerprint))
        lines.append("       " + tr("verify_trust.report_short", lang,
                                    short=short_fingerprint(signer.fingerprint)))
    return lines


def verdict(report: VerifyReport, lang: str | None = None) -> str:
    """The one-line verdict: passed, intact but signer unconfirmed, intact and the holder
    confirmed but a counter-signature unconfirmed, or failed."""
    from evidencekit.vault.identity import format_fingerprint, short_fingerprint

    if not report.intact:
        names = ", ".join(dict.fromkeys(c.title(lang) for c in report.failures)) or "—"
        return tr("bundle.verify.verdict_failed", lang, failed=names)
    holder = report.holder
    if report.confirmed and holder is not None and not report.countersignatures_confirmed:
        return tr("verify_weak.verdict_counter_unconfirmed", lang,
                  how=holder.status_text(lang),
                  signers=short_list([display_name(s.subject) for s in report.countersigners
                                      if not s.confirmed]))
    if report.confirmed and holder is not None:
        return tr("verify_trust.verdict_ok", lang, how=holder.status_text(lang))
    fp = report.fingerprint or ""
    return tr("verify_trust.verdict_unconfirmed", lang,
              fingerprint=format_fingerprint(fp) if fp else "?",
              short=short_fingerprint(fp) if fp else "?")


def format_report(report: VerifyReport, lang: str | None = None) -> str:
    """A plain-text report for a terminal, in ``lang`` (default: the current language)."""
    lines = [tr("bundle.verify.report_title", lang, path=report.path.name)]
    # who signed comes first: only the certificate inside each signature says it
    if report.signers:
        lines.extend(_signer_lines(report, lang))
    lines.append("")
    for check in report.checks:
        lines.append(f"{_mark(check.ok, lang)}  {check.title(lang)}: {check.detail_text(lang)}")
    if report.items:
        lines.append("")
        lines.append(tr("bundle.verify.report_items", lang))
        for item in report.items:
            ref = tr("court.item_ref", lang, number=item.number)
            lines.append(f"  {_mark(item.ok, lang)}  {ref} {item.title}")
            for part in item.parts:
                if part.ok is not True:
                    lines.append(f"      {_mark(part.ok, lang)}  {part.detail_text(lang)}")
    if report.extracted:
        lines.append("")
        lines.append(tr("bundle.verify.report_extracted", lang, count=len(report.extracted)))
    lines.append("")
    lines.append(verdict(report, lang))
    return "\n".join(lines)
