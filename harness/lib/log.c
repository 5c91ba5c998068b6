#include "lib/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/strbuf.h"

enum log_level log_threshold = LOG_LEVEL_INFO;

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file;
/* Lines logged before the run directory exists; flushed into run.log. */
static struct strbuf early = STRBUF_INIT;
static bool early_discarded;

static const char *const level_names[] = { "ERR", "WARN", "INFO", "DBG" };

const char *log_level_to_text(enum log_level level)
{
    return level_names[level];
}

void log_set_level(enum log_level level)
{
    log_threshold = level;
}

int log_open_file(const char *path)
{
    FILE *f = fopen(path, "ae");

    if (!f)
        return -errno;
    pthread_mutex_lock(&log_lock);
    if (log_file)
        fclose(log_file);
    log_file = f;
    if (early.len)
        fwrite(early.buf, 1, early.len, log_file);
    strbuf_dispose(&early);
    early_discarded = true;
    fflush(log_file);
    pthread_mutex_unlock(&log_lock);
    return 0;
}

void log_close_file(void)
{
    pthread_mutex_lock(&log_lock);
    if (log_file)
        fclose(log_file);
    log_file = NULL;
    pthread_mutex_unlock(&log_lock);
}

void log_discard_early(void)
{
    pthread_mutex_lock(&log_lock);
    strbuf_dispose(&early);
    early_discarded = true;
    pthread_mutex_unlock(&log_lock);
}

void log_write(enum log_level level, const char *module, const char *fmt, ...)
{
    struct strbuf msg = STRBUF_INIT;
    struct timespec ts;
    struct tm tm;
    char stamp[40];
    va_list ap;

    va_start(ap, fmt);
    strbuf_vaddf(&msg, fmt, ap);
    va_end(ap);

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);

    pthread_mutex_lock(&log_lock);
    if (level <= LOG_LEVEL_WARN)
        fprintf(stderr, "%s: %s: %s\n", module,
                level == LOG_LEVEL_ERR ? "error" : "warning", msg.buf);
    else
        fprintf(stderr, "%s: %s\n", module, msg.buf);
    if (log_file) {
        fprintf(log_file, "%s.%03ldZ %-4s %s: %s\n", stamp,
                ts.tv_nsec / 1000000, level_names[level], module, msg.buf);
        fflush(log_file);
    } else if (!early_discarded) {
        strbuf_addf(&early, "%s.%03ldZ %-4s %s: %s\n", stamp,
                    ts.tv_nsec / 1000000, level_names[level], module, msg.buf);
    }
    pthread_mutex_unlock(&log_lock);
    strbuf_dispose(&msg);
}
