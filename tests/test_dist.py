"""The stand-alone build: PyInstaller builds the one-folder program, and the frozen program
answers --version, makes a demo, verifies its bundle and starts its GUI offscreen."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("pyi")
    dist = work / "dist"
    pyinstaller = Path(sys.executable).with_name("pyinstaller")
    started = time.perf_counter()
    proc = subprocess.run(
        [str(pyinstaller), "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", str(dist), "--workpath", str(work / "build"),
         str(ROOT / "build_spec" / "evidencekit.spec")],
        capture_output=True, text=True, timeout=1500, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    exe = dist / "evidencekit" / "evidencekit"
    assert exe.exists()
    size = sum(f.stat().st_size for f in exe.parent.rglob("*")
               if f.is_file() and not f.is_symlink())
    report = ROOT / "test-artifacts" / "dist-report.txt"
    report.write_text(f"build {time.perf_counter() - started:.0f} s, "
                      f"folder {size / 1e6:.0f} MB\n")
    # Trimmed (unused Qt modules and bindings, QML, Qt translations but Korean and English,
    # test-only libraries, stripped symbols): 683 → 519 MB before numpy, PyAV (FFmpeg),
    # tesserocr, openpyxl and pikepdf joined; now about 650 MB with OCR's language data.
    # The floor is QtWebEngine (204 MB) with ICU and the Qt libraries it links, PyAV's
    # FFmpeg (72 MB), Tesseract (29 MB) and numpy (41 MB). The archive handed out
    # (scripts/pack-dist.sh) is about 195 MB. A regression guard on the folder:
    assert size < 680e6, f"the stand-alone folder grew to {size / 1e6:.0f} MB"
    translations = exe.parent / "_internal" / "PySide6" / "Qt" / "translations"
    extra = [p.name for p in translations.rglob("*")
             if p.is_file() and not p.name.endswith(("_ko.qm", "_en.qm", "ko.pak", "en-US.pak"))]
    assert not extra, extra[:10]
    libs = {p.name.split(".so")[0] for p in (exe.parent / "_internal").rglob("libQt6*.so*")}
    assert not {"libQt63DCore", "libQt6Quick3D", "libQt6Charts", "libQt6Multimedia"} & libs
    return exe


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(XDG_DATA_HOME=str(tmp / "data"), XDG_CONFIG_HOME=str(tmp / "config"),
               QT_QPA_PLATFORM="offscreen", EVIDENCEKIT_INSECURE_TEST_KDF="1")
    return env


@pytest.mark.slow
def test_frozen_program(frozen: Path, tmp_path: Path) -> None:
    env = _env(tmp_path)
    out = subprocess.run([str(frozen), "--version"], capture_output=True, text=True, env=env,
                         timeout=60)
    assert out.returncode == 0 and "EvidenceKit" in out.stdout
    demo = tmp_path / "demo"
    out = subprocess.run([str(frozen), "demo", str(demo)], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    out = subprocess.run([str(frozen), "verify", str(demo / "demo-bundle.pdf")],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 10, out.stdout + out.stderr  # intact; signer not confirmed
    # the demo's link item was rendered by the frozen QtWebEngine
    env_pw = dict(env, EVIDENCEKIT_PASSPHRASE="demo-passphrase-예시")
    shown = subprocess.run([str(frozen), "show", str(demo / "demo-vault"), "4", "--json"],
                           capture_output=True, text=True, env=env_pw, timeout=60)
    assert '"rendering.png"' in shown.stdout, shown.stdout[-2000:] + shown.stderr[-2000:]
    # OCR in the frozen program, with the Korean and English data it carries
    from evidencekit.ocr.engine import tessdata_dir

    system = tessdata_dir()
    assert system is not None
    for lang in ("kor", "eng"):
        carried = frozen.parent / "_internal" / "resources" / "tessdata" / f"{lang}.traineddata"
        assert carried.read_bytes() == (system / f"{lang}.traineddata").read_bytes()
    read = subprocess.run([str(frozen), "rehash", str(demo / "demo-vault"), "--text"],
                          capture_output=True, text=True, env=env_pw, timeout=300)
    assert read.returncode == 0, read.stdout[-2000:] + read.stderr[-2000:]
    texts = subprocess.run([str(frozen), "show", str(demo / "demo-vault"), "1", "--json"],
                           capture_output=True, text=True, env=env_pw, timeout=60)
    assert texts.returncode == 0, texts.stderr[-2000:]
    assert "단체방" in json.loads(texts.stdout)["metadata"]["ocr"]["text"]
    # PyAV's FFmpeg in the frozen program: a video's frames are read and hashed
    from tests.support.similar_pictures import photo, video_of

    clip = tmp_path / "clip.mp4"
    clip.write_bytes(video_of(photo()))
    added = subprocess.run([str(frozen), "add", str(demo / "demo-vault"), str(clip), "--json"],
                           capture_output=True, text=True, env=env_pw, timeout=120)
    assert added.returncode == 0, added.stderr[-2000:]
    number = json.loads(added.stdout)[0]["number"]
    hashed = subprocess.run([str(frozen), "rehash", str(demo / "demo-vault")],
                            capture_output=True, text=True, env=env_pw, timeout=300)
    assert hashed.returncode == 0, hashed.stderr[-2000:]
    shown = subprocess.run([str(frozen), "show", str(demo / "demo-vault"), str(number),
                            "--json"], capture_output=True, text=True, env=env_pw, timeout=60)
    assert json.loads(shown.stdout)["metadata"]["pdq"]["hashes"], shown.stdout[-2000:]


@pytest.mark.slow
def test_frozen_gui_starts_offscreen(frozen: Path, tmp_path: Path) -> None:
    env = dict(_env(tmp_path), EVIDENCEKIT_STARTUP_PROBE="1")
    t0 = time.perf_counter()
    out = subprocess.run([str(frozen)], capture_output=True, text=True, env=env, timeout=120)
    took = time.perf_counter() - t0
    assert out.returncode == 0, out.stderr[-3000:]
    assert "STARTUP_SHOWN" in out.stdout
    with (ROOT / "test-artifacts" / "dist-report.txt").open("a") as fh:
        fh.write(f"frozen GUI start to first window and quit: {took:.2f} s\n")


def test_spec_lists_resources() -> None:
    spec = (ROOT / "build_spec" / "evidencekit.spec").read_text()
    assert '"resources"' in spec and "collect_submodules(\"evidencekit\")" in spec
    assert shutil.which("pdftoppm") is not None  # the bundle's PDF previews need poppler
