/* SPDX-License-Identifier: MIT */
/* ct-model.c: loading a .safetensors model and checking it against the
 * architecture its metadata describes; the public run entry points. */
#include "ct-model-private.h"

#include "ct-nn-forward.h"

#include "ct-error.h"
#include "ct-safetensors.h"
#include "ct-threads.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

typedef struct
{
  CtSafetensors *tensors;
  GHashTable *used; /* names consumed */
  GPtrArray *allocations;
  const CtNnOptions *options; /* the Winograd thresholds */
  GError *error;              /* first error */
} Loader;

/* Takes the tensor named by the format with exactly the given shape, as a
 * new float32 array; records the first error and returns NULL after it. */
G_GNUC_PRINTF (4, 5)
static float *
take (Loader *loader, int n_dims, const int *shape, const char *format, ...)
{
  g_autofree char *name = NULL;
  const CtSafetensorsTensor *t;
  va_list args;
  float *data;

  if (loader->error != NULL)
    return NULL;
  va_start (args, format);
  name = g_strdup_vprintf (format, args);
  va_end (args);

  t = ct_safetensors_lookup (loader->tensors, name);
  if (t == NULL)
    {
      g_set_error (&loader->error, CT_ERROR, CT_ERROR_BAD_WEIGHTS, "Weights file: tensor “%s” is missing", name);
      return NULL;
    }
  if (t->dtype == CT_SAFETENSORS_OTHER)
    {
      g_set_error (&loader->error, CT_ERROR, CT_ERROR_BAD_WEIGHTS,
                   "Weights file: tensor “%s” has dtype %s, expected F32 or F16", name, t->dtype_name);
      return NULL;
    }
  {
    gboolean same = t->n_dims == n_dims;
    for (int i = 0; same && i < n_dims; i++)
      same = t->shape[i] == shape[i];
    if (!same)
      {
        g_autoptr (GString) want = g_string_new ("[");
        g_autoptr (GString) got = g_string_new ("[");
        for (int i = 0; i < n_dims; i++)
          g_string_append_printf (want, "%s%d", i ? "," : "", shape[i]);
        for (int i = 0; i < t->n_dims; i++)
          g_string_append_printf (got, "%s%" G_GINT64_FORMAT, i ? "," : "", t->shape[i]);
        g_string_append_c (want, ']');
        g_string_append_c (got, ']');
        g_set_error (&loader->error, CT_ERROR, CT_ERROR_BAD_WEIGHTS,
                     "Weights file: tensor “%s” has shape %s, the architecture needs %s", name, got->str, want->str);
        return NULL;
      }
  }
  data = g_new (float, MAX (t->n_elements, 1));
  g_ptr_array_add (loader->allocations, data);
  for (gint64 i = 0; i < t->n_elements; i++)
    {
      data[i] = ct_safetensors_read_float (t, i);
      if (!isfinite (data[i]))
        {
          g_set_error (&loader->error, CT_ERROR, CT_ERROR_BAD_WEIGHTS,
                       "Weights file: tensor “%s” holds a non-finite value at element %" G_GINT64_FORMAT, name, i);
          return NULL;
        }
    }
  g_hash_table_add (loader->used, g_strdup (name));
  return data;
}

static float *
new_floats (Loader *loader, size_t n)
{
  float *data = g_new0 (float, MAX (n, 1));
  g_ptr_array_add (loader->allocations, data);
  return data;
}

static void
take_batch_norm (Loader *loader, CtBatchNorm *bn, int n, const char *prefix)
{
  int shape[1] = { n };

  bn->n = n;
  bn->weight = take (loader, 1, shape, "%s.weight", prefix);
  bn->bias = take (loader, 1, shape, "%s.bias", prefix);
  bn->mean = take (loader, 1, shape, "%s.running_mean", prefix);
  bn->var = take (loader, 1, shape, "%s.running_var", prefix);
  if (loader->error != NULL)
    return;
  bn->scale = new_floats (loader, n);
  bn->shift = new_floats (loader, n);
  for (int i = 0; i < n; i++)
    {
      if (bn->var[i] < 0.0f)
        {
          g_set_error (&loader->error, CT_ERROR, CT_ERROR_BAD_WEIGHTS,
                       "Weights file: tensor “%s.running_var” holds a negative variance", prefix);
          return;
        }
      bn->scale[i] = bn->weight[i] / sqrtf (bn->var[i] + CT_NET_BN_EPS);
      bn->shift[i] = bn->bias[i] - bn->mean[i] * bn->scale[i];
    }
}

