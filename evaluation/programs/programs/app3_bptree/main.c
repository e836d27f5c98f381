/* Driver for the b+tree search: bulk-loads a tree of NREC sorted records into the flattened
 * knode array (root first, level by level, every node FILL slots used), runs point queries
 * (findK) and range queries (findRangeK) through the kernels, and checks them against a
 * binary search over the sorted keys. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "btree.h"

#define NREC 30000
#define FILL 24
#define NQUERY 8000
#define NRANGE 3000
#define MAXLEVELS 16

static int rec_key(int r) { return 3 * r + 1; }

static knode *build_tree(long *knodes_elem, long *height)
{
    long cnt[MAXLEVELS], start[MAXLEVELS], span[MAXLEVELS];
    int levels = 0;
    cnt[0] = (NREC + FILL - 1) / FILL;
    span[0] = FILL;
    while (cnt[levels] > 1) {
        cnt[levels + 1] = (cnt[levels] + FILL - 1) / FILL;
        span[levels + 1] = span[levels] * FILL;
        levels++;
    }
    /* levels + 1 levels, level `levels` is the root: BFS numbering, root first */
    long total = 0;
    for (int l = levels; l >= 0; l--) {
        start[l] = total;
        total += cnt[l];
    }
    knode *kn = calloc(total, sizeof(knode));
    for (int l = levels; l >= 0; l--)
        for (long t = 0; t < cnt[l]; t++) {
            knode *n = &kn[start[l] + t];
            n->location = (int)(start[l] + t);
            n->is_leaf = l == 0;
            n->num_keys = 0;
            for (int j = 0; j <= DEFAULT_ORDER; j++) {
                n->keys[j] = INT_MAX;
                n->indices[j] = 0;
            }
            for (int j = 0; j < FILL; j++) {
                if (l == 0) {
                    long r = t * FILL + j;
                    if (r >= NREC) break;
                    n->keys[j] = rec_key((int)r);
                    n->indices[j] = (int)r;
                } else {
                    long c = t * FILL + j;
                    if (c >= cnt[l - 1]) break;
                    n->keys[j] = rec_key((int)(c * span[l - 1]));
                    n->indices[j] = (int)(start[l - 1] + c);
                }
                n->num_keys++;
            }
        }
    *knodes_elem = total;
    *height = levels;
    return kn;
}

static int ref_find(int key)
{
    int lo = 0, hi = NREC - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (rec_key(mid) == key) return mid;
        if (rec_key(mid) < key) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

int main(int argc, char **argv)
{
    long knodes_elem, maxheight;
    knode *knodes = build_tree(&knodes_elem, &maxheight);
    record *records = malloc(NREC * sizeof(record));
    for (int r = 0; r < NREC; r++)
        records[r].value = 7 * r + 3;

    /* point queries: two of three hit an existing key */
    int *keys = malloc(NQUERY * sizeof(int));
    record *ans = malloc(NQUERY * sizeof(record));
    long *currKnode = calloc(NQUERY, sizeof(long)), *offset = calloc(NQUERY, sizeof(long));
    for (int q = 0; q < NQUERY; q++) {
        int r = (int)((q * 104729L) % NREC);
        keys[q] = rec_key(r) + (q % 3 == 2 ? 1 : 0);
    }
    kernel_findK(records, NREC, knodes, knodes_elem, DEFAULT_ORDER, maxheight, NQUERY,
                 currKnode, offset, keys, ans);

    /* range queries between two existing keys */
    int *start = malloc(NRANGE * sizeof(int)), *end = malloc(NRANGE * sizeof(int));
    int *recstart = malloc(NRANGE * sizeof(int)), *reclength = malloc(NRANGE * sizeof(int));
    long *rcurr = calloc(NRANGE, sizeof(long)), *roff = calloc(NRANGE, sizeof(long));
    long *rlast = calloc(NRANGE, sizeof(long)), *roff2 = calloc(NRANGE, sizeof(long));
    for (int q = 0; q < NRANGE; q++) {
        int r = (int)((q * 7907L) % (NREC - 200));
        start[q] = rec_key(r);
        end[q] = rec_key(r + 1 + q % 150);
    }
    kernel_findRangeK(knodes, knodes_elem, DEFAULT_ORDER, maxheight, NRANGE, rcurr, roff, rlast,
                      roff2, start, end, recstart, reclength);

    int bad = 0, hits = 0;
    long sum = 0;
    for (int q = 0; q < NQUERY; q++) {
        int r = ref_find(keys[q]);
        int want = r < 0 ? -1 : records[r].value;
        if (ans[q].value != want) bad++;
        if (want >= 0) hits++, sum += want;
    }
    for (int q = 0; q < NRANGE; q++) {
        int rs = ref_find(start[q]), re = ref_find(end[q]);
        if (recstart[q] != rs || reclength[q] != re - rs + 1) bad++;
        sum += reclength[q];
    }
    printf("nodes %ld height %ld hits %d sum %ld mismatches %d\n", knodes_elem, maxheight, hits,
           sum, bad);
    if (bad == 0)
        printf("VERIFIED\n");
    return bad != 0;
}
