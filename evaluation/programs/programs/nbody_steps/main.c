#include <math.h>
#include <stdio.h>
#include <stdlib.h>

double simulate(int n, int steps, double dt, double *x, double *y, double *z, double *vx,
                double *vy, double *vz, const double *m, double *ax, double *ay, double *az);

int main(void)
{
    int n = 360, steps = 8;
    double dt = 0.01;
    double *b[10], *r[9];
    for (int k = 0; k < 10; k++) b[k] = malloc(n * sizeof *b[k]);
    for (int k = 0; k < 9; k++) r[k] = malloc(n * sizeof *r[k]);
    double *x = b[0], *y = b[1], *z = b[2], *vx = b[3], *vy = b[4], *vz = b[5], *m = b[6];
    for (int i = 0; i < n; i++) {
        double t = 0.1 * i;
        x[i] = cos(t) * (1.0 + 0.002 * i);
        y[i] = sin(t) * (1.0 + 0.002 * i);
        z[i] = 0.01 * (i % 7);
        vx[i] = -0.3 * y[i];
        vy[i] = 0.3 * x[i];
        vz[i] = 0.0;
        m[i] = 1.0 / n * (1.0 + (i % 3));
        for (int k = 0; k < 6; k++) r[k][i] = b[k][i];
    }
    double ek = simulate(n, steps, dt, x, y, z, vx, vy, vz, m, b[7], b[8], b[9]);
    /* serial reference */
    double *rx = r[0], *ry = r[1], *rz = r[2], *rvx = r[3], *rvy = r[4], *rvz = r[5];
    double *fx = r[6], *fy = r[7], *fz = r[8];
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < n; i++) {
            fx[i] = fy[i] = fz[i] = 0.0;
            for (int j = 0; j < n; j++) {
                double dx = rx[j] - rx[i], dy = ry[j] - ry[i], dz = rz[j] - rz[i];
                double r2 = dx * dx + dy * dy + dz * dz + 1e-4;
                double f = m[j] / (r2 * sqrt(r2));
                fx[i] += f * dx;
                fy[i] += f * dy;
                fz[i] += f * dz;
            }
        }
        for (int i = 0; i < n; i++) {
            rvx[i] += dt * fx[i]; rvy[i] += dt * fy[i]; rvz[i] += dt * fz[i];
            rx[i] += dt * rvx[i]; ry[i] += dt * rvy[i]; rz[i] += dt * rvz[i];
        }
    }
    double rek = 0.0;
    for (int i = 0; i < n; i++)
        rek += 0.5 * m[i] * (rvx[i] * rvx[i] + rvy[i] * rvy[i] + rvz[i] * rvz[i]);
    int bad = fabs(ek - rek) > 1e-10 * rek;
    for (int k = 0; k < 6; k++)
        for (int i = 0; i < n; i++) bad += fabs(b[k][i] - r[k][i]) > 1e-10;
    printf("kinetic energy %.9f\n", ek);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
