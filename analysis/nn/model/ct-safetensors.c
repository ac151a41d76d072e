/* SPDX-License-Identifier: MIT */
/* ct-safetensors.c: header parser for .safetensors files. The JSON header is
 * parsed by a small strict recursive-descent parser (analysis/ may use GLib
 * only): objects, arrays, strings with escapes, integers, true/false/null.
 * Floats never appear in a safetensors header and are refused. */
#include "ct-safetensors.h"

#include "ct-error.h"

#include <string.h>

#define MAX_HEADER_BYTES (64u * 1024u * 1024u)
#define MAX_JSON_DEPTH 16

struct _CtSafetensors
{
  GPtrArray *tensors;   /* of CtSafetensorsTensor*, header order */
  GHashTable *by_name;  /* name -> CtSafetensorsTensor* (borrowed) */
  GHashTable *metadata; /* char* -> char* */
};

/* ---- a tiny JSON tree ---------------------------------------------------- */

typedef enum
{
  JSON_NULL,
  JSON_BOOL,
  JSON_INT,
  JSON_STRING,
  JSON_ARRAY,
  JSON_OBJECT,
} JsonKind;

typedef struct _JsonNode JsonNode;
struct _JsonNode
{
  JsonKind kind;
  gint64 integer;   /* JSON_INT, JSON_BOOL */
  char *string;     /* JSON_STRING */
  GPtrArray *items; /* JSON_ARRAY: JsonNode*; JSON_OBJECT: alternating key JsonNode(string), value */
};

static void
json_node_free (gpointer data)
{
  JsonNode *node = data;

  if (node == NULL)
    return;
  g_free (node->string);
  if (node->items != NULL)
    g_ptr_array_unref (node->items);
  g_free (node);
}

typedef struct
{
  const char *p;
  const char *end;
  const char *start;
} JsonCursor;

