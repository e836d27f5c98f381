"""The installed package is one namespace, ``accellium.*``: a wheel installed next to PyPI's own
``dataset`` package (and run from a folder holding a project's own ``server/`` and ``lsp/``)
still answers ``accellium suggest``, and neither shadows the other."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the accellium wheel and PyPI's ``dataset`` installed side by side."""
    tmp = tmp_path_factory.mktemp("pkg")
    wheels = tmp / "wheels"
    subprocess.run([*PIP, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels),
                    str(ROOT)], check=True, cwd=tmp)
    (wheel,) = wheels.glob("accellium-*.whl")
    target = tmp / "site"
    subprocess.run([*PIP, "install", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, cwd=tmp)
    # PyPI's `dataset` (a database toolkit) and what it imports.
    subprocess.run([*PIP, "install", "--target", str(target), "dataset==2.0.0"], check=True,
                   cwd=tmp)
    return target


def test_installed_wheel_next_to_pypi_dataset(site: Path, tmp_path: Path) -> None:
    tops = {p.name for p in site.iterdir()}
    assert "accellium" in tops and "dataset" in tops
    assert not {"server", "lsp", "evaluation", "training", "accellium_cli"} & tops
    # What the wheel itself holds: every module under accellium/.
    (wheel,) = (site.parent / "wheels").glob("accellium-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    modules = [n for n in names if n.endswith(".py")]
    assert modules and all(n.startswith("accellium/") for n in modules), modules[:5]
    assert "accellium/training/configs/tiny.yaml" in names

    # A user's project with folders named like ours, the cwd of the command.
    proj = tmp_path / "proj"
    for pkg in ("server", "lsp", "dataset"):
        (proj / pkg).mkdir(parents=True)
        (proj / pkg / "__init__.py").write_text("raise ImportError('the project\\'s own')\n")
    src = proj / "k.c"
    src.write_text("void f(int n, double *a, double *b) {\n"
                   "  for (int i = 0; i < n; i++) a[i] = 2 * b[i];\n}\n")
    env = {**os.environ, "PYTHONPATH": str(site), "ACCELLIUM_TRAIN": ""}
    probe = subprocess.run(
        [sys.executable, "-c",
         "import dataset, accellium.dataset.pragma as p; "
         "print(dataset.__file__); print(p.__file__); print(callable(dataset.connect))"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    theirs, ours, connect = probe.stdout.split()
    assert Path(theirs).is_relative_to(site) and Path(ours).is_relative_to(site / "accellium")
    assert connect == "True"

    out = subprocess.run([sys.executable, "-m", "accellium", "suggest", str(src), "--json"],
                         cwd=proj, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    (row,) = json.loads(out.stdout)
    assert row["line"] == 2 and row["directive"] == "parallel loop"


def test_every_source_package_is_in_the_wheel_list() -> None:
    """Each folder of a part that has an ``__init__.py`` is named in ``[tool.setuptools]
    packages``: a package left out installs without error and fails only when imported."""
    import tomllib

    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(conf["packages"])
    dirs = {v: k for k, v in conf["package-dir"].items()}
    found = set()
    for part, name in dirs.items():
        for init in (ROOT / part).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / part).parts
            found.add(".".join((name, *rel)))
    assert found, "no package found under the mapped folders"
    assert found - listed == set()
