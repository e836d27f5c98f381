#include <stdio.h>
#include <stdlib.h>

void mandel(int w, int h, int maxit, int *count);

int main(void)
{
    int w = 400, h = 300, maxit = 200;
    int *c = malloc(w * h * sizeof *c);
    mandel(w, h, maxit, c);
    int bad = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double cr = -2.0 + 3.0 * x / w, ci = -1.2 + 2.4 * y / h, zr = 0, zi = 0;
            int it = 0;
            while (zr * zr + zi * zi < 4.0 && it < maxit) {
                double t = zr * zr - zi * zi + cr;
                zi = 2 * zr * zi + ci; zr = t; it++;
            }
            bad += it != c[y * w + x];
        }
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
