/* The figures a search leaves for people: NDR and PDR said as what they
 * are ("at least X, limited by the generator" when the harness, not the
 * datapath, set them), and latency under load as a table and a graph. */
#include "report/report.h"

#include <math.h>
#include <stdio.h>

void report_bound_text(const json_t *bound, struct strbuf *out)
{
    double rate = report_num(bound, "rate_pps");
    double lo = report_num(bound, "lower_bound_pps");
    double hi = report_num(bound, "upper_bound_pps");
    const char *limit = json_string_value(json_object_get(bound, "limit"));

    if (json_is_true(json_object_get(bound, "generator_limited"))) {
        strbuf_addf(out, "\u2265 %.0f pps, limited by the generator", rate);
        if (limit)
            strbuf_addf(out, " (%s)", limit);
        return;
    }
    strbuf_addf(out, "%.0f pps", isnan(rate) ? 0 : rate);
    if (lo > 0 && hi > 0)
        strbuf_addf(out, " (between %.0f and %.0f pps)", lo, hi);
    else if (limit)
        strbuf_addf(out, " (%s)", limit);
}

/* Where a value lands on an axis of 'len' pixels from 0 to 'max'. */
static double at(double v, double max, double len)
{
    return max > 0 ? v / max * len : 0;
}

/* An inline SVG: latency (p50, p90, p99) against the load in % of PDR.
 * Inline, so the page stays one file with no script and no request. */
static void latency_svg(struct strbuf *h, const json_t *points)
{
    static const struct { const char *key, *label, *color; } lines[] = {
        { "p50_us", "p50", "#1565c0" }, { "p90_us", "p90", "#ef6c00" },
        { "p99_us", "p99", "#c62828" },
    };
    const double W = 520, H = 240, L = 60, B = 30;
    double ymax = 0;
    size_t i;
    json_t *p;

    json_array_foreach(points, i, p)
        for (size_t k = 0; k < 3; k++)
            ymax = fmax(ymax, report_num(p, lines[k].key));
    ymax = ymax > 0 ? ymax * 1.1 : 1;
    /* Every attribute quoted: in HTML an unquoted value swallows the '/'
     * of "/>", the element stays open and all after it vanishes. */
    strbuf_addf(h, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
                   "height=\"%.0f\" role=\"img\" aria-label=\"latency "
                   "against load\" style=\"background:#fff;border:1px solid "
                   "#ddd\">", W + L + 20, H + B + 20);
    strbuf_addf(h, "<g transform=\"translate(%.0f,10)\" font-size=\"11\">"
                   "<line x1=\"0\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" "
                   "stroke=\"#888\"/><line x1=\"0\" y1=\"0\" x2=\"0\" "
                   "y2=\"%.0f\" stroke=\"#888\"/>", L, H, W, H, H);
    for (int t = 0; t <= 4; t++) {
        strbuf_addf(h, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">"
                       "%d %%</text>", at(25.0 * t, 100, W), H + 16, 25 * t);
        strbuf_addf(h, "<text x=\"-6\" y=\"%.1f\" text-anchor=\"end\">%.0f"
                       "</text>", H - at(ymax * t / 4, ymax, H) + 4,
                    ymax * t / 4);
    }
    strbuf_addf(h, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">"
                   "load, %% of PDR</text><text x=\"-48\" y=\"-2\">&#181;s"
                   "</text>", W / 2, H + 28);
    for (size_t k = 0; k < 3; k++) {
        strbuf_addf(h, "<polyline fill=\"none\" stroke=\"%s\" "
                       "stroke-width=\"2\" points=\"", lines[k].color);
        json_array_foreach(points, i, p)
            strbuf_addf(h, "%.1f,%.1f ",
                        at(report_num(p, "load_pct"), 100, W),
                        H - at(report_num(p, lines[k].key), ymax, H));
        strbuf_addf(h, "\"/><text x=\"%.0f\" y=\"%.0f\" fill=\"%s\">%s"
                       "</text>", W - 40, 14.0 * (double)(k + 1),
                    lines[k].color, lines[k].label);
    }
    strbuf_addstr(h, "</g></svg>\n");
}

void report_html_latency(struct strbuf *h, const struct report *r)
{
    static const struct { const char *head, *key; int decimals; } cols[] = {
        { "load % of PDR", "load_pct", 0 }, { "rate pps", "rate_pps", 0 },
        { "p50 &micro;s", "p50_us", 1 }, { "p90 &micro;s", "p90_us", 1 },
        { "p99 &micro;s", "p99_us", 1 }, { "p99.9 &micro;s", "p999_us", 1 },
        { "max &micro;s", "max_us", 1 }, { "loss %", "loss_pct", 3 },
    };
    const size_t n = sizeof cols / sizeof *cols;
    json_t *points = json_object_get(json_object_get(r->summary, "result"),
                                     "latency_at_load"), *p;
    size_t i;

    if (!json_array_size(points))
        return;
    strbuf_addstr(h, "<h2>Latency under load</h2><table><tr>");
    for (size_t k = 0; k < n; k++)
        strbuf_addf(h, "<th>%s</th>", cols[k].head);
    strbuf_addstr(h, "</tr>");
    json_array_foreach(points, i, p) {
        strbuf_addstr(h, "<tr>");
        for (size_t k = 0; k < n; k++) {
            double v = report_num(p, cols[k].key);
            if (isnan(v))
                strbuf_addstr(h, "<td></td>");
            else
                strbuf_addf(h, "<td>%.*f</td>", cols[k].decimals, v);
        }
        strbuf_addstr(h, "</tr>");
    }
    strbuf_addstr(h, "</table>\n");
    latency_svg(h, points);
}
