"""The ``evidencekit`` command line: every job the GUI does, scriptable.

With no arguments it starts the desktop application. Errors become one line on stderr
(Korean or English by locale) and the error's exit code: 0 success, 3 integrity failure,
4 wrong passphrase or recovery key, 2 bad input, others as in :mod:`evidencekit.errors`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from evidencekit import __version__
from evidencekit.cli_i18n import VERSION_HELP_KEY, early_language, fill_help, localised_argparse
from evidencekit.commands import bundle as bundle_cmds
from evidencekit.commands import capture as capture_cmds
from evidencekit.commands import chat as chat_cmds
from evidencekit.commands import identity as identity_cmds
from evidencekit.commands import org as org_cmds
from evidencekit.commands import renew as renew_cmds
from evidencekit.commands import similar as similar_cmds
from evidencekit.commands import timestamps as timestamp_cmds
from evidencekit.commands import vault as vault_cmds
from evidencekit.commands import webcapture as webcapture_cmds
from evidencekit.errors import EvidenceKitError
from evidencekit.i18n import set_language, tr
from evidencekit.reasons import localized_message  # noqa: F401 - installs the reason hook

__all__ = ["main", "build_parser"]

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evidencekit",
        description=tr("cli.description"),
    )
    parser.add_argument("--version", action="version", version=f"EvidenceKit {__version__}",
                        help=tr(VERSION_HELP_KEY))
    parser.add_argument("--debug", action="store_true", help=tr("cli.help.debug"))
    parser.add_argument("--lang", choices=["ko", "en"], help=tr("cli.help.lang"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", help=tr("cli.help.commands"))
    vault_cmds.register(sub)
    capture_cmds.register(sub)
    chat_cmds.register(sub)
    bundle_cmds.register(sub)
    timestamp_cmds.register(sub)
    similar_cmds.register(sub)
    identity_cmds.register(sub)
    org_cmds.register(sub)
    renew_cmds.register(sub)
    webcapture_cmds.register(sub)
    gui = sub.add_parser("gui", help=tr("cli.help.gui"))
    gui.set_defaults(func=_run_gui)
    fill_help(parser)
    return parser


def _run_gui(args: argparse.Namespace) -> int:
    from evidencekit.display import display_missing

    if display_missing():
        # Qt would abort the whole process with a misleading hint.
        sys.stderr.write(f"evidencekit: {tr('error.no_display')}\n")
        return 2
    try:
        from evidencekit.gui.app import run_app
    except ImportError as exc:
        log.debug("GUI import failed: %s", exc)
        sys.stderr.write(tr("cli.gui_unavailable") + "\n")
        return 1
    return run_app([])


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["--evidencekit-render-child"]:  # the stand-alone build's renderer
        from evidencekit.capture.render_child import main as render_child

        return render_child()
    # The help texts are made when the parser is built: choose the language first.
    set_language(early_language(args_list))
    with localised_argparse():
        parser = build_parser()
        args = parser.parse_args(args_list)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    func = getattr(args, "func", None) or _run_gui
    from evidencekit.hardening import harden_process, secret_environment

    harden_process()
    try:
        with secret_environment():
            return int(func(args) or 0)
    except EvidenceKitError as exc:
        from evidencekit.textsafe import terminal_safe

        sys.stderr.write(f"evidencekit: {terminal_safe(exc.message())}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(f"evidencekit: {tr('error.cancelled')}\n")
        return 130
    except BrokenPipeError:
        os._exit(0)
    except Exception as exc:  # noqa: BLE001 - last resort: one line, details with --debug
        if args.debug:
            raise
        log.debug("unexpected error", exc_info=True)
        sys.stderr.write(
            f"evidencekit: {tr('error.unexpected', kind=type(exc).__name__)}\n"
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
