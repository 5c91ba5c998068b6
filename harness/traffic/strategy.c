/* The table of throughput strategies (strategy.h). */
#include "traffic/strategy.h"

#include <string.h>

#include "run/settings.h"

extern const struct strategy_ops strategy_steps, strategy_ndr,
    strategy_binary;

const struct strategy_ops *const strategy_table[] = {
    &strategy_steps,
    &strategy_ndr,
    &strategy_binary,
    NULL,
};

const struct strategy_ops *strategy_find(const char *name)
{
    for (size_t i = 0; strategy_table[i]; i++)
        if (!strcmp(strategy_table[i]->name, name))
            return strategy_table[i];
    return NULL;
}

void strategy_add_names(struct strbuf *out)
{
    size_t n = 0;

    while (strategy_table[n])
        n++;
    for (size_t i = 0; i < n; i++)
        strbuf_add_alternative(out, i, n, strategy_table[i]->name);
}

void strategy_list(FILE *out)
{
    /* The default is the settings table's, so that the two cannot
     * disagree about it. */
    const char *def = setting_defs[SETTING_THROUGHPUT_SEARCH].def;

    for (size_t i = 0; strategy_table[i]; i++)
        fprintf(out, "  %-16s %s%s\n", strategy_table[i]->name,
                strategy_table[i]->help,
                strcmp(strategy_table[i]->name, def) ? "" : " (default)");
}
