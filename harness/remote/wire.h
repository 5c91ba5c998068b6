/* What the agents and the harness exchange besides the method names: the
 * protocol's version, a trial's figures as JSON members (one table, read
 * by both sides), and files as base64 (an RRD file inside a reply). */
#ifndef PT_WIRE_H
#define PT_WIRE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strbuf.h"
#include "traffic/traffic.h"

/* Bumped whenever a method or a member changes meaning: an agent and a
 * harness of different protocols refuse each other at hello. */
#define WIRE_PROTOCOL 1

/* Which half of a trial a member belongs to: the source agent's
 * (injector) or the destination agent's (receiver). */
enum wire_side { WIRE_TX, WIRE_RX };

/* The members of 'side' of 'res' as a new JSON object. */
json_t *wire_trial_to_json(const struct trial_result *res,
                           enum wire_side side);
/* Copies the members of 'side' found in 'obj' into 'res'; members
 * missing are left alone.  0, or -EPROTO for a member of the wrong type
 * (its name in 'err'). */
int wire_trial_from_json(const json_t *obj, enum wire_side side,
                         struct trial_result *res, struct strbuf *err);

/* Base64 (RFC 4648) of 'len' bytes, NUL-terminated, malloc'ed. */
char *wire_base64_encode(const void *data, size_t len);
/* Decodes 'text'; 0 and a malloc'ed buffer in *out, *len bytes, or
 * -EINVAL for text that is not base64. */
int wire_base64_decode(const char *text, void **out, size_t *len);

/* This kernel's boot id (/proc/sys/kernel/random/boot_id): processes
 * that see the same one share one CLOCK_MONOTONIC, namespaces or not.
 * 0 or -errno. */
int wire_boot_id(struct strbuf *out);

/* "aa:bb:cc:dd:ee:ff" <-> 6 bytes; parsing returns 0 or -EINVAL. */
void wire_mac_text(const uint8_t mac[6], char text[18]);
int wire_mac_parse(const char *text, uint8_t mac[6]);

#endif
