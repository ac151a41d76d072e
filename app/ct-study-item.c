/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ct-error.h"
#include "ct-study-item.h"

struct _CtStudyItem
{
  GObject parent_instance;

  char *path;
  char *series_uid;
  char *patient;
  char *date;            /* YYYY-MM-DD, or as found when not DICOM-shaped */
  char *description;
  int slices;

  CtStudyStatus status;
  double progress;       /* 0..1 of the whole analysis */
  char *stage;
  char *error;

  CtVolume *volume;
  CtAnalysis *analysis;
};

G_DEFINE_FINAL_TYPE (CtStudyItem, ct_study_item, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (CtStudyStatus, ct_study_status,
  G_DEFINE_ENUM_VALUE (CT_STUDY_STATUS_QUEUED, "queued"),
  G_DEFINE_ENUM_VALUE (CT_STUDY_STATUS_LOADING, "loading"),
  G_DEFINE_ENUM_VALUE (CT_STUDY_STATUS_ANALYSING, "analysing"),
  G_DEFINE_ENUM_VALUE (CT_STUDY_STATUS_DONE, "done"),
  G_DEFINE_ENUM_VALUE (CT_STUDY_STATUS_FAILED, "failed"),
  G_DEFINE_ENUM_VALUE (CT_STUDY_STATUS_CANCELLED, "cancelled"))

G_DEFINE_ENUM_TYPE (CtStudySortKey, ct_study_sort_key,
  G_DEFINE_ENUM_VALUE (CT_STUDY_SORT_PROBABILITY, "probability"),
  G_DEFINE_ENUM_VALUE (CT_STUDY_SORT_SEVERITY, "severity"))

enum
{
  PROP_0,
  PROP_PATH,
  PROP_SERIES_UID,
  PROP_PATIENT,
  PROP_DATE,
  PROP_DESCRIPTION,
  PROP_SLICES,
  PROP_STATUS,
  PROP_PROGRESS,
  PROP_STAGE,
  PROP_PROBABILITY,
  PROP_SEVERITY,
  PROP_CATEGORY,
  PROP_ERROR,
  PROP_FINISHED,
  PROP_HAS_VOLUME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ct_study_item_finalize (GObject *object)
{
  CtStudyItem *self = CT_STUDY_ITEM (object);

  g_free (self->path);
  g_free (self->series_uid);
  g_free (self->patient);
  g_free (self->date);
  g_free (self->description);
  g_free (self->stage);
  g_free (self->error);
  g_clear_pointer (&self->volume, ct_volume_unref);
  g_clear_pointer (&self->analysis, ct_analysis_free);

  G_OBJECT_CLASS (ct_study_item_parent_class)->finalize (object);
}

static void
ct_study_item_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  CtStudyItem *self = CT_STUDY_ITEM (object);

  switch (prop_id)
    {
    case PROP_PATH: g_value_set_string (value, self->path); break;
    case PROP_SERIES_UID: g_value_set_string (value, self->series_uid); break;
    case PROP_PATIENT: g_value_set_string (value, self->patient); break;
    case PROP_DATE: g_value_set_string (value, self->date); break;
    case PROP_DESCRIPTION: g_value_set_string (value, self->description); break;
    case PROP_SLICES: g_value_set_int (value, self->slices); break;
    case PROP_STATUS: g_value_set_enum (value, self->status); break;
    case PROP_PROGRESS: g_value_set_double (value, self->progress); break;
    case PROP_STAGE: g_value_set_string (value, self->stage); break;
    case PROP_PROBABILITY: g_value_set_double (value, ct_study_item_get_probability (self)); break;
    case PROP_SEVERITY: g_value_set_double (value, ct_study_item_get_severity (self)); break;
    case PROP_CATEGORY: g_value_set_string (value, ct_study_item_get_category (self)); break;
    case PROP_ERROR: g_value_set_string (value, self->error); break;
    case PROP_FINISHED: g_value_set_boolean (value, ct_study_item_is_finished (self)); break;
    case PROP_HAS_VOLUME: g_value_set_boolean (value, self->volume != NULL); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ct_study_item_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  CtStudyItem *self = CT_STUDY_ITEM (object);

  switch (prop_id)
    {
    case PROP_PATH: self->path = g_value_dup_string (value); break;
    case PROP_SERIES_UID: self->series_uid = g_value_dup_string (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ct_study_item_class_init (CtStudyItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = ct_study_item_finalize;
  object_class->get_property = ct_study_item_get_property;
  object_class->set_property = ct_study_item_set_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SERIES_UID] =
    g_param_spec_string ("series-uid", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PATIENT] = g_param_spec_string ("patient", NULL, NULL, NULL, ro);
  properties[PROP_DATE] = g_param_spec_string ("date", NULL, NULL, NULL, ro);
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, ro);
  properties[PROP_SLICES] = g_param_spec_int ("slices", NULL, NULL, 0, G_MAXINT, 0, ro);
  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL, CT_TYPE_STUDY_STATUS, CT_STUDY_STATUS_QUEUED, ro);
  properties[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, 0, 1, 0, ro);
  properties[PROP_STAGE] = g_param_spec_string ("stage", NULL, NULL, NULL, ro);
  properties[PROP_PROBABILITY] =
    g_param_spec_double ("probability", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, ro);
  properties[PROP_SEVERITY] =
    g_param_spec_double ("severity", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, ro);
  properties[PROP_CATEGORY] = g_param_spec_string ("category", NULL, NULL, NULL, ro);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, ro);
  properties[PROP_FINISHED] = g_param_spec_boolean ("finished", NULL, NULL, FALSE, ro);
  /* Notified whenever the volume is set, replaced or dropped. */
  properties[PROP_HAS_VOLUME] = g_param_spec_boolean ("has-volume", NULL, NULL, FALSE, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ct_study_item_init (CtStudyItem *self)
{
  self->status = CT_STUDY_STATUS_QUEUED;
}

CtStudyItem *
ct_study_item_new (const char *path,
                   const char *series_uid)
{
  g_return_val_if_fail (path != NULL, NULL);

  return g_object_new (CT_TYPE_STUDY_ITEM, "path", path, "series-uid", series_uid, NULL);
}

const char *
ct_study_item_get_path (CtStudyItem *self)
{
  g_return_val_if_fail (CT_IS_STUDY_ITEM (self), NULL);
  return self->path;
}

const char *
ct_study_item_get_series_uid (CtStudyItem *self)
{
  g_return_val_if_fail (CT_IS_STUDY_ITEM (self), NULL);
  return self->series_uid;
}

const char *
ct_study_item_get_patient (CtStudyItem *self)
{
  g_return_val_if_fail (CT_IS_STUDY_ITEM (self), NULL);
  return self->patient;
}

const char *
ct_study_item_get_date (CtStudyItem *self)
{
  g_return_val_if_fail (CT_IS_STUDY_ITEM (self), NULL);
  return self->date;
}

const char *
ct_study_item_get_description (CtStudyItem *self)
{
  g_return_val_if_fail (CT_IS_STUDY_ITEM (self), NULL);
  return self->description;
}

int
ct_study_item_get_slices (CtStudyItem *self)
{
  g_return_val_if_fail (CT_IS_STUDY_ITEM (self), 0);
  return self->slices;
}

CtStudyStatus
ct_study_item_get_status (CtStudyItem *self)
{
  g_return_val_if_fail (CT_IS_STUDY_ITEM (self), CT_STUDY_STATUS_FAILED);
  return self->status;
}

double
ct_study_item_get_progress (CtStudyItem *self)
{
  g_return_val_if_fail (CT_IS_STUDY_ITEM (self), 0);
  return self->progress;
}

const char *
ct_study_item_get_stage (CtStudyItem *self)
{
  g_return_val_if_fail (CT_IS_STUDY_ITEM (self), NULL);
  return self->stage;
}

double
ct_study_item_get_probability (CtStudyItem *self)
{
  g_return_val_if_fail (CT_IS_STUDY_ITEM (self), NAN);
  if (self->analysis == NULL || !self->analysis->has_probability)
    return NAN;
  return self->analysis->covid_probability;
}

double
ct_study_item_get_severity (CtStudyItem *self)
{
  g_return_val_if_fail (CT_IS_STUDY_ITEM (self), NAN);
  if (self->analysis == NULL)
    return NAN;
  return self->analysis->severity_percent;
}

const char *
ct_study_item_get_category (CtStudyItem *self)
{
  g_return_val_if_fail (CT_IS_STUDY_ITEM (self), NULL);
  if (self->analysis == NULL)
    return NULL;
  return ct_category_to_string (self->analysis->category);
}

const char *
ct_study_item_get_error (CtStudyItem *self)
{
  g_return_val_if_fail (CT_IS_STUDY_ITEM (self), NULL);
  return self->error;
}

CtVolume *
ct_study_item_get_volume (CtStudyItem *self)
{
  g_return_val_if_fail (CT_IS_STUDY_ITEM (self), NULL);
  return self->volume;
}

const CtAnalysis *
ct_study_item_get_analysis (CtStudyItem *self)
{
  g_return_val_if_fail (CT_IS_STUDY_ITEM (self), NULL);
  return self->analysis;
}

gboolean
ct_study_item_is_finished (CtStudyItem *self)
{
  g_return_val_if_fail (CT_IS_STUDY_ITEM (self), FALSE);
  return self->status == CT_STUDY_STATUS_DONE
         || self->status == CT_STUDY_STATUS_FAILED
         || self->status == CT_STUDY_STATUS_CANCELLED;
}

static gboolean
replace_string (char **field, const char *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

/* DICOM dates are YYYYMMDD; show them as ISO 8601. */
static char *
format_date (const char *dicom_date)
{
  if (dicom_date == NULL || *dicom_date == '\0')
    return NULL;
  if (strlen (dicom_date) == 8 && strspn (dicom_date, "0123456789") == 8)
    return g_strdup_printf ("%.4s-%.2s-%.2s", dicom_date, dicom_date + 4, dicom_date + 6);
  return g_strdup (dicom_date);
}

void
ct_study_item_set_info (CtStudyItem *self,
                        const char  *patient,
                        const char  *date,
                        const char  *description,
                        int          slices)
{
  g_autofree char *iso_date = format_date (date);

  g_return_if_fail (CT_IS_STUDY_ITEM (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (replace_string (&self->patient, patient != NULL && *patient != '\0' ? patient : NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATIENT]);
  if (replace_string (&self->date, iso_date))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATE]);
  if (replace_string (&self->description, description))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
  if (self->slices != slices)
    {
      self->slices = slices;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SLICES]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
ct_study_item_set_status (CtStudyItem  *self,
                          CtStudyStatus status)
{
  gboolean was_finished;

  g_return_if_fail (CT_IS_STUDY_ITEM (self));

  if (self->status == status)
    return;
  was_finished = ct_study_item_is_finished (self);
  self->status = status;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
  if (was_finished != ct_study_item_is_finished (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINISHED]);
}

void
ct_study_item_set_progress (CtStudyItem *self,
                            double       fraction,
                            const char  *stage)
{
  g_return_if_fail (CT_IS_STUDY_ITEM (self));

  fraction = CLAMP (fraction, 0.0, 1.0);
  if (self->progress != fraction)
    {
      self->progress = fraction;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
    }
  if (replace_string (&self->stage, stage))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STAGE]);
}

void
ct_study_item_set_volume (CtStudyItem *self,
                          CtVolume    *volume)
{
  g_return_if_fail (CT_IS_STUDY_ITEM (self));

  if (volume == self->volume)
    return;
  if (volume != NULL)
    ct_volume_ref (volume);
  g_clear_pointer (&self->volume, ct_volume_unref);
  self->volume = volume;
  g_object_freeze_notify (G_OBJECT (self));
  if (volume != NULL)
    ct_study_item_set_info (self,
                            volume->patient_name != NULL ? volume->patient_name : volume->patient_id,
                            volume->study_date, volume->series_description, volume->nz);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_VOLUME]);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
notify_results (CtStudyItem *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBABILITY]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEVERITY]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CATEGORY]);
}

