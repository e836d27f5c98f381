/* lavaMD driver: build the boxes of a cubic domain and their neighbour lists, random
 * particle positions and charges, run the kernel, check against a direct computation. */
#include <stdio.h>
#include <stdlib.h>
#include "main.h"

int main(int argc, char **argv)
{
    par_str par;
    dim_str dim;
    par.alpha = 0.5;
    dim.boxes1d_arg = argc > 1 ? atoi(argv[1]) : 3;
    dim.number_boxes = (long)dim.boxes1d_arg * dim.boxes1d_arg * dim.boxes1d_arg;
    dim.space_elem = dim.number_boxes * NUMBER_PAR_PER_BOX;
    dim.space_mem = dim.space_elem * sizeof(FOUR_VECTOR);
    dim.space_mem2 = dim.space_elem * sizeof(double);
    dim.box_mem = dim.number_boxes * sizeof(box_str);

    box_str *box_cpu = (box_str *)malloc(dim.box_mem);
    int nh = 0;
    for (int i = 0; i < dim.boxes1d_arg; i++)
        for (int j = 0; j < dim.boxes1d_arg; j++)
            for (int k = 0; k < dim.boxes1d_arg; k++) {
                box_cpu[nh].x = k;
                box_cpu[nh].y = j;
                box_cpu[nh].z = i;
                box_cpu[nh].number = nh;
                box_cpu[nh].offset = nh * NUMBER_PAR_PER_BOX;
                box_cpu[nh].nn = 0;
                for (int l = -1; l < 2; l++)
                    for (int m = -1; m < 2; m++)
                        for (int n = -1; n < 2; n++) {
                            if ((i + l) >= 0 && (j + m) >= 0 && (k + n) >= 0
                                && (i + l) < dim.boxes1d_arg && (j + m) < dim.boxes1d_arg
                                && (k + n) < dim.boxes1d_arg && !(l == 0 && m == 0 && n == 0)) {
                                nei_str *nb = &box_cpu[nh].nei[box_cpu[nh].nn];
                                nb->x = k + n;
                                nb->y = j + m;
                                nb->z = i + l;
                                nb->number = (nb->z * dim.boxes1d_arg * dim.boxes1d_arg)
                                             + (nb->y * dim.boxes1d_arg) + nb->x;
                                nb->offset = nb->number * NUMBER_PAR_PER_BOX;
                                box_cpu[nh].nn++;
                            }
                        }
                nh++;
            }

    srand(2);
    FOUR_VECTOR *rv_cpu = (FOUR_VECTOR *)malloc(dim.space_mem);
    double *qv_cpu = (double *)malloc(dim.space_mem2);
    FOUR_VECTOR *fv_cpu = (FOUR_VECTOR *)malloc(dim.space_mem);
    for (long i = 0; i < dim.space_elem; i++) {
        rv_cpu[i].v = (rand() % 10 + 1) / 10.0;
        rv_cpu[i].x = (rand() % 10 + 1) / 10.0;
        rv_cpu[i].y = (rand() % 10 + 1) / 10.0;
        rv_cpu[i].z = (rand() % 10 + 1) / 10.0;
        qv_cpu[i] = (rand() % 10 + 1) / 10.0;
        fv_cpu[i].v = fv_cpu[i].x = fv_cpu[i].y = fv_cpu[i].z = 0.0;
    }

    kernel_cpu(par, dim, box_cpu, rv_cpu, qv_cpu, fv_cpu);

    printf("fv[0] = %.6f %.6f %.6f %.6f\n", fv_cpu[0].v, fv_cpu[0].x, fv_cpu[0].y, fv_cpu[0].z);
    int bad = check_forces(&dim, rv_cpu, qv_cpu, fv_cpu, par.alpha);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    free(box_cpu);
    free(rv_cpu);
    free(qv_cpu);
    free(fv_cpu);
    return 0;
}
