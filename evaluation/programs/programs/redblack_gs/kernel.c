/* In-place Gauss-Seidel with red-black ordering: points of one colour only read points of
 * the other colour, so each half-sweep is parallel. */
void redblack(int n, int sweeps, double *u, const double *f)
{
    double h2 = 1.0 / ((n - 1) * (n - 1));
    #pragma acc data copy(u[0:n*n]) copyin(f[0:n*n])
    for (int s = 0; s < sweeps; s++) {
        for (int color = 0; color < 2; color++) {
            #pragma acc parallel loop gang present(u[0:n*n], f[0:n*n])
            for (int i = 1; i < n - 1; i++) {
                #pragma acc loop vector
                for (int j = 1 + (i + color + 1) % 2; j < n - 1; j += 2)
                    u[i * n + j] = 0.25 * (u[(i - 1) * n + j] + u[(i + 1) * n + j]
                                           + u[i * n + j - 1] + u[i * n + j + 1]
                                           - h2 * f[i * n + j]);
            }
        }
    }
}