/* allow_winograd: FALSE for the bridge, whose 3 x 3 (lungs) or 3 x 2
 * (multitask) planes leave Winograd's 2 x 2 tiles half empty: measured
 * slower there (docs/performance.md). */
static void
take_resblock (Loader *loader, CtResBlock *b, int in, int out, gboolean allow_winograd, const char *prefix)
{
  g_autofree char *bn1 = g_strdup_printf ("%s.bn1", prefix);
  g_autofree char *bn2 = g_strdup_printf ("%s.bn2", prefix);
  int conv1_shape[4] = { out, in, 3, 3 };
  int conv2_shape[4] = { out, out, 3, 3 };
  int shortcut_shape[4] = { out, in, 1, 1 };

  b->in = in;
  b->out = out;
  take_batch_norm (loader, &b->bn1, in, bn1);
  b->conv1 = take (loader, 4, conv1_shape, "%s.conv1.weight", prefix);
  take_batch_norm (loader, &b->bn2, out, bn2);
  b->conv2 = take (loader, 4, conv2_shape, "%s.conv2.weight", prefix);
  if (in != out)
    b->shortcut = take (loader, 4, shortcut_shape, "%s.shortcut.weight", prefix);
  if (loader->error != NULL)
    return;
  /* which forms the convolutions take is decided here, from the options
   * of the load (ct-nn-options.h: the thresholds and their reasons); they
   * are packed when a call first needs them (ct_net_weights_ensure_forms) */
  b->blockable = in % CT_BLOCK == 0 && out % CT_BLOCK == 0 && MAX (in, out) <= CT_BLOCKED_MAX_CHANNELS;
  b->blocked_winograd1 = in >= loader->options->blocked_winograd_min_channels;
  b->blocked_winograd2 = out >= loader->options->blocked_winograd_min_channels;
  b->blocked_tile = MAX (in, out) <= loader->options->blocked_winograd_f4_max_channels ? 4 : 2;
  b->winograd1 = allow_winograd && in >= loader->options->winograd_min_channels;
  b->winograd2 = allow_winograd && out >= loader->options->winograd_min_channels;
}

static void
take_path (Loader *loader, CtResPath *path, const CtChannelPath *channels, gboolean allow_winograd, const char *prefix)
{
  path->n_blocks = channels->n - 1;
  path->blocks = g_new0 (CtResBlock, path->n_blocks);
  for (int i = 0; i < path->n_blocks; i++)
    {
      g_autofree char *p = g_strdup_printf ("%s.%d", prefix, i);
      take_resblock (loader, &path->blocks[i], channels->channels[i], channels->channels[i + 1], allow_winograd, p);
    }
}

