#include <stdio.h>
#include <stdlib.h>

void running_total(int n, const int *in, long *out);

int main(void)
{
    int n = 1000000;
    int *in = malloc(n * sizeof *in);
    long *out = malloc(n * sizeof *out), s = 0;
    for (int i = 0; i < n; i++) in[i] = i % 7;
    running_total(n, in, out);
    int bad = 0;
    for (int i = 0; i < n; i++) { s += in[i]; bad += out[i] != s; }
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
