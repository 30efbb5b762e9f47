/* doc.h (report/ internal): one writer, two documents. A report is written
 * once, through these calls, into Markdown and into HTML at the same time;
 * the HTML is never parsed back from the Markdown.
 *
 * Every call takes a printf format. The format is the program's own text
 * and may carry three inline marks, the same in both documents: `code`,
 * **bold** and *italic*. Everything an argument brings (%s: a path, a
 * kernel string, an implementation name from a result file) is data: it is
 * escaped for each document (Markdown: a backslash before every character
 * that could open a link, an image, an emphasis, raw HTML or a table cell;
 * HTML: &, <, >, " and '), control characters become spaces, and it can
 * never open a link. The only links are those the report itself writes: the
 * plots (rep_doc_image). Images are inlined into the HTML as SVG, so the
 * page is self-contained. */
#ifndef CONTEND_DOC_H
#define CONTEND_DOC_H

#include <stdio.h>

#define DOC_PRINTF(a, b) __attribute__((format(printf, a, b)))

struct doc {
    FILE *md, *html;         /* either may be NULL */
    const char *dir;         /* the directory that holds plots/ (HTML inlines the SVGs) */
    int list;                /* inside a list */
    int table;               /* 0: none; 1: its header row; 2: its body */
    int cells;               /* cells written in the current row */
    char align[64];          /* of the current table: 'l' or 'r' per column */
    int images;              /* images written (the HTML's id prefixes) */
    int missing;             /* images the HTML could not inline */
    int in_code, in_b, in_i; /* inline state while a format is written */
};

/* The HTML page around the document (title escaped); no-ops without html. */
void rep_doc_begin(struct doc *d, const char *title);
void rep_doc_end(struct doc *d);

void rep_doc_heading(struct doc *d, int level, const char *fmt, ...) DOC_PRINTF(3, 4);
void rep_doc_para(struct doc *d, const char *fmt, ...) DOC_PRINTF(2, 3);
/* One item of a bulleted list; the list ends at the next other block. */
void rep_doc_item(struct doc *d, const char *fmt, ...) DOC_PRINTF(2, 3);
/* A table: align has one 'l' or 'r' per column; the first row is the
   header. Cells are added one by one; rep_doc_row ends a row. The table
   ends at the next other block (or rep_doc_close). */
void rep_doc_table(struct doc *d, const char *align);
void rep_doc_cell(struct doc *d, const char *fmt, ...) DOC_PRINTF(2, 3);
void rep_doc_row(struct doc *d);
void rep_doc_rule(struct doc *d);
/* plots/STEM.png in the Markdown (with links to its SVG and data), the
   SVG itself inline in the HTML; alt is data (escaped). */
void rep_doc_image(struct doc *d, const char *stem, const char *alt);
/* Ends an open list or table. */
void rep_doc_close(struct doc *d);

/* The HTML half (report/html.c). */
void rep_html_text(FILE *f, const char *s, size_t len); /* escaped */
void rep_html_page_begin(FILE *f, const char *title);
void rep_html_page_end(FILE *f);
/* Inlines DIR/plots/STEM.svg (never through a symbolic link) with its ids
   made unique by prefix; 0, or -errno (the page then says the image is
   missing). */
int rep_html_svg(FILE *f, const char *dir, const char *stem, int prefix);

#endif
