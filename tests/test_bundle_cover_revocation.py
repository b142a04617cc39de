"""The bundle says on its cover that no revocation data exists for a vault's own
(self-signed) signer certificate, as the verify report does."""

from __future__ import annotations

import subprocess
from pathlib import Path

from evidencekit.bundle.export import export_bundle
from evidencekit.i18n import tr
from tests.support.bundle_fake import build_demo_vault
from tests.support.bundle_tools import need


def test_cover_states_revocation_for_a_self_signed_signer(tmp_path: Path) -> None:
    out = tmp_path / "b.pdf"
    export_bundle(build_demo_vault(with_tokens=False), out, items=[1], lang="ko")
    text = subprocess.run([need("pdftotext"), "-f", "1", "-l", "1", str(out), "-"],
                          capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert tr("pades.cover.revocation", "ko") in flat
    assert "자체 서명" in flat and "폐지 정보를 공개하는 발급 기관이 없습니다" in flat
