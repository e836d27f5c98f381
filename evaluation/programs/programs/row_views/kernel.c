/* A flat n x m grid reached one row at a time through pointers into it (`double *row =
 * &A[i * m]`, `src = A + i * m`): each row pointer is a view of the grid, so the loops over
 * rows are independent and the grid itself is what the data clauses move.  Per step: every
 * row is scaled to unit sum (a vector reduction over the row), smoothed into the second grid,
 * and copied back through `*(dst + j)`. */
void row_views(int n, int m, int steps, double *restrict A, double *restrict B)
{
    #pragma acc data copy(A[0:n*m]) create(B[0:n*m])
    for (int t = 0; t < steps; t++) {
        #pragma acc parallel loop gang present(A[0:n*m])
        for (int i = 0; i < n; i++) {
            double *row = &A[i * m];
            double s = 0.0;
            #pragma acc loop vector reduction(+:s)
            for (int j = 0; j < m; j++)
                s += row[j];
            #pragma acc loop vector
            for (int j = 0; j < m; j++)
                row[j] = row[j] / s;
        }
        #pragma acc parallel loop gang present(A[0:n*m], B[0:n*m])
        for (int i = 0; i < n; i++) {
            const double *src = A + i * m;
            double *dst = B + i * m;
            dst[0] = src[0];
            dst[m - 1] = src[m - 1];
            #pragma acc loop vector
            for (int j = 1; j < m - 1; j++)
                dst[j] = 0.25 * src[j - 1] + 0.5 * src[j] + 0.25 * src[j + 1];
        }
        #pragma acc parallel loop gang vector present(A[0:n*m], B[0:n*m])
        for (int i = 0; i < n; i++) {
            double *dst = A + i * m;
            const double *src = &B[i * m];
            for (int j = 0; j < m; j++)
                *(dst + j) = src[j] + 1.0 / m;
        }
    }
}
