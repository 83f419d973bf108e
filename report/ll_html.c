/* Text building blocks of the report (see ll_html.h). */
#include "ll_html.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

void ll_html_buf_init(ll_html_buf *b)
{
	memset(b, 0, sizeof *b);
}

void ll_html_buf_free(ll_html_buf *b)
{
	ll_free(b->s);
	memset(b, 0, sizeof *b);
}

static int grow(ll_html_buf *b, size_t extra)
{
	if (b->oom)
		return 0;
	if (extra >= SIZE_MAX / 4 - b->len) {
		b->oom = 1;
		return 0;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 1;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = ll_realloc(b->s, cap);
	if (!p) {
		b->oom = 1;
		return 0;
	}
	b->s = p;
	b->cap = cap;
	return 1;
}

void ll_html_buf_putn(ll_html_buf *b, const char *s, size_t n)
{
	if (!grow(b, n))
		return;
	if (n)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void ll_html_buf_puts(ll_html_buf *b, const char *s)
{
	ll_html_buf_putn(b, s, strlen(s));
}

void ll_html_buf_printf(ll_html_buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if ((size_t)n < sizeof small) {
		ll_html_buf_putn(b, small, (size_t)n);
		return;
	}
	if (!grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

int ll_html_buf_ok(const ll_html_buf *b, const char *what, ll_err *err)
{
	return b->oom ? ll_err_set(err, LL_ENOMEM, "%s: out of memory", what) : LL_OK;
}

void ll_html_md_text(ll_html_buf *b, const char *s)
{
	int start = b->len == 0 || b->s[b->len - 1] == '\n';
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7F) {
			ll_html_buf_putn(b, " ", 1);
		} else {
			if (strchr("\\`*_[]<>&~", c) || (start && strchr("#|+-=", c)))
				ll_html_buf_putn(b, "\\", 1);
			ll_html_buf_putn(b, (const char *)&c, 1);
		}
		start = 0;
	}
}

void ll_html_text(ll_html_buf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': ll_html_buf_puts(b, "&amp;"); break;
		case '<': ll_html_buf_puts(b, "&lt;"); break;
		case '>': ll_html_buf_puts(b, "&gt;"); break;
		case '"': ll_html_buf_puts(b, "&quot;"); break;
		case '\'': ll_html_buf_puts(b, "&#39;"); break;
		default:
			ll_html_buf_putn(b, c < 0x20 || c == 0x7F ? " " : (const char *)&c, 1);
		}
	}
}

void ll_html_md_code(ll_html_buf *b, const char *info, const char *text)
{
	size_t run = 0, longest = 0, n = strlen(text);
	for (size_t i = 0; i < n; i++) {
		run = text[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	size_t fence = longest < 3 ? 3 : longest + 1;
	for (size_t i = 0; i < fence; i++)
		ll_html_buf_putn(b, "`", 1);
	ll_html_buf_printf(b, "%s\n", info);
	ll_html_buf_putn(b, text, n);
	if (n && text[n - 1] != '\n')
		ll_html_buf_putn(b, "\n", 1);
	for (size_t i = 0; i < fence; i++)
		ll_html_buf_putn(b, "`", 1);
	ll_html_buf_putn(b, "\n", 1);
}

void ll_html_base64(ll_html_buf *b, const uint8_t *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	if (!grow(b, (n + 2) / 3 * 4))
		return;
	char *o = b->s + b->len;
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = tab[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = '=';
		*o++ = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = '=';
	}
	b->len = (size_t)(o - b->s);
	b->s[b->len] = '\0';
}

void ll_html_data_uri(ll_html_buf *b, const char *mime, const uint8_t *p, size_t n)
{
	ll_html_buf_printf(b, "data:%s;base64,", mime);
	ll_html_base64(b, p, n);
}

void ll_html_json_str(ll_html_buf *b, const char *s)
{
	ll_html_buf_putn(b, "\"", 1);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			ll_html_buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7F || c == '<' || c == '>' || c == '&')
			ll_html_buf_printf(b, "\\u%04x", c); /* never "</script" or "<!--" */
		else
			ll_html_buf_putn(b, (const char *)&c, 1);
	}
	ll_html_buf_putn(b, "\"", 1);
}

