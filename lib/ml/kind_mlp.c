/*
 * kind_mlp.c — a multilayer perceptron on OpenBLAS: fully connected layers,
 * ReLU on hidden layers, (inverted) dropout on hidden activations while
 * training, softmax cross-entropy output with optional class weights, L2
 * penalty alpha, Adam, shuffled mini-batches, and early stopping on a
 * stratified validation split (validation loss, patience epochs, best
 * weights kept) — or, without a validation split, on the training loss, as
 * scikit-learn's MLPClassifier does. Glorot-uniform initialization. All
 * randomness comes from grym_rng seeded by --seed, so training repeats
 * bit for bit. Its arrays are W0, b0, W1, b1...: layer l's weights (out x
 * in) and biases (1 x out), float32, the sizes set by the hyper-parameter
 * "hidden".
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kind.h"

static void defaults(grym_ml_params *p)
{
	p->nhidden = 1;
	p->hidden[0] = 100;
	p->dropout = 0;
	p->alpha = 1e-4;
	p->epochs = 200;
	p->batch_size = 200;
	p->lr = 1e-3;
	p->val_fraction = 0.1;
	p->patience = 10;
	p->tol = 1e-4;
}

static int check(const grym_ml_params *p, grym_error *err)
{
	if (!(p->lr > 0) || p->epochs < 1 || p->batch_size < 1 || p->alpha < 0 ||
	    !(p->val_fraction >= 0 && p->val_fraction < 1) || p->patience < 1)
		return grym_error_set(err, GRYM_ERR_INVALID, "bad mlp hyper-parameters");
	return GRYM_OK;
}

typedef struct net {
	int L;                       /* weight layers */
	size_t sz[GRYM_MLP_MAX_LAYERS + 2];
	size_t woff[GRYM_MLP_MAX_LAYERS + 1], boff[GRYM_MLP_MAX_LAYERS + 1];
	size_t np;                   /* parameters */
} net;

static void net_layout(net *t, size_t d, size_t K, const grym_ml_params *p)
{
	t->L = p->nhidden + 1;
	t->sz[0] = d;
	for (int l = 0; l < p->nhidden; l++)
		t->sz[l + 1] = (size_t)p->hidden[l];
	t->sz[t->L] = K;
	size_t off = 0;
	for (int l = 0; l < t->L; l++) {
		t->woff[l] = off;
		off += t->sz[l + 1] * t->sz[l];
		t->boff[l] = off;
		off += t->sz[l + 1];
	}
	t->np = off;
}

/* Forward pass of B rows: H[0] = X, H[l] activations; returns in H[L]
 * the softmax probabilities. mask (NULL at inference) multiplies hidden
 * activations. */
static void forward(const net *t, const float *w, const float *X, size_t B, float **H,
		    float **mask)
{
	const float *in = X;
	for (int l = 0; l < t->L; l++) {
		size_t ni = t->sz[l], no = t->sz[l + 1];
		float *out = H[l + 1];
		const float *b = w + t->boff[l];
		for (size_t i = 0; i < B; i++)
			memcpy(out + i * no, b, no * sizeof *out);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)no, (int)ni, 1.0f,
			    in, (int)ni, w + t->woff[l], (int)ni, 1.0f, out, (int)no);
		if (l + 1 < t->L) {
			for (size_t j = 0; j < B * no; j++)
				if (out[j] < 0)
					out[j] = 0;
			if (mask && mask[l + 1])
				for (size_t j = 0; j < B * no; j++)
					out[j] *= mask[l + 1][j];
		} else {
			for (size_t i = 0; i < B; i++) {
				float *z = out + i * no, mx = z[0];
				for (size_t k = 1; k < no; k++)
					if (z[k] > mx)
						mx = z[k];
				double s = 0;
				for (size_t k = 0; k < no; k++) {
					z[k] = expf(z[k] - mx);
					s += z[k];
				}
				for (size_t k = 0; k < no; k++)
					z[k] = (float)(z[k] / s);
			}
		}
		in = out;
	}
}

