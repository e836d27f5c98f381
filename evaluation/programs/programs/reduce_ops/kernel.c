/* Every OpenACC reduction operator on scalars. */
typedef struct { double sum, prod, mx, mn; long band, bor, bxor; int land, lor; } stats_t;

void reduce_all(int n, const double *x, const long *bits, stats_t *out)
{
    double sum = 0.0, prod = 1.0, mx = -1e300, mn = 1e300;
    long band = ~0L, bor = 0, bxor = 0;
    int land = 1, lor = 0;
    #pragma acc data copyin(x[0:n], bits[0:n])
    {
        #pragma acc parallel loop reduction(+:sum) reduction(*:prod)
        for (int i = 0; i < n; i++) {
            sum += x[i];
            prod *= 1.0 + x[i] * 1e-7;
        }
        #pragma acc parallel loop reduction(max:mx) reduction(min:mn)
        for (int i = 0; i < n; i++) {
            if (x[i] > mx) mx = x[i];
            mn = x[i] < mn ? x[i] : mn;
        }
        #pragma acc parallel loop reduction(&:band) reduction(|:bor) reduction(^:bxor)
        for (int i = 0; i < n; i++) {
            band &= bits[i];
            bor |= bits[i];
            bxor ^= bits[i];
        }
        #pragma acc parallel loop reduction(&&:land) reduction(||:lor)
        for (int i = 0; i < n; i++) {
            land = land && (x[i] > -1.0);
            lor = lor || (x[i] > 99.5);
        }
    }
    out->sum = sum; out->prod = prod; out->mx = mx; out->mn = mn;
    out->band = band; out->bor = bor; out->bxor = bxor; out->land = land; out->lor = lor;
}
