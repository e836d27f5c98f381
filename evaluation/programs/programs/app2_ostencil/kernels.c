/* 7-point Jacobi stencil (Parboil / SPEC ACCEL ostencil kind): the interior of Anext is
 * computed from A0; the faces are copied once by copy_boundary and never change.  Both grids
 * are mapped by the caller's data region. */
#include "common.h"

void cpu_stencil(float c0, float c1, float *A0, float *Anext, const int nx, const int ny,
                 const int nz)
{
    int i, j, k;
    #pragma acc parallel loop collapse(2) present(A0[0:nx*ny*nz], Anext[0:nx*ny*nz]) \
        private(i)
    for (k = 1; k < nz - 1; k++) {
        for (j = 1; j < ny - 1; j++) {
            #pragma acc loop vector
            for (i = 1; i < nx - 1; i++) {
                Anext[Index3D(nx, ny, i, j, k)] =
                    (A0[Index3D(nx, ny, i, j, k + 1)] + A0[Index3D(nx, ny, i, j, k - 1)] +
                     A0[Index3D(nx, ny, i, j + 1, k)] + A0[Index3D(nx, ny, i, j - 1, k)] +
                     A0[Index3D(nx, ny, i + 1, j, k)] + A0[Index3D(nx, ny, i - 1, j, k)]) * c1
                    - A0[Index3D(nx, ny, i, j, k)] * c0;
            }
        }
    }
}

/* the six faces of A0 into Anext */
void copy_boundary(const float *A0, float *Anext, const int nx, const int ny, const int nz)
{
    int i, j, k;
    #pragma acc parallel present(A0[0:nx*ny*nz], Anext[0:nx*ny*nz])
    {
        #pragma acc loop collapse(2)
        for (j = 0; j < ny; j++)
            for (i = 0; i < nx; i++) {
                Anext[Index3D(nx, ny, i, j, 0)] = A0[Index3D(nx, ny, i, j, 0)];
                Anext[Index3D(nx, ny, i, j, nz - 1)] = A0[Index3D(nx, ny, i, j, nz - 1)];
            }
        #pragma acc loop collapse(2)
        for (k = 0; k < nz; k++)
            for (i = 0; i < nx; i++) {
                Anext[Index3D(nx, ny, i, 0, k)] = A0[Index3D(nx, ny, i, 0, k)];
                Anext[Index3D(nx, ny, i, ny - 1, k)] = A0[Index3D(nx, ny, i, ny - 1, k)];
            }
        #pragma acc loop collapse(2)
        for (k = 0; k < nz; k++)
            for (j = 0; j < ny; j++) {
                Anext[Index3D(nx, ny, 0, j, k)] = A0[Index3D(nx, ny, 0, j, k)];
                Anext[Index3D(nx, ny, nx - 1, j, k)] = A0[Index3D(nx, ny, nx - 1, j, k)];
            }
    }
}
