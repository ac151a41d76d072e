/* SPDX-License-Identifier: MIT */
/* phantom-anatomy.c: the analytic chest of a phantom. Every organ is a
 * simple implicit shape (superellipse, ellipsoid, tube, dome) evaluated at
 * any LPS point, so the volume can be sampled at any resolution and the
 * truth is exact. Sizes are those of an adult chest, scaled to fit the
 * field of view. */
#include "phantom-private.h"

#include <math.h>

static double
clampd (double v, double lo, double hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

static double
smoothstep (double e0, double e1, double x)
{
  double t = clampd ((x - e0) / (e1 - e0), 0.0, 1.0);
  return t * t * (3.0 - 2.0 * t);
}

static void
tube_set (PhantomTube *tube, int n, const double (*points)[3], const double *radii)
{
  tube->n = n;
  for (int i = 0; i < n; i++)
    {
      for (int c = 0; c < 3; c++)
        tube->p[i][c] = points[i][c];
      tube->r[i] = radii[i];
    }
  /* Bounding box with the reach tube_depth looks at (radius + 6 mm). */
  for (int c = 0; c < 3; c++)
    {
      tube->box_min[c] = 1e30;
      tube->box_max[c] = -1e30;
      for (int i = 0; i < n; i++)
        {
          tube->box_min[c] = fmin (tube->box_min[c], points[i][c] - radii[i] - 6.0);
          tube->box_max[c] = fmax (tube->box_max[c], points[i][c] + radii[i] + 6.0);
        }
    }
}

/* Distance from (x, y, z) to the tube's axis minus its local radius:
 * negative inside. Returns a large value when far away. */
static double
tube_depth (const PhantomTube *tube, double x, double y, double z, double *radius_out)
{
  double best = 1e30, best_r = 0;

  if (x < tube->box_min[0] || x > tube->box_max[0] || y < tube->box_min[1] || y > tube->box_max[1] ||
      z < tube->box_min[2] || z > tube->box_max[2])
    {
      if (radius_out)
        *radius_out = 0;
      return 1e30;
    }
  for (int s = 0; s + 1 < tube->n; s++)
    {
      const double *a = tube->p[s], *b = tube->p[s + 1];
      double rmax = fmax (tube->r[s], tube->r[s + 1]) + 6.0;
      double d[3], p[3], len2, t, q[3], dist, r;

      if (z < fmin (a[2], b[2]) - rmax || z > fmax (a[2], b[2]) + rmax)
        continue;
      if (x < fmin (a[0], b[0]) - rmax || x > fmax (a[0], b[0]) + rmax)
        continue;
      if (y < fmin (a[1], b[1]) - rmax || y > fmax (a[1], b[1]) + rmax)
        continue;
      for (int c = 0; c < 3; c++)
        d[c] = b[c] - a[c];
      p[0] = x - a[0];
      p[1] = y - a[1];
      p[2] = z - a[2];
      len2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
      t = len2 > 0 ? clampd ((p[0] * d[0] + p[1] * d[1] + p[2] * d[2]) / len2, 0, 1) : 0;
      for (int c = 0; c < 3; c++)
        q[c] = p[c] - t * d[c];
      dist = sqrt (q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
      r = tube->r[s] + t * (tube->r[s + 1] - tube->r[s]);
      if (dist - r < best)
        {
          best = dist - r;
          best_r = r;
        }
    }
  if (radius_out)
    *radius_out = best_r;
  return best;
}

/* The rib cage narrows towards the first ribs: the cavity's semi-axes
 * shrink by up to `amount` over the upper half of the lungs. */
static double
cavity_taper (double t, double amount)
{
  return 1.0 - amount * smoothstep (0.45, 1.05, t);
}

/* Height of the diaphragm under (u, v), relative to the body centre. */
static double
diaphragm_z (const Phantom *ph, double u, double v)
{
  double vn = (v - ph->cv) / ph->cb;
  double anterior_lift = 0.06 * ph->height * (1.0 - vn) * 0.5;
  double best = 0;

  for (int side = 0; side < 2; side++)
    {
      double xc = (side == 0 ? -0.42 : 0.45) * ph->ca + ph->mid_x;
      double yc = ph->cv - 0.05 * ph->cb;
      double du = (u - xc) / (0.80 * ph->ca), dv = (v - yc) / (1.05 * ph->cb);
      double q = 1.0 - du * du - dv * dv;
      double h = (side == 0 ? ph->dome_right : ph->dome_left) * (q > 0 ? sqrt (q) : 0);
      best = fmax (best, h);
    }
  return ph->z_base + anterior_lift + best;
}

void
phantom_anatomy_draw (Phantom *ph, PhantomRng *rng)
{
  const PhantomParams *p = &ph->params;
  double fov_x = p->nx * p->pixel_spacing_mm, fov_y = p->ny * p->pixel_spacing_mm;
  double range = (p->nz - 1) * p->slice_spacing_mm;
  double margin = fmax (ph->thickness, p->slice_spacing_mm) + 3.0;
  double fit, s, bz, over_top, over_bottom;
  double cx, cy;

  /* Field of view and body placement. */
  ph->fov_cx = phantom_rng_range (rng, -25, 25);
  ph->fov_cy = phantom_rng_range (rng, -30, 60);
  ph->x0 = ph->fov_cx - 0.5 * (p->nx - 1) * p->pixel_spacing_mm;
  ph->y0 = ph->fov_cy - 0.5 * (p->ny - 1) * p->pixel_spacing_mm;
  ph->fov_radius = 0.5 * fmin (fov_x, fov_y);
  ph->z_top = phantom_rng_range (rng, -250, 150);

  ph->body_a = phantom_rng_range (rng, 140, 185);
  ph->body_b = ph->body_a * phantom_rng_range (rng, 0.68, 0.82);
  ph->body_square = phantom_rng_range (rng, 0.15, 0.6);
  /* Radiographers fit the field of view to the patient: the shoulders may
   * touch its edge, the table stays in. */
  fit = fmin ((0.49 * fov_x) / (1.04 * ph->body_a), (0.45 * fov_y) / (ph->body_b + 18.0));
  s = fit < 1.0 ? fit : 1.0;
  ph->scale = s;
  ph->body_a *= s;
  ph->body_b *= s;
  {
    double slack_x = fmax (0.0, 0.49 * fov_x - 1.04 * ph->body_a);
    double slack_y = fmax (0.0, 0.45 * fov_y - ph->body_b - 18.0 * s);
    ph->bx = ph->fov_cx + phantom_rng_range (rng, -0.5, 0.5) * fmin (slack_x, 30.0);
    ph->by = ph->fov_cy + phantom_rng_range (rng, -0.5, 0.6) * fmin (slack_y, 30.0);
  }
  ph->fat_mm = phantom_rng_range (rng, 5, 24) * s;

  /* Thoracic cavity inside fat, muscle and ribs; thicker wall at the back
   * (paraspinal muscles, spine). */
  {
    double anterior_wall = ph->fat_mm + 12.0 * s;
    double posterior_wall = ph->fat_mm + phantom_rng_range (rng, 30, 40) * s;
    double front = -ph->body_b + anterior_wall, back = ph->body_b - posterior_wall;
    ph->cb = 0.5 * (back - front);
    ph->cv = 0.5 * (back + front);
    ph->ca = ph->body_a - ph->fat_mm - phantom_rng_range (rng, 13, 19) * s;
  }

  /* Heights. */
  ph->height = phantom_rng_range (rng, 225, 285) * (0.5 + 0.5 * s);
  over_top = phantom_rng_range (rng, 10, 40);
  over_bottom = phantom_rng_range (rng, 10, 40);
  if ((p->cut & PHANTOM_CUT_TOP) && (p->cut & PHANTOM_CUT_BOTTOM))
    {
      ph->height = range + over_top + over_bottom;
      bz = ph->z_top - range - over_bottom;
    }
  else if (p->cut & PHANTOM_CUT_TOP)
    {
      if (ph->height - over_top > range - margin)
        ph->height = range - margin + over_top;
      bz = ph->z_top + over_top - ph->height;
    }
  else if (p->cut & PHANTOM_CUT_BOTTOM)
    {
      if (ph->height - over_bottom > range - margin)
        ph->height = range - margin + over_bottom;
      bz = ph->z_top - range - over_bottom;
    }
  else
    {
      double extra;
      if (ph->height > range - 2 * margin)
        ph->height = range - 2 * margin;
      extra = range - 2 * margin - ph->height;
      /* Scans start just above the apices and take in the upper abdomen. */
      bz = ph->z_top - margin - fmin (extra * phantom_rng_range (rng, 0.1, 0.4), 35.0) - ph->height;
    }
  ph->z_base = bz;
  ph->dome_right = ph->height * phantom_rng_range (rng, 0.24, 0.32);
  ph->dome_left = ph->dome_right - ph->height * phantom_rng_range (rng, 0.02, 0.08);
  ph->z_carina = bz + ph->height * phantom_rng_range (rng, 0.62, 0.70);
  ph->z_arch = bz + ph->height * phantom_rng_range (rng, 0.78, 0.84);

  /* Ribs, spine. */
  ph->rib_pitch = ph->height * phantom_rng_range (rng, 0.10, 0.12);
  ph->rib_slope = ph->height * phantom_rng_range (rng, 0.70, 0.85);
  ph->rib_height = ph->rib_pitch * phantom_rng_range (rng, 0.38, 0.48);
  ph->rib_thickness = phantom_rng_range (rng, 6, 9) * s;
  ph->rib_phase = phantom_rng_range (rng, 0, ph->rib_pitch);
  ph->vb_a = phantom_rng_range (rng, 17, 22) * s;
  ph->vb_b = ph->vb_a * phantom_rng_range (rng, 0.78, 0.9);
  ph->vb_v = ph->cv + ph->cb - 0.35 * ph->vb_b;
  ph->vert_pitch = ph->height * phantom_rng_range (rng, 0.10, 0.12);
  ph->vert_phase = phantom_rng_range (rng, 0, ph->vert_pitch);

  /* Lungs. */
  ph->mid_x = phantom_rng_range (rng, -6, 6) * s;
  ph->t_apex = phantom_rng_range (rng, 0.66, 0.74);
  ph->apex_x = 0.50 * ph->ca;
  ph->apex_ra = 0.54 * ph->ca;
  ph->apex_y = ph->cv + 0.12 * ph->cb;
  ph->apex_rb = 1.05 * ph->cb;
  ph->fissure_right = phantom_rng_range (rng, 0.55, 0.65);
  ph->fissure_left = phantom_rng_range (rng, 0.58, 0.70);
  ph->fissure_horizontal = phantom_rng_range (rng, 0.45, 0.55);

  /* Heart: anterior, left of the midline, on the left dome, long axis
   * pointing forward and to the left. */
  {
    double angle = phantom_rng_range (rng, 20, 40) * PHANTOM_PI / 180.0;
    ph->heart_axes[0] = 0.50 * ph->ca * phantom_rng_range (rng, 0.9, 1.1);
    ph->heart_axes[1] = 0.62 * ph->cb * phantom_rng_range (rng, 0.9, 1.1);
    ph->heart_axes[2] = ph->height * phantom_rng_range (rng, 0.17, 0.21);
    ph->heart_c[0] = ph->mid_x + 0.14 * ph->ca;
    ph->heart_c[1] = ph->cv - 0.28 * ph->cb;
    ph->heart_c[2] = bz + ph->dome_left + 0.55 * ph->heart_axes[2];
    ph->heart_cos = cos (angle);
    ph->heart_sin = sin (angle);
  }

  /* Tubes, in body-centred coordinates (u = x - bx, v = y - by). */
  cx = ph->mid_x;
  cy = ph->cv;
  {
    double top = ph->z_top + 60;
    double low = ph->z_top - range - 80;
    double v_trachea = ph->vb_v - ph->vb_b - phantom_rng_range (rng, 22, 30) * s;
    double r_trachea = phantom_rng_range (rng, 7.5, 10) * s;
    double carina[3] = { cx, v_trachea + 4 * s, ph->z_carina };
    double hilum_r[3] = { cx - 0.36 * ph->ca, cy + 0.05 * ph->cb, ph->z_carina - 0.08 * ph->height };
    double hilum_l[3] = { cx + 0.36 * ph->ca, cy + 0.10 * ph->cb, ph->z_carina - 0.12 * ph->height };

    {
      double pts[3][3] = { { cx, v_trachea - 6 * s, top },
                           { cx, v_trachea, ph->z_arch },
                           { carina[0], carina[1], carina[2] } };
      double r[3] = { r_trachea, r_trachea, r_trachea * 0.95 };
      tube_set (&ph->tubes[TUBE_TRACHEA], 3, pts, r);
    }
    {
      double pts[2][3] = { { carina[0], carina[1], carina[2] }, { hilum_r[0] + 10 * s, hilum_r[1], hilum_r[2] + 10 } };
      double r[2] = { r_trachea * 0.8, r_trachea * 0.65 };
      tube_set (&ph->tubes[TUBE_BRONCHUS_RIGHT], 2, pts, r);
    }
    {
      double pts[2][3] = { { carina[0], carina[1], carina[2] }, { hilum_l[0] - 10 * s, hilum_l[1], hilum_l[2] + 8 } };
      double r[2] = { r_trachea * 0.75, r_trachea * 0.6 };
      tube_set (&ph->tubes[TUBE_BRONCHUS_LEFT], 2, pts, r);
    }
    {
      double v_eso = ph->vb_v - ph->vb_b - 9 * s;
      double pts[3][3] = { { cx + 6 * s, v_eso, top },
                           { cx + 10 * s, v_eso, ph->z_carina },
                           { cx + 25 * s, v_eso - 10 * s, low } };
      double r[3] = { 7 * s, 8 * s, 8 * s };
      tube_set (&ph->tubes[TUBE_ESOPHAGUS], 3, pts, r);
    }
    {
      double r_asc = phantom_rng_range (rng, 13, 17) * s;
      double r_desc = r_asc * 0.78;
      double v_desc = ph->vb_v - 0.3 * ph->vb_b;
      double x_desc = cx + ph->vb_a + r_desc + 2 * s;
      double pts[6][3] = {
        { ph->heart_c[0] - 0.35 * ph->heart_axes[0], ph->heart_c[1] + 0.1 * ph->cb,
          ph->heart_c[2] + 0.6 * ph->heart_axes[2] },
        { cx - 0.12 * ph->ca, cy - 0.35 * ph->cb, ph->z_arch - 0.12 * ph->height },
        { cx - 0.02 * ph->ca, cy - 0.2 * ph->cb, ph->z_arch },
        { cx + 0.12 * ph->ca, cy + 0.25 * ph->cb, ph->z_arch - 0.01 * ph->height },
        { x_desc, v_desc, ph->z_arch - 0.15 * ph->height },
        { x_desc - 0.5 * ph->vb_a, v_desc - 0.2 * ph->vb_b, low },
      };
      double r[6] = { r_asc, r_asc, r_asc * 0.9, r_desc, r_desc, r_desc * 0.9 };
      tube_set (&ph->tubes[TUBE_AORTA], 6, pts, r);
    }
    {
      double pts[2][3] = { { cx - 0.26 * ph->ca, cy - 0.25 * ph->cb, top },
                           { cx - 0.24 * ph->ca, cy - 0.12 * ph->cb, ph->heart_c[2] + 0.5 * ph->heart_axes[2] } };
      double r[2] = { 9 * s, 10 * s };
      tube_set (&ph->tubes[TUBE_SVC], 2, pts, r);
    }
    {
      double bif[3] = { cx + 0.06 * ph->ca, cy - 0.02 * ph->cb, ph->z_carina - 0.06 * ph->height };
      double pts[2][3] = { { ph->heart_c[0] + 0.05 * ph->ca, ph->heart_c[1] - 0.25 * ph->cb,
                             ph->heart_c[2] + 0.7 * ph->heart_axes[2] },
                           { bif[0], bif[1], bif[2] } };
      double r[2] = { 13 * s, 12 * s };
      double pr[2][3] = { { bif[0], bif[1], bif[2] }, { hilum_r[0], hilum_r[1], hilum_r[2] } };
      double pl[2][3] = { { bif[0], bif[1], bif[2] }, { hilum_l[0], hilum_l[1], hilum_l[2] + 10 } };
      double rr[2] = { 10 * s, 8 * s };
      tube_set (&ph->tubes[TUBE_PULMONARY_TRUNK], 2, pts, r);
      tube_set (&ph->tubes[TUBE_PULMONARY_RIGHT], 2, pr, rr);
      tube_set (&ph->tubes[TUBE_PULMONARY_LEFT], 2, pl, rr);
    }
  }

  /* Intensities. */
  ph->hu_fat = phantom_rng_range (rng, -115, -85);
  ph->hu_muscle = phantom_rng_range (rng, 35, 55);
  ph->hu_cortex = phantom_rng_range (rng, 700, 1000);
  ph->hu_marrow = phantom_rng_range (rng, 180, 300);
  ph->hu_lung = phantom_rng_range (rng, -905, -845);
  ph->dependent_gain = phantom_rng_range (rng, 20, 110);
  ph->texture_hu = phantom_rng_range (rng, 8, 22);
  if (ph->contrast)
    {
      ph->hu_blood = phantom_rng_range (rng, 150, 320);
      ph->hu_vessel = ph->hu_blood * phantom_rng_range (rng, 0.7, 1.0);
      ph->hu_liver = phantom_rng_range (rng, 90, 120);
      ph->hu_spleen = phantom_rng_range (rng, 100, 130);
    }
  else
    {
      ph->hu_blood = phantom_rng_range (rng, 35, 50);
      ph->hu_vessel = ph->hu_blood;
      ph->hu_liver = phantom_rng_range (rng, 50, 65);
      ph->hu_spleen = phantom_rng_range (rng, 40, 52);
    }
  ph->hu_myocardium = phantom_rng_range (rng, 40, 60) + (ph->contrast ? 50 : 0);

  /* Table under the patient. */
  ph->has_table = phantom_rng_uniform (rng) < 0.85;
  ph->has_arms = phantom_rng_uniform (rng) < 0.5;
  ph->arm_gap = phantom_rng_range (rng, 3, 25) * s;
  ph->arm_a = phantom_rng_range (rng, 38, 50) * s;
  ph->arm_b = phantom_rng_range (rng, 42, 55) * s;
  ph->arm_v = phantom_rng_range (rng, -0.1, 0.25) * ph->body_b;
  ph->scapula_t0 = phantom_rng_range (rng, 0.5, 0.6);
  ph->table_y = ph->by + ph->body_b + phantom_rng_range (rng, 1, 12) * s;
}

/* Sets out->hu for the chest wall, spine and everything outside the
 * cavity; returns 1 when the point is inside the cavity proper. */
static int
sample_wall (const Phantom *ph, double u, double v, double z, double t, PhantomPoint *out)
{
  double s = ph->scale;
  double shoulder = 1.0 + 0.06 * smoothstep (0.75, 1.15, t);
  double ba = ph->body_a * shoulder, bb = ph->body_b * (1.0 + 0.04 * smoothstep (0.75, 1.15, t));
  double r = sqrt (u * u + v * v);
  double bu = u / ba, bv = v / bb;
  double d_skin, rr, rc, d_out, rb;
  double vb_e;
  double canal_v = ph->vb_v + ph->vb_b + 9 * s;
  double vert = fmod (z - ph->vert_phase + 1e4 * ph->vert_pitch, ph->vert_pitch) / ph->vert_pitch;
  int disc = vert < 0.2;

  /* A squarish ellipse: X^2 + Y^2 - c X^2 Y^2 = 1 (c = 0 is an ellipse). */
  rb = fabs (bu) >= 1.0 || fabs (bv) >= 1.0 ? 2.0 : sqrt (bu * bu + bv * bv - ph->body_square * bu * bu * bv * bv);
  if (rb >= 1.0)
    {
      double y = v + ph->by, x = u + ph->bx;
      out->hu = -1000;
      if (ph->has_arms)
        {
          double ax = fabs (u) - (ba + ph->arm_gap + ph->arm_a);
          double av = v - ph->arm_v;
          double e = sqrt ((ax / ph->arm_a) * (ax / ph->arm_a) + (av / ph->arm_b) * (av / ph->arm_b));
          if (e < 1.0)
            {
              double bone = sqrt ((ax + 0.1 * ph->arm_a) * (ax + 0.1 * ph->arm_a) + av * av);
              if (bone < 11 * s)
                out->hu = bone > 8 * s ? ph->hu_cortex : ph->hu_marrow * 0.6;
              else
                out->hu = e > 1.0 - 10 * s / ph->arm_a ? ph->hu_fat : ph->hu_muscle;
              return 0;
            }
        }
      if (ph->has_table)
        {
          double ys = ph->table_y - 0.0009 * (x - ph->bx) * (x - ph->bx);
          if (fabs (x - ph->bx) < 230 * s)
            {
              if (y >= ys && y < ys + 3)
                out->hu = 250;
              else if (y >= ys + 3 && y < ys + 30 * s)
                out->hu = -930;
              else if (y >= ys + 30 * s && y < ys + 30 * s + 3)
                out->hu = 250;
            }
        }
      return 0;
    }
  d_skin = rb > 1e-6 ? r / rb - r : 1e9;

  /* Spine: vertebral body, canal, posterior elements. */
  vb_e = sqrt ((u / ph->vb_a) * (u / ph->vb_a) + ((v - ph->vb_v) / ph->vb_b) * ((v - ph->vb_v) / ph->vb_b));
  if (vb_e < 1.0)
    {
      if (disc)
        out->hu = 85;
      else
        out->hu = vb_e > 1.0 - 2.2 * s / ph->vb_b ? ph->hu_cortex : ph->hu_marrow;
      return 0;
    }
  {
    double dc = sqrt (u * u + (v - canal_v) * (v - canal_v));
    if (dc < 8 * s)
      {
        out->hu = dc < 5.5 * s ? 30 : 8;
        return 0;
      }
    if (!disc && vert < 0.85)
      {
        if (dc < 13 * s && v > canal_v - 5 * s)
          {
            out->hu = ph->hu_cortex * 0.8;
            return 0;
          }
        if (fabs (u) < 4 * s && v > canal_v && v < canal_v + 38 * s && d_skin > ph->fat_mm + 8 * s)
          {
            out->hu = ph->hu_cortex * 0.8;
            return 0;
          }
        if (fabs (v - canal_v + 2 * s) < 5 * s && fabs (u) < 36 * s)
          {
            out->hu = fabs (u) < 30 * s ? ph->hu_marrow * 1.4 : ph->hu_cortex * 0.8;
            return 0;
          }
      }
  }

  /* Cavity. */
  rr = sqrt (u * u + (v - ph->cv) * (v - ph->cv));
  {
    double ca = ph->ca * cavity_taper (t, 0.32), cb = ph->cb * cavity_taper (t, 0.15);
    rc = sqrt ((u / ca) * (u / ca) + ((v - ph->cv) / cb) * ((v - ph->cv) / cb));
  }
  if (rc < 1.0)
    return 1;
  d_out = rr - (rc > 1e-9 ? rr / rc : 0);

  if (d_skin < 1.5)
    {
      out->hu = 25;
      return 0;
    }
  {
    double fat_here = ph->fat_mm * (0.8 + 0.5 * fabs (u) / (r + 1e-9)) *
                      (1.0 + 0.25 * phantom_lattice_sample (&ph->field_low, u + ph->bx, v + ph->by, z));
    if (d_skin < fat_here)
      {
        out->hu = ph->hu_fat + 6 * phantom_lattice_sample (&ph->field_fine, u, v, z);
        return 0;
      }
  }

  /* Ribs: oblique bands of the cavity's outer shell, cartilage in front. */
  if (t > -0.2 && t < 1.02)
    {
      double cosp = (v - ph->cv) / (rr + 1e-9); /* 1 behind, -1 in front */
      double a = 0.5 * (1.0 - cosp);            /* 0 behind .. 1 in front */
      double phase = fmod (z + ph->rib_slope * a - ph->rib_phase + 1e4 * ph->rib_pitch, ph->rib_pitch);
      double radial = (d_out - 1.5 * s - 0.5 * ph->rib_thickness) / (0.5 * ph->rib_thickness);
      double along = (phase - 0.5 * ph->rib_height) / (0.5 * ph->rib_height);
      double q = sqrt (radial * radial + along * along);
      int sternum = fabs (u - ph->mid_x) < 16 * s && cosp < -0.8 && t > 0.15 && t < 0.95;
      if (sternum && d_out < 13 * s && d_out > 1 * s)
        {
          out->hu = (d_out < 2.5 * s || d_out > 11 * s) ? ph->hu_cortex : ph->hu_marrow;
          return 0;
        }
      if (q < 1.0 && fabs (u) > ph->vb_a + 8 * s)
        {
          if (a > 0.82)
            out->hu = 140; /* costal cartilage */
          else
            out->hu = q > 0.62 ? ph->hu_cortex : ph->hu_marrow;
          return 0;
        }
    }

  /* Scapulae: thin plates in the muscles behind the upper ribs, lateral
   * to the paraspinal muscles. */
  if (t > ph->scapula_t0 && t < 1.1 && v > ph->cv + 0.2 * ph->cb && fabs (u) > ph->vb_a + 35 * s &&
      fabs (u) < 0.95 * ph->body_a && fabs (d_out - 14 * s - 5 * s * (fabs (u) / ph->body_a)) < 2.2 * s)
    {
      out->hu = ph->hu_cortex * 0.75;
      return 0;
    }

  /* Chest-wall muscles with some fat between them. */
  {
    double n = phantom_lattice_sample (&ph->field_mid, u + ph->bx, v + ph->by, z);
    out->hu = n > 1.3 ? ph->hu_fat : ph->hu_muscle;
  }
  return 0;
}

static int
point_lobe (const Phantom *ph, int lung, double vn, double z, double x, double y)
{
  double wobble = 6.0 * phantom_lattice_sample (&ph->field_low, x, y, z + 500);
  /* Oblique fissures climb from the front of the base to the back. */
  if (lung == PHANTOM_LUNG_RIGHT)
    {
      double zf = ph->z_base + ph->height * (0.05 + (ph->fissure_right - 0.05) * 0.5 * (vn + 1.0)) + wobble;
      if (z < zf)
        return LOBE_RIGHT_LOWER;
      if (z < ph->z_base + ph->height * ph->fissure_horizontal + wobble)
        return LOBE_RIGHT_MIDDLE;
      return LOBE_RIGHT_UPPER;
    }
  else
    {
      double zf = ph->z_base + ph->height * (0.05 + (ph->fissure_left - 0.05) * 0.5 * (vn + 1.0)) + wobble;
      return z < zf ? LOBE_LEFT_LOWER : LOBE_LEFT_UPPER;
    }
}

void
phantom_anatomy_sample (const Phantom *ph, double x, double y, double z, PhantomPoint *out)
{
  double s = ph->scale;
  double u = x - ph->bx, v = y - ph->by;
  double t = (z - ph->z_base) / ph->height;
  double vn = (v - ph->cv) / ph->cb;
  double zd;
  double depth, radius;

  out->lung = PHANTOM_LUNG_NONE;
  out->lobe = LOBE_NONE;
  out->wall_mm = 0;
  out->t = t;
  out->vn = vn;

  if (!sample_wall (ph, u, v, z, t, out))
    return;

  /* Abdomen under the diaphragm. */
  zd = diaphragm_z (ph, u, v);
  if (z < zd)
    {
      double un = (u - ph->mid_x) / ph->ca;
      if (z > zd - 5 * s)
        out->hu = ph->hu_muscle;
      else if (un < 0.15 + 0.2 * vn * 0.5)
        out->hu = ph->hu_liver;
      else if (un > 0.3 && vn > 0.15)
        out->hu = ph->hu_spleen;
      else if (un > 0.05 && vn < 0.1 && (un - 0.4) * (un - 0.4) / 0.06 + (vn + 0.35) * (vn + 0.35) / 0.12 < 1)
        out->hu = (z > zd - 14 * s && vn < -0.45) ? -1000 : 15; /* stomach, gas at the top front */
      else
        out->hu = phantom_lattice_sample (&ph->field_mid, x, y, z) > 0.3 ? 30 : ph->hu_fat;
      return;
    }

  /* Airways. */
  for (int tb = TUBE_TRACHEA; tb <= TUBE_BRONCHUS_LEFT; tb++)
    {
      depth = tube_depth (&ph->tubes[tb], u, v, z, &radius);
      if (depth < 0)
        {
          out->hu = -1000;
          return;
        }
      if (depth < 1.8 * s)
        {
          out->hu = 60;
          return;
        }
    }
  /* Vessels and oesophagus. */
  for (int tb = TUBE_ESOPHAGUS; tb < N_TUBES; tb++)
    {
      depth = tube_depth (&ph->tubes[tb], u, v, z, &radius);
      if (depth < 0)
        {
          if (tb == TUBE_ESOPHAGUS)
            out->hu = depth < -radius + 2.0 * s ? -900 : 40;
          else if (tb == TUBE_SVC)
            out->hu = ph->contrast ? ph->hu_blood * 1.6 : ph->hu_blood;
          else if (tb >= TUBE_PULMONARY_TRUNK)
            out->hu = ph->hu_vessel;
          else
            out->hu = ph->hu_blood;
          return;
        }
    }
  /* Heart and pericardial fat. */
  {
    double hu_ = u - ph->heart_c[0], hv = v - ph->heart_c[1];
    double a = (hu_ * ph->heart_cos + hv * ph->heart_sin) / ph->heart_axes[0];
    double b = (-hu_ * ph->heart_sin + hv * ph->heart_cos) / ph->heart_axes[1];
    double c = (z - ph->heart_c[2]) / ph->heart_axes[2];
    double e = sqrt (a * a + b * b + c * c);
    if (e < 1.0)
      {
        out->hu = e < 0.75 && fabs (a + 0.15) > 0.06 ? ph->hu_blood : ph->hu_myocardium;
        return;
      }
    if (e < 1.0 + 6 * s / ph->heart_axes[1])
      {
        out->hu = e < 1.0 + 1.2 * s / ph->heart_axes[1] ? 35 : ph->hu_fat;
        return;
      }
  }
  /* Mediastinal fat: a central band and a margin around every tube. */
  {
    /* Narrow in front (the anterior junction), wider in the middle and
     * above the heart, where the great vessels and lymph nodes are. */
    double depth_front = clampd (0.5 * (vn + 1.0), 0, 1);
    double upper = smoothstep (0.45, 0.65, t);
    double bulge = sin (PHANTOM_PI * clampd ((depth_front - 0.1) / 0.8, 0, 1));
    double w = (7.0 + 10.0 * depth_front) * s + (0.06 + 0.18 * upper) * ph->ca * bulge;
    int mediastinum = fabs (u - ph->mid_x) < w;
    for (int tb = 0; tb < N_TUBES && !mediastinum; tb++)
      if (tube_depth (&ph->tubes[tb], u, v, z, NULL) < 3.5 * s)
        mediastinum = 1;
    if (!mediastinum)
      {
        double e = sqrt ((u / (ph->vb_a + 3 * s)) * (u / (ph->vb_a + 3 * s)) +
                         ((v - ph->vb_v) / (ph->vb_b + 3 * s)) * ((v - ph->vb_v) / (ph->vb_b + 3 * s)));
        mediastinum = e < 1.0;
      }
    if (mediastinum)
      {
        out->hu = phantom_lattice_sample (&ph->field_mid, x, y, z) > 1.4 ? 35 : ph->hu_fat;
        return;
      }
  }

  /* Lungs, within their apical caps. */
  {
    int right = u < ph->mid_x;
    if (t > 1.0)
      {
        out->hu = phantom_lattice_sample (&ph->field_mid, x, y, z) > 0.2 ? ph->hu_muscle : ph->hu_fat;
        return;
      }
    if (t > ph->t_apex)
      {
        double f = (t - ph->t_apex) / (1.0 - ph->t_apex);
        double scale = sqrt (fmax (0.0, 1.0 - f * f));
        double apex_x = ph->apex_x * cavity_taper (t, 0.32);
        double du = (u - ph->mid_x - (right ? -apex_x : apex_x)) / (ph->apex_ra * scale + 1e-9);
        double dv = (v - ph->apex_y) / (ph->apex_rb * scale + 1e-9);
        if (du * du + dv * dv >= 1.0)
          {
            out->hu = phantom_lattice_sample (&ph->field_mid, x, y, z) > 0.5 ? ph->hu_muscle : ph->hu_fat;
            return;
          }
      }
    out->lung = right ? PHANTOM_LUNG_RIGHT : PHANTOM_LUNG_LEFT;
    out->lobe = point_lobe (ph, out->lung, vn, z, x, y);
    {
      double rr = sqrt (u * u + (v - ph->cv) * (v - ph->cv));
      double ca = ph->ca * cavity_taper (t, 0.32), cb = ph->cb * cavity_taper (t, 0.15);
      double rc = sqrt ((u / ca) * (u / ca) + ((v - ph->cv) / cb) * ((v - ph->cv) / cb));
      double d_in = rc > 1e-9 ? rr / rc - rr : ph->ca;
      out->wall_mm = fmin (d_in, z - zd);
    }
    /* Parenchyma: denser towards the dependent (posterior) side. */
    {
      double back = ph->cv + ph->cb - v;
      out->hu = ph->hu_lung + ph->dependent_gain * exp (-back / 28.0) +
                ph->texture_hu * phantom_lattice_sample (&ph->field_texture, x, y, z) +
                12.0 * phantom_lattice_sample (&ph->field_mid, x, y, z);
    }
  }
}

double
phantom_lesion_field (const Phantom *ph, double x, double y, double z, const PhantomPoint *pt)
{
  double low = phantom_lattice_sample (&ph->field_low, x, y, z);
  double mid = phantom_lattice_sample (&ph->field_mid, x, y, z);
  double fine = phantom_lattice_sample (&ph->field_fine, x, y, z);
  double posterior = clampd (0.5 * (pt->vn + 1.0), 0, 1);

  if (ph->klass == PHANTOM_CLASS_COVID)
    /* Peripheral, posterior and basal predominance; multifocal through the
     * low-frequency field; ragged borders through the finer ones. */
    return 1.0 * exp (-pt->wall_mm / 14.0) + 0.45 * posterior + 0.3 * clampd (1.0 - pt->t, 0, 1) + 0.55 * low +
           0.22 * mid + 0.08 * fine + ph->side_bias[pt->lung];
  if (ph->klass == PHANTOM_CLASS_BACTERIAL)
    return (ph->lobe_involved[pt->lobe] ? 1.0 : -0.8) + 0.25 * low + 0.12 * mid + 0.05 * fine + 0.2 * posterior +
           ph->side_bias[pt->lung];
  return -1e9;
}
