"""The look of the application: the bundled Hangul font, the colours, the style sheet and
the icons (simple SVG line drawings in ``resources/icons``).

Calm and sober: warm light greys, one muted blue-green accent, dark text, large type and
generous spacing; red only for errors and failed checks.
"""

from __future__ import annotations

import logging
from functools import cache

from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication

from evidencekit.resources import resource_path

__all__ = [
    "COLORS",
    "load_fonts",
    "apply_theme",
    "icon",
    "font_family",
    "heading_font",
    "scaled_font",
    "set_display",
    "text_scale",
    "HIGH_CONTRAST",
]

log = logging.getLogger(__name__)

COLORS = {
    "window": "#f4f2ee",
    "card": "#ffffff",
    "text": "#272a2c",
    "muted": "#5f6468",
    "border": "#d9d4cb",
    "accent": "#3d6b73",
    "accent_dark": "#2f5459",
    "accent_soft": "#e3ecec",
    "ok": "#2f7a4f",
    "ok_soft": "#e4f1e8",
    "warn": "#8a6414",
    "warn_soft": "#f8efd9",
    "error": "#a3342c",
    "error_soft": "#f8e5e2",
    "blur_bg": "#e9e6e0",
}

_family: list[str] = []


def load_fonts() -> str:
    """Register NanumGothic (regular and bold) with Qt; return the family to use.

    Qt then shows Hangul even on machines without any CJK font installed.
    """
    if _family:
        return _family[0]
    family = ""
    for name in ("NanumGothic.ttf", "NanumGothicBold.ttf", "NanumGothicCoding.ttf"):
        path = resource_path("fonts", name)
        fid = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(fid) if fid >= 0 else []
        if not families:
            log.warning("font %s could not be loaded", name)
        elif not family:
            family = families[0]
    _family.append(family or QApplication.font().family())
    return _family[0]


def font_family() -> str:
    return _family[0] if _family else load_fonts()


def mono_family() -> str:
    families = QFontDatabase.families()
    for name in ("NanumGothicCoding", "DejaVu Sans Mono", "Monospace"):
        if name in families:
            return name
    return "monospace"


#: Text size factor (Ctrl + / Ctrl −) and high contrast, set by :func:`set_display`.
_DISPLAY = {"scale": 1.0, "high_contrast": False}
_NORMAL_COLORS: dict[str, str] = {}
#: Black on white, dark borders, a deep accent: readable for low vision and in sunlight.
HIGH_CONTRAST = {
    "window": "#ffffff", "card": "#ffffff", "text": "#000000", "muted": "#1f1f1f",
    "border": "#000000", "accent": "#00457a", "accent_dark": "#002f54",
    "accent_soft": "#cfe3ff", "ok": "#005a1f", "ok_soft": "#dff5e4", "warn": "#5a3d00",
    "warn_soft": "#fff1c9", "error": "#8f0000", "error_soft": "#ffe0dc",
}


def set_display(scale: float = 1.0, high_contrast: bool = False) -> None:
    """Text size factor and contrast for the next :func:`apply_theme` and new windows."""
    if not _NORMAL_COLORS:
        _NORMAL_COLORS.update(COLORS)
    _DISPLAY["scale"] = max(0.7, min(2.5, float(scale)))
    _DISPLAY["high_contrast"] = bool(high_contrast)
    COLORS.update(_NORMAL_COLORS)
    if high_contrast:
        COLORS.update({k: v for k, v in HIGH_CONTRAST.items() if k in COLORS})


def text_scale() -> float:
    return float(_DISPLAY["scale"])


def scaled_font(family: str, point_size: float, bold: bool = False) -> QFont:
    """A font of ``point_size`` points at the normal text size, scaled with the text
    (Ctrl + / Ctrl −) like the application font: use it for every fixed size."""
    font = QFont(family)
    font.setPointSizeF(point_size * text_scale())
    font.setBold(bold)
    return font


def heading_font(point_size: int = 18, bold: bool = True) -> QFont:
    font = QFont(font_family())
    font.setPointSizeF(point_size * text_scale())
    font.setBold(bold)
    return font


