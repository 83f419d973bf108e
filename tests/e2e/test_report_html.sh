#!/bin/sh
# tests/e2e/test_report_html.sh - report.html in a browser (TAP): a small
# simulated-population session's report, loaded offline in headless
# Chromium.
#
# Without a browser: report.md has the trajectory PNG and no script;
# report.html has one 3-D view whose JSON holds the trajectories' CSV
# values (to 6 digits) in the PNG's colours, and references nothing
# outside itself.
#
# With Chromium (skipped with a message when it is absent; CHROMIUM=path
# picks one, CHROMIUM=none skips these checks): the page loaded as
# report.html#view3d-selftest, whose script drives its own handlers with
# synthetic events and writes what its canvas pixels did to data-selftest
# (read with --dump-dom):
#   - the view is shown (laid out; a pointer at its middle hits the canvas)
#     and draws (pixels unlike the background), a drag, the wheel and
#     an arrow key each change the pixels, pointing at path 0 names it, its
#     toggle removes it and brings it back pixel for pixel;
#   - the same in dark mode (--force-dark-mode: prefers-color-scheme), on
#     a dark background;
#   - no request leaves the file: Chromium's net log holds no request a
#     page made (checked to see one on a page that makes one), with every
#     host name resolving nowhere besides;
#   - print (--print-to-pdf) and, with pdfimages (poppler-utils): the PDF
#     holds the figure PNGs and no canvas, and the figures' text is at
#     least 8 pt: the ink height of each figure's first text line (its
#     title), measured in the PNG, times 72 / the image's ppi on the page
#     (a TODO while the figures' text is the 1x bitmap font, too small
#     for it).
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_rephtml.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# skip REASON COUNT: COUNT checks skipped for REASON
skip() {
	i=0
	while [ $i -lt "$2" ]; do
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N # SKIP $1"
		i=$((i + 1))
	done
}

if ! command -v python3 >/dev/null 2>&1; then
	echo "ok 1 # SKIP python3 is not installed"
	echo "1..1"
	exit 0
fi

cat > "$T/s.lab" <<EOF
[session]
name = rephtml
seed = 7

[data]
kind = synth
neurons = 20
time = 30
trials = 40

[tca]
ranks = 1-2
replicates = 2

[trajectory]

[report]
EOF
tap_ok "run a small simulated-population session" "$LL" run "$T/s.lab" -o "$T/out" -q
R=$T/out
HTML=$R/report.html

# ---- the files, no browser ---------------------------------------------------

grep -q 'figures/trajectories\.png' "$R/report.md" &&
	! grep -q -E '<(script|canvas)' "$R/report.md"
tap_result $? "report.md: the trajectory PNG, no canvas or script"

# view3d.py HTML CSV PNG: the view's data against the figure's CSV and PNG
cat > "$T/view3d.py" <<'PY'
import csv, json, re, struct, sys, zlib

html = open(sys.argv[1], encoding='utf-8').read()
fail = []
n = len(re.findall(r'<figure class="view3d"', html))
if n != 1 or html.count('<canvas') != 1:
    sys.exit('# %d 3-D views, %d canvases (want 1 and 1)' % (n, html.count('<canvas')))
m = re.search(r'<script type="application/json" class="v3-data">(.*?)</script>', html, re.S)
if not m:
    sys.exit('# no data block')
d = json.loads(m.group(1))
if len(d['axes']) != 3 or not all(a.startswith(('PC1', 'PC2', 'PC3')[i]) for i, a in enumerate(d['axes'])):
    fail.append('axes %r' % d['axes'])
rows = list(csv.DictReader(open(sys.argv[2])))
paths = sorted({int(r['path']) for r in rows if r['path'] != 'mean'})
T = len(d['t'])
if len(d['paths']) != len(paths):
    fail.append('%d paths in the view, %d in the CSV' % (len(d['paths']), len(paths)))
ax = list(rows[0].keys())[-3:]
worst = 0
for r in rows:
    if r['path'] == 'mean':
        continue
    p, t = int(r['path']), int(r['point'])
    if d['paths'][p]['label'] != r['label']:
        fail.append('path %d: label %r, CSV %r' % (p, d['paths'][p]['label'], r['label']))
    for a in range(3):
        v, w = d['paths'][p]['xyz'][3 * t + a], float(r[ax[a]])
        worst = max(worst, abs(v - w) / max(abs(w), 1e-3))
