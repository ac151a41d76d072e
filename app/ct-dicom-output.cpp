/* SPDX-License-Identifier: MIT */
/* ct-dicom-output.cpp: the C API of ct-dicom-output.h over DCMTK. Every
 * entry point catches every C++ exception; a DCMTK condition becomes a
 * GError naming the step and DCMTK's text. Codes: DICOM PS3.16 CID 7150
 * (segmentation property categories), CID 7151 / 7159 (types), CID 244
 * (laterality); concepts without a standard code use the private coding
 * scheme "99CTTRIAGE" (PS3.3 8.2: designators starting "99" are private). */
#include <cerrno>
#include "ct-dcmtk-file.h"
#include "ct-dicom-output.h"
#include "ct-error.h"

#include <dcmtk/config/osconfig.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcvrda.h>
#include <dcmtk/dcmdata/dcvrtm.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmfg/fgderimg.h>
#include <dcmtk/dcmfg/fgfracon.h>
#include <dcmtk/dcmfg/fgpixmsr.h>
#include <dcmtk/dcmfg/fgplanor.h>
#include <dcmtk/dcmfg/fgplanpo.h>
#include <dcmtk/dcmiod/iodmacro.h>
#include <dcmtk/dcmseg/segdoc.h>
#include <dcmtk/dcmseg/segment.h>
#include <dcmtk/dcmseg/segutils.h>
#include <dcmtk/dcmsr/cmr/init.h>
#include <dcmtk/dcmsr/cmr/tid1500.h>
#include <dcmtk/dcmsr/codes/dcm.h>
#include <dcmtk/dcmsr/dsrdoc.h>
#include <dcmtk/oflog/oflog.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

namespace {

const char *const kPrivateScheme = "99CTTRIAGE";
const char *const kManufacturer = "ct-triage project";
const char *const kDeviceName = "ct-triage";

/* Fails with @what and DCMTK's text when @cond is bad. */
bool
check (const OFCondition &cond, const char *what, GError **error)
{
  if (cond.good ())
    return true;
  g_set_error (error, CT_ERROR, CT_ERROR_FAILED, "%s: %s", what, cond.text ());
  return false;
}

std::string
format_ds (double v)
{
  /* DS holds at most 16 characters: %.6g always fits. */
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (buf, sizeof buf, "%.6g", std::fabs (v) < 1e-9 ? 0.0 : v);
  return buf;
}

std::string
format_percent (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (buf, sizeof buf, "%.2f", v);
  return buf;
}

/* The Patient, General Study and Patient Study attributes copied from the
 * source image to the new object, so that a PACS files it in the same
 * study. */
const DcmTagKey kStudyTags[] = {
  DCM_PatientName,
  DCM_PatientID,
  DCM_PatientBirthDate,
  DCM_PatientSex,
  DCM_StudyInstanceUID,
  DCM_StudyDate,
  DCM_StudyTime,
  DCM_StudyID,
  DCM_AccessionNumber,
  DCM_ReferringPhysicianName,
  DCM_StudyDescription,
  DCM_PatientAge,
  DCM_SpecificCharacterSet,
};

bool
load_source (DcmFileFormat &ff, const char *path, GError **error)
{
  OFCondition cond = ff.loadFileUntilTag (path, EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect,
                                          DCM_PixelData);
  if (cond.bad ())
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, "Cannot read %s: %s", path, cond.text ());
      return false;
    }
  return true;
}

/* The type 2 attributes among them: present, empty when unknown. */
const DcmTagKey kStudyType2Tags[] = {
  DCM_PatientName, DCM_PatientID,       DCM_PatientBirthDate,       DCM_PatientSex, DCM_StudyDate, DCM_StudyTime,
  DCM_StudyID,     DCM_AccessionNumber, DCM_ReferringPhysicianName,
};

void
copy_study_attributes (DcmItem &src, DcmItem &dest)
{
  for (const DcmTagKey &tag : kStudyTags)
    {
      DcmElement *element = nullptr;
      if (src.findAndGetElement (tag, element).good () && element != nullptr)
        dest.insert (OFstatic_cast (DcmElement *, element->clone ()), OFTrue);
    }
  for (const DcmTagKey &tag : kStudyType2Tags)
    if (!dest.tagExists (tag))
      dest.insertEmptyElement (tag);
}

/* ---- SEG ---- */

struct SegmentSpec
{
  const char *label;
  const char *description;
  CodeSequenceMacro category;
  CodeSequenceMacro type;
  Uint16 cielab[3]; /* recommended display colour, DICOM scaled CIELab */
  bool right, left; /* laterality of the anatomic region */
};

