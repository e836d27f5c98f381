/* Particle pair loop: each particle sums the softened forces of all others. */
#include <math.h>

void forces(int n, const float *x, const float *y, const float *z, const float *m,
            float *fx, float *fy, float *fz)
{
    #pragma acc parallel loop gang vector copyin(x[0:n], y[0:n], z[0:n], m[0:n]) \
        copyout(fx[0:n], fy[0:n], fz[0:n])
    for (int i = 0; i < n; i++) {
        float ax = 0.0f, ay = 0.0f, az = 0.0f;
        #pragma acc loop seq
        for (int j = 0; j < n; j++) {
            float dx = x[j] - x[i], dy = y[j] - y[i], dz = z[j] - z[i];
            float r2 = dx * dx + dy * dy + dz * dz + 1e-3f;
            float inv = m[j] / (r2 * sqrtf(r2));
            ax += dx * inv;
            ay += dy * inv;
            az += dz * inv;
        }
        fx[i] = ax;
        fy[i] = ay;
        fz[i] = az;
    }
}
