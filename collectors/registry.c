#include "collectors/collector.h"

#include <string.h>

extern const struct collector_ops collector_proc, collector_system,
    collector_netdev, collector_ovs, collector_jmx;

const struct collector_ops *const collector_table[] = {
    &collector_proc, &collector_system, &collector_netdev, &collector_ovs,
    &collector_jmx,
    NULL,
};

const struct collector_ops *collector_find(const char *name)
{
    for (size_t i = 0; collector_table[i]; i++)
        if (!strcmp(collector_table[i]->name, name))
            return collector_table[i];
    return NULL;
}
