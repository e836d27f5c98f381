/* Solve L U x = b with the two factors packed in one row-major matrix (L unit lower below the
 * diagonal, U on and above it): forward substitution L y = b, then back substitution U x = y.
 * Row i needs every earlier (later) unknown, so the row loops are carried and run in one gang
 * (loop seq); the dot product of each row is a vector reduction.  y lives only on the device. */
void lu_substitution(int n, const double *LU, const double *b, double *x, double *y)
{
    #pragma acc data copyin(LU[0:n*n], b[0:n]) create(y[0:n]) copyout(x[0:n])
    {
        #pragma acc parallel num_gangs(1) vector_length(128) present(LU[0:n*n], b[0:n], y[0:n], x[0:n])
        {
            #pragma acc loop seq
            for (int i = 0; i < n; i++) {
                double s = 0.0;
                #pragma acc loop vector reduction(+:s)
                for (int j = 0; j < i; j++)
                    s += LU[i * n + j] * y[j];
                y[i] = b[i] - s;
            }
            #pragma acc loop seq
            for (int i = n - 1; i >= 0; i--) {
                double s = 0.0;
                #pragma acc loop vector reduction(+:s)
                for (int j = i + 1; j < n; j++)
                    s += LU[i * n + j] * x[j];
                x[i] = (y[i] - s) / LU[i * n + i];
            }
        }
    }
}
