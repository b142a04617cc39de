"""Every screen finished: under Xvfb at 1280×800 and 1920×1080, at 100 % and 150 % text
size, in Korean and English, no label, button or line edit of the main screens (wizard,
unlock, main window with items and detail pane, settings, export, verify) has its text
cut. Screenshots go to test-artifacts/fit/ for a person to look at."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support.capture_xvfb import xvfb

SCREENS = ("wizard-welcome", "wizard-place", "wizard-name", "wizard-passphrase",
           "wizard-creating", "wizard-recovery", "unlock-wrong", "main", "main-incident",
           "settings", "export", "verify-ok", "verify-bad")

@pytest.mark.xvfb
@pytest.mark.requires_tools("Xvfb")
@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_no_text_is_cut(tmp_path: Path, artifacts: Path, size: tuple[int, int]) -> None:
    width, height = size
    out = artifacts / "fit"
    for old in out.glob(f"*-{width}x{height}-*.png") if out.exists() else []:
        old.unlink()
    with xvfb(width, height) as display:
        env = dict(os.environ)
        env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
        env.pop("WAYLAND_DISPLAY", None)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        proc = subprocess.run(
            [sys.executable, "-m", "tests.support.gui_fit", str(out), str(tmp_path),
             str(width), str(height)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    shots = {r["shot"] for r in results}
    for lang in ("ko", "en"):
        for scale in (100, 150):
            for screen in SCREENS:
                name = f"{screen}-{lang}-{width}x{height}-{scale}.png"
                assert name in shots and (out / name).is_file(), name
    cut = [f"{r['shot']}: {p}" for r in results for p in r["problems"]]
    assert not cut, "\n".join(cut)


def test_checker_sees_a_cut_label(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The checker itself: a label narrower than its text, a wrapped label shorter than
    its lines and a squeezed button are found; a label that fits is not."""
    from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QWidget

    from tests.support.gui_fit import problems

    window = QWidget()
    qtbot.addWidget(window)
    window.resize(400, 300)
    narrow = QLabel("보관함을 만들고 있어요… 이 문장은 길어요", window)
    narrow.setGeometry(10, 10, 60, 20)
    wrapped = QLabel("보관함을 만들고 있어요… " * 6, window)
    wrapped.setWordWrap(True)
    wrapped.setGeometry(10, 40, 150, 20)
    squeezed = QPushButton("Write what happened", window)
    squeezed.setGeometry(10, 80, 40, 30)
    fine = QLabel("OK", window)
    fine.setGeometry(10, 120, 100, 30)
    cut_combo = QComboBox(window)
    cut_combo.addItem("Korean and English")
    cut_combo.setGeometry(10, 160, 90, 30)
    wide_combo = QComboBox(window)
    wide_combo.addItem("한국어")
    wide_combo.setGeometry(120, 160, 200, 30)
    window.show()
    found = problems(window)
    assert any("이 문장은" in p and "needs" in p for p in found), found
    assert any("wrapped text needs" in p for p in found), found
    assert any("Write what" in p for p in found), found
    assert not any("'OK'" in p for p in found), found
    combos = [p for p in found if "chosen entry needs" in p]
    assert len(combos) == 1 and "Korean and English" in combos[0], found
