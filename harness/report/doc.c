/* One writer, two documents: the report's Markdown and its HTML are written
 * by the same calls from the same data (doc.h). This file holds the inline
 * engine (the program's format with its marks, the data escaped for each
 * document) and the blocks; html.c holds the HTML page and the inline SVG. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "doc.h"

static void doc_put(const struct doc *d, const char *md, const char *html)
{
    if (d->md && md) fputs(md, d->md);
    if (d->html && html) fputs(html, d->html);
}

static int doc_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Data into Markdown: inside a code span only a backtick (which would end
   it) and a table's pipe need care; elsewhere a backslash goes before
   every character that could start markup: emphasis, code, raw HTML and
   autolinks ('<'), math, a table cell, a heading, and the "](" or "][" of
   a link or image (the formats never put '(' or '[' right after a %s). */
static void doc_md_data(const struct doc *d, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (d->in_code) {
            if (c == '`') c = '\'';
            if (c == '|' && d->table) fputc('\\', d->md);
        } else if (strchr("\\`*<$", c) || (c == '|' && d->table) || (c == '#' && i == 0)
                   || (c == ']' && i + 1 < len && (s[i + 1] == '(' || s[i + 1] == '['))
                   || (c == '_'
                       && !(i > 0 && i + 1 < len && doc_alnum(s[i - 1]) && doc_alnum(s[i + 1])))) {
            fputc('\\', d->md); /* '_' inside a word opens no emphasis */
        }
        fputc(c, d->md);
    }
}

