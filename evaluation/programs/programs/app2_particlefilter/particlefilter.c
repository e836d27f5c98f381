/* Particle filter tracking (Rodinia particlefilter kind), one file: a synthetic video of a
 * moving disc in noise, then for every frame: particles move by a random walk (per-particle
 * generator state), each particle's likelihood over the disc's pixel offsets, weights
 * updated and normalised by a sum reduction, the weighted position estimate, the CDF of the
 * weights on the host (prefix sum) and systematic resampling on the device (a search in the
 * CDF per particle).  The generator states and the particles stay on the device. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define PI 3.1415926535897932

/* the generator: seed = (A * seed + C) mod 2^31 */
const unsigned int A = 1103515245u;
const unsigned int C = 12345u;

int check_filter(const unsigned char *I, int IszX, int IszY, int Nfr, const unsigned int *seed0,
                 int Nparticles, const double *xe_out, const double *ye_out,
                 const double *arrayX, const double *arrayY);

#pragma acc routine seq
double randu(unsigned int *seed, int index)
{
    seed[index] = (A * seed[index] + C) & 0x7fffffffu;
    return (seed[index] + 0.5) / 2147483648.0;
}

#pragma acc routine seq
double randn(unsigned int *seed, int index)
{
    double u = randu(seed, index);
    double v = randu(seed, index);
    double cosine = cos(2 * PI * v);
    double rt = -2 * log(u);
    return sqrt(rt) * cosine;
}

#pragma acc routine seq
int roundDouble(double value)
{
    int newValue = (int)value;
    if (value - newValue < .5)
        return newValue;
    else
        return newValue++ + 1;
}

/* the disc of radius 5 moving by (+1, -2) pixels a frame; intensity 228 on 100, noise */
void videoSequence(unsigned char *I, int IszX, int IszY, int Nfr, unsigned int *seed)
{
    int x0 = IszX / 2 - 8, y0 = IszY / 2 + 8;
    for (int k = 0; k < Nfr; k++) {
        int xk = x0 + k, yk = y0 - 2 * k;
        for (int x = 0; x < IszX; x++)
            for (int y = 0; y < IszY; y++) {
                int in = (x - xk) * (x - xk) + (y - yk) * (y - yk) <= 25;
                double v = (in ? 228.0 : 100.0) + 5.0 * randn(seed, 0);
                v = v < 0 ? 0 : v > 255 ? 255 : v;
                I[x * IszY * Nfr + y * Nfr + k] = (unsigned char)v;
            }
    }
}

/* the offsets of the pixels of a disc of the given radius */
int getneighbors(int *neighbors, int radius)
{
    int count = 0;
    for (int x = -radius; x <= radius; x++)
        for (int y = -radius; y <= radius; y++)
            if (x * x + y * y <= radius * radius) {
                neighbors[count * 2] = y;
                neighbors[count * 2 + 1] = x;
                count++;
            }
    return count;
}

