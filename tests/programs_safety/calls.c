/* Loops that call functions (#17 pattern 1).  A time loop over solver steps, ordered output,
 * calls with hidden state, out-parameters and accumulators must not be parallel; loops that
 * call pure math or write through a pointer to this iteration's element stay parallel.
 * Build with calls_lib.c.  Prints OK and exits 0 when every check passes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 64
#define STEPS 20

typedef struct { double *grid; double *tmp; int n; } task_t;
void step(task_t *t, double *in, double *out);
void write_float(FILE *fp, float v);

static int fails;

static void check(const char *what, int ok)
{
    if (!ok) {
        printf("FAIL %s\n", what);
        fails++;
    }
}

/* defined here: the analysis reads the bodies */
static void accumulate(double *s, double v) { *s += v; }
static void scale_to(double *out, double v) { *out = 2.0 * v; }
static void init(double *p, int i) { p[0] = 0.5 * i; }
static int counter;
static void bump(int k) { counter += k; }

static void run(task_t *task, int nsteps, FILE *fp, float *v, int n)
{
    for (int i = 0; i < nsteps; i++) {          /* a time loop: each step reads the last */
        step(task, task->grid, task->tmp);
        step(task, task->tmp, task->grid);
    }
    for (int j = 0; j < n; j++)                 /* ordered output */
        write_float(fp, v[j]);
    for (int j = 0; j < n; j++)
        fprintf(fp, "%f\n", v[j]);
}

int main(void)
{
    static double grid[N], tmp[N], ref[N], ref2[N], a[N], b[N], c[N];
    static float v[N];
    int i;
    for (i = 0; i < N; i++) {
        grid[i] = (i == N / 2) ? 1000.0 : 0.0;
        v[i] = (float)i / 4;
        a[i] = i + 1;
    }
    task_t task = {grid, tmp, N};

    /* reference: the same steps by `while` */
    memcpy(ref, grid, sizeof ref);
    task_t rt = {ref, ref2, N};
    int k = 0;
    while (k < STEPS) { step(&rt, ref, ref2); step(&rt, ref2, ref); k++; }

    FILE *fp = tmpfile();
    run(&task, STEPS, fp, v, N);
    int same = 1;
    i = 0;
    while (i < N) { same = same && fabs(grid[i] - ref[i]) < 1e-9; i++; }
    check("time loop", same);
    rewind(fp);
    float got;
    int order = 1;
    i = 0;
    while (i < N && fscanf(fp, "%f", &got) == 1) { order = order && fabsf(got - v[i]) < 1e-3; i++; }
    check("ordered output", order && i == N);
    fclose(fp);

    /* an accumulator through a pointer */
    double s = 0;
    for (i = 0; i < N; i++)
        accumulate(&s, a[i]);
    check("accumulate", s == N * (N + 1) / 2.0);

    /* an out parameter, read in the same iteration: private */
    double t;
    for (i = 0; i < N; i++) {
        scale_to(&t, a[i]);
        b[i] = t + 1;
    }
    i = 0;
    while (i < N) { check("out parameter", b[i] == 2 * a[i] + 1); i++; }

    /* this iteration's element through a pointer: parallel */
    for (i = 0; i < N; i++)
        init(&c[i], i);
    i = 0;
    while (i < N) { check("pointer to the element", c[i] == 0.5 * i); i++; }

    /* pure math: parallel */
    for (i = 0; i < N; i++)
        b[i] = sqrt(a[i]) + fabs(c[i]);
    i = 0;
    while (i < N) { check("pure math", b[i] == sqrt(a[i]) + fabs(c[i])); i++; }

    /* a global counter */
    for (i = 0; i < N; i++)
        bump(i);
    check("global", counter == N * (N - 1) / 2);

    /* hidden state: the same seed gives the same sequence only in order */
    srand(7);
    for (i = 0; i < N; i++)
        a[i] = rand() % 1000;
    srand(7);
    i = 0;
    while (i < N) { check("rand", a[i] == rand() % 1000); i++; }

    if (fails)
        return 1;
    printf("OK\n");
    return 0;
}
