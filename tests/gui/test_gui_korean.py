"""Korean in the desktop program: Qt's own buttons and dialogs are Korean, errors are
worded for the GUI (해요체, no command-line options) with the raw detail behind "자세히"."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from evidencekit.errors import NetworkError, WrongSecretError
from evidencekit.gui.messages import show_error
from evidencekit.gui.qt_translations import install_qt_translations
from evidencekit.i18n import set_language, tr


def test_qt_translations_follow_language(qtbot, qapp) -> None:  # type: ignore[no-untyped-def]
    try:
        assert install_qt_translations("ko")
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "취소"
        assert QCoreApplication.translate("QFileDialog", "Look in:") != "Look in:"
        assert not install_qt_translations("en")
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"
    finally:
        install_qt_translations("en")


def test_controller_loads_korean_qt(qtbot, controller) -> None:  # type: ignore[no-untyped-def]
    controller.change_language("ko", save=False)
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "취소"
    controller.change_language("en", save=False)
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"


def test_gui_error_wording(qtbot) -> None:  # type: ignore[no-untyped-def]
    set_language("ko")
    # The GUI's wording (해요체), not the CLI's 합니다체.
    assert WrongSecretError().message() == "암호가 맞지 않아요. 보관함은 그대로 잠겨 있어요."
    assert tr("error.file_exists", "ko", path="a.pdf").count("--force") == 0
    exc = NetworkError("links.tls_failed", host="example.org",
                       reason="[SSL: WRONG_VERSION_NUMBER] wrong version number")
    box = show_error(None, exc)
    qtbot.addWidget(box)
    assert "WRONG_VERSION_NUMBER" not in box.text()
    assert "보안 연결" in box.text() and box.text().endswith("확인해 주세요.")
    # The raw library reason is kept for the curious, behind the details button.
    assert "WRONG_VERSION_NUMBER" in box.detailedText()
    box.close()
    set_language(None)


def test_verify_lines_in_gui_words(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The verify screen never shows a command-line option or a raw distinguished name."""
    from evidencekit.bundle.verify_report import Check

    set_language("ko")
    try:
        compare = Check("signature.fingerprint", None, "bundle.verify.fp_compare",
                        {"fingerprint": "AB:CD"})
        assert "--" not in compare.detail and "대조하십시오" in compare.detail
        signed = Check("signature.intact", True, "bundle.verify.sig_ok",
                       {"signer": "2.5.4.5=a13,O=EvidenceKit vault,CN=김지은 (가명)",
                        "time": "2026-12-02"})
        assert "2.5.4.5" not in signed.detail and "김지은 (가명)" in signed.detail
    finally:
        set_language(None)
