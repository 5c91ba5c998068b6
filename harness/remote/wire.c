#include "remote/wire.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

enum wire_type { W_U64, W_DOUBLE, W_BOOL };

/* Every figure of a trial an agent measures, with the side that measures
 * it; the harness computes the rest (lost, loss, notes) from both. */
static const struct wire_field {
    const char *name;
    size_t off;
    enum wire_type type;
    enum wire_side side;
} fields[] = {
#define F(member, type, side) \
    { #member, offsetof(struct trial_result, member), type, side }
    F(sent, W_U64, WIRE_TX),
    F(tx_rate, W_DOUBLE, WIRE_TX),
    F(duration, W_DOUBLE, WIRE_TX),
    F(gap_p50, W_DOUBLE, WIRE_TX),
    F(gap_p99, W_DOUBLE, WIRE_TX),
    F(pushback, W_U64, WIRE_TX),
    F(source_drops, W_U64, WIRE_TX),
    F(received, W_U64, WIRE_RX),
    F(duplicates, W_U64, WIRE_RX),
    F(reordered, W_U64, WIRE_RX),
    F(rx_rate, W_DOUBLE, WIRE_RX),
    F(lat_min, W_DOUBLE, WIRE_RX),
    F(lat_p50, W_DOUBLE, WIRE_RX),
    F(lat_p90, W_DOUBLE, WIRE_RX),
    F(lat_p99, W_DOUBLE, WIRE_RX),
    F(lat_p999, W_DOUBLE, WIRE_RX),
    F(lat_max, W_DOUBLE, WIRE_RX),
    F(kernel_drops, W_U64, WIRE_RX),
#undef F
};

json_t *wire_trial_to_json(const struct trial_result *res,
                           enum wire_side side)
{
    json_t *obj = json_object();

    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        const struct wire_field *f = &fields[i];
        const char *p = (const char *)res + f->off;

        if (f->side != side)
            continue;
        if (f->type == W_U64)
            json_object_set_new(obj, f->name, json_integer(
                (json_int_t)*(const uint64_t *)p));
        else if (f->type == W_DOUBLE)
            json_object_set_new(obj, f->name,
                                json_real(*(const double *)p));
        else
            json_object_set_new(obj, f->name,
                                json_boolean(*(const bool *)p));
    }
    return obj;
}

int wire_trial_from_json(const json_t *obj, enum wire_side side,
                         struct trial_result *res, struct strbuf *err)
{
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        const struct wire_field *f = &fields[i];
        const json_t *v = json_object_get(obj, f->name);
        char *p = (char *)res + f->off;

        if (f->side != side || !v)
            continue;
        if (f->type == W_U64 && json_is_integer(v)
            && json_integer_value(v) >= 0)
            *(uint64_t *)p = (uint64_t)json_integer_value(v);
        else if (f->type == W_DOUBLE && json_is_number(v))
            *(double *)p = json_number_value(v);
        else if (f->type == W_BOOL && json_is_boolean(v))
            *(bool *)p = json_is_true(v);
        else {
            strbuf_addf(err, "'%s' is not a %s", f->name,
                        f->type == W_BOOL ? "boolean" : "number");
            return -EPROTO;
        }
    }
    return 0;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *wire_base64_encode(const void *data, size_t len)
{
    const uint8_t *in = data;
    char *out = xmalloc(4 * ((len + 2) / 3) + 1), *o = out;

    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        *o++ = b64[v >> 18];
        *o++ = b64[(v >> 12) & 63];
        *o++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
        *o++ = i + 2 < len ? b64[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

int wire_base64_decode(const char *text, void **out, size_t *len)
{
    size_t n = strlen(text), k = 0;
    uint8_t *buf;

    *out = NULL;
    *len = 0;
    if (n % 4)
        return -EINVAL;
    buf = xmalloc(n / 4 * 3 + 1);
    for (size_t i = 0; i < n; i += 4) {
        uint32_t v = 0;
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            const char *c = text[i + j] ? strchr(b64, text[i + j]) : NULL;
            /* '=' only at the end, at most two. */
            if (text[i + j] == '=' && i + 4 == n && j >= 2
                && (j == 3 || text[i + 3] == '=')) {
                pad++;
                v <<= 6;
            } else if (c && !pad) {
                v = v << 6 | (uint32_t)(c - b64);
            } else {
                free(buf);
                return -EINVAL;
            }
        }
        buf[k++] = (uint8_t)(v >> 16);
        if (pad < 2)
            buf[k++] = (uint8_t)(v >> 8);
        if (pad < 1)
            buf[k++] = (uint8_t)v;
    }
    *out = buf;
    *len = k;
    return 0;
}

void wire_mac_text(const uint8_t mac[6], char text[18])
{
    snprintf(text, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
             mac[2], mac[3], mac[4], mac[5]);
}

int wire_mac_parse(const char *text, uint8_t mac[6])
{
    unsigned v[6];
    char end;

    if (!text || sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1],
                        &v[2], &v[3], &v[4], &v[5], &end) != 6)
        return -EINVAL;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    return 0;
}

int wire_boot_id(struct strbuf *out)
{
    int rc = strbuf_read_file(out, "/proc/sys/kernel/random/boot_id");

    strbuf_rtrim(out);
    return rc ? rc : out->len ? 0 : -ENODATA;
}
