#ifndef MRIQ_H
#define MRIQ_H
#define PI 3.1415926535897932384626433832795029f
#define PIx2 6.2831853071795864769252867665590058f

/* k-space samples, structure of arrays */
struct kSpace {
    int numK;
    float *kx, *ky, *kz;
    float *phiR, *phiI;
    float *phiMag;
};

/* voxel coordinates and the Q output, structure of arrays */
struct voxels {
    int numX;
    float *x, *y, *z;
    float *Qr, *Qi;
};

void computePhiMag(struct kSpace *ks);
void computeQ(struct kSpace *ks, struct voxels *vx);
void mriq_run(struct kSpace *ks, struct voxels *vx);
#endif
