/* Several matrix-vector kernels sharing a matrix and vectors (gemver / bicg / mvt kind):
 * a rank-2 update of A, x = x + beta*A^T*y + z, a host step that reads x (its largest
 * magnitude, update self), w = (alpha/xmax)*A*x, and the bicg pair s = A^T*r, q = A*p.
 * A goes to the device once and stays for all five kernels. */
#include <math.h>

double gemver(int n, double alpha, double beta, double *restrict A, const double *restrict u1,
              const double *restrict v1, const double *restrict u2, const double *restrict v2,
              double *restrict x, const double *restrict y, const double *restrict z,
              double *restrict w, const double *restrict r, const double *restrict p,
              double *restrict s, double *restrict q)
{
    double xmax = 0.0;
    #pragma acc data copy(A[0:n*n], x[0:n]) copyin(u1[0:n], v1[0:n], u2[0:n], v2[0:n], y[0:n], \
        z[0:n], r[0:n], p[0:n]) copyout(w[0:n], s[0:n], q[0:n])
    {
        #pragma acc parallel loop collapse(2) present(A[0:n*n], u1[0:n], v1[0:n], u2[0:n], v2[0:n])
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                A[i * n + j] += u1[i] * v1[j] + u2[i] * v2[j];
        #pragma acc parallel loop gang present(A[0:n*n], x[0:n], y[0:n], z[0:n])
        for (int i = 0; i < n; i++) {
            double acc = 0.0;
            #pragma acc loop vector reduction(+:acc)
            for (int j = 0; j < n; j++)
                acc += A[j * n + i] * y[j];
            x[i] += beta * acc + z[i];
        }
        #pragma acc update self(x[0:n])
        for (int i = 0; i < n; i++)
            xmax = fmax(xmax, fabs(x[i]));
        double scale = alpha / xmax;
        #pragma acc parallel loop gang present(A[0:n*n], x[0:n], w[0:n])
        for (int i = 0; i < n; i++) {
            double acc = 0.0;
            #pragma acc loop vector reduction(+:acc)
            for (int j = 0; j < n; j++)
                acc += A[i * n + j] * x[j];
            w[i] = scale * acc;
        }
        #pragma acc parallel loop gang present(A[0:n*n], r[0:n], s[0:n])
        for (int j = 0; j < n; j++) {
            double acc = 0.0;
            #pragma acc loop vector reduction(+:acc)
            for (int i = 0; i < n; i++)
                acc += r[i] * A[i * n + j];
            s[j] = acc;
        }
        #pragma acc parallel loop gang present(A[0:n*n], p[0:n], q[0:n])
        for (int i = 0; i < n; i++) {
            double acc = 0.0;
            #pragma acc loop vector reduction(+:acc)
            for (int j = 0; j < n; j++)
                acc += A[i * n + j] * p[j];
            q[i] = acc;
        }
    }
    return xmax;
}