/* 1 right lung, 2 left lung, 3 lesions: the order of ct-dicom-output.h. */
std::vector<SegmentSpec>
segment_specs ()
{
  const CodeSequenceMacro anatomy ("91723000", "SCT", "Anatomical Structure");
  const CodeSequenceMacro abnormal ("49755003", "SCT", "Morphologically Abnormal Structure");
  return {
    { "Right lung",
      "Right lung",
      anatomy,
      CodeSequenceMacro ("3341006", "SCT", "Right lung"),
      { 36000, 48000, 28000 },
      true,
      false },
    { "Left lung",
      "Left lung",
      anatomy,
      CodeSequenceMacro ("44029006", "SCT", "Left lung"),
      { 36000, 28000, 48000 },
      false,
      true },
    { "Lesions",
      "Ground-glass opacity and consolidation",
      abnormal,
      CodeSequenceMacro ("52988006", "SCT", "Lesion"),
      { 40000, 54000, 52000 },
      false,
      false },
  };
}

bool
slice_has (const guint8 *mask, gsize plane, int k, guint8 value)
{
  const guint8 *p = mask + (gsize) k * plane;
  for (gsize i = 0; i < plane; i++)
    if (value == 0 ? p[i] != 0 : p[i] == value)
      return true;
  return false;
}

/* The frame of segment @s on slice @k as 0/1 bytes. */
void
fill_frame (const CtAnalysis *a, gsize plane, int k, int s, std::vector<Uint8> &out)
{
  const guint8 *lungs = a->lung_mask + (gsize) k * plane;
  const guint8 *lesions = a->lesion_mask + (gsize) k * plane;
  for (gsize i = 0; i < plane; i++)
    out[i] = (s == 1 ? lungs[i] == 1 : s == 2 ? lungs[i] == 2 : lesions[i] != 0) ? 1 : 0;
}

bool
add_segments (DcmSegmentation &seg, const char *algorithm, GError **error)
{
  for (const SegmentSpec &spec : segment_specs ())
    {
      DcmSegment *segment = nullptr;
      Uint16 number = 0;
      if (!check (
              DcmSegment::create (segment, spec.label, spec.category, spec.type, DcmSegTypes::SAT_AUTOMATIC, algorithm),
              "Segment", error))
        return false;
      std::unique_ptr<DcmSegment> owned (segment);
      segment->setSegmentDescription (spec.description);
      segment->setRecommendedDisplayCIELabValue (spec.cielab[0], spec.cielab[1], spec.cielab[2]);
      GeneralAnatomyMacro &anatomy = segment->getGeneralAnatomyCode ();
      anatomy.getAnatomicRegion ().set ("39607008", "SCT", "Lung");
      if (!check (seg.addSegment (segment, number), "Segment", error))
        return false;
      owned.release (); /* the segmentation owns it now */
    }
  return true;
}

/* Whether the source images lie on the volume's grid (within 1 % of the
 * gap): then the frames are evenly spaced. */
bool
evenly_spaced (const CtDicomOutputSource *src)
{
  const CtVolume *v = src->volume;
  for (int k = 0; k < v->nz; k++)
    {
      const CtDicomSourceImage &image = src->slices[k];
      double p[3], d2 = 0;
      if (!image.has_position)
        continue;
      ct_volume_voxel_to_patient (v, 0, 0, k, p);
      for (int a = 0; a < 3; a++)
        d2 += (p[a] - image.position[a]) * (p[a] - image.position[a]);
      if (std::sqrt (d2) > 0.01 * v->spacing[2])
        return false;
    }
  return true;
}

bool
add_shared_groups (DcmSegmentation &seg, const CtDicomOutputSource *src, GError **error)
{
  const CtVolume *v = src->volume;
  FGPlaneOrientationPatient orientation;
  FGPixelMeasures measures;
  const double *d = v->direction;

  orientation.setImageOrientationPatient (format_ds (d[0]), format_ds (d[1]), format_ds (d[2]), format_ds (d[3]),
                                          format_ds (d[4]), format_ds (d[5]));
  /* PixelSpacing is [between rows, between columns]. */
  std::string spacing = format_ds (v->spacing[1]) + "\\" + format_ds (v->spacing[0]);
  measures.setPixelSpacing (spacing.c_str ());
  measures.setSliceThickness (format_ds (v->spacing[2]).c_str ());
  /* Spacing Between Slices (type 3) only where the frames are evenly
   * spaced; after a gap only their positions are true. */
  if (evenly_spaced (src))
    measures.setSpacingBetweenSlices (format_ds (v->spacing[2]).c_str ());
  return check (seg.addForAllFrames (orientation), "Plane Orientation", error) &&
         check (seg.addForAllFrames (measures), "Pixel Measures", error);
}