static int mlp_alloc_acts(const net *t, size_t B, float **H, float **G, float **mask, int drop)
{
	for (int l = 1; l <= t->L; l++) {
		H[l] = malloc(B * t->sz[l] * sizeof(float));
		if (G)
			G[l] = malloc(B * t->sz[l] * sizeof(float));
		if (mask)
			mask[l] = drop && l < t->L ? malloc(B * t->sz[l] * sizeof(float)) : NULL;
		if (!H[l] || (G && !G[l]) || (mask && drop && l < t->L && !mask[l]))
			return -1;
	}
	return 0;
}

static void mlp_free_acts(const net *t, float **H, float **G, float **mask)
{
	for (int l = 1; l <= t->L; l++) {
		free(H[l]);
		if (G)
			free(G[l]);
		if (mask)
			free(mask[l]);
	}
}

/* Mean cross-entropy of weights w on rows idx (nv) of xs. */
static double val_loss(const net *t, const float *w, const float *xs, const int *y,
			   const int *idx, size_t nv, float *Xb, float **H, size_t B)
{
	size_t d = t->sz[0], K = t->sz[t->L];
	double loss = 0;
	for (size_t s = 0; s < nv; s += B) {
		size_t nb = nv - s < B ? nv - s : B;
		for (size_t i = 0; i < nb; i++)
			memcpy(Xb + i * d, xs + (size_t)idx[s + i] * d, d * sizeof *Xb);
		forward(t, w, Xb, nb, H, NULL);
		for (size_t i = 0; i < nb; i++) {
			float q = H[t->L][i * K + (size_t)y[idx[s + i]]];
			loss -= log(q > 1e-12f ? q : 1e-12);
		}
	}
	return nv ? loss / (double)nv : 0;
}

