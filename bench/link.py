"""Link capture including the full-page rendering (in its child process) and the
recording of everything the renderer loaded: a local HTTPS page (3 redirects, TLS,
Korean page), and a local HTTPS page with 100 pictures (about 5 MB) whose WARC must hold
all 100; medians of 5 after a cold run. The machine's load average (1 min) is printed
beside each figure: rendering competes for the cores with whatever else runs."""

from __future__ import annotations

import io
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import Row, main_rows


def _count_pictures(warc: bytes, base: str) -> tuple[int, int]:
    """Distinct /many pictures with a response record in the WARC, and their payload
    bytes."""
    from warcio.archiveiterator import ArchiveIterator

    sizes: dict[str, int] = {}
    for rec in ArchiveIterator(io.BytesIO(warc), check_digests="raise"):
        uri = rec.rec_headers.get_header("WARC-Target-URI") or ""
        if rec.rec_type == "response" and uri.startswith(base + "/many/"):
            sizes[uri] = len(rec.content_stream().read())
    return len(sizes), sum(sizes.values())


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "?"


def link_rows() -> list[Row]:
    from evidencekit.capture.links import capture_link
    from tests.support.links_servers import LinkServers
    from tests.support.links_site import MANY

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp, LinkServers(Path(tmp)) as servers:
        for path, label, target in (("/r1", "link capture with rendering, local page", 3.0),
                                    ("/many", f"link capture, page with {MANY} pictures "
                                              "(~5 MB), all recorded", 5.0)):
            url = servers.https.url(path)
            counts: list[tuple[int, int]] = []

            def once(url: str = url, path: str = path,
                     counts: list[tuple[int, int]] = counts) -> float:
                t0 = time.perf_counter()
                item = capture_link(url, ca_file=servers.ca_file, timeout=10)
                took = time.perf_counter() - t0
                assert item.metadata["rendering"]["status"] == "ok", item.metadata["rendering"]
                if path == "/many":
                    counts.append(_count_pictures(item.parts[0].data or b"",
                                                  servers.https.base))
                return took

            load_before = _load()
            cold = once()
            times = [once() for _ in range(5)]
            med = statistics.median(times)
            extra = (f"; slowest {max(times):.2f} s; load average {load_before}→{_load()} "
                     f"on {os.cpu_count()} cores")
            met = med < target
            if counts:
                least = min(n for n, _ in counts)
                mb = max(s for _, s in counts) / 1e6
                extra += f"; WARC held {least}/{MANY} pictures ({mb:.1f} MB) in every run"
                met = met and least == MANY
            rows.append(Row(label, f"{med:.2f} s (median of 5)",
                            f"cold first run {cold:.2f} s{extra}", f"< {target:g} s", met))
    return rows


if __name__ == "__main__":
    main_rows({"link": link_rows})
