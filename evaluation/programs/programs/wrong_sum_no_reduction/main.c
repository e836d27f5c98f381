#include <math.h>
#include <stdio.h>
#include <stdlib.h>

double total(int n, const double *x);

int main(void)
{
    int n = 1000000;
    double *x = malloc(n * sizeof *x), r = 0.0;
    for (int i = 0; i < n; i++) { x[i] = (i % 9) * 0.5; r += x[i]; }
    double s = total(n, x);
    printf("sum %.3f\n", s);
    printf(fabs(s - r) <= 1e-9 * r ? "VERIFIED\n" : "FAILED\n");
    return 0;
}