if worst > 1e-5:
    fail.append('coordinates differ from the CSV by %.3g (relative)' % worst)

# the PNG's pixels (8-bit RGB or RGBA, not interlaced)
def png_pixels(path):
    b = open(path, 'rb').read()
    pos, idat, w = 8, b'', 0
    while pos < len(b):
        ln, typ = struct.unpack('>I4s', b[pos:pos + 8])
        body = b[pos + 8:pos + 8 + ln]
        if typ == b'IHDR':
            w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            bpp = {2: 3, 6: 4}[ctype]
        elif typ == b'IDAT':
            idat += body
        pos += 12 + ln
    raw, out, prev, stride = zlib.decompress(idat), bytearray(), bytearray(w * bpp), w * bpp
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + prev[i]) & 255
            elif f == 3: line[i] = (line[i] + ((a + prev[i]) >> 1)) & 255
            elif f == 4:
                pa, pb, pc = abs(prev[i] - c), abs(a - c), abs(a + prev[i] - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else prev[i] if pb <= pc else c)) & 255
        out += line
        prev = line
    return {bytes(out[i:i + 3]) for i in range(0, len(out), bpp)}

cols = png_pixels(sys.argv[3])
for p in d['paths']:
    if bytes.fromhex(p['color'][1:]) not in cols:
        fail.append('%s: colour %s is not in the PNG' % (p['label'], p['color']))
if fail:
    sys.exit('\n'.join('# ' + f for f in fail))
print(json.dumps({'label0': d['paths'][0]['label'], 'tlabel': d['tlabel'], 'tmid': d['t'][T >> 1]}))
PY
python3 "$T/view3d.py" "$HTML" "$R/figures/trajectories.csv" "$R/figures/trajectories.png" > "$T/view.json"
tap_result $? "report.html: one 3-D view, its data the CSV's paths and points in the PNG's colours"

# nothing outside the file: no URL in src/href/url(), no <link>, no script src
! grep -q -i -E '(src|href|action|poster|srcset)=["'"'"']?(https?:|//)|url\(["'"'"']?(https?:|//)|<link|<script[^>]* src=|@import' "$HTML"
tap_result $? "report.html references nothing outside itself"

# ---- in a browser ----------------------------------------------------------------

CHR=${CHROMIUM:-}
if [ -z "$CHR" ]; then
	for c in chromium chromium-browser google-chrome; do
		if command -v "$c" >/dev/null 2>&1; then CHR=$c; break; fi
	done
fi
[ "$CHR" = none ] && CHR=
if [ -z "$CHR" ]; then
	skip "no chromium (apt-get install chromium, or CHROMIUM=path): the browser checks do not run" 6
	tap_done
	exit
fi
TO=
command -v timeout >/dev/null 2>&1 && TO="timeout 120"

# chrome ARGS...: headless, offline (every host resolves nowhere), its own
# profile, no background fetches of its own; the page's JS runs in
# virtual time
chrome() {
	$TO "$CHR" --headless --disable-gpu --no-sandbox --no-first-run --user-data-dir="$T/profile" \
		--disable-background-networking --disable-component-update --disable-sync \
		--host-resolver-rules="MAP * ~NOTFOUND" --virtual-time-budget=10000 "$@" 2>>"$T/chrome.log"
}

# selftest OUT.json ARGS...: the view's self-test record from the DOM
selftest() {
	out=$1; shift
	chrome "$@" --dump-dom "file://$HTML#view3d-selftest" > "$T/dom.html" &&
		python3 - "$T/dom.html" > "$out" <<'PY'
import html, json, re, sys
m = re.search(r'data-selftest="([^"]*)"', open(sys.argv[1], encoding='utf-8').read())
if not m:
    sys.exit('# no data-selftest: the script did not run to its end')
print(html.unescape(m.group(1)))
PY
}

