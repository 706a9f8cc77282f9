// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iodirty-heatmap's PNG: the cell grid drawn one cell per plot pixel (or
 * more pixels per cell with a coarser --resol), axes with ticks and units,
 * the colour legend, text in the built-in 5x7 font; encoded with libpng.
 * The geometry and the colour map are in iodirty-heatmap.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iodirty-heatmap.h"
#include "heatmap_font.h"

struct image {
	unsigned int w, h;
	unsigned char *px;	/* RGB rows, top first */
};

static void put_px(struct image *im, int x, int y, uint32_t rgb)
{
	unsigned char *p;

	if (x < 0 || y < 0 || (unsigned int)x >= im->w || (unsigned int)y >= im->h)
		return;
	p = im->px + ((size_t)y * im->w + x) * 3;
	p[0] = rgb >> 16;
	p[1] = rgb >> 8;
	p[2] = rgb;
}

static void fill(struct image *im, int x, int y, int w, int h, uint32_t rgb)
{
	for (int j = 0; j < h; j++)
		for (int i = 0; i < w; i++)
			put_px(im, x + i, y + j, rgb);
}

static int text_w(const char *s, int scale)
{
	return (int)strlen(s) * HM_FONT_ADV * scale;
}

static void text(struct image *im, int x, int y, const char *s, int scale)
{
	for (; *s; s++, x += HM_FONT_ADV * scale) {
		unsigned char c = *s;

		if (c < HM_FONT_FIRST || c > HM_FONT_LAST)
			c = '?';
		for (int row = 0; row < HM_FONT_H; row++)
			for (int col = 0; col < HM_FONT_W; col++)
				if (hm_font[c - HM_FONT_FIRST][row] & (0x10 >> col))
					fill(im, x + col * scale, y + row * scale,
					     scale, scale, HM_RGB_TEXT);
	}
}

/* 1536 -> "1.50 KiB", 0 -> "0"; binary units */
static void fmt_bytes(char *buf, size_t n, double v)
{
	static const char *u[] = { " B", " KiB", " MiB", " GiB", " TiB", " PiB" };
	int i = 0;

	while (v >= 1024 && i < 5) {
		v /= 1024;
		i++;
	}
	if (v == 0)
		snprintf(buf, n, "0");
	else if (v >= 100 || v == (double)(long long)v)
		snprintf(buf, n, "%.0f%s", v, u[i]);
	else
		snprintf(buf, n, "%.*f%s", v >= 10 ? 1 : 2, v, u[i]);
}

struct tunit { const char *name; double ns; };

static struct tunit time_unit(uint64_t span)
{
	if (span >= 10000000000ull)
		return (struct tunit){ "s", 1e9 };
	if (span >= 10000000ull)
		return (struct tunit){ "ms", 1e6 };
	if (span >= 10000ull)
		return (struct tunit){ "us", 1e3 };
	return (struct tunit){ "ns", 1 };
}

/* 1, 2 or 5 times a power of ten, >= @x */
static uint64_t nice_step(double x)
{
	uint64_t p = 1;

	while ((double)p * 10 <= x && p < UINT64_MAX / 100)
		p *= 10;
	if ((double)p >= x)
		return p;
	if ((double)p * 2 >= x)
		return p * 2;
	if ((double)p * 5 >= x)
		return p * 5;
	return p * 10;
}

