"""Re-checking every link of a case at once, so a counsellor can follow take-downs.

For each link item: is it still online (a HEAD, then a GET of the headers, as
:func:`evidencekit.capture.links.recheck_url` does)? When it is, and the capture recorded
the page's SHA-256, the page is fetched again (bounded, in memory) and compared: a
different SHA-256 means the page changed since it was captured. Every check is a
``link_rechecked`` custody event (``status`` online / gone / unknown as before, plus
``page_changed`` and ``body_sha256_now`` when compared); the reporting lists show the
latest one. Pages that carry a clock or a token change on every visit: "changed" then
says little, which the help text says too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from evidencekit.errors import EvidenceKitError, InputError
from evidencekit.model import Event, Item, Progress

__all__ = ["RecheckRow", "recheck_links", "link_items", "status_of"]

log = logging.getLogger(__name__)

_MIN_BODY = 20 * 1024 * 1024


@dataclass(frozen=True)
class RecheckRow:
    number: int
    url: str
    status: str  # online | changed | gone | unknown | failed
    http_status: int | None
    detail: str


class _Vault(Protocol):
    def items(self, include_deleted: bool = False) -> list[Item]: ...
    def item(self, number: int) -> Item: ...
    def log_event(self, event: str, item: Item | None = None, **details: Any) -> Event: ...


def link_items(vault: _Vault, numbers: list[int] | None) -> list[Item]:
    if numbers is None:
        return [i for i in vault.items() if i.kind == "link"]
    chosen = [vault.item(n) for n in numbers]
    for item in chosen:
        if item.kind != "link" or item.state == "deleted":
            raise InputError("error.not_a_link", number=item.number)
    return chosen


def status_of(body: dict[str, Any]) -> str:
    """online / changed / gone / unknown from a ``link_rechecked`` event body."""
    status = str(body.get("status") or "unknown")
    return "changed" if status == "online" and body.get("page_changed") else status


def _body_digest(url: str, item: Item, timeout: float, ca_file: Path | None) -> str | None:
    from evidencekit.capture.fetch import fetch_url

    size = int(item.metadata.get("body_size") or 0)
    try:
        result = fetch_url(url, timeout=timeout, ca_file=ca_file,
                           max_body=max(_MIN_BODY, 2 * size))
    except EvidenceKitError as exc:
        log.info("re-fetch for comparison failed: %s", exc.key)
        return None
    return str(result.final.body_sha256)


def recheck_links(vault: _Vault, *, numbers: list[int] | None = None, timeout: float = 15.0,
                  ca_file: Path | None = None, compare: bool = True,
                  progress: Progress | None = None,
                  cancelled: Callable[[], bool] | None = None) -> list[RecheckRow]:
    """Check every chosen link item (all link items by default); one custody event each."""
    from evidencekit.capture.links import recheck_url

    targets = link_items(vault, numbers)
    rows: list[RecheckRow] = []
    for done, item in enumerate(targets):
        if cancelled is not None and cancelled():
            break
        if progress is not None:
            progress(done, len(targets), "reports.progress.rechecking")
        url = str(item.metadata.get("url") or item.source)
        try:
            result = recheck_url(url, timeout=timeout, ca_file=ca_file)
        except EvidenceKitError as exc:  # a link refused by the URL rules
            rows.append(RecheckRow(item.number, url, "failed", None, exc.message()))
            continue
        details = {k: v for k, v in result.items()
                   if k not in ("event", "at", "item_id", "item_number")}
        details.setdefault("url", url)
        old = item.metadata.get("body_sha256")
        if compare and result.get("status") == "online" and old:
            now = _body_digest(url, item, timeout, ca_file)
            if now is not None:
                details["body_sha256_now"] = now
                details["page_changed"] = now != old
        vault.log_event("link_rechecked", item, **details)
        rows.append(RecheckRow(item.number, url, status_of(details),
                               result.get("http_status"), str(result.get("detail") or "")))
    if progress is not None:
        progress(len(targets), len(targets), "reports.progress.rechecking")
    return rows
