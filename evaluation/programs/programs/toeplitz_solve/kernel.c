/* Levinson-type recursion for the Yule-Walker equations T y = -r, T the symmetric Toeplitz
 * matrix with first row (1, r[0], ..., r[n-2]).  Step k needs the whole solution of step k-1:
 * the step loop stays on the host with alpha and beta as host scalars; inside a step the dot
 * product is a reduction and the reflected update goes through the scratch vector z. */
double toeplitz_solve(int n, const double *r, double *y, double *z)
{
    double beta = 1.0, alpha = -r[0];
    y[0] = -r[0];
    #pragma acc data copyin(r[0:n]) copy(y[0:n]) create(z[0:n])
    {
        for (int k = 1; k < n; k++) {
            beta = (1.0 - alpha * alpha) * beta;
            double dot = 0.0;
            #pragma acc parallel loop reduction(+:dot) present(r[0:n], y[0:n])
            for (int i = 0; i < k; i++)
                dot += r[k - i - 1] * y[i];
            alpha = -(r[k] + dot) / beta;
            #pragma acc parallel loop present(y[0:n], z[0:n])
            for (int i = 0; i < k; i++)
                z[i] = y[i] + alpha * y[k - i - 1];
            #pragma acc parallel loop present(y[0:n], z[0:n])
            for (int i = 0; i < k; i++)
                y[i] = z[i];
            y[k] = alpha;
            #pragma acc update device(y[k:1])
        }
    }
    return beta;
}
