/* The HTML half of the report writer (doc.h): escaping, the page, and the
 * plots inlined as SVG so that report.html is one self-contained file. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doc.h"

#define HTML_MAX_SVG (16u << 20)

void rep_html_text(FILE *f, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) switch (s[i]) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(s[i], f);
        }
}

void rep_html_page_begin(FILE *f, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n<title>",
          f);
    rep_html_text(f, title, strlen(title));
    fputs("</title>\n<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;"
          "padding:0 1em;color:#222}table{border-collapse:collapse;margin:1em 0;font-size:90%}"
          "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}.r{text-align:right}"
          "th{background:#f4f4f4}svg{max-width:100%;height:auto}code{background:#f4f4f4}"
          "figure{margin:1em 0}figcaption{font-size:85%;color:#555}</style></head><body>\n",
          f);
}

void rep_html_page_end(FILE *f) { fputs("</body></html>\n", f); }

/* The whole file, read without following a symbolic link; NULL and -errno. */
static char *html_slurp(const char *path, size_t *len, int *rc)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    char *buf = NULL;
    *rc = 0;
    if (fd < 0 || fstat(fd, &st) != 0) {
        *rc = -errno;
    } else if (!S_ISREG(st.st_mode) || (size_t)st.st_size > HTML_MAX_SVG) {
        *rc = -EINVAL;
    } else if (!(buf = malloc((size_t)st.st_size + 1))) {
        *rc = -ENOMEM;
    } else {
        size_t have = 0;
        ssize_t k;
        while (have < (size_t)st.st_size
               && (k = read(fd, buf + have, (size_t)st.st_size - have)) > 0)
            have += (size_t)k;
        buf[have] = '\0';
        *len = have;
    }
    if (fd >= 0) close(fd);
    return buf;
}

/* Whether a tag of the SVG could carry script or a link (gnuplot's never
   do: a check, not a filter). Text is escaped, so every '<' opens a tag. */
static int html_svg_unsafe(const char *s)
{
    static const char *const bad[] = { "<script", "<foreignobject", "<iframe", "<a ",
                                       "javascript:" };
    for (const char *t = strchr(s, '<'); t; t = strchr(t + 1, '<')) {
        const char *end = strchr(t, '>');
        if (!end) return 1;
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
            if (!strncasecmp(t, bad[i], strlen(bad[i]))) return 1;
        for (const char *p = t; p < end; p++) {
            if (strncasecmp(p, "javascript:", 11) == 0) return 1;
            if ((*p != ' ' && *p != '\t' && *p != '\n') || strncasecmp(p + 1, "on", 2)) continue;
            const char *q = p + 3;
            while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')) q++;
            if (q > p + 3 && *q == '=') return 1; /* an event handler attribute */
        }
    }
    return 0;
}

int rep_html_svg(FILE *f, const char *dir, const char *stem, int prefix)
{
    size_t plen = strlen(dir) + strlen(stem) + 16, len = 0;
    char *path = malloc(plen);
    if (!path) return -ENOMEM;
    snprintf(path, plen, "%s/plots/%s.svg", dir, stem);
    int rc;
    char *svg = html_slurp(path, &len, &rc);
    free(path);
    if (!svg) return rc;
    const char *p = strstr(svg, "<svg");
    if (!p || html_svg_unsafe(p)) {
        free(svg);
        return -EINVAL;
    }
    /* several plots share one page: gnuplot's ids (and the references to
       them) get a per-image prefix */
    static const char *const ref[] = { "id='", "id=\"", "href='#", "href=\"#", "url(#" };
    while (*p) {
        size_t i = 0;
        while (i < sizeof ref / sizeof *ref && strncmp(p, ref[i], strlen(ref[i]))) i++;
        if (i < sizeof ref / sizeof *ref) {
            fprintf(f, "%sp%d-", ref[i], prefix);
            p += strlen(ref[i]);
        } else {
            fputc(*p++, f);
        }
    }
    free(svg);
    return 0;
}