void particleFilter(unsigned char *I, int IszX, int IszY, int Nfr, unsigned int *seed,
                    int Nparticles, double *xe_out, double *ye_out, double *arrayX,
                    double *arrayY)
{
    int max_size = IszX * IszY * Nfr;
    double xe = roundDouble(IszY / 2.0);
    double ye = roundDouble(IszX / 2.0);
    int radius = 5;
    int *objxy = (int *)malloc(sizeof(int) * (2 * radius + 1) * (2 * radius + 1) * 2);
    int countOnes = getneighbors(objxy, radius);

    double *weights = (double *)malloc(sizeof(double) * Nparticles);
    double *likelihood = (double *)malloc(sizeof(double) * Nparticles);
    double *xj = (double *)malloc(sizeof(double) * Nparticles);
    double *yj = (double *)malloc(sizeof(double) * Nparticles);
    double *CDF = (double *)malloc(sizeof(double) * Nparticles);
    double *u = (double *)malloc(sizeof(double) * Nparticles);
    int *ind = (int *)malloc(sizeof(int) * countOnes * Nparticles);
    int x, y, k;

    for (x = 0; x < Nparticles; x++) {
        weights[x] = 1 / ((double)(Nparticles));
        arrayX[x] = xe;
        arrayY[x] = ye;
    }
    xe_out[0] = xe;
    ye_out[0] = ye;

    #pragma acc data copyin(I[0:max_size], objxy[0:countOnes*2], weights[0:Nparticles]) \
        copy(arrayX[0:Nparticles], arrayY[0:Nparticles], seed[0:Nparticles]) \
        create(likelihood[0:Nparticles], xj[0:Nparticles], yj[0:Nparticles], \
               CDF[0:Nparticles], u[0:Nparticles], ind[0:countOnes*Nparticles])
    for (k = 1; k < Nfr; k++) {
        /* apply motion model */
        #pragma acc parallel loop present(arrayX[0:Nparticles], arrayY[0:Nparticles], \
            seed[0:Nparticles])
        for (x = 0; x < Nparticles; x++) {
            arrayX[x] += 1 + 5 * randn(seed, x);
            arrayY[x] += -2 + 2 * randn(seed, x);
        }
        /* particle likelihood over the disc's pixels in frame k */
        #pragma acc parallel loop gang vector present(arrayX[0:Nparticles], \
            arrayY[0:Nparticles], objxy[0:countOnes*2], ind[0:countOnes*Nparticles], \
            I[0:max_size], likelihood[0:Nparticles]) private(y)
        for (x = 0; x < Nparticles; x++) {
            for (y = 0; y < countOnes; y++) {
                int indX = roundDouble(arrayX[x]) + objxy[y * 2 + 1];
                int indY = roundDouble(arrayY[x]) + objxy[y * 2];
                ind[x * countOnes + y] = abs(indX * IszY * Nfr + indY * Nfr + k);
                if (ind[x * countOnes + y] >= max_size)
                    ind[x * countOnes + y] = 0;
            }
            likelihood[x] = 0;
            for (y = 0; y < countOnes; y++) {
                double v = I[ind[x * countOnes + y]];
                likelihood[x] += ((v - 100) * (v - 100) - (v - 228) * (v - 228)) / 50.0;
            }
            likelihood[x] = likelihood[x] / ((double)countOnes);
        }
        #pragma acc parallel loop present(weights[0:Nparticles], likelihood[0:Nparticles])
        for (x = 0; x < Nparticles; x++)
            weights[x] = weights[x] * exp(likelihood[x]);
        double sumWeights = 0;
        #pragma acc parallel loop reduction(+:sumWeights) present(weights[0:Nparticles])
        for (x = 0; x < Nparticles; x++)
            sumWeights += weights[x];
        #pragma acc parallel loop present(weights[0:Nparticles])
        for (x = 0; x < Nparticles; x++)
            weights[x] = weights[x] / sumWeights;
        xe = 0;
        ye = 0;
        #pragma acc parallel loop reduction(+:xe, ye) present(arrayX[0:Nparticles], \
            arrayY[0:Nparticles], weights[0:Nparticles])
        for (x = 0; x < Nparticles; x++) {
            xe += arrayX[x] * weights[x];
            ye += arrayY[x] * weights[x];
        }
        xe_out[k] = xe;
        ye_out[k] = ye;

        /* the CDF on the host */
        #pragma acc update self(weights[0:Nparticles], seed[0:1])
        CDF[0] = weights[0];
        for (x = 1; x < Nparticles; x++)
            CDF[x] = weights[x] + CDF[x - 1];
        double u1 = (1 / ((double)(Nparticles))) * randu(seed, 0);
        #pragma acc update device(CDF[0:Nparticles], seed[0:1])

        #pragma acc parallel loop present(u[0:Nparticles])
        for (x = 0; x < Nparticles; x++)
            u[x] = u1 + x / ((double)(Nparticles));
        /* resampling: the first particle whose CDF reaches u[j] */
        #pragma acc parallel loop present(CDF[0:Nparticles], u[0:Nparticles], \
            arrayX[0:Nparticles], arrayY[0:Nparticles], xj[0:Nparticles], yj[0:Nparticles])
        for (int j = 0; j < Nparticles; j++) {
            int i = -1;
            for (x = 0; x < Nparticles; x++) {
                if (CDF[x] >= u[j]) {
                    i = x;
                    break;
                }
            }
            if (i == -1)
                i = Nparticles - 1;
            xj[j] = arrayX[i];
            yj[j] = arrayY[i];
        }
        #pragma acc parallel loop present(arrayX[0:Nparticles], arrayY[0:Nparticles], \
            xj[0:Nparticles], yj[0:Nparticles], weights[0:Nparticles])
        for (x = 0; x < Nparticles; x++) {
            arrayX[x] = xj[x];
            arrayY[x] = yj[x];
            weights[x] = 1 / ((double)(Nparticles));
        }
    }
    free(objxy);
    free(weights);
    free(likelihood);
    free(xj);
    free(yj);
    free(CDF);
    free(u);
    free(ind);
}

int main(int argc, char **argv)
{
    int IszX = 64, IszY = 64, Nfr = 6, Nparticles = argc > 1 ? atoi(argv[1]) : 800;
    unsigned int *seed = (unsigned int *)malloc(sizeof(unsigned int) * Nparticles);
    unsigned int *seed0 = (unsigned int *)malloc(sizeof(unsigned int) * Nparticles);
    for (int i = 0; i < Nparticles; i++)
        seed[i] = seed0[i] = 1234567u + 7919u * i;
    unsigned char *I = (unsigned char *)malloc(sizeof(unsigned char) * IszX * IszY * Nfr);
    unsigned int vseed = 42u;
    videoSequence(I, IszX, IszY, Nfr, &vseed);

    double *xe = (double *)malloc(sizeof(double) * Nfr), *ye = (double *)malloc(sizeof(double) * Nfr);
    double *arrayX = (double *)malloc(sizeof(double) * Nparticles);
    double *arrayY = (double *)malloc(sizeof(double) * Nparticles);
    particleFilter(I, IszX, IszY, Nfr, seed, Nparticles, xe, ye, arrayX, arrayY);
    for (int k = 0; k < Nfr; k++)
        printf("frame %d: XE %.4f YE %.4f\n", k, xe[k], ye[k]);
    int bad = check_filter(I, IszX, IszY, Nfr, seed0, Nparticles, xe, ye, arrayX, arrayY);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    free(seed);
    free(seed0);
    free(I);
    free(xe);
    free(ye);
    free(arrayX);
    free(arrayY);
    return 0;
}
