/* The packages a build produced (SUT_PACKAGES=DIR, --sut-packages DIR),
 * installed before the SUT starts (the install_sut phase), as the
 * original suite installed the midolman packages its build had just
 * made: apt resolves their dependencies, the local files first. */
#ifndef PT_PACKAGES_H
#define PT_PACKAGES_H

#include <jansson.h>
#include <stdbool.h>

#include "lib/strbuf.h"

/* The .deb files in 'dir', sorted by name, each with the Package and
 * Version its control file names (`dpkg-deb -f`): a JSON array of
 * {"file", "package", "version"} in *pkgs (new reference).  0; -ENOENT
 * when 'dir' is no directory or has no .deb; -EIO when dpkg-deb cannot
 * read one, with why in 'err'. */
int sut_packages_list(const char *dir, json_t **pkgs, struct strbuf *err);

/* Installs the files of 'pkgs' with `apt-get install -y --reinstall
 * --allow-downgrades` (a nightly build keeps the version it had
 * yesterday, and must replace it all the same), DEBIAN_FRONTEND=
 * noninteractive, apt's output appended to 'log_path'; then checks with
 * dpkg-query that each package is installed in the version of its file.
 * 0, or -EIO with apt's or dpkg's own error lines in 'err'. */
int sut_packages_install(const json_t *pkgs, const char *log_path,
                         struct strbuf *err);

/* The check of SUT_PACKAGES: "" or a directory with a .deb in it. */
bool sut_packages_check_dir(const char *dir, struct strbuf *why);

#endif
