#include "traffic/flow.h"

#include <errno.h>
#include <stdlib.h>

#include "run/settings.h"

int flow_parse(const char *text, struct flow_pattern *fp, struct strbuf *err)
{
    /* One grammar, kept where the profile loader checks it. */
    if (!settings_check_flow_pattern(text, err))
        return -EINVAL;
    fp->n = 0;
    if (text[0] == 's' && text[1] == 'i')
        fp->kind = FLOW_SINGLE;
    else if (text[0] == 's')
        fp->kind = FLOW_SCAN;
    else {
        fp->kind = FLOW_N;
        fp->n = (uint32_t)strtoul(text + 6, NULL, 10);
    }
    return 0;
}
