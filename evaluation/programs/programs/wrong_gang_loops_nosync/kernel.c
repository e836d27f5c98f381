/* WRONG: the time loop is inside one parallel region and its two gang loops (a stencil and
 * the copy back) have no synchronisation between them: a gang may read neighbours that
 * another gang has not updated yet. */
void smooth_steps(int n, int steps, double *a, double *b)
{
    #pragma acc parallel copy(a[0:n]) create(b[0:n])
    {
        for (int t = 0; t < steps; t++) {
            #pragma acc loop gang vector
            for (int i = 1; i < n - 1; i++)
                b[i] = (a[i - 1] + a[i] + a[i + 1]) / 3.0;
            #pragma acc loop gang vector
            for (int i = 1; i < n - 1; i++)
                a[i] = b[i];
        }
    }
}
