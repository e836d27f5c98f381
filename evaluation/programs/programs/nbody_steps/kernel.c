/* Gravitational n-body time stepping: each step computes the softened accelerations of all
 * pairs (O(n^2), one body per thread, the partner loop sequential), then advances velocities
 * and positions; the time loop is in the caller, the kernels in functions that find the
 * bodies present.  The kinetic energy is reduced at the end. */
#include <math.h>

static void accelerations(int n, const double *restrict x, const double *restrict y,
                          const double *restrict z, const double *restrict m,
                          double *restrict ax, double *restrict ay, double *restrict az)
{
    #pragma acc parallel loop gang vector present(x[0:n], y[0:n], z[0:n], m[0:n], ax[0:n], \
        ay[0:n], az[0:n])
    for (int i = 0; i < n; i++) {
        double sx = 0.0, sy = 0.0, sz = 0.0;
        #pragma acc loop seq
        for (int j = 0; j < n; j++) {
            double dx = x[j] - x[i], dy = y[j] - y[i], dz = z[j] - z[i];
            double r2 = dx * dx + dy * dy + dz * dz + 1e-4;
            double f = m[j] / (r2 * sqrt(r2));
            sx += f * dx;
            sy += f * dy;
            sz += f * dz;
        }
        ax[i] = sx;
        ay[i] = sy;
        az[i] = sz;
    }
}

static void advance(int n, double dt, double *restrict x, double *restrict y, double *restrict z,
                    double *restrict vx, double *restrict vy, double *restrict vz,
                    const double *restrict ax, const double *restrict ay,
                    const double *restrict az)
{
    #pragma acc parallel loop present(x[0:n], y[0:n], z[0:n], vx[0:n], vy[0:n], vz[0:n], \
        ax[0:n], ay[0:n], az[0:n])
    for (int i = 0; i < n; i++) {
        vx[i] += dt * ax[i];
        vy[i] += dt * ay[i];
        vz[i] += dt * az[i];
        x[i] += dt * vx[i];
        y[i] += dt * vy[i];
        z[i] += dt * vz[i];
    }
}

double simulate(int n, int steps, double dt, double *x, double *y, double *z, double *vx,
                double *vy, double *vz, const double *m, double *ax, double *ay, double *az)
{
    double ekin = 0.0;
    #pragma acc data copy(x[0:n], y[0:n], z[0:n], vx[0:n], vy[0:n], vz[0:n]) copyin(m[0:n]) \
        create(ax[0:n], ay[0:n], az[0:n])
    {
        for (int s = 0; s < steps; s++) {
            accelerations(n, x, y, z, m, ax, ay, az);
            advance(n, dt, x, y, z, vx, vy, vz, ax, ay, az);
        }
        #pragma acc parallel loop reduction(+:ekin) present(vx[0:n], vy[0:n], vz[0:n], m[0:n])
        for (int i = 0; i < n; i++)
            ekin += 0.5 * m[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
    }
    return ekin;
}
