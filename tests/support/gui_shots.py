"""Screenshots of the application for people to look at (run on an X server by
``tests/gui/test_gui_screenshots.py``): the first-run wizard, the unlock screen, the main
window with the demo vault in Korean and English, the export dialog and the verify result.

Usage: ``python -m tests.support.gui_shots OUT_DIR WORK_DIR`` with ``DISPLAY`` set.
Prints one line per file written.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication, QWidget


def _pump(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def _wait(cond: Callable[[], bool], timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("condition not met")
        QApplication.processEvents()
        time.sleep(0.01)


def _save(widget: QWidget, path: Path) -> None:
    _pump(0.4)
    widget.grab().save(str(path), "PNG")
    print(path, flush=True)


def main(out: Path, work: Path) -> int:
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication(["evidencekit-shots"])
    app.setQuitOnLastWindowClosed(False)

    from evidencekit.gui.app import Controller
    from evidencekit.gui.export_dialog import ExportDialog
    from evidencekit.gui.theme import apply_theme
    from evidencekit.gui.verify_view import VerifyWindow
    from evidencekit.gui.wizard import PAGE_KEY, PAGE_PASS
    from evidencekit.i18n import set_language
    from evidencekit.settings import Settings
    from evidencekit.vault import Vault
    apply_theme(app)
    out.mkdir(parents=True, exist_ok=True)
    try:  # the project's own demo vault (``evidencekit demo``), when it is there
        from evidencekit.demo import make_demo

        made = make_demo(work / "official-demo", render=True)
        demo, passphrase = made.vault, made.passphrase
    except ImportError:
        from tests.support.gui_demo import PASSPHRASE, make_demo_vault

        demo, passphrase = make_demo_vault(work / "demo"), PASSPHRASE

    for lang in ("ko", "en"):
        set_language(lang)
        controller = Controller(Settings(work / f"settings-{lang}.json"), quit_fn=lambda: None)
        wizard = controller.show_wizard()
        wizard.resize(900, 680)
        _save(wizard, out / f"wizard-welcome-{lang}.png")
        wizard.stack.setCurrentIndex(PAGE_PASS)
        wizard.pass1.setText("보라색 항구 lantern")
        wizard.pass2.setText("보라색 항구 lantern")
        _save(wizard, out / f"wizard-passphrase-{lang}.png")
        wizard.folder = work / f"new-vault-{lang}"
        wizard.name_edit.setText("지은")
        wizard._create()
        _wait(lambda w=wizard: w.stack.currentIndex() == PAGE_KEY)
        _save(wizard, out / f"wizard-recovery-{lang}.png")
        if wizard.vault is not None:
            wizard.vault.close()

        unlock = controller.show_unlock(demo)
        unlock.resize(900, 640)
        unlock.passphrase.setText("wrong passphrase")
        unlock.unlock()
        _wait(lambda u=unlock: u.message.isVisible())
        _save(unlock, out / f"unlock-wrong-{lang}.png")

        vault = Vault.open(demo, passphrase=passphrase)
        main_window = controller.open_session(vault, False)
        main_window.resize(1400, 900)
        session = controller.session
        assert session is not None
        for item in session.items():
            session.pictures(item.number)
        _wait(lambda s=session: all(s.pictures(i.number) is not None
                                    for i in s.items() if s.has_picture(i)))
        main_window.select_item(1)
        _save(main_window, out / f"main-{lang}.png")
        incident = next(i.number for i in session.items() if i.kind == "incident")
        main_window.select_item(incident)
        _save(main_window, out / f"main-incident-{lang}.png")

        settings_dialog = controller.open_settings()
        _save(settings_dialog, out / f"settings-{lang}.png")
        settings_dialog.reject()
        from evidencekit.gui.incident_dialog import IncidentDialog

        incident_dialog = IncidentDialog(main_window)
        incident_dialog.text.setPlainText("어제 밤 9시쯤 친구가 링크를 보내 주었어요. (시연용)")
        incident_dialog.show()
        _save(incident_dialog, out / f"incident-{lang}.png")
        incident_dialog.reject()

        # A link fetched and rendered through the GUI's worker thread (QtWebEngine).
        from evidencekit.gui import item_flows
        from tests.support.links_servers import LinkServers

        (work / f"servers-{lang}").mkdir(exist_ok=True)
        with LinkServers(work / f"servers-{lang}") as servers:
            link = item_flows.add_link(main_window, servers.http.url("/ko"))
            link.note.setPlainText("데모 페이지")
            link.start()
            _wait(lambda d=link: d.outcome is not None or d.job is None, 120)
            _save(link, out / f"link-done-{lang}.png")
            assert link.outcome is not None and link.outcome.fetched, "link not fetched"
            number = link.outcome.item.number
            names = [p.name for p in link.outcome.item.parts]
            assert "rendering.png" in names, names
            link.close()
        main_window.select_item(number)
        _wait(lambda s=session, n=number: s.pictures(n) is not None)
        _save(main_window, out / f"main-link-{lang}.png")

        dialog = ExportDialog(main_window, None, [])
        dialog.out.setText(str(work / f"bundle-{lang}.pdf"))
        dialog.case_title.setText("텔레그램 합성 사진 사건 (demo)")
        dialog.show()
        _save(dialog, out / f"export-{lang}.png")
        pending = {i.number for i in session.items() if i.state == "pending"}
        for i in range(dialog.items.count()):
            entry = dialog.items.item(i)
            if entry.data(Qt.ItemDataRole.UserRole) in pending | {number}:
                entry.setCheckState(Qt.CheckState.Unchecked)
        dialog.start()
        _wait(lambda d=dialog: d.job is None, 180)
        _save(dialog, out / f"export-done-{lang}.png")
        dialog.close()

        verify = VerifyWindow()
        verify.resize(900, 820)
        verify.show()
        verify.verify(work / f"bundle-{lang}.pdf")
        _wait(lambda v=verify: v.report is not None, 120)
        _save(verify, out / f"verify-unconfirmed-{lang}.png")
        verify.expect.setText(str(session.fingerprint))  # the fingerprint the holder gave
        verify.report = None
        verify.verify(work / f"bundle-{lang}.pdf")
        _wait(lambda v=verify: v.report is not None, 120)
        _save(verify, out / f"verify-ok-{lang}.png")
        data = bytearray((work / f"bundle-{lang}.pdf").read_bytes())
        data[len(data) // 3] ^= 0x5A
        bad = work / f"bundle-{lang}-tampered.pdf"
        bad.write_bytes(bytes(data))
        verify.report = None
        verify.verify(bad)
        _wait(lambda v=verify: v.report is not None, 120)
        _save(verify, out / f"verify-bad-{lang}.png")
        verify.close()

        controller.lock()
        for w in QApplication.topLevelWidgets():
            w.close()
        controller.shutdown()
        _pump(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