# check REC.json LIGHT|DARK: the record's pixels against the view's data
check() {
	python3 - "$1" "$2" "$T/view.json" <<'PY'
import json, sys
r, v = json.load(open(sys.argv[1])), json.load(open(sys.argv[3]))
bg = [int(x) for x in r['bg'].split(',')]
lum = (0.299 * bg[0] + 0.587 * bg[1] + 0.114 * bg[2]) / 255
t = v['tmid']
t = str(int(t)) if float(t).is_integer() else repr(t)
want = '%s, %s %s' % (v['label0'], v['tlabel'], t)
checks = [
    ('background ' + ('light' if sys.argv[2] == 'LIGHT' else 'dark'), lum > 0.8 if sys.argv[2] == 'LIGHT' else lum < 0.2),
    ('shown: %d px wide, what a pointer at its middle hits' % r['width'], r['hit'] and r['width'] >= 300),
    ('drawn: %d pixels unlike the background' % r['ink'], r['ink'] >= 1000),
    ('a drag changed %d pixels and the rotation' % r['drag'], r['drag'] >= 500 and r['yaw'] != -0.6),
    ('the wheel changed %d pixels, zoom %g' % (r['wheel'], r['zoom']), r['wheel'] >= 500 and r['zoom'] > 1),
    ('an arrow key changed %d pixels' % r['key'], r['key'] >= 100),
    ('pointing at path 0 says %r (want %r)' % (r['hover'], want), r['hover'] == want),
    ('its toggle: %d -> %d pixels, back with %d differing' % (r['toggle_on_before'], r['toggle_off'], r['toggle_back']),
     r['toggle_off'] < r['toggle_on_before'] - 100 and r['toggle_back'] == 0),
]
ok = True
for name, good in checks:
    print('# %s %s' % ('ok' if good else 'NOT OK', name))
    ok = ok and good
sys.exit(0 if ok else 1)
PY
}

selftest "$T/light.json" --log-net-log="$T/net.json" && check "$T/light.json" LIGHT
tap_result $? "the 3-D view draws, and a drag, the wheel, a key, pointing and a toggle each do what they say"
selftest "$T/dark.json" --force-dark-mode && check "$T/dark.json" DARK
tap_result $? "dark mode: the view on a dark background, drawn and working"

# page_requests NETLOG: the URLs of requests a page made (the browser's
# own have initiator "not an origin"); exit 1 when there are some
cat > "$T/netlog.py" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
names = {v: k for k, v in d['constants']['logEventTypes'].items()}
urls, page = {}, set()
for e in d['events']:
    p, src = e.get('params', {}), e.get('source', {}).get('id')
    if 'url' in p:
        urls.setdefault(src, p['url'])
    if names.get(e['type']) == 'URL_REQUEST_START_JOB' and p.get('initiator', 'not an origin') != 'not an origin':
        page.add(src)
for s in sorted(page):
    print('# the page requested %s' % urls.get(s, '(a URL)'))
sys.exit(1 if page else 0)
PY
printf '<!DOCTYPE html><title>c</title><img src="http://example.invalid/a.png">\n' > "$T/control.html"
ok=1
if chrome --log-net-log="$T/control.json" --dump-dom "file://$T/control.html" >/dev/null &&
	! python3 "$T/netlog.py" "$T/control.json" >/dev/null; then
	python3 "$T/netlog.py" "$T/net.json"
	ok=$?
else
	echo "# the net log did not show a control page's request: it cannot show the report's"
fi
tap_result $ok "no request leaves the file (Chromium's net log; it sees a control page's)"

# ---- print ---------------------------------------------------------------------

chrome --no-pdf-header-footer --print-to-pdf="$T/r.pdf" "file://$HTML" >/dev/null && [ -s "$T/r.pdf" ] &&
	head -c 5 "$T/r.pdf" | grep -q '%PDF-'
tap_result $? "print: report.html as a PDF"

if ! command -v pdfimages >/dev/null 2>&1; then
	skip "no pdfimages (poppler-utils): the printed figures are not measured" 2
	tap_done
	exit
fi
pdfimages -list "$T/r.pdf" > "$T/images.txt" 2>/dev/null
# printed.py IMAGES FIGDIR MODE: the PDF's images against the figures'
# PNGs; MODE "set": the same images (no canvas printed), "pt": the text
# size of each figure on paper
cat > "$T/printed.py" <<'PY'
import glob, os, struct, sys, zlib

