"""Finishing touches a person notices: an empty vault does not claim trusted times, a
disabled field looks disabled, a notice never draws over the status bar, times in the
incident form carry their zone."""

from __future__ import annotations

from pathlib import Path

from evidencekit.gui.incident_dialog import IncidentDialog
from evidencekit.i18n import set_language, tr
from evidencekit.vault import Vault


def test_empty_vault_status_and_notice(qtbot, controller, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    set_language("ko")
    vault, _key = Vault.create(tmp_path / "v", "correct horse battery", "지은")
    window = controller.open_session(vault, False)
    assert window.ts_label.text() == tr("gui.status.no_items")
    assert "모든 자료" not in window.ts_label.text()
    long = "자료 #12(으)로 저장했어요. " * 20
    window.resize(900, 600)
    window.notify(long, 60_000)
    qtbot.waitUntil(lambda: window.notice.isVisible())
    # One line, inside the status bar, ending in … with the whole text as tooltip.
    assert window.notice.text().endswith("…") and window.notice.full_text() == long
    assert window.notice.toolTip() == long
    assert not window.status_box.isVisible()
    bar = window.statusBar()
    assert window.notice.geometry().bottom() <= bar.height()
    assert window.statusBar().currentMessage() == ""
    window._end_notice()
    assert window.status_box.isVisible() and not window.notice.isVisible()


def test_incident_date_field(qtbot, controller, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault, _key = Vault.create(tmp_path / "v", "correct horse battery", "지은")
    window = controller.open_session(vault, False)
    dialog = IncidentDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    enabled_look = dialog.when.palette().color(dialog.when.foregroundRole())
    assert not dialog.when.isEnabled()
    disabled = dialog.when.grab().toImage()
    dialog.know_when.setChecked(True)
    enabled = dialog.when.grab().toImage()
    y = disabled.height() // 2
    # The field's own background, not only its text colour, tells it is switched off.
    assert disabled.pixelColor(6, y) != enabled.pixelColor(6, y), \
        "a disabled date field must look different"
    assert enabled_look.isValid()
    text = dialog.when.text()
    assert text.split()[-1].isalpha() or "UTC" in text or "+" in text, text
