/* Integer sort by buckets, ranked over several iterations: every iteration the host changes
 * two keys (update device of the two elements), the device counts the keys per bucket with
 * atomic increments and a single-gang pass turns the counts into bucket starts (exclusive
 * prefix sum); the host brings the starts back to record the rank of a few test keys (a
 * partial check).  After the last iteration the keys are scattered into their buckets (an
 * atomic capture gives each key its slot) and every bucket is sorted by insertion, one
 * bucket per iteration of a parallel loop.  The bucket tables are file-scope arrays that live
 * on the device for the whole program (declare create). */
#define NB 256

static int bucket_size[NB];
static int bucket_start[NB];
static int bucket_fill[NB];
#pragma acc declare create(bucket_size, bucket_start, bucket_fill)

static void count_buckets(int n, const int *restrict keys, int shift)
{
    #pragma acc parallel loop present(bucket_size)
    for (int b = 0; b < NB; b++)
        bucket_size[b] = 0;
    #pragma acc parallel loop present(keys[0:n], bucket_size)
    for (int i = 0; i < n; i++) {
        int b = keys[i] >> shift;
        #pragma acc atomic update
        bucket_size[b]++;
    }
}

static void scan_buckets(void)
{
    #pragma acc serial present(bucket_size, bucket_start)
    {
        int run = 0;
        #pragma acc loop seq
        for (int b = 0; b < NB; b++) {
            bucket_start[b] = run;
            run += bucket_size[b];
        }
    }
}

static void scatter_keys(int n, const int *restrict keys, int *restrict sorted, int shift)
{
    #pragma acc parallel loop present(bucket_start, bucket_fill)
    for (int b = 0; b < NB; b++)
        bucket_fill[b] = bucket_start[b];
    #pragma acc parallel loop present(keys[0:n], sorted[0:n], bucket_fill)
    for (int i = 0; i < n; i++) {
        int b = keys[i] >> shift, slot;
        #pragma acc atomic capture
        slot = bucket_fill[b]++;
        sorted[slot] = keys[i];
    }
}

static void sort_buckets(int n, int *restrict sorted)
{
    #pragma acc parallel loop gang vector present(sorted[0:n], bucket_start, bucket_size)
    for (int b = 0; b < NB; b++) {
        int lo = bucket_start[b], hi = lo + bucket_size[b];
        #pragma acc loop seq
        for (int i = lo + 1; i < hi; i++) {
            int v = sorted[i], j = i - 1;
            while (j >= lo && sorted[j] > v) {
                sorted[j + 1] = sorted[j];
                j--;
            }
            sorted[j + 1] = v;
        }
    }
}

/* keys in [0, max_key), max_key = NB << shift.  rank_out[it * ntest + t] = the start of the
 * bucket of test_key[t] at iteration it; sorted gets the keys in order after the last
 * iteration.  The host changes keys[it] and keys[it + iters] each iteration. */
void rank_and_sort(int n, int shift, int iters, int *restrict keys, int ntest,
                   const int *restrict test_key, int *restrict rank_out, int *restrict sorted)
{
    int max_key = NB << shift;
    #pragma acc data copyin(keys[0:n]) copyout(sorted[0:n])
    {
        for (int it = 0; it < iters; it++) {
            keys[it] = it;
            keys[it + iters] = max_key - 1 - it;
            #pragma acc update device(keys[it:1])
            #pragma acc update device(keys[it+iters:1])
            count_buckets(n, keys, shift);
            scan_buckets();
            #pragma acc update self(bucket_start)
            for (int t = 0; t < ntest; t++)
                rank_out[it * ntest + t] = bucket_start[test_key[t] >> shift];
        }
        scatter_keys(n, keys, sorted, shift);
        sort_buckets(n, sorted);
    }
}
