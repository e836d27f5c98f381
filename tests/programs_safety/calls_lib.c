/* Definitions the annotated file only declares (linked with calls.c): the analysis sees their
 * prototypes, not their bodies. */
#include <stdio.h>

typedef struct { double *grid; double *tmp; int n; } task_t;

/* one explicit diffusion step: out[i] = average of in around i */
void step(task_t *t, double *in, double *out)
{
    int i;
    out[0] = in[0];
    out[t->n - 1] = in[t->n - 1];
    i = 1;
    while (i < t->n - 1) {
        out[i] = (in[i - 1] + in[i] + in[i + 1]) / 3.0;
        i++;
    }
}

void write_float(FILE *fp, float v)
{
    fprintf(fp, "%.3f\n", v);
}