static int hm_png_write(const char *path, const struct image *im)
{
	png_structp png;
	png_infop info;
	FILE *f = fopen(path, "wb");
	int err = 0;

	if (!f) {
		err = -errno;
		fprintf(stderr, "iodirty-heatmap: cannot create %s: %s\n", path, strerror(errno));
		return err;
	}
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png ? png_create_info_struct(png) : NULL;
	if (!png || !info) {
		err = -ENOMEM;
		goto out;
	}
	if (setjmp(png_jmpbuf(png))) {
		err = -EIO;
		goto out;
	}
	png_init_io(png, f);
	png_set_IHDR(png, info, im->w, im->h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (unsigned int y = 0; y < im->h; y++)
		png_write_row(png, im->px + (size_t)y * im->w * 3);
	png_write_end(png, NULL);
out:
	png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
	if (fclose(f) && !err)
		err = -errno;
	if (err) {
		fprintf(stderr, "iodirty-heatmap: writing %s failed: %s\n", path, strerror(-err));
		unlink(path);
	}
	return err;
}

/* ---- rendering -------------------------------------------------------------- */

static double scale_frac(const struct hm_grid *g, double v, bool log_scale)
{
	if (v <= 0 || g->max <= 0)
		return 0;
	return log_scale ? log1p(v) / log1p(g->max) : v / g->max;
}

static void draw_axes(struct image *im, const struct hm_grid *g, int pw, int ph,
		      bool log_scale)
{
	const int x0 = HM_MARGIN_LEFT, y0 = HM_MARGIN_TOP;
	struct tunit tu = time_unit(g->t_span);
	char buf[64];
	uint64_t step, v;
	int i;

	/* frame */
	fill(im, x0 - 1, y0 - 1, pw + 2, 1, HM_RGB_TEXT);
	fill(im, x0 - 1, y0 + ph, pw + 2, 1, HM_RGB_TEXT);
	fill(im, x0 - 1, y0 - 1, 1, ph + 2, HM_RGB_TEXT);
	fill(im, x0 + pw, y0 - 1, 1, ph + 2, HM_RGB_TEXT);

	/* time ticks: 1/2/5 steps, about one per 110 px */
	step = nice_step((double)g->t_span / (pw / 110 + 1));
	for (v = (g->t_lo + step - 1) / step * step; v < g->t_lo + g->t_span; v += step) {
		int x = x0 + (int)((double)(v - g->t_lo) * pw / g->t_span);
		int w;

		fill(im, x, y0 + ph, 1, 5, HM_RGB_TEXT);
		snprintf(buf, sizeof(buf), "%g", v / tu.ns);
		w = text_w(buf, 1);
		if (x - w / 2 >= x0 - 20 && x + w / 2 <= x0 + pw + 20)
			text(im, x - w / 2, y0 + ph + 8, buf, 1);
		if (v > UINT64_MAX - step)
			break;
	}
	snprintf(buf, sizeof(buf), "time since recording start (%s)", tu.name);
	text(im, x0 + (pw - text_w(buf, 1)) / 2, y0 + ph + 24, buf, 1);

	/* IOVA ticks: power-of-two steps, about one per 50 px */
	step = 1;
	while (step < g->a_span / (ph / 50 + 1) && step < (1ull << 62))
		step <<= 1;
	v = g->a_lo % step ? (g->a_lo | (step - 1)) + 1 : g->a_lo;
	for (; v >= g->a_lo && v < g->a_lo + g->a_span; v += step) {
		int y = y0 + ph - 1 - (int)((double)(v - g->a_lo) * ph / g->a_span);

		fill(im, x0 - 5, y, 5, 1, HM_RGB_TEXT);
		snprintf(buf, sizeof(buf), "0x%" PRIx64, (uint64_t)v);
		text(im, x0 - 8 - text_w(buf, 1), y - 3, buf, 1);
		if (v > UINT64_MAX - step)
			break;
	}
	fmt_bytes(buf, sizeof(buf), (double)g->a_span / g->rows);
	{
		char t[64], cell[160];

		snprintf(t, sizeof(t), "%.3g", (double)g->t_span / g->cols / tu.ns);
		snprintf(cell, sizeof(cell), "IOVA (bytes); cell %s x %s %s", buf, t, tu.name);
		text(im, 4, y0 - 12, cell, 1);
	}

	/* legend: the colour bar with five labels, max on top */
	{
		int lx = x0 + pw + HM_LEGEND_GAP;

		text(im, lx, y0 - 24, "dirty bytes", 1);
		text(im, lx, y0 - 14, "per cell", 1);
		for (i = 0; i < ph; i++) {
			double f = 1.0 - (double)i / (ph - 1);

			fill(im, lx, y0 + i, HM_LEGEND_BAR_W, 1,
			     f <= 0 ? HM_RGB_EMPTY : hm_colormap(f));
		}
		for (i = 0; i <= 4; i++) {
			double f = i / 4.0;
			double val = log_scale ? expm1(f * log1p(g->max)) : f * g->max;
			int y = y0 + ph - 1 - (int)(f * (ph - 1));

			fmt_bytes(buf, sizeof(buf), val);
			fill(im, lx + HM_LEGEND_BAR_W, y, 3, 1, HM_RGB_TEXT);
			text(im, lx + HM_LEGEND_BAR_W + 5, y - 3, buf, 1);
		}
		text(im, lx, y0 + ph + 24, log_scale ? "log scale" : "linear scale", 1);
	}
}

int hm_render_png(const struct hm_grid *g, const char *path, unsigned int width,
		  unsigned int height, bool log_scale, const char *what)
{
	int pw = width - HM_MARGIN_LEFT - HM_MARGIN_RIGHT;
	int ph = height - HM_MARGIN_TOP - HM_MARGIN_BOTTOM;
	struct image im = { width, height, NULL };
	char title[256];
	int x, y, err;

	im.px = malloc((size_t)im.w * im.h * 3);
	if (!im.px) {
		fprintf(stderr, "iodirty-heatmap: out of memory for a %ux%u image\n", im.w, im.h);
		return -ENOMEM;
	}
	fill(&im, 0, 0, im.w, im.h, HM_RGB_BACKGROUND);
	/* nearest cell per pixel; row 0 (lowest IOVA) at the bottom */
	for (y = 0; y < ph; y++) {
		unsigned int row = (unsigned int)((ph - 1 - y) * (uint64_t)g->rows / ph);

		for (x = 0; x < pw; x++) {
			unsigned int col = (unsigned int)(x * (uint64_t)g->cols / pw);
			double v = g->v[(size_t)col * g->rows + row];

			put_px(&im, HM_MARGIN_LEFT + x, HM_MARGIN_TOP + y,
			       v > 0 ? hm_colormap(scale_frac(g, v, log_scale)) : HM_RGB_EMPTY);
		}
	}
	draw_axes(&im, g, pw, ph, log_scale);
	snprintf(title, sizeof(title), "dirty bytes: %s", what);
	while (text_w(title, 2) > (int)im.w - HM_MARGIN_RIGHT - 8 && strlen(title) > 4)
		title[strlen(title) - 1] = 0;
	text(&im, 4, 4, title, 2);
	err = hm_png_write(path, &im);
	free(im.px);
	return err;
}

