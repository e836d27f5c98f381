/* LU decomposition in place without pivoting (lud kind), single precision, one file: the
 * matrix is a malloc'd 1-D array indexed i*n+j; for each pivot k the column below the pivot
 * is scaled, then the trailing square is updated.  The whole factorisation runs in main
 * inside one data region; the host checks L*U against a saved copy of the input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int check_lu(const float *orig, const float *lu, int n);

static void make_matrix(float *a, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int d = i > j ? i - j : j - i;
            a[i * n + j] = i == j ? (float)(2 * n) : 1.0f / (float)(1 + d) + 0.01f * (float)((i * 7 + j * 3) % 11);
        }
}

int main(int argc, char **argv)
{
    int n = 192;
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "-s") == 0)
            n = atoi(argv[i + 1]);
    if (n < 2) {
        fprintf(stderr, "usage: %s [-s size]\n", argv[0]);
        return 1;
    }
    float *a = malloc((size_t)n * n * sizeof *a);
    float *orig = malloc((size_t)n * n * sizeof *orig);
    make_matrix(a, n);
    memcpy(orig, a, (size_t)n * n * sizeof *a);

    #pragma acc data copy(a[0:n*n])
    {
        for (int k = 0; k < n - 1; k++) {
            #pragma acc parallel loop present(a[0:n*n])
            for (int i = k + 1; i < n; i++)
                a[i * n + k] /= a[k * n + k];
            #pragma acc parallel loop collapse(2) present(a[0:n*n])
            for (int i = k + 1; i < n; i++)
                for (int j = k + 1; j < n; j++)
                    a[i * n + j] -= a[i * n + k] * a[k * n + j];
        }
    }

    double trace = 0.0;
    for (int i = 0; i < n; i++)
        trace += a[i * n + i];
    printf("n %d, trace(U) %.3f\n", n, trace);
    int bad = check_lu(orig, a, n);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    free(a);
    free(orig);
    return 0;
}
