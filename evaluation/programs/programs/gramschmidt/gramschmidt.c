/* QR factorisation by modified Gram-Schmidt in the PolyBench gramschmidt shape, one file:
 * the column loop k runs on the host; per column a norm reduction, the diagonal of R set on
 * the host from it (pushed with update device), the column normalised into Q, then every
 * later column projected out.  Runtime sizes: the arrays are pointers to variable-length
 * rows allocated in main, which holds the data region around the kernel call. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define M_ROWS 320
#define N_COLS 150
#define DATA_TYPE double

int check_gramschmidt(int m, int n, const double *q, const double *r);

static void init_array(int m, int n, DATA_TYPE A[m][n], DATA_TYPE R[n][n], DATA_TYPE Q[m][n])
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            A[i][j] = (DATA_TYPE)(((i + 1) * (j + 1)) % m) / m + (i == j ? 2.0 : 0.0);
            Q[i][j] = 0.0;
        }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            R[i][j] = 0.0;
}

static void kernel_gramschmidt(int m, int n, DATA_TYPE A[m][n], DATA_TYPE R[n][n],
                               DATA_TYPE Q[m][n])
{
    for (int k = 0; k < n; k++) {
        DATA_TYPE nrm = 0.0;
        #pragma acc parallel loop reduction(+:nrm) present(A[0:m][0:n])
        for (int i = 0; i < m; i++)
            nrm += A[i][k] * A[i][k];
        R[k][k] = sqrt(nrm);
        #pragma acc update device(R[k:1][k:1])
        #pragma acc parallel loop present(A[0:m][0:n], R[0:n][0:n], Q[0:m][0:n])
        for (int i = 0; i < m; i++)
            Q[i][k] = A[i][k] / R[k][k];
        #pragma acc parallel loop gang present(A[0:m][0:n], R[0:n][0:n], Q[0:m][0:n])
        for (int j = k + 1; j < n; j++) {
            DATA_TYPE s = 0.0;
            #pragma acc loop vector reduction(+:s)
            for (int i = 0; i < m; i++)
                s += Q[i][k] * A[i][j];
            R[k][j] = s;
            #pragma acc loop vector
            for (int i = 0; i < m; i++)
                A[i][j] = A[i][j] - Q[i][k] * s;
        }
    }
}

static double checksum(int n, DATA_TYPE R[n][n])
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = i; j < n; j++)
            s += R[i][j] * ((i + j) % 3 + 1);
    return s;
}

int main(void)
{
    int m = M_ROWS, n = N_COLS;
    DATA_TYPE (*A)[n] = malloc(sizeof(DATA_TYPE[m][n]));
    DATA_TYPE (*R)[n] = malloc(sizeof(DATA_TYPE[n][n]));
    DATA_TYPE (*Q)[n] = malloc(sizeof(DATA_TYPE[m][n]));
    init_array(m, n, A, R, Q);
    #pragma acc data copy(A[0:m][0:n], R[0:n][0:n]) copyout(Q[0:m][0:n])
    kernel_gramschmidt(m, n, A, R, Q);
    printf("checksum %.6f\n", checksum(n, R));
    int bad = check_gramschmidt(m, n, &Q[0][0], &R[0][0]);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    free(A), free(R), free(Q);
    return 0;
}
