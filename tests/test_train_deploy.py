"""``accellium deploy`` against a real server (uvicorn on a free port, ``hf`` engine with the
tiny base): load a second adapter at run time, answer over HTTP, swap a name atomically."""

from __future__ import annotations

from pathlib import Path

import httpx
import ml_fixtures as mlf
import pytest
from ml_fixtures import tiny_records

import accellium.cli

tiny_base = mlf.tiny_base
tiny_adapter = mlf.tiny_adapter
tiny_adapter_b = mlf.tiny_adapter_b

pytestmark = pytest.mark.slow
TOKEN = "deploy-test-token"


def _loops(n: int = 10) -> list[dict]:
    recs = [r for r in tiny_records(700)[400:] if len(r.loop_stripped) < 250][:n]
    return [{"code": r.loop_stripped, "language": r.lang,
             "context": {"enclosing": list(r.enclosing)}} for r in recs]


def _answers(url: str, adapter: str) -> list[str | None]:
    h = {"Authorization": f"Bearer {TOKEN}"}
    out = []
    for body in _loops():
        r = httpx.post(url + "/v1/suggest", json=body | {"adapter": adapter}, headers=h,
                       timeout=120)
        assert r.status_code == 200, r.text
        d = r.json()
        assert d["adapter"] == adapter
        out.append(d["pragma"])
    return out


def test_deploy_load_and_swap(tiny_base: Path, tiny_adapter: Path, tiny_adapter_b: Path,
                              capsys):
    from _server_util import running_server

    from accellium.server.app import Settings

    settings = Settings(engine="hf", base=str(tiny_base), adapters=[f"a={tiny_adapter}"],
                        token=TOKEN, access_log=False, timeout_s=120,
                        adapter_roots=[str(tiny_adapter_b.parent)])
    with running_server(settings) as url:
        capsys.readouterr()  # drop the server's start-up output
        # no token: the server's refusal, one line, exit 1
        rc = accellium.cli.main(["deploy", str(tiny_adapter_b), "--server", url, "--name", "b"])
        err = capsys.readouterr().err.strip()
        assert rc == 1 and "HTTP 401" in err and "\n" not in err

        rc = accellium.cli.main(["deploy", str(tiny_adapter_b), "--server", url, "--name", "b",
                                 "--token", TOKEN])
        out = capsys.readouterr().out
        assert rc == 0
        assert "adapter 'b' loaded" in out and "eval generation: n " in out and "eval_loss" in out
        names = [a["name"] for a in httpx.get(
            url + "/v1/adapters", headers={"Authorization": f"Bearer {TOKEN}"}).json()["adapters"]]
        assert sorted(names) == ["a", "b"]

        ans_a, ans_b = _answers(url, "a"), _answers(url, "b")
        assert ans_a != ans_b  # two adapters, chosen per request

        # redeploy name b with adapter A's weights: swapped in place, now answers like a
        rc = accellium.cli.main(["deploy", str(tiny_adapter), "--server", url, "--name", "b",
                                 "--token", TOKEN])
        out = capsys.readouterr().out
        assert rc == 0 and "adapter 'b' swapped in" in out and "version 2" in out
        assert _answers(url, "b") == ans_a


def test_deploy_bad_input(tmp_path: Path, tiny_adapter: Path, capsys):
    rc = accellium.cli.main(["deploy", str(tmp_path), "--name", "x"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "no accellium.json" in err
    rc = accellium.cli.main(["deploy", str(tmp_path / "nope"), "--name", "x"])
    assert rc == 2 and "not found" in capsys.readouterr().err
    rc = accellium.cli.main(["deploy", str(tiny_adapter), "--name", "x",
                             "--server", "http://127.0.0.1:9"])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and "cannot reach" in err and "\n" not in err
