#ifndef AUGBENCH_CPNG_SHIM_H
#define AUGBENCH_CPNG_SHIM_H
#include <png.h>
#include <string.h>

// libpng's simplified API (png_image) needs no setjmp; its format constants are plain macros, but the
// version constant and the message buffer are easier to reach through these helpers.
static inline png_image augbench_png_image_new(void) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    return image;
}
static inline const char *augbench_png_image_message(const png_image *image) { return image->message; }
static inline unsigned augbench_png_format_gray(void) { return PNG_FORMAT_GRAY; }
static inline unsigned augbench_png_format_rgb(void) { return PNG_FORMAT_RGB; }
static inline unsigned augbench_png_format_rgba(void) { return PNG_FORMAT_RGBA; }
static inline unsigned augbench_png_format_flag_color(void) { return PNG_FORMAT_FLAG_COLOR; }
#endif
