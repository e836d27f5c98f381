/* Arrays of structs reached through a pointer: leapfrog steps of independent particles. */
typedef struct {
    double x, y, vx, vy;
    int alive;
} particle_t;

void advance(int n, int steps, particle_t *p, double dt)
{
    #pragma acc data copy(p[0:n])
    for (int s = 0; s < steps; s++) {
        #pragma acc parallel loop present(p[0:n])
        for (int i = 0; i < n; i++) {
            particle_t *q = &p[i];
            if (!q->alive)
                continue;
            q->vx += -q->x * dt;
            q->vy += -q->y * dt - 0.1 * dt;
            q->x += q->vx * dt;
            q->y += q->vy * dt;
            if (q->y < -5.0)
                q->alive = 0;
        }
    }
}
