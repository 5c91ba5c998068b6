/* rrd_stat FILE DS: the number of samples, minimum, median, maximum, first
 * and last of the AVERAGE values of data source DS in FILE over its whole
 * 1-step archive, read with rrd_fetch_r (the integration tests check what
 * the RRD files hold). */
#include <math.h>
#include <rrd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    time_t end = time(NULL), start = end - 3600;
    unsigned long step = 1, n_ds = 0;
    char **names = NULL;
    rrd_value_t *data = NULL;
    double *v;
    size_t n = 0, rows, col = (size_t)-1;

    if (argc != 3) {
        fprintf(stderr, "usage: rrd_stat FILE DS\n");
        return 2;
    }
    if (rrd_fetch_r(argv[1], "AVERAGE", &start, &end, &step, &n_ds, &names,
                    &data)) {
        fprintf(stderr, "rrd_stat: %s\n", rrd_get_error());
        return 1;
    }
    for (unsigned long i = 0; i < n_ds; i++)
        if (!strcmp(names[i], argv[2]))
            col = i;
    if (col == (size_t)-1) {
        fprintf(stderr, "rrd_stat: no data source '%s'\n", argv[2]);
        return 1;
    }
    rows = (size_t)((end - start) / (time_t)step);
    v = calloc(rows + 1, sizeof *v);
    for (size_t r = 0; r < rows; r++) {
        double x = data[r * n_ds + col];
        if (!isnan(x))
            v[n++] = x;
    }
    if (!n) {
        printf("0 nan nan nan nan nan\n");
        return 0;
    }
    double first = v[0], last = v[n - 1];
    qsort(v, n, sizeof *v, cmp);
    /* samples min median max first last */
    printf("%zu %.3f %.3f %.3f %.3f %.3f\n", n, v[0], v[n / 2], v[n - 1],
           first, last);
    return 0;
}
