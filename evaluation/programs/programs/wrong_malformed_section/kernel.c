/* WRONG: a malformed section B[0,n*n] (a comma expression: one element, not n*n). */
void transpose(int n, const double *A, double *B)
{
    #pragma acc parallel loop collapse(2) copyin(A[0:n*n]) copyout(B[0,n*n])
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            B[j * n + i] = A[i * n + j];
}
