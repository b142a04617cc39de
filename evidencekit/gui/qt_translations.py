"""Qt's own texts (file dialogs, standard buttons, "Show Details…") in the chosen language.

PySide6 ships Qt's translations (``qtbase_ko.qm``); loading them makes QFileDialog,
QMessageBox's standard buttons and the like Korean when the program is Korean. Nothing to
do for English, Qt's source language.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

__all__ = ["install_qt_translations"]

log = logging.getLogger(__name__)

_installed: list[QTranslator] = []


def install_qt_translations(lang: str) -> bool:
    """Replace Qt's translation with ``lang``'s; ``True`` when one was loaded."""
    app = QCoreApplication.instance()
    if app is None:
        return False
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    QLocale.setDefault(QLocale(QLocale.Language.Korean if lang == "ko"
                               else QLocale.Language.English))
    if lang == "en":
        return False
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if not translator.load(f"qtbase_{lang}", folder):
        log.warning("Qt translation qtbase_%s not found in %s", lang, folder)
        return False
    app.installTranslator(translator)
    _installed.append(translator)
    return True
