/* One writer, two documents: the report's Markdown and its HTML are written
 * by the same calls from the same data (doc.h). This file holds the inline
 * engine (the program's format with its marks, the data escaped for each
 * document) and the blocks; html.c holds the HTML page and the inline SVG. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
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
        if (d->tcur) fwrite(buf, 1, k, d->tcur);
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
    /* NOLINTBEGIN(bugprone-branch-clone): the branches differ in the type
       va_arg reads (long, long long and ssize_t are one width on LP64 and
       long double may be double elsewhere, not everywhere) */
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
    /* NOLINTEND(bugprone-branch-clone) */
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
            if (d->tcur) fputc(c, d->tcur);
        }
        p++;
    }
    /* a format that leaves a mark open is closed here, in both */
    if (d->in_code) doc_mark(d, &d->in_code, "`", "<code>", "</code>");
    if (d->in_b) doc_mark(d, &d->in_b, "**", "<strong>", "</strong>");
    if (d->in_i) doc_mark(d, &d->in_i, "*", "<em>", "</em>");
}

/* ---- the text document ---- */

#define DOC_TEXT_WIDTH 80

/* Starts capturing a block's text (nothing without a text document). */
static void doc_text_begin(struct doc *d)
{
    if (d->text && !d->tcur) d->tcur = open_memstream(&d->tbuf, &d->tlen);
}

/* Ends the capture: the block's text, to be freed (or NULL). */
static char *doc_text_end(struct doc *d)
{
    if (!d->tcur) return NULL;
    fclose(d->tcur);
    d->tcur = NULL;
    char *t = d->tbuf;
    d->tbuf = NULL;
    return t;
}

/* s wrapped at DOC_TEXT_WIDTH: the first line after first, the others after
   indent spaces. */
static void doc_text_wrap(FILE *f, const char *s, const char *first, int indent)
{
    fputs(first, f);
    int col = (int)strlen(first), start = 1;
    while (*s) {
        while (*s == ' ') s++;
        size_t w = strcspn(s, " ");
        if (!w) break;
        if (!start && col + 1 + (int)w > DOC_TEXT_WIDTH) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
            start = 1;
        }
        if (!start) {
            fputc(' ', f);
            col++;
        }
        fwrite(s, 1, w, f);
        col += (int)w;
        s += w;
        start = 0;
    }
    fputc('\n', f);
}

static void doc_text_block(struct doc *d, const char *first, int indent, int blank)
{
    char *t = doc_text_end(d);
    if (!t) return;
    doc_text_wrap(d->text, t, first, indent);
    if (blank) fputc('\n', d->text);
    free(t);
}

/* The captured cell goes into the table's list. */
static void doc_text_cell(struct doc *d)
{
    char *t = doc_text_end(d);
    if (!t) return;
    if (d->ntcells == d->tcap) {
        size_t cap = d->tcap ? 2 * d->tcap : 64;
        char **g = realloc(d->tcells, cap * sizeof *g);
        if (!g) {
            free(t);
            return;
        }
        d->tcells = g;
        d->tcap = cap;
    }
    d->tcells[d->ntcells++] = t;
}