imgs = []
for line in open(sys.argv[1]).read().splitlines()[2:]:
    f = line.split()
    if len(f) >= 14 and f[2] == 'image':
        imgs.append((int(f[3]), int(f[4]), float(f[12])))
figs = {}
for path in sorted(glob.glob(os.path.join(sys.argv[2], '*.png'))):
    w, h = struct.unpack('>II', open(path, 'rb').read(24)[16:24])
    figs[os.path.basename(path)] = (w, h, path)
if sys.argv[3] == 'set':
    got, want = sorted((w, h) for w, h, _ in imgs), sorted((w, h) for w, h, _ in figs.values())
    print('# printed images %s, figures %s' % (got, want))
    sys.exit(0 if got == want else 1)

# the ink height of the first text line from the top of a PNG: the first
# run of rows holding dark pixels (text is near black, plot colours are
# not), decoding rows only as far as it
def first_text_rows(path):
    b = open(path, 'rb').read()
    pos, idat = 8, b''
    while pos < len(b):
        ln, typ = struct.unpack('>I4s', b[pos:pos + 8])
        body = b[pos + 8:pos + 8 + ln]
        if typ == b'IHDR':
            w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            bpp = {2: 3, 6: 4}[ctype]
        elif typ == b'IDAT':
            idat += body
        pos += 12 + ln
    z, stride = zlib.decompressobj(), w * bpp
    raw, prev, top = b'', bytearray(stride), None
    for y in range(h):
        while len(raw) < stride + 1:
            if not idat:
                return None
            raw += z.decompress(idat[:65536])
            idat = idat[65536:]
        f, line, raw = raw[0], bytearray(raw[1:stride + 1]), raw[stride + 1:]
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + prev[i]) & 255
            elif f == 3: line[i] = (line[i] + ((a + prev[i]) >> 1)) & 255
            elif f == 4:
                pa, pb, pc = abs(prev[i] - c), abs(a - c), abs(a + prev[i] - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else prev[i] if pb <= pc else c)) & 255
        prev = line
        dark = any(max(line[i:i + 3]) < 100 for i in range(0, stride, bpp))
        if dark and top is None:
            top = y
        if not dark and top is not None:
            return y - top
    return None

low = []
for name, (w, h, path) in sorted(figs.items()):
    ppi = [p for iw, ih, p in imgs if (iw, ih) == (w, h)]
    px = first_text_rows(path)
    if not ppi or not px or not 5 <= px <= 120:
        print('# %s: not measured (printed: %s, text rows: %s)' % (name, bool(ppi), px))
        low.append(name)
        continue
    pt = px * 72.0 / min(ppi)
    print('# %s: %d x %d px at %g ppi = %.0f pt wide; text %d px high = %.1f pt' % (name, w, h, min(ppi), w * 72.0 / min(ppi), px, pt))
    if pt < 8:
        low.append(name)
sys.exit(1 if low else 0)
PY
python3 "$T/printed.py" "$T/images.txt" "$R/figures" set
tap_result $? "print: the PDF's images are the figures' PNGs, the canvas not printed"
# The bitmap font's 13 px (ink 12) on a figure 1050 px wide, printed on a
# 533 pt column, is 6 pt: while the figures carry text at that size (no
# figure's text taller than 13 px) the check is a TODO, a known failure;
# once the PNGs' text grows (the report's figures at 2x with 3x text) it
# is a plain check.
out=$(python3 "$T/printed.py" "$T/images.txt" "$R/figures" pt); rc=$?
printf '%s\n' "$out"
big=$(printf '%s\n' "$out" | sed -n 's/.* text \([0-9]*\) px high.*/\1/p' | sort -n | tail -1)
todo=
[ -n "$big" ] && [ "$big" -le 13 ] && todo=" # TODO the figures' text is the 1x bitmap font"
TAP_N=$((TAP_N + 1))
if [ $rc -eq 0 ]; then
	echo "ok $TAP_N - print: every figure's text at least 8 pt$todo"
else
	echo "not ok $TAP_N - print: every figure's text at least 8 pt$todo"
	[ -n "$todo" ] || TAP_FAILED=$((TAP_FAILED + 1))
fi
tap_done
