/* lavaMD kernel (Rodinia kind): the particles of every box interact with those of the box
 * itself and of its (up to 26) neighbour boxes through an exponential potential; one gang per
 * home box, the home particles across the vector lanes, the neighbour boxes and their
 * particles sequential.  Forces are accumulated in the four-vector of each home particle. */
#include <math.h>
#include "main.h"

#define DOT(A, B) ((A.x) * (B.x) + (A.y) * (B.y) + (A.z) * (B.z))

void kernel_cpu(par_str par, dim_str dim, box_str *box, FOUR_VECTOR *rv, double *qv,
                FOUR_VECTOR *fv)
{
    double a2 = 2.0 * par.alpha * par.alpha;
    int l, k, i, j;
    long first_i, first_j;
    int pointer;
    double r2, u2, fs, vij, fxij, fyij, fzij;
    THREE_VECTOR d;

    #pragma acc parallel loop gang private(first_i, pointer, first_j, k, i, j) \
        copyin(box[0:dim.number_boxes], rv[0:dim.space_elem], qv[0:dim.space_elem]) \
        copy(fv[0:dim.space_elem])
    for (l = 0; l < dim.number_boxes; l = l + 1) {
        first_i = box[l].offset;

        #pragma acc loop seq
        for (k = 0; k < (1 + box[l].nn); k++) {
            if (k == 0)
                pointer = l;
            else
                pointer = box[l].nei[k - 1].number;
            first_j = box[pointer].offset;

            #pragma acc loop vector private(j, r2, u2, fs, vij, fxij, fyij, fzij, d)
            for (i = 0; i < NUMBER_PAR_PER_BOX; i = i + 1) {
                #pragma acc loop seq
                for (j = 0; j < NUMBER_PAR_PER_BOX; j = j + 1) {
                    r2 = rv[first_i + i].v + rv[first_j + j].v - DOT(rv[first_i + i], rv[first_j + j]);
                    u2 = a2 * r2;
                    vij = exp(-u2);
                    fs = 2. * vij;
                    d.x = rv[first_i + i].x - rv[first_j + j].x;
                    d.y = rv[first_i + i].y - rv[first_j + j].y;
                    d.z = rv[first_i + i].z - rv[first_j + j].z;
                    fxij = fs * d.x;
                    fyij = fs * d.y;
                    fzij = fs * d.z;
                    fv[first_i + i].v += qv[first_j + j] * vij;
                    fv[first_i + i].x += qv[first_j + j] * fxij;
                    fv[first_i + i].y += qv[first_j + j] * fyij;
                    fv[first_i + i].z += qv[first_j + j] * fzij;
                }
            }
        }
    }
}
