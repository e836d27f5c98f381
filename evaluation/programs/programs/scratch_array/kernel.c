/* A per-point scratch array (a small polynomial basis) that every iteration fills and reads:
 * it must be private. */
#define K 12

void basis_eval(int n, const double *x, const double *coef, double *y)
{
    double w[K];
    #pragma acc parallel loop private(w) copyin(x[0:n], coef[0:K]) copyout(y[0:n])
    for (int i = 0; i < n; i++) {
        w[0] = 1.0;
        for (int k = 1; k < K; k++)
            w[k] = w[k - 1] * x[i];
        double s = 0.0;
        for (int k = K - 1; k >= 0; k--)
            s += coef[k] * w[k];
        y[i] = s;
    }
}
