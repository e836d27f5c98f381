#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int kmeans(int n, int dim, int k, int max_iter, const double *restrict pts,
           double *restrict cent, int *restrict member, int *restrict count);

int main(void)
{
    int n = 6000, dim = 4, k = 7, max_iter = 100;
    double *pts = malloc(n * dim * sizeof *pts);
    double *cent = malloc(k * dim * sizeof *cent), *rc = malloc(k * dim * sizeof *rc);
    int *mem = malloc(n * sizeof *mem), *rm = malloc(n * sizeof *rm);
    int *cnt = malloc(k * sizeof *cnt), *rcnt = malloc(k * sizeof *rcnt);
    unsigned s = 2024;
    for (int i = 0; i < n; i++) {
        int blob = i % 5;
        for (int f = 0; f < dim; f++) {
            s = s * 1664525u + 1013904223u;
            pts[i * dim + f] = 3.0 * ((blob * (f + 2)) % 5) + ((s >> 8) % 10000) / 2500.0;
        }
        mem[i] = rm[i] = -1;
    }
    for (int c = 0; c < k * dim; c++) cent[c] = rc[c] = pts[(c / dim) * 37 * dim + c % dim];
    int it = kmeans(n, dim, k, max_iter, pts, cent, mem, cnt);
    /* serial reference */
    int rit = 0, moved = n;
    while (moved > 0 && rit < max_iter) {
        moved = 0;
        for (int i = 0; i < n; i++) {
            int best = 0;
            double bd = 1e300;
            for (int c = 0; c < k; c++) {
                double d = 0.0;
                for (int f = 0; f < dim; f++) {
                    double df = pts[i * dim + f] - rc[c * dim + f];
                    d += df * df;
                }
                if (d < bd) { bd = d; best = c; }
            }
            moved += rm[i] != best;
            rm[i] = best;
        }
        for (int c = 0; c < k; c++) rcnt[c] = 0;
        for (int c = 0; c < k * dim; c++) rc[c] = 0.0;
        for (int i = 0; i < n; i++) {
            rcnt[rm[i]]++;
            for (int f = 0; f < dim; f++) rc[rm[i] * dim + f] += pts[i * dim + f];
        }
        for (int c = 0; c < k * dim; c++)
            rc[c] = rcnt[c / dim] ? rc[c] / rcnt[c / dim] : pts[c];
        rit++;
    }
    int bad = it != rit;
    for (int i = 0; i < n; i++) bad += mem[i] != rm[i];
    for (int c = 0; c < k * dim; c++) bad += fabs(cent[c] - rc[c]) > 1e-12;
    printf("iterations %d (reference %d)\n", it, rit);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
