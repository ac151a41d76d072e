/* SPDX-License-Identifier: MIT */
/* ct-gdcm.cpp: the C API of ct-gdcm.h over GDCM. The only C++ file of the
 * project. Every entry point is wrapped in try/catch: a GDCM exception or a
 * std::bad_alloc on a hostile file becomes a GError, never an abort. */
#include "ct-gdcm.h"
#include "ct-error.h"

#include <gdcmAttribute.h>
#include <gdcmDataSet.h>
#include <gdcmFile.h>
#include <gdcmGlobal.h>
#include <gdcmImage.h>
#include <gdcmImageChangeTransferSyntax.h>
#include <gdcmImageReader.h>
#include <gdcmJPEG2000Codec.h>
#include <gdcmMediaStorage.h>
#include <gdcmReader.h>
#include <gdcmSequenceOfItems.h>
#include <gdcmTransferSyntax.h>
#include <gdcmTrace.h>
#include <gdcmUIDGenerator.h>
#include <gdcmWriter.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

namespace {

const gdcm::Tag kPixelData (0x7fe0, 0x0010);

/* The value of a string attribute without DICOM padding (trailing spaces and
 * NULs, leading spaces), or "" when absent or empty. */
std::string
get_string (const gdcm::DataSet &ds, const gdcm::Tag &tag)
{
  if (!ds.FindDataElement (tag))
    return std::string ();
  const gdcm::DataElement &de = ds.GetDataElement (tag);
  const gdcm::ByteValue *bv = de.GetByteValue ();
  if (bv == nullptr || bv->GetPointer () == nullptr || bv->GetLength () == 0)
    return std::string ();
  std::string s (bv->GetPointer (), bv->GetLength ());
  size_t end = s.find_last_not_of (std::string (" \0", 2));
  if (end == std::string::npos)
    return std::string ();
  s.erase (end + 1);
  size_t start = s.find_first_not_of (' ');
  return s.substr (start);
}

/* Owned valid UTF-8 (invalid bytes become U+FFFD), or nullptr for "". */
char *
dup_or_null (const std::string &s)
{
  return s.empty () ? nullptr : g_utf8_make_valid (s.data (), (gssize) s.size ());
}

/* Parses up to @max backslash-separated decimal numbers (DS or IS); returns
 * how many parsed. */
int
parse_numbers (const std::string &s, double *out, int max)
{
  int n = 0;
  const char *p = s.c_str ();

  while (*p != '\0' && n < max)
    {
      char *end = nullptr;
      double v = g_ascii_strtod (p, &end);
      if (end == p)
        break;
      out[n++] = v;
      while (*end == ' ')
        end++;
      if (*end != '\\')
        break;
      p = end + 1;
    }
  return n;
}

int
get_numbers (const gdcm::DataSet &ds, const gdcm::Tag &tag, double *out, int max)
{
  return parse_numbers (get_string (ds, tag), out, max);
}

/* An unsigned short attribute (US), read through gdcm::Attribute so that big
 * endian files come out right. */
template <uint16_t Group, uint16_t Element>
int
get_us (const gdcm::DataSet &ds, int fallback)
{
  gdcm::Tag tag (Group, Element);
  if (!ds.FindDataElement (tag) || ds.GetDataElement (tag).IsEmpty ())
    return fallback;
  gdcm::Attribute<Group, Element> at;
  at.SetFromDataSet (ds);
  return (int) at.GetValue ();
}

/* The first item's nested data set of sequence @tag in @ds, or nullptr. */
const gdcm::DataSet *
first_item (const gdcm::DataSet &ds, const gdcm::Tag &tag, gdcm::SmartPointer<gdcm::SequenceOfItems> &keep)
{
  if (!ds.FindDataElement (tag))
    return nullptr;
  keep = ds.GetDataElement (tag).GetValueAsSQ ();
  if (!keep || keep->GetNumberOfItems () < 1)
    return nullptr;
  return &keep->GetItem (1).GetNestedDataSet ();
}

/* Reads plane geometry and rescale from a functional group item (Enhanced CT)
 * into @h where present there. */
void
read_functional_group (const gdcm::DataSet &group, CtGdcmHeader *h)
{
  gdcm::SmartPointer<gdcm::SequenceOfItems> keep;
  const gdcm::DataSet *item;

  if ((item = first_item (group, gdcm::Tag (0x0020, 0x9116), keep)) != nullptr)
    h->has_orientation = get_numbers (*item, gdcm::Tag (0x0020, 0x0037), h->orientation, 6) == 6;
  if ((item = first_item (group, gdcm::Tag (0x0028, 0x9110), keep)) != nullptr)
    {
      h->has_pixel_spacing = get_numbers (*item, gdcm::Tag (0x0028, 0x0030), h->pixel_spacing, 2) == 2;
      get_numbers (*item, gdcm::Tag (0x0018, 0x0050), &h->slice_thickness, 1);
      get_numbers (*item, gdcm::Tag (0x0018, 0x0088), &h->spacing_between_slices, 1);
    }
  if ((item = first_item (group, gdcm::Tag (0x0028, 0x9145), keep)) != nullptr)
    {
      get_numbers (*item, gdcm::Tag (0x0028, 0x1052), &h->rescale_intercept, 1);
      get_numbers (*item, gdcm::Tag (0x0028, 0x1053), &h->rescale_slope, 1);
    }
}

void
read_enhanced_geometry (const gdcm::DataSet &ds, CtGdcmHeader *h)
{
  gdcm::SmartPointer<gdcm::SequenceOfItems> keep;
  const gdcm::DataSet *shared = first_item (ds, gdcm::Tag (0x5200, 0x9229), keep);

  if (shared != nullptr)
    read_functional_group (*shared, h);

  gdcm::Tag per_frame_tag (0x5200, 0x9230);
  if (!ds.FindDataElement (per_frame_tag))
    return;
  gdcm::SmartPointer<gdcm::SequenceOfItems> per_frame = ds.GetDataElement (per_frame_tag).GetValueAsSQ ();
  if (!per_frame || per_frame->GetNumberOfItems () < 1)
    return;

  /* Orientation, spacing and rescale may also live per frame: take the first
   * frame's (a stack with varying ones is not a volume this loader builds). */
  read_functional_group (per_frame->GetItem (1).GetNestedDataSet (), h);

  if ((gdcm::SequenceOfItems::SizeType) h->n_frames != per_frame->GetNumberOfItems ())
    return;
  std::vector<double> positions ((size_t) h->n_frames * 3);
  for (int f = 0; f < h->n_frames; f++)
    {
      gdcm::SmartPointer<gdcm::SequenceOfItems> keep_pos;
      const gdcm::DataSet *pos = first_item (per_frame->GetItem (f + 1).GetNestedDataSet (), gdcm::Tag (0x0020, 0x9113),
                                             keep_pos);
      if (pos == nullptr || get_numbers (*pos, gdcm::Tag (0x0020, 0x0032), &positions[(size_t) f * 3], 3) != 3)
        return;
    }
  h->frame_positions = (double *) g_memdup2 (positions.data (), positions.size () * sizeof (double));
  h->has_position = TRUE;
  memcpy (h->position, h->frame_positions, sizeof h->position);
}

/* A readable name for the transfer syntax @uid, or nullptr. */
const char *
syntax_name (const char *uid)
{
  static const struct
  {
    const char *uid, *name;
  } names[] = {
    { "1.2.840.10008.1.2", "Implicit VR Little Endian" },
    { "1.2.840.10008.1.2.1", "Explicit VR Little Endian" },
    { "1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian" },
    { "1.2.840.10008.1.2.2", "Explicit VR Big Endian" },
    { "1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)" },
    { "1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)" },
    { "1.2.840.10008.1.2.4.53", "JPEG Extended (Process 6 & 8)" },
    { "1.2.840.10008.1.2.4.55", "JPEG Full Progression (Process 10 & 12)" },
    { "1.2.840.10008.1.2.4.57", "JPEG Lossless (Process 14)" },
    { "1.2.840.10008.1.2.4.70", "JPEG Lossless SV1 (Process 14)" },
    { "1.2.840.10008.1.2.4.80", "JPEG-LS Lossless" },
    { "1.2.840.10008.1.2.4.81", "JPEG-LS Near-Lossless" },
    { "1.2.840.10008.1.2.4.90", "JPEG 2000 Lossless" },
    { "1.2.840.10008.1.2.4.91", "JPEG 2000" },
    { "1.2.840.10008.1.2.4.100", "MPEG-2 video" },
    { "1.2.840.10008.1.2.4.102", "MPEG-4 video" },
    { "1.2.840.10008.1.2.5", "RLE Lossless" },
  };

  for (const auto &n : names)
    if (uid != nullptr && strcmp (uid, n.uid) == 0)
      return n.name;
  return nullptr;
}

/* "JPEG-LS Lossless (1.2.840.10008.1.2.4.80)", owned. */
char *
describe_syntax (const char *uid)
{
  const char *name = syntax_name (uid);

  if (uid == nullptr)
    return g_strdup ("an unknown transfer syntax");
  return name != nullptr ? g_strdup_printf ("%s (%s)", name, uid) : g_strdup (uid);
}

/* The iconv name of the first value of SpecificCharacterSet (0008,0005),
 * e.g. "ISO_IR 100" -> "ISO-8859-1"; nullptr for the default repertoire
 * (ASCII) or an unknown one. */
const char *
iconv_charset (const std::string &dicom)
{
  static const struct
  {
    const char *dicom, *iconv;
  } sets[] = {
    { "ISO_IR 100", "ISO-8859-1" },
    { "ISO 2022 IR 100", "ISO-8859-1" },
    { "ISO_IR 101", "ISO-8859-2" },
    { "ISO 2022 IR 101", "ISO-8859-2" },
    { "ISO_IR 109", "ISO-8859-3" },
    { "ISO_IR 110", "ISO-8859-4" },
    { "ISO_IR 144", "ISO-8859-5" },
    { "ISO 2022 IR 144", "ISO-8859-5" },
    { "ISO_IR 127", "ISO-8859-6" },
    { "ISO_IR 126", "ISO-8859-7" },
    { "ISO 2022 IR 126", "ISO-8859-7" },
    { "ISO_IR 138", "ISO-8859-8" },
    { "ISO_IR 148", "ISO-8859-9" },
    { "ISO 2022 IR 148", "ISO-8859-9" },
    { "ISO_IR 203", "ISO-8859-15" },
    { "ISO_IR 166", "TIS-620" },
    { "ISO_IR 13", "SHIFT_JIS" },
    { "ISO_IR 192", "UTF-8" },
    { "GB18030", "GB18030" },
    { "GBK", "GBK" },
  };
  std::string first = dicom.substr (0, dicom.find ('\\'));

  for (const auto &set : sets)
    if (first == set.dicom)
      return set.iconv;
  return nullptr;
}

/* @s, a text attribute in character set @charset (iconv name or nullptr
 * for ASCII), as valid UTF-8: unconvertible or invalid bytes become U+FFFD,
 * so no raw byte of the file reaches JSON or the window. Owned, or nullptr
 * for "". */
char *
dup_utf8 (const std::string &s, const char *charset)
{
  if (s.empty ())
    return nullptr;
  if (charset != nullptr && strcmp (charset, "UTF-8") != 0)
    {
      char *converted = g_convert_with_fallback (s.data (), (gssize) s.size (), "UTF-8", charset, "\xef\xbf\xbd",
                                                 nullptr, nullptr, nullptr);
      if (converted != nullptr)
        {
          char *valid = g_utf8_make_valid (converted, -1);
          g_free (converted);
          return valid;
        }
    }
  return g_utf8_make_valid (s.data (), (gssize) s.size ());
}

void
fill_header (const gdcm::File &file, CtGdcmHeader *h)
{
  const gdcm::FileMetaInformation &meta = file.GetHeader ();
  const gdcm::DataSet &ds = file.GetDataSet ();

  const gdcm::TransferSyntax &ts = meta.GetDataSetTransferSyntax ();
  std::string ts_uid = get_string (meta, gdcm::Tag (0x0002, 0x0010));
  if (ts_uid.empty () && ts.IsValid ())
    ts_uid = gdcm::TransferSyntax::GetTSString (ts);
  h->transfer_syntax_uid = dup_or_null (ts_uid);
  h->transfer_syntax_name = describe_syntax (h->transfer_syntax_uid);

  std::string sop_class = get_string (ds, gdcm::Tag (0x0008, 0x0016));
  std::string media_class = get_string (meta, gdcm::Tag (0x0002, 0x0002));
  if (sop_class.empty ())
    sop_class = media_class;
  h->sop_class_uid = dup_or_null (sop_class);
  h->is_dicomdir = sop_class == "1.2.840.10008.1.3.10" || media_class == "1.2.840.10008.1.3.10";

  h->sop_instance_uid = dup_or_null (get_string (ds, gdcm::Tag (0x0008, 0x0018)));
  h->modality = dup_or_null (get_string (ds, gdcm::Tag (0x0008, 0x0060)));
  h->image_type = dup_or_null (get_string (ds, gdcm::Tag (0x0008, 0x0008)));
  h->study_uid = dup_or_null (get_string (ds, gdcm::Tag (0x0020, 0x000d)));
  h->series_uid = dup_or_null (get_string (ds, gdcm::Tag (0x0020, 0x000e)));
  /* Person names and descriptions may use SpecificCharacterSet; the rest
   * are ASCII by definition (and still made valid UTF-8). */
  const char *charset = iconv_charset (get_string (ds, gdcm::Tag (0x0008, 0x0005)));
  h->patient_id = dup_utf8 (get_string (ds, gdcm::Tag (0x0010, 0x0020)), charset);
  h->patient_name = dup_utf8 (get_string (ds, gdcm::Tag (0x0010, 0x0010)), charset);
  h->study_date = dup_utf8 (get_string (ds, gdcm::Tag (0x0008, 0x0020)), nullptr);
  h->series_description = dup_utf8 (get_string (ds, gdcm::Tag (0x0008, 0x103e)), charset);
  h->accession_number = dup_utf8 (get_string (ds, gdcm::Tag (0x0008, 0x0050)), charset);
  h->patient_age = dup_utf8 (get_string (ds, gdcm::Tag (0x0010, 0x1010)), nullptr);
  h->patient_sex = dup_utf8 (get_string (ds, gdcm::Tag (0x0010, 0x0040)), nullptr);
  h->series_number = dup_utf8 (get_string (ds, gdcm::Tag (0x0020, 0x0011)), nullptr);
  h->frame_of_reference_uid = dup_or_null (get_string (ds, gdcm::Tag (0x0020, 0x0052)));
  h->photometric = dup_or_null (get_string (ds, gdcm::Tag (0x0028, 0x0004)));

  h->has_pixel_data = ds.FindDataElement (kPixelData);
  h->rows = get_us<0x0028, 0x0010> (ds, 0);
  h->columns = get_us<0x0028, 0x0011> (ds, 0);
  h->samples_per_pixel = get_us<0x0028, 0x0002> (ds, 1);
  h->bits_allocated = get_us<0x0028, 0x0100> (ds, 0);
  h->bits_stored = get_us<0x0028, 0x0101> (ds, h->bits_allocated);
  h->high_bit = get_us<0x0028, 0x0102> (ds, h->bits_stored - 1);
  h->pixel_representation = get_us<0x0028, 0x0103> (ds, 0);

  double frames = 1;
  /* An absurd count is kept (capped to stay an int) for the loader to refuse
   * with the file's name, never silently taken as one frame. */
  h->n_frames = get_numbers (ds, gdcm::Tag (0x0028, 0x0008), &frames, 1) == 1 && frames >= 1 ? (int) MIN (frames, 1e7)
                                                                                             : 1;

  h->has_position = get_numbers (ds, gdcm::Tag (0x0020, 0x0032), h->position, 3) == 3;
  h->has_orientation = get_numbers (ds, gdcm::Tag (0x0020, 0x0037), h->orientation, 6) == 6;
  h->has_pixel_spacing = get_numbers (ds, gdcm::Tag (0x0028, 0x0030), h->pixel_spacing, 2) == 2;
  get_numbers (ds, gdcm::Tag (0x0018, 0x0050), &h->slice_thickness, 1);
  get_numbers (ds, gdcm::Tag (0x0018, 0x0088), &h->spacing_between_slices, 1);
  h->rescale_slope = 1.0;
  h->rescale_intercept = 0.0;
  get_numbers (ds, gdcm::Tag (0x0028, 0x1052), &h->rescale_intercept, 1);
  /* A stored slope of 0 stays 0: the loader refuses it rather than guess. */
  get_numbers (ds, gdcm::Tag (0x0028, 0x1053), &h->rescale_slope, 1);
  double instance = 0;
  /* An IS beyond an int (or "inf", which g_ascii_strtod reads) is no
   * number to order by: converting it would be undefined. */
  h->has_instance_number = get_numbers (ds, gdcm::Tag (0x0020, 0x0013), &instance, 1) == 1 && instance >= G_MININT &&
                           instance <= G_MAXINT;
  h->instance_number = h->has_instance_number ? (int) instance : 0;

  if (h->n_frames > 1)
    read_enhanced_geometry (ds, h);
}

/* TRUE when the file meta group names Deflated Explicit VR Little Endian.
 * GDCM 3.0.21 asserts (aborts) in ReadUpToTag on deflated data sets, so
 * those are read whole instead. The meta group is plain explicit little
 * endian at the start of the file: a byte search of its first kilobytes
 * finds the UID. */
bool
is_deflated (const char *path)
{
  static const char uid[] = "1.2.840.10008.1.2.1.99";
  char head[4096];
  FILE *f = fopen (path, "rb");
  size_t n;

  if (f == nullptr)
    return false;
  n = fread (head, 1, sizeof head, f);
  fclose (f);
  for (size_t i = 0; i + sizeof uid - 1 <= n; i++)
    if (memcmp (head + i, uid, sizeof uid - 1) == 0)
      return true;
  return false;
}

/* ReadUpToTag (pixel data) leaves the pixel data element out of the data
 * set but reads (skips) over it: TRUE when its tag, (7fe0,0010) little or
 * big endian, followed by a VR of OB/OW or by a length (implicit VR), occurs
 * in the first @end bytes: its offset, or -1. The header is short, so the
 * search stops soon for image files. */
gint64
find_pixel_data (const char *path, size_t end)
{
  static const char little[4] = { '\xe0', '\x7f', '\x10', '\x00' };
  static const char big[4] = { '\x7f', '\xe0', '\x00', '\x10' };
  g_autoptr (GMappedFile) file = g_mapped_file_new (path, FALSE, nullptr);

  if (file == nullptr)
    return -1;
  const char *data = g_mapped_file_get_contents (file);
  size_t length = MIN ((size_t) g_mapped_file_get_length (file), end);
  for (size_t i = 0; data != nullptr && i + 8 <= length; i++)
    {
      if (data[i] != little[0] && data[i] != big[0])
        continue;
      if (memcmp (data + i, little, 4) == 0 || memcmp (data + i, big, 4) == 0)
        return (gint64) i;
    }
  return -1;
}

void
set_error_from_exception (GError **error, const char *path, const char *what)
{
  g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, "%s: the DICOM reader failed: %s", path, what);
}