static int mlp_train(grym_model *m, const float *xs, const int *y, size_t n, grym_error *err)
{
	const grym_ml_params *p = &m->p;
	if (p->nhidden < 0 || p->nhidden > GRYM_MLP_MAX_LAYERS)
		return grym_error_set(err, GRYM_ERR_INVALID, "mlp: 0 to %d hidden layers", GRYM_MLP_MAX_LAYERS);
	for (int l = 0; l < p->nhidden; l++)
		if (p->hidden[l] < 1)
			return grym_error_set(err, GRYM_ERR_INVALID, "mlp: hidden layer %d has no units", l + 1);
	if (!(p->dropout >= 0 && p->dropout < 1))
		return grym_error_set(err, GRYM_ERR_INVALID, "mlp: dropout must be in [0, 1)");
	size_t d = m->d, K = m->nclasses;
	net t;
	net_layout(&t, d, K, p);
	grym_rng rng;
	grym_rng_seed(&rng, p->seed);

	/* stratified validation split */
	int *order = malloc(n * sizeof *order), *tr = malloc(n * sizeof *tr), *va = malloc(n * sizeof *va);
	double *cw = malloc(K * sizeof *cw);
	size_t ntr = 0, nva = 0;
	if (!order || !tr || !va || !cw) {
		free(order); free(tr); free(va); free(cw);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		order[i] = (int)i;
	grym_rng_shuffle(&rng, order, n);
	for (size_t k = 0; k < K; k++) {
		size_t cnt = 0, taken = 0;
		for (size_t i = 0; i < n; i++)
			cnt += (size_t)y[order[i]] == k;
		size_t want = (size_t)floor(p->val_fraction * (double)cnt + 0.5);
		if (want >= cnt)
			want = cnt > 1 ? cnt - 1 : 0;
		for (size_t i = 0; i < n; i++)
			if ((size_t)y[order[i]] == k) {
				if (taken++ < want)
					va[nva++] = order[i];
				else
					tr[ntr++] = order[i];
			}
	}
	ml_class_weights(y, n, K, p->balanced, cw);

	size_t B = (size_t)(p->batch_size > 0 ? p->batch_size : 200);
	if (B > ntr)
		B = ntr;
	int drop = p->dropout > 0;
	float *w = malloc(t.np * sizeof *w), *best = malloc(t.np * sizeof *best);
	float *gw = malloc(t.np * sizeof *gw), *am = calloc(t.np, sizeof *am), *av = calloc(t.np, sizeof *av);
	float *Xb = malloc(B * d * sizeof *Xb);
	float *H[GRYM_MLP_MAX_LAYERS + 2] = { 0 }, *G[GRYM_MLP_MAX_LAYERS + 2] = { 0 };
	float *mask[GRYM_MLP_MAX_LAYERS + 2] = { 0 };
	int rc = GRYM_OK;
	if (!w || !best || !gw || !am || !av || !Xb || mlp_alloc_acts(&t, B, H, G, mask, drop) < 0) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (int l = 0; l < t.L; l++) {
		double bound = sqrt(6.0 / (double)(t.sz[l] + t.sz[l + 1]));
		for (size_t j = t.woff[l]; j < t.boff[l] + t.sz[l + 1]; j++)
			w[j] = (float)((2 * grym_rng_uniform(&rng) - 1) * bound);
	}
	memcpy(best, w, t.np * sizeof *w);
	double best_score = -INFINITY;
	int stall = 0;
	uint64_t step = 0;
	const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
	int settled = 0;
	grym_ticker tick;
	grym_ticker_init(&tick, p->cancel, p->progress, p->progress_ud);
	for (int ep = 0; ep < p->epochs && !settled; ep++) {
		grym_rng_shuffle(&rng, tr, ntr);
		double eloss = 0;
		for (size_t s = 0; s < ntr; s += B) {
			size_t nb = ntr - s < B ? ntr - s : B;
			double wsum = 0;
			/* once a mini-batch: a batch is milliseconds of work */
			if ((rc = grym_ticker_check(&tick, err)))
				goto out;
			if (grym_ticker_due(&tick)) {
				char msg[48];
				snprintf(msg, sizeof msg, "epoch %d/%d", ep + 1, p->epochs);
				grym_ticker_report(&tick, (ep + (double)s / (double)ntr) / p->epochs, msg);
			}
			for (size_t i = 0; i < nb; i++) {
				memcpy(Xb + i * d, xs + (size_t)tr[s + i] * d, d * sizeof *Xb);
				wsum += cw[y[tr[s + i]]];
			}
			if (drop)
				for (int l = 1; l < t.L; l++)
					for (size_t j = 0; j < nb * t.sz[l]; j++)
						mask[l][j] = grym_rng_uniform(&rng) < p->dropout
							? 0.0f : (float)(1.0 / (1.0 - p->dropout));
			forward(&t, w, Xb, nb, H, drop ? mask : NULL);
			/* output gradient: w_i (p - onehot) / sum w */
			float *dz = G[t.L];
			for (size_t i = 0; i < nb; i++) {
				int yi = y[tr[s + i]];
				double sw = cw[yi] / wsum;
				const float *pr = H[t.L] + i * K;
				eloss -= cw[yi] * log(pr[yi] > 1e-12f ? pr[yi] : 1e-12);
				for (size_t k = 0; k < K; k++)
					dz[i * K + k] = (float)(sw * (pr[k] - ((int)k == yi)));
			}
			for (int l = t.L - 1; l >= 0; l--) {
				size_t ni = t.sz[l], no = t.sz[l + 1];
				const float *in = l ? H[l] : Xb;
				float *gW = gw + t.woff[l], *gb = gw + t.boff[l];
				const float *W = w + t.woff[l];
				/* gW = dz^T in + alpha W / nb */
				float reg = (float)(p->alpha / (double)nb);
				for (size_t j = 0; j < no * ni; j++)
					gW[j] = reg * W[j];
				cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)no, (int)ni, (int)nb,
					    1.0f, G[l + 1], (int)no, in, (int)ni, 1.0f, gW, (int)ni);
				memset(gb, 0, no * sizeof *gb);
				for (size_t i = 0; i < nb; i++)
					for (size_t k = 0; k < no; k++)
						gb[k] += G[l + 1][i * no + k];
				if (l > 0) {
					/* dH = dz W; through dropout mask and ReLU */
					cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)ni,
						    (int)no, 1.0f, G[l + 1], (int)no, W, (int)ni, 0.0f, G[l], (int)ni);
					for (size_t j = 0; j < nb * ni; j++)
						if (H[l][j] <= 0)
							G[l][j] = 0;
						else if (drop)
							G[l][j] *= mask[l][j];
				}
			}
			step++;
			double c1 = 1 - pow(b1, (double)step), c2 = 1 - pow(b2, (double)step);
			float lr_t = (float)(p->lr * sqrt(c2) / c1);
			for (size_t j = 0; j < t.np; j++) {
				am[j] = (float)(b1 * am[j] + (1 - b1) * gw[j]);
				av[j] = (float)(b2 * av[j] + (1 - b2) * (double)gw[j] * gw[j]);
				w[j] -= lr_t * am[j] / (sqrtf(av[j]) + (float)eps);
			}
		}
		/* score: minus the validation loss (or the training loss without a split) */
		double score = nva ? -val_loss(&t, w, xs, y, va, nva, Xb, H, B) : -eloss / (double)ntr;
		if (score > best_score)
			memcpy(best, w, t.np * sizeof *w);
		if (score > best_score + p->tol) {
			best_score = score;
			stall = 0;
		} else {
			if (score > best_score)
				best_score = score;
			if (++stall >= p->patience)
				settled = 1;
		}
	}
	if (!settled && p->warn) {
		char msg[160];
		snprintf(msg, sizeof msg, "mlp: stopped at --epochs %d before converging (raise --epochs)",
			 p->epochs);
		p->warn(p->warn_ud, msg);
	}
	for (int l = 0; l < t.L; l++) {
		char nm[32];
		snprintf(nm, sizeof nm, "W%d", l);
		float *W = ml_array_add(m, nm, ML_F32, t.sz[l + 1], t.sz[l], err);
		snprintf(nm, sizeof nm, "b%d", l);
		float *bb = W ? ml_array_add(m, nm, ML_F32, 1, t.sz[l + 1], err) : NULL;
		if (!bb) {
			rc = err ? err->code : GRYM_ERR_NOMEM;
			break;
		}
		memcpy(W, best + t.woff[l], t.sz[l + 1] * t.sz[l] * sizeof *W);
		memcpy(bb, best + t.boff[l], t.sz[l + 1] * sizeof *bb);
	}
