/* The cleanup ledger: everything a run creates outside its own process
 * (namespaces, links, OVS bridges and ports, child processes) is appended to
 * <results-dir>/.ledger/<run-id> *before* it is created.  Teardown removes
 * the entries in reverse order and deletes the file; a later run, or
 * `perftests cleanup`, replays ledgers whose owner process is gone.
 * Nothing that is not in a ledger is ever touched, and only names that
 * start with "pt-" are removed. */
#ifndef PT_LEDGER_H
#define PT_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define LEDGER_PREFIX "pt-"
/* Room for an OVSDB socket path: jsonrpc_open() reaches paths longer than
 * sun_path's 108 bytes, and a private OVS's socket is deep in the results
 * folder. */
#define LEDGER_LOCATION_MAX 256

struct ledger_entry {
    char kind[16];          /* "process", "netns", "link", "ovs-bridge" ... */
    char name[64];          /* pt-... (process: a label) */
    /* Where the thing lives: netns and link, the namespace ("" = root);
     * ovs-bridge and ovs-port, the absolute path of the OVSDB socket of
     * the OVS that holds the row. */
    char location[LEDGER_LOCATION_MAX];
    pid_t pid;              /* process kind only, else 0 */
    unsigned long long starttime;   /* process kind only */
};

/* One remover per kind of thing (one ops struct per extension point).
 * remove() must be idempotent: a thing already gone returns 0 or -ENOENT. */
struct ledger_kind_ops {
    const char *kind;
    /* True when an entry's location is a file's path (an OVSDB socket),
     * which must then be absolute. */
    bool location_is_path;
    int (*remove)(const struct ledger_entry *entry);
};

struct ledger;

/* Creates <dir>/<run_id> (and 'dir') owned by this process.  NULL and errno
 * set on failure. */
struct ledger *ledger_create(const char *dir, const char *run_id);
const char *ledger_path(const struct ledger *ledger);
/* Appends an entry and flushes it to disk; call before creating the thing.
 * 'location' is what struct ledger_entry says for 'kind'.  Returns 0 or a
 * negative errno (-EINVAL for a name without "pt-", or an entry the
 * replay would refuse: see ledger_entry_refusal()). */
int ledger_record(struct ledger *ledger, const char *kind, const char *name,
                  const char *location);
/* Records a process we started ('label' names it in logs). */
int ledger_record_process(struct ledger *ledger, const char *label,
                          pid_t pid);
/* Removes every entry, newest first.  Deletes the file when all of them are
 * gone; keeps it (for `perftests cleanup`) otherwise.  Returns 0 or the
 * first error. */
int ledger_teardown(struct ledger *ledger);
/* Frees memory; does not remove anything. */
void ledger_destroy(struct ledger *ledger);

/* Replays one ledger file (reverse order) and deletes it when everything
 * is gone.  *n_removed counts entries handled.  0 or first error. */
int ledger_replay_file(const char *path, size_t *n_removed);
/* True when the owner recorded in the ledger file no longer runs. */
bool ledger_is_stale(const char *path);
/* Replays every stale ledger under 'dir'.  *n_ledgers counts the replayed
 * files.  0 or the first error (the others are still attempted). */
int ledger_cleanup_stale(const char *dir, size_t *n_ledgers);

/* Parses one ledger line; 0 or -EINVAL. Exposed for tests. */
int ledger_parse_line(const char *line, struct ledger_entry *entry);
/* Why the harness will not act on 'entry' read from a ledger file, or NULL
 * when it is one the harness could have written. */
const char *ledger_entry_refusal(const struct ledger_entry *entry);
/* True when 'name' starts with LEDGER_PREFIX: the only names that
 * ledger_record() takes and the removers touch. */
bool ledger_name_is_ours(const char *name);
/* The remover for 'kind', or NULL. */
const struct ledger_kind_ops *ledger_kind_find(const char *kind);

#endif