/* Stored integer -> value after BitsStored masking and sign extension. */
template <typename T>
void
convert_integers (const char *buffer, float *out, gsize n, int bits_stored, int high_bit, bool is_signed)
{
  const T *in = reinterpret_cast<const T *> (buffer);
  const int bits = (int) (sizeof (T) * 8);
  const int shift = high_bit + 1 - bits_stored;

  if (bits_stored <= 0 || bits_stored >= bits || shift < 0)
    {
      for (gsize i = 0; i < n; i++)
        out[i] = (float) in[i];
      return;
    }

  const uint64_t mask = (UINT64_C (1) << bits_stored) - 1;
  const uint64_t sign_bit = UINT64_C (1) << (bits_stored - 1);
  for (gsize i = 0; i < n; i++)
    {
      uint64_t raw;
      if (sizeof (T) == 1)
        raw = (uint8_t) in[i];
      else if (sizeof (T) == 2)
        raw = (uint16_t) in[i];
      else
        raw = (uint32_t) in[i];
      raw = (raw >> shift) & mask;
      if (is_signed && (raw & sign_bit) != 0)
        out[i] = (float) ((int64_t) raw - (int64_t) (mask + 1));
      else
        out[i] = (float) raw;
    }
}

void
insert_string (gdcm::DataSet &ds, const gdcm::Tag &tag, gdcm::VR vr, const char *value)
{
  if (value == nullptr)
    return;
  std::string s (value);
  if (s.size () % 2 != 0)
    s.push_back (vr == gdcm::VR::UI ? '\0' : ' ');
  gdcm::DataElement de (tag);
  de.SetVR (vr);
  de.SetByteValue (s.data (), (uint32_t) s.size ());
  ds.Replace (de);
}

