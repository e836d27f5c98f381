#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int path_costs(int rows, int cols, const int *restrict weight, double diag_penalty,
               int snap_every, double *restrict buf_a, double *restrict buf_b,
               double *restrict out, double *restrict snaps);

int main(void)
{
    int rows = 600, cols = 1500, every = 25;
    double pen = 0.5;
    int *w = malloc(rows * cols * sizeof *w);
    unsigned s = 99u;
    for (int i = 0; i < rows * cols; i++) {
        s = s * 1103515245u + 12345u;
        w[i] = (int)((s >> 16) % 10);
    }
    double *a = malloc(cols * sizeof *a), *b = malloc(cols * sizeof *b);
    double *out = malloc(cols * sizeof *out), *snaps = malloc(256 * sizeof *snaps);
    int ns = path_costs(rows, cols, w, pen, every, a, b, out, snaps);
    /* serial reference */
    double *p = malloc(cols * sizeof *p), *c = malloc(cols * sizeof *c);
    for (int j = 0; j < cols; j++) p[j] = w[j];
    int rs = 0, bad = 0;
    for (int r = 1; r < rows; r++) {
        for (int j = 0; j < cols; j++) {
            double best = p[j];
            if (j > 0) best = fmin(best, p[j - 1] + pen);
            if (j < cols - 1) best = fmin(best, p[j + 1] + pen);
            c[j] = best + w[r * cols + j];
        }
        if (r % every == 0) {
            double m = c[0];
            for (int j = 1; j < cols; j++) m = fmin(m, c[j]);
            bad += rs >= ns || snaps[rs] != m;
            rs++;
        }
        double *t = p; p = c; c = t;
    }
    bad += ns != rs;
    double best = p[0];
    for (int j = 0; j < cols; j++) {
        bad += out[j] != p[j];
        best = fmin(best, p[j]);
    }
    printf("rows %d cols %d best path %.1f snapshots %d (reference %d)\n", rows, cols, best, ns, rs);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