/* The per-frame groups of slice @k for segment @s. */
bool
add_frame (DcmSegmentation &seg, const CtDicomOutputSource *src, int k, Uint16 s, std::vector<Uint8> &pixels,
           GError **error)
{
  const CtVolume *v = src->volume;
  const CtDicomSourceImage &image = src->slices[k];
  double p[3];
  FGPlanePosPatient position;
  FGFrameContent content;
  ImageSOPInstanceReferenceMacro *ref = nullptr;
  OFVector<ImageSOPInstanceReferenceMacro> refs;
  OFVector<FGBase *> groups;

  if (image.has_position)
    std::copy (image.position, image.position + 3, p);
  else
    ct_volume_voxel_to_patient (v, 0, 0, k, p);
  position.setImagePositionPatient (format_ds (p[0]), format_ds (p[1]), format_ds (p[2]));
  content.setDimensionIndexValues (s, 0);
  content.setDimensionIndexValues ((Uint32) k + 1, 1);

  OFVector<Uint16> frames;
  if (image.frame_number > 0)
    frames.push_back ((Uint16) image.frame_number);
  if (!check (ImageSOPInstanceReferenceMacro::create (image.sop_class_uid, image.sop_instance_uid, frames, ref),
              "Source image reference", error))
    return false;
  refs.push_back (*ref);
  delete ref;
  std::unique_ptr<FGDerivationImage> derivation (
      DcmSegmentation::createDerivationImageFG (refs, "Segmented by ct-triage's networks"));
  if (!derivation)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, "Derivation Image: %s", "cannot be created");
      return false;
    }
  groups.push_back (&position);
  groups.push_back (&content);
  groups.push_back (derivation.get ());
  return check (seg.addFrame (pixels.data (), s, groups), "Frame", error);
}

/* The Referenced Series Sequence of the Common Instance Reference module:
 * every source image, in the source series. */
bool
add_referenced_series (DcmItem &ds, const CtDicomOutputSource *src, GError **error)
{
  DcmItem *series = nullptr;
  if (!check (ds.findOrCreateSequenceItem (DCM_ReferencedSeriesSequence, series, 0), "Referenced Series", error))
    return false;
  series->putAndInsertString (DCM_SeriesInstanceUID, src->series_uid);
  std::vector<std::string> seen;
  for (int k = 0; k < src->volume->nz; k++)
    {
      const CtDicomSourceImage &image = src->slices[k];
      if (std::find (seen.begin (), seen.end (), image.sop_instance_uid) != seen.end ())
        continue;
      seen.push_back (image.sop_instance_uid);
      DcmItem *item = nullptr;
      if (!check (series->findOrCreateSequenceItem (DCM_ReferencedInstanceSequence, item, -2), "Referenced Instance",
                  error))
        return false;
      item->putAndInsertString (DCM_ReferencedSOPClassUID, image.sop_class_uid);
      item->putAndInsertString (DCM_ReferencedSOPInstanceUID, image.sop_instance_uid);
    }
  return true;
}

bool
write_seg (const CtDicomOutputSource *src, const char *path, CtDicomSegIds *out_ids, GError **error)
{
  const CtVolume *v = src->volume;
  const CtAnalysis *a = src->analysis;
  const gsize plane = (gsize) v->nx * v->ny;
  DcmSegmentation *raw = nullptr;
  IODGeneralEquipmentModule::EquipmentInfo equipment (kManufacturer, "ct-triage", kDeviceName, src->software_version);
  ContentIdentificationMacro content ("1", "LUNG_LESIONS", "Lungs and COVID-19 lesions", "CT-TRIAGE^");

  if (v->nx > 65535 || v->ny > 65535)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, "The grid is too large for a SEG (%d x %d)", v->nx, v->ny);
      return false;
    }
  if (!check (DcmSegmentation::createBinarySegmentation (raw, (Uint16) v->ny, (Uint16) v->nx, equipment, content),
              "Segmentation", error))
    return false;
  std::unique_ptr<DcmSegmentation> seg (raw);

  /* The source's header only, up to its pixel data. */
  DcmFileFormat source;
  if (!load_source (source, src->source_path, error) ||
      !check (seg->importFromSourceImage (*source.getDataset ()), "Patient and study of the source", error))
    return false;
  seg->getSeries ().setSeriesDescription ("ct-triage lungs and lesions");
  seg->getSeries ().setSeriesNumber ("9701");

  char org_uid[100];
  dcmGenerateUniqueIdentifier (org_uid);
  IODMultiframeDimensionModule &dims = seg->getDimensions ();
  if (!check (dims.addDimensionIndex (DCM_ReferencedSegmentNumber, org_uid, DCM_SegmentIdentificationSequence,
                                      "ReferencedSegmentNumber"),
              "Dimension", error) ||
      !check (
          dims.addDimensionIndex (DCM_ImagePositionPatient, org_uid, DCM_PlanePositionSequence, "ImagePositionPatient"),
          "Dimension", error))
    return false;

  std::string algorithm = std::string ("ct-triage ") + (a->multitask_model.name ? a->multitask_model.name : "model");
  if (!add_segments (*seg, algorithm.substr (0, 64).c_str (), error) || !add_shared_groups (*seg, src, error))
    return false;

  std::vector<Uint8> pixels (plane);
  for (Uint16 s = 1; s <= 3; s++)
    {
      const guint8 *mask = s == 3 ? a->lesion_mask : a->lung_mask;
      const guint8 value = s == 3 ? 0 : (guint8) s;
      bool any = false;
      for (int k = 0; k < v->nz; k++)
        {
          if (!slice_has (mask, plane, k, value))
            continue;
          any = true;
          fill_frame (a, plane, k, s, pixels);
          if (!add_frame (*seg, src, k, s, pixels, error))
            return false;
        }
      /* An empty segment still gets one (empty) frame: every segment
       * described has pixels in the object. */
      if (!any)
        {
          std::fill (pixels.begin (), pixels.end (), 0);
          if (!add_frame (*seg, src, 0, s, pixels, error))
            return false;
        }
    }

  DcmFileFormat ff;
  DcmDataset *ds = ff.getDataset ();
  if (!check (seg->writeDataset (*ds), "Segmentation", error) || !add_referenced_series (*ds, src, error))
    return false;
  if (src->frame_of_reference_uid != nullptr)
    ds->putAndInsertString (DCM_FrameOfReferenceUID, src->frame_of_reference_uid);
  if (!ct_dcmtk_save_file (ff, path, EXS_LittleEndianExplicit, error))
    return false;

  OFString uid;
  ds->findAndGetOFString (DCM_SOPInstanceUID, uid);
  out_ids->sop_class_uid = g_strdup (UID_SegmentationStorage);
  out_ids->sop_instance_uid = g_strdup (uid.c_str ());
  ds->findAndGetOFString (DCM_SeriesInstanceUID, uid);
  out_ids->series_uid = g_strdup (uid.c_str ());
  return true;
}

