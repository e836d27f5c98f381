#include <stdio.h>
#include <stdlib.h>

#define UNREACHABLE 100000000

long shortest_paths(int n, int D[n][n]);

int main(void)
{
    int n = 260;
    int (*D)[n] = malloc(sizeof(int[n][n])), (*ref)[n] = malloc(sizeof(int[n][n]));
    unsigned s = 12345u;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            s = s * 1103515245u + 12345u;
            int edge = ((s >> 16) % 100) < 4;
            D[i][j] = i == j ? 0 : edge ? 1 + (int)((s >> 8) % 50) : UNREACHABLE;
            /* a few vertices with no way in */
            if (j >= n - 3 && i != j) D[i][j] = UNREACHABLE;
            ref[i][j] = D[i][j];
        }
    long total = shortest_paths(n, D);
    for (int k = 0; k < n; k++)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (ref[i][k] + ref[k][j] < ref[i][j]) ref[i][j] = ref[i][k] + ref[k][j];
    long rtotal = 0;
    int bad = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            bad += D[i][j] != ref[i][j];
            if (ref[i][j] < UNREACHABLE) rtotal += ref[i][j];
        }
    bad += total != rtotal;
    printf("total %ld d(0,n/2) %d\n", total, D[0][n / 2]);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