static void
take_weights (Loader *loader, const CtNetStructure *s, CtNetWeights *w)
{
  int init_w_shape[4] = { s->init_channels, 1, 3, 3 };
  int init_b_shape[1] = { s->init_channels };
  int head_shape[4] = { 1, s->top_channels, 1, 1 };

  w->init_weight = take (loader, 4, init_w_shape, "backbone.init.weight");
  w->init_bias = take (loader, 1, init_b_shape, "backbone.init.bias");
  if (loader->error == NULL)
    ct_conv_weights_pack (&w->packed_init, s->init_channels, w->init_weight, 1, NULL, 0);
  for (int l = 0; l < s->n_levels; l++)
    {
      g_autofree char *down = g_strdup_printf ("backbone.down.%d", l);
      g_autofree char *up = g_strdup_printf ("backbone.up.%d", l);
      take_path (loader, &w->down[l], &s->down[l], TRUE, down);
      take_path (loader, &w->up[l], &s->up[l], TRUE, up);
    }
  take_path (loader, &w->bridge, &s->bridge, FALSE, "backbone.bridge");

  if (s->architecture == CT_MODEL_LUNGS)
    {
      take_batch_norm (loader, &w->head_bn, s->top_channels, "head.bn");
      w->head_conv = take (loader, 4, head_shape, "head.conv.weight");
    }
  else
    {
      int fc1_shape[2] = { s->fc_hidden, s->n_features };
      int fc1_bias[1] = { s->fc_hidden };
      int fc2_shape[2] = { 1, s->fc_hidden };

      take_resblock (loader, &w->seg_block, s->top_channels, s->top_channels, TRUE, "seg_head.block");
      take_batch_norm (loader, &w->head_bn, s->top_channels, "seg_head.bn");
      w->head_conv = take (loader, 4, head_shape, "seg_head.conv.weight");
      w->fc1_weight = take (loader, 2, fc1_shape, "cls_head.fc1.weight");
      w->fc1_bias = take (loader, 1, fc1_bias, "cls_head.fc1.bias");
      w->fc2_weight = take (loader, 2, fc2_shape, "cls_head.fc2.weight");
    }
}

static void
ct_model_free (CtModel *self)
{
  ct_net_weights_clear (&self->weights);
  g_clear_pointer (&self->allocations, g_ptr_array_unref);
  g_clear_pointer (&self->metadata, g_hash_table_unref);
  g_free (self->name);
  g_free (self->sha256);
  g_free (self);
}

CtModel *
ct_model_load_from_bytes (const guint8 *bytes, gsize n_bytes, const char *name, const CtNnOptions *options,
                          GError **error)
{
  g_autoptr (CtSafetensors) tensors = NULL;
  g_autoptr (GHashTable) used = NULL;
  g_autoptr (GPtrArray) names = NULL;
  CtModel *self;
  Loader loader = { 0 };
  GHashTableIter iter;
  gpointer key, value;

  if (options != NULL && !ct_nn_options_validate (options, error))
    return NULL;
  tensors = ct_safetensors_parse (bytes, n_bytes, error);
  if (tensors == NULL)
    return NULL;

  self = g_new0 (CtModel, 1);
  g_atomic_ref_count_init (&self->ref_count);
  ct_net_weights_init (&self->weights);
  if (options != NULL)
    self->options = *options;
  else
    ct_nn_options_init_default (&self->options);
  self->name = g_strdup (name);
  self->sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, bytes, n_bytes);
  self->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_iter_init (&iter, ct_safetensors_get_metadata (tensors));
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (self->metadata, g_strdup (key), g_strdup (value));
  self->allocations = g_ptr_array_new_with_free_func (g_free);

  if (!ct_net_structure_parse (self->metadata, &self->structure, error))
    {
      ct_model_free (self);
      return NULL;
    }

  used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  loader.tensors = tensors;
  loader.used = used;
  loader.allocations = self->allocations;
  loader.options = &self->options;
  take_weights (&loader, &self->structure, &self->weights);

  /* Every tensor in the file must belong to the architecture. */
  names = ct_safetensors_get_names (tensors);
  for (guint i = 0; loader.error == NULL && i < names->len; i++)
    {
      const char *n = g_ptr_array_index (names, i);
      if (g_hash_table_contains (used, n) || g_str_has_suffix (n, ".num_batches_tracked"))
        continue;
      g_set_error (&loader.error, CT_ERROR, CT_ERROR_BAD_WEIGHTS,
                   "Weights file: tensor “%s” is not part of the “%s” architecture", n,
                   (const char *) g_hash_table_lookup (self->metadata, "architecture"));
    }
  if (loader.error != NULL)
    {
      g_propagate_error (error, loader.error);
      ct_model_free (self);
      return NULL;
    }
  return self;
}

CtModel *
ct_model_load (const char *path, GError **error)
{
  return ct_model_load_with_options (path, NULL, error);
}