template <uint16_t Group, uint16_t Element>
void
insert_us (gdcm::DataSet &ds, int value)
{
  gdcm::Attribute<Group, Element> at;
  at.SetValue ((uint16_t) value);
  ds.Replace (at.GetAsDataElement ());
}

std::string
format_ds (const double *values, int n)
{
  std::string s;
  for (int i = 0; i < n; i++)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      /* DS allows 16 characters per value: the most significant digits that fit. */
      for (int digits = 15; digits > 0; digits--)
        {
          g_ascii_formatd (buf, sizeof buf, (std::string ("%.") + std::to_string (digits) + "g").c_str (), values[i]);
          if (strlen (buf) <= 16)
            break;
        }
      if (i > 0)
        s.push_back ('\\');
      s += buf;
    }
  return s;
}

gdcm::TransferSyntax
syntax_to_gdcm (CtGdcmSyntax syntax)
{
  switch (syntax)
    {
    case CT_GDCM_SYNTAX_JPEG_LS_LOSSLESS:
      return gdcm::TransferSyntax::JPEGLSLossless;
    case CT_GDCM_SYNTAX_JPEG2000_LOSSLESS:
      return gdcm::TransferSyntax::JPEG2000Lossless;
    case CT_GDCM_SYNTAX_RLE_LOSSLESS:
      return gdcm::TransferSyntax::RLELossless;
    case CT_GDCM_SYNTAX_EXPLICIT_LITTLE:
    default:
      return gdcm::TransferSyntax::ExplicitVRLittleEndian;
    }
}

} /* namespace */

