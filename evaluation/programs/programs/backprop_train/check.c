/* Independent reference: the same training written with 2-D indexing helpers and the bias
 * handled as an extra constant input, all in one routine, then the weights compared. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double sigmoid(double v) { return 1.0 / (1.0 + exp(-v)); }

int check_backprop(const double *patterns, const double *targets, int np, int n_in, int n_hid,
                   int n_out, int max_epochs, double tol, const double *w1_start,
                   const double *w2_start, const double *w1, const double *w2, int epochs)
{
    size_t n1 = (size_t)(n_in + 1) * n_hid, n2 = (size_t)(n_hid + 1) * n_out;
    double *a = malloc(n1 * sizeof *a), *b = malloc(n2 * sizeof *b);
    double *ma = calloc(n1, sizeof *ma), *mb = calloc(n2, sizeof *mb);
    double *xin = malloc((n_in + 1) * sizeof *xin), *h = malloc((n_hid + 1) * sizeof *h);
    double *o = malloc(n_out * sizeof *o), *dh = malloc(n_hid * sizeof *dh);
    double *dout = malloc(n_out * sizeof *dout);
    memcpy(a, w1_start, n1 * sizeof *a);
    memcpy(b, w2_start, n2 * sizeof *b);
    int ep = 0;
    while (ep < max_epochs) {
        double err = 0.0;
        for (int p = 0; p < np; p++) {
            for (int k = 0; k < n_in; k++)
                xin[k] = patterns[(size_t)p * n_in + k];
            xin[n_in] = 1.0;
            for (int j = 0; j < n_hid; j++) {
                double acc = 0.0;
                for (int k = n_in; k >= 0; k--)
                    acc += a[(size_t)k * n_hid + j] * xin[k];
                h[j] = sigmoid(acc);
            }
            h[n_hid] = 1.0;
            for (int j = 0; j < n_out; j++) {
                double acc = 0.0;
                for (int k = n_hid; k >= 0; k--)
                    acc += b[(size_t)k * n_out + j] * h[k];
                o[j] = sigmoid(acc);
                double e = targets[p * n_out + j] - o[j];
                dout[j] = o[j] * (1.0 - o[j]) * e;
                err += e * e;
            }
            for (int j = 0; j < n_hid; j++) {
                double acc = 0.0;
                for (int k = 0; k < n_out; k++)
                    acc += dout[k] * b[(size_t)j * n_out + k];
                dh[j] = h[j] * (1.0 - h[j]) * acc;
            }
            for (int k = 0; k <= n_hid; k++)
                for (int j = 0; j < n_out; j++) {
                    double d = 0.3 * dout[j] * h[k] + 0.3 * mb[(size_t)k * n_out + j];
                    b[(size_t)k * n_out + j] += d;
                    mb[(size_t)k * n_out + j] = d;
                }
            for (int k = 0; k <= n_in; k++)
                for (int j = 0; j < n_hid; j++) {
                    double d = 0.3 * dh[j] * xin[k] + 0.3 * ma[(size_t)k * n_hid + j];
                    a[(size_t)k * n_hid + j] += d;
                    ma[(size_t)k * n_hid + j] = d;
                }
        }
        ep++;
        if (err < tol)
            break;
    }
    int bad = ep != epochs;
    for (size_t i = 0; i < n1; i++)
        bad += fabs(a[i] - w1[i]) > 1e-7 * (1.0 + fabs(a[i]));
    for (size_t i = 0; i < n2; i++)
        bad += fabs(b[i] - w2[i]) > 1e-7 * (1.0 + fabs(b[i]));
    free(a); free(b); free(ma); free(mb); free(xin); free(h); free(o); free(dh); free(dout);
    return bad;
}
