/* 1-D convolution with a small filter (the filter loop is sequential per output). */
void convolve(int n, int k, const float *restrict in, const float *restrict w, float *restrict out)
{
    #pragma acc parallel loop copyin(in[0:n+k-1], w[0:k]) copyout(out[0:n])
    for (int i = 0; i < n; i++) {
        float s = 0.0f;
        for (int t = 0; t < k; t++)
            s += w[t] * in[i + t];
        out[i] = s;
    }
}
