#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void srad(int rows, int cols, int iters, double lambda, double *J, double *c, double *dn,
          double *ds, double *dw, double *de);

static double at(const double *img, int rows, int cols, int i, int j)
{
    if (i < 0) i = 0;
    if (i >= rows) i = rows - 1;
    if (j < 0) j = 0;
    if (j >= cols) j = cols - 1;
    return img[i * cols + j];
}

int main(void)
{
    int rows = 150, cols = 130, iters = 25, size = rows * cols;
    double lambda = 0.5;
    double *J = malloc(size * sizeof *J), *R = malloc(size * sizeof *R);
    double *w[5], *cr = malloc(size * sizeof *cr), *dr = malloc(4 * size * sizeof *dr);
    for (int k = 0; k < 5; k++) w[k] = malloc(size * sizeof *w[k]);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            double base = (i - 70) * (i - 70) + (j - 60) * (j - 60) < 900 ? 2.0 : 1.0;
            J[i * cols + j] = R[i * cols + j] = exp(0.3 * base + 0.05 * ((i * 31 + j * 17) % 11));
        }
    srad(rows, cols, iters, lambda, J, w[0], w[1], w[2], w[3], w[4]);
    for (int it = 0; it < iters; it++) {
        double sum = 0.0, sum2 = 0.0;
        for (int k = 0; k < size; k++) { sum += R[k]; sum2 += R[k] * R[k]; }
        double mean = sum / size, q0 = (sum2 / size - mean * mean) / (mean * mean);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                int k = i * cols + j;
                double v = R[k];
                double d[4] = {at(R, rows, cols, i - 1, j) - v, at(R, rows, cols, i + 1, j) - v,
                               at(R, rows, cols, i, j - 1) - v, at(R, rows, cols, i, j + 1) - v};
                double g2 = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2] + d[3] * d[3]) / (v * v);
                double l = (d[0] + d[1] + d[2] + d[3]) / v;
                double q = (0.5 * g2 - 0.0625 * l * l) / ((1.0 + 0.25 * l) * (1.0 + 0.25 * l));
                double cf = 1.0 / (1.0 + (q - q0) / (q0 * (1.0 + q0)));
                cr[k] = fmin(1.0, fmax(0.0, cf));
                for (int m = 0; m < 4; m++) dr[4 * k + m] = d[m];
            }
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                int k = i * cols + j;
                double cs = at(cr, rows, cols, i + 1, j), ce = at(cr, rows, cols, i, j + 1);
                R[k] += 0.25 * lambda * (cr[k] * dr[4 * k] + cs * dr[4 * k + 1]
                                         + cr[k] * dr[4 * k + 2] + ce * dr[4 * k + 3]);
            }
    }
    int bad = 0;
    for (int k = 0; k < size; k++) bad += fabs(J[k] - R[k]) > 1e-8 * fabs(R[k]);
    printf("J[centre] = %.6f\n", J[(rows / 2) * cols + cols / 2]);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
