/* Driver (Parboil stencil layout): generate the input grid, map both grids for the whole time
 * loop, swap the pointers after every step, compare with a serial reference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"

static void generate_data(float *A0, int nx, int ny, int nz)
{
    unsigned s = 12345u;
    for (int k = 0; k < nz; k++)
        for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++) {
                s = s * 1103515245u + 12345u;
                A0[Index3D(nx, ny, i, j, k)] = (float)((s >> 8) % 1000) / 1000.0f;
            }
}

int main(int argc, char **argv)
{
    int nx = 48, ny = 40, nz = 32, iteration = 20;
    float c0 = -0.5f, c1 = 1.0f / 12.0f;
    if (argc > 1)
        iteration = atoi(argv[1]);
    int size = nx * ny * nz;

    float *h_A0 = (float *)malloc(sizeof(float) * size);
    float *h_Anext = (float *)malloc(sizeof(float) * size);
    float *start = (float *)malloc(sizeof(float) * size);
    generate_data(h_A0, nx, ny, nz);
    memcpy(start, h_A0, sizeof(float) * size);

    #pragma acc data copy(h_A0[0:size]) create(h_Anext[0:size])
    {
        copy_boundary(h_A0, h_Anext, nx, ny, nz);
        for (int t = 0; t < iteration; t++) {
            cpu_stencil(c0, c1, h_A0, h_Anext, nx, ny, nz);
            float *temp = h_A0;
            h_A0 = h_Anext;
            h_Anext = temp;
        }
    }
    /* iteration is even: the result is back in the first buffer */
    float *result = h_A0;
    printf("A[centre] = %.6f\n", result[Index3D(nx, ny, nx / 2, ny / 2, nz / 2)]);
    int bad = check_stencil(start, result, nx, ny, nz, iteration, c0, c1);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    free(h_A0);
    free(h_Anext);
    free(start);
    return 0;
}
