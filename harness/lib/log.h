/* Logging with levels and a module prefix (OVS VLOG_DEFINE_THIS_MODULE).
 *
 * Every file that logs defines its module once:
 *     LOG_MODULE("profile");
 * and then uses LOG_ERR/LOG_WARN/LOG_INFO/LOG_DBG.  The level is checked
 * before any formatting happens.  Lines go to stderr and, once
 * log_open_file() was called, to the run's run.log with a timestamp; lines
 * logged before that are kept and written to the file when it opens, so
 * run.log has every line the terminal had.  Thread-safe. */
#ifndef PT_LOG_H
#define PT_LOG_H

#include <stdbool.h>

enum log_level { LOG_LEVEL_ERR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DBG };

#define LOG_MODULE(name) static const char log_module_[] = name

extern enum log_level log_threshold;

void log_set_level(enum log_level level);
/* Opens (appends to) 'path' and writes the lines logged so far into it.
 * Returns 0 or a negative errno. */
int log_open_file(const char *path);
void log_close_file(void);
/* Forgets lines buffered for a file that will never be opened. */
void log_discard_early(void);
const char *log_level_to_text(enum log_level level);

void log_write(enum log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LOG_AT_(lvl, ...)                                        \
    do {                                                         \
        if ((lvl) <= log_threshold)                              \
            log_write((lvl), log_module_, __VA_ARGS__);          \
    } while (0)
#define LOG_ERR(...) LOG_AT_(LOG_LEVEL_ERR, __VA_ARGS__)
#define LOG_WARN(...) LOG_AT_(LOG_LEVEL_WARN, __VA_ARGS__)
#define LOG_INFO(...) LOG_AT_(LOG_LEVEL_INFO, __VA_ARGS__)
#define LOG_DBG(...) LOG_AT_(LOG_LEVEL_DBG, __VA_ARGS__)

#endif
