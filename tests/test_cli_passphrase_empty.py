"""An empty passphrase is named as empty, never tried and reported as wrong; a new passphrase
that is too short is refused before it is asked for a second time."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from evidencekit.commands import common
from evidencekit.errors import InputError
from evidencekit.i18n import tr
from evidencekit.vault.keys import MIN_PASSPHRASE_LENGTH
from tests.conftest import PASSPHRASE, run_cli_process


def test_empty_passphrase_file_is_named(vault_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n", encoding="utf-8")
    out = run_cli_process("list", vault_dir, "--passphrase-file", empty,
                          env={"EVIDENCEKIT_LANG": "en"})
    assert out.code != 0
    assert "passphrase file is empty" in out.err
    assert "Wrong passphrase" not in out.err and "Traceback" not in out.err
    assert len(out.err.strip().splitlines()) == 1


def test_empty_passphrase_variable_is_named(vault_dir: Path) -> None:
    out = run_cli_process("list", vault_dir, env={"EVIDENCEKIT_PASSPHRASE": "",
                                                  "EVIDENCEKIT_LANG": "ko"})
    assert out.code != 0
    assert "암호 환경 변수가 비어 있습니다" in out.err
    assert "맞지 않습니다" not in out.err
    # the right one still opens it
    ok = run_cli_process("list", vault_dir, env={"EVIDENCEKIT_PASSPHRASE": PASSPHRASE})
    assert ok.code == 0, ok.err


def _prompted(monkeypatch: pytest.MonkeyPatch, answers: list[str]) -> list[str]:
    asked: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        asked.append(prompt)
        return answers[len(asked) - 1]

    monkeypatch.setattr(common.getpass, "getpass", fake_getpass)
    monkeypatch.setattr(common.sys.stdin, "isatty", lambda: True)
    monkeypatch.delenv("EVIDENCEKIT_PASSPHRASE", raising=False)
    return asked


def test_enter_at_the_prompt_is_not_a_wrong_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _prompted(monkeypatch, [""])
    with pytest.raises(InputError) as exc:
        common.read_passphrase(argparse.Namespace(passphrase_file=None))
    assert exc.value.key == "error.empty_passphrase_typed" and len(asked) == 1


def test_short_new_passphrase_refused_before_the_second_prompt(
        monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _prompted(monkeypatch, ["short", "short"])
    with pytest.raises(InputError) as exc:
        common.read_passphrase(argparse.Namespace(passphrase_file=None), confirm=True,
                               prompt_key="cli.prompt.new_passphrase")
    assert exc.value.key == "error.passphrase_short"
    assert len(asked) == 1  # not asked to type it again
    assert str(MIN_PASSPHRASE_LENGTH) in tr("error.passphrase_short", "en",
                                            minimum=MIN_PASSPHRASE_LENGTH)
    # a long enough one is asked twice, as before
    asked = _prompted(monkeypatch, ["long enough passphrase"] * 2)
    assert common.read_passphrase(argparse.Namespace(passphrase_file=None), confirm=True,
                                  prompt_key="cli.prompt.new_passphrase") \
        == "long enough passphrase"
    assert len(asked) == 2


def test_other_secrets_may_be_empty(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A PKCS#12 file may have no password: its secret is read as given."""
    empty = tmp_path / "p12pass.txt"
    empty.write_text("", encoding="utf-8")
    args = argparse.Namespace(p12_passphrase_file=empty)
    assert common.read_passphrase(args, file_attr="p12_passphrase_file",
                                  env_var="EVIDENCEKIT_P12_PASSPHRASE") == ""
