/* Sparse matrix-vector product in CSR format: a gang per row, a vector reduction over the
 * row's non-zeros (indirect reads of x). */
void spmv(int n, int nnz, const int *rowptr, const int *col, const double *val, const double *x,
          double *y)
{
    #pragma acc parallel loop gang copyin(rowptr[0:n+1], col[0:nnz], val[0:nnz], x[0:n]) \
        copyout(y[0:n])
    for (int i = 0; i < n; i++) {
        double sum = 0.0;
        #pragma acc loop vector reduction(+:sum)
        for (int k = rowptr[i]; k < rowptr[i + 1]; k++)
            sum += val[k] * x[col[k]];
        y[i] = sum;
    }
}
