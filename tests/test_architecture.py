"""Layout rules: PySide6 only in evidencekit/gui/ and capture/*_qt.py, loaded lazily; no
print in library code; no bare except."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PKG = ROOT / "evidencekit"


def _qt_allowed(path: Path) -> bool:
    rel = path.relative_to(PKG)
    return rel.parts[0] == "gui" or (rel.parts[0] == "capture" and path.stem.endswith("_qt"))


def _modules() -> list[Path]:
    return sorted(PKG.rglob("*.py"))


def test_pyside_imported_only_where_allowed() -> None:
    offenders = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in ("PySide6", "shiboken6") for n in names):
                if not _qt_allowed(path):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


def test_qt_adapters_imported_lazily() -> None:
    """No module outside gui/ imports a *_qt module at module level."""
    offenders = []
    for path in _modules():
        if _qt_allowed(path):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only
            mods: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            if any(m.endswith("_qt") or ".gui" in m for m in mods):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


def test_importing_core_leaves_qt_out() -> None:
    core = [
        "evidencekit." + ".".join(p.relative_to(PKG).with_suffix("").parts)
        for p in _modules()
        if not _qt_allowed(p)
    ]
    core = [m.removesuffix(".__init__") for m in core]
    code = (
        "import importlib, json, sys\n"
        f"mods = {core!r}\n"
        "for m in mods: importlib.import_module(m)\n"
        "qt = ('PySide6', 'shiboken6')\n"
        "print(json.dumps(sorted(k for k in sys.modules if k.startswith(qt))))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


def test_no_print_and_no_bare_except_in_library() -> None:
    offenders = []
    for path in _modules():
        if path.name == "__main__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id == "print":
                offenders.append(f"print at {path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.ExceptHandler) and node.type is None:
                offenders.append(f"bare except at {path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


def test_modules_stay_small() -> None:
    big = [f"{p.relative_to(ROOT)} ({n})" for p in _modules()
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600]
    assert not big, big