/* ---- SR ---- */

DSRCodedEntryValue
private_code (const char *value, const char *meaning)
{
  return DSRCodedEntryValue (value, kPrivateScheme, meaning);
}

/* A UID of the "2.25" root made of the first 128 bits of a SHA-256: the
 * same weights give the same device UID in every report. */
std::string
uid_from_sha256 (const char *hex)
{
  unsigned __int128 n = 0;
  for (int i = 0; i < 32 && hex != nullptr && g_ascii_isxdigit (hex[i]); i++)
    n = (n << 4) | (unsigned) g_ascii_xdigit_value (hex[i]);
  std::string digits;
  do
    {
      digits.insert (digits.begin (), (char) ('0' + (int) (n % 10)));
      n /= 10;
    }
  while (n != 0);
  return "2.25." + digits;
}

typedef CMR_TID1411_in_TID1500 Roi;
typedef CMR_SRNumericMeasurementValueWithUnits<CID7181_AbstractMultiDimensionalImageModelComponentUnits> Value;

Value
value_ml (double ml)
{
  return Value (format_ds (ml).c_str (), CID7181_AbstractMultiDimensionalImageModelComponentUnits (
                                             DSRCodedEntryValue ("ml", "UCUM", "milliliter")));
}

Value
value_percent (double percent)
{
  return Value (format_percent (percent).c_str (),
                CID7181_AbstractMultiDimensionalImageModelComponentUnits (
                    CID7181_AbstractMultiDimensionalImageModelComponentUnits::Percent));
}

/* One volumetric ROI group (TID 1411) for segment @segment of the SEG. */
bool
add_roi_group (CMR_TID1500 &report, const CtDicomOutputSource *src, const CtDicomSegIds *seg, Uint16 segment,
               const char *tracking, const DSRCodedEntryValue &finding, int laterality, double volume_ml,
               double severity_percent, GError **error)
{
  if (!check (report.addVolumetricROIMeasurements (), "Volumetric ROI group", error))
    return false;
  Roi &roi = report.getVolumetricROIMeasurements ();
  char uid[100];
  dcmGenerateUniqueIdentifier (uid);
  DSRImageReferenceValue ref (seg->sop_class_uid, seg->sop_instance_uid);
  ref.getSegmentList ().addItem (segment);

  if (!check (roi.setTrackingIdentifier (tracking), "Tracking Identifier", error) ||
      !check (roi.setTrackingUniqueIdentifier (uid), "Tracking UID", error) ||
      !check (roi.setFinding (finding), "Finding", error) ||
      !check (roi.setReferencedSegment (ref), "Referenced Segment", error) ||
      !check (roi.setSourceSeriesForSegmentation (src->series_uid), "Source series", error))
    return false;
  CID244e_Laterality side = laterality > 0   ? CID244e_Laterality (CID244_Laterality::Right)
                            : laterality < 0 ? CID244e_Laterality (CID244_Laterality::Left)
                                             : CID244e_Laterality ();
  if (!check (roi.addFindingSite (DSRCodedEntryValue ("39607008", "SCT", "Lung"), side), "Finding Site", error))
    return false;
  if (!check (roi.addMeasurement (CMR_CID7469::Volume, value_ml (volume_ml)), "Volume", error))
    return false;
  if (!std::isnan (severity_percent) &&
      !check (roi.addMeasurement (CMR_CID7469 (private_code ("LESION-SHARE", "Share of lung affected by lesions")),
                                  value_percent (severity_percent), OFFalse),
              "Severity", error))
    return false;
  return true;
}

