/* WRONG: an in-place Gauss-Seidel sweep (each point reads its updated west and north
 * neighbours) marked as a parallel collapsed loop. */
void gs_sweeps(int n, int sweeps, double *u)
{
    #pragma acc data copy(u[0:n*n])
    for (int s = 0; s < sweeps; s++) {
        #pragma acc parallel loop collapse(2) present(u[0:n*n])
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                u[i * n + j] = 0.25 * (u[(i - 1) * n + j] + u[(i + 1) * n + j]
                                       + u[i * n + j - 1] + u[i * n + j + 1]);
    }
}