/* Checks the stored length of a native (not encapsulated) pixel data
 * element against what the header asks for (rows x columns x samples x
 * frames x bits allocated), before anything is decoded: a short element is
 * an error naming the file, never zero-filled. Then reads native 16-bit
 * little endian pixel data straight from the file. Returns TRUE with *done
 * FALSE (no error) when the file is not of that kind, so that the caller
 * falls back to GDCM. */
static gboolean
read_native_pixels (const CtGdcmHeader *h, float *out, gsize n_values, gboolean *done, GError **error)
{
  const bool explicit_le = g_strcmp0 (h->transfer_syntax_uid, "1.2.840.10008.1.2.1") == 0;
  const bool implicit_le = g_strcmp0 (h->transfer_syntax_uid, "1.2.840.10008.1.2") == 0;
  const bool explicit_be = g_strcmp0 (h->transfer_syntax_uid, "1.2.840.10008.1.2.2") == 0;
  const guint64 n_header = (guint64) h->rows * h->columns * MAX (h->n_frames, 1);
  unsigned char head[12];
  guint64 length, needed_bits, needed;
  size_t head_size;

  *done = FALSE;
  if (!(explicit_le || implicit_le || explicit_be) || h->pixel_data_offset < 0 || h->rows <= 0 || h->columns <= 0 ||
      h->bits_allocated <= 0)
    return TRUE;

  FILE *f = fopen (h->path, "rb");
  if (f == nullptr)
    return TRUE;
  head_size = implicit_le ? 8 : 12;
  if (fseeko (f, (off_t) h->pixel_data_offset, SEEK_SET) != 0 || fread (head, 1, head_size, f) != head_size ||
      (memcmp (head, "\xe0\x7f\x10\x00", 4) != 0 && memcmp (head, "\x7f\xe0\x00\x10", 4) != 0))
    {
      fclose (f);
      return TRUE;
    }
  if (implicit_le)
    length = head[4] | (head[5] << 8) | (head[6] << 16) | ((guint32) head[7] << 24);
  else if (head[4] == 'O' && (head[5] == 'W' || head[5] == 'B'))
    length = explicit_le ? (head[8] | (head[9] << 8) | (head[10] << 16) | ((guint32) head[11] << 24))
                         : (((guint32) head[8] << 24) | (head[9] << 16) | (head[10] << 8) | head[11]);
  else
    {
      fclose (f);
      return TRUE;
    }
  if (length == 0xffffffffu)
    {
      /* Encapsulated (compressed): only the codec knows the length. */
      fclose (f);
      return TRUE;
    }

  /* The stored element against the header, and what is left of the file. */
  needed_bits = n_header * (guint64) MAX (h->samples_per_pixel, 1) * (guint64) h->bits_allocated;
  needed = (needed_bits + 7) / 8;
  {
    off_t here = ftello (f);
    off_t size = (fseeko (f, 0, SEEK_END) == 0) ? ftello (f) : -1;
    if (size >= 0 && here >= 0 && (guint64) (size - here) < length)
      length = (guint64) (size - here);
    if (fseeko (f, here, SEEK_SET) != 0)
      {
        fclose (f);
        return TRUE;
      }
  }
  if (length < needed)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT,
                   "%s: the pixel data holds %" G_GUINT64_FORMAT " bytes, the header (Rows %d x Columns %d x "
                   "%d frames x %d samples x %d bits) needs %" G_GUINT64_FORMAT,
                   h->path, length, h->rows, h->columns, MAX (h->n_frames, 1), MAX (h->samples_per_pixel, 1),
                   h->bits_allocated, needed);
      fclose (f);
      *done = TRUE;
      return FALSE;
    }

  if (G_BYTE_ORDER != G_LITTLE_ENDIAN || explicit_be || h->samples_per_pixel != 1 || h->bits_allocated != 16 ||
      n_header != n_values)
    {
      fclose (f);
      return TRUE;
    }

  std::vector<guint16> raw (n_values);
  size_t got = fread (raw.data (), 2, n_values, f);
  fclose (f);
  if (got != n_values)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, "%s: pixel data is truncated", h->path);
      *done = TRUE;
      return FALSE;
    }
  if (h->pixel_representation == 1)
    convert_integers<int16_t> (reinterpret_cast<const char *> (raw.data ()), out, n_values, h->bits_stored, h->high_bit,
                               true);
  else
    convert_integers<uint16_t> (reinterpret_cast<const char *> (raw.data ()), out, n_values, h->bits_stored,
                                h->high_bit, false);
  *done = TRUE;
  return TRUE;
}

