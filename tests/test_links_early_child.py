"""The rendering child is started before the page is fetched (it starts Python and loads
the recording proxy while the fetch runs): its environment holds nothing of the
program's (no passphrase), and when the fetch fails or nothing is rendered it is ended
and its throw-away home removed: no process and no folder is left behind."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from evidencekit.capture.links import capture_link
from evidencekit.capture.render import SCRATCH_PREFIX, RenderChild
from evidencekit.errors import NetworkError
from tests.support.links_servers import LinkServers


def _children() -> set[int]:
    """Processes whose parent is this one and that run the rendering child."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmd = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and b"render_child" in cmd:
            out.add(int(stat.parent.name))
    return out


def _scratch() -> list[Path]:
    bases = [Path("/dev/shm"), Path(tempfile.gettempdir())]
    return [p for b in bases if b.is_dir() for p in b.glob(f"{SCRATCH_PREFIX}{os.getpid()}-*")]


pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def test_early_child_environment_and_clean_end() -> None:
    assert os.environ.get("EVIDENCEKIT_PASSPHRASE")  # set for every test by conftest
    with RenderChild(preload=True) as child:
        env = Path(f"/proc/{child.proc.pid}/environ").read_bytes().split(b"\0")
        assert child.home.is_dir() and child.proc.poll() is None
        assert child.proc.pid in _children()
    assert not any(v.startswith(b"EVIDENCEKIT_PASSPHRASE=") for v in env)
    assert b"EVIDENCEKIT_RENDER_PRELOAD=1" in env
    assert not child.home.exists()
    assert child.proc.returncode is not None and child.proc.pid not in _children()
    child.close()  # a second close does nothing


def test_failed_fetch_leaves_no_child_and_no_scratch(tmp_path: Path) -> None:
    before = _children()
    with LinkServers(tmp_path) as s:
        url = s.http.url("/")
    # The server is gone: the fetch fails after the early child has started.
    with pytest.raises(NetworkError):
        capture_link(url, timeout=5)
    time.sleep(0.2)
    assert _children() <= before
    assert _scratch() == []


@pytest.mark.slow
def test_page_that_is_not_rendered_leaves_no_child(tmp_path: Path) -> None:
    before = _children()
    with LinkServers(tmp_path) as s:
        item = capture_link(s.https.url("/dl.bin"), ca_file=s.ca_file, timeout=10)
    assert item.metadata["rendering"]["status"] == "skipped", item.metadata["rendering"]
    assert _children() <= before
    assert _scratch() == []
