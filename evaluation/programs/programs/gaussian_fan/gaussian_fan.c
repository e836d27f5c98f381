/* Gaussian elimination (gaussian kind), single precision, one file: for each pivot row t the
 * multipliers of the rows below go into a separate n*n array, then those rows and the right
 * hand side are reduced.  The elimination runs on the device inside one data region; the back
 * substitution runs on the host afterwards.  The right hand side is A times a vector of ones,
 * so the exact solution is all ones. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void create_system(float *a, float *b, int n)
{
    for (int i = 0; i < n; i++) {
        float row = 0.0f;
        for (int j = 0; j < n; j++) {
            float v = i == j ? (float)n : (float)((i + 2 * j) % 9) / 9.0f - 0.4f;
            a[i * n + j] = v;
            row += v;
        }
        b[i] = row;
    }
}

static void back_substitute(const float *a, const float *b, float *x, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        float s = b[i];
        for (int j = i + 1; j < n; j++)
            s -= a[i * n + j] * x[j];
        x[i] = s / a[i * n + i];
    }
}

int main(int argc, char **argv)
{
    int n = 256, verbose = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
            n = atoi(argv[++i]);
        else if (strcmp(argv[i], "-q") == 0)
            verbose = 0;
        else if (strcmp(argv[i], "-v") == 0)
            verbose = 1;
    }
    float *a = malloc((size_t)n * n * sizeof *a);
    float *m = malloc((size_t)n * n * sizeof *m);
    float *b = malloc(n * sizeof *b);
    float *x = malloc(n * sizeof *x);
    create_system(a, b, n);

    #pragma acc data copy(a[0:n*n], b[0:n]) create(m[0:n*n])
    {
        for (int t = 0; t < n - 1; t++) {
            #pragma acc parallel loop present(a[0:n*n], m[0:n*n])
            for (int i = t + 1; i < n; i++)
                m[i * n + t] = a[i * n + t] / a[t * n + t];
            #pragma acc parallel loop collapse(2) present(a[0:n*n], m[0:n*n])
            for (int i = t + 1; i < n; i++)
                for (int j = t; j < n; j++)
                    a[i * n + j] -= m[i * n + t] * a[t * n + j];
            #pragma acc parallel loop present(b[0:n], m[0:n*n])
            for (int i = t + 1; i < n; i++)
                b[i] -= m[i * n + t] * b[t];
        }
    }

    back_substitute(a, b, x, n);
    if (verbose)
        for (int i = 0; i < n; i++)
            printf("x[%d] = %f\n", i, x[i]);
    int bad = 0;
    double err = 0.0;
    for (int i = 0; i < n; i++) {
        double e = fabs(x[i] - 1.0);
        err = e > err ? e : err;
        bad += e > 1e-3;
    }
    printf("n %d, max |x - 1| %.2e\n", n, err);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    free(a);
    free(m);
    free(b);
    free(x);
    return 0;
}
