/* SPDX-License-Identifier: MIT */
/* ct-teaching-report.h: the teaching summary as a PDF: the summary text
 * (ct_teaching_summary_text) and, per resident, Bland-Altman plots of the
 * severity against the reference and against the AI
 * (render/ct-teaching-summary.h). GTK-free. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* @answers: CtTeachingAnswer*. */
gboolean ct_teaching_report_write_pdf (GPtrArray *answers, const char *file, GError **error);

G_END_DECLS
