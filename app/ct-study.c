/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ct-error.h"
#include "ct-study.h"

struct _CtStudy
{
  GObject parent_instance;

  CtSeriesInfo *series; /* owned, NULL when made from a path */
  char *path;
  char *series_uid;
  char *study_uid;
  char *patient_id;
  char *patient; /* name, else ID */
  char *modality;
  char *date; /* YYYY-MM-DD, or as found when not DICOM-shaped */
  char *description;
  int slices;

  gboolean loaded; /* the fields below describe a loaded volume */
  int rows, columns;
  double spacing[3];   /* mm: x, y, z */
  GPtrArray *warnings; /* char* */
  double load_ms;

  CtStudyStatus status;
  double progress; /* 0..1 of the whole analysis */
  char *stage;
  char *error;
  char *analysis_note;

  CtVolume *volume;
  CtAnalysis *analysis;
  gboolean cached;
  double cache_ms;
};

G_DEFINE_FINAL_TYPE (CtStudy, ct_study, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (CtStudyStatus, ct_study_status, G_DEFINE_ENUM_VALUE (CT_STUDY_STATUS_QUEUED, "queued"),
                    G_DEFINE_ENUM_VALUE (CT_STUDY_STATUS_LOADING, "loading"),
                    G_DEFINE_ENUM_VALUE (CT_STUDY_STATUS_ANALYSING, "analysing"),
                    G_DEFINE_ENUM_VALUE (CT_STUDY_STATUS_DONE, "done"),
                    G_DEFINE_ENUM_VALUE (CT_STUDY_STATUS_FAILED, "failed"),
                    G_DEFINE_ENUM_VALUE (CT_STUDY_STATUS_CANCELLED, "cancelled"))

G_DEFINE_ENUM_TYPE (CtStudySortKey, ct_study_sort_key, G_DEFINE_ENUM_VALUE (CT_STUDY_SORT_PROBABILITY, "probability"),
                    G_DEFINE_ENUM_VALUE (CT_STUDY_SORT_SEVERITY, "severity"),
                    G_DEFINE_ENUM_VALUE (CT_STUDY_SORT_TRIAGE, "triage"))

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

gboolean
ct_study_sort_key_from_string (const char *name, CtStudySortKey *out_key)
{
  GEnumClass *klass = g_type_class_ref (CT_TYPE_STUDY_SORT_KEY);
  GEnumValue *value = name != NULL ? g_enum_get_value_by_nick (klass, name) : NULL;

  if (value != NULL)
    *out_key = value->value;
  g_type_class_unref (klass);
  return value != NULL;
}

const char *
ct_study_sort_key_to_string (CtStudySortKey key)
{
  switch (key)
    {
    case CT_STUDY_SORT_PROBABILITY:
      return "probability";
    case CT_STUDY_SORT_SEVERITY:
      return "severity";
    case CT_STUDY_SORT_TRIAGE:
      return "triage";
    default:
      return NULL;
    }
}

static void
ct_study_finalize (GObject *object)
{
  CtStudy *self = CT_STUDY (object);

  g_clear_pointer (&self->series, ct_series_info_free);
  g_free (self->path);
  g_free (self->series_uid);
  g_free (self->study_uid);
  g_free (self->patient_id);
  g_free (self->patient);
  g_free (self->modality);
  g_free (self->date);
  g_free (self->description);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  g_free (self->stage);
  g_free (self->error);
  g_free (self->analysis_note);
  g_clear_pointer (&self->volume, ct_volume_unref);
  g_clear_pointer (&self->analysis, ct_analysis_unref);

  G_OBJECT_CLASS (ct_study_parent_class)->finalize (object);
}

static void
ct_study_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CtStudy *self = CT_STUDY (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_SERIES_UID:
      g_value_set_string (value, self->series_uid);
      break;
    case PROP_PATIENT:
      g_value_set_string (value, self->patient);
      break;
    case PROP_DATE:
      g_value_set_string (value, self->date);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    case PROP_SLICES:
      g_value_set_int (value, self->slices);
      break;
    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    case PROP_STAGE:
      g_value_set_string (value, self->stage);
      break;
    case PROP_PROBABILITY:
      g_value_set_double (value, ct_study_get_probability (self));
      break;
    case PROP_SEVERITY:
      g_value_set_double (value, ct_study_get_severity (self));
      break;
    case PROP_CATEGORY:
      g_value_set_string (value, ct_study_get_category (self));
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_FINISHED:
      g_value_set_boolean (value, ct_study_is_finished (self));
      break;
    case PROP_HAS_VOLUME:
      g_value_set_boolean (value, self->volume != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ct_study_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CtStudy *self = CT_STUDY (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;
    case PROP_SERIES_UID:
      self->series_uid = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ct_study_class_init (CtStudyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = ct_study_finalize;
  object_class->get_property = ct_study_get_property;
  object_class->set_property = ct_study_set_property;

  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL,
                                               G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SERIES_UID] = g_param_spec_string (
      "series-uid", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PATIENT] = g_param_spec_string ("patient", NULL, NULL, NULL, ro);
  properties[PROP_DATE] = g_param_spec_string ("date", NULL, NULL, NULL, ro);
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, ro);
  properties[PROP_SLICES] = g_param_spec_int ("slices", NULL, NULL, 0, G_MAXINT, 0, ro);
  properties[PROP_STATUS] = g_param_spec_enum ("status", NULL, NULL, CT_TYPE_STUDY_STATUS, CT_STUDY_STATUS_QUEUED, ro);
  properties[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, 0, 1, 0, ro);
  properties[PROP_STAGE] = g_param_spec_string ("stage", NULL, NULL, NULL, ro);
  properties[PROP_PROBABILITY] = g_param_spec_double ("probability", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, ro);
  properties[PROP_SEVERITY] = g_param_spec_double ("severity", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, ro);
  properties[PROP_CATEGORY] = g_param_spec_string ("category", NULL, NULL, NULL, ro);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, ro);
  properties[PROP_FINISHED] = g_param_spec_boolean ("finished", NULL, NULL, FALSE, ro);
  /* Notified whenever the volume is set, replaced or dropped. */
  properties[PROP_HAS_VOLUME] = g_param_spec_boolean ("has-volume", NULL, NULL, FALSE, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ct_study_init (CtStudy *self)
{
  self->status = CT_STUDY_STATUS_QUEUED;
  self->warnings = g_ptr_array_new_with_free_func (g_free);
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

static gboolean
replace_string (char **field, const char *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static const char *
nonempty (const char *text)
{
  return text != NULL && *text != '\0' ? text : NULL;
}

/* Identifiers and size as the headers or the volume say; notifies what
 * changed. */
static void
set_identity (CtStudy *self, const char *study_uid, const char *patient_id, const char *patient_name,
              const char *modality, const char *date, const char *description, int slices)
{
  g_autofree char *iso_date = format_date (date);
  const char *patient = nonempty (patient_name) != NULL ? patient_name : nonempty (patient_id);

  g_object_freeze_notify (G_OBJECT (self));
  replace_string (&self->study_uid, study_uid);
  replace_string (&self->patient_id, patient_id);
  replace_string (&self->modality, modality);
  if (replace_string (&self->patient, patient))
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

CtStudy *
ct_study_new_for_series (CtSeriesInfo *series)
{
  CtStudy *self;

  g_return_val_if_fail (series != NULL, NULL);

  /* The (path, series UID) pair the reports name, and ct_series_load_path ()
   * would find again. */
  self = g_object_new (CT_TYPE_STUDY, "path", series->path, "series-uid", series->series_uid, NULL);
  self->series = series;
  set_identity (self, series->study_uid, series->patient_id, series->patient_name, series->modality, series->study_date,
                series->series_description, series->n_images);
  if (series->kind == CT_SERIES_KIND_NIFTI)
    replace_string (&self->modality, "CT");
  return self;
}

CtStudy *
ct_study_new (const char *path, const char *series_uid)
{
  g_return_val_if_fail (path != NULL, NULL);

  return g_object_new (CT_TYPE_STUDY, "path", path, "series-uid", series_uid, NULL);
}

CtStudy *
ct_study_new_failed (const char *path, const char *message)
{
  CtStudy *self = ct_study_new (path, NULL);

  g_return_val_if_fail (message != NULL, self);
  self->error = g_strdup (message);
  self->status = CT_STUDY_STATUS_FAILED;
  return self;
}

const CtSeriesInfo *
ct_study_get_series (CtStudy *self)
{
  g_return_val_if_fail (CT_IS_STUDY (self), NULL);
  return self->series;
}

#define GETTER(type, name, fallback)                                                                                   \
  type ct_study_get_##name (CtStudy *self)                                                                             \
  {                                                                                                                    \
    g_return_val_if_fail (CT_IS_STUDY (self), fallback);                                                               \
    return self->name;                                                                                                 \
  }

GETTER (const char *, path, NULL)
GETTER (const char *, series_uid, NULL)
GETTER (const char *, study_uid, NULL)
GETTER (const char *, patient_id, NULL)
GETTER (const char *, patient, NULL)
GETTER (const char *, modality, NULL)
GETTER (const char *, date, NULL)
GETTER (const char *, description, NULL)
GETTER (int, slices, 0)
GETTER (gboolean, loaded, FALSE)
GETTER (int, rows, 0)
GETTER (int, columns, 0)
GETTER (GPtrArray *, warnings, NULL)
GETTER (double, load_ms, 0.0)
GETTER (CtStudyStatus, status, CT_STUDY_STATUS_FAILED)
GETTER (double, progress, 0.0)
GETTER (const char *, stage, NULL)
GETTER (const char *, error, NULL)
GETTER (CtVolume *, volume, NULL)
GETTER (gboolean, cached, FALSE)
GETTER (double, cache_ms, 0.0)
GETTER (const char *, analysis_note, NULL)

#undef GETTER

const double *
ct_study_get_spacing (CtStudy *self)
{
  g_return_val_if_fail (CT_IS_STUDY (self), NULL);
  return self->spacing;
}

const CtAnalysis *
ct_study_get_analysis (CtStudy *self)
{
  g_return_val_if_fail (CT_IS_STUDY (self), NULL);
  return self->analysis;
}

CtAnalysis *
ct_study_dup_analysis (CtStudy *self)
{
  g_return_val_if_fail (CT_IS_STUDY (self), NULL);
  return self->analysis != NULL ? ct_analysis_ref (self->analysis) : NULL;
}

double
ct_study_get_probability (CtStudy *self)
{
  g_return_val_if_fail (CT_IS_STUDY (self), NAN);
  if (!ct_study_get_assessable (self) || !self->analysis->has_probability)
    return NAN;
  return self->analysis->covid_probability;
}

double
ct_study_get_severity (CtStudy *self)
{
  g_return_val_if_fail (CT_IS_STUDY (self), NAN);
  return ct_study_get_assessable (self) ? self->analysis->severity_percent : NAN;
}

double
ct_study_get_triage_score (CtStudy *self)
{
  g_return_val_if_fail (CT_IS_STUDY (self), NAN);
  return ct_study_get_assessable (self) ? self->analysis->triage_score : NAN;
}

gboolean
ct_study_get_assessable (CtStudy *self)
{
  g_return_val_if_fail (CT_IS_STUDY (self), FALSE);
  return self->analysis != NULL && ct_analysis_is_assessable (self->analysis);
}

const char *
ct_study_get_category (CtStudy *self)
{
  g_return_val_if_fail (CT_IS_STUDY (self), NULL);
  return ct_study_get_assessable (self) ? ct_category_to_string (self->analysis->category) : NULL;
}

gboolean
ct_study_is_finished (CtStudy *self)
{
  g_return_val_if_fail (CT_IS_STUDY (self), FALSE);
  return self->status == CT_STUDY_STATUS_DONE || self->status == CT_STUDY_STATUS_FAILED ||
         self->status == CT_STUDY_STATUS_CANCELLED;
}

void
ct_study_set_status (CtStudy *self, CtStudyStatus status)
{
  gboolean was_finished;

  g_return_if_fail (CT_IS_STUDY (self));

  if (self->status == status)
    return;
  was_finished = ct_study_is_finished (self);
  self->status = status;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
  if (was_finished != ct_study_is_finished (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINISHED]);
}

void
ct_study_set_progress (CtStudy *self, double fraction, const char *stage)
{
  g_return_if_fail (CT_IS_STUDY (self));

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
ct_study_set_volume (CtStudy *self, CtVolume *volume, double load_ms)
{
  g_return_if_fail (CT_IS_STUDY (self));

  if (load_ms >= 0.0)
    self->load_ms = load_ms;
  if (volume == self->volume)
    return;
  if (volume != NULL)
    ct_volume_ref (volume);
  g_clear_pointer (&self->volume, ct_volume_unref);
  self->volume = volume;
  g_object_freeze_notify (G_OBJECT (self));
  if (volume != NULL)
    {
      set_identity (self, volume->study_uid, volume->patient_id, volume->patient_name,
                    volume->modality != NULL ? volume->modality : self->modality, volume->study_date,
                    volume->series_description, volume->nz);
      self->loaded = TRUE;
      self->rows = volume->ny;
      self->columns = volume->nx;
      memcpy (self->spacing, volume->spacing, sizeof self->spacing);
      g_ptr_array_set_size (self->warnings, 0);
      for (guint w = 0; volume->warnings != NULL && w < volume->warnings->len; w++)
        g_ptr_array_add (self->warnings, g_strdup (g_ptr_array_index (volume->warnings, w)));
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_VOLUME]);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
notify_results (CtStudy *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBABILITY]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEVERITY]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CATEGORY]);
}

void
ct_study_set_analysis (CtStudy *self, CtAnalysis *analysis, gboolean cached, double cache_ms)
{
  g_return_if_fail (CT_IS_STUDY (self));
  g_return_if_fail (analysis != NULL);

  g_object_freeze_notify (G_OBJECT (self));
  ct_analysis_ref (analysis);
  g_clear_pointer (&self->analysis, ct_analysis_unref);
  self->analysis = analysis;
  self->cached = cached;
  self->cache_ms = cached ? cache_ms : 0.0;
  g_clear_pointer (&self->analysis_note, g_free);
  if (replace_string (&self->error, NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  notify_results (self);
  ct_study_set_progress (self, 1.0, NULL);
  ct_study_set_status (self, CT_STUDY_STATUS_DONE);
  g_object_thaw_notify (G_OBJECT (self));
}

void
ct_study_set_analysis_note (CtStudy *self, const char *note)
{
  g_return_if_fail (CT_IS_STUDY (self));
  replace_string (&self->analysis_note, note);
}

void
ct_study_set_error (CtStudy *self, const GError *error)
{
  gboolean cancelled;

  g_return_if_fail (CT_IS_STUDY (self));
  g_return_if_fail (error != NULL);

  cancelled = g_error_matches (error, CT_ERROR, CT_ERROR_CANCELLED) ||
              g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_object_freeze_notify (G_OBJECT (self));
  if (replace_string (&self->error, error->message))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  if (self->analysis != NULL)
    {
      g_clear_pointer (&self->analysis, ct_analysis_unref);
      self->cached = FALSE;
      notify_results (self);
    }
  ct_study_set_progress (self, 0.0, NULL);
  ct_study_set_status (self, cancelled ? CT_STUDY_STATUS_CANCELLED : CT_STUDY_STATUS_FAILED);
  g_object_thaw_notify (G_OBJECT (self));
}

void
ct_study_set_export_error (CtStudy *self, const GError *error)
{
  g_return_if_fail (CT_IS_STUDY (self));
  g_return_if_fail (error != NULL);

  if (replace_string (&self->error, error->message))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  ct_study_set_status (self, CT_STUDY_STATUS_FAILED);
}

/* 0 = assessed, 1 = analysed but not assessable (by path), 2 = not
 * analysed (yet), 3 = failed or cancelled. */
static int
priority_group (CtStudy *study)
{
  if (study->error != NULL || study->status == CT_STUDY_STATUS_FAILED || study->status == CT_STUDY_STATUS_CANCELLED)
    return 3;
  if (study->analysis == NULL)
    return 2;
  return ct_analysis_is_assessable (study->analysis) ? 0 : 1;
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

static double
key_value (CtStudy *study, CtStudySortKey key)
{
  switch (key)
    {
    case CT_STUDY_SORT_SEVERITY:
      return ct_study_get_severity (study);
    case CT_STUDY_SORT_TRIAGE:
      return ct_study_get_triage_score (study);
    case CT_STUDY_SORT_PROBABILITY:
    default:
      return ct_study_get_probability (study);
    }
}

int
ct_study_compare_priority (CtStudy *a, CtStudy *b, CtStudySortKey key)
{
  /* After the key itself, the others break ties: probability before
   * severity, except when sorting by severity. */
  static const CtStudySortKey tie_breaks[][2] = {
    [CT_STUDY_SORT_PROBABILITY] = { CT_STUDY_SORT_SEVERITY, CT_STUDY_SORT_TRIAGE },
    [CT_STUDY_SORT_SEVERITY] = { CT_STUDY_SORT_PROBABILITY, CT_STUDY_SORT_TRIAGE },
    [CT_STUDY_SORT_TRIAGE] = { CT_STUDY_SORT_PROBABILITY, CT_STUDY_SORT_SEVERITY },
  };
  int group_a = priority_group (a);
  int group_b = priority_group (b);
  int order;

  if ((guint) key >= G_N_ELEMENTS (tie_breaks))
    key = CT_STUDY_SORT_TRIAGE;
  if (group_a != group_b)
    return group_a - group_b;
  if (group_a == 2)
    return 0;
  if (group_a == 0)
    {
      if ((order = compare_descending (key_value (a, key), key_value (b, key))) != 0)
        return order;
      for (guint t = 0; t < 2; t++)
        if ((order = compare_descending (key_value (a, tie_breaks[key][t]), key_value (b, tie_breaks[key][t]))) != 0)
          return order;
    }
  order = g_strcmp0 (a->path, b->path);
  if (order != 0)
    return order;
  return g_strcmp0 (a->series_uid, b->series_uid);
}

static int
compare_priority_data (gconstpointer a, gconstpointer b, gpointer key)
{
  return ct_study_compare_priority (*(CtStudy **) a, *(CtStudy **) b, GPOINTER_TO_INT (key));
}

void
ct_study_sort_by_priority (GPtrArray *studies, CtStudySortKey key)
{
  g_return_if_fail (studies != NULL);
  /* g_ptr_array_sort_with_data is a merge sort in GLib 2.74: stable. */
  g_ptr_array_sort_with_data (studies, compare_priority_data, GINT_TO_POINTER (key));
}
