#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void three_maps(int n, const float *a, float *b, float *c, float *d);

int main(void)
{
    int n = 1 << 20;
    float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    float *c = malloc(n * sizeof *c), *d = malloc(n * sizeof *d);
    for (int i = 0; i < n; i++)
        a[i] = (i % 101) * 0.01f;
    three_maps(n, a, b, c, d);
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad += b[i] != a[i] * a[i] || c[i] != a[i] + 1.0f || d[i] != a[n - 1 - i] - a[i];
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