std::string
model_text (const CtModelIdentity &m)
{
  return std::string (m.name ? m.name : "(unknown)") + " SHA-256 " + (m.sha256 ? m.sha256 : "(unknown)") +
         (m.training_data ? std::string ("; trained on: ") + m.training_data : std::string ());
}

bool
add_evaluations (CMR_TID1500 &report, const CtAnalysis *a, GError **error)
{
  gboolean assessable = ct_analysis_is_assessable (a);

  if (!check (report.addQualitativeEvaluation (private_code ("MODEL-MULTITASK", "Multitask network weights"),
                                               model_text (a->multitask_model), OFFalse),
              "Model", error) ||
      !check (report.addQualitativeEvaluation (private_code ("MODEL-LUNGS", "Lung network weights"),
                                               model_text (a->lungs_model), OFFalse),
              "Model", error))
    return false;
  if (!assessable)
    {
      std::string reasons = "Not assessable";
      for (guint i = 0; a->quality_notes != nullptr && i < a->quality_notes->len; i++)
        reasons += std::string (i == 0 ? ": " : "; ") + (const char *) g_ptr_array_index (a->quality_notes, i);
      return check (report.addQualitativeEvaluation (private_code ("ASSESSABLE", "Assessability"), reasons, OFFalse),
                    "Assessability", error);
    }
  if (!check (report.addQualitativeEvaluation (private_code ("CT-CATEGORY", "CT severity category"),
                                               ct_category_to_string (a->category), OFFalse),
              "CT category", error))
    return false;
  return true;
}

/* Whole-study numbers (TID 1501 group): the COVID-19 probability and the
 * severity of the more affected lung. */
bool
add_study_group (CMR_TID1500 &report, const CtAnalysis *a, GError **error)
{
  if (!ct_analysis_is_assessable (a))
    return true;
  if (!check (report.addIndividualMeasurements (), "Measurement group", error))
    return false;
  CMR_TID1501_in_TID1500 &group = report.getIndividualMeasurements ();
  if (!check (group.setTrackingIdentifier ("Study"), "Tracking Identifier", error))
    return false;
  char uid[100];
  dcmGenerateUniqueIdentifier (uid);
  group.setTrackingUniqueIdentifier (uid);
  if (a->has_probability && !std::isnan (a->covid_probability))
    {
      CMR_TID1501_in_TID1500::MeasurementValue p (
          format_ds (a->covid_probability).c_str (),
          CID7181_AbstractMultiDimensionalImageModelComponentUnits (DSRCodedEntryValue ("1", "UCUM", "no units")));
      if (!check (group.addMeasurement (CMR_CID7469 (private_code ("COVID-P", "COVID-19 probability")), p, OFFalse),
                  "Probability", error))
        return false;
    }
  return check (group.addMeasurement (CMR_CID7469 (private_code ("SEVERITY", "Severity (more affected lung)")),
                                      value_percent (a->severity_percent), OFFalse),
                "Severity", error);
}

