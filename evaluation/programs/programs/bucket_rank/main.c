#include <stdio.h>
#include <stdlib.h>

void rank_and_sort(int n, int shift, int iters, int *restrict keys, int ntest,
                   const int *restrict test_key, int *restrict rank_out, int *restrict sorted);

int main(void)
{
    int n = 1 << 17, shift = 8, iters = 10, ntest = 5, nb = 256;
    int max_key = nb << shift;
    int *keys = malloc(n * sizeof *keys), *ref = malloc(n * sizeof *ref);
    int *sorted = malloc(n * sizeof *sorted);
    int test_key[5] = {3, 1000, 20000, 40000, 65000};
    int *ranks = malloc(iters * ntest * sizeof *ranks);
    unsigned s = 31415u;
    for (int i = 0; i < n; i++) {
        unsigned sum = 0;
        for (int k = 0; k < 4; k++) {
            s = s * 1664525u + 1013904223u;
            sum += (s >> 8) % (unsigned)max_key;
        }
        keys[i] = ref[i] = (int)(sum / 4);
    }
    rank_and_sort(n, shift, iters, keys, ntest, test_key, ranks, sorted);
    /* serial reference: same key changes, bucket starts by counting, full counting sort */
    int bad = 0, *cnt = calloc(max_key, sizeof *cnt), *bs = malloc(nb * sizeof *bs);
    for (int it = 0; it < iters; it++) {
        ref[it] = it;
        ref[it + iters] = max_key - 1 - it;
        for (int b = 0; b < nb; b++) bs[b] = 0;
        for (int i = 0; i < n; i++) bs[ref[i] >> shift]++;
        int run = 0;
        for (int b = 0; b < nb; b++) { int c = bs[b]; bs[b] = run; run += c; }
        for (int t = 0; t < ntest; t++) bad += ranks[it * ntest + t] != bs[test_key[t] >> shift];
    }
    for (int i = 0; i < n; i++) { cnt[ref[i]]++; bad += keys[i] != ref[i]; }
    int pos = 0;
    for (int k = 0; k < max_key; k++)
        for (int c = 0; c < cnt[k]; c++) bad += sorted[pos++] != k;
    printf("keys %d buckets %d last test rank %d\n", n, nb, ranks[iters * ntest - 1]);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
