/* A histogram: concurrent increments of shared bins need atomic updates. */
void histogram(int n, int nbins, const float *v, int *h)
{
    #pragma acc parallel loop copyin(v[0:n]) copy(h[0:nbins])
    for (int i = 0; i < n; i++) {
        int b = (int)(v[i] * nbins);
        if (b >= nbins) b = nbins - 1;
        #pragma acc atomic update
        h[b]++;
    }
}
