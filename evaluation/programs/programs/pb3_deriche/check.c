/* Independent reference for deriche: the same filter in double on flat arrays. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
int check_deriche(int w, int h, float alpha, const float *out)
{
    double *in = malloc(sizeof(double) * w * h), *o = malloc(sizeof(double) * w * h);
    double *y1 = malloc(sizeof(double) * w * h), *y2 = malloc(sizeof(double) * w * h);
    for (int i = 0; i < w; i++)
        for (int j = 0; j < h; j++)
            in[i * h + j] = (double)(float)((float)((313 * i + 991 * j) % 65536) / 65535.0f);
    double a = alpha, e = exp(-a);
    double k = (1.0 - e) * (1.0 - e) / (1.0 + 2.0 * a * e - exp(2.0 * a));
    double a1 = k, a2 = k * e * (a - 1.0), a3 = k * e * (a + 1.0), a4 = -k * exp(-2.0 * a);
    double b1 = pow(2.0, -a), b2 = -exp(-2.0 * a);
    for (int i = 0; i < w; i++) {
        double ym1 = 0, ym2 = 0, xm1 = 0;
        for (int j = 0; j < h; j++) {
            double v = a1 * in[i * h + j] + a2 * xm1 + b1 * ym1 + b2 * ym2;
            y1[i * h + j] = v; xm1 = in[i * h + j]; ym2 = ym1; ym1 = v;
        }
        double yp1 = 0, yp2 = 0, xp1 = 0, xp2 = 0;
        for (int j = h - 1; j >= 0; j--) {
            double v = a3 * xp1 + a4 * xp2 + b1 * yp1 + b2 * yp2;
            y2[i * h + j] = v; xp2 = xp1; xp1 = in[i * h + j]; yp2 = yp1; yp1 = v;
        }
        for (int j = 0; j < h; j++) o[i * h + j] = y1[i * h + j] + y2[i * h + j];
    }
    for (int j = 0; j < h; j++) {
        double tm1 = 0, ym1 = 0, ym2 = 0;
        for (int i = 0; i < w; i++) {
            double v = a1 * o[i * h + j] + a2 * tm1 + b1 * ym1 + b2 * ym2;
            y1[i * h + j] = v; tm1 = o[i * h + j]; ym2 = ym1; ym1 = v;
        }
        double tp1 = 0, tp2 = 0, yp1 = 0, yp2 = 0;
        for (int i = w - 1; i >= 0; i--) {
            double v = a3 * tp1 + a4 * tp2 + b1 * yp1 + b2 * yp2;
            y2[i * h + j] = v; tp2 = tp1; tp1 = o[i * h + j]; yp2 = yp1; yp1 = v;
        }
    }
    int bad = 0;
    for (int i = 0; i < w * h; i++) {
        double r = y1[i] + y2[i];
        if (fabs(out[i] - r) > 1e-3 * (1.0 + fabs(r))) bad++;
    }
    if (bad) printf("deriche: %d mismatches\n", bad);
    free(in), free(o), free(y1), free(y2);
    return bad;
}
