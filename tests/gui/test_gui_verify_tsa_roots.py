"""The verify screen takes extra time-stamp authority roots, as ``verify --tsa-ca`` does.

A bundle exported with a local time-stamp authority (its root is in no public trust store)
fails on the verify screen - its timestamps come from an authority nobody trusts - until
that authority's root is added to the screen's list of trusted time-stamp authorities.
The list is kept in the settings (``trusted_tsa_roots``), the command line reads it too,
and it never confirms a signer. Also: the counter-signature answer in the screen's words.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evidencekit.bundle.export import export_bundle
from evidencekit.gui.verify_view import VerifyWindow
from evidencekit.i18n import set_language, tr
from evidencekit.settings import FILE_NAME, Settings, config_dir
from tests.conftest import run_cli
from tests.support import bundle_attacks as atk
from tests.support.bundle_fake import FakeVault, make_identity, make_tsa


@pytest.fixture
def stamped(tmp_path: Path) -> tuple[Path, Path, str]:
    """A bundle with a signature and a document timestamp from a local authority; the
    authority's root as a file; the holder's fingerprint."""
    vault = FakeVault()
    vault.add("file", "file", "a.txt", [("a.txt", "text/plain", b"evidence")])
    stamper, pem = make_tsa()
    out = tmp_path / "stamped.pdf"
    result = export_bundle(vault, out, timestamper=stamper)
    assert result.signature_timestamp and result.document_timestamp
    root = tmp_path / "tsa-root.pem"
    root.write_text(pem)
    return out, root, result.fingerprint


def _verify(qtbot: Any, window: VerifyWindow, path: Path) -> Any:
    window.report = None
    window.verify(path)
    qtbot.waitUntil(lambda: window.report is not None, timeout=60000)
    return window.report


def test_tsa_root_added_on_the_verify_screen(qtbot, stamped, tmp_path: Path,  # type: ignore[no-untyped-def]
                                             artifacts: Path) -> None:
    bundle, root, fp = stamped
    settings = Settings(config_dir() / FILE_NAME)  # where the command line reads them too
    window = VerifyWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    window.expect.setText(fp)
    report = _verify(qtbot, window, bundle)
    assert report.exit_code == 3
    untrusted = {c.key for c in report.failures}
    assert {"verify_trust.sig_timestamp_untrusted",
            "bundle.verify.doc_timestamp_untrusted"} <= untrusted
    assert window.result_lines()[0] == tr("verify_trust.gui.state_bad")
    assert run_cli("verify", bundle, "--expect-fingerprint", fp).code == 3
    # a file with no certificate: refused, named, nothing saved, nothing re-checked
    junk = tmp_path / "junk.pem"
    junk.write_text("no certificate here")
    window.show_trust(True)
    assert not window.tsa_roots.add_file(junk)
    assert window.tsa_roots.error.isVisibleTo(window)
    assert settings.get("trusted_tsa_roots") == []
    # the authority's root: saved, and the bundle checked again - now it holds
    window.report = None
    assert window.tsa_roots.add_file(root)
    qtbot.waitUntil(lambda: window.report is not None, timeout=60000)
    assert window.report.exit_code == 0, [c.key for c in window.report.failures]
    assert window.result_lines()[0] == tr("verify_trust.gui.state_ok")
    window.grab().save(str(artifacts / "verify-tsa-roots.png"))
    saved = Settings.load(config_dir() / FILE_NAME)
    assert saved.get("trusted_tsa_roots") == [root.read_text()]
    assert saved.get("trusted_roots") == []  # the signer's list is another one
    # the command line agrees, without --tsa-ca: it reads the screen's list
    cli = run_cli("verify", bundle, "--expect-fingerprint", fp, "--json")
    assert cli.code == 0 and json.loads(cli.out)["exit_code"] == 0
    # a time-stamp authority's root confirms timestamps, never a signer
    window.expect.setText("")
    assert _verify(qtbot, window, bundle).exit_code == 10
    # removed: the timestamps are untrusted again
    window.expect.setText(fp)
    window.report = None
    window.tsa_roots.remove(0)
    qtbot.waitUntil(lambda: window.report is not None, timeout=60000)
    assert window.report.exit_code == 3
    assert Settings.load(config_dir() / FILE_NAME).get("trusted_tsa_roots") == []


def test_tsa_roots_section_in_korean(qtbot, settings) -> None:  # type: ignore[no-untyped-def]
    set_language("ko")
    window = VerifyWindow(settings=settings)
    qtbot.addWidget(window)
    texts = [w.text() for w in window.tsa_roots.findChildren(type(window.path_label))]
    assert "신뢰하는 시점확인 기관" in texts
    assert any("공개 시점확인 기관의 시점확인은 이미 신뢰합니다" in t for t in texts)
    assert not any("--tsa-ca" in t for t in texts)


def test_counter_signature_answer_in_the_screens_words(qtbot, settings,  # type: ignore[no-untyped-def]
                                                       tmp_path: Path) -> None:
    vault = FakeVault()
    vault.add("file", "file", "a.txt", [("a.txt", "text/plain", b"evidence")])
    genuine = tmp_path / "genuine.pdf"
    fp = export_bundle(vault, genuine).fingerprint
    key, cert = make_identity("Seoul Metropolitan Police Agency")
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(atk.countersign(genuine.read_bytes(), key, cert))
    window = VerifyWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    window.expect.setText(fp)
    report = _verify(qtbot, window, forged)
    assert report.exit_code == 11 and report.confirmed
    assert window.result_lines()[0] == tr("verify_weak.gui.state_counter_unconfirmed")
    shown = "\n".join(w.text() for w in window.results_area.widget()
                      .findChildren(type(window.path_label)))
    assert "Counter-signature in the name of Seoul Metropolitan Police Agency: not " \
           "confirmed" in shown
    assert "--trust-ca" not in shown and "Everything holds" not in shown
