/* Independent reference: neighbour boxes found from the box coordinates directly. */
#include <math.h>
#include <stdlib.h>
#include "main.h"

int check_forces(const dim_str *dim, const FOUR_VECTOR *rv, const double *qv,
                 const FOUR_VECTOR *fv, double alpha)
{
    int nb = dim->boxes1d_arg, bad = 0;
    double a2 = 2.0 * alpha * alpha;
    for (int b = 0; b < dim->number_boxes; b++) {
        int bx = b % nb, by = (b / nb) % nb, bz = b / (nb * nb);
        for (int p = 0; p < NUMBER_PAR_PER_BOX; p++) {
            const FOUR_VECTOR *ri = &rv[b * NUMBER_PAR_PER_BOX + p];
            double f[4] = {0, 0, 0, 0};
            for (int dz = -1; dz <= 1; dz++)
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int x = bx + dx, y = by + dy, z = bz + dz;
                        if (x < 0 || y < 0 || z < 0 || x >= nb || y >= nb || z >= nb)
                            continue;
                        int o = ((z * nb + y) * nb + x) * NUMBER_PAR_PER_BOX;
                        for (int q = 0; q < NUMBER_PAR_PER_BOX; q++) {
                            const FOUR_VECTOR *rj = &rv[o + q];
                            double r2 = ri->v + rj->v - (ri->x * rj->x + ri->y * rj->y + ri->z * rj->z);
                            double vij = exp(-a2 * r2), fs = 2.0 * vij;
                            f[0] += qv[o + q] * vij;
                            f[1] += qv[o + q] * fs * (ri->x - rj->x);
                            f[2] += qv[o + q] * fs * (ri->y - rj->y);
                            f[3] += qv[o + q] * fs * (ri->z - rj->z);
                        }
                    }
            const FOUR_VECTOR *g = &fv[b * NUMBER_PAR_PER_BOX + p];
            bad += fabs(f[0] - g->v) > 1e-9 * (1 + fabs(f[0])) || fabs(f[1] - g->x) > 1e-9 * (1 + fabs(f[1]))
                   || fabs(f[2] - g->y) > 1e-9 * (1 + fabs(f[2])) || fabs(f[3] - g->z) > 1e-9 * (1 + fabs(f[3]));
        }
    }
    return bad;
}
