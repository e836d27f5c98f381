/* MRI-Q (Parboil / SPEC ACCEL shape): the magnitude of each k-space sample's phi, then for
 * every voxel the sum over all samples of phiMag * (cos, sin) of the phase.  The k-space and
 * the voxels are structures of arrays passed by pointer; each kernel takes the member pointers
 * into locals.  mriq_run holds the data region; the kernels use present. */
#include <math.h>
#include "mriq.h"

void computePhiMag(struct kSpace *ks)
{
    int numK = ks->numK;
    float *restrict phiR = ks->phiR;
    float *restrict phiI = ks->phiI;
    float *restrict phiMag = ks->phiMag;
    int indexK;
    #pragma acc parallel loop present(phiR[0:numK], phiI[0:numK], phiMag[0:numK])
    for (indexK = 0; indexK < numK; indexK++) {
        float real = phiR[indexK];
        float imag = phiI[indexK];
        phiMag[indexK] = real * real + imag * imag;
    }
}

void computeQ(struct kSpace *ks, struct voxels *vx)
{
    int numK = ks->numK, numX = vx->numX;
    float *restrict kx = ks->kx, *restrict ky = ks->ky, *restrict kz = ks->kz;
    float *restrict phiMag = ks->phiMag;
    float *restrict x = vx->x, *restrict y = vx->y, *restrict z = vx->z;
    float *restrict Qr = vx->Qr, *restrict Qi = vx->Qi;
    int indexK, indexX;
    #pragma acc parallel loop gang vector vector_length(128) \
        present(kx[0:numK], ky[0:numK], kz[0:numK], phiMag[0:numK], \
                x[0:numX], y[0:numX], z[0:numX], Qr[0:numX], Qi[0:numX])
    for (indexX = 0; indexX < numX; indexX++) {
        float qr = 0.0f, qi = 0.0f;
        float xv = x[indexX], yv = y[indexX], zv = z[indexX];
        #pragma acc loop seq
        for (indexK = 0; indexK < numK; indexK++) {
            float expArg = PIx2 * (kx[indexK] * xv + ky[indexK] * yv + kz[indexK] * zv);
            qr += phiMag[indexK] * cosf(expArg);
            qi += phiMag[indexK] * sinf(expArg);
        }
        Qr[indexX] = qr;
        Qi[indexX] = qi;
    }
}

void mriq_run(struct kSpace *ks, struct voxels *vx)
{
    int numK = ks->numK, numX = vx->numX;
    float *kx = ks->kx, *ky = ks->ky, *kz = ks->kz, *phiR = ks->phiR, *phiI = ks->phiI;
    float *phiMag = ks->phiMag;
    float *x = vx->x, *y = vx->y, *z = vx->z, *Qr = vx->Qr, *Qi = vx->Qi;
    #pragma acc data copyin(kx[0:numK], ky[0:numK], kz[0:numK], phiR[0:numK], phiI[0:numK]) \
        copyin(x[0:numX], y[0:numX], z[0:numX]) create(phiMag[0:numK]) \
        copyout(Qr[0:numX], Qi[0:numX])
    {
        computePhiMag(ks);
        computeQ(ks, vx);
    }
}