static void
json_skip_space (JsonCursor *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

static gboolean
json_fail (JsonCursor *c, GError **error, const char *what)
{
  g_set_error (error, CT_ERROR, CT_ERROR_BAD_WEIGHTS, "Malformed safetensors header: %s at byte %" G_GSIZE_FORMAT, what,
               (gsize) (c->p - c->start));
  return FALSE;
}

static int
hex_value (char ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

static gboolean
json_read_hex4 (JsonCursor *c, gunichar *out)
{
  gunichar value = 0;

  if (c->end - c->p < 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    {
      int h = hex_value (c->p[i]);
      if (h < 0)
        return FALSE;
      value = value * 16 + (gunichar) h;
    }
  c->p += 4;
  *out = value;
  return TRUE;
}

static char *
json_parse_string (JsonCursor *c, GError **error)
{
  g_autoptr (GString) s = g_string_new (NULL);

  if (c->p >= c->end || *c->p != '"')
    {
      json_fail (c, error, "expected a string");
      return NULL;
    }
  c->p++;
  while (TRUE)
    {
      char ch;

      if (c->p >= c->end)
        {
          json_fail (c, error, "unterminated string");
          return NULL;
        }
      ch = *c->p++;
      if (ch == '"')
        break;
      if ((guchar) ch < 0x20)
        {
          json_fail (c, error, "control character in string");
          return NULL;
        }
      if (ch != '\\')
        {
          g_string_append_c (s, ch);
          continue;
        }
      if (c->p >= c->end)
        {
          json_fail (c, error, "unterminated escape");
          return NULL;
        }
      ch = *c->p++;
      switch (ch)
        {
        case '"':
          g_string_append_c (s, '"');
          break;
        case '\\':
          g_string_append_c (s, '\\');
          break;
        case '/':
          g_string_append_c (s, '/');
          break;
        case 'b':
          g_string_append_c (s, '\b');
          break;
        case 'f':
          g_string_append_c (s, '\f');
          break;
        case 'n':
          g_string_append_c (s, '\n');
          break;
        case 'r':
          g_string_append_c (s, '\r');
          break;
        case 't':
          g_string_append_c (s, '\t');
          break;
        case 'u':
          {
            gunichar u;

            if (!json_read_hex4 (c, &u))
              {
                json_fail (c, error, "bad \\u escape");
                return NULL;
              }
            if (u >= 0xD800 && u <= 0xDBFF)
              {
                gunichar low;

                if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u')
                  {
                    json_fail (c, error, "lone surrogate");
                    return NULL;
                  }
                c->p += 2;
                if (!json_read_hex4 (c, &low) || low < 0xDC00 || low > 0xDFFF)
                  {
                    json_fail (c, error, "bad surrogate pair");
                    return NULL;
                  }
                u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
              }
            else if (u >= 0xDC00 && u <= 0xDFFF)
              {
                json_fail (c, error, "lone surrogate");
                return NULL;
              }
            if (u == 0)
              {
                json_fail (c, error, "NUL in string");
                return NULL;
              }
            g_string_append_unichar (s, u);
            break;
          }
        default:
          json_fail (c, error, "unknown escape");
          return NULL;
        }
    }
  if (!g_utf8_validate (s->str, (gssize) s->len, NULL))
    {
      json_fail (c, error, "string is not UTF-8");
      return NULL;
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static JsonNode *json_parse_value (JsonCursor *c, int depth, GError **error);

static JsonNode *
json_parse_number (JsonCursor *c, GError **error)
{
  gboolean negative = FALSE;
  guint64 value = 0;
  int digits = 0;
  JsonNode *node;

  if (c->p < c->end && *c->p == '-')
    {
      negative = TRUE;
      c->p++;
    }
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
    {
      if (value > (G_MAXINT64 - 9) / 10)
        {
          json_fail (c, error, "integer too large");
          return NULL;
        }
      value = value * 10 + (guint64) (*c->p - '0');
      c->p++;
      digits++;
    }
  if (digits == 0)
    {
      json_fail (c, error, "expected a value");
      return NULL;
    }
  if (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E'))
    {
      json_fail (c, error, "non-integer number");
      return NULL;
    }
  node = g_new0 (JsonNode, 1);
  node->kind = JSON_INT;
  node->integer = negative ? -(gint64) value : (gint64) value;
  return node;
}

static gboolean
json_match_word (JsonCursor *c, const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (c->end - c->p) < len || memcmp (c->p, word, len) != 0)
    return FALSE;
  c->p += len;
  return TRUE;
}

static JsonNode *
json_parse_container (JsonCursor *c, int depth, gboolean is_object, GError **error)
{
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (json_node_free);
  char close = is_object ? '}' : ']';
  JsonNode *node;

  c->p++; /* '{' or '[' */
  json_skip_space (c);
  if (c->p < c->end && *c->p == close)
    {
      c->p++;
    }
  else
    {
      while (TRUE)
        {
          JsonNode *value;

          json_skip_space (c);
          if (is_object)
            {
              JsonNode *key = g_new0 (JsonNode, 1);

              key->kind = JSON_STRING;
              key->string = json_parse_string (c, error);
              if (key->string == NULL)
                {
                  json_node_free (key);
                  return NULL;
                }
              g_ptr_array_add (items, key);
              json_skip_space (c);
              if (c->p >= c->end || *c->p != ':')
                {
                  json_fail (c, error, "expected ':'");
                  return NULL;
                }
              c->p++;
            }
          value = json_parse_value (c, depth + 1, error);
          if (value == NULL)
            return NULL;
          g_ptr_array_add (items, value);
          json_skip_space (c);
          if (c->p < c->end && *c->p == ',')
            {
              c->p++;
              continue;
            }
          if (c->p < c->end && *c->p == close)
            {
              c->p++;
              break;
            }
          json_fail (c, error, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
          return NULL;
        }
    }
  node = g_new0 (JsonNode, 1);
  node->kind = is_object ? JSON_OBJECT : JSON_ARRAY;
  node->items = g_steal_pointer (&items);
  return node;
}

static JsonNode *
json_parse_value (JsonCursor *c, int depth, GError **error)
{
  JsonNode *node;

  if (depth > MAX_JSON_DEPTH)
    {
      json_fail (c, error, "nesting too deep");
      return NULL;
    }
  json_skip_space (c);
  if (c->p >= c->end)
    {
      json_fail (c, error, "unexpected end");
      return NULL;
    }
  switch (*c->p)
    {
    case '{':
      return json_parse_container (c, depth, TRUE, error);
    case '[':
      return json_parse_container (c, depth, FALSE, error);
    case '"':
      {
        char *s = json_parse_string (c, error);
        if (s == NULL)
          return NULL;
        node = g_new0 (JsonNode, 1);
        node->kind = JSON_STRING;
        node->string = s;
        return node;
      }
    default:
      break;
    }
  if (json_match_word (c, "true") || json_match_word (c, "false"))
    {
      node = g_new0 (JsonNode, 1);
      node->kind = JSON_BOOL;
      node->integer = c->p[-1] == 'e' && c->p[-2] == 'u';
      return node;
    }
  if (json_match_word (c, "null"))
    {
      node = g_new0 (JsonNode, 1);
      node->kind = JSON_NULL;
      return node;
    }
  return json_parse_number (c, error);
}

static JsonNode *
json_object_get (JsonNode *object, const char *key)
{
  for (guint i = 0; i + 1 < object->items->len; i += 2)
    {
      JsonNode *k = g_ptr_array_index (object->items, i);
      if (strcmp (k->string, key) == 0)
        return g_ptr_array_index (object->items, i + 1);
    }
  return NULL;
}

/* ---- the safetensors layer ----------------------------------------------- */

static void
tensor_free (gpointer data)
{
  CtSafetensorsTensor *tensor = data;

  g_free (tensor->name);
  g_free (tensor->dtype_name);
  g_free (tensor);
}

void
ct_safetensors_free (CtSafetensors *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->tensors, g_ptr_array_unref);
  g_clear_pointer (&self->metadata, g_hash_table_unref);
  g_free (self);
}

static gboolean
bad_tensor (GError **error, const char *name, const char *what)
{
  g_set_error (error, CT_ERROR, CT_ERROR_BAD_WEIGHTS, "Weights file: tensor “%s”: %s", name, what);
  return FALSE;
}

static gboolean
parse_tensor_entry (CtSafetensors *self, const char *name, JsonNode *entry, const guint8 *data_start, gsize data_size,
                    GError **error)
{
  JsonNode *dtype, *shape, *offsets;
  CtSafetensorsTensor *tensor;
  gint64 n_elements = 1, begin, end;
  gsize element_size = 0;

  if (entry->kind != JSON_OBJECT)
    return bad_tensor (error, name, "entry is not an object");
  dtype = json_object_get (entry, "dtype");
  shape = json_object_get (entry, "shape");
  offsets = json_object_get (entry, "data_offsets");
  if (dtype == NULL || dtype->kind != JSON_STRING)
    return bad_tensor (error, name, "missing or bad “dtype”");
  if (shape == NULL || shape->kind != JSON_ARRAY || shape->items->len > CT_SAFETENSORS_MAX_DIMS)
    return bad_tensor (error, name, "missing or bad “shape”");
  if (offsets == NULL || offsets->kind != JSON_ARRAY || offsets->items->len != 2)
    return bad_tensor (error, name, "missing or bad “data_offsets”");
  if (g_hash_table_contains (self->by_name, name))
    return bad_tensor (error, name, "appears twice");

  tensor = g_new0 (CtSafetensorsTensor, 1);
  tensor->name = g_strdup (name);
  tensor->dtype_name = g_strdup (dtype->string);
  g_ptr_array_add (self->tensors, tensor);
  g_hash_table_insert (self->by_name, tensor->name, tensor);

  if (strcmp (dtype->string, "F32") == 0)
    {
      tensor->dtype = CT_SAFETENSORS_F32;
      element_size = 4;
    }
  else if (strcmp (dtype->string, "F16") == 0)
    {
      tensor->dtype = CT_SAFETENSORS_F16;
      element_size = 2;
    }
  else
    {
      tensor->dtype = CT_SAFETENSORS_OTHER;
    }

  tensor->n_dims = (int) shape->items->len;
  for (guint i = 0; i < shape->items->len; i++)
    {
      JsonNode *dim = g_ptr_array_index (shape->items, i);
      if (dim->kind != JSON_INT || dim->integer < 0 || dim->integer > G_MAXINT32)
        return bad_tensor (error, name, "bad dimension in “shape”");
      tensor->shape[i] = dim->integer;
      if (dim->integer != 0 && n_elements > G_MAXINT64 / 8 / dim->integer)
        return bad_tensor (error, name, "shape too large");
      n_elements *= dim->integer;
    }
  tensor->n_elements = n_elements;

  {
    JsonNode *b = g_ptr_array_index (offsets->items, 0);
    JsonNode *e = g_ptr_array_index (offsets->items, 1);
    if (b->kind != JSON_INT || e->kind != JSON_INT)
      return bad_tensor (error, name, "bad “data_offsets”");
    begin = b->integer;
    end = e->integer;
  }
  if (begin < 0 || end < begin || (guint64) end > (guint64) data_size)
    return bad_tensor (error, name, "data offsets outside the file");
  if (element_size != 0 && (guint64) (end - begin) != (guint64) n_elements * element_size)
    return bad_tensor (error, name, "byte size does not match shape and dtype");
  tensor->data = data_start + begin;
  tensor->n_bytes = (gsize) (end - begin);
  return TRUE;
}

CtSafetensors *
ct_safetensors_parse (const guint8 *bytes, gsize n_bytes, GError **error)
{
  g_autoptr (CtSafetensors) self = NULL;
  g_autoptr (GError) local_error = NULL;
  guint64 header_len = 0;
  JsonCursor cursor;
  JsonNode *root;

  g_return_val_if_fail (bytes != NULL || n_bytes == 0, NULL);

  if (n_bytes < 8)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_BAD_WEIGHTS,
                   "Weights file too short (%" G_GSIZE_FORMAT " bytes) for a safetensors header", n_bytes);
      return NULL;
    }
  for (int i = 7; i >= 0; i--)
    header_len = (header_len << 8) | bytes[i];
  if (header_len < 2 || header_len > MAX_HEADER_BYTES || header_len > n_bytes - 8)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_BAD_WEIGHTS,
                   "Weights file: header length %" G_GUINT64_FORMAT " does not fit a file of %" G_GSIZE_FORMAT " bytes",
                   header_len, n_bytes);
      return NULL;
    }

  cursor.start = (const char *) bytes + 8;
  cursor.p = cursor.start;
  cursor.end = cursor.start + header_len;
  root = json_parse_value (&cursor, 0, error);
  if (root == NULL)
    return NULL;
  json_skip_space (&cursor);
  if (cursor.p != cursor.end || root->kind != JSON_OBJECT)
    {
      json_node_free (root);
      json_fail (&cursor, error, "trailing bytes or the top level is not an object");
      return NULL;
    }

  self = g_new0 (CtSafetensors, 1);
  self->tensors = g_ptr_array_new_with_free_func (tensor_free);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; i + 1 < root->items->len; i += 2)
    {
      JsonNode *key = g_ptr_array_index (root->items, i);
      JsonNode *value = g_ptr_array_index (root->items, i + 1);

      if (strcmp (key->string, "__metadata__") == 0)
        {
          if (value->kind != JSON_OBJECT)
            {
              g_set_error (error, CT_ERROR, CT_ERROR_BAD_WEIGHTS, "Weights file: “__metadata__” is not an object");
              json_node_free (root);
              return NULL;
            }
          for (guint j = 0; j + 1 < value->items->len; j += 2)
            {
              JsonNode *mk = g_ptr_array_index (value->items, j);
              JsonNode *mv = g_ptr_array_index (value->items, j + 1);
              if (mv->kind != JSON_STRING)
                {
                  g_set_error (error, CT_ERROR, CT_ERROR_BAD_WEIGHTS, "Weights file: metadata “%s” is not a string",
                               mk->string);
                  json_node_free (root);
                  return NULL;
                }
              g_hash_table_replace (self->metadata, g_strdup (mk->string), g_strdup (mv->string));
            }
          continue;
        }
      if (!parse_tensor_entry (self, key->string, value, bytes + 8 + header_len, n_bytes - 8 - (gsize) header_len,
                               error))
        {
          json_node_free (root);
          return NULL;
        }
    }
  json_node_free (root);
  return g_steal_pointer (&self);
}

