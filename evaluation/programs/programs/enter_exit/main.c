#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void field_init(double *f, int n);
void field_scale(double s);
void field_smooth(double *tmp);
void field_finish(void);

int main(void)
{
    int n = 1000000;
    double *f = malloc(n * sizeof *f), *t = malloc(n * sizeof *t), *r = malloc(n * sizeof *r);
    double *rt = malloc(n * sizeof *rt);
    for (int i = 0; i < n; i++)
        f[i] = r[i] = (i % 10) * 1.0;
    field_init(f, n);
    for (int k = 0; k < 4; k++) {
        field_scale(1.1);
        field_smooth(t);
    }
    field_finish();
    for (int k = 0; k < 4; k++) {
        for (int i = 0; i < n; i++) r[i] *= 1.1;
        for (int i = 1; i < n - 1; i++) rt[i] = (r[i - 1] + 2.0 * r[i] + r[i + 1]) * 0.25;
        for (int i = 1; i < n - 1; i++) r[i] = rt[i];
    }
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad += fabs(f[i] - r[i]) > 1e-9;
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
