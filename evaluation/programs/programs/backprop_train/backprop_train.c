/* Back-propagation training (backprop kind), double precision, one file: a two-layer network
 * (inputs -> hidden -> outputs, sigmoid units, a bias row at the end of each weight matrix),
 * trained pattern by pattern with momentum.  Each layer's forward pass, the error terms and
 * the weight adjustments are device kernels in functions; train() keeps the weights, the
 * patterns and the activations on the device for all epochs and stops early once the
 * epoch's squared error is below a tolerance. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define ETA 0.3
#define MOMENTUM 0.3

struct net {
    int n_in, n_hid, n_out;
    double *w1, *w2;         /* (n_in+1) x n_hid, (n_hid+1) x n_out, row k = input k */
    double *dw1, *dw2;       /* previous adjustments (momentum) */
    double *hid, *out, *d_hid, *d_out;
};

int check_backprop(const double *patterns, const double *targets, int np, int n_in, int n_hid,
                   int n_out, int max_epochs, double tol, const double *w1_start,
                   const double *w2_start, const double *w1, const double *w2, int epochs);

static void layer_forward(const double *restrict x, int nx, const double *restrict w,
                          double *restrict y, int ny)
{
    #pragma acc parallel loop present(x[0:nx], w[0:(nx+1)*ny], y[0:ny])
    for (int j = 0; j < ny; j++) {
        double s = w[nx * ny + j];
        #pragma acc loop seq
        for (int k = 0; k < nx; k++)
            s += w[k * ny + j] * x[k];
        y[j] = 1.0 / (1.0 + exp(-s));
    }
}

static double output_error(const double *restrict out, const double *restrict target,
                           double *restrict delta, int n)
{
    double err = 0.0;
    #pragma acc parallel loop reduction(+:err) present(out[0:n], target[0:n], delta[0:n])
    for (int j = 0; j < n; j++) {
        double o = out[j], e = target[j] - o;
        delta[j] = o * (1.0 - o) * e;
        err += e * e;
    }
    return err;
}

static void hidden_error(const double *restrict hid, int nh, const double *restrict w2,
                         const double *restrict d_out, int no, double *restrict d_hid)
{
    #pragma acc parallel loop present(hid[0:nh], w2[0:(nh+1)*no], d_out[0:no], d_hid[0:nh])
    for (int j = 0; j < nh; j++) {
        double s = 0.0;
        #pragma acc loop seq
        for (int k = 0; k < no; k++)
            s += d_out[k] * w2[j * no + k];
        d_hid[j] = hid[j] * (1.0 - hid[j]) * s;
    }
}

static void adjust_weights(const double *restrict delta, int ny, const double *restrict x,
                           int nx, double *restrict w, double *restrict dw)
{
    #pragma acc parallel loop collapse(2) present(delta[0:ny], x[0:nx], w[0:(nx+1)*ny], \
        dw[0:(nx+1)*ny])
    for (int k = 0; k <= nx; k++)
        for (int j = 0; j < ny; j++) {
            double xk = k < nx ? x[k] : 1.0;
            double d = ETA * delta[j] * xk + MOMENTUM * dw[k * ny + j];
            w[k * ny + j] += d;
            dw[k * ny + j] = d;
        }
}

static int train(struct net *nt, const double *patterns, const double *targets, int np,
                 int max_epochs, double tol)
{
    int ni = nt->n_in, nh = nt->n_hid, no = nt->n_out;
    double *w1 = nt->w1, *w2 = nt->w2, *dw1 = nt->dw1, *dw2 = nt->dw2;
    double *hid = nt->hid, *out = nt->out, *d_hid = nt->d_hid, *d_out = nt->d_out;
    int epoch = 0;
    #pragma acc data copyin(patterns[0:np*ni], targets[0:np*no], dw1[0:(ni+1)*nh], \
        dw2[0:(nh+1)*no]) copy(w1[0:(ni+1)*nh], w2[0:(nh+1)*no]) \
        create(hid[0:nh], out[0:no], d_hid[0:nh], d_out[0:no])
    {
        while (epoch < max_epochs) {
            double err = 0.0;
            for (int p = 0; p < np; p++) {
                const double *x = patterns + p * ni;
                layer_forward(x, ni, w1, hid, nh);
                layer_forward(hid, nh, w2, out, no);
                err += output_error(out, targets + p * no, d_out, no);
                hidden_error(hid, nh, w2, d_out, no, d_hid);
                adjust_weights(d_out, no, hid, nh, w2, dw2);
                adjust_weights(d_hid, nh, x, ni, w1, dw1);
            }
            epoch++;
            if (err < tol)
                break;
        }
    }
    return epoch;
}

int main(int argc, char **argv)
{
    int ni = argc > 1 ? atoi(argv[1]) : 512;
    int nh = 32, no = 2, np = 8, max_epochs = 80;
    double tol = 0.05;
    struct net nt = {ni, nh, no, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    size_t n1 = (size_t)(ni + 1) * nh, n2 = (size_t)(nh + 1) * no;
    nt.w1 = malloc(n1 * sizeof(double));
    nt.w2 = malloc(n2 * sizeof(double));
    nt.dw1 = calloc(n1, sizeof(double));
    nt.dw2 = calloc(n2, sizeof(double));
    nt.hid = malloc(nh * sizeof(double));
    nt.out = malloc(no * sizeof(double));
    nt.d_hid = malloc(nh * sizeof(double));
    nt.d_out = malloc(no * sizeof(double));
    double *w1_start = malloc(n1 * sizeof(double)), *w2_start = malloc(n2 * sizeof(double));
    double *patterns = malloc((size_t)np * ni * sizeof(double));
    double *targets = malloc((size_t)np * no * sizeof(double));
    unsigned s = 2024u;
    for (size_t i = 0; i < n1; i++) {
        s = s * 1103515245u + 12345u;
        nt.w1[i] = w1_start[i] = ((double)((s >> 16) & 0x7fff) / 32768.0 - 0.5) * 0.1;
    }
    for (size_t i = 0; i < n2; i++) {
        s = s * 1103515245u + 12345u;
        nt.w2[i] = w2_start[i] = ((double)((s >> 16) & 0x7fff) / 32768.0 - 0.5) * 0.5;
    }
    for (int p = 0; p < np; p++) {
        for (int k = 0; k < ni; k++)
            patterns[p * ni + k] = ((p * 31 + k * 17) % 23) / 23.0;
        targets[p * no] = p % 2 ? 0.9 : 0.1;
        targets[p * no + 1] = p < np / 2 ? 0.9 : 0.1;
    }
    int epochs = train(&nt, patterns, targets, np, max_epochs, tol);
    double wsum = 0.0;
    for (size_t i = 0; i < n2; i++)
        wsum += nt.w2[i];
    printf("%d epochs, sum of output weights %.6f\n", epochs, wsum);
    int bad = check_backprop(patterns, targets, np, ni, nh, no, max_epochs, tol, w1_start,
                             w2_start, nt.w1, nt.w2, epochs);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
