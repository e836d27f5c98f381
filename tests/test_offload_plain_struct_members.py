"""Arrays of plain structures with array members, and a count a builder stores through a
parameter (issue #15).

Rodinia b+tree keeps its tree in an array of nodes, each with ``int keys[ORDER]`` and
``int indices[ORDER]`` members, reached at indices read from data
(``knodes[currKnode[bid]].keys[thid]``); the driver gets the array and its length from a
builder, ``knodes = build_tree(&knodes_elem, ...)``.

* ``a[e].m[k]`` with ``m`` a true array member lies in the element ``a[e]`` (C11 6.7.2.1p6: a
  structure is the sequence of its members; ``k`` beyond the member is undefined, 6.5.6p8),
  and a structure of arithmetic members and arrays of them holds no address, its bytes are
  its value (C11 6.2.6.1p4): ``a`` is mapped whole like an array of doubles.  The structure is
  defined in a header the kernel includes (C11 6.10.2p3: its text is the file's).  Twin: the
  structure has a pointer member (its device copy would hold a host address: deep copy /
  attach, OpenACC 3.3 2.6.8) — the loop stays on the host.
* The builder returns its one allocation and stores the count expression through its
  parameter ``*count = total;`` after it, ``total`` a local whose address is never taken and
  which nothing assigns between: the caller's ``nn`` of ``build(&nn)`` is the element count
  (C11 6.5.3.2p4), ``nodes[0:nn]`` the object every call of the kernel passes.  Twins: the
  builder changes ``total`` after the allocation, or stores the count in a loop — no extent.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import acc_lines, plan_written, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

HEADER = """#ifndef TREE_H
#define TREE_H
#define WIDTH 8
typedef struct node {
    int key[WIDTH];
    int next[WIDTH];
    int n;EXTRA
} node_t;
void lookup(const node_t *nodes, long nn, int q, const int *want, const int *root,
            int *found);
#endif
"""
KERNEL = """#include "tree.h"

void lookup(const node_t *nodes, long nn, int q, const int *want, const int *root,
            int *found)
{
    for (int i = 0; i < q; i++) {
        long at = root[i];
        for (int d = 0; d < 3; d++) {
            int c = 0;
            for (int s = 0; s < WIDTH; s++)
                if (nodes[at].key[s] <= want[i])
                    c = s;
            at = nodes[at].next[c];
        }
        found[i] = (int)at;
    }
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
#include "tree.h"
#define NQ 500

static node_t *build(int levels, long *count)
{
    long total = 0;
    for (int l = 0; l < levels; l++)
        total += 40 + 10 * l;
    node_t *t = calloc(total, sizeof(node_t));
    CHANGE
    for (long k = 0; k < total; k++) {
        t[k].n = WIDTH;
        for (int s = 0; s < WIDTH; s++) {
            t[k].key[s] = (int)((k * 7 + s * 13) % 101);
            t[k].next[s] = (int)((k * 3 + s * 5) % total);
        }
    }
    STORE
    return t;
}

int main(void)
{
    long nn;
    node_t *nodes = build(4, &nn);
    int *want = malloc(NQ * sizeof(int)), *root = malloc(NQ * sizeof(int));
    int *found = malloc(NQ * sizeof(int));
    for (int i = 0; i < NQ; i++) {
        want[i] = (i * 37) % 101;
        root[i] = (int)((i * 11) % nn);
    }
    lookup(nodes, nn, NQ, want, root, found);
    int bad = 0;
    for (int i = 0; i < NQ; i++) {
        long at = root[i];
        for (int d = 0; d < 3; d++) {
            int c = 0;
            for (int s = 0; s < WIDTH; s++)
                if (nodes[at].key[s] <= want[i])
                    c = s;
            at = nodes[at].next[c];
        }
        bad += found[i] != at;
    }
    puts(bad ? "BAD" : "OK");
    free(nodes); free(want); free(root); free(found);
    return 0;
}
"""
STORE = "*count = total;"
NN, NQ, NODE = 40 + 50 + 60 + 70, 500, 8 * 4 * 2 + 4


def _program(extra: str = "", change: str = "", store: str = STORE
             ) -> tuple[str, str, dict[str, str]]:
    return (KERNEL, MAIN.replace("CHANGE", change).replace("STORE", store),
            {"tree.h": HEADER.replace("EXTRA", extra)})


def _plan(tmp_path, name: str, program: tuple[str, str, dict[str, str]], engine):
    kernel, main, headers = program
    write_suite(tmp_path, {name: (kernel, main)}, headers={name: headers})
    return plan_written(tmp_path / "programs" / name, engine, [main.encode()])


def test_a_plain_struct_array_member_maps_its_array_whole(tmp_path, engine):
    text, plans = _plan(tmp_path, "tree", _program(), engine)
    assert [x["line"] for x in plans["lookup"].loops] == [6], plans["lookup"].notes
    acc = acc_lines(text)
    assert acc[0] == ("#pragma acc parallel loop copyin(root[0:q], nodes[0:nn], "
                      "want[0:q]) copyout(found[0:q])"), acc


@pytest.mark.parametrize("kw, why", [
    ({"extra": "\n    int *spare;"}, "reached through more than one member"),
    ({"change": "total = total - 1;"}, "the section of `nodes` (line 11) uses `at`"),
    ({"store": "for (int r = 0; r < 1; r++) *count = total;"},
     "the section of `nodes` (line 11) uses `at`"),
])
def test_a_pointer_member_or_an_unproved_count_keeps_the_loop_on_the_host(tmp_path, engine,
                                                                           kw, why):
    _, plans = _plan(tmp_path, "twin", _program(**kw), engine)
    assert not plans["lookup"].loops, plans["lookup"].loops
    assert why in plans["lookup"].host_loops[0]["why"], plans["lookup"].host_loops


def test_the_program_verifies_in_the_emulator(tmp_path):
    kernel, main, headers = _program()
    res = evaluate_dynamic(write_suite(tmp_path, {"tree": (kernel, main)},
                                       headers={"tree": headers}),
                           "analysis", runs=1, with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    assert moved["tree"] == NN * NODE + 3 * NQ * 4, moved
