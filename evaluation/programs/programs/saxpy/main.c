#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void saxpy(int n, float a, const float *x, float *restrict y);

int main(void)
{
    int n = 1 << 20;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *r = malloc(n * sizeof *r);
    for (int i = 0; i < n; i++) {
        x[i] = (float)(i % 97) * 0.5f;
        y[i] = r[i] = (float)(i % 13);
    }
    for (int rep = 0; rep < 3; rep++) {
        saxpy(n, 1.5f, x, y);
        for (int i = 0; i < n; i++)
            r[i] = 1.5f * x[i] + r[i];
    }
    int bad = 0;
    for (int i = 0; i < n; i++)
        if (fabsf(y[i] - r[i]) > 1e-4f * fabsf(r[i]) + 1e-4f)
            bad++;
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
