/* Thermal simulation of a chip (hotspot kind): each step computes the new temperature of
 * every cell from its neighbours (clamped at the edges), the dissipated power and the ambient
 * temperature, into a second buffer; the caller swaps the two buffers' pointers (ping-pong).
 * Both buffers and the power map stay on the device for all steps. */
static void hotspot_step(int rows, int cols, const double *restrict power,
                         const double *restrict tin, double *restrict tout, double cap_inv,
                         double rx_inv, double ry_inv, double rz_inv, double ambient)
{
    #pragma acc parallel loop collapse(2) present(power[0:rows*cols], tin[0:rows*cols], \
        tout[0:rows*cols])
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            int c = i * cols + j;
            int up = i > 0 ? c - cols : c, down = i < rows - 1 ? c + cols : c;
            int left = j > 0 ? c - 1 : c, right = j < cols - 1 ? c + 1 : c;
            double t = tin[c];
            tout[c] = t + cap_inv * (power[c] + (tin[up] + tin[down] - 2.0 * t) * ry_inv
                                     + (tin[left] + tin[right] - 2.0 * t) * rx_inv
                                     + (ambient - t) * rz_inv);
        }
}

/* Runs `steps` steps; returns the buffer that holds the final temperatures (a or b). */
double *hotspot(int rows, int cols, int steps, const double *power, double *a, double *b)
{
    double *tin = a, *tout = b;
    #pragma acc data copyin(power[0:rows*cols]) copy(a[0:rows*cols], b[0:rows*cols])
    {
        for (int t = 0; t < steps; t++) {
            hotspot_step(rows, cols, power, tin, tout, 0.5, 0.1, 0.1, 0.02, 80.0);
            double *tmp = tin;
            tin = tout;
            tout = tmp;
        }
    }
    return tin;
}
