"""A loop that reaches an array through a pointer's member whose clause the analysis cannot
derive gets no compute construct when its file is known, and a note when it is not.

``copy(v->x)`` names the member whole: for a pointer member it maps the pointer's value, a host
address, not the elements it points to (OpenACC 3.3, 2.7.1), so a kernel writing ``v->x[i]``
through the device copy of ``v`` faults on a GPU; for a true array member the object the device
holds already contains it, and its copy never comes back.  And leaving the member out of the
clauses while the object is mapped (``copyin(v[0:1])``) leaves the same host address in the
device copy.  The analysis derives a written member's clause only where the file shows the
member's kind (``dataset/analysis/deep.py``); elsewhere such a member is an array of unknown
extent, as a pointer named alone is: with the file, no pragma (the note says what data region
makes the loop offloadable); a loop seen alone keeps its answer with the note.

Whole programs, built with gcc -fopenacc and run in the data-environment emulator: before, the
per-loop answer of each kernel below (``copyin(v[0:1], v->y[0:v->n]) copy(v->x)``;
``copyin(p->x) copy(p[0:1])``; ``copyin(v[0:1], v->s.x)``, ``copyin(v[0:1], v->p->x)`` for
chains of two members) failed there; now the loops stay on the host and verify."""

from __future__ import annotations

from _offload_util import run_verified

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

N = 32

#: a pointer typedef: the file does not show ``v`` as ``T *v``, so the member's kind is unknown
HIDDEN = """typedef struct { int n; double *x, *y; } Vec, *VecP;
void scale(VecP v)
{
    for (int i = 0; i < v->n; i++)
        v->x[i] = 2.0 * v->y[i];
}
"""
HIDDEN_MAIN = f"""#include <stdio.h>
#include <stdlib.h>
typedef struct {{ int n; double *x, *y; }} Vec, *VecP;
void scale(VecP v);
int main(void)
{{
    Vec v = {{{N}, malloc({N} * sizeof(double)), malloc({N} * sizeof(double))}};
    for (int i = 0; i < {N}; i++)
        v.y[i] = i;
    scale(&v);
    int bad = 0;
    for (int i = 0; i < {N}; i++)
        bad |= v.x[i] != 2.0 * i;
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""

#: a written true array member: the object is copied whole, and the pointer member beside it
#: gets no section of its own
BESIDE = f"""struct S {{ double *x; double y[{N}]; }};
void twice(struct S *p)
{{
    for (int i = 0; i < {N}; i++)
        p->y[i] = 2.0 * p->x[i];
}}
"""
BESIDE_MAIN = f"""#include <stdio.h>
#include <stdlib.h>
struct S {{ double *x; double y[{N}]; }};
void twice(struct S *p);
int main(void)
{{
    struct S s;
    s.x = malloc({N} * sizeof(double));
    for (int i = 0; i < {N}; i++)
        s.x[i] = i;
    twice(&s);
    int bad = 0;
    for (int i = 0; i < {N}; i++)
        bad |= s.y[i] != 2.0 * i;
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""


#: chains of more than one member: no section is derived for them
TWO_LEVEL, TWO_LEVEL_MAIN = ("""struct In { double *x; int n; };
struct Out { struct In s; double *y; };
void f(struct Out *v)
{
    for (int i = 0; i < v->s.n; i++)
        v->y[i] = 2.0 * v->s.x[i];
}
""", f"""#include <stdio.h>
#include <stdlib.h>
struct In {{ double *x; int n; }};
struct Out {{ struct In s; double *y; }};
void f(struct Out *v);
int main(void) {{ struct Out o; o.s.n = {N}; o.s.x = malloc({N}*sizeof(double)); o.y = malloc({N}*sizeof(double));
 for (int i = 0; i < {N}; i++) o.s.x[i] = i; f(&o); int bad = 0;
 for (int i = 0; i < {N}; i++) bad |= o.y[i] != 2.0*i; puts(bad ? "BAD" : "OK"); return 0; }}
""")
CHAIN, CHAIN_MAIN = ("""struct In { double *x; };
struct Out { struct In *p; double *y; int n; };
void f(struct Out *v)
{
    for (int i = 0; i < v->n; i++)
        v->y[i] = 2.0 * v->p->x[i];
}
""", f"""#include <stdio.h>
#include <stdlib.h>
struct In {{ double *x; }};
struct Out {{ struct In *p; double *y; int n; }};
void f(struct Out *v);
int main(void) {{ struct In in; struct Out o; o.p = &in; o.n = {N}; in.x = malloc({N}*sizeof(double)); o.y = malloc({N}*sizeof(double));
 for (int i = 0; i < {N}; i++) in.x[i] = i; f(&o); int bad = 0;
 for (int i = 0; i < {N}; i++) bad |= o.y[i] != 2.0*i; puts(bad ? "BAD" : "OK"); return 0; }}
""")


def test_with_the_file_no_pragma_and_the_note_names_the_object():
    for src, member, example in ((HIDDEN, "v->x", "v[0:1], v->x[0:N]"),
                                 (BESIDE, "p->x", "p[0:1], p->x[0:N]"),
                                 (TWO_LEVEL, "v->s.x", "v->s.x[0:N]"),
                                 (CHAIN, "v->p->x", "v->p->x[0:N]")):
        (got,) = annotate_source(src.encode(), get_engine("analysis"), path="k.c")
        assert got.pragma is None, got
        assert any(f"`{member}` is not on the device" in n and f"copyin({example})" in n
                   for n in got.notes), got.notes


def test_the_programs_verify_in_the_emulator(tmp_path):
    rows = run_verified(tmp_path, {"hidden": (HIDDEN, HIDDEN_MAIN),
                                   "beside": (BESIDE, BESIDE_MAIN),
                                   "two_level": (TWO_LEVEL, TWO_LEVEL_MAIN),
                                   "chain": (CHAIN, CHAIN_MAIN)})
    assert set(rows) == {"hidden", "beside", "two_level", "chain"}
