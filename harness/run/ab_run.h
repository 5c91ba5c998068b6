/* perftests ab (README "A/B of two builds"): two systems under test, the
 * same topology and settings, interleaved rounds of whole runs (each run
 * by run_execute(), so each side starts fresh every round), then the A/B
 * report (report/ab.h) and its gate. */
#ifndef PT_AB_RUN_H
#define PT_AB_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/strbuf.h"
#include "run/settings.h"

/* The --a/--b spelling of the default SUT (a private Open vSwitch from
 * PATH, or the kernel for a topology without OVS), which --sut spells by
 * leaving it out. */
#define AB_DEFAULT_SPEC "default"

enum { AB_A, AB_B, AB_SIDES };

struct ab_config {
    const struct settings *settings;    /* resolved once: the same for
                                           every run of both sides */
    const char *topology;
    const char *results_dir;
    const char *spec[AB_SIDES];         /* --a, --b */
    char **env[AB_SIDES];               /* --a-env, --b-env KEY=VALUE;
                                           NULL-terminated or NULL */
    bool no_wait;
    const char *command_line;
};

/* Checks what --a or --b ('option') gives: a --sut SPEC or "default".
 * 0, or -EINVAL naming the option and what is expected in 'err'. */
int ab_check_spec(const char *option, const char *spec, struct strbuf *err);
/* Checks a --a-env/--b-env ('option') KEY=VALUE: a variable name, not a
 * setting (the settings are the same on both sides: -o).  0 or -EINVAL. */
int ab_check_env(const char *option, const char *kv, struct strbuf *err);
/* What ab_execute() would run, in order. */
void ab_print_plan(const struct ab_config *cfg, FILE *out);
/* Runs AB_ROUNDS rounds and makes the A/B report.  The exit code: 0, 1
 * when B failed the gate, else the code of a run that failed (3, 4,
 * 130), which ends the A/B there (the report has the rounds so far). */
int ab_execute(const struct ab_config *cfg);

#endif