extern "C" {

void
ct_gdcm_init (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      try
        {
          /* Loads the dictionaries before any reader thread starts. */
          /* Problems reach the caller as GErrors; GDCM's own chatter on
           * stderr would only confuse users of the command line. */
          gdcm::Trace::WarningOff ();
          gdcm::Trace::DebugOff ();
          gdcm::Trace::ErrorOff ();
          gdcm::Global &global = gdcm::Global::GetInstance ();
          (void) global.GetDicts ();
        }
      catch (...)
        {
        }
      g_once_init_leave (&initialised, 1);
    }
}

void
ct_gdcm_header_free (CtGdcmHeader *h)
{
  if (h == nullptr)
    return;
  g_free (h->path);
  g_free (h->transfer_syntax_uid);
  g_free (h->transfer_syntax_name);
  g_free (h->sop_class_uid);
  g_free (h->sop_instance_uid);
  g_free (h->modality);
  g_free (h->image_type);
  g_free (h->study_uid);
  g_free (h->series_uid);
  g_free (h->patient_id);
  g_free (h->patient_name);
  g_free (h->study_date);
  g_free (h->series_description);
  g_free (h->accession_number);
  g_free (h->patient_age);
  g_free (h->patient_sex);
  g_free (h->series_number);
  g_free (h->frame_of_reference_uid);
  g_free (h->photometric);
  g_free (h->frame_positions);
  g_free (h);
}