bool
write_sr (const CtDicomOutputSource *src, const CtDicomSegIds *seg, const char *path, GError **error)
{
  const CtAnalysis *a = src->analysis;
  gboolean assessable = ct_analysis_is_assessable (a);
  CMR_TID1500 report (CMR_CID7021::ImagingMeasurementReport);
  DSRCodedEntryValue lung ("39607008", "SCT", "Lung");

  if (!check (report.setLanguage (CID5000_Languages (CID5000_Languages::English)), "Language", error) ||
      !check (report.getObservationContext ().addDeviceObserver (
                  uid_from_sha256 (a->multitask_model.sha256).c_str (), kDeviceName, kManufacturer,
                  std::string (a->multitask_model.name ? a->multitask_model.name : "").substr (0, 64).c_str ()),
              "Observer", error) ||
      !check (report.addProcedureReported (CMR_CID100::CTUnspecifiedBodyRegion), "Procedure", error))
    return false;

  double nan = NAN;
  if (!add_roi_group (report, src, seg, 1, "Right lung", lung, 1, a->right_lung_volume_ml,
                      assessable ? a->severity_right_percent : nan, error) ||
      !add_roi_group (report, src, seg, 2, "Left lung", lung, -1, a->left_lung_volume_ml,
                      assessable ? a->severity_left_percent : nan, error) ||
      !add_roi_group (report, src, seg, 3, "Lesions", DSRCodedEntryValue ("52988006", "SCT", "Lesion"), 0,
                      a->lesion_volume_ml, assessable ? a->severity_total_percent : nan, error) ||
      !add_study_group (report, a, error) || !add_evaluations (report, a, error))
    return false;

  DcmFileFormat source;
  if (!load_source (source, src->source_path, error))
    return false;
  OFString study_uid;
  source.getDataset ()->findAndGetOFString (DCM_StudyInstanceUID, study_uid);

  DSRDocument doc (DSRTypes::DT_ComprehensiveSR);
  if (!check (doc.setTreeFromRootTemplate (report, OFTrue), "Report tree", error) ||
      !check (doc.createNewSeriesInStudy (study_uid), "Study", error))
    return false;
  /* The evidence: the SEG whose segments the groups reference, and the
   * source images it was made of. */
  DSRSOPInstanceReferenceList &evidence = doc.getCurrentRequestedProcedureEvidence ();
  if (!check (evidence.addItem (study_uid, seg->series_uid, seg->sop_class_uid, seg->sop_instance_uid), "Evidence",
              error))
    return false;
  for (int k = 0; k < src->volume->nz; k++)
    if (!check (evidence.addItem (study_uid, src->series_uid, src->slices[k].sop_class_uid,
                                  src->slices[k].sop_instance_uid),
                "Evidence", error))
      return false;
  /* The private coding scheme, identified (PS3.3 C.12.1.1.6). */
  DSRCodingSchemeIdentificationList &schemes = doc.getCodingSchemeIdentification ();
  if (schemes.addItem (kPrivateScheme).good ())
    {
      schemes.setCodingSchemeName ("ct-triage private codes");
      schemes.setCodingSchemeResponsibleOrganization (kManufacturer);
    }
  doc.setManufacturer (kManufacturer);
  doc.setSeriesDescription ("ct-triage measurement report");
  doc.setSeriesNumber ("9702");
  doc.setInstanceNumber ("1");
  doc.completeDocument ();
  doc.setPreliminaryFlag (DSRTypes::PF_Preliminary);

  DcmFileFormat ff;
  DcmDataset *ds = ff.getDataset ();
  if (!check (doc.write (*ds), "Report", error))
    return false;
  copy_study_attributes (*source.getDataset (), *ds);
  ds->putAndInsertString (DCM_SoftwareVersions, src->software_version);
  return ct_dcmtk_save_file (ff, path, EXS_LittleEndianExplicit, error);
}

/* ---- Encapsulated PDF ---- */

bool
write_pdf (const CtDicomOutputSource *src, const char *pdf_path, const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr (GError) local = NULL;
  char uid[100];

  if (!g_file_get_contents (pdf_path, &contents, &length, &local))
    {
      g_set_error_literal (error, CT_ERROR, CT_ERROR_IO, local->message);
      return false;
    }
  if (length == 0 || length >= G_MAXUINT32 - 1)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, "The report %s is empty or too large", pdf_path);
      return false;
    }
  DcmFileFormat source;
  if (!load_source (source, src->source_path, error))
    return false;

  DcmFileFormat ff;
  DcmDataset *ds = ff.getDataset ();
  copy_study_attributes (*source.getDataset (), *ds);
  OFString date, time;
  DcmDate::getCurrentDate (date);
  DcmTime::getCurrentTime (time);
  ds->putAndInsertString (DCM_SOPClassUID, UID_EncapsulatedPDFStorage);
  ds->putAndInsertString (DCM_SOPInstanceUID, dcmGenerateUniqueIdentifier (uid, SITE_INSTANCE_UID_ROOT));
  ds->putAndInsertString (DCM_SeriesInstanceUID, dcmGenerateUniqueIdentifier (uid, SITE_SERIES_UID_ROOT));
  ds->putAndInsertString (DCM_InstanceCreationDate, date.c_str ());
  ds->putAndInsertString (DCM_InstanceCreationTime, time.c_str ());
  ds->putAndInsertString (DCM_Modality, "DOC");
  ds->putAndInsertString (DCM_SeriesNumber, "9703");
  ds->putAndInsertString (DCM_SeriesDescription, "ct-triage report");
  ds->putAndInsertString (DCM_Manufacturer, kManufacturer);
  ds->putAndInsertString (DCM_SoftwareVersions, src->software_version);
  ds->putAndInsertString (DCM_ConversionType, "WSD");
  ds->putAndInsertString (DCM_InstanceNumber, "1");
  ds->putAndInsertString (DCM_ContentDate, date.c_str ());
  ds->putAndInsertString (DCM_ContentTime, time.c_str ());
  ds->putAndInsertString (DCM_AcquisitionDateTime, (date + time).c_str ());
  ds->putAndInsertString (DCM_BurnedInAnnotation, "YES");
  ds->putAndInsertString (DCM_DocumentTitle, "ct-triage COVID-19 triage report");
  ds->insertEmptyElement (DCM_ConceptNameCodeSequence);
  ds->putAndInsertString (DCM_MIMETypeOfEncapsulatedDocument, "application/pdf");
  /* OB values have even length: one pad byte after an odd-sized PDF;
   * EncapsulatedDocumentLength says the PDF's own size. */
  std::vector<Uint8> bytes (contents, contents + length);
  if (bytes.size () % 2 != 0)
    bytes.push_back (0);
  ds->putAndInsertUint8Array (DCM_EncapsulatedDocument, bytes.data (), (unsigned long) bytes.size ());
  ds->putAndInsertUint32 (DCM_EncapsulatedDocumentLength, (Uint32) length);
  return ct_dcmtk_save_file (ff, path, EXS_LittleEndianExplicit, error);
}