out:
	mlp_free_acts(&t, H, G, mask);
	free(w); free(best); free(gw); free(am); free(av); free(Xb);
	free(order); free(tr); free(va); free(cw);
	return rc;
}

static int mlp_predict(const grym_model *m, const float *xs, size_t n, float *proba, grym_error *err)
{
	net t;
	net_layout(&t, m->d, m->nclasses, &m->p);
	/* shapes first: the layout comes from the header's layer sizes, so
	 * only arrays that match it bound the allocation below */
	for (int l = 0; l < t.L; l++) {
		char nm[32];
		snprintf(nm, sizeof nm, "W%d", l);
		const ml_array *W = ml_array_get(m, nm, ML_F32);
		snprintf(nm, sizeof nm, "b%d", l);
		const ml_array *b = ml_array_get(m, nm, ML_F32);
		if (!W || !b || W->rows != t.sz[l + 1] || W->cols != t.sz[l] || b->rows != 1 ||
		    b->cols != t.sz[l + 1])
			return grym_error_set(err, GRYM_ERR_CORRUPT, "mlp layer %d has the wrong shape", l);
	}
	float *w = malloc(t.np * sizeof *w);
	if (!w)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (int l = 0; l < t.L; l++) {
		char nm[32];
		snprintf(nm, sizeof nm, "W%d", l);
		const ml_array *W = ml_array_get(m, nm, ML_F32);
		snprintf(nm, sizeof nm, "b%d", l);
		const ml_array *b = ml_array_get(m, nm, ML_F32);
		memcpy(w + t.woff[l], W->data, W->rows * W->cols * sizeof *w);
		memcpy(w + t.boff[l], b->data, b->cols * sizeof *w);
	}
	/* row by row, each sum in a fixed order (rows.c), not a batch sgemm:
	 * an item's probabilities must not depend on its batch neighbours */
	size_t wmax = 0;
	for (int l = 0; l <= t.L; l++)
		wmax = t.sz[l] > wmax ? t.sz[l] : wmax;
	float *a = malloc(wmax * sizeof *a), *o = malloc(wmax * sizeof *o);
	int rc = GRYM_OK;
	if (!a || !o) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	} else {
		for (size_t i = 0; i < n; i++) {
			memcpy(a, xs + i * m->d, m->d * sizeof *a);
			for (int l = 0; l < t.L; l++) {
				size_t ni = t.sz[l], no = t.sz[l + 1];
				const float *W = w + t.woff[l], *b = w + t.boff[l];
				for (size_t k = 0; k < no; k++) {
					float v = (float)(b[k] + ml_row_dot(a, W + k * ni, ni));
					o[k] = l + 1 < t.L && v < 0 ? 0 : v;
				}
				memcpy(a, o, no * sizeof *a);
			}
			size_t K = m->nclasses;
			float mx = a[0];
			for (size_t k = 1; k < K; k++)
				if (a[k] > mx)
					mx = a[k];
			double s = 0;
			for (size_t k = 0; k < K; k++) {
				a[k] = expf(a[k] - mx);
				s += a[k];
			}
			for (size_t k = 0; k < K; k++)
				proba[i * K + k] = (float)(a[k] / s);
		}
	}
	free(a);
	free(o);
	free(w);
	return rc;
}

