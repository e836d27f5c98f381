/* WRONG: a scratch array declared outside the loop and not made private: all iterations
 * share it. */
#define K 16

void moving_features(int n, const double *x, double *feat)
{
    double win[K];
    #pragma acc parallel loop copyin(x[0:n+K]) copyout(feat[0:n])
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < K; k++)
            win[k] = x[i + k] * x[i + k];
        double s = 0.0;
        for (int k = 0; k < K; k++)
            s += win[k] * (k + 1);
        feat[i] = s;
    }
}
