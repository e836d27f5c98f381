"""The callers of a planned file are planned file by file over the same program
(:func:`accellium.dataset.offload.program.plan_callers`): what the program's pointers may point
to and which of its functions return fresh memory are facts of the whole program, derived once
for its files and reused for each of them — never for a program whose texts changed, nor while
header macros or declarations are in force (what the trees say then depends on them).  The
plans are those of deriving the facts anew for every file."""

from __future__ import annotations

import pytest
from test_offload_callers import BETWEEN, BOUND, FIELD, HOISTED, RELAX

from accellium.dataset.analysis.macros import header_macros
from accellium.dataset.offload import program
from accellium.dataset.offload.program import exports, plan_callers
from accellium.server.engines import get_engine
from accellium.server.offload import apply_plans, offload_source


@pytest.fixture
def counted(monkeypatch):
    """How many times the program's points-to facts were derived."""
    calls: list[int] = []
    real = program.points_to

    def count(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(program, "points_to", count)
    monkeypatch.setattr(program, "_LAST", [])
    return calls


def _plans(kernel: str, main: str, others: list[str]) -> tuple[str, str]:
    """The callers' edits of ``main`` with the facts shared, and derived anew (under header
    macros that expand nothing: the same facts, not shared)."""
    engine = get_engine("analysis")
    k = kernel.encode()
    ex = exports(k, offload_source(k, engine, path="kernel.c", program=[main.encode()]))
    rest = [k, *(o.encode() for o in others)]
    shared = apply_plans(main.encode(), plan_callers(main.encode(), ex, "c", rest)).decode()
    with header_macros(lambda at: ()):
        alone = apply_plans(main.encode(), plan_callers(main.encode(), ex, "c", rest)).decode()
    return shared, alone


def test_facts_are_derived_once_per_program_and_follow_its_texts(counted):
    shared, alone = _plans(RELAX, BETWEEN, [HOISTED])
    assert shared == alone and "#pragma acc update self(u[t % n:1])" in shared, shared
    assert len(counted) == 2  # once shared, once under the header macros
    # the same program planned from another of its files: the facts are reused
    again, _ = _plans(RELAX, HOISTED, [BETWEEN])
    assert len(counted) == 3, counted
    assert "#pragma acc data copyin(src[0:n]) copy(u[0:n])" in again
    # one file's text changed: another program, derived anew
    changed, alone = _plans(RELAX, BETWEEN.replace("2.0 * t", "3.0 * t"), [HOISTED])
    assert len(counted) == 5 and changed == alone


def test_a_bound_global_is_read_the_same_with_shared_facts(counted):
    """A global its file binds once to the caller's pointer: the caller's region maps it
    through that pointer (who else calls the binder is a fact of the whole program)."""
    shared, alone = _plans(FIELD, BOUND, [])
    assert shared == alone and "#pragma acc data copy(f[0:n]) create(t[0:n])" in shared, shared
