/* Explicit heat equation on a 3-D grid (7-point stencil), time loop in a caller: one kernel
 * writes the new temperatures into a second grid, a second kernel copies them back.  Every
 * `probe_every` steps the host records the temperature at the centre (update self of one
 * element); the grids stay on the device between steps. */
#define IDX(i, j, k) (((i) * n + (j)) * n + (k))

static void stencil(int n, double alpha, const double *restrict u, double *restrict v)
{
    #pragma acc parallel loop collapse(3) present(u[0:n*n*n], v[0:n*n*n])
    for (int i = 1; i < n - 1; i++)
        for (int j = 1; j < n - 1; j++)
            for (int k = 1; k < n - 1; k++)
                v[IDX(i, j, k)] = u[IDX(i, j, k)]
                    + alpha * (u[IDX(i - 1, j, k)] + u[IDX(i + 1, j, k)]
                               + u[IDX(i, j - 1, k)] + u[IDX(i, j + 1, k)]
                               + u[IDX(i, j, k - 1)] + u[IDX(i, j, k + 1)]
                               - 6.0 * u[IDX(i, j, k)]);
}

static void copy_back(int n, double *restrict u, const double *restrict v)
{
    #pragma acc parallel loop collapse(3) present(u[0:n*n*n], v[0:n*n*n])
    for (int i = 1; i < n - 1; i++)
        for (int j = 1; j < n - 1; j++)
            for (int k = 1; k < n - 1; k++)
                u[IDX(i, j, k)] = v[IDX(i, j, k)];
}

void heat3d(int n, int steps, int probe_every, double *u, double *v, double *probe)
{
    int c = IDX(n / 2, n / 2, n / 2);
    #pragma acc data copy(u[0:n*n*n]) create(v[0:n*n*n])
    {
        for (int t = 0; t < steps; t++) {
            stencil(n, 0.12, u, v);
            copy_back(n, u, v);
            if ((t + 1) % probe_every == 0) {
                #pragma acc update self(u[c:1])
                probe[t / probe_every] = u[c];
            }
        }
    }
}
