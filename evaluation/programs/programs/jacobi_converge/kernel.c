/* Laplace solver by Jacobi iteration with a convergence test: each sweep computes the new
 * grid and the largest change (a max reduction), a second kernel copies the new grid back,
 * and the host loop stops when the change falls below the tolerance.  Both grids stay on the
 * device for the whole solve; only the final grid comes back. */
#include <math.h>

int laplace_solve(int n, int m, int max_iter, double tol, double *restrict a,
                  double *restrict anew, double *change)
{
    double err = tol + 1.0;
    int iter = 0;
    #pragma acc data copy(a[0:n*m]) create(anew[0:n*m])
    {
        while (err > tol && iter < max_iter) {
            err = 0.0;
            #pragma acc parallel loop collapse(2) reduction(max:err) present(a[0:n*m], anew[0:n*m])
            for (int i = 1; i < n - 1; i++)
                for (int j = 1; j < m - 1; j++) {
                    double v = 0.25 * (a[(i - 1) * m + j] + a[(i + 1) * m + j]
                                       + a[i * m + j - 1] + a[i * m + j + 1]);
                    anew[i * m + j] = v;
                    err = fmax(err, fabs(v - a[i * m + j]));
                }
            #pragma acc parallel loop collapse(2) present(a[0:n*m], anew[0:n*m])
            for (int i = 1; i < n - 1; i++)
                for (int j = 1; j < m - 1; j++)
                    a[i * m + j] = anew[i * m + j];
            iter++;
        }
    }
    *change = err;
    return iter;
}
