#include <stdio.h>
#include <stdlib.h>

void histogram(int n, int nbins, const int *key, int *h);

int main(void)
{
    int n = 2000000, nbins = 32;
    int *key = malloc(n * sizeof *key), h[32] = {0}, r[32] = {0};
    for (int i = 0; i < n; i++) { key[i] = (int)((((unsigned long)i * 2654435761u) >> 7) & 0x7fffffff); r[key[i] % nbins]++; }
    histogram(n, nbins, key, h);
    int bad = 0;
    for (int b = 0; b < nbins; b++) bad += h[b] != r[b];
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