void ll_html_json_num(ll_html_buf *b, double v)
{
	if (isfinite(v))
		ll_html_buf_printf(b, "%.6g", v);
	else
		ll_html_buf_puts(b, "null");
}

/* The viewer's script: one IIFE on its <figure> (document.currentScript's
 * parent), so the page may hold several views.  No "</" may occur in it.
 * Orthographic projection with one scale for the three axes; colours that
 * would vanish on a dark background take the text colour (--fg). */
static const char view3d_js[] =
	"(function (fig) {\n"
	"'use strict';\n"
	"var D = JSON.parse(fig.querySelector('script.v3-data').textContent);\n"
	"var cv = fig.querySelector('canvas'), cx = cv.getContext('2d');\n"
	"var out = fig.querySelector('output'), bar = fig.querySelector('.v3-bar');\n"
	"var P = D.paths, T = D.t.length, on = [], hov = -1;\n"
	"var yaw = -0.6, pitch = 0.35, zoom = 1, W = 0, H = 0, bg = [255, 255, 255];\n"
	"var dark = window.matchMedia ? matchMedia('(prefers-color-scheme: dark)') : null;\n"
	"/* one scale for all three axes (the PNG scales each to its data), centred\n"
	" * on the data's box, so rotating shows the true shape */\n"
	"var lo = [1e300, 1e300, 1e300], hi = [-1e300, -1e300, -1e300], c = [0, 0, 0], s = 0;\n"
	"P.forEach(function (p) {\n"
	"  on.push(true);\n"
	"  for (var i = 0; i < p.xyz.length; i++) {\n"
	"    var v = p.xyz[i], a = i % 3;\n"
	"    if (v === null) continue;\n"
	"    if (v < lo[a]) lo[a] = v;\n"
	"    if (v > hi[a]) hi[a] = v;\n"
	"  }\n"
	"});\n"
	"for (var a = 0; a < 3; a++) {\n"
	"  if (lo[a] > hi[a]) lo[a] = hi[a] = 0;\n"
	"  c[a] = (lo[a] + hi[a]) / 2;\n"
	"  s = Math.max(s, (hi[a] - lo[a]) / 2);\n"
	"}\n"
	"if (!(s > 0)) s = 1;\n"
	"function css(name, dflt) {\n"
	"  var v = getComputedStyle(fig).getPropertyValue(name).trim();\n"
	"  return v || dflt;\n"
	"}\n"
	"/* any CSS colour -> [r, g, b]: the canvas normalises it to #rrggbb */\n"
	"function rgb(h) {\n"
	"  cx.fillStyle = '#808080';\n"
	"  cx.fillStyle = h;\n"
	"  var m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(cx.fillStyle);\n"
	"  return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : [128, 128, 128];\n"
	"}\n"
	"function lum(q) { return (0.299 * q[0] + 0.587 * q[1] + 0.114 * q[2]) / 255; }\n"
	"/* a path colour that shows on this background: the PNG's palette, but\n"
	" * one too close to the background (black on dark) takes the text colour */\n"
	"function ink(p, fg) {\n"
	"  var q = rgb(p.color);\n"
	"  return Math.abs(lum(q) - lum(bg)) < 0.2 ? fg : q;\n"
	"}\n"
	"/* data point -> [screen x, screen y, depth] */\n"
	"function proj(x, y, z) {\n"
	"  x = (x - c[0]) / s; y = (y - c[1]) / s; z = (z - c[2]) / s;\n"
	"  var cy = Math.cos(yaw), sy = Math.sin(yaw), cp = Math.cos(pitch), sp = Math.sin(pitch);\n"
	"  var x1 = cy * x + sy * z, z1 = -sy * x + cy * z;\n"
	"  var y2 = cp * y - sp * z1, z2 = sp * y + cp * z1;\n"
	"  var k = 0.4 * Math.min(W, H) * zoom;\n"
	"  return [W / 2 + k * x1, H / 2 - k * y2, z2];\n"
	"}\n"
	"function pt(p, t) {\n"
	"  var v = p.xyz;\n"
	"  if (v[3 * t] === null || v[3 * t + 1] === null || v[3 * t + 2] === null) return null;\n"
	"  return proj(v[3 * t], v[3 * t + 1], v[3 * t + 2]);\n"
	"}\n"
	"function col(q, al) { return 'rgba(' + q[0] + ',' + q[1] + ',' + q[2] + ',' + al.toFixed(3) + ')'; }\n"
	"function size() {\n"
	"  var r = window.devicePixelRatio || 1, w = cv.clientWidth || 720, h = Math.round(w * 0.62);\n"
	"  if (cv.width !== Math.round(w * r) || cv.height !== Math.round(h * r)) {\n"
	"    cv.width = Math.round(w * r);\n"
	"    cv.height = Math.round(h * r);\n"
	"    cv.style.height = h + 'px';\n"
	"  }\n"
	"  W = w; H = h;\n"
	"  cx.setTransform(r, 0, 0, r, 0, 0);\n"
	"}\n"
	"function drawPath(i, fg, bold) {\n"
	"  var p = P[i], q = ink(p, fg), prev = null, n = 0;\n"
	"  cx.lineWidth = (p.width || 1.5) * (bold ? 2.2 : 1);\n"
	"  cx.lineCap = cx.lineJoin = 'round';\n"
	"  for (var t = 0; t < T; t++) {\n"
	"    var u = pt(p, t);\n"
	"    if (u && prev) {\n"
	"      /* fades in from light to full colour, as in the PNG */\n"
	"      cx.strokeStyle = col(q, (p.alpha || 1) * (0.25 + 0.75 * t / Math.max(1, T - 1)));\n"
	"      cx.beginPath(); cx.moveTo(prev[0], prev[1]); cx.lineTo(u[0], u[1]); cx.stroke();\n"
	"      n++;\n"
	"    }\n"
	"    prev = u;\n"
	"  }\n"
	"  var a = pt(p, 0), b = pt(p, T - 1), b0 = T > 1 ? pt(p, T - 2) : null;\n"
	"  cx.fillStyle = col(q, 1);\n"
	"  if (a) { cx.beginPath(); cx.arc(a[0], a[1], bold ? 5 : 3.5, 0, 2 * Math.PI); cx.fill(); }\n"
	"  if (b && b0) {\n"
	"    var dx = b[0] - b0[0], dy = b[1] - b0[1], l = Math.hypot(dx, dy) || 1, r = bold ? 8 : 6;\n"
	"    dx /= l; dy /= l;\n"
	"    cx.beginPath();\n"
	"    cx.moveTo(b[0] + dx * r, b[1] + dy * r);\n"
	"    cx.lineTo(b[0] - dx * r * 0.6 - dy * r * 0.6, b[1] - dy * r * 0.6 + dx * r * 0.6);\n"
	"    cx.lineTo(b[0] - dx * r * 0.6 + dy * r * 0.6, b[1] - dy * r * 0.6 - dx * r * 0.6);\n"
	"    cx.closePath(); cx.fill();\n"
	"  }\n"
	"  return n;\n"
	"}\n"
	"function draw() {\n"
	"  size();\n"
	"  bg = rgb(css('--bg', '#ffffff'));\n"
	"  var fg = rgb(css('--fg', '#1f2328')), mu = css('--muted', '#59636e');\n"
	"  cx.fillStyle = col(bg, 1);\n"
	"  cx.fillRect(0, 0, W, H);\n"
	"  /* the three axes through the centre of the data, named at their ends */\n"
	"  cx.lineWidth = 1;\n"
	"  cx.font = '13px system-ui, sans-serif';\n"
	"  for (var a = 0; a < 3; a++) {\n"
	"    var e0 = c.slice(), e1 = c.slice();\n"
	"    e0[a] = c[a] - s; e1[a] = c[a] + s;\n"
	"    var u = proj(e0[0], e0[1], e0[2]), v = proj(e1[0], e1[1], e1[2]);\n"
	"    cx.strokeStyle = mu; cx.setLineDash([4, 4]);\n"
	"    cx.beginPath(); cx.moveTo(u[0], u[1]); cx.lineTo(v[0], v[1]); cx.stroke();\n"
	"    cx.setLineDash([]);\n"
	"    cx.fillStyle = mu;\n"
	"    cx.fillText(D.axes[a], v[0] + 4, v[1] - 4);\n"
	"  }\n"
	"  var n = 0;\n"
	"  for (var i = 0; i < P.length; i++)\n"
	"    if (on[i] && i !== hov) n += drawPath(i, fg, false);\n"
	"  if (hov >= 0 && on[hov]) n += drawPath(hov, fg, true);\n"
	"  fig.setAttribute('data-segments', String(n));\n"
	"}\n"
	"/* the path point nearest to (x, y) in CSS pixels within 10 px, or null */\n"
	"function near(x, y) {\n"
	"  var best = null, bd = 100;\n"
	"  for (var i = 0; i < P.length; i++) {\n"
	"    if (!on[i]) continue;\n"
	"    for (var t = 0; t < T; t++) {\n"
	"      var u = pt(P[i], t);\n"
	"      if (!u) continue;\n"
	"      var d = (u[0] - x) * (u[0] - x) + (u[1] - y) * (u[1] - y);\n"
	"      if (d < bd) { bd = d; best = [i, t]; }\n"
	"    }\n"
	"  }\n"
	"  return best;\n"
	"}\n"
	"function name(h) {\n"
	"  out.textContent = h ? P[h[0]].label + ', ' + D.tlabel + ' ' + D.t[h[1]] : '';\n"
	"  hov = h ? h[0] : -1;\n"
	"}\n"
	"function rotate(dyaw, dpitch) {\n"
	"  yaw += dyaw;\n"
	"  pitch = Math.max(-1.55, Math.min(1.55, pitch + dpitch));\n"
	"  draw();\n"
	"}\n"
	"function zoomBy(f) {\n"
	"  zoom = Math.max(0.3, Math.min(8, zoom * f));\n"
	"  draw();\n"
	"}\n"
	"var drag = null;\n"
	"cv.addEventListener('pointerdown', function (e) {\n"
	"  drag = [e.clientX, e.clientY];\n"
	"  try { cv.setPointerCapture(e.pointerId); } catch (x) { /* a synthetic pointer */ }\n"
	"});\n"
	"cv.addEventListener('pointermove', function (e) {\n"
	"  if (drag && e.buttons) {\n"
	"    rotate((e.clientX - drag[0]) * 0.01, (e.clientY - drag[1]) * 0.01);\n"
	"    drag = [e.clientX, e.clientY];\n"
	"    return;\n"
	"  }\n"
	"  var r = cv.getBoundingClientRect(), h = near(e.clientX - r.left, e.clientY - r.top);\n"
	"  if (h || hov >= 0) { name(h); draw(); }\n"
	"});\n"
	"function up() { drag = null; }\n"
	"cv.addEventListener('pointerup', up);\n"
	"cv.addEventListener('pointercancel', up);\n"
	"cv.addEventListener('pointerleave', function () { if (hov >= 0) { name(null); draw(); } });\n"
	"cv.addEventListener('wheel', function (e) {\n"
	"  e.preventDefault();\n"
	"  zoomBy(Math.exp(-e.deltaY * 0.0015));\n"
	"}, { passive: false });\n"
	"cv.addEventListener('keydown', function (e) {\n"
	"  var k = e.key, st = 0.08;\n"
	"  if (k === 'ArrowLeft') rotate(-st, 0);\n"
	"  else if (k === 'ArrowRight') rotate(st, 0);\n"
	"  else if (k === 'ArrowUp') rotate(0, -st);\n"
	"  else if (k === 'ArrowDown') rotate(0, st);\n"
	"  else if (k === '+' || k === '=') zoomBy(1.15);\n"
	"  else if (k === '-') zoomBy(1 / 1.15);\n"
	"  else if (k === '0' || k === 'Home') { yaw = -0.6; pitch = 0.35; zoom = 1; draw(); }\n"
	"  else return;\n"
	"  e.preventDefault();\n"
	"});\n"
	"/* a toggle per label (paths sharing a label go together), with its colour */\n"
	"var seen = {};\n"
	"P.forEach(function (p, i) {\n"
	"  if (Object.prototype.hasOwnProperty.call(seen, p.label)) return;\n"
	"  seen[p.label] = 1;\n"
	"  var l = document.createElement('label'), b = document.createElement('input'),\n"
	"      sw = document.createElement('span');\n"
	"  b.type = 'checkbox'; b.checked = true;\n"
	"  sw.className = 'v3-sw'; sw.style.background = p.color;\n"
	"  b.addEventListener('change', function () {\n"
	"    P.forEach(function (o, j) { if (o.label === p.label) on[j] = b.checked; });\n"
	"    draw();\n"
	"  });\n"
	"  l.appendChild(b); l.appendChild(sw); l.appendChild(document.createTextNode(p.label));\n"
	"  bar.appendChild(l);\n"
	"});\n"
	"fig.hidden = false;\n"
	"draw();\n"
	"if (dark && dark.addEventListener) dark.addEventListener('change', draw);\n"
	"if (window.ResizeObserver) new ResizeObserver(function () { draw(); }).observe(cv);\n"
	"else window.addEventListener('resize', draw);\n"
	"fig.setAttribute('data-paths', String(P.length));\n"
	"\n"
	"/* tests/e2e/test_report_html.sh: report.html#view3d-selftest drives the\n"
	" * handlers above with synthetic events and records what the pixels did */\n"
	"if (location.hash !== '#view3d-selftest') return;\n"
	"function img() { return cx.getImageData(0, 0, cv.width, cv.height).data; }\n"
	"function ink_px(d) {\n"
	"  var n = 0;\n"
	"  for (var i = 0; i < d.length; i += 4)\n"
	"    if (Math.abs(d[i] - bg[0]) + Math.abs(d[i + 1] - bg[1]) + Math.abs(d[i + 2] - bg[2]) > 30) n++;\n"
	"  return n;\n"
	"}\n"
	"function diff(d0, d1) {\n"
	"  var n = 0;\n"
	"  for (var i = 0; i < d0.length; i += 4)\n"
	"    if (d0[i] !== d1[i] || d0[i + 1] !== d1[i + 1] || d0[i + 2] !== d1[i + 2]) n++;\n"
	"  return n;\n"
	"}\n"
	"function ev(type, x, y, b) {\n"
	"  var r = cv.getBoundingClientRect(), o = { bubbles: true, cancelable: true, pointerId: 1,\n"
	"    clientX: r.left + x, clientY: r.top + y, buttons: b, button: 0, pointerType: 'mouse' };\n"
	"  cv.dispatchEvent(new PointerEvent(type, o));\n"
	"}\n"
	"var rep = {}, d0 = img();\n"
	"rep.bg = bg.join(',');\n"
	"rep.ink = ink_px(d0);\n"
	"ev('pointerdown', W / 2, H / 2, 1); ev('pointermove', W / 2 + 45, H / 2 + 25, 1); ev('pointerup', W / 2 + 45, H / 2 + 25, 0);\n"
	"var d1 = img();\n"
	"rep.drag = diff(d0, d1);\n"
	"rep.yaw = +yaw.toFixed(3);\n"
	"cv.dispatchEvent(new WheelEvent('wheel', { deltaY: -240, bubbles: true, cancelable: true }));\n"
	"var d2 = img();\n"
	"rep.wheel = diff(d1, d2);\n"
	"rep.zoom = +zoom.toFixed(3);\n"
	"cv.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true, cancelable: true }));\n"
	"var d3 = img();\n"
	"rep.key = diff(d2, d3);\n"
	"var m = pt(P[0], T >> 1);\n"
	"ev('pointermove', m[0], m[1], 0);\n"
	"rep.hover = out.textContent;\n"
	"ev('pointerleave', -5, -5, 0);\n"
	"var box = bar.querySelector('input'), n3 = ink_px(d3);\n"
	"box.click();\n"
	"rep.toggle_off = ink_px(img());\n"
	"rep.toggle_on_before = n3;\n"
	"box.click();\n"
	"rep.toggle_back = diff(d3, img());\n"
	"/* shown on the page: laid out, and what a pointer at its middle hits */\n"
	"cv.scrollIntoView({ block: 'center' });\n"
	"var cr = cv.getBoundingClientRect();\n"
	"rep.width = Math.round(cr.width);\n"
	"rep.hit = document.elementFromPoint(cr.left + cr.width / 2, cr.top + cr.height / 2) === cv;\n"
	"fig.setAttribute('data-selftest', JSON.stringify(rep));\n"
	"})(document.currentScript.parentNode);\n";