/* ---- reading a SEG back ---- */

void
frame_free (gpointer p)
{
  CtDicomSegFrame *f = (CtDicomSegFrame *) p;
  g_free (f->source_sop_instance_uid);
  g_free (f->pixels);
  g_free (f);
}

char *
dup_string (DcmItem &item, const DcmTagKey &tag)
{
  OFString s;
  if (item.findAndGetOFString (tag, s).bad () || s.empty ())
    return nullptr;
  return g_strdup (s.c_str ());
}

/* Position, segment and source image of the per-frame item @pf. */
void
read_frame_groups (DcmItem &pf, CtDicomSegFrame *frame)
{
  DcmItem *item = nullptr;
  Uint16 number = 0;

  if (pf.findAndGetSequenceItem (DCM_PlanePositionSequence, item, 0).good ())
    for (int i = 0; i < 3; i++)
      item->findAndGetFloat64 (DCM_ImagePositionPatient, frame->position[i], i);
  if (pf.findAndGetSequenceItem (DCM_SegmentIdentificationSequence, item, 0).good () &&
      item->findAndGetUint16 (DCM_ReferencedSegmentNumber, number).good ())
    frame->segment_number = number;
  DcmItem *derivation = nullptr, *source = nullptr;
  if (pf.findAndGetSequenceItem (DCM_DerivationImageSequence, derivation, 0).good () &&
      derivation->findAndGetSequenceItem (DCM_SourceImageSequence, source, 0).good ())
    frame->source_sop_instance_uid = dup_string (*source, DCM_ReferencedSOPInstanceUID);
}

CtDicomSeg *
read_seg (const char *path, GError **error)
{
  DcmFileFormat ff;
  OFCondition cond = ff.loadFile (path);
  if (cond.bad ())
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, "Cannot read %s: %s", path, cond.text ());
      return nullptr;
    }
  DcmDataset *ds = ff.getDataset ();
  DcmSegmentation *raw = nullptr;
  if (!check (DcmSegmentation::loadDataset (*ds, raw), path, error))
    return nullptr;
  std::unique_ptr<DcmSegmentation> seg (raw);

  g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  for (size_t s = 1; s <= seg->getNumberOfSegments (); s++)
    {
      OFString label;
      DcmSegment *segment = seg->getSegment (s);
      if (segment != nullptr)
        segment->getSegmentLabel (label);
      g_ptr_array_add (labels, g_strdup (label.c_str ()));
    }

  Uint16 rows = 0, columns = 0;
  ds->findAndGetUint16 (DCM_Rows, rows);
  ds->findAndGetUint16 (DCM_Columns, columns);
  const gsize plane = (gsize) rows * columns;
  DcmSequenceOfItems *per_frame = nullptr;
  ds->findAndGetSequence (DCM_PerFrameFunctionalGroupsSequence, per_frame);

  g_autoptr (GPtrArray) frames = g_ptr_array_new_with_free_func (frame_free);
  for (size_t n = 0; n < seg->getNumberOfFrames (); n++)
    {
      const DcmIODTypes::Frame *packed = seg->getFrame (n);
      if (packed == nullptr)
        {
          g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, "%s: frame %zu is missing", path, n + 1);
          return nullptr;
        }
      std::unique_ptr<DcmIODTypes::Frame> unpacked (DcmSegUtils::unpackBinaryFrame (packed, rows, columns));
      if (!unpacked || unpacked->length < plane)
        {
          g_set_error (error, CT_ERROR, CT_ERROR_CORRUPT, "%s: frame %zu cannot be unpacked", path, n + 1);
          return nullptr;
        }
      CtDicomSegFrame *frame = g_new0 (CtDicomSegFrame, 1);
      frame->pixels = (guint8 *) g_malloc (plane);
      for (gsize i = 0; i < plane; i++)
        frame->pixels[i] = unpacked->pixData[i] != 0;
      if (per_frame != nullptr && n < per_frame->card ())
        read_frame_groups (*per_frame->getItem (n), frame);
      g_ptr_array_add (frames, frame);
    }

  CtDicomSeg *out = g_new0 (CtDicomSeg, 1);
  out->rows = rows;
  out->columns = columns;
  DcmItem *shared = nullptr, *item = nullptr;
  if (ds->findAndGetSequenceItem (DCM_SharedFunctionalGroupsSequence, shared, 0).good ())
    {
      if (shared->findAndGetSequenceItem (DCM_PlaneOrientationSequence, item, 0).good ())
        for (int i = 0; i < 6; i++)
          item->findAndGetFloat64 (DCM_ImageOrientationPatient, out->orientation[i], i);
      if (shared->findAndGetSequenceItem (DCM_PixelMeasuresSequence, item, 0).good ())
        for (int i = 0; i < 2; i++)
          item->findAndGetFloat64 (DCM_PixelSpacing, out->pixel_spacing[i], i);
    }
  out->study_uid = dup_string (*ds, DCM_StudyInstanceUID);
  out->series_uid = dup_string (*ds, DCM_SeriesInstanceUID);
  out->frame_of_reference_uid = dup_string (*ds, DCM_FrameOfReferenceUID);
  DcmItem *series = nullptr;
  if (ds->findAndGetSequenceItem (DCM_ReferencedSeriesSequence, series, 0).good ())
    out->referenced_series_uid = dup_string (*series, DCM_SeriesInstanceUID);
  out->segment_labels = (GPtrArray *) g_steal_pointer (&labels);
  out->frames = (GPtrArray *) g_steal_pointer (&frames);
  return out;
}

