#include <stdio.h>
#include <stdlib.h>

void histogram(int n, int nbins, const float *v, int *h);

int main(void)
{
    int n = 2000000, nbins = 64;
    float *v = malloc(n * sizeof *v);
    int h[64] = {0}, r[64] = {0};
    unsigned s = 7;
    for (int i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        v[i] = (s >> 9) / (float)(1 << 23);
    }
    histogram(n, nbins, v, h);
    for (int i = 0; i < n; i++) {
        int b = (int)(v[i] * nbins);
        if (b >= nbins) b = nbins - 1;
        r[b]++;
    }
    int bad = 0;
    for (int b = 0; b < nbins; b++)
        bad += h[b] != r[b];
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
