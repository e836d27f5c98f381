/* 3mm in the PolyBench/C 4.2 layout: E := A*B, F := C*D, G := E*F.
 * POLYBENCH_2D parameters, pointer-to-array buffers in main, the kernel with its own
 * data region in which E and F live on the device only; check.c recomputes G. */
#include <stdio.h>
#include "polybench_lite.h"
#define NI 120
#define NJ 130
#define NK 140
#define NL 110
#define NM 125
#define DATA_TYPE double
#define _PB_NI POLYBENCH_LOOP_BOUND(NI, ni)
#define _PB_NJ POLYBENCH_LOOP_BOUND(NJ, nj)
#define _PB_NK POLYBENCH_LOOP_BOUND(NK, nk)
#define _PB_NL POLYBENCH_LOOP_BOUND(NL, nl)
#define _PB_NM POLYBENCH_LOOP_BOUND(NM, nm)

int check_3mm(int ni, int nj, int nk, int nl, int nm, const double *g);

static void init_array(int ni, int nj, int nk, int nl, int nm,
                       DATA_TYPE POLYBENCH_2D(A, NI, NK, ni, nk),
                       DATA_TYPE POLYBENCH_2D(B, NK, NJ, nk, nj),
                       DATA_TYPE POLYBENCH_2D(C, NJ, NM, nj, nm),
                       DATA_TYPE POLYBENCH_2D(D, NM, NL, nm, nl))
{
    int i, j;
    for (i = 0; i < ni; i++)
        for (j = 0; j < nk; j++)
            A[i][j] = (DATA_TYPE)((i * j + 1) % ni) / (5 * ni);
    for (i = 0; i < nk; i++)
        for (j = 0; j < nj; j++)
            B[i][j] = (DATA_TYPE)((i * (j + 1) + 2) % nj) / (5 * nj);
    for (i = 0; i < nj; i++)
        for (j = 0; j < nm; j++)
            C[i][j] = (DATA_TYPE)(i * (j + 3) % nl) / (5 * nl);
    for (i = 0; i < nm; i++)
        for (j = 0; j < nl; j++)
            D[i][j] = (DATA_TYPE)((i * (j + 2) + 2) % nk) / (5 * nk);
}

static void kernel_3mm(int ni, int nj, int nk, int nl, int nm,
                       DATA_TYPE POLYBENCH_2D(E, NI, NJ, ni, nj),
                       DATA_TYPE POLYBENCH_2D(A, NI, NK, ni, nk),
                       DATA_TYPE POLYBENCH_2D(B, NK, NJ, nk, nj),
                       DATA_TYPE POLYBENCH_2D(F, NJ, NL, nj, nl),
                       DATA_TYPE POLYBENCH_2D(C, NJ, NM, nj, nm),
                       DATA_TYPE POLYBENCH_2D(D, NM, NL, nm, nl),
                       DATA_TYPE POLYBENCH_2D(G, NI, NL, ni, nl))
{
    int i, j, k;
#pragma scop
    #pragma acc data copyin(A[0:NI][0:NK], B[0:NK][0:NJ], C[0:NJ][0:NM], D[0:NM][0:NL]) \
        create(E[0:NI][0:NJ], F[0:NJ][0:NL]) copyout(G[0:NI][0:NL])
    {
        /* E := A*B */
        #pragma acc parallel loop collapse(2) present(A[0:NI][0:NK], B[0:NK][0:NJ], E[0:NI][0:NJ])
        for (i = 0; i < _PB_NI; i++)
            for (j = 0; j < _PB_NJ; j++) {
                E[i][j] = SCALAR_VAL(0.0);
                #pragma acc loop seq
                for (k = 0; k < _PB_NK; ++k)
                    E[i][j] += A[i][k] * B[k][j];
            }
        /* F := C*D */
        #pragma acc parallel loop collapse(2) present(C[0:NJ][0:NM], D[0:NM][0:NL], F[0:NJ][0:NL])
        for (i = 0; i < _PB_NJ; i++)
            for (j = 0; j < _PB_NL; j++) {
                F[i][j] = SCALAR_VAL(0.0);
                #pragma acc loop seq
                for (k = 0; k < _PB_NM; ++k)
                    F[i][j] += C[i][k] * D[k][j];
            }
        /* G := E*F */
        #pragma acc parallel loop collapse(2) present(E[0:NI][0:NJ], F[0:NJ][0:NL], G[0:NI][0:NL])
        for (i = 0; i < _PB_NI; i++)
            for (j = 0; j < _PB_NL; j++) {
                G[i][j] = SCALAR_VAL(0.0);
                #pragma acc loop seq
                for (k = 0; k < _PB_NJ; ++k)
                    G[i][j] += E[i][k] * F[k][j];
            }
    }
#pragma endscop
}

int main(int argc, char **argv)
{
    int ni = NI, nj = NJ, nk = NK, nl = NL, nm = NM;
    POLYBENCH_2D_ARRAY_DECL(E, DATA_TYPE, NI, NJ, ni, nj);
    POLYBENCH_2D_ARRAY_DECL(A, DATA_TYPE, NI, NK, ni, nk);
    POLYBENCH_2D_ARRAY_DECL(B, DATA_TYPE, NK, NJ, nk, nj);
    POLYBENCH_2D_ARRAY_DECL(F, DATA_TYPE, NJ, NL, nj, nl);
    POLYBENCH_2D_ARRAY_DECL(C, DATA_TYPE, NJ, NM, nj, nm);
    POLYBENCH_2D_ARRAY_DECL(D, DATA_TYPE, NM, NL, nm, nl);
    POLYBENCH_2D_ARRAY_DECL(G, DATA_TYPE, NI, NL, ni, nl);
    init_array(ni, nj, nk, nl, nm, POLYBENCH_ARRAY(A), POLYBENCH_ARRAY(B), POLYBENCH_ARRAY(C),
               POLYBENCH_ARRAY(D));
    kernel_3mm(ni, nj, nk, nl, nm, POLYBENCH_ARRAY(E), POLYBENCH_ARRAY(A), POLYBENCH_ARRAY(B),
               POLYBENCH_ARRAY(F), POLYBENCH_ARRAY(C), POLYBENCH_ARRAY(D), POLYBENCH_ARRAY(G));
    double sum = 0.0;
    for (int i = 0; i < ni; i++)
        for (int j = 0; j < nl; j++)
            sum += (*G)[i][j];
    printf("checksum %.6f\n", sum);
    int bad = check_3mm(ni, nj, nk, nl, nm, &(*G)[0][0]);
    if (bad == 0)
        printf("VERIFIED\n");
    POLYBENCH_FREE_ARRAY(E);
    POLYBENCH_FREE_ARRAY(A);
    POLYBENCH_FREE_ARRAY(B);
    POLYBENCH_FREE_ARRAY(F);
    POLYBENCH_FREE_ARRAY(C);
    POLYBENCH_FREE_ARRAY(D);
    POLYBENCH_FREE_ARRAY(G);
    return bad != 0;
}
