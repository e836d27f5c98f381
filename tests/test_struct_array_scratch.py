"""An array of structures each iteration fills member by member, then reads: private.

FT-style transforms gather a line of complex values into a scratch array of a struct type,
``line[k].re = u[k][j][i].re; line[k].im = u[k][j][i].im;``, then read ``line[l].re`` and
``line[l].im``.  A member write changes part of its element only, so the analysis counted it
as a read of the element too: the first access was never a plain write, ``line`` was not
scratch, every iteration of the outer loops "wrote the same ``line[k]``", and the nest stayed
on the host with its inner loops launched once per line (the scratch copied each time).

A member is an object of its own inside its element (C11 6.2.6.1p1, 6.5.2.3p3): when every
access is a ``.`` member of an element, no member path holds another, and each path's first
access is an unconditional plain ``a[s].m = e``, each path is a scratch array of the
iteration, and ``private(line)`` gives every iteration its own (OpenACC 3.3, 2.5.13).

Twin: the gather writes ``.re`` only and the transform reads ``.im`` too, which holds what the
code before the nest stored: not private, the nest stays ordered, and the program verifies.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import run_verified

KERNEL = """#define NX 8
#define NY 8
#define NZ 16
typedef struct {
    double re, im;
} cplx;

void dft_z(cplx u[NZ][NY][NX], const cplx *w)
{
    cplx line[NZ];
    for (int k = 0; k < NZ; k++)
        line[k].im = 0.5;
    for (int j = 0; j < NY; j++)
        for (int i = 0; i < NX; i++) {
            for (int k = 0; k < NZ; k++) {
                line[k].re = u[k][j][i].re;
                IM
            }
            for (int k = 0; k < NZ; k++) {
                double re = 0.0, im = 0.0;
                for (int l = 0; l < NZ; l++) {
                    cplx t = w[(k * l) % NZ];
                    re += line[l].re * t.re - line[l].im * t.im;
                    im += line[l].re * t.im + line[l].im * t.re;
                }
                u[k][j][i].re = re;
                u[k][j][i].im = im;
            }
        }
}
"""
IM = "line[k].im = u[k][j][i].im;"
MAIN = """#include <math.h>
#include <stdio.h>
#define NX 8
#define NY 8
#define NZ 16
typedef struct {
    double re, im;
} cplx;
void dft_z(cplx u[NZ][NY][NX], const cplx *w);
static cplx u[NZ][NY][NX], r[NZ][NY][NX], w[NZ];
int main(void)
{
    int bad = 0;
    for (int k = 0; k < NZ; k++)
        w[k].re = cos(6.283185307179586 * k / NZ), w[k].im = -sin(6.283185307179586 * k / NZ);
    for (int k = 0; k < NZ; k++)
        for (int j = 0; j < NY; j++)
            for (int i = 0; i < NX; i++)
                u[k][j][i].re = r[k][j][i].re = (k * 7 + j * 3 + i) % 13 * 0.1,
                u[k][j][i].im = r[k][j][i].im = (k + 5 * j + 2 * i) % 11 * 0.1;
    dft_z(u, w);
    for (int j = 0; j < NY; j++)
        for (int i = 0; i < NX; i++) {
            cplx c[NZ];
            for (int k = 0; k < NZ; k++)
                c[k].re = r[k][j][i].re, c[k].im = IMREF;
            for (int k = 0; k < NZ; k++) {
                double re = 0.0, im = 0.0;
                for (int l = 0; l < NZ; l++) {
                    cplx t = w[(k * l) % NZ];
                    re += c[l].re * t.re - c[l].im * t.im;
                    im += c[l].re * t.im + c[l].im * t.re;
                }
                bad += fabs(u[k][j][i].re - re) > 1e-9 || fabs(u[k][j][i].im - im) > 1e-9;
            }
        }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def _at(row: dict, line: int) -> str:
    return next((p["pragma"] for p in row["engine"]["pragmas"] if p["line"] == line), "")


def test_a_struct_array_filled_member_by_member_is_private(tmp_path):
    rows = run_verified(tmp_path, {
        "members": (KERNEL.replace("IM", IM), MAIN.replace("IMREF", "r[k][j][i].im")),
        "re_only": (KERNEL.replace("IM", ""), MAIN.replace("IMREF", "0.5")),
    })
    got = rows["members"]
    assert "private(line)" in _at(got, 13), got["engine"]["pragmas"]
    moved = got["engine"]["bytes_h2d"] + got["engine"]["bytes_d2h"]
    assert moved < 40_000, got["engine"]["sites"]  # u twice and w, not line once per line
    # the twin: `.im` keeps the value stored before the nest: no private(line) at the nest
    assert "private(line)" not in _at(rows["re_only"], 13), rows["re_only"]["engine"]["pragmas"]
