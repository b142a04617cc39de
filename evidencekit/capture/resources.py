"""Resources of a captured page as evidence: fetched, archived and described one by one.

:func:`fetch_resources` fetches the pictures a page showed (for now: the pictures of a
Telegram web page, see :mod:`evidencekit.capture.telegram_page`) with the same recording
fetcher as the page itself (:func:`evidencekit.capture.fetch.fetch_url`), so each
request and response goes into the item's WARC with its digests. :func:`describe` gives
the summary's entry for each: URL, final URL, status, media type, size, pixel size
(read from the header only, nothing decoded), SHA-256, and the error when a fetch failed.
"""

from __future__ import annotations

import io
import logging
import ssl
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evidencekit.capture.fetch import FetchResult, fetch_url
from evidencekit.errors import EvidenceKitError
from evidencekit.model import iso

__all__ = ["MAX_RESOURCE_BYTES", "describe", "fetch_resources", "pixel_size"]

log = logging.getLogger(__name__)

MAX_RESOURCE_BYTES = 25 * 1024 * 1024


def pixel_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of an image from its header (no decoding), or None."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            return int(img.size[0]), int(img.size[1])
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def describe(result: FetchResult) -> dict[str, Any]:
    """The summary entry of one fetched resource."""
    final = result.final
    size = pixel_size(final.body) if final.media_type.startswith("image/") else None
    return {
        "url": result.requested_url,
        "final_url": result.final_url,
        "status": final.status,
        "media_type": final.media_type,
        "size": len(final.body),
        "width": size[0] if size else None,
        "height": size[1] if size else None,
        "sha256": final.body_sha256,
        "fetched_at": iso(result.fetched_at),
        "server_ip": final.server_ip,
    }


def fetch_resources(
    urls: Sequence[str],
    *,
    timeout: float,
    verify_tls: bool = True,
    ca_file: str | Path | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> tuple[list[FetchResult], list[dict[str, Any]]]:
    """Fetch ``urls`` one by one; ``(results, entries)`` where ``entries`` describes every
    URL (a failed one with ``error``/``error_key`` and no hash). Never raises for one
    resource: a picture that cannot be fetched is listed as such."""
    results: list[FetchResult] = []
    entries: list[dict[str, Any]] = []
    for url in urls:
        try:
            got = fetch_url(url, timeout=timeout, max_body=MAX_RESOURCE_BYTES,
                            verify_tls=verify_tls, ca_file=ca_file, ssl_context=ssl_context)
        except EvidenceKitError as exc:
            log.info("resource not fetched (%s)", exc.key)
            entries.append({"url": url, "error_key": exc.key, "error": exc.message("en")})
            continue
        results.append(got)
        entries.append(describe(got))
    return results, entries
