"""The desktop program as a person would run it, for the memory-after-lock test: unlock
with the passphrase typed into the unlock screen, import a file carrying a marker, look at
it, print ``UNLOCKED``; when the file named in argv[3] appears, press Lock.

    python -m tests.support.lock_driver VAULT PASSPHRASE LOCK_FLAG MARKER_FILE
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def main() -> None:
    folder, passphrase, flag, marker = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), \
        Path(sys.argv[4])
    from evidencekit.hardening import harden_process

    harden_process()
    app = QApplication([sys.argv[0]])
    from evidencekit.capture.files import iter_import
    from evidencekit.gui import relaunch
    from evidencekit.gui.app import Controller
    from evidencekit.settings import Settings

    controller = Controller(Settings.load())
    relaunch.enable()
    window = controller.show_unlock(folder)
    window.passphrase.setText(passphrase)
    window.unlock()

    def when_open() -> None:
        if controller.session is None:
            QTimer.singleShot(50, when_open)
            return
        session = controller.session
        (outcome,) = list(iter_import([marker], progress=None))
        assert outcome.item is not None
        item = session.vault.add_item(outcome.item)
        session.refresh()
        seen = session.vault.read_part_bytes(item)  # looked at: plaintext in memory
        assert seen
        print("UNLOCKED", flush=True)
        poll()

    def poll() -> None:
        if flag.exists():
            controller.lock()
            return
        QTimer.singleShot(50, poll)

    QTimer.singleShot(50, when_open)
    app.exec()


if __name__ == "__main__":
    main()
