"""Does every text fit its widget? Walks the main screens of the application on a real X
server (run by ``tests/gui/test_gui_fit.py`` under Xvfb) in Korean and English, at 100 %
and 150 % font size, and reports every visible QLabel, button or line edit whose text is
cut: wider than the widget on one line, taller than the widget when word-wrapped, a button
smaller than its text needs, a widget sticking out of its window, or a scroll area that
needs a horizontal scroll bar. Saves a screenshot of each screen.

Usage: ``python -m tests.support.gui_fit OUT_DIR WORK_DIR WIDTH HEIGHT`` with ``DISPLAY``
set. Prints one JSON line per screen: ``{"shot": file, "problems": [...]}``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QPoint, QRect, Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication, QTextDocument
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QScrollArea,
    QStyle,
    QStyleOptionComboBox,
    QWidget,
)

from tests.support.gui_shots import _pump, _wait  # one event-loop helper pair

#: Pixels of slack: anti-aliasing and rounding, never a visible cut.
SLACK = 3


def _name(w: QWidget) -> str:
    text = ""
    if isinstance(w, QLabel | QAbstractButton):
        text = w.text()
    elif isinstance(w, QLineEdit):
        text = w.text() or w.placeholderText()
    elif isinstance(w, QComboBox):
        text = w.currentText()
    text = text.replace("\n", "⏎")
    return f"{type(w).__name__}[{w.objectName() or '-'}] {text[:60]!r}"


def _plain(label: QLabel) -> str:
    text = label.text()
    if label.textFormat() == Qt.TextFormat.RichText or (
            label.textFormat() == Qt.TextFormat.AutoText and GuiQt.mightBeRichText(text)):
        doc = QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    return text


def _inside_scroll(w: QWidget) -> bool:
    p = w.parentWidget()
    while p is not None:
        if isinstance(p, QAbstractScrollArea):
            return True
        p = p.parentWidget()
    return False


def _visible_rect(w: QWidget) -> QRect:
    """The part of ``w`` that is actually on screen (clipped by its ancestors)."""
    rect = QRect(w.mapTo(w.window(), QPoint(0, 0)), w.size())
    p = w.parentWidget()
    while p is not None and not p.isWindow():
        rect = rect.intersected(QRect(p.mapTo(w.window(), QPoint(0, 0)), p.size()))
        p = p.parentWidget()
    return rect.intersected(w.window().rect())


def label_problem(label: QLabel) -> str | None:
    text = _plain(label)
    if not text.strip() or not label.pixmap().isNull():
        return None
    rect = label.contentsRect()
    margin = label.margin() * 2 + label.indent() if label.indent() > 0 else label.margin() * 2
    width = rect.width() - margin
    fm = QFontMetrics(label.font())
    if label.wordWrap():
        need = label.heightForWidth(label.width())
        if need > label.height() + SLACK:
            return f"wrapped text needs {need}px height, has {label.height()}"
        # A single word longer than the line cannot wrap.
        longest = max((fm.horizontalAdvance(word) for line in text.split("\n")
                       for word in line.replace("\u200b", " ").split(" ")), default=0)
        if longest > width + SLACK:
            return f"a word needs {longest}px, has {width}"
        return None
    need_w = max(fm.horizontalAdvance(line) for line in text.split("\n"))
    if need_w > width + SLACK:
        return f"text needs {need_w}px, has {width}"
    lines = text.count("\n") + 1
    need_h = fm.height() * lines
    if need_h > rect.height() + SLACK:
        return f"text needs {need_h}px height, has {rect.height()}"
    return None


def button_problem(button: QAbstractButton) -> str | None:
    if not button.text().strip():
        return None
    hint = button.sizeHint()
    fm = QFontMetrics(button.font())
    need = max(fm.horizontalAdvance(line) for line in button.text().replace("&", "").split("\n"))
    if isinstance(button, QCheckBox | QRadioButton):
        need += 24
    if hint.width() > button.width() + SLACK and need > button.width() - 8:
        return f"button needs {hint.width()}px, has {button.width()}"
    if fm.height() * (button.text().count("\n") + 1) > button.height() + SLACK:
        return f"button text needs {fm.height()}px height, has {button.height()}"
    return None


def line_edit_problem(edit: QLineEdit) -> str | None:
    fm = QFontMetrics(edit.font())
    room = edit.contentsRect().width() - 8
    if not edit.text() and edit.placeholderText():
        need = fm.horizontalAdvance(edit.placeholderText())
        if need > room + SLACK:
            return f"placeholder needs {need}px, has {room}"
    elif edit.isReadOnly() and edit.text():
        need = fm.horizontalAdvance(edit.text())
        if need > room + SLACK:
            return f"read-only text needs {need}px, has {room}"
    return None


def combo_problem(combo: QComboBox) -> str | None:
    """A drop-down whose chosen entry does not fit its text field ("Korean and Englis")."""
    if combo.isEditable() or not combo.currentText():
        return None
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    field = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                         QStyle.SubControl.SC_ComboBoxEditField, combo)
    need = QFontMetrics(combo.font()).horizontalAdvance(combo.currentText())
    if need > field.width() + SLACK:
        return f"chosen entry needs {need}px, has {field.width()}"
    return None


def problems(window: QWidget) -> list[str]:
    """Every cut text in ``window`` (visible widgets only)."""
    found: list[str] = []
    kinds: tuple[type, ...] = (QLabel, QAbstractButton, QLineEdit, QComboBox)
    for w in window.findChildren(QWidget):
        if not w.isVisibleTo(window) or not w.isVisible():
            continue
        if isinstance(w, QScrollArea | QAbstractScrollArea):
            bar = w.horizontalScrollBar()
            if bar.isVisible() and bar.maximum() > 0:
                found.append(f"{type(w).__name__}[{w.objectName() or '-'}]: horizontal "
                             f"scroll bar ({bar.maximum()}px too wide)")
            continue
        if not isinstance(w, kinds) or w.width() <= 1:
            continue
        if type(w).__name__ in ("QToolBarExtension",):
            continue
        problem: str | None = None
        if isinstance(w, QLabel):
            problem = label_problem(w)
        elif isinstance(w, QAbstractButton):
            problem = button_problem(w)
        elif isinstance(w, QLineEdit):
            problem = line_edit_problem(w)
        elif isinstance(w, QComboBox):
            problem = combo_problem(w)
        if problem is None and not _inside_scroll(w):
            shown = _visible_rect(w)
            if shown.width() < w.width() - SLACK or shown.height() < w.height() - SLACK:
                problem = (f"cut by its window or parent: {shown.width()}×{shown.height()} "
                           f"of {w.width()}×{w.height()} shown")
        if problem:
            found.append(f"{_name(w)}: {problem}")
    return found


class Shooter:
    def __init__(self, out: Path, tag: str) -> None:
        self.out = out
        self.tag = tag

    def check(self, widget: QWidget, name: str) -> None:
        _pump(0.3)
        path = self.out / f"{name}-{self.tag}.png"
        widget.grab().save(str(path), "PNG")
        print(json.dumps({"shot": path.name, "problems": problems(widget)},
                         ensure_ascii=False), flush=True)


def _fit(widget: QWidget, screen: QRect) -> None:
    """Keep a window inside the screen, as a window manager would."""
    size = widget.size().boundedTo(screen.size())
    widget.resize(size)


def main(out: Path, work: Path, width: int, height: int) -> int:
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication(["evidencekit-fit"])
    app.setQuitOnLastWindowClosed(False)

    from evidencekit.bundle.export import export_bundle
    from evidencekit.bundle.verify import verify_bundle
    from evidencekit.gui.app import Controller
    from evidencekit.gui.export_dialog import ExportDialog
    from evidencekit.gui.theme import apply_theme
    from evidencekit.gui.verify_view import VerifyWindow
    from evidencekit.gui.wizard import PAGE_CREATING, PAGE_KEY, PAGE_NAME, PAGE_PASS, PAGE_PLACE
    from evidencekit.i18n import set_gui_surface, set_language
    from evidencekit.settings import Settings
    from evidencekit.vault import Vault
    from tests.support.gui_demo import PASSPHRASE, make_demo_vault

    out.mkdir(parents=True, exist_ok=True)
    set_gui_surface(True)
    demo = make_demo_vault(work / "demo")
    bundle = work / "bundle.pdf"
    with Vault.open(demo, passphrase=PASSPHRASE) as vault:
        export_bundle(vault, bundle, title="텔레그램 합성 사진 사건 (시연용)")
    data = bytearray(bundle.read_bytes())
    data[len(data) // 3] ^= 0x5A
    tampered = work / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    reports = {"ok": verify_bundle(bundle), "bad": verify_bundle(tampered)}
    screen = QGuiApplication.primaryScreen().availableGeometry()
    base_font = app.font()
    for scale in (1.0, 1.5):
        for lang in ("ko", "en"):
            set_language(lang)
            apply_theme(app)
            font = app.font()
            font.setPointSizeF(base_font.pointSizeF() * scale)
            app.setFont(font)
            shots = Shooter(out, f"{lang}-{width}x{height}-{int(scale * 100)}")
            controller = Controller(Settings(work / f"settings-{lang}-{scale}.json"),
                                    quit_fn=lambda: None)
            wizard = controller.show_wizard()
            _fit(wizard, screen)
            for page, name in ((0, "wizard-welcome"), (PAGE_PLACE, "wizard-place"),
                               (PAGE_NAME, "wizard-name"), (PAGE_PASS, "wizard-passphrase"),
                               (PAGE_CREATING, "wizard-creating")):
                wizard.stack.setCurrentIndex(page)
                shots.check(wizard, name)
            wizard.stack.setCurrentIndex(PAGE_KEY)
            key_page = getattr(wizard, "key_label", None)
            if key_page is not None:
                key_page.setText("ABCDE-FGHJK-LMNPQ-RSTUV-WXYZ2-34567-89ABC-DEFGH")
            shots.check(wizard, "wizard-recovery")

            unlock = controller.show_unlock(demo)
            _fit(unlock, screen)
            unlock.passphrase.setText("wrong passphrase")
            unlock.unlock()
            _wait(lambda u=unlock: u.message.isVisible())
            shots.check(unlock, "unlock-wrong")

            vault = Vault.open(demo, passphrase=PASSPHRASE)
            main_window = controller.open_session(vault, False)
            main_window.resize(screen.size())
            session = controller.session
            assert session is not None
            for item in session.items():
                session.pictures(item.number)
            _wait(lambda s=session: all(s.pictures(i.number) is not None
                                        for i in s.items() if s.has_picture(i)))
            main_window.select_item(1)
            shots.check(main_window, "main")
            incident = next(i.number for i in session.items() if i.kind == "incident")
            main_window.select_item(incident)
            shots.check(main_window, "main-incident")

            settings_dialog = controller.open_settings()
            _fit(settings_dialog, screen)
            shots.check(settings_dialog, "settings")
            settings_dialog.reject()

            dialog = ExportDialog(main_window, None, [])
            dialog.out.setText(str(work / f"bundle-{lang}.pdf"))
            dialog.case_title.setText("텔레그램 합성 사진 사건 (시연용)")
            dialog.show()
            _fit(dialog, screen)
            shots.check(dialog, "export")
            dialog.close()

            for which, report in reports.items():
                verify = VerifyWindow()
                _fit(verify, screen)
                verify.show()
                verify.path_label.setText(str(bundle))
                verify._done(report)
                shots.check(verify, f"verify-{which}")
                verify.close()

            controller.lock()
            for w in QApplication.topLevelWidgets():
                w.close()
            controller.shutdown()
            _pump(0.2)
    app.setFont(base_font)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))
