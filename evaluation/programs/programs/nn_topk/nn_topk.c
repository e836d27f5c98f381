/* Nearest neighbours (nn kind), one file: a table of records kept as a structure of arrays
 * (latitude, longitude), several query points; for each query the device computes every
 * record's distance and the host selects the k nearest.  The records stay on the device for
 * all queries; only the distances come back per query. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_K 32

struct records {
    int n;
    float *lat;
    float *lng;
};

struct neighbour {
    int index;
    float dist;
};

int check_nn(const float *lat, const float *lng, int n, const float *qlat, const float *qlng,
             int nq, int k, const struct neighbour *found);

static void load_records(struct records *db, int n, unsigned seed)
{
    db->n = n;
    db->lat = malloc(n * sizeof *db->lat);
    db->lng = malloc(n * sizeof *db->lng);
    unsigned s = seed;
    for (int i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        db->lat[i] = (float)(s >> 8) / 16777216.0f * 180.0f - 90.0f;
        s = s * 1664525u + 1013904223u;
        db->lng[i] = (float)(s >> 8) / 16777216.0f * 360.0f - 180.0f;
    }
}

static void distances(const float *lat, const float *lng, int n, float qlat, float qlng,
                      float *dist)
{
    #pragma acc parallel loop present(lat[0:n], lng[0:n], dist[0:n])
    for (int i = 0; i < n; i++) {
        float dy = lat[i] - qlat, dx = lng[i] - qlng;
        dist[i] = sqrtf(dx * dx + dy * dy);
    }
}

/* The k smallest distances in ascending order (ties by index), by insertion into a short list. */
static void select_nearest(const float *dist, int n, int k, struct neighbour *best)
{
    int have = 0;
    for (int i = 0; i < n; i++) {
        float d = dist[i];
        if (have == k && d >= best[k - 1].dist)
            continue;
        int pos = have < k ? have++ : k - 1;
        while (pos > 0 && best[pos - 1].dist > d) {
            best[pos] = best[pos - 1];
            pos--;
        }
        best[pos].index = i;
        best[pos].dist = d;
    }
}

int main(int argc, char **argv)
{
    int n = 200000, k = 10, nq = 6;
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "-r") == 0)
            n = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "-k") == 0)
            k = atoi(argv[i + 1]);
    }
    if (k < 1 || k > MAX_K || n < k) {
        fprintf(stderr, "usage: %s [-r records] [-k 1..%d]\n", argv[0], MAX_K);
        return 1;
    }
    struct records db;
    load_records(&db, n, 12345u);
    float qlat[6] = {30.0f, -45.5f, 0.0f, 10.25f, 60.0f, -80.0f};
    float qlng[6] = {90.0f, 120.0f, 0.0f, -70.5f, -150.0f, 20.0f};
    float *dist = malloc(n * sizeof *dist);
    struct neighbour *found = malloc((size_t)nq * k * sizeof *found);

    #pragma acc data copyin(db.lat[0:n], db.lng[0:n]) create(dist[0:n])
    {
        for (int q = 0; q < nq; q++) {
            distances(db.lat, db.lng, n, qlat[q], qlng[q], dist);
            #pragma acc update self(dist[0:n])
            select_nearest(dist, n, k, found + q * k);
        }
    }

    for (int q = 0; q < nq; q++)
        printf("query %d: nearest %d at %.4f\n", q, found[q * k].index, found[q * k].dist);
    int bad = check_nn(db.lat, db.lng, n, qlat, qlng, nq, k, found);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    free(db.lat);
    free(db.lng);
    free(dist);
    free(found);
    return 0;
}
