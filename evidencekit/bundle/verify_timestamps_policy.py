"""The bundle's timestamps against what its signed manifest declares.

The manifest (covered by the holder's signature) says whether the export asked for a
signature timestamp and a document timestamp (``options.timestamps``; older bundles:
``options.timestamp_requested`` for both) and when it was made (``exported_at``). So:

* a declared timestamp that is missing was removed: failure;
* the signature timestamp lies after the latest capture time in the bundle and after the
  export time, and at most :data:`SIGNATURE_WINDOW` after the export time - a token
  fetched much later (a signature re-stamped months on) fails;
* the first document timestamp lies after the signature timestamp (checked with the
  document timestamps themselves in :mod:`evidencekit.bundle.verify_signers`).

Only trusted timestamps count here (the untrusted ones already failed).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evidencekit.bundle.verify_report import VerifyReport
from evidencekit.bundle.verify_signers import CLOCK_SKEW, SignatureFacts

__all__ = ["check_timestamp_policy", "declared_timestamps", "SIGNATURE_WINDOW"]

#: The signature timestamp comes at most this long after the manifest's export time.
SIGNATURE_WINDOW = timedelta(hours=24)


def _time(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def declared_timestamps(manifest: dict[str, Any]) -> tuple[bool, bool]:
    """(signature timestamp, document timestamp) as the signed manifest declares them."""
    options = manifest.get("options")
    if not isinstance(options, dict):
        return False, False
    declared = options.get("timestamps")
    if isinstance(declared, dict):
        return declared.get("signature") is True, declared.get("document") is True
    requested = options.get("timestamp_requested") is True
    return requested, requested


def _latest_capture(manifest: dict[str, Any]) -> datetime | None:
    times = [t for item in manifest.get("items") or [] if isinstance(item, dict)
             if (t := _time(item.get("captured_at_utc"))) is not None]
    return max(times) if times else None


def check_timestamp_policy(manifest: dict[str, Any], facts: SignatureFacts,
                           report: VerifyReport) -> None:
    """Add ``timestamp.policy``: what the manifest declares is there, at the right time."""
    want_sig, want_doc = declared_timestamps(manifest)
    problems: list[tuple[str, dict[str, Any]]] = []
    if want_sig and not facts.signature_timestamp_present:
        problems.append(("verify_trust.policy_sig_missing", {}))
    if want_doc and not facts.document_timestamps and \
            "timestamp.document" not in {c.name for c in report.checks}:
        problems.append(("verify_trust.policy_doc_missing", {}))
    exported = _time(manifest.get("exported_at"))
    stamp = facts.signature_timestamp
    if stamp is not None:
        captured = _latest_capture(manifest)
        if captured is not None and stamp < captured - CLOCK_SKEW:
            problems.append(("verify_trust.policy_sig_before_capture",
                             {"time": stamp.isoformat(), "captured": captured.isoformat()}))
        if exported is None:
            problems.append(("verify_trust.policy_no_export_time", {}))
        elif stamp < exported - CLOCK_SKEW:
            problems.append(("verify_trust.policy_sig_before_export",
                             {"time": stamp.isoformat(), "exported": exported.isoformat()}))
        elif stamp > exported + SIGNATURE_WINDOW:
            problems.append(("verify_trust.policy_sig_late",
                             {"time": stamp.isoformat(), "exported": exported.isoformat()}))
    if not problems:
        if want_sig or want_doc or stamp is not None:
            report.add("timestamp.policy", True, "verify_trust.policy_ok")
        return
    for key, params in problems:
        report.add("timestamp.policy", False, key, **params)
