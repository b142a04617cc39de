"""argparse speaks the catalogue's language, and every option of every command says what
it does (help text) in both languages."""

from __future__ import annotations

import argparse

import pytest

from evidencekit.cli import build_parser, main
from evidencekit.cli_i18n import localised_argparse
from evidencekit.i18n import set_language


def _walk(parser: argparse.ArgumentParser, path: str = "evidencekit"):  # type: ignore[no-untyped-def]
    for action in parser._actions:
        yield path, parser, action
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, f"{path} {name}")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_option_and_command_has_help(lang: str) -> None:
    set_language(lang)
    try:
        with localised_argparse():
            parser = build_parser()
        missing = []
        commands = 0
        for path, _parser, action in _walk(parser):
            if action.help == argparse.SUPPRESS:
                continue
            if isinstance(action, argparse._SubParsersAction):
                commands += len(action.choices)
                helped = {a.dest for a in action._choices_actions if a.help}
                missing += [f"{path} {n} (command)" for n in action.choices
                            if n not in helped]
            if not (action.help or "").strip():
                name = "/".join(action.option_strings) or action.dest
                missing.append(f"{path}: {name}")
        assert commands > 20
        assert not missing, "\n".join(missing)
    finally:
        set_language(None)


def test_help_headings_in_korean(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--lang", "ko", "list", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("사용법: evidencekit list")
    assert "옵션:" in out and "이 도움말을 보여 주고 끝내기" in out
    assert "usage:" not in out and "show this help" not in out and "options:" not in out
    try:
        main(["--lang", "ko", "--help"])
    except SystemExit:
        pass
    out = capsys.readouterr().out
    assert "위치 인수:" in out and "positional arguments" not in out


def test_argparse_errors_in_korean(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--lang", "ko", "export", "--lang", "fr", "out.pdf"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "evidencekit export: 오류: " in err and "허용되지 않는 값입니다" in err
    assert "invalid choice" not in err and "usage:" not in err and "사용법:" in err
    with pytest.raises(SystemExit):
        main(["--lang", "ko", "note"])
    err = capsys.readouterr().err
    assert "다음 인수가 필요합니다" in err and "required" not in err
    with pytest.raises(SystemExit):
        main(["--lang", "ko", "nosuchcommand"])
    err = capsys.readouterr().err
    assert "허용되지 않는 값입니다" in err or "알 수 없는" in err, err


def test_english_unchanged_and_argparse_restored(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--lang", "en", "note"])
    err = capsys.readouterr().err
    assert "the following arguments are required" in err and "usage: " in err
    # Outside the CLI, argparse is the standard library's again.
    assert argparse._("usage: ") == "usage: "  # type: ignore[attr-defined]
