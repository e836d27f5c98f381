/* Independent reference: the same stencil written with 3-D neighbour offsets and clamping by
 * index, one step at a time into a fresh array, until the same stopping rule. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

int check_hotspot3d(const float *power, const float *start, int nx, int ny, int nz,
                    int max_iter, float tol, const float *result, int iters)
{
    int n = nx * ny * nz;
    float *cur = malloc(n * sizeof *cur), *next = malloc(n * sizeof *next);
    memcpy(cur, start, n * sizeof *cur);
    static const int d[6][3] = {{-1, 0, 0}, {1, 0, 0}, {0, -1, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1}};
    static const float k[6] = {0.025f, 0.025f, 0.025f, 0.025f, 0.02f, 0.02f};
    int it = 0;
    for (;;) {
        if (it >= max_iter)
            break;
        float change = 0.0f;
        for (int z = 0; z < nz; z++)
            for (int y = 0; y < ny; y++)
                for (int x = 0; x < nx; x++) {
                    int c = (z * ny + y) * nx + x;
                    float v = 0.82f * cur[c];
                    for (int q = 0; q < 6; q++) {
                        int xx = clampi(x + d[q][0], 0, nx - 1), yy = clampi(y + d[q][1], 0, ny - 1);
                        int zz = clampi(z + d[q][2], 0, nz - 1);
                        v += k[q] * cur[(zz * ny + yy) * nx + xx];
                    }
                    v += 0.3f * power[c] + 0.04f * 300.0f;
                    next[c] = v;
                    if (fabsf(v - cur[c]) > change)
                        change = fabsf(v - cur[c]);
                }
        float *tmp = cur;
        cur = next;
        next = tmp;
        it++;
        if (change < tol)
            break;
    }
    int bad = it != iters;
    for (int c = 0; c < n; c++)
        bad += fabsf(cur[c] - result[c]) > 1e-3f * fabsf(cur[c]);
    free(cur);
    free(next);
    return bad;
}
