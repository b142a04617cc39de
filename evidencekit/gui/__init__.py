"""The PySide6 desktop application (``run_app`` in :mod:`evidencekit.gui.app`).

Only this package (and the ``capture/*_qt.py`` adapters) imports Qt. Windows are split
by widget: wizard, unlock, main window (item grid, detail pane), dialogs for links,
incidents, export, settings, and the verify screen. Core jobs run on worker threads.
"""
