/* Independent reference of the filter: particles as structs, the likelihood computed
 * directly from the disc offsets, the CDF search as a binary search. */
#include <math.h>
#include <stdlib.h>

typedef struct { double x, y, w; unsigned int s; } particle;

static double unif(unsigned int *s)
{
    *s = (1103515245u * *s + 12345u) & 0x7fffffffu;
    return (*s + 0.5) / 2147483648.0;
}

static double gauss(unsigned int *s)
{
    double u = unif(s), v = unif(s);
    return sqrt(-2 * log(u)) * cos(2 * 3.1415926535897932 * v);
}

static int rnd(double v)
{
    int n = (int)v;
    return v - n < .5 ? n : n + 1;
}

int check_filter(const unsigned char *I, int IszX, int IszY, int Nfr, const unsigned int *seed0,
                 int N, const double *xe_out, const double *ye_out,
                 const double *arrayX, const double *arrayY)
{
    particle *p = malloc(sizeof *p * N), *q = malloc(sizeof *q * N);
    double *cdf = malloc(sizeof(double) * N);
    int max_size = IszX * IszY * Nfr, bad = 0;
    double x0 = rnd(IszY / 2.0), y0 = rnd(IszX / 2.0);
    for (int i = 0; i < N; i++) {
        p[i].x = x0;
        p[i].y = y0;
        p[i].w = 1.0 / N;
        p[i].s = seed0[i];
    }
    for (int k = 1; k < Nfr; k++) {
        double sum = 0.0;
        for (int i = 0; i < N; i++) {
            p[i].x += 1 + 5 * gauss(&p[i].s);
            p[i].y += -2 + 2 * gauss(&p[i].s);
            int cx = rnd(p[i].x), cy = rnd(p[i].y), cnt = 0;
            double l = 0.0;
            for (int dx = -5; dx <= 5; dx++)
                for (int dy = -5; dy <= 5; dy++) {
                    if (dx * dx + dy * dy > 25) continue;
                    int id = abs((cx + dx) * IszY * Nfr + (cy + dy) * Nfr + k);
                    if (id >= max_size) id = 0;
                    double v = I[id];
                    l += ((v - 100) * (v - 100) - (v - 228) * (v - 228)) / 50.0;
                    cnt++;
                }
            p[i].w *= exp(l / cnt);
            sum += p[i].w;
        }
        double xe = 0.0, ye = 0.0;
        for (int i = 0; i < N; i++) {
            p[i].w /= sum;
            xe += p[i].x * p[i].w;
            ye += p[i].y * p[i].w;
        }
        bad += fabs(xe - xe_out[k]) > 1e-6 * (1 + fabs(xe)) || fabs(ye - ye_out[k]) > 1e-6 * (1 + fabs(ye));
        cdf[0] = p[0].w;
        for (int i = 1; i < N; i++) cdf[i] = cdf[i - 1] + p[i].w;
        double u1 = unif(&p[0].s) / N;
        for (int j = 0; j < N; j++) {
            double uj = u1 + j / (double)N;
            int lo = 0, hi = N - 1;
            if (cdf[hi] < uj) lo = hi;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (cdf[mid] >= uj) hi = mid; else lo = mid + 1;
            }
            q[j] = p[lo];
        }
        for (int j = 0; j < N; j++) {
            p[j].x = q[j].x;
            p[j].y = q[j].y;
            p[j].w = 1.0 / N;
        }
    }
    for (int i = 0; i < N; i++)
        bad += fabs(p[i].x - arrayX[i]) > 1e-6 * (1 + fabs(p[i].x)) || fabs(p[i].y - arrayY[i]) > 1e-6 * (1 + fabs(p[i].y));
    free(p);
    free(q);
    free(cdf);
    return bad;
}
