/*
 * wb_edit.c - the workbench's one-line editor, used for parameter values
 * and the `:` command line.  Text is UTF-8; the cursor moves by whole
 * characters, each taken as one terminal cell.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "wb/wb.h"

void wb_edit_start(wb_edit *e, const char *text)
{
	snprintf(e->buf, sizeof e->buf, "%s", text ? text : "");
	e->len = strlen(e->buf);
	e->cur = e->len;
	e->left = 0;
}

static size_t prev_char(const wb_edit *e, size_t i)
{
	if (i == 0)
		return 0;
	i--;
	while (i > 0 && wb_utf8_cont((unsigned char)e->buf[i]))
		i--;
	return i;
}

static size_t next_char(const wb_edit *e, size_t i)
{
	if (i >= e->len)
		return e->len;
	i++;
	while (i < e->len && wb_utf8_cont((unsigned char)e->buf[i]))
		i++;
	return i;
}

static void delete_range(wb_edit *e, size_t a, size_t b)
{
	memmove(e->buf + a, e->buf + b, e->len - b + 1);
	e->len -= b - a;
	if (e->cur > b)
		e->cur -= b - a;
	else if (e->cur > a)
		e->cur = a;
}

static void insert_bytes(wb_edit *e, const char *s, size_t n)
{
	if (e->len + n + 1 > sizeof e->buf)
		return;
	memmove(e->buf + e->cur + n, e->buf + e->cur, e->len - e->cur + 1);
	memcpy(e->buf + e->cur, s, n);
	e->len += n;
	e->cur += n;
}

int wb_edit_key(wb_edit *e, int is_key, unsigned ch)
{
	if (is_key) {
		switch (ch) {
		case KEY_ENTER: return 1;
		case KEY_LEFT: e->cur = prev_char(e, e->cur); break;
		case KEY_RIGHT: e->cur = next_char(e, e->cur); break;
		case KEY_HOME: e->cur = 0; break;
		case KEY_END: e->cur = e->len; break;
		case KEY_BACKSPACE:
			if (e->cur > 0)
				delete_range(e, prev_char(e, e->cur), e->cur);
			break;
		case KEY_DC:
			if (e->cur < e->len)
				delete_range(e, e->cur, next_char(e, e->cur));
			break;
		default: break;
		}
		return 0;
	}
	switch (ch) {
	case '\n': case '\r': return 1;
	case 27: return -1;
	case 1: e->cur = 0; break;         /* Ctrl-A */
	case 5: e->cur = e->len; break;    /* Ctrl-E */
	case 2: e->cur = prev_char(e, e->cur); break; /* Ctrl-B */
	case 6: e->cur = next_char(e, e->cur); break; /* Ctrl-F */
	case 8: case 127:                  /* Backspace sent as a character */
		if (e->cur > 0)
			delete_range(e, prev_char(e, e->cur), e->cur);
		break;
	case 11: delete_range(e, e->cur, e->len); break; /* Ctrl-K */
	case 21: delete_range(e, 0, e->cur); break;      /* Ctrl-U */
	case 23: {                                       /* Ctrl-W: the word before */
		size_t a = e->cur;
		while (a > 0 && e->buf[a - 1] == ' ')
			a--;
		while (a > 0 && e->buf[a - 1] != ' ')
			a--;
		delete_range(e, a, e->cur);
		break;
	}
	default:
		if (ch >= 32 && ch != 127) {
			char mb[8];
			size_t n = 0;
			/* UTF-8 of the character */
			if (ch < 0x80) {
				mb[n++] = (char)ch;
			} else if (ch < 0x800) {
				mb[n++] = (char)(0xC0 | (ch >> 6));
				mb[n++] = (char)(0x80 | (ch & 0x3F));
			} else if (ch < 0x10000) {
				mb[n++] = (char)(0xE0 | (ch >> 12));
				mb[n++] = (char)(0x80 | ((ch >> 6) & 0x3F));
				mb[n++] = (char)(0x80 | (ch & 0x3F));
			} else if (ch < 0x110000) {
				mb[n++] = (char)(0xF0 | (ch >> 18));
				mb[n++] = (char)(0x80 | ((ch >> 12) & 0x3F));
				mb[n++] = (char)(0x80 | ((ch >> 6) & 0x3F));
				mb[n++] = (char)(0x80 | (ch & 0x3F));
			}
			insert_bytes(e, mb, n);
		}
		break;
	}
	return 0;
}

/* Characters between byte offsets a and b. */
static int cells(const wb_edit *e, size_t a, size_t b)
{
	int n = 0;
	for (size_t i = a; i < b; i++)
		n += !wb_utf8_cont((unsigned char)e->buf[i]);
	return n;
}

void wb_edit_draw(const wb *w, wb_edit *e, int y, int x, int width, attr_t a)
{
	if (width < 2)
		return;
	/* keep the cursor inside the field, with room for it at the end */
	if (e->cur < e->left)
		e->left = e->cur;
	while (cells(e, e->left, e->cur) > width - 1)
		e->left = next_char(e, e->left);
	wb_fill(y, x, width, a);
	wb_put(w, y, x, width, a, e->buf + e->left);
	e->cy = y;
	e->cx = x + cells(e, e->left, e->cur);
}
