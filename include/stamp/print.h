/*
 * print.h - umbrella header of libstamp-print: what needs libqrencode,
 * libpng, cairo and libzbar. QR symbols and per-stamp PNGs (render.h),
 * label templates (template.h), print-ready sheets (sheet.h) and reading
 * codes back out of images (photo.h). Built on the core, stamp/stamp.h.
 */
#ifndef STAMP_PRINT_H
#define STAMP_PRINT_H

#include "stamp.h"
#include "render.h"
#include "template.h"
#include "sheet.h"
#include "photo.h"
#include "imagefile.h"

#endif
