/* Independent reference for doitgen.c: each (r, q) row times C4 in double precision from
 * the regenerated inputs, compared with a single-precision tolerance; no pragmas. */
#include <math.h>
#include <stddef.h>

int check_doitgen(int nr, int nq, int np, const float *a)
{
    int bad = 0;
    for (int r = 0; r < nr; r++)
        for (int q = 0; q < nq; q++)
            for (int p = 0; p < np; p++) {
                double s = 0.0;
                for (int k = 0; k < np; k++)
                    s += (double)(float)((float)((r * q + k) % np) / np) *
                         (double)(float)((float)(k * p % np) / np);
                double got = a[((size_t)r * nq + q) * np + p];
                bad += fabs(got - s) > 1e-5 * fabs(s) + 1e-6;
            }
    return bad;
}
