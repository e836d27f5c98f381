/* Contraction of the last index of a 3-D tensor with a square matrix, in place:
 * T[r][q][p] = sum_s T[r][q][s] * W[s][p].  Each (r,q) fibre is independent; the new fibre
 * is built in the caller's scratch tensor (same shape, device only: create) before it
 * overwrites the old one.  A second kernel reduces the squared norm of every r-slice. */
void tensor_contract(int nr, int nq, int np, double T[nr][nq][np], const double W[np][np],
                     double *restrict work, double *restrict slice_norm)
{
    #pragma acc data copy(T[0:nr][0:nq][0:np]) copyin(W[0:np][0:np]) copyout(slice_norm[0:nr]) \
        create(work[0:nr*nq*np])
    {
        #pragma acc parallel loop gang collapse(2) \
            present(T[0:nr][0:nq][0:np], W[0:np][0:np], work[0:nr*nq*np])
        for (int r = 0; r < nr; r++)
            for (int q = 0; q < nq; q++) {
                double *fibre = work + (r * nq + q) * np;
                #pragma acc loop vector
                for (int p = 0; p < np; p++) {
                    double s = 0.0;
                    #pragma acc loop seq
                    for (int k = 0; k < np; k++)
                        s += T[r][q][k] * W[k][p];
                    fibre[p] = s;
                }
                #pragma acc loop vector
                for (int p = 0; p < np; p++)
                    T[r][q][p] = fibre[p];
            }
        #pragma acc parallel loop gang present(T[0:nr][0:nq][0:np], slice_norm[0:nr])
        for (int r = 0; r < nr; r++) {
            double s = 0.0;
            #pragma acc loop vector collapse(2) reduction(+:s)
            for (int q = 0; q < nq; q++)
                for (int p = 0; p < np; p++)
                    s += T[r][q][p] * T[r][q][p];
            slice_norm[r] = s;
        }
    }
}
