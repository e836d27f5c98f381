/* One parallel region with several independent gang loops (each writes its own array and
 * reads only inputs, so no synchronisation between them is needed). */
void three_maps(int n, const float *a, float *b, float *c, float *d)
{
    #pragma acc parallel copyin(a[0:n]) copyout(b[0:n], c[0:n], d[0:n])
    {
        #pragma acc loop gang vector
        for (int i = 0; i < n; i++)
            b[i] = a[i] * a[i];
        #pragma acc loop gang vector
        for (int i = 0; i < n; i++)
            c[i] = a[i] + 1.0f;
        #pragma acc loop gang vector
        for (int i = 0; i < n; i++)
            d[i] = a[n - 1 - i] - a[i];
    }
}
