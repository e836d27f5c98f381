/* Chained matrix products (three-matrix-multiply kind): E = A*B and F = C*D are temporaries
 * that live only on the device, G = E*F comes back, then G is scaled and shifted in place
 * (G = alpha*G + beta*H) and its squared Frobenius norm is reduced. */
double mm_chain(int ni, int nj, int nk, int nl, int nm, double alpha, double beta,
                const double *restrict A, const double *restrict B, const double *restrict C,
                const double *restrict D, const double *restrict H, double *restrict E,
                double *restrict F, double *restrict G)
{
    double norm = 0.0;
    #pragma acc data copyin(A[0:ni*nk], B[0:nk*nj], C[0:nj*nm], D[0:nm*nl], H[0:ni*nl]) \
        create(E[0:ni*nj], F[0:nj*nl]) copyout(G[0:ni*nl])
    {
        #pragma acc parallel loop collapse(2) present(A[0:ni*nk], B[0:nk*nj], E[0:ni*nj])
        for (int i = 0; i < ni; i++)
            for (int j = 0; j < nj; j++) {
                double s = 0.0;
                #pragma acc loop seq
                for (int k = 0; k < nk; k++)
                    s += A[i * nk + k] * B[k * nj + j];
                E[i * nj + j] = s;
            }
        #pragma acc parallel loop collapse(2) present(C[0:nj*nm], D[0:nm*nl], F[0:nj*nl])
        for (int j = 0; j < nj; j++)
            for (int l = 0; l < nl; l++) {
                double s = 0.0;
                #pragma acc loop seq
                for (int k = 0; k < nm; k++)
                    s += C[j * nm + k] * D[k * nl + l];
                F[j * nl + l] = s;
            }
        #pragma acc parallel loop collapse(2) present(E[0:ni*nj], F[0:nj*nl], G[0:ni*nl])
        for (int i = 0; i < ni; i++)
            for (int l = 0; l < nl; l++) {
                double s = 0.0;
                #pragma acc loop seq
                for (int j = 0; j < nj; j++)
                    s += E[i * nj + j] * F[j * nl + l];
                G[i * nl + l] = s;
            }
        #pragma acc parallel loop collapse(2) present(G[0:ni*nl], H[0:ni*nl]) reduction(+:norm)
        for (int i = 0; i < ni; i++)
            for (int l = 0; l < nl; l++) {
                double g = alpha * G[i * nl + l] + beta * H[i * nl + l];
                G[i * nl + l] = g;
                norm += g * g;
            }
    }
    return norm;
}