/* The table, aligned when it fits, else a row at a time. */
static void doc_text_table(struct doc *d)
{
    int nc = d->tcols;
    size_t nrow = nc ? d->ntcells / (size_t)nc : 0;
    int w[64] = { 0 }, total = 0;
    for (size_t i = 0; nc > 0 && nc <= 64 && i < nrow * (size_t)nc; i++) {
        int l = (int)strlen(d->tcells[i]);
        if (l > w[i % (size_t)nc]) w[i % (size_t)nc] = l;
    }
    for (int c = 0; c < nc && c < 64; c++) total += w[c] + (c ? 2 : 0);
    if (nc > 0 && nc <= 64 && total <= DOC_TEXT_WIDTH) {
        for (size_t r = 0; r < nrow; r++) {
            for (int c = 0; c < nc; c++) {
                int right = c < (int)strlen(d->align) && d->align[c] == 'r';
                const char *v = d->tcells[r * (size_t)nc + (size_t)c];
                int pad = c + 1 < nc || right ? w[c] : 0;
                fprintf(d->text, right ? "%s%*s" : "%s%-*s", c ? "  " : "", pad, v);
            }
            fputc('\n', d->text);
            for (int c = 0; r == 0 && c < nc; c++)
                fprintf(d->text, "%s%.*s%s", c ? "  " : "", w[c],
                        "--------------------------------------------------------------------"
                        "------------",
                        c + 1 == nc ? "\n" : "");
        }
    } else if (nc > 0) {
        int hw = 0; /* the header's width, at most 36 */
        for (int c = 1; c < nc; c++) {
            int l = (int)strlen(d->tcells[c]);
            if (l > hw) hw = l;
        }
        if (hw > 36) hw = 36;
        for (size_t r = 1; r < nrow; r++) {
            doc_text_wrap(d->text, d->tcells[r * (size_t)nc], "", 2);
            for (int c = 1; c < nc; c++) {
                char first[128];
                if ((int)strlen(d->tcells[c]) > hw) { /* a long header: a line of its own */
                    fprintf(d->text, "  %s\n", d->tcells[c]);
                    snprintf(first, sizeof first, "%*s", hw + 4, "");
                } else {
                    snprintf(first, sizeof first, "  %-*s  ", hw, d->tcells[c]);
                }
                doc_text_wrap(d->text, d->tcells[r * (size_t)nc + (size_t)c], first, hw + 4);
            }
        }
    }
    fputc('\n', d->text);
    for (size_t i = 0; i < d->ntcells; i++) free(d->tcells[i]);
    free(d->tcells);
    d->tcells = NULL;
    d->ntcells = d->tcap = 0;
    d->tcols = 0;
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
    if (d->list) {
        doc_put(d, "\n", "</ul>\n");
        if (d->text) fputc('\n', d->text);
    }
    if (d->table) {
        if (d->cells) rep_doc_row(d);
        doc_put(d, "\n", "</table>\n");
        if (d->text) doc_text_table(d);
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
    doc_text_begin(d);
    DOC_INLINE(d, fmt);
    doc_put(d, "\n\n", close[l]);
    char *t = doc_text_end(d);
    if (t) { /* underlined: = for the title, - below */
        size_t n = strlen(t);
        fprintf(d->text, "%s\n", t);
        for (size_t i = 0; i < n && i < DOC_TEXT_WIDTH; i++) fputc(l ? '-' : '=', d->text);
        fputs("\n\n", d->text);
        free(t);
    }
}

void rep_doc_para(struct doc *d, const char *fmt, ...)
{
    rep_doc_close(d);
    doc_put(d, NULL, "<p>");
    doc_text_begin(d);
    DOC_INLINE(d, fmt);
    doc_put(d, "\n\n", "</p>\n");
    doc_text_block(d, "", 0, 1);
}

void rep_doc_item(struct doc *d, const char *fmt, ...)
{
    if (!d->list) {
        rep_doc_close(d);
        doc_put(d, NULL, "<ul>\n");
        d->list = 1;
    }
    doc_put(d, "- ", "<li>");
    doc_text_begin(d);
    DOC_INLINE(d, fmt);
    doc_put(d, "\n", "</li>\n");
    doc_text_block(d, "- ", 2, 0);
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
    doc_text_begin(d);
    DOC_INLINE(d, fmt);
    doc_put(d, " |", d->table == 1 ? "</th>" : "</td>");
    doc_text_cell(d);
    d->cells++;
}

void rep_doc_row(struct doc *d)
{
    if (!d->table) return;
    if (d->table == 1) d->tcols = d->cells;
    while (d->text && d->tcols && d->cells < d->tcols) { /* a short row: empty cells */
        doc_text_begin(d);
        doc_text_cell(d);
        d->cells++;
    }
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
    if (d->text) fputs("--------\n\n", d->text);
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
