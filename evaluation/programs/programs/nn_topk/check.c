/* Independent reference: squared distances in double, a full sort of the indices, and the
 * found neighbours compared distance by distance. */
#include <math.h>
#include <stdlib.h>

struct neighbour {
    int index;
    float dist;
};

static const double *key;

static int by_key(const void *a, const void *b)
{
    int i = *(const int *)a, j = *(const int *)b;
    return key[i] < key[j] ? -1 : key[i] > key[j] ? 1 : i - j;
}

int check_nn(const float *lat, const float *lng, int n, const float *qlat, const float *qlng,
             int nq, int k, const struct neighbour *found)
{
    double *d2 = malloc(n * sizeof *d2);
    int *order = malloc(n * sizeof *order);
    int bad = 0;
    for (int q = 0; q < nq; q++) {
        for (int i = 0; i < n; i++) {
            double dy = (double)lat[i] - qlat[q], dx = (double)lng[i] - qlng[q];
            d2[i] = dx * dx + dy * dy;
            order[i] = i;
        }
        key = d2;
        qsort(order, n, sizeof *order, by_key);
        for (int r = 0; r < k; r++) {
            double ref = sqrt(d2[order[r]]);
            const struct neighbour *f = &found[q * k + r];
            bad += fabs(f->dist - ref) > 1e-4 * (1.0 + ref);
            bad += fabs(sqrt(d2[f->index]) - f->dist) > 1e-4 * (1.0 + ref);
        }
    }
    free(d2);
    free(order);
    return bad;
}
