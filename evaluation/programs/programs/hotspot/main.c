#include <math.h>
#include <stdio.h>
#include <stdlib.h>

double *hotspot(int rows, int cols, int steps, const double *power, double *a, double *b);

int main(void)
{
    int rows = 180, cols = 160, steps = 41, nc = rows * cols;
    double *pw = malloc(nc * sizeof *pw), *a = malloc(nc * sizeof *a), *b = malloc(nc * sizeof *b);
    double *r = malloc(nc * sizeof *r), *s = malloc(nc * sizeof *s);
    for (int i = 0; i < nc; i++) {
        pw[i] = ((i / cols) % 40 < 8 && (i % cols) % 30 < 6) ? 3.0 : 0.1 * (i % 3);
        a[i] = r[i] = 60.0 + (i % 13);
        b[i] = 0.0;
    }
    double *res = hotspot(rows, cols, steps, pw, a, b);
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                int c = i * cols + j;
                double t0 = r[c];
                double n_ = i > 0 ? r[c - cols] : t0, s_ = i < rows - 1 ? r[c + cols] : t0;
                double w_ = j > 0 ? r[c - 1] : t0, e_ = j < cols - 1 ? r[c + 1] : t0;
                s[c] = t0 + 0.5 * (pw[c] + (n_ + s_ - 2.0 * t0) * 0.1 + (w_ + e_ - 2.0 * t0) * 0.1
                                   + (80.0 - t0) * 0.02);
            }
        double *tmp = r; r = s; s = tmp;
    }
    int bad = res != (steps % 2 ? b : a);
    for (int i = 0; i < nc; i++) bad += fabs(res[i] - r[i]) > 1e-9;
    printf("t[centre] = %.6f\n", res[(rows / 2) * cols + cols / 2]);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
