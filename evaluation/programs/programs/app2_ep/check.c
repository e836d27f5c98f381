/* Independent reference: one sequential stream of 2^(M+1) deviates from the seed (no
 * skip-ahead), the same acceptance and tallies. */
#include <math.h>
#include <stdint.h>

static uint64_t lcg(uint64_t *s)
{
    const uint64_t mask = (1ULL << 46) - 1;
    *s = (*s * 1220703125ULL) & mask;
    return *s;
}

int check_ep(double sx, double sy, const double *q, int nq, int m)
{
    uint64_t s = 271828183ULL;
    double rx = 0.0, ry = 0.0, rq[16] = {0};
    long pairs = 1L << m;
    const double r46 = 1.0 / (double)(1ULL << 46);
    for (long p = 0; p < pairs; p++) {
        double x1 = 2.0 * (lcg(&s) * r46) - 1.0;
        double x2 = 2.0 * (lcg(&s) * r46) - 1.0;
        double t1 = x1 * x1 + x2 * x2;
        if (t1 <= 1.0) {
            double t2 = sqrt(-2.0 * log(t1) / t1);
            double t3 = x1 * t2, t4 = x2 * t2;
            int l = (int)fmax(fabs(t3), fabs(t4));
            rq[l] += 1.0;
            rx += t3;
            ry += t4;
        }
    }
    int bad = fabs(rx - sx) > 1e-9 * fabs(rx) || fabs(ry - sy) > 1e-9 * fabs(ry);
    for (int i = 0; i < nq; i++)
        bad += rq[i] != q[i];
    return bad;
}
