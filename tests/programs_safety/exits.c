/* Loops whose body can leave them (#17 pattern 4): a sort pass that returns, a search that
 * breaks, an error path that jumps out, a check that calls exit() and one that longjmps.  A
 * compute construct on any of them does not compile with gcc ("invalid branch to/from OpenACC
 * structured block", "break statement used with ... for loop") or cannot run on the device.
 * Prints OK and exits 0 when every check passes. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#define N 200

static int fails;
static jmp_buf env;

static void check(const char *what, int ok)
{
    if (!ok) {
        printf("FAIL %s\n", what);
        fails++;
    }
}

/* one bubble-sort pass; returns 1 when the array was already sorted */
static int pass(double *a, int n)
{
    for (int i = 0; i < n - 1; i++) {  /* planted: return */
        if (a[i] > a[i + 1]) {
            double t = a[i];
            a[i] = a[i + 1];
            a[i + 1] = t;
            return 0;
        }
    }
    return 1;
}

static int find(const double *a, int n, double key)
{
    int i;
    for (i = 0; i < n; i++)            /* planted: break */
        if (a[i] == key)
            break;
    return i;
}

static int scaled(double *a, int n, double f)
{
    for (int i = 0; i < n; i++) {      /* planted: goto */
        if (a[i] < 0)
            goto bad;
        a[i] *= f;
    }
    return 0;
bad:
    return -1;
}

static void must_be_finite(const double *a, int n)
{
    for (int i = 0; i < n; i++)
        if (a[i] != a[i])
            exit(3);
}

static void guarded(const double *a, int n)
{
    for (int i = 0; i < n; i++)
        if (a[i] > 1e300)
            longjmp(env, 1);
}

int main(void)
{
    static double a[N];
    int i;
    for (i = 0; i < N; i++)
        a[i] = (i * 53) % N;
    int rounds = 0;
    while (!pass(a, N))
        rounds++;
    int sorted = 1;
    i = 1;
    while (i < N) { sorted = sorted && a[i - 1] <= a[i]; i++; }
    check("sort", sorted && rounds > 0);
    check("find", find(a, N, 17) == 17 && find(a, N, -1) == N);
    check("scale", scaled(a, N, 2) == 0 && a[3] == 6);
    a[5] = -1;
    check("bad input", scaled(a, N, 2) == -1);
    must_be_finite(a, N);
    if (setjmp(env) == 0)
        guarded(a, N);
    else
        check("longjmp", 0);
    if (fails)
        return 1;
    printf("OK\n");
    return 0;
}