CtGdcmHeader *
ct_gdcm_direct_read_header (const char *path, GError **error)
{
  g_return_val_if_fail (path != nullptr, nullptr);
  ct_gdcm_init ();

  CtGdcmHeader *h = g_new0 (CtGdcmHeader, 1);
  h->path = g_strdup (path);
  try
    {
      gdcm::Reader reader;
      reader.SetFileName (path);
      /* Everything up to the pixel data, whose value is skipped but whose
       * presence is recorded. */
      bool deflated = is_deflated (path);
      bool read_ok = deflated ? reader.Read () : reader.ReadUpToTag (kPixelData);
      if (!read_ok)
        {
          if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
            g_set_error (error, CT_ERROR, CT_ERROR_IO, "%s: cannot be read", path);
          else
            g_set_error (error, CT_ERROR, CT_ERROR_NOT_DICOM, "%s: not a DICOM file", path);
          ct_gdcm_header_free (h);
          return nullptr;
        }
      fill_header (reader.GetFile (), h);
      h->pixel_data_offset = -1;
      if (!deflated)
        {
          h->pixel_data_offset = find_pixel_data (path, reader.GetStreamCurrentPosition () + 8);
          h->has_pixel_data = h->pixel_data_offset >= 0;
        }
      return h;
    }
  catch (const std::exception &e)
    {
      set_error_from_exception (error, path, e.what ());
    }
  catch (...)
    {
      set_error_from_exception (error, path, "unknown exception");
    }
  ct_gdcm_header_free (h);
  return nullptr;
}

gboolean
ct_gdcm_direct_read_pixels (const char *path, float *out, gsize n_values, GError **error)
{
  g_return_val_if_fail (path != nullptr && out != nullptr, FALSE);
  ct_gdcm_init ();

  try
    {
      gdcm::ImageReader reader;
      reader.SetFileName (path);
      if (!reader.Read ())
        {
          g_set_error (error, CT_ERROR, CT_ERROR_NO_PIXEL_DATA, "%s: no image GDCM can read", path);
          return FALSE;
        }
      const gdcm::Image &image = reader.GetImage ();
      const gdcm::TransferSyntax &ts = image.GetTransferSyntax ();
      g_autofree char *ts_uid = describe_syntax (ts.IsValid () ? gdcm::TransferSyntax::GetTSString (ts) : nullptr);

      const unsigned int *dims = image.GetDimensions ();
      gsize frames = image.GetNumberOfDimensions () >= 3 ? dims[2] : 1;
      gsize n = (gsize) dims[0] * dims[1] * frames;
      gdcm::PixelFormat pf = image.GetPixelFormat ();

      if (pf.GetSamplesPerPixel () != 1)
        {
          g_set_error (error, CT_ERROR, CT_ERROR_NOT_CT, "%s: %u samples per pixel (a colour image) is not a CT image",
                       path, (unsigned) pf.GetSamplesPerPixel ());
          return FALSE;
        }
      if (n != n_values)
        {
          g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT,
                       "%s: the decoded image holds %" G_GSIZE_FORMAT " pixels, the header %" G_GSIZE_FORMAT, path, n,
                       n_values);
          return FALSE;
        }

      unsigned long length = image.GetBufferLength ();
      gsize bytes_per_value = pf.GetPixelSize ();
      if (bytes_per_value == 0 || length < n * bytes_per_value)
        {
          g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT,
                       "%s: pixel data of %lu bytes is too short for %" G_GSIZE_FORMAT " pixels", path, length, n);
          return FALSE;
        }
      std::vector<char> buffer (length);
      if (!image.GetBuffer (buffer.data ()))
        {
          g_set_error (error, CT_ERROR, CT_ERROR_UNSUPPORTED_SYNTAX,
                       "%s: cannot decode the pixel data in transfer syntax %s", path, ts_uid);
          return FALSE;
        }

      int bits_stored = pf.GetBitsStored ();
      int high_bit = pf.GetHighBit ();
      switch (pf.GetScalarType ())
        {
        case gdcm::PixelFormat::UINT8:
          convert_integers<uint8_t> (buffer.data (), out, n, bits_stored, high_bit, false);
          break;
        case gdcm::PixelFormat::INT8:
          convert_integers<int8_t> (buffer.data (), out, n, bits_stored, high_bit, true);
          break;
        case gdcm::PixelFormat::UINT16:
          convert_integers<uint16_t> (buffer.data (), out, n, bits_stored, high_bit, false);
          break;
        case gdcm::PixelFormat::INT16:
          convert_integers<int16_t> (buffer.data (), out, n, bits_stored, high_bit, true);
          break;
        case gdcm::PixelFormat::UINT32:
          convert_integers<uint32_t> (buffer.data (), out, n, bits_stored, high_bit, false);
          break;
        case gdcm::PixelFormat::INT32:
          convert_integers<int32_t> (buffer.data (), out, n, bits_stored, high_bit, true);
          break;
        case gdcm::PixelFormat::FLOAT32:
          memcpy (out, buffer.data (), n * sizeof (float));
          break;
        case gdcm::PixelFormat::FLOAT64:
          {
            const double *in = reinterpret_cast<const double *> (buffer.data ());
            for (gsize i = 0; i < n; i++)
              out[i] = (float) in[i];
          }
          break;
        default:
          g_set_error (error, CT_ERROR, CT_ERROR_UNSUPPORTED_SYNTAX,
                       "%s: pixel format %s (%d bits allocated) in transfer syntax %s is not supported", path,
                       pf.GetScalarTypeAsString (), (int) pf.GetBitsAllocated (), ts_uid);
          return FALSE;
        }
      return TRUE;
    }
  catch (const std::exception &e)
    {
      set_error_from_exception (error, path, e.what ());
    }
  catch (...)
    {
      set_error_from_exception (error, path, "unknown exception");
    }
  return FALSE;
}

