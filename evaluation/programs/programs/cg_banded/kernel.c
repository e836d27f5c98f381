/* Conjugate gradient on a sparse symmetric positive definite matrix in CSR form: the
 * iteration loop calls small functions (sparse matrix-vector product, dot products, vector
 * updates) whose compute constructs find the data present, mapped once by the solver.  The
 * host only sees the scalars (dot products) and stops on the residual norm. */
#include <math.h>

static void spmv(int n, int nnz, const int *restrict rowptr, const int *restrict col,
                 const double *restrict val, const double *restrict x, double *restrict y)
{
    #pragma acc parallel loop gang vector present(rowptr[0:n+1], col[0:nnz], val[0:nnz], x[0:n], y[0:n])
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        #pragma acc loop seq
        for (int k = rowptr[i]; k < rowptr[i + 1]; k++)
            s += val[k] * x[col[k]];
        y[i] = s;
    }
}

static double dot(int n, const double *restrict a, const double *restrict b)
{
    double s = 0.0;
    #pragma acc parallel loop reduction(+:s) present(a[0:n], b[0:n])
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* y += alpha * x */
static void axpy(int n, double alpha, const double *restrict x, double *restrict y)
{
    #pragma acc parallel loop present(x[0:n], y[0:n])
    for (int i = 0; i < n; i++)
        y[i] += alpha * x[i];
}

/* y = x + beta * y */
static void xpby(int n, const double *restrict x, double beta, double *restrict y)
{
    #pragma acc parallel loop present(x[0:n], y[0:n])
    for (int i = 0; i < n; i++)
        y[i] = x[i] + beta * y[i];
}

int cg(int n, int nnz, const int *restrict rowptr, const int *restrict col,
       const double *restrict val, const double *restrict b, double *restrict x,
       double *restrict r, double *restrict p, double *restrict ap, int max_iter, double tol,
       double *resid)
{
    int it = 0;
    double rr;
    #pragma acc data copyin(rowptr[0:n+1], col[0:nnz], val[0:nnz], b[0:n]) copy(x[0:n]) \
        create(r[0:n], p[0:n], ap[0:n])
    {
        spmv(n, nnz, rowptr, col, val, x, ap);
        #pragma acc parallel loop present(b[0:n], ap[0:n], r[0:n], p[0:n])
        for (int i = 0; i < n; i++) {
            r[i] = b[i] - ap[i];
            p[i] = r[i];
        }
        rr = dot(n, r, r);
        while (it < max_iter && sqrt(rr) > tol) {
            spmv(n, nnz, rowptr, col, val, p, ap);
            double alpha = rr / dot(n, p, ap);
            axpy(n, alpha, p, x);
            axpy(n, -alpha, ap, r);
            double rr_new = dot(n, r, r);
            xpby(n, r, rr_new / rr, p);
            rr = rr_new;
            it++;
        }
    }
    *resid = sqrt(rr);
    return it;
}
