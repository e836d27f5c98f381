#include <stdio.h>
#include <stdlib.h>

void transpose(int n, const double *A, double *B);

int main(void)
{
    int n = 600;
    double *A = malloc(n * n * sizeof *A), *B = calloc(n * n + 1, sizeof *B);
    for (int i = 0; i < n * n; i++) A[i] = i % 101;
    transpose(n, A, B);
    int bad = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) bad += B[j * n + i] != A[i * n + j];
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
