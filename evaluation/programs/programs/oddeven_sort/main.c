#include <stdio.h>
#include <stdlib.h>

void oddeven_sort(int n, int *v);

int main(void)
{
    int n = 3000;
    int *v = malloc(n * sizeof *v);
    long sum = 0, sum2 = 0;
    for (int i = 0; i < n; i++) {
        v[i] = (int)(((long)i * 7919 + 13) % 10007);
        sum += v[i];
    }
    oddeven_sort(n, v);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        sum2 += v[i];
        if (i) bad += v[i - 1] > v[i];
    }
    bad += sum != sum2;
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
