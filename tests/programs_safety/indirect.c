/* Writes to elements chosen by data (#17 pattern 2): a histogram through a local index (the
 * row counts of a sparse matrix build, as in NPB CG), an increment through an index array, a
 * scatter through a permutation and a commutative update that already has its atomic.
 * Prints OK and exits 0 when every check passes. */
#include <stdio.h>

#define NZ 5000
#define NROWS 100

static int fails;

static void check(const char *what, int ok)
{
    if (!ok) {
        printf("FAIL %s\n", what);
        fails++;
    }
}

int main(void)
{
    static int arow[NZ], rowstr[NROWS + 2], want[NROWS + 2], idx[NZ], h[NROWS], hw[NROWS];
    static int perm[NROWS], out[NROWS], g[NROWS], gw[NROWS];
    int k, j, first = 1;
    for (k = 0; k < NZ; k++) {
        arow[k] = 1 + (k * 31) % NROWS;
        idx[k] = (k * 17) % NROWS;
    }
    for (j = 0; j < NROWS + 2; j++)
        rowstr[j] = 0;

    /* row counts through a local index */
    for (k = 0; k < NZ; k++) {
        j = arow[k] - first + 2;
        rowstr[j] = rowstr[j] + 1;
    }
    j = 0;
    while (j < NROWS + 2) { want[j] = 0; j++; }
    k = 0;
    while (k < NZ) { want[arow[k] - first + 2]++; k++; }
    j = 0;
    while (j < NROWS + 2) { check("row counts", rowstr[j] == want[j]); j++; }

    /* a histogram through an index array */
    for (j = 0; j < NROWS; j++)
        h[j] = 0;
    for (k = 0; k < NZ; k++)
        h[idx[k]]++;
    j = 0;
    while (j < NROWS) { hw[j] = 0; j++; }
    k = 0;
    while (k < NZ) { hw[idx[k]]++; k++; }
    j = 0;
    while (j < NROWS) { check("histogram", h[j] == hw[j]); j++; }

    /* a scatter through a permutation: the analysis cannot know it is one */
    for (j = 0; j < NROWS; j++)
        perm[j] = (j * 7) % NROWS;
    for (j = 0; j < NROWS; j++)
        out[perm[j]] = j;
    j = 0;
    while (j < NROWS) { check("scatter", out[(j * 7) % NROWS] == j); j++; }

    /* the same histogram with its atomic: parallel */
    for (j = 0; j < NROWS; j++)
        g[j] = 0;
    for (k = 0; k < NZ; k++) {
        #pragma acc atomic update
        g[idx[k]] += 2;
    }
    j = 0;
    while (j < NROWS) { gw[j] = 2 * hw[j]; check("atomic histogram", g[j] == gw[j]); j++; }

    if (fails)
        return 1;
    printf("OK\n");
    return 0;
}
