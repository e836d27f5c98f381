/* Hybridsort-like bucket sort (Rodinia hybridsort's first phase and a per-bucket sort):
 * the value range by a min/max reduction, each element's bucket from a pivot table (binary
 * search in a routine seq helper), a bucket histogram whose atomic capture also gives every
 * element its slot inside its bucket, the exclusive prefix sum over the buckets on the host
 * between update self and update device, the scatter into the output, and an insertion sort
 * inside every bucket (one bucket per gang).  The arrays are file-scope static arrays
 * under declare create; a qsort of the input checks the result. */
#include <stdio.h>
#include <stdlib.h>

#define LISTSIZE 60000
#define DIVISIONS 256

static float input[LISTSIZE];
static float output[LISTSIZE];
static int bucket_of[LISTSIZE];
static int slot_in_bucket[LISTSIZE];
static int bucket_count[DIVISIONS];
static int bucket_offset[DIVISIONS + 1];
static float pivots[DIVISIONS];
#pragma acc declare create(input, output, bucket_of, slot_in_bucket, bucket_count, \
                           bucket_offset, pivots)

#pragma acc routine seq
static int find_bucket(float v, const float *piv)
{
    int lo = 0, hi = DIVISIONS - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (piv[mid] <= v)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

static void init_input(void)
{
    unsigned s = 2463534242u;
    for (int i = 0; i < LISTSIZE; i++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        float u = (float)(s & 0xffffff) / 16777216.0f;
        input[i] = 100.0f * u * u - 20.0f; /* skewed: more small values */
    }
}

static int cmpf(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void bucket_sort(void)
{
    float minimum = 1e30f, maximum = -1e30f;
    int i, b;

    #pragma acc update device(input)
    #pragma acc parallel loop reduction(min:minimum) reduction(max:maximum)
    for (i = 0; i < LISTSIZE; i++) {
        minimum = input[i] < minimum ? input[i] : minimum;
        maximum = input[i] > maximum ? input[i] : maximum;
    }

    /* pivots: square-root spacing, matching the skew of the data */
    float range = maximum - minimum;
    #pragma acc parallel loop
    for (b = 0; b < DIVISIONS; b++) {
        float t = (float)b / DIVISIONS;
        pivots[b] = minimum + range * t * t;
        bucket_count[b] = 0;
    }

    #pragma acc parallel loop
    for (i = 0; i < LISTSIZE; i++) {
        int bk = find_bucket(input[i], pivots);
        int pos;
        bucket_of[i] = bk;
        #pragma acc atomic capture
        pos = bucket_count[bk]++;
        slot_in_bucket[i] = pos;
    }

    #pragma acc update self(bucket_count)
    bucket_offset[0] = 0;
    for (b = 0; b < DIVISIONS; b++)
        bucket_offset[b + 1] = bucket_offset[b] + bucket_count[b];
    #pragma acc update device(bucket_offset)

    #pragma acc parallel loop
    for (i = 0; i < LISTSIZE; i++)
        output[bucket_offset[bucket_of[i]] + slot_in_bucket[i]] = input[i];

    #pragma acc parallel loop gang
    for (b = 0; b < DIVISIONS; b++) {
        int lo = bucket_offset[b], hi = bucket_offset[b + 1];
        #pragma acc loop seq
        for (int x = lo + 1; x < hi; x++) {
            float v = output[x];
            int y = x - 1;
            while (y >= lo && output[y] > v) {
                output[y + 1] = output[y];
                y--;
            }
            output[y + 1] = v;
        }
    }
    #pragma acc update self(output)
}

int main(int argc, char **argv)
{
    init_input();
    bucket_sort();
    float *ref = malloc(LISTSIZE * sizeof(float));
    for (int i = 0; i < LISTSIZE; i++)
        ref[i] = input[i];
    qsort(ref, LISTSIZE, sizeof(float), cmpf);
    int bad = 0, largest = 0;
    double sum = 0.0;
    for (int i = 0; i < LISTSIZE; i++) {
        if (output[i] != ref[i])
            bad++;
        sum += output[i] * (double)(i % 7);
    }
    for (int b = 0; b < DIVISIONS; b++)
        if (bucket_count[b] > largest)
            largest = bucket_count[b];
    printf("largest bucket %d checksum %.3f mismatches %d\n", largest, sum, bad);
    if (bad == 0)
        printf("VERIFIED\n");
    free(ref);
    return bad != 0;
}
