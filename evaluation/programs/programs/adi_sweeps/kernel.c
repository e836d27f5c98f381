/* Alternating-direction implicit diffusion: each step solves one tridiagonal system per row
 * (Thomas algorithm: forward elimination then back substitution, sequential along the row,
 * rows independent), then one per column.  The elimination coefficients live in scratch grids
 * that never leave the device. */
void adi(int n, int steps, double r, double *restrict u, double *restrict v,
         double *restrict cp, double *restrict dp)
{
    double a = -r, b = 1.0 + 2.0 * r, c = -r;
    #pragma acc data copy(u[0:n*n]) create(v[0:n*n], cp[0:n*n], dp[0:n*n])
    for (int t = 0; t < steps; t++) {
        /* row sweep: (I - r Dxx) v = u, one system per row i */
        #pragma acc parallel loop gang vector present(u[0:n*n], v[0:n*n], cp[0:n*n], dp[0:n*n])
        for (int i = 0; i < n; i++) {
            cp[i * n] = c / b;
            dp[i * n] = u[i * n] / b;
            #pragma acc loop seq
            for (int j = 1; j < n; j++) {
                double m = b - a * cp[i * n + j - 1];
                cp[i * n + j] = c / m;
                dp[i * n + j] = (u[i * n + j] - a * dp[i * n + j - 1]) / m;
            }
            v[i * n + n - 1] = dp[i * n + n - 1];
            #pragma acc loop seq
            for (int j = n - 2; j >= 0; j--)
                v[i * n + j] = dp[i * n + j] - cp[i * n + j] * v[i * n + j + 1];
        }
        /* column sweep: (I - r Dyy) u = v, one system per column j */
        #pragma acc parallel loop gang vector present(u[0:n*n], v[0:n*n], cp[0:n*n], dp[0:n*n])
        for (int j = 0; j < n; j++) {
            cp[j] = c / b;
            dp[j] = v[j] / b;
            #pragma acc loop seq
            for (int i = 1; i < n; i++) {
                double m = b - a * cp[(i - 1) * n + j];
                cp[i * n + j] = c / m;
                dp[i * n + j] = (v[i * n + j] - a * dp[(i - 1) * n + j]) / m;
            }
            u[(n - 1) * n + j] = dp[(n - 1) * n + j];
            #pragma acc loop seq
            for (int i = n - 2; i >= 0; i--)
                u[i * n + j] = dp[i * n + j] - cp[i * n + j] * u[(i + 1) * n + j];
        }
    }
}
