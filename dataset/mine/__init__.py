"""``accellium mine``: C/C++ repositories -> deduplicated, split OpenACC pragma–loop dataset.

Modules: ``sources`` (folders, git directories, URLs), ``extract`` (pairs of one file, the data
card's rules), ``license``, ``dedup`` (exact + MinHash near-duplicates), ``split`` (group /
random splits, leakage check), ``card`` (outputs and data card), ``pipeline`` (``mine``),
``cli`` (``accellium mine``, ``accellium bench mine``), ``check_reference`` (compare with a
reference dataset)."""

from dataset.mine.pipeline import MineOptions, MineReport, mine

__all__ = ["MineOptions", "MineReport", "mine"]
