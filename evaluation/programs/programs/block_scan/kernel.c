/* Inclusive prefix sum in three phases: per-block scans in parallel, a sequential scan of
 * the block totals on the device, then a parallel add of each block's offset. */
#define B 1024

void prefix_sum(int n, const long *in, long *out)
{
    int nb = (n + B - 1) / B;
    long tot[4096];
    #pragma acc data copyin(in[0:n]) copyout(out[0:n]) create(tot[0:nb])
    {
        #pragma acc parallel loop gang present(in[0:n], out[0:n], tot[0:nb])
        for (int b = 0; b < nb; b++) {
            long s = 0;
            int end = (b + 1) * B < n ? (b + 1) * B : n;
            #pragma acc loop seq
            for (int i = b * B; i < end; i++) {
                s += in[i];
                out[i] = s;
            }
            tot[b] = s;
        }
        #pragma acc serial present(tot[0:nb])
        for (int b = 1; b < nb; b++)
            tot[b] += tot[b - 1];
        #pragma acc parallel loop present(out[0:n], tot[0:nb])
        for (int i = B; i < n; i++)
            out[i] += tot[i / B - 1];
    }
}
