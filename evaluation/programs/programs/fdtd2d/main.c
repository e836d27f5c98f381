#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void fdtd2d(int nx, int ny, int steps, const double src[steps],
            double ex[nx][ny], double ey[nx][ny], double hz[nx][ny]);

static void init(int nx, int ny, double ex[nx][ny], double ey[nx][ny], double hz[nx][ny])
{
    for (int i = 0; i < nx; i++)
        for (int j = 0; j < ny; j++) {
            ex[i][j] = (i * (j + 1) % 13) / 13.0;
            ey[i][j] = (i * (j + 2) % 7) / 7.0;
            hz[i][j] = (i * (j + 3) % 5) / 5.0;
        }
}

static void reference(int nx, int ny, int steps, const double *src, double ex[nx][ny],
                      double ey[nx][ny], double hz[nx][ny])
{
    for (int t = 0; t < steps; t++) {
        for (int j = 0; j < ny; j++) ey[0][j] = src[t];
        for (int i = 1; i < nx; i++)
            for (int j = 0; j < ny; j++) ey[i][j] -= 0.5 * (hz[i][j] - hz[i - 1][j]);
        for (int i = 0; i < nx; i++)
            for (int j = 1; j < ny; j++) ex[i][j] -= 0.5 * (hz[i][j] - hz[i][j - 1]);
        for (int i = 0; i < nx - 1; i++)
            for (int j = 0; j < ny - 1; j++)
                hz[i][j] -= 0.7 * (ex[i][j + 1] - ex[i][j] + ey[i + 1][j] - ey[i][j]);
    }
}

int main(void)
{
    enum { NX = 160, NY = 180, STEPS = 50 };
    double (*ex)[NY] = malloc(sizeof(double[NX][NY])), (*ey)[NY] = malloc(sizeof(double[NX][NY]));
    double (*hz)[NY] = malloc(sizeof(double[NX][NY]));
    double (*rx)[NY] = malloc(sizeof(double[NX][NY])), (*ry)[NY] = malloc(sizeof(double[NX][NY]));
    double (*rh)[NY] = malloc(sizeof(double[NX][NY]));
    double src[STEPS];
    for (int t = 0; t < STEPS; t++) src[t] = sin(0.3 * t);
    init(NX, NY, ex, ey, hz);
    init(NX, NY, rx, ry, rh);
    fdtd2d(NX, NY, STEPS, src, ex, ey, hz);
    reference(NX, NY, STEPS, src, rx, ry, rh);
    int bad = 0;
    for (int i = 0; i < NX; i++)
        for (int j = 0; j < NY; j++)
            bad += fabs(ex[i][j] - rx[i][j]) > 1e-9 || fabs(ey[i][j] - ry[i][j]) > 1e-9
                   || fabs(hz[i][j] - rh[i][j]) > 1e-9;
    printf("hz[%d][%d] = %.6f\n", NX / 2, NY / 2, hz[NX / 2][NY / 2]);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
