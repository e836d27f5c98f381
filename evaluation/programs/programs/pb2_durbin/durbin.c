/* durbin (Levinson-Durbin) in the PolyBench/C 4.2 shape with static global vectors.
 * The k recurrence is sequential; per step the OpenACC version runs a sum reduction,
 * the z update and the copy back into y as kernels in the kernel's own data region,
 * and sets y[k] on the host followed by an update device of that one element.
 * A CPU reference in the same file is compared by percentDiff. */
#include <math.h>
#include <stdio.h>

#define N 400
#define DATA_TYPE double
#define PERCENT_DIFF_ERROR_THRESHOLD 0.05

static DATA_TYPE r[N];
static DATA_TYPE y[N];
static DATA_TYPE z[N];
static DATA_TYPE y_ref[N];
static DATA_TYPE z_ref[N];

static double percentDiff(double val1, double val2)
{
    if (fabs(val1) < 0.01 && fabs(val2) < 0.01)
        return 0.0;
    return 100.0 * fabs(fabs(val1 - val2) / fabs(val1 + 0.00000001));
}

static void init_array(int n)
{
    int i;
    for (i = 0; i < n; i++)
        r[i] = 0.6 / (1.0 + i) * ((i % 3 == 1) ? -1.0 : 1.0);
}

static void durbin_cpu(int n, DATA_TYPE r[N], DATA_TYPE y[N], DATA_TYPE z[N])
{
    DATA_TYPE alpha, beta, sum;
    int i, k;
    y[0] = -r[0];
    beta = 1.0;
    alpha = -r[0];
    for (k = 1; k < n; k++) {
        beta = (1 - alpha * alpha) * beta;
        sum = 0.0;
        for (i = 0; i < k; i++)
            sum += r[k - i - 1] * y[i];
        alpha = -(r[k] + sum) / beta;
        for (i = 0; i < k; i++)
            z[i] = y[i] + alpha * y[k - i - 1];
        for (i = 0; i < k; i++)
            y[i] = z[i];
        y[k] = alpha;
    }
}

static void kernel_durbin(int n, DATA_TYPE r[N], DATA_TYPE y[N], DATA_TYPE z[N])
{
    DATA_TYPE alpha, beta, sum;
    int i, k;
    y[0] = -r[0];
    beta = 1.0;
    alpha = -r[0];
    #pragma acc data copyin(r[0:N]) copy(y[0:N]) create(z[0:N])
    {
        for (k = 1; k < n; k++) {
            beta = (1 - alpha * alpha) * beta;
            sum = 0.0;
            #pragma acc parallel loop reduction(+:sum) present(r[0:N], y[0:N])
            for (i = 0; i < k; i++)
                sum += r[k - i - 1] * y[i];
            alpha = -(r[k] + sum) / beta;
            #pragma acc parallel loop present(y[0:N], z[0:N])
            for (i = 0; i < k; i++)
                z[i] = y[i] + alpha * y[k - i - 1];
            #pragma acc parallel loop present(y[0:N], z[0:N])
            for (i = 0; i < k; i++)
                y[i] = z[i];
            y[k] = alpha;
            #pragma acc update device(y[k:1])
        }
    }
}

int main(int argc, char **argv)
{
    int n = N, i, fail = 0;
    init_array(n);
    kernel_durbin(n, r, y, z);
    durbin_cpu(n, r, y_ref, z_ref);
    double sum = 0.0;
    for (i = 0; i < n; i++) {
        sum += y[i];
        if (percentDiff(y_ref[i], y[i]) > PERCENT_DIFF_ERROR_THRESHOLD)
            fail++;
    }
    printf("checksum %.9f fail %d\n", sum, fail);
    if (fail == 0)
        printf("VERIFIED\n");
    return fail != 0;
}
