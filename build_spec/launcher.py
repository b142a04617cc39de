"""Entry point of the stand-alone build: the same as the ``evidencekit`` command."""

import multiprocessing
import sys

from evidencekit.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
