/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * iodirty-heatmap: the picture's fixed geometry and its colour map, shared
 * with the test that reads the PNG back (selftests/host/test_heatmap.c), so
 * the test can find the plot area and compute the colour a density must get.
 *
 * Layout (pixels):  the plot area is the image minus fixed margins; the
 * title and the IOVA axis title are in the top margin, IOVA tick labels in
 * the left one, time ticks and the time axis title in the bottom one, and
 * the colour legend (bar plus labels) in the right one.  IOVA grows
 * upwards, time to the right.
 */
#ifndef __IODIRTY_HEATMAP_H
#define __IODIRTY_HEATMAP_H

#include <stdbool.h>
#include <stdint.h>

#define HM_MARGIN_LEFT		124
#define HM_MARGIN_RIGHT		112
#define HM_MARGIN_TOP		40
#define HM_MARGIN_BOTTOM	40

#define HM_DEF_WIDTH		1024
#define HM_DEF_HEIGHT		640
#define HM_MIN_PLOT		16	/* smallest plot area side */
#define HM_MAX_SIDE		4096	/* largest image side (the grid is doubles) */
#define HM_RAW_DEF_RESOL	100	/* --raw grid without --resol: 100x100 */

/* legend bar, relative to the plot area's right edge */
#define HM_LEGEND_GAP		12
#define HM_LEGEND_BAR_W		14

/* a cell with no dirty bytes, and the non-plot background */
#define HM_RGB_EMPTY		0x000000u
#define HM_RGB_BACKGROUND	0xffffffu
#define HM_RGB_TEXT		0x000000u

/*
 * Colour of a cell whose density is @frac of the scale's maximum
 * (0 < frac <= 1; linear or log scale is applied by the caller): dark
 * purple through red and orange to pale yellow, piecewise linear between
 * five stops.  The lowest stop is well away from HM_RGB_EMPTY, so any
 * dirty cell is visible.
 */
static inline uint32_t hm_colormap(double frac)
{
	static const unsigned char stop[5][3] = {
		{ 40, 11, 84 }, { 120, 28, 109 }, { 200, 55, 80 },
		{ 245, 125, 21 }, { 252, 255, 164 },
	};
	double x;
	int i, k;
	uint32_t rgb = 0;

	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	x = frac * 4;
	i = x >= 4 ? 3 : (int)x;
	x -= i;
	for (k = 0; k < 3; k++) {
		double v = stop[i][k] + (stop[i + 1][k] - stop[i][k]) * x;

		rgb = rgb << 8 | (uint32_t)(v + 0.5);
	}
	return rgb;
}

/*
 * The cell grid: @cols time columns splitting [t_lo, t_lo + t_span) ns,
 * @rows IOVA rows splitting [a_lo, a_lo + a_span), v[col * rows + row] the
 * dirty bytes attributed to a cell; @max, @sum over all cells.
 */
struct hm_grid {
	unsigned int cols, rows;
	uint64_t t_lo, t_span, a_lo, a_span;
	double *v;
	double max, sum;
};

/* heatmap_png.c: draws @g into a @width x @height PNG at @path; @what
 * goes into the title.  0 or a negative errno (printed; no file left). */
int hm_render_png(const struct hm_grid *g, const char *path, unsigned int width,
		  unsigned int height, bool log_scale, const char *what);

#endif /* __IODIRTY_HEATMAP_H */
