/* A matrix stored as an array of row pointers (double **): the pointer array and then each
 * row are put on the device (each row attaches to the device copy of the pointer array). */
void scale_rows(int n, int m, double **A, const double *s)
{
    #pragma acc enter data copyin(A[0:n])
    for (int i = 0; i < n; i++) {
        #pragma acc enter data copyin(A[i][0:m])
    }
    #pragma acc parallel loop gang present(A[0:n]) copyin(s[0:n])
    for (int i = 0; i < n; i++) {
        #pragma acc loop vector
        for (int j = 0; j < m; j++)
            A[i][j] = A[i][j] * s[i] + j;
    }
    for (int i = 0; i < n; i++) {
        #pragma acc exit data copyout(A[i][0:m])
    }
    #pragma acc exit data delete(A[0:n])
}
