/* Two chained matrix products in the PolyBench 2mm shape, one file: D := alpha*A*B*C + beta*D
 * through a temporary tmp = alpha*A*B.  Sizes and the element type are macros, the arrays
 * are static globals of fixed size passed to the kernel as array parameters; main
 * initialises, runs the kernel, prints a checksum and asks an independent check. */
#include <stdio.h>

#define NI 160
#define NJ 170
#define NK 180
#define NL 150
#define DATA_TYPE double

static DATA_TYPE A[NI][NK];
static DATA_TYPE B[NK][NJ];
static DATA_TYPE C[NJ][NL];
static DATA_TYPE D[NI][NL];
static DATA_TYPE tmp[NI][NJ];

int check_2mm(int ni, int nj, int nk, int nl, DATA_TYPE alpha, DATA_TYPE beta,
              const DATA_TYPE *d);

static void init_array(int ni, int nj, int nk, int nl, DATA_TYPE *alpha, DATA_TYPE *beta,
                       DATA_TYPE A[NI][NK], DATA_TYPE B[NK][NJ], DATA_TYPE C[NJ][NL],
                       DATA_TYPE D[NI][NL])
{
    *alpha = 1.5;
    *beta = 1.2;
    for (int i = 0; i < ni; i++)
        for (int k = 0; k < nk; k++)
            A[i][k] = (DATA_TYPE)((i * k + 1) % ni) / ni;
    for (int k = 0; k < nk; k++)
        for (int j = 0; j < nj; j++)
            B[k][j] = (DATA_TYPE)(k * (j + 1) % nj) / nj;
    for (int j = 0; j < nj; j++)
        for (int l = 0; l < nl; l++)
            C[j][l] = (DATA_TYPE)((j * (l + 3) + 1) % nl) / nl;
    for (int i = 0; i < ni; i++)
        for (int l = 0; l < nl; l++)
            D[i][l] = (DATA_TYPE)(i * (l + 2) % nk) / nk;
}

static void kernel_2mm(int ni, int nj, int nk, int nl, DATA_TYPE alpha, DATA_TYPE beta,
                       DATA_TYPE tmp[NI][NJ], DATA_TYPE A[NI][NK], DATA_TYPE B[NK][NJ],
                       DATA_TYPE C[NJ][NL], DATA_TYPE D[NI][NL])
{
    #pragma acc data copyin(A[0:ni][0:nk], B[0:nk][0:nj], C[0:nj][0:nl]) \
        create(tmp[0:ni][0:nj]) copy(D[0:ni][0:nl])
    {
        #pragma acc parallel loop collapse(2) present(A[0:ni][0:nk], B[0:nk][0:nj], tmp[0:ni][0:nj])
        for (int i = 0; i < ni; i++)
            for (int j = 0; j < nj; j++) {
                DATA_TYPE s = 0.0;
                #pragma acc loop seq
                for (int k = 0; k < nk; k++)
                    s += alpha * A[i][k] * B[k][j];
                tmp[i][j] = s;
            }
        #pragma acc parallel loop collapse(2) present(tmp[0:ni][0:nj], C[0:nj][0:nl], D[0:ni][0:nl])
        for (int i = 0; i < ni; i++)
            for (int l = 0; l < nl; l++) {
                DATA_TYPE s = D[i][l] * beta;
                #pragma acc loop seq
                for (int j = 0; j < nj; j++)
                    s += tmp[i][j] * C[j][l];
                D[i][l] = s;
            }
    }
}

static double checksum(int ni, int nl, DATA_TYPE D[NI][NL])
{
    double s = 0.0;
    for (int i = 0; i < ni; i++)
        for (int l = 0; l < nl; l++)
            s += D[i][l] * (1 + (i + l) % 7);
    return s;
}

int main(void)
{
    int ni = NI, nj = NJ, nk = NK, nl = NL;
    DATA_TYPE alpha, beta;
    init_array(ni, nj, nk, nl, &alpha, &beta, A, B, C, D);
    kernel_2mm(ni, nj, nk, nl, alpha, beta, tmp, A, B, C, D);
    printf("checksum %.6f\n", checksum(ni, nl, D));
    int bad = check_2mm(ni, nj, nk, nl, alpha, beta, &D[0][0]);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
