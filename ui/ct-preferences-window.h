/* SPDX-License-Identifier: MIT */
/* ct-preferences-window.h: the preferences (main menu, Ctrl+comma): studies
 * that arrive by themselves. A switch for the DICOM receiver, its AE title,
 * port and allowed calling AE titles, the storage folder, a watched folder
 * and the quiet time, each kept in the application's GSettings (the
 * receiver-* keys); an AE title or list that is not valid is shown in red
 * with the reason and not saved. Below them the receiver's state
 * (ct_arrival_service_get_description ()), its error in red. */
#pragma once

#include <gtk/gtk.h>

#include "ct-arrival-service.h"

G_BEGIN_DECLS

#define CT_TYPE_PREFERENCES_WINDOW (ct_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (CtPreferencesWindow, ct_preferences_window, CT, PREFERENCES_WINDOW, GtkWindow)

CtPreferencesWindow *ct_preferences_window_new (GtkWindow *parent, GSettings *settings, CtArrivalService *arrivals);

/* For tests: the AE title and allowed-list entries, the validation message
 * (NULL when every field is valid) and the state line. */
GtkEditable *ct_preferences_window_get_ae_title_entry (CtPreferencesWindow *self);
GtkEditable *ct_preferences_window_get_allowed_entry (CtPreferencesWindow *self);
const char *ct_preferences_window_get_message (CtPreferencesWindow *self);
const char *ct_preferences_window_get_status (CtPreferencesWindow *self);

G_END_DECLS
