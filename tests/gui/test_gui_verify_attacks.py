"""The verify screen gives the same answer as ``evidencekit verify`` on attacked bundles.

A bundle exported by the program (no timestamps, so neither side needs a time-stamp
authority root) and the examiner's attacks on it go through both the CLI and the GUI's
verify screen with the same expected fingerprint (or none); exit code, verdict banner and
the names of the failed checks must agree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evidencekit.bundle.export import export_bundle
from evidencekit.gui.verify_view import VerifyWindow
from evidencekit.i18n import tr
from tests.conftest import run_cli
from tests.support import attack_tools as tools
from tests.support import bundle_attacks as atk
from tests.support.bundle_fake import build_demo_vault, make_identity

_BANNER = {0: "verify_trust.gui.state_ok", 10: "verify_trust.gui.state_unconfirmed",
           11: "verify_weak.gui.state_counter_unconfirmed", 3: "verify_trust.gui.state_bad"}


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], str]:
    folder = tmp_path_factory.mktemp("gui-attacks")
    vault = build_demo_vault(with_tokens=False)
    genuine = folder / "genuine.pdf"
    result = export_bundle(vault, genuine, items=[2, 3])
    data = genuine.read_bytes()
    key, cert = make_identity("Seoul Metropolitan Police Agency")
    made = {
        "genuine.pdf": data,
        "outside.pdf": tools.object_outside_any_update(data),
        "countersigned.pdf": atk.countersign(data, key, cert),
        "flipped.pdf": data[:2000] + bytes([data[2000] ^ 0x20]) + data[2001:],
        "truncated.pdf": data[: len(data) // 2],
    }
    paths = {}
    for name, content in made.items():
        (folder / name).write_bytes(content)
        paths[name] = folder / name
    return paths, result.fingerprint


def _cli(path: Path, expect: str | None) -> dict[str, Any]:
    args: list[Any] = ["verify", path, "--json"]
    if expect is not None:
        args += ["--expect-fingerprint", expect]
    res = run_cli(*args)
    assert "Traceback" not in res.out + res.err
    out: dict[str, Any] = json.loads(res.out)
    assert res.code == out["exit_code"]
    return out


@pytest.mark.parametrize(("name", "with_fp", "code"), [
    ("genuine.pdf", True, 0),
    ("genuine.pdf", False, 10),
    ("outside.pdf", True, 3),
    ("countersigned.pdf", True, 11),  # the forger's counter-signature confirms nothing
    ("countersigned.pdf", False, 10),
    ("flipped.pdf", True, 3),
    ("truncated.pdf", True, 3),
])
def test_verify_screen_agrees_with_the_cli(qtbot, settings, cases, name: str,  # type: ignore[no-untyped-def]
                                           with_fp: bool, code: int) -> None:
    paths, fp = cases
    expect = fp if with_fp else None
    cli = _cli(paths[name], expect)
    assert cli["exit_code"] == code
    window = VerifyWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    window.expect.setText(expect or "")
    window.verify(paths[name])
    qtbot.waitUntil(lambda: window.report is not None, timeout=60000)
    report = window.report
    assert report.exit_code == code
    assert window.result_lines()[0] == tr(_BANNER[code])
    failed_cli = sorted(c["key"] for c in cli["checks"] if c["ok"] is False)
    failed_gui = sorted(c.key for c in report.checks if c.ok is False)
    assert failed_gui == failed_cli
    assert [(s.role, s.status, s.fingerprint) for s in report.signers] == \
        [(s["role"], s["status"], s["fingerprint"]) for s in cli["signers"]]
