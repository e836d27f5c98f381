#include <stdio.h>
#include <stdlib.h>

void shift(int n, const float *a, float *b);

int main(void)
{
    int n = 1000000;
    float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    for (int i = 0; i < n; i++) a[i] = i % 11;
    shift(n, a, b);
    int bad = 0;
    for (int i = 0; i < n; i++) bad += b[i] != a[i] + 1.0f;
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
