/* What the run does around its SUT besides starting it: installs the
 * build's packages (install_sut), checks that the datapath OVS_DATAPATH
 * names can run here, sets OVS_OTHER_CONFIG in the running OVS and pins
 * its processes (start_sut).  Each returns 0, or the exit code (enum pt_exit) with the
 * reason in 'err', and records what it did in the run's metadata. */
#ifndef PT_SUT_SETUP_H
#define PT_SUT_SETUP_H

#include <jansson.h>

#include "lib/strbuf.h"
#include "run/placement.h"
#include "run/settings.h"

struct sut;

/* SUT_PACKAGES' .deb files installed, each package and version in
 * metadata.json's "sut_packages" (logged to <run_dir>/install_sut.log).
 * Nothing when SUT_PACKAGES is empty. */
int sut_setup_install(const struct settings *s, const char *run_dir,
                      json_t *metadata, struct strbuf *err);
/* OVS_DATAPATH=system without the kernel module: PT_EXIT_ENV. */
int sut_setup_check_datapath(const struct settings *s, struct strbuf *err);
/* OVS_OTHER_CONFIG written and read back, the keys OVS kept in
 * metadata.json's sut.other_config; a key not kept is a warning. */
int sut_setup_configure(const struct settings *s, const struct sut *sut,
                        json_t *metadata, struct strbuf *err);
/* CPU placement (placement.h) resolved into 'p', the SUT's processes
 * pinned, "cpu_placement" in metadata.json.  A bad SUT_CPUS list for
 * this host: PT_EXIT_USAGE. */
int sut_setup_place(const struct settings *s, const struct sut *sut,
                    struct placement *p, json_t *metadata,
                    struct strbuf *err);

#endif
