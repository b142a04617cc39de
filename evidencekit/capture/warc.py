"""Writing a fetched exchange as a gzip-compressed WARC file (ISO 28500, WARC/1.1) in memory.

The file holds a ``warcinfo`` record (software, format, the requested URL and fetch
time), then for every hop of the redirect chain a ``response`` record and a ``request``
record (warcio's usual pairing, linked by ``WARC-Concurrent-To``), each with
``WARC-Target-URI``, ``WARC-Date`` (the time the request was sent, UTC, microseconds),
``WARC-IP-Address``, ``WARC-Warcinfo-ID`` and the block and payload digests warcio
computes. Each record is its own gzip member, so standard tools (warcio, pywb,
``zcat``) can read it.

The record blocks are the bytes as they went over the wire (see
:mod:`evidencekit.capture.fetch`), with one caveat of warcio: it parses the HTTP header
block and writes it back, so insignificant white space in header lines may be normalised
(names, values and order are kept). The payload (body) bytes are untouched, chunked
framing and content coding included.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from datetime import UTC
from importlib.metadata import PackageNotFoundError, version

import httpx
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from evidencekit import __version__
from evidencekit.capture.fetch import USER_AGENT, FetchResult, Hop
from evidencekit.capture.recorded import RecordedExchange
from evidencekit.model import iso

__all__ = ["WARC_MEDIA_TYPE", "write_warc"]

log = logging.getLogger(__name__)

WARC_MEDIA_TYPE = "application/warc"


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


def _warc_date(hop: Hop) -> str:
    dt = hop.started_at.astimezone(UTC).replace(tzinfo=None)
    return str(datetime_to_iso_date(dt, use_micros=True))


def write_warc(result: FetchResult, *, filename: str = "exchange.warc.gz",
               extra: Sequence[FetchResult] = (),
               recorded: Sequence[RecordedExchange] = ()) -> bytes:
    """The whole exchange of ``result`` as the bytes of a ``.warc.gz`` file.

    ``extra``: further fetches of the same capture (the page's pictures), whose hops are
    written after the page's own, in order. ``recorded``: what the renderer loaded
    through the recording proxy, written last (see :mod:`evidencekit.capture.recorded`).
    """
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    info = {
        "software": (
            f"EvidenceKit/{__version__} (warcio/{_version('warcio')}; "
            f"httpx/{httpx.__version__})"
        ),
        "format": "WARC File Format 1.1",
        "conformsTo": (
            "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
        ),
        "description": "Evidence capture of one link: every hop of the redirect chain.",
        "http-header-user-agent": USER_AGENT,
        "robots": "ignore",
        "evidencekit-requested-url": result.requested_url,
        "evidencekit-final-url": result.final_url,
        "evidencekit-fetched-at": iso(result.fetched_at),
        "evidencekit-hops": str(len(result.hops)),
        "evidencekit-resources": str(len(extra)),
        "evidencekit-recorded-by-renderer": str(len(recorded)),
    }
    warcinfo = writer.create_warcinfo_record(filename, info)
    warcinfo_id = warcinfo.rec_headers.get_header("WARC-Record-ID")
    writer.write_record(warcinfo)
    for hop in [h for r in (result, *extra) for h in r.hops]:
        if not hop.raw_request or not hop.raw_response:
            raise ValueError(f"no recorded bytes for {hop.url}")
        common = {"WARC-Date": _warc_date(hop), "WARC-Warcinfo-ID": warcinfo_id}
        if hop.server_ip:
            common["WARC-IP-Address"] = hop.server_ip
        resp = writer.create_warc_record(
            hop.url,
            "response",
            payload=io.BytesIO(hop.raw_response),
            length=len(hop.raw_response),
            warc_headers_dict=dict(common),
        )
        req = writer.create_warc_record(
            hop.url,
            "request",
            payload=io.BytesIO(hop.raw_request),
            length=len(hop.raw_request),
            warc_headers_dict=dict(common),
        )
        writer.write_request_response_pair(req, resp)
    if recorded:
        from evidencekit.capture.recorded import write_records

        write_records(writer, recorded, warcinfo_id)
    data = out.getvalue()
    log.debug("WARC: %d hops, %d bytes", len(result.hops), len(data))
    return data
