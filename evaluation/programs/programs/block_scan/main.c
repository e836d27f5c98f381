#include <stdio.h>
#include <stdlib.h>

void prefix_sum(int n, const long *in, long *out);

int main(void)
{
    int n = 3000000;
    long *in = malloc(n * sizeof *in), *out = malloc(n * sizeof *out);
    for (int i = 0; i < n; i++)
        in[i] = (i * 37) % 101 - 50;
    prefix_sum(n, in, out);
    long s = 0;
    int bad = 0;
    for (int i = 0; i < n; i++) {
        s += in[i];
        bad += out[i] != s;
    }
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