void ll_html_view3d(ll_html_buf *b, const char *id, const char *aria_label, const char *caption_html,
		    const char *json, size_t json_len)
{
	/* hidden until the script runs: without JavaScript only the PNG shows */
	ll_html_buf_puts(b, "<figure class=\"view3d\" id=\"");
	ll_html_text(b, id);
	ll_html_buf_puts(b, "\" hidden>\n<div class=\"v3-bar\" role=\"group\" aria-label=\"show paths\"></div>\n"
			    "<canvas width=\"720\" height=\"446\" tabindex=\"0\" role=\"img\" aria-label=\"");
	ll_html_text(b, aria_label);
	ll_html_buf_puts(b, "\"></canvas>\n<output aria-live=\"polite\"></output>\n<figcaption>");
	ll_html_buf_puts(b, caption_html);
	ll_html_buf_puts(b, "</figcaption>\n<script type=\"application/json\" class=\"v3-data\">");
	ll_html_buf_putn(b, json, json_len);
	ll_html_buf_puts(b, "</script>\n<script>\n");
	ll_html_buf_putn(b, view3d_js, sizeof view3d_js - 1);
	ll_html_buf_puts(b, "</script>\n</figure>\n");
}

/* Reads on screen (a centred column, figures scale down; dark when the
 * reader's system asks, by prefers-color-scheme) and in print (always
 * light, no page breaks inside figures and tables, links in plain text,
 * the static figures instead of the interactive views).  The figures are
 * PNGs on white: on a dark page they sit on a white card. */
