/* Scalars assigned in a loop and read after it (#17 pattern 3).  In a compute construct a
 * scalar is firstprivate: a pragma without the right reduction leaves the host's copy
 * unchanged, and the program below reports a wrong answer even when the construct runs on the
 * host.  Each check compares with a reference computed by `while` loops (which the annotator
 * leaves alone).  Prints OK and exits 0 when every check passes. */
#include <stdio.h>

#define N 1000
#define TRUE 1
#define FALSE 0

static int fails;

static void check(const char *what, double got, double want)
{
    if (got != want) {
        printf("FAIL %s: %g != %g\n", what, got, want);
        fails++;
    }
}

int main(void)
{
    static double a[N], b[N], v[N];
    static int iv[N];
    int i, k;
    for (i = 0; i < N; i++) {                       /* independent: parallel */
        a[i] = (i * 37) % 101 - 50;
        iv[i] = (i * 7) % N;
    }

    /* a flag: set = TRUE only; read after the loop -> reduction(||:set) */
    int set = FALSE, want_set = FALSE;
    double val = 3.5;
    for (k = 0; k < N; k++)            /* planted: flag */
        if (iv[k] == 21) {
            v[k] = val;
            set = TRUE;
        }
    k = 0;
    while (k < N) { if (iv[k] == 21) want_set = TRUE; k++; }
    check("flag", set, want_set);
    if (set == FALSE)
        printf("not found\n");

    /* a last value: the position of the last match cannot be computed in parallel */
    int pos = -1, want_pos = -1;
    for (k = 0; k < N; k++)            /* planted: last value */
        if (a[k] == 3)
            pos = k;
    k = 0;
    while (k < N) { if (a[k] == 3) want_pos = k; k++; }
    check("last value", pos, want_pos);

    /* a temporary dead after the loop: private, the loop stays parallel */
    double t;
    for (i = 0; i < N; i++) {          /* look-alike: private temporary */
        t = a[i] * 2;
        b[i] = t + 1;
    }
    i = 0;
    while (i < N) { check("temporary", b[i], a[i] * 2 + 1); i++; }

    /* a temporary read after the loop: its last value is used */
    double u = 0;
    for (i = 0; i < N; i++) {          /* planted: last temporary */
        u = a[i] * 3;
        b[i] = u - 1;
    }
    check("last temporary", u, a[N - 1] * 3);

    /* the index read after the loop */
    int n = N / 2, j;
    for (j = 0; j < n; j++)            /* planted: index after */
        b[j] = a[j] + 1;
    check("index after the loop", j, n);

    /* a sum and a maximum read after the loop: reductions */
    double s = 0, m = -1e9, want_s = 0, want_m = -1e9;
    for (i = 0; i < N; i++) {
        s += a[i];
        if (a[i] > m) m = a[i];
    }
    i = 0;
    while (i < N) { want_s += a[i]; if (a[i] > want_m) want_m = a[i]; i++; }
    check("sum", s, want_s);
    check("max", m, want_m);

    /* every element non-negative?  ok = ok && ... : an && reduction */
    int ok = 1;
    for (i = 0; i < N; i++)
        ok = ok && (a[i] >= -50);
    check("all", ok, 1);

    if (fails)
        return 1;
    printf("OK\n");
    return 0;
}
