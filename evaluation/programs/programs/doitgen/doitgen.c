/* Multi-resolution tensor contraction in the PolyBench doitgen shape, one file, single
 * precision: A[r][q][:] := A[r][q][:] * C4 for every (r, q), through a scratch array sum
 * with a row per (r, q), as the GPU ports of the benchmark write it (device-only).  A is a pointer to 2-D slabs allocated in
 * main, the kernel takes fixed-size array parameters and holds the data region. */
#include <stdio.h>
#include <stdlib.h>

#define NR 40
#define NQ 50
#define NP 64
#define DATA_TYPE float

int check_doitgen(int nr, int nq, int np, const float *a);

static void init_array(int nr, int nq, int np, DATA_TYPE A[NR][NQ][NP], DATA_TYPE C4[NP][NP])
{
    for (int r = 0; r < nr; r++)
        for (int q = 0; q < nq; q++)
            for (int p = 0; p < np; p++)
                A[r][q][p] = (DATA_TYPE)((r * q + p) % np) / np;
    for (int i = 0; i < np; i++)
        for (int j = 0; j < np; j++)
            C4[i][j] = (DATA_TYPE)(i * j % np) / np;
}

static void kernel_doitgen(int nr, int nq, int np, DATA_TYPE A[NR][NQ][NP],
                           DATA_TYPE C4[NP][NP], DATA_TYPE sum[NR][NQ][NP])
{
    #pragma acc data copy(A[0:nr][0:nq][0:np]) copyin(C4[0:np][0:np]) \
        create(sum[0:nr][0:nq][0:np])
    {
        #pragma acc parallel loop gang collapse(2) \
            present(A[0:nr][0:nq][0:np], C4[0:np][0:np], sum[0:nr][0:nq][0:np])
        for (int r = 0; r < nr; r++)
            for (int q = 0; q < nq; q++) {
                #pragma acc loop vector
                for (int p = 0; p < np; p++) {
                    DATA_TYPE s = 0.0f;
                    for (int k = 0; k < np; k++)
                        s += A[r][q][k] * C4[k][p];
                    sum[r][q][p] = s;
                }
                #pragma acc loop vector
                for (int p = 0; p < np; p++)
                    A[r][q][p] = sum[r][q][p];
            }
    }
}

static double checksum(int nr, int nq, int np, DATA_TYPE A[NR][NQ][NP])
{
    double s = 0.0;
    for (int r = 0; r < nr; r++)
        for (int q = 0; q < nq; q++)
            for (int p = 0; p < np; p++)
                s += A[r][q][p] * ((r + q + p) % 5 + 1);
    return s;
}

int main(void)
{
    int nr = NR, nq = NQ, np = NP;
    DATA_TYPE (*A)[NQ][NP] = malloc(sizeof(DATA_TYPE[NR][NQ][NP]));
    DATA_TYPE (*C4)[NP] = malloc(sizeof(DATA_TYPE[NP][NP]));
    DATA_TYPE (*sum)[NQ][NP] = malloc(sizeof(DATA_TYPE[NR][NQ][NP]));
    init_array(nr, nq, np, A, C4);
    kernel_doitgen(nr, nq, np, A, C4, sum);
    printf("checksum %.4f\n", checksum(nr, nq, np, A));
    int bad = check_doitgen(nr, nq, np, &A[0][0][0]);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    free(A), free(C4), free(sum);
    return 0;
}