/* Every layer's arrays, in the shape the layer sizes say. */
static int mlp_validate(const grym_model *m, grym_error *err)
{
	size_t d = m->d, K = m->nclasses;
	if (m->p.nhidden < 0 || m->p.nhidden > GRYM_MLP_MAX_LAYERS || K < 2)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "mlp has a bad layer count");
	for (int l = 0; l <= m->p.nhidden; l++) {
		char nm[32];
		size_t in = l ? (size_t)m->p.hidden[l - 1] : d, out = l < m->p.nhidden ? (size_t)m->p.hidden[l] : K;
		snprintf(nm, sizeof nm, "W%d", l);
		const ml_array *a = ml_array_get(m, nm, ML_F32);
		snprintf(nm, sizeof nm, "b%d", l);
		const ml_array *b = ml_array_get(m, nm, ML_F32);
		if (!a || !b || a->rows != out || a->cols != in || b->rows != 1 || b->cols != out)
			return grym_error_set(err, GRYM_ERR_CORRUPT, "mlp layer %d has the wrong shape", l);
	}
	return GRYM_OK;
}

const grym_model_kind ml_kind_mlp = {
	.name = "mlp",
	.hyper = ML_HP(CLASS_WEIGHT) | ML_HP(TOL) | ML_HP(HIDDEN) | ML_HP(DROPOUT) | ML_HP(ALPHA) |
		 ML_HP(EPOCHS) | ML_HP(BATCH_SIZE) | ML_HP(LR) | ML_HP(VAL_FRACTION) | ML_HP(PATIENCE),
	.why_not = { [ML_HPI_MAX_ITER] = "mlp: use --epochs" },
	.defaults = defaults,
	.check = check,
	.train = mlp_train,
	.predict = mlp_predict,
	.validate = mlp_validate,
};
