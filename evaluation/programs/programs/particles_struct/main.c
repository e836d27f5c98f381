#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    double x, y, vx, vy;
    int alive;
} particle_t;

void advance(int n, int steps, particle_t *p, double dt);

int main(void)
{
    int n = 300000, steps = 8;
    particle_t *p = malloc(n * sizeof *p), *r = malloc(n * sizeof *r);
    for (int i = 0; i < n; i++) {
        p[i].x = sin(i * 0.1) * 3; p[i].y = cos(i * 0.07) * 6;
        p[i].vx = (i % 5) * 0.1; p[i].vy = 0; p[i].alive = 1;
    }
    memcpy(r, p, n * sizeof *p);
    advance(n, steps, p, 0.05);
    int bad = 0;
    for (int s = 0; s < steps; s++)
        for (int i = 0; i < n; i++) {
            if (!r[i].alive) continue;
            r[i].vx += -r[i].x * 0.05; r[i].vy += -r[i].y * 0.05 - 0.1 * 0.05;
            r[i].x += r[i].vx * 0.05; r[i].y += r[i].vy * 0.05;
            if (r[i].y < -5.0) r[i].alive = 0;
        }
    for (int i = 0; i < n; i++)
        bad += fabs(p[i].x - r[i].x) > 1e-12 || fabs(p[i].y - r[i].y) > 1e-12 || p[i].alive != r[i].alive;
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
