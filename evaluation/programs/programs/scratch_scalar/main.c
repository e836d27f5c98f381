#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void polar(int n, const double *re, const double *im, double *mag, double *ang);

int main(void)
{
    int n = 500000;
    double *re = malloc(n * sizeof *re), *im = malloc(n * sizeof *im);
    double *mag = malloc(n * sizeof *mag), *ang = malloc(n * sizeof *ang);
    for (int i = 0; i < n; i++) {
        re[i] = cos(i * 0.001) * (1 + i % 5);
        im[i] = sin(i * 0.0013) * (2 + i % 3);
    }
    polar(n, re, im, mag, ang);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double r = sqrt(re[i] * re[i] + im[i] * im[i]), t = atan2(im[i], re[i]);
        bad += fabs(r - mag[i]) > 1e-12 * r || fabs(t - ang[i]) > 1e-12;
    }
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
