"""What the renderer loaded, as the parent reads it back: recorded exchanges and resources.

The recording proxy of the rendering child (:mod:`evidencekit.capture.recorder`) leaves
one ``.json``/``.req``/``.resp`` triple per exchange in the child's throw-away folder.
:func:`read_records` reads them (before the folder is removed, also after a crash);
:func:`write_records` appends them to the item's WARC as request/response pairs
(warcio computes block and payload digests); :func:`describe_records` reads the WARC
back to list every response (URL, status, media type, size, SHA-256 of the payload as
the page received it, content coding removed) and, for images and video, the pixel size.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["RECORDS_DIR", "RecordedExchange", "describe_records", "read_records",
           "write_records", "MEDIA_PREFIXES"]

log = logging.getLogger(__name__)

RECORDS_DIR = "records"
#: Media types listed as the page's pictures and media.
MEDIA_PREFIXES = ("image/", "video/", "audio/")
_MAX_RECORDS = 5000


@dataclass(frozen=True)
class RecordedExchange:
    url: str
    method: str
    started: datetime
    server_ip: str | None
    request: bytes = field(repr=False)
    response: bytes = field(repr=False)
    refused: bool = False


def read_records(folder: Path) -> list[RecordedExchange]:
    """The exchanges written in ``folder`` (complete ones only), in the order started."""
    out: list[RecordedExchange] = []
    if not folder.is_dir():
        return out
    for meta_path in sorted(folder.glob("*.json"))[:_MAX_RECORDS]:
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            req = meta_path.with_suffix(".req").read_bytes()
            resp = meta_path.with_suffix(".resp").read_bytes()
            started = datetime.fromtimestamp(float(meta["started"]), UTC)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("a recorded exchange could not be read: %s", exc)
            continue
        if meta.get("refused"):
            out.append(RecordedExchange(f"{meta.get('host')}:{meta.get('port')}", "CONNECT",
                                        started, None, b"", b"", refused=True))
            continue
        out.append(RecordedExchange(str(meta.get("url")), str(meta.get("method") or "GET"),
                                    started, meta.get("server_ip"), req, resp))
    out.sort(key=lambda e: e.started)
    return out


def write_records(writer: Any, exchanges: Sequence[RecordedExchange], warcinfo_id: str
                  ) -> int:
    """Append the complete exchanges to a warcio ``WARCWriter``; how many were written."""
    from warcio.timeutils import datetime_to_iso_date

    n = 0
    for ex in exchanges:
        if ex.refused or not ex.request or not ex.response.startswith(b"HTTP/"):
            continue
        date = str(datetime_to_iso_date(ex.started.replace(tzinfo=None), use_micros=True))
        common = {"WARC-Date": date, "WARC-Warcinfo-ID": warcinfo_id}
        if ex.server_ip:
            common["WARC-IP-Address"] = ex.server_ip
        try:
            resp = writer.create_warc_record(ex.url, "response",
                                             payload=io.BytesIO(ex.response),
                                             length=len(ex.response),
                                             warc_headers_dict=dict(common))
            req = writer.create_warc_record(ex.url, "request", payload=io.BytesIO(ex.request),
                                            length=len(ex.request),
                                            warc_headers_dict=dict(common))
        except (ValueError, KeyError, IndexError) as exc:  # unparsable HTTP head
            log.warning("a recorded exchange could not be archived: %s", exc)
            continue
        writer.write_request_response_pair(req, resp)
        n += 1
    return n


def describe_records(warc: bytes, first_record: int) -> list[dict[str, Any]]:
    """Every response record from record number ``first_record`` on, described."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    from evidencekit.capture.resources import pixel_size

    out: list[dict[str, Any]] = []
    try:
        for i, rec in enumerate(ArchiveIterator(io.BytesIO(warc))):
            if i < first_record or rec.rec_type != "response" or rec.http_headers is None:
                continue
            body = rec.content_stream().read()
            ctype = (rec.http_headers.get_header("Content-Type") or "").split(";")[0]
            media = ctype.strip().lower()
            entry: dict[str, Any] = {
                "url": rec.rec_headers.get_header("WARC-Target-URI"),
                "status": int(rec.http_headers.get_statuscode() or 0),
                "media_type": media,
                "size": len(body),
                "sha256": hashlib.sha256(body).hexdigest(),
                "payload_digest": rec.rec_headers.get_header("WARC-Payload-Digest"),
                "fetched_at": rec.rec_headers.get_header("WARC-Date"),
                "server_ip": rec.rec_headers.get_header("WARC-IP-Address"),
                "source": "renderer",
            }
            if media.startswith("image/"):
                size = pixel_size(body)
                entry["width"], entry["height"] = size if size else (None, None)
            out.append(entry)
    except (ArchiveLoadFailed, ValueError, OSError, EOFError, AttributeError,
            TypeError, KeyError, IndexError) as exc:
        log.warning("the recorded part of the WARC could not be read back: %s", exc)
    return out
