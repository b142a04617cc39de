"""Sub-commands of the ``evidencekit`` command line, grouped by area. Each module offers
``register(subparsers)``; none imports Qt at import time."""
