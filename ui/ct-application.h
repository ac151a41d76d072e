/* SPDX-License-Identifier: MIT */
/* ct-application.h: the GtkApplication: one CtJobQueue shared by its
 * windows, held while studies are analysed so that closing the window
 * cancels the running study and the process ends only once it has stopped. */
#pragma once

#include <gtk/gtk.h>

#include "ct-job-queue.h"

G_BEGIN_DECLS

#define CT_TYPE_APPLICATION (ct_application_get_type ())
G_DECLARE_FINAL_TYPE (CtApplication, ct_application, CT, APPLICATION, GtkApplication)

CtApplication *ct_application_new       (void);
CtJobQueue    *ct_application_get_queue (CtApplication *self);

G_END_DECLS
