/* SPDX-License-Identifier: MIT */
#include "ct-slice-layout.h"

void
ct_slice_layout_fit (CtSliceLayout *self, const CtSliceGeometry *geometry, double widget_width, double widget_height,
                     double zoom, double pan_x, double pan_y)
{
  double extent_x_mm, extent_y_mm, widget_px_per_mm;

  g_return_if_fail (self != NULL && geometry != NULL);

  extent_x_mm = geometry->width * geometry->pixel_width_mm;
  extent_y_mm = geometry->height * geometry->pixel_height_mm;
  if (extent_x_mm <= 0 || extent_y_mm <= 0 || widget_width <= 0 || widget_height <= 0)
    {
      *self = (CtSliceLayout){ 1.0, 1.0, 0.0, 0.0 };
      return;
    }
  if (zoom <= 0)
    zoom = 1.0;

  /* One scale in widget pixels per mm for both axes keeps the aspect ratio. */
  widget_px_per_mm = MIN (widget_width / extent_x_mm, widget_height / extent_y_mm) * zoom;
  self->scale_x = widget_px_per_mm * geometry->pixel_width_mm;
  self->scale_y = widget_px_per_mm * geometry->pixel_height_mm;
  self->offset_x = (widget_width - extent_x_mm * widget_px_per_mm) / 2.0 + pan_x;
  self->offset_y = (widget_height - extent_y_mm * widget_px_per_mm) / 2.0 + pan_y;
}

void
ct_slice_layout_widget_to_view (const CtSliceLayout *self, double widget_x, double widget_y, double *out_x,
                                double *out_y)
{
  g_return_if_fail (self != NULL);

  if (out_x)
    *out_x = (widget_x - self->offset_x) / self->scale_x;
  if (out_y)
    *out_y = (widget_y - self->offset_y) / self->scale_y;
}

void
ct_slice_layout_view_to_widget (const CtSliceLayout *self, double x, double y, double *out_widget_x,
                                double *out_widget_y)
{
  g_return_if_fail (self != NULL);

  if (out_widget_x)
    *out_widget_x = self->offset_x + x * self->scale_x;
  if (out_widget_y)
    *out_widget_y = self->offset_y + y * self->scale_y;
}

double
ct_slice_layout_mm_per_widget_pixel (const CtSliceLayout *self, const CtSliceGeometry *geometry)
{
  g_return_val_if_fail (self != NULL && geometry != NULL, 0.0);

  return geometry->pixel_width_mm / self->scale_x;
}