gboolean
ct_gdcm_read_header_pixels (const CtGdcmHeader *header, float *out, gsize n_values, GError **error)
{
  g_return_val_if_fail (header != nullptr && out != nullptr, FALSE);

  try
    {
      gboolean done = FALSE;
      if (!read_native_pixels (header, out, n_values, &done, error))
        return FALSE;
      if (done)
        return TRUE;
    }
  catch (...)
    {
      /* Fall through to GDCM. */
    }
  return ct_gdcm_read_pixels (header->path, out, n_values, error);
}

char **
ct_gdcm_direct_read_dicomdir (const char *path, GError **error)
{
  g_return_val_if_fail (path != nullptr, nullptr);
  ct_gdcm_init ();

  try
    {
      gdcm::Reader reader;
      reader.SetFileName (path);
      if (!reader.Read ())
        {
          g_set_error (error, CT_ERROR, CT_ERROR_NOT_DICOM, "%s: not a DICOMDIR", path);
          return nullptr;
        }
      const gdcm::DataSet &ds = reader.GetFile ().GetDataSet ();
      gdcm::Tag records_tag (0x0004, 0x1220);
      GPtrArray *files = g_ptr_array_new ();
      g_autofree char *base = g_path_get_dirname (path);

      if (ds.FindDataElement (records_tag))
        {
          gdcm::SmartPointer<gdcm::SequenceOfItems> records = ds.GetDataElement (records_tag).GetValueAsSQ ();
          for (gdcm::SequenceOfItems::SizeType i = 1; records && i <= records->GetNumberOfItems (); i++)
            {
              const gdcm::DataSet &record = records->GetItem (i).GetNestedDataSet ();
              std::string file_id = get_string (record, gdcm::Tag (0x0004, 0x1500));
              if (file_id.empty ())
                continue;
              g_auto (GStrv) parts = g_strsplit (file_id.c_str (), "\\", -1);
              g_autofree char *relative = g_strjoinv (G_DIR_SEPARATOR_S, parts);
              g_autofree char *full = g_build_filename (base, relative, NULL);
              if (!g_file_test (full, G_FILE_TEST_EXISTS))
                {
                  /* Media written on other systems often store upper case
                   * names for lower case files. */
                  g_autofree char *lower = g_ascii_strdown (relative, -1);
                  g_autofree char *full_lower = g_build_filename (base, lower, NULL);
                  if (g_file_test (full_lower, G_FILE_TEST_EXISTS))
                    {
                      g_ptr_array_add (files, g_steal_pointer (&full_lower));
                      continue;
                    }
                }
              g_ptr_array_add (files, g_steal_pointer (&full));
            }
        }
      g_ptr_array_add (files, nullptr);
      return (char **) g_ptr_array_free (files, FALSE);
    }
  catch (const std::exception &e)
    {
      set_error_from_exception (error, path, e.what ());
    }
  catch (...)
    {
      set_error_from_exception (error, path, "unknown exception");
    }
  return nullptr;
}

char *
ct_gdcm_generate_uid (void)
{
  ct_gdcm_init ();
  try
    {
      gdcm::UIDGenerator generator;
      const char *uid = generator.Generate ();
      if (uid != nullptr)
        return g_strdup (uid);
    }
  catch (...)
    {
    }
  return nullptr;
}