void
ct_study_item_take_analysis (CtStudyItem *self,
                             CtAnalysis  *analysis)
{
  g_return_if_fail (CT_IS_STUDY_ITEM (self));
  g_return_if_fail (analysis != NULL);

  g_object_freeze_notify (G_OBJECT (self));
  g_clear_pointer (&self->analysis, ct_analysis_free);
  self->analysis = analysis;
  if (replace_string (&self->error, NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  notify_results (self);
  ct_study_item_set_progress (self, 1.0, NULL);
  ct_study_item_set_status (self, CT_STUDY_STATUS_DONE);
  g_object_thaw_notify (G_OBJECT (self));
}

void
ct_study_item_set_error (CtStudyItem  *self,
                         const GError *error)
{
  gboolean cancelled;

  g_return_if_fail (CT_IS_STUDY_ITEM (self));
  g_return_if_fail (error != NULL);

  cancelled = g_error_matches (error, CT_ERROR, CT_ERROR_CANCELLED)
              || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_object_freeze_notify (G_OBJECT (self));
  if (replace_string (&self->error, error->message))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  if (self->analysis != NULL)
    {
      g_clear_pointer (&self->analysis, ct_analysis_free);
      notify_results (self);
    }
  ct_study_item_set_progress (self, 0.0, NULL);
  ct_study_item_set_status (self, cancelled ? CT_STUDY_STATUS_CANCELLED : CT_STUDY_STATUS_FAILED);
  g_object_thaw_notify (G_OBJECT (self));
}

/* 0 = finished with a result, 1 = still waiting or running, 2 = failed. */
static int
priority_group (CtStudyItem *item)
{
  switch (item->status)
    {
    case CT_STUDY_STATUS_DONE:
      return 0;
    case CT_STUDY_STATUS_FAILED:
    case CT_STUDY_STATUS_CANCELLED:
      return 2;
    case CT_STUDY_STATUS_QUEUED:
    case CT_STUDY_STATUS_LOADING:
    case CT_STUDY_STATUS_ANALYSING:
    default:
      return 1;
    }
}

/* Highest first; a missing value (NAN: no probability for a tiny study)
 * ranks below every number. */
static int
compare_descending (double a, double b)
{
  if (isnan (a) || isnan (b))
    return isnan (a) - isnan (b);
  return (a < b) - (a > b);
}

int
ct_study_item_compare_priority (CtStudyItem   *a,
                                CtStudyItem   *b,
                                CtStudySortKey key)
{
  int group_a = priority_group (a);
  int group_b = priority_group (b);
  double prob_a, prob_b, sev_a, sev_b;
  int order;

  if (group_a != group_b)
    return group_a - group_b;
  if (group_a == 1)
    return 0;
  if (group_a == 2)
    return g_strcmp0 (a->path, b->path);

  prob_a = ct_study_item_get_probability (a);
  prob_b = ct_study_item_get_probability (b);
  sev_a = ct_study_item_get_severity (a);
  sev_b = ct_study_item_get_severity (b);
  if (key == CT_STUDY_SORT_SEVERITY)
    order = compare_descending (sev_a, sev_b) * 2 + compare_descending (prob_a, prob_b);
  else
    order = compare_descending (prob_a, prob_b) * 2 + compare_descending (sev_a, sev_b);
  if (order != 0)
    return order;
  order = g_strcmp0 (a->path, b->path);
  if (order != 0)
    return order;
  return g_strcmp0 (a->series_uid, b->series_uid);
}
