/* Three-point Jacobi smoothing in the PolyBench jacobi-1d shape, one file: two static
 * global arrays the kernel reaches directly (no parameters), a time-step loop inside the
 * kernel with the data region around it, the end points fixed.  main initialises, runs the
 * kernel, prints a checksum of A and asks an independent check. */
#include <stdio.h>

#define N 6000
#define TSTEPS 120
#define DATA_TYPE double

DATA_TYPE A[N];
DATA_TYPE B[N];

int check_jacobi1d(int tsteps, int n, const double *a);

static void init_array(int n)
{
    for (int i = 0; i < n; i++) {
        A[i] = ((DATA_TYPE)i + 2) / n + (i % 17 == 0 ? 1.0 : 0.0);
        B[i] = ((DATA_TYPE)i + 3) / n;
    }
}

static void kernel_jacobi_1d(int tsteps, int n)
{
    #pragma acc data copy(A[0:n]) copyin(B[0:n])
    {
        for (int t = 0; t < tsteps; t++) {
            #pragma acc parallel loop present(A[0:n], B[0:n])
            for (int i = 1; i < n - 1; i++)
                B[i] = 0.33333 * (A[i - 1] + A[i] + A[i + 1]);
            #pragma acc parallel loop present(A[0:n], B[0:n])
            for (int i = 1; i < n - 1; i++)
                A[i] = 0.33333 * (B[i - 1] + B[i] + B[i + 1]);
        }
    }
}

static double checksum(int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += A[i] * (1 + i % 9);
    return s;
}

int main(void)
{
    int n = N, tsteps = TSTEPS;
    init_array(n);
    kernel_jacobi_1d(tsteps, n);
    printf("checksum %.6f\n", checksum(n));
    int bad = check_jacobi1d(tsteps, n, A);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
