/* report.md to report.html: the subset of Markdown the report writes
 * (headings, lists, pipe tables, inline code, bold, links), with every
 * image inlined as SVG so the page is self-contained. */
#include <stdio.h>
#include <string.h>

#include "report.h"

static void html_text(FILE *f, const char *s, size_t len)
{
    int code = 0, bold = 0, em = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '`') {
            fputs(code ? "</code>" : "<code>", f);
            code = !code;
            continue;
        }
        if (!code && c == '*' && i + 1 < len && s[i + 1] == '*') {
            fputs(bold ? "</b>" : "<b>", f);
            bold = !bold;
            i++;
            continue;
        }
        if (!code && c == '*') {
            fputs(em ? "</i>" : "<i>", f);
            em = !em;
            continue;
        }
        if (!code && c == '[') { /* [text](target) */
            const char *close = memchr(s + i, ']', len - i);
            if (close && close + 1 < s + len && close[1] == '(') {
                const char *end = memchr(close, ')', (size_t)(s + len - close));
                if (end) {
                    fprintf(f, "<a href=\"%.*s\">", (int)(end - close - 2), close + 2);
                    html_text(f, s + i + 1, (size_t)(close - s - (long)i - 1));
                    fputs("</a>", f);
                    i = (size_t)(end - s);
                    continue;
                }
            }
        }
        if (c == '<')
            fputs("&lt;", f);
        else if (c == '>')
            fputs("&gt;", f);
        else if (c == '&')
            fputs("&amp;", f);
        else
            fputc(c, f);
    }
    if (code) fputs("</code>", f);
    if (bold) fputs("</b>", f);
    if (em) fputs("</i>", f);
}

/* Inlines dir/target (an .svg sibling of a .png) without its XML prologue. */
static void html_inline_svg(FILE *f, const char *dir, const char *target, size_t tlen)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%.*s", dir, (int)tlen, target);
    char *dot = strrchr(path, '.');
    if (dot) strcpy(dot, ".svg");
    FILE *s = fopen(path, "r");
    if (!s) {
        fprintf(f, "<p>(missing image %s)</p>\n", path);
        return;
    }
    char buf[8192];
    int started = 0;
    while (fgets(buf, sizeof buf, s)) {
        if (!started && !(started = strstr(buf, "<svg") != NULL)) continue;
        fputs(buf, f);
    }
    fclose(s);
}

void rep_md_to_html(FILE *f, const char *md, const char *dir, const char *title)
{
    fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
    html_text(f, title, strlen(title));
    fprintf(f,
            "</title>\n<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;"
            "padding:0 1em}table{border-collapse:collapse;margin:1em 0;font-size:90%%}"
            "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
            "td:first-child,th:first-child{text-align:left}svg{max-width:100%%;height:auto}"
            "code{background:#f4f4f4}</style></head><body>\n");
    int in_list = 0, in_table = 0, row = 0;
    for (const char *l = md; *l;) {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) : strlen(l);
        int item = len > 2 && l[0] == '-' && l[1] == ' ', cells = len && l[0] == '|';
        if (in_list && !item) {
            fputs("</ul>\n", f);
            in_list = 0;
        }
        if (in_table && !cells) {
            fputs("</table>\n", f);
            in_table = 0;
        }
        if (len && l[0] == '#') {
            int h = 0;
            while (h < (int)len && l[h] == '#') h++;
            fprintf(f, "<h%d>", h);
            html_text(f, l + h + 1, len - (size_t)h - 1);
            fprintf(f, "</h%d>\n", h);
        } else if (item) {
            if (!in_list) {
                fputs("<ul>\n", f);
                in_list = 1;
            }
            fputs("<li>", f);
            html_text(f, l + 2, len - 2);
            fputs("</li>\n", f);
        } else if (cells) {
            if (!in_table) {
                fputs("<table>\n", f);
                in_table = 1;
                row = 0;
            }
            if (row++ == 1) goto next; /* the |---| line */
            fputs("<tr>", f);
            const char *c = l + 1, *end = l + len;
            while (c < end) {
                const char *bar = memchr(c, '|', (size_t)(end - c));
                if (!bar) break;
                fputs(row == 1 ? "<th>" : "<td>", f);
                html_text(f, c, (size_t)(bar - c));
                fputs(row == 1 ? "</th>" : "</td>", f);
                c = bar + 1;
            }
            fputs("</tr>\n", f);
        } else if (len > 4 && l[0] == '!' && l[1] == '[') {
            const char *paren = memchr(l, '(', len), *close = memchr(l, ')', len);
            if (paren && close > paren)
                html_inline_svg(f, dir, paren + 1, (size_t)(close - paren - 1));
        } else if (len) {
            fputs("<p>", f);
            html_text(f, l, len);
            fputs("</p>\n", f);
        }
    next:
        l += len + (nl != NULL);
    }
    if (in_list) fputs("</ul>\n", f);
    if (in_table) fputs("</table>\n", f);
    fputs("</body></html>\n", f);
}

/* ---------------- the report ------------------------------------------------ */
