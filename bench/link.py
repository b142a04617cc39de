"""Link capture of a local HTTPS page (3 redirects, TLS, Korean page) including the
full-page rendering; median of 5 after a cold run."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.common import Row, main_rows


def link_rows() -> list[Row]:
    from evidencekit.capture.links import capture_link
    from tests.support.links_servers import LinkServers

    with tempfile.TemporaryDirectory() as tmp, LinkServers(Path(tmp)) as servers:
        url = servers.https.url("/r1")

        def once() -> float:
            t0 = time.perf_counter()
            item = capture_link(url, ca_file=servers.ca_file, timeout=10)
            assert item.metadata["rendering"]["status"] == "ok", item.metadata["rendering"]
            return time.perf_counter() - t0

        cold = once()
        times = [once() for _ in range(5)]
    med = statistics.median(times)
    return [Row("link capture with rendering, local page", f"{med:.2f} s (median of 5)",
                f"cold first run {cold:.2f} s", "< 3 s", med < 3)]


if __name__ == "__main__":
    main_rows({"link": link_rows})
