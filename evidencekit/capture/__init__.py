"""Capture: turning the world into items (files, screenshots, links, incident notes).

Plain Python; the Qt adapters (``*_qt.py``) are imported only at the moment of use.
"""
