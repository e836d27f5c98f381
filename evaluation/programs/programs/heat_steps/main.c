#include <math.h>
#include <stdio.h>
#include <stdlib.h>

double heat(int n, int steps, double *u, double *flux, double *src);

int main(void)
{
    int n = 200000, steps = 60;
    double *u = malloc(n * sizeof *u), *f = malloc(n * sizeof *f), *s = malloc(n * sizeof *s);
    double *ru = malloc(n * sizeof *ru), *rf = malloc(n * sizeof *rf), *rs = malloc(n * sizeof *rs);
    for (int i = 0; i < n; i++) {
        u[i] = ru[i] = (i > n / 3 && i < n / 2) ? 1.0 : 0.0;
        s[i] = rs[i] = 0.0;
    }
    double tot = heat(n, steps, u, f, s), rtot = 0.0;
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n; i++) rf[i] = 0.2 * (ru[i] - ru[i - 1]);
        for (int i = 1; i < n - 1; i++) ru[i] += rf[i + 1] - rf[i] + rs[i];
        rtot += ru[0] + ru[n - 1];
        rs[t % n] = 0.001 * sin((double)t);
    }
    int bad = fabs(tot - rtot) > 1e-12;
    for (int i = 0; i < n; i++)
        bad += fabs(u[i] - ru[i]) > 1e-12;
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
