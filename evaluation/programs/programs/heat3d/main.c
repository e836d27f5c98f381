#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void heat3d(int n, int steps, int probe_every, double *u, double *v, double *probe);

int main(void)
{
    int n = 36, steps = 60, every = 10, nn = n * n * n;
    double *u = malloc(nn * sizeof *u), *v = malloc(nn * sizeof *v);
    double *r = malloc(nn * sizeof *r), *s = malloc(nn * sizeof *s);
    double probe[6], rprobe[6];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            for (int k = 0; k < n; k++) {
                int id = (i * n + j) * n + k;
                double hot = (i == 0 || k == n - 1) ? 80.0 : 0.0;
                u[id] = r[id] = hot + ((i * 7 + j * 3 + k) % 11) * 0.5;
            }
    heat3d(n, steps, every, u, v, probe);
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                for (int k = 1; k < n - 1; k++) {
                    int id = (i * n + j) * n + k;
                    s[id] = r[id] + 0.12 * (r[id - n * n] + r[id + n * n] + r[id - n] + r[id + n]
                                            + r[id - 1] + r[id + 1] - 6.0 * r[id]);
                }
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                for (int k = 1; k < n - 1; k++) {
                    int id = (i * n + j) * n + k;
                    r[id] = s[id];
                }
        if ((t + 1) % every == 0)
            rprobe[t / every] = r[((n / 2) * n + n / 2) * n + n / 2];
    }
    int bad = 0;
    for (int p = 0; p < steps / every; p++)
        bad += fabs(probe[p] - rprobe[p]) > 1e-9;
    for (int i = 0; i < nn; i++)
        bad += fabs(u[i] - r[i]) > 1e-9;
    printf("centre %.6f\n", probe[steps / every - 1]);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
