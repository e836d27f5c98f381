/* WRONG: a prefix sum (each element needs the previous one) as a parallel loop. */
void running_total(int n, const int *in, long *out)
{
    out[0] = in[0];
    #pragma acc parallel loop copyin(in[0:n]) copy(out[0:n])
    for (int i = 1; i < n; i++)
        out[i] = out[i - 1] + in[i];
}
