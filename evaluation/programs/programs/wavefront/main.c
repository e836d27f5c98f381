#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lcs_table(int n, int m, const char *a, const char *b, int *T);

int main(void)
{
    int n = 900, m = 800;
    char *a = malloc(n), *b = malloc(m);
    int *T = calloc((n + 1) * (m + 1), sizeof *T), *R = calloc((n + 1) * (m + 1), sizeof *R);
    for (int i = 0; i < n; i++) a[i] = "ACGT"[(i * 7 + i / 5) % 4];
    for (int j = 0; j < m; j++) b[j] = "ACGT"[(j * 3 + j / 7) % 4];
    lcs_table(n, m, a, b, T);
    for (int i = 1; i <= n; i++)
        for (int j = 1; j <= m; j++) {
            int up = R[(i - 1) * (m + 1) + j], left = R[i * (m + 1) + j - 1];
            R[i * (m + 1) + j] = a[i - 1] == b[j - 1] ? R[(i - 1) * (m + 1) + j - 1] + 1 : (up > left ? up : left);
        }
    int bad = memcmp(T, R, (n + 1) * (m + 1) * sizeof *T) != 0;
    printf("lcs %d\n", T[(n + 1) * (m + 1) - 1]);
    printf(bad ? "FAILED\n" : "VERIFIED\n");
    return 0;
}
