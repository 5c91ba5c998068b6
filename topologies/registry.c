/* The table of built-in topologies, and the lookup of shell topologies. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "topologies/topology.h"
#include "lib/util.h"

extern const struct topology_ops topology_basic_ops;
extern const struct topology_ops topology_linux_bridge_ops;
extern const struct topology_ops topology_direct_ops;
extern const struct topology_ops topology_hosts_ops;

static const struct topology_ops *const builtins[] = {
    &topology_basic_ops,
    &topology_linux_bridge_ops,
    &topology_direct_ops,
    &topology_hosts_ops,
};

static char *script_dir(void)
{
    return xasprintf("%s/topologies", pt_data_dir());
}

int topology_find(const char *name, const struct topology_ops **ops,
                  char **script)
{
    *script = NULL;
    for (size_t i = 0; i < ARRAY_SIZE(builtins); i++) {
        if (!strcmp(builtins[i]->name, name)) {
            *ops = builtins[i];
            return 0;
        }
    }
    /* A path to a script, or NAME.sh in the shipped topologies folder. */
    if (strchr(name, '/')) {
        if (!path_is_file(name))
            return -ENOENT;
        *script = xstrdup(name);
    } else {
        char *dir = script_dir();
        char *path = xasprintf("%s/%s.sh", dir, name);
        free(dir);
        if (!path_is_file(path)) {
            free(path);
            return -ENOENT;
        }
        *script = path;
    }
    *ops = &topology_script_ops;
    return 0;
}

void topology_list(FILE *out)
{
    struct dirent **names;
    char *dir = script_dir();
    int n;

    for (size_t i = 0; i < ARRAY_SIZE(builtins); i++)
        fprintf(out, "  %-16s %s\n", builtins[i]->name,
                builtins[i]->description);
    n = scandir(dir, &names, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]->d_name);
        if (len > 3 && !strcmp(names[i]->d_name + len - 3, ".sh"))
            fprintf(out, "  %-16.*s shell topology (%s/%s)\n", (int)len - 3,
                    names[i]->d_name, dir, names[i]->d_name);
        free(names[i]);
    }
    if (n >= 0)
        free(names);
    free(dir);
}
