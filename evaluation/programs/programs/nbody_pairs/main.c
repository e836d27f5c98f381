#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void forces(int n, const float *x, const float *y, const float *z, const float *m,
            float *fx, float *fy, float *fz);

int main(void)
{
    int n = 2500;
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
    float *z = malloc(n * sizeof(float)), *m = malloc(n * sizeof(float));
    float *fx = malloc(n * sizeof(float)), *fy = malloc(n * sizeof(float));
    float *fz = malloc(n * sizeof(float));
    for (int i = 0; i < n; i++) {
        x[i] = sinf(i * 0.7f) * 10; y[i] = cosf(i * 1.3f) * 10; z[i] = (i % 17) - 8.0f;
        m[i] = 1.0f + (i % 3);
    }
    forces(n, x, y, z, m, fx, fy, fz);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        float ax = 0, ay = 0, az = 0;
        for (int j = 0; j < n; j++) {
            float dx = x[j] - x[i], dy = y[j] - y[i], dz = z[j] - z[i];
            float r2 = dx * dx + dy * dy + dz * dz + 1e-3f;
            float inv = m[j] / (r2 * sqrtf(r2));
            ax += dx * inv; ay += dy * inv; az += dz * inv;
        }
        bad += fabsf(ax - fx[i]) > 1e-3f * fabsf(ax) + 1e-3f || fabsf(ay - fy[i]) > 1e-3f * fabsf(ay) + 1e-3f
               || fabsf(az - fz[i]) > 1e-3f * fabsf(az) + 1e-3f;
    }
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