def _style_sheet() -> str:
    c = COLORS
    chevron = resource_path("icons", "chevron.svg").as_posix()
    return f"""
    QWidget {{ color: {c['text']}; }}
    QMainWindow, QDialog, QWidget#Page {{ background: {c['window']}; }}
    QLabel#Muted, QLabel[muted="true"] {{ color: {c['muted']}; }}
    QLabel#Heading {{ color: {c['text']}; }}
    QFrame#Card {{ background: {c['card']}; border: 1px solid {c['border']};
                   border-radius: 10px; }}
    QFrame#Banner {{ background: {c['accent_soft']}; border-radius: 8px; }}
    QFrame#OkBanner {{ background: {c['ok_soft']}; border: 1px solid {c['ok']};
                       border-radius: 10px; }}
    QFrame#BadBanner {{ background: {c['error_soft']}; border: 1px solid {c['error']};
                        border-radius: 10px; }}
    QFrame#WarnBanner {{ background: {c['warn_soft']}; border-radius: 8px; }}
    QLabel#ErrorText {{ color: {c['error']}; }}
    QLabel#CalmText {{ color: {c['warn']}; }}
    QLabel#Key {{ background: {c['card']}; border: 1px dashed {c['accent']};
                  border-radius: 8px; padding: 14px; }}
    QPushButton {{ background: {c['card']}; border: 1px solid {c['border']};
                   border-radius: 8px; padding: 8px 18px; min-height: 22px; }}
    QPushButton:hover {{ border-color: {c['accent']}; }}
    QPushButton:focus {{ border: 2px dotted {c['accent']}; }}
    QPushButton:checked {{ background: {c['accent']}; color: white;
                           border: 2px solid {c['accent_dark']}; font-weight: bold; }}
    QPushButton:disabled {{ color: #9a9c9e; background: #f0eeea; }}
    QPushButton#Primary {{ background: {c['accent']}; color: white; border: none;
                           font-weight: bold; }}
    QPushButton#Primary:hover {{ background: {c['accent_dark']}; }}
    QPushButton#Primary:disabled {{ background: #a9bcbd; color: #eef2f2; }}
    QPushButton#Link {{ background: transparent; border: none; color: {c['accent_dark']};
                        text-decoration: underline; padding: 4px 6px; }}
    QToolButton#Action {{ background: {c['card']}; border: 1px solid {c['border']};
                          border-radius: 10px; padding: 8px 6px; }}
    QToolButton#Action:hover {{ border-color: {c['accent']}; background: {c['accent_soft']}; }}
    QToolButton#Action:pressed {{ background: #d4e2e2; }}
    QToolButton#QuickExit {{ background: #e8e4dc; border: 1px solid #bdb6aa;
                             border-radius: 10px; padding: 8px 6px; font-weight: bold; }}
    QToolButton#QuickExit:hover {{ background: #dcd6cb; }}
    QToolButton#Small {{ border: 1px solid transparent; border-radius: 8px; padding: 6px; }}
    QToolButton#Small:hover {{ border-color: {c['border']}; background: {c['card']}; }}
    QLineEdit, QPlainTextEdit, QTextEdit, QComboBox, QSpinBox, QDateTimeEdit {{
        background: {c['card']}; border: 1px solid {c['border']}; border-radius: 6px;
        padding: 6px 8px; selection-background-color: {c['accent']}; }}
    QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus, QComboBox:focus {{
        border: 2px solid {c['accent']}; }}
    QComboBox {{ padding-right: 28px; }}
    QComboBox::drop-down {{ border: none; width: 26px; subcontrol-position: center right; }}
    QComboBox::down-arrow {{ image: url("{chevron}"); width: 14px; height: 14px; }}
    QComboBox QAbstractItemView {{ background: {c['card']}; border: 1px solid {c['border']};
        selection-background-color: {c['accent_soft']}; selection-color: {c['text']}; }}
    QLineEdit:disabled, QPlainTextEdit:disabled, QTextEdit:disabled, QComboBox:disabled,
    QSpinBox:disabled, QDateTimeEdit:disabled {{
        background: {c['window']}; color: #9a9c9e; border: 1px dashed {c['border']}; }}
    QDateTimeEdit::drop-down {{ border: none; width: 26px; }}
    QDateTimeEdit::down-arrow {{ image: url("{chevron}"); width: 14px; height: 14px; }}
    QSpinBox::up-button, QSpinBox::down-button {{ width: 0; border: none; }}
    QToolButton::menu-indicator {{ image: none; width: 0; }}
    QScrollBar:vertical {{ background: transparent; width: 12px; margin: 2px; }}
    QScrollBar:horizontal {{ background: transparent; height: 12px; margin: 2px; }}
    QScrollBar::handle:vertical {{ background: #c9c3b8; border-radius: 4px; min-height: 32px; }}
    QScrollBar::handle:horizontal {{ background: #c9c3b8; border-radius: 4px; min-width: 32px; }}
    QScrollBar::handle:hover {{ background: #aaa398; }}
    QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; border: none; }}
    QScrollBar::add-page, QScrollBar::sub-page {{ background: none; }}
    QListWidget::item {{ padding: 6px 4px; }}
    QListView, QTreeWidget, QTableWidget, QListWidget {{ background: {c['card']};
        border: 1px solid {c['border']}; border-radius: 8px; }}
    QListView::item:selected, QListWidget::item:selected {{ background: transparent; }}
    QProgressBar {{ background: #e6e2da; border: none; border-radius: 6px; height: 12px;
                    text-align: center; }}
    QProgressBar::chunk {{ background: {c['accent']}; border-radius: 6px; }}
    QStatusBar {{ background: #ebe8e2; border-top: 1px solid {c['border']}; }}
    QScrollArea {{ border: none; background: transparent; }}
    QScrollArea > QWidget > QWidget {{ background: transparent; }}
    QSplitter::handle {{ background: {c['window']}; width: 8px; }}
    QCheckBox, QRadioButton {{ spacing: 10px; }}
    QGroupBox {{ border: 1px solid {c['border']}; border-radius: 8px; margin-top: 16px;
                 padding: 12px; background: {c['card']}; }}
    QGroupBox::title {{ subcontrol-origin: margin; left: 12px; padding: 0 4px; }}
    QToolTip {{ background: {c['card']}; color: {c['text']}; border: 1px solid {c['border']};
                padding: 6px; }}
    """


def apply_theme(app: QApplication) -> None:
    """Fonts, palette-independent style sheet, Fusion style (same look everywhere)."""
    family = load_fonts()
    app.setStyle("Fusion")
    font = QFont(family)
    font.setPointSizeF(11 * text_scale())
    app.setFont(font)
    app.setStyleSheet(_style_sheet())


@cache
def icon(name: str) -> QIcon:
    """An icon from ``resources/icons/<name>.svg`` (an empty icon if missing)."""
    path = resource_path("icons", f"{name}.svg")
    if not path.exists():
        log.warning("icon %s is missing", name)
        return QIcon()
    return QIcon(str(path))
