/* SPDX-License-Identifier: MIT */
/* ct-safetensors.h: a read-only view of a .safetensors file (Hugging Face
 * layout: 8-byte little-endian header length, JSON header, raw little-endian
 * tensor bytes). Every offset and size is checked against the file; the data
 * pointers borrow the caller's bytes (usually a GMappedFile). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CT_SAFETENSORS_MAX_DIMS 8

typedef enum
{
  CT_SAFETENSORS_F32,
  CT_SAFETENSORS_F16,
  CT_SAFETENSORS_OTHER, /* any other dtype (I64 ...): size unchecked, never read as float */
} CtSafetensorsDtype;

typedef struct
{
  char *name;
  char *dtype_name; /* as written: "F32", "F16", "I64" ... */
  CtSafetensorsDtype dtype;
  int n_dims;
  gint64 shape[CT_SAFETENSORS_MAX_DIMS];
  gint64 n_elements;
  const guint8 *data; /* borrowed, possibly unaligned */
  gsize n_bytes;
} CtSafetensorsTensor;

typedef struct _CtSafetensors CtSafetensors;

/* Parses the header of bytes[0..n_bytes) (which must outlive the result).
 * CT_ERROR_BAD_WEIGHTS on any malformed header, bad offset or size. */
CtSafetensors *ct_safetensors_parse (const guint8 *bytes, gsize n_bytes, GError **error);
void ct_safetensors_free (CtSafetensors *self);
const CtSafetensorsTensor *ct_safetensors_lookup (CtSafetensors *self, const char *name);
/* The tensor names in header order. */
GPtrArray *ct_safetensors_get_names (CtSafetensors *self);
/* The __metadata__ object (string -> string); owned by self. */
GHashTable *ct_safetensors_get_metadata (CtSafetensors *self);

/* Reads element i of an F16 or F32 tensor as float. */
float ct_safetensors_read_float (const CtSafetensorsTensor *tensor, gint64 i);
float ct_half_to_float (guint16 half);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtSafetensors, ct_safetensors_free)

G_END_DECLS
