/* Driver for MRI-Q: synthetic k-space trajectory and voxel grid (instead of the input file),
 * the offloaded computation, and a double-precision reference on the host. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "mriq.h"

#define NUMK 400
#define NUMX 3000

static void alloc_kspace(struct kSpace *ks, int numK)
{
    ks->numK = numK;
    ks->kx = malloc(numK * sizeof(float));
    ks->ky = malloc(numK * sizeof(float));
    ks->kz = malloc(numK * sizeof(float));
    ks->phiR = malloc(numK * sizeof(float));
    ks->phiI = malloc(numK * sizeof(float));
    ks->phiMag = malloc(numK * sizeof(float));
}

static void alloc_voxels(struct voxels *vx, int numX)
{
    vx->numX = numX;
    vx->x = malloc(numX * sizeof(float));
    vx->y = malloc(numX * sizeof(float));
    vx->z = malloc(numX * sizeof(float));
    vx->Qr = calloc(numX, sizeof(float));
    vx->Qi = calloc(numX, sizeof(float));
}

static void input_data(struct kSpace *ks, struct voxels *vx)
{
    /* a spiral trajectory in k-space, a 3-D voxel grid */
    for (int k = 0; k < ks->numK; k++) {
        float t = (float)k / ks->numK;
        ks->kx[k] = 0.5f * t * cosf(40.0f * t);
        ks->ky[k] = 0.5f * t * sinf(40.0f * t);
        ks->kz[k] = t - 0.5f;
        ks->phiR[k] = 0.3f + 0.2f * cosf(7.0f * t);
        ks->phiI[k] = 0.1f * sinf(11.0f * t);
    }
    for (int i = 0; i < vx->numX; i++) {
        vx->x[i] = (float)(i % 15) / 15.0f - 0.5f;
        vx->y[i] = (float)((i / 15) % 20) / 20.0f - 0.5f;
        vx->z[i] = (float)(i / 300) / 10.0f - 0.5f;
    }
}

static int check(const struct kSpace *ks, const struct voxels *vx)
{
    int bad = 0;
    double maxq = 0.0;
    double *rr = malloc(vx->numX * sizeof(double)), *ri = malloc(vx->numX * sizeof(double));
    for (int i = 0; i < vx->numX; i++) {
        double qr = 0.0, qi = 0.0;
        for (int k = 0; k < ks->numK; k++) {
            double m = (double)ks->phiR[k] * ks->phiR[k] + (double)ks->phiI[k] * ks->phiI[k];
            double a = 2.0 * M_PI * ((double)ks->kx[k] * vx->x[i] + (double)ks->ky[k] * vx->y[i] +
                                     (double)ks->kz[k] * vx->z[i]);
            qr += m * cos(a);
            qi += m * sin(a);
        }
        rr[i] = qr, ri[i] = qi;
        if (fabs(qr) > maxq) maxq = fabs(qr);
        if (fabs(qi) > maxq) maxq = fabs(qi);
    }
    for (int i = 0; i < vx->numX; i++)
        if (fabs(vx->Qr[i] - rr[i]) > 1e-3 * maxq || fabs(vx->Qi[i] - ri[i]) > 1e-3 * maxq)
            bad++;
    free(rr), free(ri);
    return bad;
}

int main(int argc, char **argv)
{
    struct kSpace ks;
    struct voxels vx;
    alloc_kspace(&ks, NUMK);
    alloc_voxels(&vx, NUMX);
    input_data(&ks, &vx);
    mriq_run(&ks, &vx);
    double s = 0.0;
    for (int i = 0; i < vx.numX; i++)
        s += vx.Qr[i] + vx.Qi[i];
    int bad = check(&ks, &vx);
    printf("Q checksum %.4f mismatches %d\n", s, bad);
    if (bad == 0)
        printf("VERIFIED\n");
    return bad != 0;
}
