/* Out-of-place 5-point Jacobi sweeps; the grids stay on the device across time steps. */
void jacobi(int n, int steps, double *restrict a, double *restrict b)
{
    #pragma acc data copy(a[0:n*n]) create(b[0:n*n])
    for (int t = 0; t < steps; t++) {
        #pragma acc parallel loop collapse(2) present(a[0:n*n], b[0:n*n])
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                b[i * n + j] = 0.25 * (a[(i - 1) * n + j] + a[(i + 1) * n + j]
                                       + a[i * n + j - 1] + a[i * n + j + 1]);
        #pragma acc parallel loop collapse(2) present(a[0:n*n], b[0:n*n])
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                a[i * n + j] = b[i * n + j];
    }
}
