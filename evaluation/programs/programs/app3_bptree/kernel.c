/* b+tree search kernels (Rodinia b+tree's findK and findRangeK): each query walks the tree
 * from the root one level per step, the key comparison across a node's slots is the vector
 * loop (at most one slot matches).  Every wrapper maps the tree and its query arrays for the
 * duration of its own kernel. */
#include "btree.h"

void kernel_findK(record *records, long records_elem, knode *knodes, long knodes_elem,
                  int order, long maxheight, int count, long *currKnode, long *offset,
                  int *keys, record *ans)
{
    int thid, bid, i;
    #pragma acc data copyin(records[0:records_elem], knodes[0:knodes_elem], keys[0:count]) \
        copy(currKnode[0:count], offset[0:count]) copyout(ans[0:count])
    {
        #pragma acc parallel loop gang private(i)
        for (bid = 0; bid < count; bid++) {
            for (i = 0; i < maxheight; i++) {
                #pragma acc loop vector
                for (thid = 0; thid < order; thid++) {
                    if (knodes[currKnode[bid]].keys[thid] <= keys[bid] &&
                        knodes[currKnode[bid]].keys[thid + 1] > keys[bid]) {
                        if (knodes[offset[bid]].indices[thid] < knodes_elem)
                            offset[bid] = knodes[offset[bid]].indices[thid];
                    }
                }
                currKnode[bid] = offset[bid];
            }
            ans[bid].value = -1;
            #pragma acc loop vector
            for (thid = 0; thid < order; thid++) {
                if (knodes[currKnode[bid]].keys[thid] == keys[bid])
                    ans[bid].value = records[knodes[currKnode[bid]].indices[thid]].value;
            }
        }
    }
}

void kernel_findRangeK(knode *knodes, long knodes_elem, int order, long maxheight, int count,
                       long *currKnode, long *offset, long *lastKnode, long *offset_2,
                       int *start, int *end, int *recstart, int *reclength)
{
    int thid, bid, i;
    #pragma acc data copyin(knodes[0:knodes_elem], start[0:count], end[0:count]) \
        copy(currKnode[0:count], offset[0:count], lastKnode[0:count], offset_2[0:count]) \
        copyout(recstart[0:count], reclength[0:count])
    {
        #pragma acc parallel loop gang private(i)
        for (bid = 0; bid < count; bid++) {
            for (i = 0; i < maxheight; i++) {
                #pragma acc loop vector
                for (thid = 0; thid < order; thid++) {
                    if (knodes[currKnode[bid]].keys[thid] <= start[bid] &&
                        knodes[currKnode[bid]].keys[thid + 1] > start[bid]) {
                        if (knodes[currKnode[bid]].indices[thid] < knodes_elem)
                            offset[bid] = knodes[currKnode[bid]].indices[thid];
                    }
                    if (knodes[lastKnode[bid]].keys[thid] <= end[bid] &&
                        knodes[lastKnode[bid]].keys[thid + 1] > end[bid]) {
                        if (knodes[lastKnode[bid]].indices[thid] < knodes_elem)
                            offset_2[bid] = knodes[lastKnode[bid]].indices[thid];
                    }
                }
                currKnode[bid] = offset[bid];
                lastKnode[bid] = offset_2[bid];
            }
            recstart[bid] = -1;
            reclength[bid] = 0;
            #pragma acc loop vector
            for (thid = 0; thid < order; thid++) {
                if (knodes[currKnode[bid]].keys[thid] == start[bid])
                    recstart[bid] = knodes[currKnode[bid]].indices[thid];
            }
            #pragma acc loop vector
            for (thid = 0; thid < order; thid++) {
                if (knodes[lastKnode[bid]].keys[thid] == end[bid])
                    reclength[bid] = knodes[lastKnode[bid]].indices[thid] - recstart[bid] + 1;
            }
        }
    }
}
