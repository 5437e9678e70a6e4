/* SPDX-License-Identifier: MIT */
/*
 * report_html.h - the evidence pack: clearwayctl report --format html.
 *
 * One self-contained HTML file (no external assets, no script) an auditor
 * can open: totals, a chart (inline SVG) of each revocation's time to
 * complete against its deadline, every revocation with requested / due /
 * done and met or missed, the month's access requests (who asked, who
 * approved or rejected, when, for what), and the audit chain's
 * verification result.
 * Rows are written as the daemon's pages arrive; the chart and totals,
 * which need them all, come at the end (the table of contents links them).
 */
#ifndef CW_REPORT_HTML_H
#define CW_REPORT_HTML_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

struct report_html;

/* Starts the document for month ("YYYY-MM"); NULL when out of memory. */
struct report_html *report_html_begin(const char *month, int64_t now);

/* Writes one page's revocations (the daemon's report rows) as table rows
 * and keeps what the chart needs.  0, or -1 when out of memory. */
int report_html_rows(struct report_html *h, const json_t *list);

/* Ends the revocations' table and starts the access-request log's (the
 * daemon's requests rows for the month); requests writes one page of it.
 * 0, or -1 when out of memory. */
void report_html_requests_begin(struct report_html *h);
int report_html_requests(struct report_html *h, const json_t *list);

/* Ends the table, writes totals, the chart and the verification of the
 * trail (read with cli's config: root, or a user who may read it), ends
 * the document and frees h.  complete false: a page failed, and the
 * document says the list is incomplete. */
void report_html_end(struct report_html *h, struct cli *cli, bool complete);

#endif