const CtSafetensorsTensor *
ct_safetensors_lookup (CtSafetensors *self, const char *name)
{
  return g_hash_table_lookup (self->by_name, name);
}

GPtrArray *
ct_safetensors_get_names (CtSafetensors *self)
{
  GPtrArray *names = g_ptr_array_new ();

  for (guint i = 0; i < self->tensors->len; i++)
    {
      CtSafetensorsTensor *t = g_ptr_array_index (self->tensors, i);
      g_ptr_array_add (names, t->name);
    }
  return names;
}

GHashTable *
ct_safetensors_get_metadata (CtSafetensors *self)
{
  return self->metadata;
}

float
ct_half_to_float (guint16 half)
{
  guint32 sign = (guint32) (half & 0x8000u) << 16;
  guint32 exponent = (half >> 10) & 0x1fu;
  guint32 mantissa = half & 0x3ffu;
  guint32 bits;
  float value;

  if (exponent == 0)
    {
      if (mantissa == 0)
        {
          bits = sign;
        }
      else
        {
          /* subnormal: mantissa * 2^-24, exact in float */
          value = (float) mantissa * (1.0f / 16777216.0f);
          return sign ? -value : value;
        }
    }
  else if (exponent == 31)
    {
      bits = sign | 0x7f800000u | (mantissa << 13);
    }
  else
    {
      bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    }
  memcpy (&value, &bits, sizeof value);
  return value;
}

float
ct_safetensors_read_float (const CtSafetensorsTensor *tensor, gint64 i)
{
  if (tensor->dtype == CT_SAFETENSORS_F32)
    {
      guint32 bits;
      float value;
      const guint8 *b = tensor->data + 4 * i;

      bits = (guint32) b[0] | ((guint32) b[1] << 8) | ((guint32) b[2] << 16) | ((guint32) b[3] << 24);
      memcpy (&value, &bits, sizeof value);
      return value;
    }
  else
    {
      const guint8 *b = tensor->data + 2 * i;
      return ct_half_to_float ((guint16) (b[0] | (b[1] << 8)));
    }
}
