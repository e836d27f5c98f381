/* Speckle-reducing anisotropic diffusion (SRAD kind): each iteration reduces the image's sum
 * and sum of squares (statistics of the speckle, on the host: q0^2 = var / mean^2), then one
 * kernel computes the four directional differences and the diffusion coefficient of every
 * pixel, and a second kernel applies the divergence.  The image and the five work grids
 * stay on the device; only the image comes back. */
static void srad_iterate(int rows, int cols, int iters, double lambda, double *restrict J,
                         double *restrict c, double *restrict dn, double *restrict ds,
                         double *restrict dw, double *restrict de)
{
    int size = rows * cols;
    for (int it = 0; it < iters; it++) {
        double sum = 0.0, sum2 = 0.0;
        #pragma acc parallel loop reduction(+:sum, sum2) present(J[0:size])
        for (int k = 0; k < size; k++) {
            sum += J[k];
            sum2 += J[k] * J[k];
        }
        double mean = sum / size, var = sum2 / size - mean * mean;
        double q0sqr = var / (mean * mean);

        #pragma acc parallel loop collapse(2) present(J[0:size], c[0:size], dn[0:size], \
            ds[0:size], dw[0:size], de[0:size])
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                int k = i * cols + j;
                double jc = J[k];
                double n = (i > 0 ? J[k - cols] : jc) - jc;
                double s = (i < rows - 1 ? J[k + cols] : jc) - jc;
                double w = (j > 0 ? J[k - 1] : jc) - jc;
                double e = (j < cols - 1 ? J[k + 1] : jc) - jc;
                double g2 = (n * n + s * s + w * w + e * e) / (jc * jc);
                double l = (n + s + w + e) / jc;
                double num = 0.5 * g2 - 0.0625 * l * l;
                double den = 1.0 + 0.25 * l;
                double qsqr = num / (den * den);
                double coef = 1.0 / (1.0 + (qsqr - q0sqr) / (q0sqr * (1.0 + q0sqr)));
                c[k] = coef < 0.0 ? 0.0 : (coef > 1.0 ? 1.0 : coef);
                dn[k] = n;
                ds[k] = s;
                dw[k] = w;
                de[k] = e;
            }

        #pragma acc parallel loop collapse(2) present(J[0:size], c[0:size], dn[0:size], \
            ds[0:size], dw[0:size], de[0:size])
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                int k = i * cols + j;
                double cs = i < rows - 1 ? c[k + cols] : c[k];
                double ce = j < cols - 1 ? c[k + 1] : c[k];
                double div = c[k] * dn[k] + cs * ds[k] + c[k] * dw[k] + ce * de[k];
                J[k] += 0.25 * lambda * div;
            }
    }
}

void srad(int rows, int cols, int iters, double lambda, double *J, double *c, double *dn,
          double *ds, double *dw, double *de)
{
    int size = rows * cols;
    #pragma acc data copy(J[0:size]) create(c[0:size], dn[0:size], ds[0:size], dw[0:size], \
        de[0:size])
    srad_iterate(rows, cols, iters, lambda, J, c, dn, ds, dw, de);
}
