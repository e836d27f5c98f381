/* 2-D finite-difference time-domain (Yee scheme, TE mode) on fixed-shape 2-D arrays: each
 * step drives a source along the first row of ey, updates ey and ex from the curl of hz, then
 * hz from the curls of ex and ey.  The fields stay on the device for all steps; the source
 * waveform is copied in once. */
void fdtd2d(int nx, int ny, int steps, const double src[steps],
            double ex[nx][ny], double ey[nx][ny], double hz[nx][ny])
{
    #pragma acc data copyin(src[0:steps]) copy(ex[0:nx][0:ny], ey[0:nx][0:ny], hz[0:nx][0:ny])
    for (int t = 0; t < steps; t++) {
        #pragma acc parallel loop present(src[0:steps], ey[0:nx][0:ny])
        for (int j = 0; j < ny; j++)
            ey[0][j] = src[t];
        #pragma acc parallel loop collapse(2) present(ey[0:nx][0:ny], hz[0:nx][0:ny])
        for (int i = 1; i < nx; i++)
            for (int j = 0; j < ny; j++)
                ey[i][j] -= 0.5 * (hz[i][j] - hz[i - 1][j]);
        #pragma acc parallel loop collapse(2) present(ex[0:nx][0:ny], hz[0:nx][0:ny])
        for (int i = 0; i < nx; i++)
            for (int j = 1; j < ny; j++)
                ex[i][j] -= 0.5 * (hz[i][j] - hz[i][j - 1]);
        #pragma acc parallel loop collapse(2) present(ex[0:nx][0:ny], ey[0:nx][0:ny], hz[0:nx][0:ny])
        for (int i = 0; i < nx - 1; i++)
            for (int j = 0; j < ny - 1; j++)
                hz[i][j] -= 0.7 * (ex[i][j + 1] - ex[i][j] + ey[i + 1][j] - ey[i][j]);
    }
}
