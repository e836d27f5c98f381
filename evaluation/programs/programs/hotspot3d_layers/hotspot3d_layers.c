/* 3-D thermal stencil (hotspot3D kind), single precision, one file: a stack of layers, each
 * cell updated from its six neighbours (clamped at the faces), its power and the ambient
 * temperature into a second buffer; main swaps the buffers' pointers after every step and
 * stops when the largest change of a step falls below a tolerance (or at max_iter). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int check_hotspot3d(const float *power, const float *start, int nx, int ny, int nz,
                    int max_iter, float tol, const float *result, int iters);

static void read_inputs(float *power, float *temp, int nx, int ny, int nz)
{
    for (int z = 0; z < nz; z++)
        for (int y = 0; y < ny; y++)
            for (int x = 0; x < nx; x++) {
                int c = (z * ny + y) * nx + x;
                power[c] = (x / 8 + y / 8) % 3 == 0 && z < 2 ? 0.6f : 0.05f;
                temp[c] = 320.0f + (float)((x * 3 + y * 5 + z) % 7);
            }
}

int main(int argc, char **argv)
{
    int nx = argc > 1 ? atoi(argv[1]) : 96;
    int ny = argc > 2 ? atoi(argv[2]) : 96;
    int nz = argc > 3 ? atoi(argv[3]) : 8;
    int max_iter = argc > 4 ? atoi(argv[4]) : 400;
    float tol = 0.01f;
    int n = nx * ny * nz;
    float *power = malloc(n * sizeof *power);
    float *t_a = malloc(n * sizeof *t_a);
    float *t_b = malloc(n * sizeof *t_b);
    float *start = malloc(n * sizeof *start);
    read_inputs(power, t_a, nx, ny, nz);
    for (int c = 0; c < n; c++)
        start[c] = t_a[c];

    const float cc = 0.82f, ce = 0.025f, cw = 0.025f, cn = 0.025f, cs = 0.025f;
    const float ct = 0.02f, cb = 0.02f, sdc = 0.3f, amb = 300.0f, ca = 0.04f;
    float *tin = t_a, *tout = t_b;
    int iter = 0;
    #pragma acc data copyin(power[0:n]) copy(t_a[0:n], t_b[0:n])
    {
        while (iter < max_iter) {
            float change = 0.0f;
            #pragma acc parallel loop collapse(3) reduction(max:change) \
                present(power[0:n], tin[0:n], tout[0:n])
            for (int z = 0; z < nz; z++)
                for (int y = 0; y < ny; y++)
                    for (int x = 0; x < nx; x++) {
                        int c = (z * ny + y) * nx + x;
                        int w = x == 0 ? c : c - 1, e = x == nx - 1 ? c : c + 1;
                        int nn = y == 0 ? c : c - nx, s = y == ny - 1 ? c : c + nx;
                        int b = z == 0 ? c : c - nx * ny, t = z == nz - 1 ? c : c + nx * ny;
                        float v = cc * tin[c] + cw * tin[w] + ce * tin[e] + cn * tin[nn]
                                  + cs * tin[s] + cb * tin[b] + ct * tin[t]
                                  + sdc * power[c] + ca * amb;
                        tout[c] = v;
                        change = fmaxf(change, fabsf(v - tin[c]));
                    }
            float *tmp = tin;
            tin = tout;
            tout = tmp;
            iter++;
            if (change < tol)
                break;
        }
    }

    double total = 0.0;
    for (int c = 0; c < n; c++)
        total += tin[c];
    printf("%d iterations, mean temperature %.4f\n", iter, total / n);
    int bad = check_hotspot3d(power, start, nx, ny, nz, max_iter, tol, tin, iter);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    free(power);
    free(t_a);
    free(t_b);
    free(start);
    return 0;
}