/* A data string into both documents; control characters become spaces. */
static void doc_data(const struct doc *d, const char *s, size_t len)
{
    char buf[256];
    while (len) {
        size_t k = len < sizeof buf ? len : sizeof buf;
        for (size_t i = 0; i < k; i++) {
            unsigned char c = (unsigned char)s[i];
            buf[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
        }
        if (d->md) doc_md_data(d, buf, k);
        if (d->html) rep_html_text(d->html, buf, k);
        s += k;
        len -= k;
    }
}

/* One conversion of the format (p: after the '%'); returns what follows. */
static const char *doc_conv(const struct doc *d, const char *p, va_list *ap)
{
    char spec[40] = "%", out[128];
    size_t k = 1;
    int prec = -1;
    while (*p && strchr("-+ #0", *p) && k < 8) spec[k++] = *p++;
    if (*p == '*') {
        k += (size_t)snprintf(spec + k, sizeof spec - k, "%d", va_arg(*ap, int));
        p++;
    }
    while (*p >= '0' && *p <= '9' && k < 16) spec[k++] = *p++;
    if (*p == '.') {
        spec[k++] = *p++;
        prec = 0;
        if (*p == '*') {
            prec = va_arg(*ap, int);
            k += (size_t)snprintf(spec + k, sizeof spec - k, "%d", prec);
            p++;
        }
        for (; *p >= '0' && *p <= '9' && k < 24; p++) {
            spec[k++] = *p;
            prec = prec * 10 + (*p - '0');
        }
    }
    char lenmod[3] = "";
    for (size_t l = 0; *p && strchr("hlLjzt", *p) && l < 2; l++) lenmod[l] = *p++;
    char conv = *p ? *p++ : 's';
    snprintf(spec + k, sizeof spec - k, "%s%c", lenmod, conv);
    out[0] = '\0';
    switch (conv) {
    case 's': {
        const char *s = va_arg(*ap, const char *);
        if (!s) s = "(null)";
        size_t n = strlen(s);
        if (prec >= 0 && (size_t)prec < n) n = (size_t)prec;
        doc_data(d, s, n);
        return p;
    }
    case 'c': snprintf(out, sizeof out, spec, va_arg(*ap, int)); break;
    case 'd':
    case 'i':
        if (!strcmp(lenmod, "l"))
            snprintf(out, sizeof out, spec, va_arg(*ap, long));
        else if (!strcmp(lenmod, "ll"))
            snprintf(out, sizeof out, spec, va_arg(*ap, long long));
        else if (!strcmp(lenmod, "z") || !strcmp(lenmod, "t"))
            snprintf(out, sizeof out, spec, va_arg(*ap, ssize_t));
        else if (!strcmp(lenmod, "j"))
            snprintf(out, sizeof out, spec, va_arg(*ap, intmax_t));
        else
            snprintf(out, sizeof out, spec, va_arg(*ap, int));
        break;
    case 'u':
    case 'x':
    case 'X':
    case 'o':
        if (!strcmp(lenmod, "l"))
            snprintf(out, sizeof out, spec, va_arg(*ap, unsigned long));
        else if (!strcmp(lenmod, "ll"))
            snprintf(out, sizeof out, spec, va_arg(*ap, unsigned long long));
        else if (!strcmp(lenmod, "z") || !strcmp(lenmod, "t"))
            snprintf(out, sizeof out, spec, va_arg(*ap, size_t));
        else if (!strcmp(lenmod, "j"))
            snprintf(out, sizeof out, spec, va_arg(*ap, uintmax_t));
        else
            snprintf(out, sizeof out, spec, va_arg(*ap, unsigned));
        break;
    default: /* f, e, g, a and their capitals */
        if (!strcmp(lenmod, "L"))
            snprintf(out, sizeof out, spec, va_arg(*ap, long double));
        else
            snprintf(out, sizeof out, spec, va_arg(*ap, double));
    }
    doc_data(d, out, strlen(out));
    return p;
}

/* An inline mark of the format: toggles state, writes both documents. */
static void doc_mark(struct doc *d, int *state, const char *md, const char *open, const char *close)
{
    doc_put(d, md, *state ? close : open);
    *state = !*state;
}

/* The format: its own text and marks as they are, its arguments as data. */
static void doc_inline(struct doc *d, const char *fmt, va_list *ap)
{
    for (const char *p = fmt; *p;) {
        if (*p == '%' && p[1] != '%') {
            p = doc_conv(d, p + 1, ap);
            continue;
        }
        if (*p == '%') p++; /* %% */
        if (*p == '`') {
            doc_mark(d, &d->in_code, "`", "<code>", "</code>");
        } else if (*p == '*' && !d->in_code && p[1] == '*') {
            doc_mark(d, &d->in_b, "**", "<strong>", "</strong>");
            p++;
        } else if (*p == '*' && !d->in_code) {
            doc_mark(d, &d->in_i, "*", "<em>", "</em>");
        } else {
            char c = *p == '\n' || *p == '\t' ? ' ' : *p;
            if (d->md) {
                if (c == '|' && d->table) fputc('\\', d->md);
                fputc(c, d->md);
            }
            if (d->html) rep_html_text(d->html, &c, 1);
        }
        p++;
    }
    /* a format that leaves a mark open is closed here, in both */
    if (d->in_code) doc_mark(d, &d->in_code, "`", "<code>", "</code>");
    if (d->in_b) doc_mark(d, &d->in_b, "**", "<strong>", "</strong>");
    if (d->in_i) doc_mark(d, &d->in_i, "*", "<em>", "</em>");
}

#define DOC_INLINE(d, fmt)       \
    do {                         \
        va_list ap;              \
        va_start(ap, fmt);       \
        doc_inline(d, fmt, &ap); \
        va_end(ap);              \
    } while (0)

void rep_doc_close(struct doc *d)
{
    if (d->list) doc_put(d, "\n", "</ul>\n");
    if (d->table) {
        if (d->cells) rep_doc_row(d);
        doc_put(d, "\n", "</table>\n");
    }
    d->list = d->table = d->cells = 0;
}

void rep_doc_begin(struct doc *d, const char *title)
{
    if (d->html) rep_html_page_begin(d->html, title);
}

void rep_doc_end(struct doc *d)
{
    if (d->list && d->html) fputs("</ul>\n", d->html); /* no blank line at the end */
    d->list = 0;
    rep_doc_close(d);
    if (d->html) rep_html_page_end(d->html);
}

void rep_doc_heading(struct doc *d, int level, const char *fmt, ...)
{
    static const char *const hashes[] = { "# ", "## ", "### ", "#### " };
    static const char *const open[] = { "<h1>", "<h2>", "<h3>", "<h4>" };
    static const char *const close[] = { "</h1>\n", "</h2>\n", "</h3>\n", "</h4>\n" };
    int l = level < 1 ? 0 : level > 4 ? 3 : level - 1;
    rep_doc_close(d);
    doc_put(d, hashes[l], open[l]);
    DOC_INLINE(d, fmt);
    doc_put(d, "\n\n", close[l]);
}

void rep_doc_para(struct doc *d, const char *fmt, ...)
{
    rep_doc_close(d);
    doc_put(d, NULL, "<p>");
    DOC_INLINE(d, fmt);
    doc_put(d, "\n\n", "</p>\n");
}

void rep_doc_item(struct doc *d, const char *fmt, ...)
{
    if (!d->list) {
        rep_doc_close(d);
        doc_put(d, NULL, "<ul>\n");
        d->list = 1;
    }
    doc_put(d, "- ", "<li>");
    DOC_INLINE(d, fmt);
    doc_put(d, "\n", "</li>\n");
}

void rep_doc_table(struct doc *d, const char *align)
{
    rep_doc_close(d);
    snprintf(d->align, sizeof d->align, "%s", align ? align : "");
    d->table = 1;
    d->cells = 0;
    doc_put(d, NULL, "<table>\n");
}

void rep_doc_cell(struct doc *d, const char *fmt, ...)
{
    if (!d->table) rep_doc_table(d, NULL);
    int right = d->cells < (int)strlen(d->align) && d->align[d->cells] == 'r';
    if (!d->cells) doc_put(d, "|", "<tr>");
    doc_put(d, " ",
            d->table == 1 ? (right ? "<th class=\"r\">" : "<th>")
                          : (right ? "<td class=\"r\">" : "<td>"));
    DOC_INLINE(d, fmt);
    doc_put(d, " |", d->table == 1 ? "</th>" : "</td>");
    d->cells++;
}

void rep_doc_row(struct doc *d)
{
    if (!d->table) return;
    doc_put(d, "\n", "</tr>\n");
    if (d->table == 1 && d->md) {
        fputc('|', d->md);
        for (int i = 0; i < d->cells; i++)
            fputs(i < (int)strlen(d->align) && d->align[i] == 'r' ? "---:|" : "---|", d->md);
        fputc('\n', d->md);
    }
    d->table = 2;
    d->cells = 0;
}

void rep_doc_rule(struct doc *d)
{
    rep_doc_close(d);
    doc_put(d, "---\n\n", "<hr>\n");
}

void rep_doc_image(struct doc *d, const char *stem, const char *alt)
{
    rep_doc_close(d);
    for (const char *s = stem; *s; s++) /* the report makes stems: [a-z0-9-] */
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-')) return;
    d->images++;
    if (d->md) {
        fputs("![", d->md);
        doc_md_data(d, alt, strlen(alt));
        fprintf(d->md, "](plots/%s.png)\n\n[SVG](plots/%s.svg) · [data](plots/%s.tsv)\n\n", stem,
                stem, stem);
    }
    if (!d->html) return;
    fputs("<figure>\n", d->html);
    if (rep_html_svg(d->html, d->dir, stem, d->images) != 0) {
        d->missing++;
        fputs("<p>(this image could not be inlined)</p>\n", d->html);
    }
    fputs("<figcaption>", d->html);
    rep_html_text(d->html, alt, strlen(alt));
    fprintf(d->html,
            " · <a href=\"plots/%s.svg\">SVG</a> · <a href=\"plots/%s.tsv\">data</a>"
            "</figcaption>\n</figure>\n",
            stem, stem);
}
