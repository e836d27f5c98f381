#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct { double sum, prod, mx, mn; long band, bor, bxor; int land, lor; } stats_t;
void reduce_all(int n, const double *x, const long *bits, stats_t *out);

int main(void)
{
    int n = 1000000;
    double *x = malloc(n * sizeof *x);
    long *bits = malloc(n * sizeof *bits);
    unsigned s = 12345;
    for (int i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        x[i] = (s >> 8) % 10000 / 100.0;
        bits[i] = (long)(s | 0x10001u) ^ ((long)i << 20);
    }
    stats_t g, r = {0.0, 1.0, -1e300, 1e300, ~0L, 0, 0, 1, 0};
    reduce_all(n, x, bits, &g);
    for (int i = 0; i < n; i++) {
        r.sum += x[i]; r.prod *= 1.0 + x[i] * 1e-7;
        if (x[i] > r.mx) r.mx = x[i];
        if (x[i] < r.mn) r.mn = x[i];
        r.band &= bits[i]; r.bor |= bits[i]; r.bxor ^= bits[i];
        r.land = r.land && (x[i] > -1.0); r.lor = r.lor || (x[i] > 99.5);
    }
    int ok = fabs(g.sum - r.sum) <= 1e-9 * fabs(r.sum) && fabs(g.prod - r.prod) <= 1e-9 * r.prod
             && g.mx == r.mx && g.mn == r.mn && g.band == r.band && g.bor == r.bor
             && g.bxor == r.bxor && g.land == r.land && g.lor == r.lor;
    printf("sum %.3f prod %.6f max %.2f min %.2f\n", g.sum, g.prod, g.mx, g.mn);
    printf(ok ? "VERIFIED\n" : "FAILED\n");
    return 0;
}
