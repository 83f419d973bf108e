/* Section "References": the published methods this report used, in the
 * order the text first cites them.  A citation is its text in the prose,
 * "Williams et al. 2018" (the sections cite where they describe the
 * method); this section finds the ones the report's prose holds (not its
 * tables), and the HTML links each mention of those to its entry.  Always
 * the last section. */
#include "config.h"

#include "ll_doc.h"

#include <string.h>

typedef struct ll_ref {
	const char *key;  /* anchor: ref-<key> */
	const char *cite; /* the text a section writes */
	const char *alt;  /* another form of it ("Stringer et al. (2019)"), or NULL */
	const char *entry; /* the reference, Markdown */
} ll_ref;

static const ll_ref refs[] = {
	{"williams2018", "Williams et al. 2018", NULL,
	 "Williams AH, Kim TH, Wang F, Vyas S, Ryu SI, Shenoy KV, Schnitzer M, Kolda TG, Ganguli S (2018). "
	 "Unsupervised discovery of demixed, low-dimensional neural dynamics across multiple timescales "
	 "through tensor component analysis. *Neuron* 98(6):1099-1115. doi:10.1016/j.neuron.2018.05.015"},
	{"kolda2009", "Kolda & Bader 2009", NULL,
	 "Kolda TG, Bader BW (2009). Tensor decompositions and applications. *SIAM Review* 51(3):455-500. "
	 "doi:10.1137/07070111X"},
	{"chi2012", "Chi & Kolda 2012", NULL,
	 "Chi EC, Kolda TG (2012). On tensors, sparsity, and nonnegative factorizations. *SIAM Journal on "
	 "Matrix Analysis and Applications* 33(4):1272-1299. doi:10.1137/110859063"},
	{"kornblith2019", "Kornblith et al. 2019", NULL,
	 "Kornblith S, Norouzi M, Lee H, Hinton G (2019). Similarity of neural network representations "
	 "revisited. *Proceedings of the 36th International Conference on Machine Learning* (PMLR 97), "
	 "3519-3529."},
	{"raghu2017", "Raghu et al. 2017", NULL,
	 "Raghu M, Gilmer J, Yosinski J, Sohl-Dickstein J (2017). SVCCA: singular vector canonical "
	 "correlation analysis for deep learning dynamics and interpretability. *Advances in Neural "
	 "Information Processing Systems* 30."},
	{"morcos2018", "Morcos et al. 2018", NULL,
	 "Morcos AS, Raghu M, Bengio S (2018). Insights on representational similarity in neural networks "
	 "with canonical correlation. *Advances in Neural Information Processing Systems* 31."},
	{"kriegeskorte2008", "Kriegeskorte et al. 2008", NULL,
	 "Kriegeskorte N, Mur M, Bandettini P (2008). Representational similarity analysis - connecting "
	 "the branches of systems neuroscience. *Frontiers in Systems Neuroscience* 2:4. "
	 "doi:10.3389/neuro.06.004.2008"},
	{"williams2021", "Williams et al. 2021", NULL,
	 "Williams AH, Kunz E, Kornblith S, Linderman SW (2021). Generalized shape metrics on neural "
	 "representations. *Advances in Neural Information Processing Systems* 34."},
	{"ostrow2023", "Ostrow et al. 2023", NULL,
	 "Ostrow M, Eisen A, Kozachkov L, Fiete I (2023). Beyond geometry: comparing the temporal "
	 "structure of computation in neural circuits with dynamical similarity analysis. *Advances in "
	 "Neural Information Processing Systems* 36."},
	{"stringer2019", "Stringer et al. 2019", "Stringer et al. (2019)",
	 "Stringer C, Pachitariu M, Steinmetz N, Carandini M, Harris KD (2019). High-dimensional geometry "
	 "of population responses in visual cortex. *Nature* 571:361-365. doi:10.1038/s41586-019-1346-5"},
	{"sussillo2013", "Sussillo & Barak 2013", NULL,
	 "Sussillo D, Barak O (2013). Opening the black box: low-dimensional dynamics in high-dimensional "
	 "recurrent neural networks. *Neural Computation* 25(3):626-649. doi:10.1162/NECO_a_00409"},
	{"quinn2019", "Quinn et al. 2019", NULL,
	 "Quinn KN, Clement CB, De Bernardis F, Niemack MD, Sethna JP (2019). Visualizing probabilistic "
	 "models and data with Intensive Principal Component Analysis. *PNAS* 116(28):13762-13767. "
	 "doi:10.1073/pnas.1817218116"},
	{"mao2024", "Mao et al. 2024", NULL,
	 "Mao J, Griniasty I, Teoh HK, Ramesh R, Yang R, Transtrum MK, Sethna JP, Chaudhari P (2024). The "
	 "training process of many deep networks explores the same low-dimensional manifold. *PNAS* "
	 "121(12):e2310002121. doi:10.1073/pnas.2310002121"},
};
enum { NREFS = sizeof refs / sizeof refs[0] };
/* doc.refs_listed has a bit per reference */
typedef char refs_fit_the_mask[NREFS <= 32 ? 1 : -1];

size_t doc_ref_at(const doc *d, const char *p, const char **key)
{
	for (size_t i = 0; i < NREFS; i++) {
		if (!(d->refs_listed >> i & 1u))
			continue;
		size_t n = strlen(refs[i].cite);
		if (!strncmp(p, refs[i].cite, n)) {
			*key = refs[i].key;
			return n;
		}
		if (refs[i].alt && !strncmp(p, refs[i].alt, n = strlen(refs[i].alt))) {
			*key = refs[i].key;
			return n;
		}
	}
	return 0;
}

/* the first of needle in [p, end), or NULL */
static const char *find_in(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);
	for (; p + n <= end; p++)
		if (*p == *needle && !memcmp(p, needle, n))
			return p;
	return NULL;
}

/* Where the report's prose so far first cites refs[i], or NULL.  Tables
 * do not count: a table may name every method there is (the metrics'
 * invariances), not the ones the report used. */
static const char *first_cite(const doc *d, size_t i)
{
	const char *p = d->md.s, *end = d->md.s + d->md.len;
	while (p && p < end) {
		const char *t = find_in(p, end, "<table>");
		const char *stop = t ? t : end;
		const char *a = find_in(p, stop, refs[i].cite);
		const char *b = refs[i].alt ? find_in(p, stop, refs[i].alt) : NULL;
		if (a || b)
			return a && (!b || a < b) ? a : b;
		const char *te = t ? find_in(t, end, "</table>") : NULL;
		p = te ? te + 8 : NULL;
	}
	return NULL;
}

static void sec_references(doc *d)
{
	const char *at[NREFS];
	size_t order[NREFS], n = 0;
	for (size_t i = 0; i < NREFS; i++)
		if ((at[i] = first_cite(d, i))) {
			order[n++] = i;
			d->refs_listed |= 1u << i;
		}
	/* in the order of first citation */
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0 && at[order[b]] < at[order[b - 1]]; b--) {
			size_t t = order[b];
			order[b] = order[b - 1];
			order[b - 1] = t;
		}
	if (!n) {
		doc_put(d, "This report cites no published method.\n\n");
		return;
	}
	doc_put(d, "The methods this report used, in the order the text cites them.\n\n");
	for (size_t k = 0; k < n; k++) {
		const ll_ref *r = &refs[order[k]];
		doc_putf(d, "- <a id=\"ref-%s\"></a>%s\n", r->key, r->entry);
	}
	doc_put(d, "\n");
}

const ll_section ll_section_references = {
	.id = "references",
	.title = "References",
	.write = sec_references,
};
