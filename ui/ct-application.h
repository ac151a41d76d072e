/* SPDX-License-Identifier: MIT */
/* ct-application.h: the GtkApplication: one CtJobQueue shared by its
 * windows, held while studies are analysed so that closing the window
 * cancels the running study and the process ends only once it has stopped. */
#pragma once

#include <gtk/gtk.h>

#include "ct-arrival-service.h"
#include "ct-job-queue.h"

G_BEGIN_DECLS

#define CT_TYPE_APPLICATION (ct_application_get_type ())
G_DECLARE_FINAL_TYPE (CtApplication, ct_application, CT, APPLICATION, GtkApplication)

/* @model_dir holds the two weights files (NULL: none found, every study
 * then says so); @cache_dir is the results cache's folder (NULL: its
 * default); @settings is where windows remember their state (the window
 * works the same when it cannot write). The entry point decides all three;
 * nothing here reads the environment. */
CtApplication *ct_application_new (const char *model_dir, const char *cache_dir, GSettings *settings);
CtJobQueue *ct_application_get_queue (CtApplication *self);
GSettings *ct_application_get_settings (CtApplication *self);
/* Studies that arrive by themselves, following @settings' receiver-* keys
 * from startup on (NULL before). */
CtArrivalService *ct_application_get_arrival_service (CtApplication *self);

G_END_DECLS
