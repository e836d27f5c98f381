/* Escape-time iteration per pixel: a data-dependent while loop inside a collapsed nest. */
void mandel(int w, int h, int maxit, int *count)
{
    #pragma acc parallel loop collapse(2) copyout(count[0:w*h])
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double cr = -2.0 + 3.0 * x / w, ci = -1.2 + 2.4 * y / h, zr = 0, zi = 0;
            int it = 0;
            while (zr * zr + zi * zi < 4.0 && it < maxit) {
                double t = zr * zr - zi * zi + cr;
                zi = 2 * zr * zi + ci;
                zr = t;
                it++;
            }
            count[y * w + x] = it;
        }
}