/* Runs @body, turning any C++ exception into a GError. */
template <typename F>
auto
guarded (const char *path, GError **error, F body) -> decltype (body ())
{
  try
    {
      return body ();
    }
  catch (const std::exception &e)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, "%s: %s", path, e.what ());
    }
  catch (...)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, "%s: unknown error", path);
    }
  return decltype (body ()) ();
}

} // namespace

void
ct_dicom_seg_ids_clear (CtDicomSegIds *ids)
{
  g_clear_pointer (&ids->sop_class_uid, g_free);
  g_clear_pointer (&ids->sop_instance_uid, g_free);
  g_clear_pointer (&ids->series_uid, g_free);
}

gboolean
ct_dicom_output_write_seg (const CtDicomOutputSource *source, const char *path, CtDicomSegIds *out_ids, GError **error)
{
  g_return_val_if_fail (source != NULL && source->volume != NULL && source->analysis != NULL, FALSE);
  g_return_val_if_fail (source->slices != NULL && source->source_path != NULL && out_ids != NULL, FALSE);
  ct_dicom_quiet_logging ();
  return guarded (path, error, [&] () { return (gboolean) write_seg (source, path, out_ids, error); });
}

gboolean
ct_dicom_output_write_sr (const CtDicomOutputSource *source, const CtDicomSegIds *seg, const char *path, GError **error)
{
  g_return_val_if_fail (source != NULL && source->analysis != NULL && seg != NULL, FALSE);
  g_return_val_if_fail (seg->sop_instance_uid != NULL && source->source_path != NULL, FALSE);
  ct_dicom_quiet_logging ();
  return guarded (path, error, [&] () { return (gboolean) write_sr (source, seg, path, error); });
}

gboolean
ct_dicom_output_write_pdf (const CtDicomOutputSource *source, const char *pdf_path, const char *path, GError **error)
{
  g_return_val_if_fail (source != NULL && source->source_path != NULL && pdf_path != NULL, FALSE);
  ct_dicom_quiet_logging ();
  return guarded (path, error, [&] () { return (gboolean) write_pdf (source, pdf_path, path, error); });
}

CtDicomSeg *
ct_dicom_seg_read (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  ct_dicom_quiet_logging ();
  return guarded (path, error, [&] () { return read_seg (path, error); });
}

void
ct_dicom_seg_free (CtDicomSeg *seg)
{
  if (seg == NULL)
    return;
  g_free (seg->study_uid);
  g_free (seg->series_uid);
  g_free (seg->frame_of_reference_uid);
  g_free (seg->referenced_series_uid);
  g_clear_pointer (&seg->segment_labels, g_ptr_array_unref);
  g_clear_pointer (&seg->frames, g_ptr_array_unref);
  g_free (seg);
}

/* DCMTK logs warnings (type 2 attributes absent in the source, ...) on
 * standard error by default; the command line's standard error is for its
 * own messages. Errors still come back as conditions. */
void
ct_dicom_quiet_logging (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done))
    {
      OFLog::configure (OFLogger::ERROR_LOG_LEVEL);
      g_once_init_leave (&done, 1);
    }
}
