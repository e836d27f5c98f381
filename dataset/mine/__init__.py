"""``accellium mine``: C/C++ repositories -> deduplicated, split OpenACC pragma–loop dataset.

Modules: ``sources`` (folders, git directories, URLs), ``extract`` (pairs of one file, the data
card's rules), ``license``, ``dedup`` (exact + MinHash near-duplicates), ``split`` (group /
random splits, leakage check), ``card`` (outputs and data card), ``pipeline`` (``mine``),
``cli`` (``accellium mine``, ``accellium bench mine``), ``check_reference`` (compare with a
reference dataset); the datatrove engine: ``trove_steps`` (the pipeline steps), ``trove``
(executors, resume, ``mine_datatrove``), ``bench`` (engines compared)."""

__all__ = ["MineOptions", "MineReport", "mine"]


def __getattr__(name: str):  # lazy: `accellium` builds its parser without loading the pipeline
    if name in __all__:
        from accellium.dataset.mine import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'accellium.dataset.mine' has no attribute {name!r}")
