#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void density(int n, int w, const double *pos, double h, double *rho);

static double sm(double r, double h)
{
    double q = r / h;
    if (q >= 2.0) return 0.0;
    if (q >= 1.0) return 0.25 * (2.0 - q) * (2.0 - q) * (2.0 - q);
    return 1.0 - 1.5 * q * q + 0.75 * q * q * q;
}

int main(void)
{
    int n = 200000, w = 16;
    double *pos = malloc(n * sizeof *pos), *rho = malloc(n * sizeof *rho), h = 0.05;
    for (int i = 0; i < n; i++)
        pos[i] = i * 0.01 + 0.004 * sin(i * 0.37);
    density(n, w, pos, h, rho);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        int lo = i - w < 0 ? 0 : i - w, hi = i + w >= n ? n - 1 : i + w;
        for (int j = lo; j <= hi; j++)
            s += sm(fabs(pos[i] - pos[j]), h);
        s = s < 0 ? 0 : (s > 50 ? 50 : s);
        bad += fabs(s - rho[i]) > 1e-12;
    }
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