CtModel *
ct_model_load_with_options (const char *path, const CtNnOptions *options, GError **error)
{
  g_autoptr (GMappedFile) mapped = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *name = NULL;
  CtModel *self;

  g_return_val_if_fail (path != NULL, NULL);

  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, "Cannot open the weights file “%s”: %s", path, local_error->message);
      return NULL;
    }
  name = g_path_get_basename (path);
  self = ct_model_load_from_bytes ((const guint8 *) g_mapped_file_get_contents (mapped),
                                   g_mapped_file_get_length (mapped), name, options, &local_error);
  if (self == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code, "%s: %s", name, local_error->message);
      return NULL;
    }
  return self;
}

CtModel *
ct_model_ref (CtModel *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
ct_model_unref (CtModel *self)
{
  g_return_if_fail (self != NULL);
  if (g_atomic_ref_count_dec (&self->ref_count))
    ct_model_free (self);
}

CtModelArchitecture
ct_model_get_architecture (CtModel *self)
{
  g_return_val_if_fail (self != NULL, CT_MODEL_LUNGS);
  return self->structure.architecture;
}

const CtNnOptions *
ct_model_get_options (CtModel *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return &self->options;
}

const char *
ct_model_get_name (CtModel *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

const char *
ct_model_get_sha256 (CtModel *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->sha256;
}

const char *
ct_model_get_metadata (CtModel *self, const char *key)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);
  return g_hash_table_lookup (self->metadata, key);
}

gboolean
ct_model_run_with_options (CtModel *self, const CtNnOptions *options, const float *input, int n, int h, int w,
                           float *out_probability, double *out_study_probability, gboolean *out_has_probability,
                           int n_threads, CtModelProgressFunc progress, gpointer user_data, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (input != NULL || n == 0, FALSE);
  g_return_val_if_fail (out_probability != NULL || n == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (out_study_probability != NULL)
    *out_study_probability = NAN;
  if (out_has_probability != NULL)
    *out_has_probability = FALSE;
  if (n < 0 || h < 1 || w < 1 || (gint64) h * w > 64 * 1024 * 1024)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, "Cannot run the network on %d slices of %d x %d", n, h, w);
      return FALSE;
    }
  if (options == NULL)
    options = &self->options;
  else if (!ct_nn_options_validate (options, error))
    return FALSE;
  n_threads = ct_threads_cap (n_threads);
  if (options->use_reference)
    return ct_nn_forward_reference (&self->structure, &self->weights, input, n, h, w, out_probability,
                                    out_study_probability, out_has_probability, n_threads, progress, user_data, error);
  return ct_nn_forward_optimized (&self->structure, &self->weights, options, input, n, h, w, out_probability,
                                  out_study_probability, out_has_probability, n_threads, progress, user_data, error);
}

gboolean
ct_model_run_lungs (CtModel *self, const float *input, int n, int h, int w, float *out_probability, int n_threads,
                    CtModelProgressFunc progress, gpointer user_data, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  if (self->structure.architecture != CT_MODEL_LUNGS)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_BAD_WEIGHTS, "%s is not a lung segmentation model", self->name);
      return FALSE;
    }
  return ct_model_run_with_options (self, NULL, input, n, h, w, out_probability, NULL, NULL, n_threads, progress,
                                    user_data, error);
}

gboolean
ct_model_run_multitask (CtModel *self, const float *input, int n, int h, int w, float *out_lesion_probability,
                        double *out_study_probability, gboolean *out_has_probability, int n_threads,
                        CtModelProgressFunc progress, gpointer user_data, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_study_probability != NULL, FALSE);
  if (self->structure.architecture != CT_MODEL_MULTITASK_SPATIAL)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_BAD_WEIGHTS, "%s is not a multitask (lesions + COVID-19) model",
                   self->name);
      return FALSE;
    }
  return ct_model_run_with_options (self, NULL, input, n, h, w, out_lesion_probability, out_study_probability,
                                    out_has_probability, n_threads, progress, user_data, error);
}
