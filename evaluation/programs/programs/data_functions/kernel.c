/* A data region spanning calls: the caller maps the vectors once, the callees' compute
 * constructs find them present (conjugate-gradient-like building blocks). */
static void axpy(int n, double a, const double *x, double *y)
{
    #pragma acc parallel loop present(x[0:n], y[0:n])
    for (int i = 0; i < n; i++)
        y[i] += a * x[i];
}

static double dotp(int n, const double *x, const double *y)
{
    double s = 0.0;
    #pragma acc parallel loop reduction(+:s) present(x[0:n], y[0:n])
    for (int i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}

double iterate(int n, int iters, double *x, double *r, const double *p)
{
    double rr = 0.0;
    #pragma acc data copy(x[0:n], r[0:n]) copyin(p[0:n])
    {
        for (int k = 0; k < iters; k++) {
            double a = 0.5 / (1.0 + dotp(n, p, p));
            axpy(n, a, p, x);
            axpy(n, -a, p, r);
            rr = dotp(n, r, r);
        }
    }
    return rr;
}
