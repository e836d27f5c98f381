#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void convolve(int n, int k, const float *restrict in, const float *restrict w, float *restrict out);

int main(void)
{
    int n = 1000000, k = 15;
    float *in = malloc((n + k) * sizeof *in), *w = malloc(k * sizeof *w), *out = malloc(n * sizeof *out);
    for (int i = 0; i < n + k; i++) in[i] = (i % 29) * 0.1f - 1.0f;
    for (int t = 0; t < k; t++) w[t] = 1.0f / (1 + t);
    convolve(n, k, in, w, out);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        float s = 0.0f;
        for (int t = 0; t < k; t++) s += w[t] * in[i + t];
        bad += fabsf(s - out[i]) > 1e-5f;
    }
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
