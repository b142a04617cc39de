"""Link commands end to end through the CLI against local servers: link (fetched and
rendered), link --offline then fetch, recheck before and after a take-down, refused URLs,
and a fetch failure that keeps the link as pending."""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import run_cli_process
from tests.support.links_servers import KO_TITLE, LinkServers
from tests.support.vault_util import open_vault, read_back


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LinkServers]:
    with LinkServers(tmp_path_factory.mktemp("links")) as s:
        yield s


def _cli(*args: object) -> tuple[int, str, str]:
    # A subprocess: QtWebEngine rendering must not load into the pytest process.
    res = run_cli_process(*map(str, args), timeout=180)
    return res.code, res.out, res.err


def _number(out: str) -> int:
    """N of the line ``Item #N: title — URL``."""
    return int(out.split(":", 1)[0].removeprefix("Item #"))


def test_link_fetched_and_rendered(vault_dir: Path, servers: LinkServers) -> None:
    code, out, err = _cli("link", vault_dir, servers.https.url("/r1"), "--note", "메모",
                          "--ca-file", servers.ca_file, "--json")
    assert code == 0, err
    number = json.loads(out)[0]["number"]
    with open_vault(vault_dir) as v:
        item = v.item(number)
        assert item.kind == "link" and item.title == KO_TITLE
        names = [p.name for p in item.parts]
        assert names[:3] == ["exchange.warc.gz", "summary.json", "certificates.pem"]
        assert "rendering.png" in names and "rendering.pdf" in names
        summary = json.loads(read_back(v, number, names.index("summary.json")))
        assert len(summary["hops"]) == 4
        png = Image.open(io.BytesIO(read_back(v, number, names.index("rendering.png"))))
        assert png.width >= 1280 and png.height > 400
    code, _, err = _cli("check", vault_dir)
    assert code == 0, err


def test_offline_then_fetch(vault_dir: Path, servers: LinkServers) -> None:
    code, out, err = _cli("link", vault_dir, servers.http.url("/ko"), "--offline",
                          "--title", "나중에")
    assert code == 0, err
    assert out == f"Item #{_number(out)}: 나중에 — {servers.http.url('/ko')}\n"
    number = _number(out)
    listed = json.loads(_cli("show", vault_dir, number, "--json")[1])
    assert listed["state"] == "pending" and listed["parts"] == []
    code, out, err = _cli("fetch", vault_dir, "--no-render", "--json")
    assert code == 0, err
    assert [i["number"] for i in json.loads(out)] == [number]
    shown = json.loads(_cli("show", vault_dir, number, "--json")[1])
    assert shown["state"] == "active" and shown["parts"][0]["name"] == "exchange.warc.gz"
    with open_vault(vault_dir) as v:
        kinds = [e.kind for e in v.events()]
    assert kinds[-1] == "link_fetched"


def test_recheck_online_then_gone(vault_dir: Path, servers: LinkServers) -> None:
    code, out, err = _cli("link", vault_dir, servers.http.url("/ko"), "--no-render", "--json")
    assert code == 0, err
    number = json.loads(out)[0]["number"]
    code, out, err = _cli("recheck", vault_dir, number)
    assert code == 0, err
    assert "still online" in out
    # the content is taken down: the same URL now answers 410
    code, out, err = _cli("link", vault_dir, servers.http.url("/gone"), "--offline")
    gone_number = _number(out)
    code, out, err = _cli("recheck", vault_dir, gone_number)
    assert code == 0 and "gone" in out, out + err
    with open_vault(vault_dir) as v:
        rechecks = [e.body for e in v.events() if e.kind == "link_rechecked"]
    assert [r["status"] for r in rechecks] == ["online", "gone"]
    assert rechecks[1]["item_number"] == gone_number


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)",
                                 "data:text/html,hi", "http://", "not a url"])
def test_refused_urls(vault_dir: Path, url: str) -> None:
    code, _, err = _cli("link", vault_dir, url, "--offline")
    assert code == 2, err
    assert "Traceback" not in err


def test_fetch_failure_keeps_link_pending(vault_dir: Path, servers: LinkServers) -> None:
    code, out, err = _cli("link", vault_dir, servers.http.url("/big"), "--max-body-mb", "0.01",
                          "--no-render")
    assert code == 7, err
    assert "waiting to be fetched" in err
    number = _number(out)
    with open_vault(vault_dir) as v, warnings.catch_warnings():
        assert v.item(number).state == "pending"
