#include <stdio.h>
#include <stdlib.h>

int nw_align(int n, int m, const int *restrict a, const int *restrict b,
             const int *restrict sim, int gap, int *restrict score, int *matches);

static int max3(int x, int y, int z)
{
    int t = x > y ? x : y;
    return t > z ? t : z;
}

int main(void)
{
    int n = 700, m = 650, gap = 4, w = m + 1;
    int sim[16];
    for (int p = 0; p < 4; p++)
        for (int q = 0; q < 4; q++) sim[p * 4 + q] = p == q ? 5 : ((p + q) % 2 ? -3 : -1);
    int *a = malloc(n * sizeof *a), *b = malloc(m * sizeof *b);
    unsigned s = 12345;
    for (int i = 0; i < n; i++) { s = s * 1103515245u + 12345u; a[i] = (s >> 16) % 4; }
    for (int j = 0; j < m; j++) {
        s = s * 1103515245u + 12345u;
        b[j] = (s >> 13) % 7 == 0 ? (int)((s >> 16) % 4) : a[j + j / 20];
    }
    int *score = malloc((n + 1) * w * sizeof *score), *ref = malloc((n + 1) * w * sizeof *ref);
    int matches;
    int len = nw_align(n, m, a, b, sim, gap, score, &matches);
    /* serial reference: row by row */
    for (int i = 0; i <= n; i++)
        for (int j = 0; j <= m; j++)
            ref[i * w + j] = i == 0 ? -gap * j : j == 0 ? -gap * i
                : max3(ref[(i - 1) * w + j - 1] + sim[a[i - 1] * 4 + b[j - 1]],
                       ref[(i - 1) * w + j] - gap, ref[i * w + j - 1] - gap);
    int bad = 0;
    for (int k = 0; k < (n + 1) * w; k++) bad += score[k] != ref[k];
    bad += len < n || len > n + m || matches <= 0;
    printf("score %d length %d matches %d\n", score[(n + 1) * w - 1], len, matches);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
