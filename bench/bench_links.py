"""Benchmark: capture_link of a local HTTPS page, fetch + WARC + full-page rendering.

Prints the first (cold: QtWebEngine starts) run and the median of 5 further runs.
Target from the capture issue: median < 3 s. No assertions; run with
``QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_links.py``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from evidencekit.capture.links import capture_link  # noqa: E402
from tests.support.links_servers import LinkServers  # noqa: E402

RUNS = 5


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, LinkServers(Path(tmp)) as servers:
        url = servers.https.url("/r1")  # 3 redirects, TLS, a Korean page

        def once() -> float:
            start = time.perf_counter()
            item = capture_link(url, ca_file=servers.ca_file, timeout=10)
            took = time.perf_counter() - start
            if item.metadata["rendering"]["status"] != "ok":
                print("rendering failed:", item.metadata["rendering"])
            return took

        cold = once()
        times = [once() for _ in range(RUNS)]
    print(f"link capture (local HTTPS page, 4 hops, with rendering): "
          f"cold {cold:.3f} s; median of {RUNS} {statistics.median(times):.3f} s "
          f"(min {min(times):.3f}, max {max(times):.3f}); target median < 3 s")


if __name__ == "__main__":
    main()
