"""Under Xvfb, save screenshots of the main screens into test-artifacts/gui/ for a person
to look at (an ugly, clipped or unreadable screen is a bug)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import ROOT
from tests.support.capture_xvfb import xvfb

EXPECTED = [f"{name}-{lang}.png" for lang in ("ko", "en") for name in (
    "wizard-welcome", "wizard-passphrase", "wizard-recovery", "unlock-wrong", "main",
    "main-incident", "settings", "incident", "link-done", "main-link", "export",
    "export-done", "verify-ok", "verify-bad")]


@pytest.mark.xvfb
@pytest.mark.requires_tools("Xvfb")
def test_screenshots_under_xvfb(tmp_path: Path, artifacts: Path) -> None:
    out = artifacts / "gui"
    for old in out.glob("*.png") if out.exists() else []:
        old.unlink()
    with xvfb(1600, 1000) as display:
        env = dict(os.environ)
        env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
        env.pop("WAYLAND_DISPLAY", None)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        proc = subprocess.run(
            [sys.executable, "-m", "tests.support.gui_shots", str(out), str(tmp_path)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in EXPECTED:
        path = out / name
        assert path.is_file(), name
        with Image.open(path) as im:
            assert im.width >= 600 and im.height >= 400, name
            lo, hi = im.convert("L").getextrema()
            assert hi - lo > 100, f"{name} looks blank"
