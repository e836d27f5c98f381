/* WRONG: histogram increments of shared bins without atomic. */
void histogram(int n, int nbins, const int *key, int *h)
{
    #pragma acc parallel loop copyin(key[0:n]) copy(h[0:nbins])
    for (int i = 0; i < n; i++)
        h[key[i] % nbins] += 1;
}
