#include <stdio.h>
#include <stdlib.h>

void square(int n, const double *x, double *y);

int main(void)
{
    int n = 1000000;
    double *x = malloc(n * sizeof *x), *y = calloc(n, sizeof *y);
    for (int i = 0; i < n; i++) x[i] = i % 17;
    square(n, x, y);
    int bad = 0;
    for (int i = 0; i < n; i++) bad += y[i] != x[i] * x[i];
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
