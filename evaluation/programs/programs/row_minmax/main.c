#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define NC 800

void row_range(int n, double a[][NC], double *rmin, double *rmax, double *span);

int main(void)
{
    int n = 1000;
    double (*a)[NC] = malloc(n * sizeof *a);
    double *rmin = malloc(n * sizeof *rmin), *rmax = malloc(n * sizeof *rmax), span;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < NC; j++)
            a[i][j] = sin(0.001 * i * j + i) * (1 + i % 9);
    row_range(n, a, rmin, rmax, &span);
    int bad = 0;
    double lo = 1e300, hi = -1e300;
    for (int i = 0; i < n; i++) {
        double mn = 1e300, mx = -1e300;
        for (int j = 0; j < NC; j++) {
            mn = fmin(mn, a[i][j]);
            mx = fmax(mx, a[i][j]);
        }
        bad += mn != rmin[i] || mx != rmax[i];
        lo = fmin(lo, mn);
        hi = fmax(hi, mx);
    }
    bad += span != hi - lo;
    printf("span %.6f\n", span);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