static const char page_css[] =
	":root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;"
	"--accent:#0b5cad;--mark:#fff3cd}\n"
	"@media screen and (prefers-color-scheme:dark){\n"
	":root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--soft:#151b23;--accent:#4493f8;"
	"--mark:#3a3000}\n"
	"figure img{background:#fff;border-color:#fff;padding:6px;box-sizing:border-box}\n"
	"}\n"
	"html{-webkit-text-size-adjust:100%}\n"
	"body{margin:0;background:var(--bg);color:var(--fg);"
	"font:16px/1.55 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,\"DejaVu Sans\",sans-serif}\n"
	"main{max-width:1040px;margin:0 auto;padding:2rem 1.5rem 4rem}\n"
	"h1{font-size:1.9rem;line-height:1.25;margin:0 0 .4rem}\n"
	"h2{font-size:1.45rem;line-height:1.3;margin:2.8rem 0 .8rem;padding-bottom:.3rem;border-bottom:1px solid var(--line)}\n"
	"h3{font-size:1.12rem;margin:1.9rem 0 .5rem}\n"
	"p,ul,ol{margin:.6rem 0}\n"
	"li{margin:.15rem 0}\n"
	"a{color:var(--accent);text-decoration:none}\n"
	"a:hover{text-decoration:underline}\n"
	"code{font:.87em/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,\"DejaVu Sans Mono\",monospace;"
	"background:var(--soft);padding:.1em .35em;border-radius:4px}\n"
	"pre{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:.8rem 1rem;"
	"overflow-x:auto;line-height:1.45}\n"
	"pre code{background:none;padding:0;font-size:.84rem}\n"
	".lead{font-size:1.05rem}\n"
	".meta{color:var(--muted);margin-top:0}\n"
	".toc{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:.6rem 1.2rem;"
	"display:inline-block;min-width:18rem}\n"
	".toc ol{margin:.3rem 0;padding-left:1.4rem}\n"
	".tbl{overflow-x:auto;margin:.9rem 0}\n"
	"table{border-collapse:collapse;font-size:.9rem}\n"
	"caption{caption-side:top;text-align:left;color:var(--muted);padding:0 0 .35rem;font-size:.9rem}\n"
	"th,td{border:1px solid var(--line);padding:.28rem .6rem;text-align:left;vertical-align:top}\n"
	"th{background:var(--soft);font-weight:600}\n"
	"td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"tr.chosen td{background:var(--mark);font-weight:600}\n"
	"figure{margin:1.6rem 0;text-align:center}\n"
	"figure img{max-width:100%;height:auto;border:1px solid var(--line);border-radius:4px}\n"
	"figcaption{text-align:left;font-size:.92rem;color:var(--muted);margin:.55rem auto 0;max-width:62rem}\n"
	"figcaption b{color:var(--fg)}\n"
	".note{border-left:4px solid var(--line);padding:.2rem 0 .2rem 1rem;color:var(--muted)}\n"
	".view3d canvas{display:block;width:100%;max-width:900px;margin:0 auto;border:1px solid var(--line);"
	"border-radius:4px;background:var(--bg);cursor:grab;touch-action:none}\n"
	".view3d canvas:focus-visible{outline:2px solid var(--accent);outline-offset:2px}\n"
	".view3d output{display:block;min-height:1.5em;font-size:.92rem}\n"
	".v3-bar{display:flex;flex-wrap:wrap;justify-content:center;gap:.2rem .9rem;font-size:.88rem;"
	"margin-bottom:.5rem}\n"
	".v3-bar label{white-space:nowrap;cursor:pointer}\n"
	".v3-sw{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin:0 .3em 0 .25em}\n"
	"@media (max-width:640px){main{padding:1rem .8rem 3rem}h1{font-size:1.5rem}}\n"
	"@media print{\n"
	".view3d{display:none}\n"
	"body{font-size:10.5pt;line-height:1.4}\n"
	"main{max-width:none;padding:0}\n"
	"h2{break-after:avoid;page-break-after:avoid;margin-top:1.6rem}\n"
	"h3{break-after:avoid;page-break-after:avoid}\n"
	"figure,table,pre,.toc{break-inside:avoid;page-break-inside:avoid}\n"
	"figure img{border:none;max-height:22cm;width:auto}\n"
	"pre{white-space:pre-wrap;word-break:break-all}\n"
	"a{color:inherit}\n"
	".tbl{overflow:visible}\n"
	"table{font-size:8pt}\n"
	"th,td{padding:.1rem .3rem}\n"
	"code{font-size:.85em}\n"
	"}\n"
	"@page{margin:15mm 14mm}\n";

int ll_html_page(ll_html_buf *out, const char *markdown, size_t len, const char *title,
		 const char *generator, ll_err *err)
{
	char *body = cmark_markdown_to_html(markdown, len, CMARK_OPT_UNSAFE | CMARK_OPT_VALIDATE_UTF8);
	if (!body)
		return ll_err_set(err, LL_ENOMEM, "report.html: cmark: out of memory");
	ll_html_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			      "<meta name=\"generator\" content=\"");
	ll_html_text(out, generator);
	ll_html_buf_puts(out, "\">\n<title>");
	ll_html_text(out, title);
	ll_html_buf_puts(out, "</title>\n<style>\n");
	ll_html_buf_puts(out, page_css);
	ll_html_buf_puts(out, "</style>\n</head>\n<body>\n<main>\n");
	ll_html_buf_puts(out, body);
	ll_html_buf_puts(out, "</main>\n</body>\n</html>\n");
	free(body); /* cmark allocates with libc, never through our hook */
	return ll_html_buf_ok(out, "report.html", err);
}