gboolean
ct_gdcm_write_ct_slice (const CtGdcmSliceSpec *spec, GError **error)
{
  g_return_val_if_fail (spec != nullptr && spec->path != nullptr && spec->pixels != nullptr, FALSE);
  g_return_val_if_fail (spec->rows > 0 && spec->columns > 0, FALSE);
  g_return_val_if_fail (spec->study_uid && spec->series_uid && spec->sop_instance_uid && spec->frame_of_reference_uid,
                        FALSE);
  ct_gdcm_init ();

  try
    {
      const int frames = MAX (spec->n_frames, 1);
      const gsize n_bytes = (gsize) spec->rows * spec->columns * frames * sizeof (gint16);
      gdcm::TransferSyntax ts = syntax_to_gdcm (spec->syntax);
      gdcm::DataElement pixel_data (kPixelData);
      pixel_data.SetVR (gdcm::VR::OW);
      pixel_data.SetByteValue (reinterpret_cast<const char *> (spec->pixels), (uint32_t) n_bytes);

      gdcm::Writer writer;
      gdcm::DataSet &ds = writer.GetFile ().GetDataSet ();

      if (frames > 1 && spec->syntax != CT_GDCM_SYNTAX_EXPLICIT_LITTLE)
        {
          g_set_error (error, CT_ERROR, CT_ERROR_UNSUPPORTED_SYNTAX,
                       "%s: multi-frame images are written uncompressed only", spec->path);
          return FALSE;
        }
      if (spec->syntax == CT_GDCM_SYNTAX_JPEG2000_LOSSLESS && MIN (spec->rows, spec->columns) < 16)
        {
          /* GDCM 3.0.21's JPEG 2000 encoder corrupts the heap on images of
           * fewer than 7 rows or columns: refuse small ones. */
          g_set_error (error, CT_ERROR, CT_ERROR_UNSUPPORTED_SYNTAX,
                       "%s: JPEG 2000 needs images of at least 16x16 pixels", spec->path);
          return FALSE;
        }
      if (spec->syntax != CT_GDCM_SYNTAX_EXPLICIT_LITTLE)
        {
          /* GDCM's codecs work on a gdcm::Image: encode through one and keep
           * only its (encapsulated) pixel data element. */
          gdcm::SmartPointer<gdcm::Image> image = new gdcm::Image;
          image->SetNumberOfDimensions (2);
          image->SetDimension (0, (unsigned int) spec->columns);
          image->SetDimension (1, (unsigned int) spec->rows);
          image->SetPixelFormat (gdcm::PixelFormat::INT16);
          image->SetPhotometricInterpretation (gdcm::PhotometricInterpretation::MONOCHROME2);
          image->SetTransferSyntax (gdcm::TransferSyntax::ExplicitVRLittleEndian);
          image->SetDataElement (pixel_data);

          gdcm::ImageChangeTransferSyntax change;
          change.SetTransferSyntax (ts);
          change.SetInput (*image);
          if (!change.Change ())
            {
              g_set_error (error, CT_ERROR, CT_ERROR_UNSUPPORTED_SYNTAX, "%s: GDCM could not encode transfer syntax %s",
                           spec->path, gdcm::TransferSyntax::GetTSString (ts));
              return FALSE;
            }
          ds.Replace (change.GetOutput ().GetDataElement ());
        }
      else
        ds.Replace (pixel_data);
      writer.GetFile ().GetHeader ().SetDataSetTransferSyntax (ts);

      const char *ct_class = gdcm::MediaStorage::GetMSString (gdcm::MediaStorage::CTImageStorage);
      insert_string (ds, gdcm::Tag (0x0008, 0x0016), gdcm::VR::UI, ct_class);
      insert_string (ds, gdcm::Tag (0x0008, 0x0018), gdcm::VR::UI, spec->sop_instance_uid);
      insert_string (ds, gdcm::Tag (0x0008, 0x0008), gdcm::VR::CS, "ORIGINAL\\PRIMARY\\AXIAL");
      insert_string (ds, gdcm::Tag (0x0008, 0x0060), gdcm::VR::CS, "CT");
      insert_string (ds, gdcm::Tag (0x0008, 0x0020), gdcm::VR::DA, spec->study_date);
      insert_string (ds, gdcm::Tag (0x0008, 0x103e), gdcm::VR::LO, spec->series_description);
      insert_string (ds, gdcm::Tag (0x0010, 0x0010), gdcm::VR::PN, spec->patient_name);
      insert_string (ds, gdcm::Tag (0x0010, 0x0020), gdcm::VR::LO, spec->patient_id);
      if (spec->accession_number != nullptr)
        insert_string (ds, gdcm::Tag (0x0008, 0x0050), gdcm::VR::SH, spec->accession_number);
      if (spec->patient_age != nullptr)
        insert_string (ds, gdcm::Tag (0x0010, 0x1010), gdcm::VR::AS, spec->patient_age);
      if (spec->patient_sex != nullptr)
        insert_string (ds, gdcm::Tag (0x0010, 0x0040), gdcm::VR::CS, spec->patient_sex);
      if (spec->series_number != nullptr)
        insert_string (ds, gdcm::Tag (0x0020, 0x0011), gdcm::VR::IS, spec->series_number);
      insert_string (ds, gdcm::Tag (0x0020, 0x000d), gdcm::VR::UI, spec->study_uid);
      insert_string (ds, gdcm::Tag (0x0020, 0x000e), gdcm::VR::UI, spec->series_uid);
      insert_string (ds, gdcm::Tag (0x0020, 0x0052), gdcm::VR::UI, spec->frame_of_reference_uid);
      insert_string (ds, gdcm::Tag (0x0020, 0x0013), gdcm::VR::IS, std::to_string (spec->instance_number).c_str ());
      insert_string (ds, gdcm::Tag (0x0018, 0x0050), gdcm::VR::DS, format_ds (&spec->slice_thickness, 1).c_str ());
      /* Geometry as DS strings with as many digits as DICOM allows, so that
       * a write -> read round trip keeps positions to about 1e-12 relative. */
      insert_string (ds, gdcm::Tag (0x0020, 0x0032), gdcm::VR::DS, format_ds (spec->position, 3).c_str ());
      insert_string (ds, gdcm::Tag (0x0020, 0x0037), gdcm::VR::DS, format_ds (spec->orientation, 6).c_str ());
      insert_string (ds, gdcm::Tag (0x0028, 0x0030), gdcm::VR::DS, format_ds (spec->pixel_spacing, 2).c_str ());
      insert_string (ds, gdcm::Tag (0x0028, 0x1052), gdcm::VR::DS, format_ds (&spec->rescale_intercept, 1).c_str ());
      insert_string (ds, gdcm::Tag (0x0028, 0x1053), gdcm::VR::DS, format_ds (&spec->rescale_slope, 1).c_str ());
      insert_string (ds, gdcm::Tag (0x0028, 0x1054), gdcm::VR::LO, "HU");
      insert_string (ds, gdcm::Tag (0x0028, 0x0004), gdcm::VR::CS, "MONOCHROME2");
      if (frames > 1)
        {
          insert_string (ds, gdcm::Tag (0x0028, 0x0008), gdcm::VR::IS, std::to_string (frames).c_str ());
          insert_string (ds, gdcm::Tag (0x0018, 0x0088), gdcm::VR::DS,
                         format_ds (&spec->spacing_between_slices, 1).c_str ());
        }
      insert_us<0x0028, 0x0002> (ds, 1);
      insert_us<0x0028, 0x0010> (ds, spec->rows);
      insert_us<0x0028, 0x0011> (ds, spec->columns);
      insert_us<0x0028, 0x0100> (ds, 16);
      insert_us<0x0028, 0x0101> (ds, 16);
      insert_us<0x0028, 0x0102> (ds, 15);
      insert_us<0x0028, 0x0103> (ds, 1);

      writer.SetFileName (spec->path);
      if (!writer.Write ())
        {
          g_set_error (error, CT_ERROR, CT_ERROR_IO, "%s: GDCM could not write the file", spec->path);
          return FALSE;
        }
      return TRUE;
    }
  catch (const std::exception &e)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, "%s: writing failed: %s", spec->path, e.what ());
    }
  catch (...)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, "%s: writing failed", spec->path);
    }
  return FALSE;
}

} /* extern "C" */
