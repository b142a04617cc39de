"""The set-up the README promises on a bare Debian: the system script covers every command
the README, the tests and the benchmarks call; nobody builds as root through sudo; the lock
pins every package pyproject.toml names."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "install-system-deps.sh"


def _commands() -> set[str]:
    out = subprocess.run(["bash", str(SCRIPT), "--commands"], capture_output=True, text=True,
                         check=True)
    return set(out.stdout.split())


def test_script_lists_every_command_the_readme_uses() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = "\n".join(re.findall(r"```sh\n(.*?)```", readme, re.S))
    used = set()
    for line in blocks.splitlines():
        if line.startswith((" ", "\t")):
            continue  # the continuation of a command's option list
        for segment in re.split(r"&&| \| ", line.split("#", 1)[0]):
            words = segment.split()
            if words:
                used.add(words[0])
    # Commands that come with the project's venv or with every Debian system.
    provided = {"evidencekit", "pyhanko", "mkdir", "cd", "bash", "cat", "ls", "cp", "export",
                "echo", "sudo", "py", "python3", "pip"}
    external = {c for c in used if re.fullmatch(r"[a-z][a-z0-9_-]*", c)} - provided
    assert external, "no commands found in the README"
    missing = external - _commands() - {"make"}
    assert not missing, f"README uses commands the set-up script does not install: {missing}"
    assert "make" in _commands()


def test_every_listed_command_is_installed_here() -> None:
    absent = [c for c in sorted(_commands()) if shutil.which(c) is None]
    assert not absent, f"run scripts/install-system-deps.sh: {absent}"


def test_sudo_build_is_refused() -> None:
    env = dict(os.environ, SUDO_USER="someone")
    make = subprocess.run(["make", "-n", "run"], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    if os.geteuid() == 0:
        assert make.returncode != 0 and "not with sudo" in make.stderr
        script = subprocess.run(["bash", str(SCRIPT), "--check"], env=env,
                                capture_output=True, text=True)
        assert script.returncode == 1 and "not with sudo" in script.stderr
    else:
        assert "not with sudo" not in make.stderr


def test_lock_pins_every_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"]) + list(project["optional-dependencies"]["dev"])
    names = {re.split(r"[<>=!~\[ ;]", spec, maxsplit=1)[0].lower().replace("_", "-")
             for spec in wanted}
    pinned = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not an exact pin: {line}"
            pinned[name.lower().replace("_", "-")] = version
    assert not names - set(pinned), f"not in requirements.lock: {names - set(pinned)}"
