/* nussinov (RNA folding dynamic programme) in the PolyBench/C 4.2 layout: the score table is
 * filled over the upper triangle.  The OpenACC version walks the anti-diagonals d = j - i on
 * the host (every cell of one diagonal depends only on shorter ones), a parallel loop over the
 * cells of a diagonal with the split point k as a max reduction inside; one data region around
 * the diagonal loop.  The match and max_score macros are PolyBench's.  A CPU reference in the
 * same file runs the original i-descending order. */
#include <stdio.h>
#include "polybench_lite.h"
#define N 420
#define DATA_TYPE int
#define base char
#define _PB_N POLYBENCH_LOOP_BOUND(N, n)
#define match(b1, b2) (((b1) + (b2)) == 3 ? 1 : 0)
#define max_score(s1, s2) ((s1 >= s2) ? s1 : s2)

static void init_array(int n, base POLYBENCH_1D(seq, N, n), DATA_TYPE POLYBENCH_2D(table, N, N, n, n))
{
    int i, j;
    for (i = 0; i < n; i++)
        seq[i] = (base)((i + 1) % 4);
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            table[i][j] = 0;
}

static void kernel_nussinov_ref(int n, base POLYBENCH_1D(seq, N, n), DATA_TYPE POLYBENCH_2D(table, N, N, n, n))
{
    int i, j, k;
    for (i = _PB_N - 1; i >= 0; i--) {
        for (j = i + 1; j < _PB_N; j++) {
            if (j - 1 >= 0)
                table[i][j] = max_score(table[i][j], table[i][j - 1]);
            if (i + 1 < _PB_N)
                table[i][j] = max_score(table[i][j], table[i + 1][j]);
            if (j - 1 >= 0 && i + 1 < _PB_N) {
                if (i < j - 1)
                    table[i][j] = max_score(table[i][j], table[i + 1][j - 1] + match(seq[i], seq[j]));
                else
                    table[i][j] = max_score(table[i][j], table[i + 1][j - 1]);
            }
            for (k = i + 1; k < j; k++)
                table[i][j] = max_score(table[i][j], table[i][k] + table[k + 1][j]);
        }
    }
}

static void kernel_nussinov(int n, base POLYBENCH_1D(seq, N, n), DATA_TYPE POLYBENCH_2D(table, N, N, n, n))
{
    int i, j, k, d;
#pragma scop
    #pragma acc data copyin(seq[0:N]) copy(table[0:N][0:N])
    {
        for (d = 1; d < _PB_N; d++) {
            #pragma acc parallel loop gang vector private(j) present(seq[0:N], table[0:N][0:N])
            for (i = 0; i < _PB_N - d; i++) {
                j = i + d;
                DATA_TYPE best = table[i][j];
                best = max_score(best, table[i][j - 1]);
                best = max_score(best, table[i + 1][j]);
                if (i < j - 1)
                    best = max_score(best, table[i + 1][j - 1] + match(seq[i], seq[j]));
                else
                    best = max_score(best, table[i + 1][j - 1]);
                #pragma acc loop seq
                for (k = i + 1; k < j; k++)
                    best = max_score(best, table[i][k] + table[k + 1][j]);
                table[i][j] = best;
            }
        }
    }
#pragma endscop
}

int main(int argc, char **argv)
{
    int n = N, bad = 0;
    POLYBENCH_1D_ARRAY_DECL(seq, base, N, n);
    POLYBENCH_2D_ARRAY_DECL(table, DATA_TYPE, N, N, n, n);
    POLYBENCH_2D_ARRAY_DECL(ref, DATA_TYPE, N, N, n, n);
    init_array(n, POLYBENCH_ARRAY(seq), POLYBENCH_ARRAY(table));
    init_array(n, POLYBENCH_ARRAY(seq), POLYBENCH_ARRAY(ref));
    kernel_nussinov(n, POLYBENCH_ARRAY(seq), POLYBENCH_ARRAY(table));
    kernel_nussinov_ref(n, POLYBENCH_ARRAY(seq), POLYBENCH_ARRAY(ref));
    long sum = 0;
    for (int i = 0; i < n; i++)
        for (int j = i; j < n; j++) {
            sum += (*table)[i][j];
            if ((*table)[i][j] != (*ref)[i][j])
                bad++;
        }
    printf("score %d checksum %ld mismatches %d\n", (*table)[0][n - 1], sum, bad);
    if (bad == 0)
        printf("VERIFIED\n");
    POLYBENCH_FREE_ARRAY(seq);
    POLYBENCH_FREE_ARRAY(table);
    POLYBENCH_FREE_ARRAY(ref);
    return bad != 0;
}
